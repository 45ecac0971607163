"""The send log: one row per (edition, reader), written with conditions so no reader is mailed twice.

A row moves queued (dispatch) -> claimed (a send worker) -> sent (with the SES MessageId),
failed (with the reason; safe to send again) or in_doubt (the call may have reached SES and no
answer came: a dropped connection, a read timeout).  A row left "claimed" means a worker stopped
between claiming and recording the outcome, which is just as doubtful.  Readers in doubt are
never mailed again automatically: an SES event for the message (Send, Delivery, Bounce,
Complaint carry our tags) settles them as sent, or an operator decides (``settle_by_hand``).
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any, NamedTuple

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from digest.store.aws import items, table

DOUBTFUL = ("claimed", "in_doubt")  # statuses whose reader may or may not have been mailed


class Doubt(NamedTuple):
    """A reader in doubt, as the log knows them (the address comes from the subscribers table)."""

    subscriber_id: str
    since: str
    reason: str


class SendLog:
    def __init__(self, table_name: str) -> None:
        self.table = table(table_name)

    def queue(self, edition_id: str, subscriber_id: str) -> bool:
        """Record that dispatch queued this reader; False if the reader was queued (or mailed) before."""
        return self._conditional_put(edition_id, subscriber_id, "queued", "attribute_not_exists(subscriber_id)", {})

    def claim(self, edition_id: str, subscriber_id: str, *, retry_failed: bool = False) -> bool:
        """Take the right to mail this reader this edition; False if someone already has.

        Each claim carries a token of its own: when the SDK retries a claim whose first attempt
        DynamoDB applied but whose answer was lost, the retry fails its condition, and the token
        found on the row tells that the claim is ours after all.
        """
        condition = "attribute_not_exists(subscriber_id) OR #s = :queued"
        token = uuid.uuid4().hex
        values = {":queued": "queued", ":token": token}
        if retry_failed:
            condition += " OR #s = :failed"
            values[":failed"] = "failed"
        if self._conditional_put(edition_id, subscriber_id, "claimed", condition, values, "claim_token = :token"):
            return True
        row = self.table.get_item(Key={"edition_id": edition_id, "subscriber_id": subscriber_id},
                                  ConsistentRead=True).get("Item") or {}  # fmt: skip
        return row.get("status") == "claimed" and row.get("claim_token") == token

    def _conditional_put(
        self, edition_id: str, subscriber_id: str, status: str, condition: str, values: dict[str, str], also: str = ""
    ) -> bool:
        return self._update_if(
            edition_id,
            subscriber_id,
            UpdateExpression=f"SET #s = :status, {status}_at = :at" + (f", {also}" if also else ""),
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

    def settle(self, edition_id: str, subscriber_id: str, message_id: str, *, how: str = "ses-event") -> bool:
        """A row in doubt whose message SES reports it accepted (a Send, Delivery, Bounce or
        Complaint event carrying our tags) becomes sent."""
        return self._update_if(
            edition_id,
            subscriber_id,
            UpdateExpression="SET #s = :sent, message_id = :m, settled_by = :how, finished_at = :at",
            ConditionExpression="#s IN (:claimed, :doubt)",
            ExpressionAttributeValues={":sent": "sent", ":claimed": "claimed", ":doubt": "in_doubt", ":m": message_id,
                                       ":how": how, ":at": datetime.now(UTC).isoformat()},
        )  # fmt: skip

    def settle_unsent(self, edition_id: str, subscriber_id: str, reason: str, *, how: str) -> bool:
        """A row in doubt known not to have been mailed becomes failed (``resend-failed`` mails it)."""
        return self._update_if(
            edition_id,
            subscriber_id,
            UpdateExpression="SET #s = :failed, reason = :why, settled_by = :how, finished_at = :at",
            ConditionExpression="#s IN (:claimed, :doubt)",
            ExpressionAttributeValues={":failed": "failed", ":claimed": "claimed", ":doubt": "in_doubt",
                                       ":why": reason[:500], ":how": how, ":at": datetime.now(UTC).isoformat()},
        )  # fmt: skip

    def with_status(self, edition_id: str, status: str) -> list[str]:
        return [str(r["subscriber_id"]) for r in self.rows(edition_id) if r.get("status") == status]

    def mark_sent(self, edition_id: str, subscriber_id: str, message_id: str) -> None:
        self._finish(edition_id, subscriber_id, "sent", message_id=message_id)

    def mark_failed(self, edition_id: str, subscriber_id: str, reason: str) -> None:
        self._finish(edition_id, subscriber_id, "failed", reason=reason[:500])

    def mark_in_doubt(self, edition_id: str, subscriber_id: str, reason: str) -> None:
        """The call may have reached SES and no answer came: never mail this reader again blindly."""
        self._finish(edition_id, subscriber_id, "in_doubt", reason=reason[:500])

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

    def tally(self, edition_id: str) -> tuple[dict[str, int], list[Doubt]]:
        """Rows per status and the readers in doubt, from one read of the edition's rows."""
        rows = self.rows(edition_id)
        doubts = [
            Doubt(str(row["subscriber_id"]), str(row.get("finished_at") or row.get("claimed_at") or ""),
                  str(row.get("reason") or "the send worker stopped before recording the outcome"))
            for row in rows
            if row.get("status") in DOUBTFUL
        ]  # fmt: skip
        return dict(Counter(str(row["status"]) for row in rows)), doubts

    def counts(self, edition_id: str) -> dict[str, int]:
        return dict(Counter(str(row["status"]) for row in self.rows(edition_id)))

    def for_subscriber(self, subscriber_id: str) -> list[dict[str, Any]]:
        """Every row about one reader, across editions (a scan: for exports, not for sending)."""
        rows = items(self.table.scan, FilterExpression=Attr("subscriber_id").eq(subscriber_id))
        return sorted(rows, key=lambda row: str(row.get("claimed_at", "")))
