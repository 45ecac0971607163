"""Articles: metadata in DynamoDB, page HTML in S3, one record per article however often it is seen.

Besides the articles themselves the table holds small alias items (``alias#…`` ids, never in the
ByDay index): one per (feed, GUID) and one per text fingerprint band, pointing at the article they
belong to.  They let a later sighting under a new address (a changed link, a syndicated copy) find
the article it repeats, so the article id stays stable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from digest.ingest.dedup import bands, same_text
from digest.models import Article
from digest.store.aws import client, items, plain, table, to_item

ALIAS = "alias#"
# The table's TTL attribute (template.yaml ArticlesTable): epoch seconds after which DynamoDB deletes
# the article or alias.  Set to the last time it was stored plus the retention (ArticleRetentionDays),
# so an article a feed still lists is kept, and an old one goes once no edition can want it.
EXPIRES = "expires"


def _guid_alias(article: Article) -> str | None:
    if not article.guid:
        return None
    key = f"{article.source_id or article.source}\n{article.guid}".encode()
    return f"{ALIAS}guid#{hashlib.sha256(key).hexdigest()[:32]}"


class ArticleStore:
    def __init__(self, table_name: str, bucket: str, *, retention_days: int = 90) -> None:
        self.table = table(table_name)
        self.bucket = bucket
        self.retention = timedelta(days=retention_days)

    def _expires(self) -> int:
        return int((datetime.now(UTC) + self.retention).timestamp())

    def get(self, article_id: str) -> Article | None:
        item = self.table.get_item(Key={"id": article_id}).get("Item")
        return Article.model_validate(plain(item)) if item and "title" in item else None

    def find_existing_by_url(self, url: str) -> Article | None:
        """The stored article for a page address (tracking parameters and fragments do not matter)."""
        from digest.ingest.urls import article_id, canonical_url

        canonical = canonical_url(url)
        return self.get(article_id(canonical)) or self._by_copy(canonical)

    def _by_copy(self, canonical: str) -> Article | None:
        for item in items(self.table.scan, FilterExpression=Attr("copies").contains(canonical)):
            return Article.model_validate(plain(item))
        return None

    def _target(self, alias: str) -> str | None:
        item = self.table.get_item(Key={"id": alias}).get("Item")
        return str(item["target"]) if item else None

    def find_existing(self, article: Article) -> Article | None:
        """The stored article this one repeats: same id (canonical URL), same feed GUID, or same text."""
        found = self.get(article.id)
        if found:
            return found
        guid = _guid_alias(article)
        target = self._target(guid) if guid else None
        if target and (found := self.get(target)):
            return found
        for band in bands(article.text):
            target = self._target(f"{ALIAS}text#{band}")
            if target and (found := self.get(target)) and same_text(found.text, article.text):
                return found
        return None

    def put(self, article: Article, page_html: bytes | None = None) -> tuple[Article, bool]:
        """Store an article, folding it into the article it repeats if any.

        Returns the stored article (whose id is the first sighting's) and whether it is new.
        """
        existing = self.find_existing(article)
        if existing:
            copies = list(existing.copies)
            if article.url != existing.url and article.url not in copies:
                copies.append(article.url)
            article = existing.model_copy(
                update={
                    "title": article.title or existing.title,
                    "summary": article.summary or existing.summary,
                    "text": article.text if len(article.text) > len(existing.text) else existing.text,
                    "image": existing.image or article.image,
                    "author": existing.author or article.author,
                    "hand_picked": existing.hand_picked or article.hand_picked,
                    "pin": article.pin or existing.pin,
                    "copies": copies[-20:],
                }
            )
        if page_html is not None:
            client("s3").put_object(
                Bucket=self.bucket,
                Key=self.page_key(article.id),
                Body=page_html,
                ContentType="text/html; charset=utf-8",
            )
        expires = self._expires()
        self.table.put_item(Item={**self._item(article), EXPIRES: expires})
        aliases = [_guid_alias(article), *(f"{ALIAS}text#{band}" for band in bands(article.text))]
        with self.table.batch_writer() as batch:
            for alias in filter(None, aliases):
                batch.put_item(Item={"id": alias, "target": article.id, EXPIRES: expires})
        return article, existing is None

    def upload(self, key: str, max_bytes: int) -> tuple[bytes, dict[str, str]]:
        """An object an editor uploaded (bytes and user metadata); refuses anything over ``max_bytes``."""
        head = client("s3").head_object(Bucket=self.bucket, Key=key)
        if head["ContentLength"] > max_bytes:
            raise ValueError(f"{key} is {head['ContentLength']} bytes, more than the {max_bytes} allowed")
        reply = client("s3").get_object(Bucket=self.bucket, Key=key)
        return reply["Body"].read(), dict(reply.get("Metadata", {}))

    @staticmethod
    def page_key(article_id: str) -> str:
        return f"pages/{article_id[:2]}/{article_id}.html"

    @staticmethod
    def _item(article: Article) -> dict[str, Any]:
        published = article.published
        return to_item(article, day=published.strftime("%Y-%m-%d"), published=published.isoformat())

    def between(self, start: datetime, end: datetime) -> Iterator[Article]:
        """Articles published in [start, end), through the ByDay index (one query per UTC day)."""
        day = start.date()
        while day <= end.date():
            query: dict[str, Any] = {
                "IndexName": "ByDay",
                "KeyConditionExpression": Key("day").eq(day.isoformat())
                & Key("published").between(start.isoformat(), end.isoformat()),
            }
            for item in items(self.table.query, **query):
                article = Article.model_validate(plain(item))
                if start <= article.published < end:
                    yield article
            day += timedelta(days=1)

    def count(self) -> int:
        return sum(1 for i in items(self.table.scan, ProjectionExpression="id") if not str(i["id"]).startswith(ALIAS))
