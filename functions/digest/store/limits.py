"""Rate limits as atomic, conditional counters in DynamoDB (the idempotency table, whose TTL is ``expiration``).

Each limit is a fixed window: one item per (name, subject, window) holding a count that an update
raises by one only while it is below the limit, so concurrent Lambdas can never overshoot it.
Subjects must already be pseudonymous (a hash): the items outlive nothing but their window.
"""

from __future__ import annotations

import time

from botocore.exceptions import ClientError

from digest.store.aws import table

PREFIX = "limit#"


class Limits:
    def __init__(self, table_name: str) -> None:
        self.table = table(table_name)

    def hit(self, name: str, subject: str, *, limit: int, window_seconds: int, now: float | None = None) -> bool:
        """Count one event of ``name`` for ``subject``; False (counting nothing) if the window is full."""
        now = time.time() if now is None else now
        window = int(now // window_seconds)
        try:
            self.table.update_item(
                Key={"id": f"{PREFIX}{name}#{subject}#{window}"},
                UpdateExpression="SET #e = if_not_exists(#e, :e) ADD #c :one",
                ConditionExpression="attribute_not_exists(#c) OR #c < :limit",
                ExpressionAttributeNames={"#c": "count", "#e": "expiration"},
                ExpressionAttributeValues={":one": 1, ":limit": limit, ":e": (window + 1) * window_seconds + 60},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def count(self, name: str, subject: str, *, window_seconds: int, now: float | None = None) -> int:
        """Events counted so far in the current window (for tests and the admin's eyes)."""
        now = time.time() if now is None else now
        window = int(now // window_seconds)
        item = self.table.get_item(Key={"id": f"{PREFIX}{name}#{subject}#{window}"}).get("Item") or {}
        return int(item.get("count", 0))
