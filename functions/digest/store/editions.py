"""Editions: the draft/approved document in DynamoDB, rendered files in the archive bucket."""

from __future__ import annotations

from contextlib import suppress

from botocore.exceptions import ClientError

from digest.models import Edition
from digest.store.aws import client, items, plain, table

LINK_PREFIX = "link "  # a counter per clicked link sits beside the edition's counters
LINK_MAX = 1000


class EditionStore:
    def __init__(self, table_name: str, archive_bucket: str) -> None:
        self.table = table(table_name)
        self.bucket = archive_bucket

    def save(self, edition: Edition) -> None:
        # update, not put: the send and feedback counters live on the same item
        self.table.update_item(
            Key={"id": edition.id},
            UpdateExpression="SET #n = :n, #s = :s, window_end = :w, doc = :d",
            ExpressionAttributeNames={"#n": "number", "#s": "status"},
            ExpressionAttributeValues={
                ":n": edition.number,
                ":s": edition.status.value,
                ":w": edition.window_end.isoformat(),
                ":d": edition.model_dump_json(),
            },
        )

    def get(self, edition_id: str) -> Edition | None:
        item = self.table.get_item(Key={"id": edition_id}).get("Item")
        return Edition.model_validate_json(item["doc"]) if item and "doc" in item else None

    def all(self) -> list[Edition]:
        found = (Edition.model_validate_json(i["doc"]) for i in items(self.table.scan) if "doc" in i)
        return sorted(found, key=lambda e: e.window_end)

    def add_stats(self, edition_id: str, **counts: int) -> bool:
        """Atomically add to an existing edition's counters (sent, delivered, bounced, …).

        Returns False, changing nothing, when there is no such edition.
        """
        names = {f"#{k}": k for k in counts}
        values = {f":{k}": v for k, v in counts.items()}
        try:
            self.table.update_item(
                Key={"id": edition_id},
                UpdateExpression="ADD " + ", ".join(f"#{k} :{k}" for k in counts),
                ConditionExpression="attribute_exists(id)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def add_link_click(self, edition_id: str, url: str) -> None:
        """Count one click on ``url`` (a top-level counter ``LINK_PREFIX + url``, for the stats page)."""
        with suppress(ClientError):  # no such edition: nothing to count it on
            self.table.update_item(
                Key={"id": edition_id},
                UpdateExpression="ADD #link :one",
                ConditionExpression="attribute_exists(id)",
                ExpressionAttributeNames={"#link": LINK_PREFIX + url[:LINK_MAX]},
                ExpressionAttributeValues={":one": 1},
            )

    def link_clicks(self, edition_id: str) -> dict[str, int]:
        """Clicks per link of an edition, most clicked first."""
        stats = self.stats(edition_id)
        counts = {k.removeprefix(LINK_PREFIX): v for k, v in stats.items() if k.startswith(LINK_PREFIX)}
        return dict(sorted(counts.items(), key=lambda item: -item[1]))

    def stats(self, edition_id: str) -> dict[str, int]:
        item = self.table.get_item(Key={"id": edition_id}).get("Item") or {}
        skip = {"id", "number", "status", "window_end", "doc"}
        return {k: int(plain(v)) for k, v in item.items() if k not in skip}

    # Rendered files ------------------------------------------------------------------
    def put_file(self, key: str, body: str, content_type: str) -> None:
        client("s3").put_object(
            Bucket=self.bucket, Key=key, Body=body.encode("utf-8"), ContentType=f"{content_type}; charset=utf-8"
        )

    def get_file(self, key: str) -> str:
        return client("s3").get_object(Bucket=self.bucket, Key=key)["Body"].read().decode("utf-8")
