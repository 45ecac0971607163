"""The sources registry: which feeds to poll, and how polling went."""

from __future__ import annotations

from datetime import datetime, timedelta

from digest.models import Source
from digest.store.aws import items, plain, table, to_item


class SourceStore:
    def __init__(self, table_name: str) -> None:
        self.table = table(table_name)

    def put(self, source: Source) -> None:
        self.table.put_item(Item=to_item(source))

    def get(self, source_id: str) -> Source | None:
        item = self.table.get_item(Key={"id": source_id}).get("Item")
        return Source.model_validate(plain(item)) if item else None

    def all(self) -> list[Source]:
        return sorted((Source.model_validate(plain(i)) for i in items(self.table.scan)), key=lambda s: s.id)

    def due(self, now: datetime) -> list[Source]:
        """Active sources whose poll interval has passed."""
        return [
            s
            for s in self.all()
            if s.active and (s.last_fetched is None or s.last_fetched + timedelta(minutes=s.poll_minutes) <= now)
        ]
