"""The send log: one row per (edition, reader), written with conditions so no reader is mailed twice.

A row moves claimed -> sent (with the SES MessageId) or claimed -> failed (with the reason).
A row left "claimed" means a worker stopped between claiming and recording the outcome: SES may
or may not have accepted that message, so it is reported as in doubt and never retried blindly.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from digest.store.aws import items, table


class SendLog:
    def __init__(self, table_name: str) -> None:
        self.table = table(table_name)

    def claim(self, edition_id: str, subscriber_id: str, *, retry_failed: bool = False) -> bool:
        """Take the right to mail this reader this edition; False if someone already has."""
        condition = "attribute_not_exists(subscriber_id)"
        if retry_failed:
            condition += " OR #s = :failed"
        try:
            self.table.put_item(
                Item={
                    "edition_id": edition_id,
                    "subscriber_id": subscriber_id,
                    "status": "claimed",
                    "claimed_at": datetime.now(UTC).isoformat(),
                },
                ConditionExpression=condition,
                **(
                    {"ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":failed": "failed"}}
                    if retry_failed
                    else {}
                ),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def mark_sent(self, edition_id: str, subscriber_id: str, message_id: str) -> None:
        self._finish(edition_id, subscriber_id, "sent", message_id=message_id)

    def mark_failed(self, edition_id: str, subscriber_id: str, reason: str) -> None:
        self._finish(edition_id, subscriber_id, "failed", reason=reason[:500])

    def _finish(self, edition_id: str, subscriber_id: str, status: str, **fields: str) -> None:
        names = {"#s": "status", **{f"#{k}": k for k in fields}}
        values = {":s": status, ":at": datetime.now(UTC).isoformat(), **{f":{k}": v for k, v in fields.items()}}
        sets = ", ".join(["#s = :s", "finished_at = :at", *(f"#{k} = :{k}" for k in fields)])
        self.table.update_item(
            Key={"edition_id": edition_id, "subscriber_id": subscriber_id},
            UpdateExpression=f"SET {sets}",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def rows(self, edition_id: str) -> list[dict[str, Any]]:
        return list(items(self.table.query, KeyConditionExpression=Key("edition_id").eq(edition_id)))

    def counts(self, edition_id: str) -> dict[str, int]:
        return dict(Counter(str(row["status"]) for row in self.rows(edition_id)))
