"""A sendable week for tests and benchmarks: an approved edition and its readers on the local stack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digest.ingest.urls import article_id
from digest.models import Article, EditionStatus, Subscriber, SubscriberStatus
from digest.readers import subscriber_id
from digest.settings import get_settings
from digest.store.articles import ArticleStore
from digest.store.aws import table, to_item
from digest.stories.service import build_edition, set_status


def approved_edition(week: str, readers: int, prefix: str, *, who: str = "test") -> list[Subscriber]:
    """An approved edition for ``week`` (three short stories) and ``readers`` confirmed readers
    ``<prefix><n>@example.com``, plus an unsubscribed, a suppressed and a pending one who must never
    get it.  Returns the confirmed readers."""
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
    set_status(settings, week, EditionStatus.approved, who=who)
    confirmed = []
    with table(settings.subscribers_table).batch_writer() as batch:
        for n in range(readers):
            email = f"{prefix}{n}@example.com"
            reader = Subscriber(id=subscriber_id(email), email=email, status=SubscriberStatus.confirmed)
            batch.put_item(Item=to_item(reader))
            confirmed.append(reader)
        for status in (SubscriberStatus.unsubscribed, SubscriberStatus.suppressed, SubscriberStatus.pending):
            email = f"{prefix}-{status.value}@example.com"
            batch.put_item(Item=to_item(Subscriber(id=subscriber_id(email), email=email, status=status)))
    return confirmed
