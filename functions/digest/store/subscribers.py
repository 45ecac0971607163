"""Readers in DynamoDB, keyed by a hash of the address (so erase can keep only the hash)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from boto3.dynamodb.conditions import Key

from digest.models import Subscriber, SubscriberStatus
from digest.store.aws import items, plain, table, to_item


class SubscriberStore:
    def __init__(self, table_name: str) -> None:
        self.table = table(table_name)

    def put(self, subscriber: Subscriber) -> None:
        self.table.put_item(Item=to_item(subscriber))

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
