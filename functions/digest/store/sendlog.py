"""The send log: one row per (edition, reader), written with conditions so no reader is mailed twice.

A row moves queued (dispatch) -> claimed (a send worker) -> sent (with the SES MessageId) or
failed (with the reason).  A row left "claimed" means a worker stopped between claiming and
recording the outcome: SES may or may not have accepted that message, so it is reported as in
doubt and never retried blindly (an SES "Send" event for it later settles it as sent).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from digest.store.aws import items, table


class SendLog:
    def __init__(self, table_name: str) -> None:
        self.table = table(table_name)

    def queue(self, edition_id: str, subscriber_id: str) -> bool:
        """Record that dispatch queued this reader; False if the reader was queued (or mailed) before."""
        return self._conditional_put(edition_id, subscriber_id, "queued", "attribute_not_exists(subscriber_id)", {})

    def claim(self, edition_id: str, subscriber_id: str, *, retry_failed: bool = False) -> bool:
        """Take the right to mail this reader this edition; False if someone already has."""
        condition = "attribute_not_exists(subscriber_id) OR #s = :queued"
        values = {":queued": "queued"}
        if retry_failed:
            condition += " OR #s = :failed"
            values[":failed"] = "failed"
        return self._conditional_put(edition_id, subscriber_id, "claimed", condition, values)

    def _conditional_put(
        self, edition_id: str, subscriber_id: str, status: str, condition: str, values: dict[str, str]
    ) -> bool:
        return self._update_if(
            edition_id,
            subscriber_id,
            UpdateExpression=f"SET #s = :status, {status}_at = :at",
            ConditionExpression=condition,
            ExpressionAttributeValues={":status": status, ":at": datetime.now(UTC).isoformat(), **values},
        )

    def _update_if(self, edition_id: str, subscriber_id: str, **update: Any) -> bool:
        """One conditional update of a reader's row; False if its condition did not hold."""
        try:
            self.table.update_item(
                Key={"edition_id": edition_id, "subscriber_id": subscriber_id},
                ExpressionAttributeNames={"#s": "status"},
                **update,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def skip(self, edition_id: str, subscriber_id: str, reason: str) -> bool:
        """A queued (or failed) reader who must not be mailed after all: unsubscribed, suppressed or
        erased since dispatch.  Never touches a claimed or sent row."""
        return self._update_if(
            edition_id,
            subscriber_id,
            UpdateExpression="SET #s = :skipped, skipped_at = :at, reason = :why",
            ConditionExpression="attribute_not_exists(subscriber_id) OR #s IN (:queued, :failed)",
            ExpressionAttributeValues={":skipped": "skipped", ":at": datetime.now(UTC).isoformat(),
                                       ":why": reason[:200], ":queued": "queued", ":failed": "failed"},
        )  # fmt: skip

    def settle(self, edition_id: str, subscriber_id: str, message_id: str) -> bool:
        """An in-doubt row whose message SES reports it accepted (a "Send" event) becomes sent."""
        return self._update_if(
            edition_id,
            subscriber_id,
            UpdateExpression="SET #s = :sent, message_id = :m, settled_by = :how",
            ConditionExpression="#s = :claimed",
            ExpressionAttributeValues={":sent": "sent", ":claimed": "claimed", ":m": message_id, ":how": "ses-event"},
        )

    def with_status(self, edition_id: str, status: str) -> list[str]:
        return [str(r["subscriber_id"]) for r in self.rows(edition_id) if r.get("status") == status]

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

    def logged(self, edition_id: str) -> set[str]:
        """Every reader with a row for this edition (only the keys are read)."""
        found = items(self.table.query, KeyConditionExpression=Key("edition_id").eq(edition_id),
                      ProjectionExpression="subscriber_id")  # fmt: skip
        return {str(row["subscriber_id"]) for row in found}

    def tally(self, edition_id: str) -> tuple[dict[str, int], list[str]]:
        """Rows per status and the readers in doubt (claimed), from one read of the edition's rows."""
        rows = self.rows(edition_id)
        claimed = [str(row["subscriber_id"]) for row in rows if row.get("status") == "claimed"]
        return dict(Counter(str(row["status"]) for row in rows)), claimed

    def counts(self, edition_id: str) -> dict[str, int]:
        return dict(Counter(str(row["status"]) for row in self.rows(edition_id)))

    def for_subscriber(self, subscriber_id: str) -> list[dict[str, Any]]:
        """Every row about one reader, across editions (a scan: for exports, not for sending)."""
        rows = items(self.table.scan, FilterExpression=Attr("subscriber_id").eq(subscriber_id))
        return sorted(rows, key=lambda row: str(row.get("claimed_at", "")))
