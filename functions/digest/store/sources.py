"""The sources registry: which feeds to poll, how polling went, and hosts that asked us to wait.

A host's hold is a small ``host#<name>`` item beside the sources, so a 429 from one feed of a
publisher pauses all of that publisher's feeds.
"""

from __future__ import annotations

from datetime import datetime

from digest.models import Source
from digest.store.aws import items, plain, table, to_item

HOST = "host#"


class SourceStore:
    def __init__(self, table_name: str) -> None:
        self.table = table(table_name)

    def put(self, source: Source) -> None:
        self.table.put_item(Item=to_item(source))

    def get(self, source_id: str) -> Source | None:
        item = self.table.get_item(Key={"id": source_id}).get("Item")
        return Source.model_validate(plain(item)) if item else None

    def delete(self, source_id: str) -> None:
        self.table.delete_item(Key={"id": source_id})

    def all(self) -> list[Source]:
        found = (Source.model_validate(plain(i)) for i in items(self.table.scan) if not str(i["id"]).startswith(HOST))
        return sorted(found, key=lambda s: s.id)

    def hold_host(self, host: str, until: datetime) -> None:
        self.table.put_item(Item={"id": f"{HOST}{host.lower()}", "until": until.isoformat()})

    def host_hold(self, host: str) -> datetime | None:
        item = self.table.get_item(Key={"id": f"{HOST}{host.lower()}"}).get("Item")
        return datetime.fromisoformat(str(item["until"])) if item else None
