"""Articles: metadata in DynamoDB, page HTML in S3."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key

from digest.models import Article
from digest.store.aws import client, items, plain, table, to_item


class ArticleStore:
    def __init__(self, table_name: str, bucket: str) -> None:
        self.table = table(table_name)
        self.bucket = bucket

    def get(self, article_id: str) -> Article | None:
        item = self.table.get_item(Key={"id": article_id}).get("Item")
        return Article.model_validate(plain(item)) if item else None

    def put(self, article: Article, page_html: bytes | None = None) -> bool:
        """Store an article; an article seen before is updated in place.  Returns True if it is new."""
        existing = self.get(article.id)
        if existing:
            article = article.model_copy(
                update={
                    "ingested": existing.ingested,
                    "hand_picked": existing.hand_picked or article.hand_picked,
                    "text": article.text or existing.text,
                    "image": article.image or existing.image,
                }
            )
        if page_html is not None:
            client("s3").put_object(
                Bucket=self.bucket,
                Key=self.page_key(article.id),
                Body=page_html,
                ContentType="text/html; charset=utf-8",
            )
        self.table.put_item(Item=self._item(article))
        return existing is None

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
        return sum(1 for _ in items(self.table.scan, ProjectionExpression="id"))
