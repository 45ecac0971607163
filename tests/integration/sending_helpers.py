"""Helpers the sending tests share: an approved edition with its readers, and what SES (moto) received."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from digest.ingest.urls import article_id
from digest.local.motoserver import received_messages
from digest.models import Article, EditionStatus, Subscriber, SubscriberStatus
from digest.readers import subscriber_id
from digest.settings import get_settings
from digest.store.articles import ArticleStore
from digest.store.subscribers import SubscriberStore
from digest.stories.service import build_edition, set_status


def mailed(endpoint: str, edition_id: str) -> Counter[str]:
    return Counter(m.destinations[0] for m in received_messages(endpoint) if f"X-Digest-Edition: {edition_id}" in m.raw)


def approved_edition(week: str, readers: int, prefix: str) -> list[Subscriber]:
    """An approved edition for ``week`` and ``readers`` confirmed readers (plus some who must never get it)."""
    settings = get_settings()
    store = ArticleStore(settings.articles_table, settings.articles_bucket)
    year, number = week.split("-W")
    monday = datetime.fromisocalendar(int(year), int(number), 1).replace(tzinfo=UTC)
    for n in range(3):
        url = f"https://news.example.org/{week}/{n}"
        store.put(Article(id=article_id(url), url=url, title=f"Harbour story number {n} of week {week}",
                          text="Some text about the harbour.", source=f"Outlet {n}",
                          published=monday + timedelta(hours=n)))  # fmt: skip
    build_edition(settings, week)
    set_status(settings, week, EditionStatus.approved, who="test")
    subscribers = SubscriberStore(settings.subscribers_table)
    confirmed = []
    for n in range(readers):
        email = f"{prefix}{n}@example.com"
        reader = Subscriber(id=subscriber_id(email), email=email, status=SubscriberStatus.confirmed)
        subscribers.put(reader)
        confirmed.append(reader)
    for status in (SubscriberStatus.unsubscribed, SubscriberStatus.suppressed, SubscriberStatus.pending):
        email = f"{prefix}-{status.value}@example.com"
        subscribers.put(Subscriber(id=subscriber_id(email), email=email, status=status))
    return confirmed
