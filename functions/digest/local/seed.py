"""`digest stack seed`: a local stack in which every example event in events/ means something.

The events name edition 2026-W48, the source ``harbour-herald``, the reader ``reader@example.com``
(subscriber d108b279434fe1d54ac0f1da) and the upload ``picks/2026-11-26/editors-picks.jsonl``.
This puts them there: the sample site's outlets as sources (fetched from ``site_url`` when a sample
site runs there), the week's articles, the sample readers and that reader confirmed, the edition
built, rendered and approved, and the editors' picks file in the articles bucket.

``approved_edition`` makes a sendable week for the sending tests and benchmarks.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from digest.settings import REPO_ROOT, Settings

if TYPE_CHECKING:
    from digest.models import Subscriber

WEEK = "2026-W48"
READER = "reader@example.com"
PICKS_KEY = "picks/2026-11-26/editors-picks.jsonl"
PICKS = [
    {"url": "https://example.org/2026/11/26/harbour-dredging-plan", "title": "Harbour dredging plan approved",
     "text": "The council approved the harbour dredging plan on Thursday after a two-year consultation. "
             "Work starts in the spring and the channel will be closed to large ships for six weeks.",
     "published": "2026-11-26T09:00:00Z"},
    {"url": "https://example.org/2026/11/26/library-reopens", "title": "The central library reopens",
     "text": "After eighteen months of repairs the central library reopened its doors with a new children's "
             "floor, longer opening hours and a makerspace in the old reading room.",
     "published": "2026-11-26T10:30:00Z"},
]  # fmt: skip


def week_window(settings: Settings, week: str = WEEK) -> tuple[datetime, datetime]:
    from digest.stories.window import edition_window

    _, start, end = edition_window(week, timezone=settings.newsroom_timezone, send_day=settings.send_day,
                                   send_hour=settings.send_hour, now=datetime.now(UTC))  # fmt: skip
    return start, end


def seed(settings: Settings, *, site_url: str | None = None, edition: bool = True,
         feed_urls: dict[str, str] | None = None) -> list[str]:  # fmt: skip
    """Fill the local stack (made by `digest stack create`); returns what was done, line by line."""
    from digest.ingest.service import import_articles
    from digest.local.site import SampleSite
    from digest.local.stack import create_secrets
    from digest.models import EditionStatus, Source, SubscriberStatus
    from digest.readers import parse_import
    from digest.render.publish import publish
    from digest.store.articles import ArticleStore
    from digest.store.aws import client
    from digest.store.sources import SourceStore
    from digest.store.subscribers import SubscriberStore
    from digest.stories.service import build_edition, set_status

    done: list[str] = create_secrets(settings)
    start, end = week_window(settings)
    site = SampleSite(start, end - timedelta(minutes=5))
    if feed_urls is None:
        base = (site_url or "http://127.0.0.1:8001").rstrip("/")
        feed_urls = {slug: f"{base}{site.feed_path(slug)}" for slug in site.outlets}
    sources = SourceStore(settings.sources_table)
    for slug, url in feed_urls.items():
        outlet = site.outlets[slug]
        sources.put(Source(id=slug, name=outlet["name"], feed_url=url, authority=outlet["authority"]))
    done.append(f"{len(feed_urls)} sources (feeds at {next(iter(feed_urls.values()), '-')} ...)")

    # the week's articles, as the ingest workers would have stored them from the sample site
    lines = [json.dumps({"url": f"https://{a.outlet['slug']}.example{a.path}", "title": a.data["title"],
                         "summary": a.data["summary"], "text": "\n\n".join(a.data["paragraphs"]),
                         "author": a.data["author"], "published": a.published.isoformat(),
                         "source": a.outlet["name"], "kind": a.data["kind"]})
             for a in site.articles]  # fmt: skip
    stored = import_articles(settings, lines)
    done.append(f"{sum(1 for r in stored if 'id' in r)} articles of {WEEK}")

    readers = SubscriberStore(settings.subscribers_table)
    imported = parse_import((REPO_ROOT / "sample" / "subscribers.csv").read_text(encoding="utf-8"))
    extra = parse_import(f"email,name,sections,timezone,status\n{READER},Jane Reader,,Europe/London,confirmed\n")
    for reader in [*imported.readers, *extra.readers]:
        reader.status = SubscriberStatus.confirmed
        readers.put(reader)
    done.append(f"{len(imported.readers) + 1} confirmed readers, {READER} among them")

    if edition:
        built = build_edition(settings, WEEK, now=end + timedelta(hours=1))
        publish(settings, built)
        approved = set_status(settings, built.id, EditionStatus.approved, who="seed")
        publish(settings, approved)
        done.append(f"edition {built.id}: {len(built.stories())} stories, approved and published")

    articles = ArticleStore(settings.articles_table, settings.articles_bucket)
    client("s3").put_object(Bucket=articles.bucket, Key=PICKS_KEY,
                            Body="".join(json.dumps(p) + "\n" for p in PICKS).encode())  # fmt: skip
    done.append(f"s3://{articles.bucket}/{PICKS_KEY}")
    return done


def approved_edition(week: str, readers: int, prefix: str, *, who: str = "test") -> list[Subscriber]:
    """An approved edition for ``week`` (three short stories) and ``readers`` confirmed readers
    ``<prefix><n>@example.com``, plus an unsubscribed, a suppressed and a pending one who must never
    get it.  Returns the confirmed readers."""
    from digest.ingest.urls import article_id
    from digest.models import Article, EditionStatus, Subscriber, SubscriberStatus
    from digest.readers import subscriber_id
    from digest.settings import get_settings
    from digest.store.articles import ArticleStore
    from digest.store.aws import table, to_item
    from digest.stories.service import build_edition, set_status

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
