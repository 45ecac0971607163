"""Readers in DynamoDB, keyed by a hash of the address (so erase can keep only the hash)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from digest.models import Subscriber, SubscriberStatus
from digest.store.aws import items, plain, table, to_item


class SubscriberStore:
    def __init__(self, table_name: str) -> None:
        self.table = table(table_name)

    def put(self, subscriber: Subscriber) -> None:
        self.table.put_item(Item=to_item(subscriber))

    def put_if_unchanged(self, subscriber: Subscriber, before: Subscriber | None) -> bool:
        """Write unless the item changed since ``before`` was read; False when it did (nothing written)."""
        unchanged = Attr("updated").eq(to_item(before)["updated"]) if before else Attr("id").not_exists()
        try:
            self.table.put_item(Item=to_item(subscriber), ConditionExpression=unchanged)
        except self.table.meta.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def get(self, subscriber_id: str) -> Subscriber | None:
        item = self.table.get_item(Key={"id": subscriber_id}).get("Item")
        return Subscriber.model_validate(plain(item)) if item else None

    def get_many(self, ids: list[str]) -> list[Subscriber]:
        found: list[Subscriber] = []
        for chunk in (ids[i : i + 100] for i in range(0, len(ids), 100)):
            request: dict[str, Any] = {self.table.name: {"Keys": [{"id": i} for i in chunk]}}
            while request:
                reply = self.table.meta.client.batch_get_item(RequestItems=request)
                found.extend(Subscriber.model_validate(plain(i)) for i in reply["Responses"][self.table.name])
                request = reply.get("UnprocessedKeys") or {}
        order = {sid: n for n, sid in enumerate(ids)}
        return sorted(found, key=lambda s: order[s.id])

    def with_status(self, status: SubscriberStatus, page_size: int = 500) -> Iterator[Subscriber]:
        """Readers of one status, paged through the ByStatus index in id order."""
        found = items(
            self.table.query,
            IndexName="ByStatus",
            KeyConditionExpression=Key("status").eq(status.value),
            Limit=page_size,
        )
        return (Subscriber.model_validate(plain(item)) for item in found)

    def all(self) -> Iterator[Subscriber]:
        return (Subscriber.model_validate(plain(item)) for item in items(self.table.scan))

    def page(
        self,
        *,
        status: SubscriberStatus | None,
        search: str | None,
        limit: int,
        start: dict[str, str] | None,
    ) -> tuple[list[Subscriber], dict[str, str] | None]:
        """Up to ``limit`` readers (of one status, matching ``search`` in address or name) after ``start``.

        Returns the readers and the key to continue from (None at the end).  The key is the last
        returned reader's, so a page cut short by the limit resumes exactly after it.
        """
        request: dict[str, Any] = {"Limit": max(limit, 25)}
        if search:
            request["FilterExpression"] = Attr("email").contains(search.lower()) | Attr("name").contains(search)
        if start:
            request["ExclusiveStartKey"] = start
        if status is not None:
            request.update(IndexName="ByStatus", KeyConditionExpression=Key("status").eq(status.value))
            call = self.table.query
        else:
            call = self.table.scan
        found: list[Subscriber] = []
        while True:
            reply = call(**request)
            for item in reply.get("Items", []):
                found.append(Subscriber.model_validate(plain(item)))
                if len(found) == limit:
                    last = found[-1]
                    key = {"id": last.id, **({"status": last.status.value} if status is not None else {})}
                    more = item is not reply["Items"][-1] or "LastEvaluatedKey" in reply
                    return found, key if more else None
            if "LastEvaluatedKey" not in reply:
                return found, None
            request["ExclusiveStartKey"] = reply["LastEvaluatedKey"]
