"""Ingest, orchestrated: which sources are due, and one source's poll from feed to stored articles."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from digest.ingest.extract import extract_page
from digest.ingest.feeds import FeedError, parse_feed
from digest.ingest.fetch import Fetcher, FetchError
from digest.ingest.urls import article_id
from digest.models import Article, Kind, Source
from digest.settings import Settings
from digest.store.articles import ArticleStore
from digest.store.queues import queue_url, send_messages
from digest.store.sources import SourceStore

PAGE_WORKERS = 4


@dataclass
class IngestReport:
    source_id: str
    new: int = 0
    updated: int = 0
    not_modified: bool = False
    errors: list[str] = field(default_factory=list)


def fan_out(settings: Settings, now: datetime | None = None) -> int:
    """Enqueue one ingest message per source that is due; returns how many."""
    due = SourceStore(settings.sources_table).due(now or datetime.now(UTC))
    url = queue_url(settings.ingest_queue_url, "ingest")
    return send_messages(url, [{"source_id": s.id} for s in due])


def _with_page(article: Article, fetcher: Fetcher) -> tuple[Article, bytes | None, str | None]:
    """The article completed from its own page (text, image, author); the feed's data if that fails."""
    try:
        page = fetcher.fetch(article.url)
        extracted = extract_page(page.body, url=page.url)
    except (FetchError, ValueError) as error:
        return article, None, f"{article.url}: {error}"
    update = {
        "text": extracted.text or article.text,
        "image": article.image or extracted.image,
        "author": article.author or extracted.author,
        "lang": article.lang or extracted.lang,
    }
    if extracted.kind and article.kind is Kind.news:  # the page knows better than a feed's default
        update["kind"] = extracted.kind
    return article.model_copy(update=update), page.body, None


def ingest_source(source_id: str, settings: Settings, fetcher: Fetcher | None = None) -> IngestReport:
    """Poll one source: conditional GET of its feed, then each new article's page."""
    sources = SourceStore(settings.sources_table)
    source = sources.get(source_id)
    if source is None:
        raise LookupError(f"no source with id {source_id!r}")
    fetcher = fetcher or Fetcher.from_settings(settings)
    report = IngestReport(source_id)
    now = datetime.now(UTC)
    try:
        reply = fetcher.fetch(str(source.feed_url), etag=source.etag, last_modified=source.last_modified)
        if reply.not_modified:
            report.not_modified = True
        else:
            _store_feed(source, reply.body, str(reply.url), settings, fetcher, report, now)
    except (FetchError, FeedError) as error:
        _record(sources, source, now, error=str(error))
        report.errors.append(str(error))
        return report
    _record(sources, source, now, etag=reply.etag, last_modified=reply.last_modified)
    return report


def _store_feed(
    source: Source,
    body: bytes,
    url: str,
    settings: Settings,
    fetcher: Fetcher,
    report: IngestReport,
    now: datetime,
) -> None:
    store = ArticleStore(settings.articles_table, settings.articles_bucket)
    parsed = parse_feed(
        body, url=url, source_name=source.name, source_id=source.id, default_kind=source.default_kind, now=now
    )
    fresh = [a for a in parsed.articles if not (known := store.get(a.id)) or not known.text]
    has_page = {a.id for a in fresh if a.id == article_id(a.url)}  # entries without a link have no page
    with ThreadPoolExecutor(PAGE_WORKERS) as pool:
        completed = pool.map(lambda a: _with_page(a, fetcher) if a.id in has_page else (a, None, None), fresh)
        for article, page, error in completed:
            if error:
                report.errors.append(error)
            if store.put(article, page):
                report.new += 1
            else:
                report.updated += 1


def _record(
    sources: SourceStore,
    source: Source,
    now: datetime,
    *,
    error: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> None:
    if error:
        update = {"last_fetched": now, "last_error": error, "consecutive_failures": source.consecutive_failures + 1}
    else:
        update = {
            "last_fetched": now,
            "last_error": None,
            "consecutive_failures": 0,
            "etag": etag or source.etag,
            "last_modified": last_modified or source.last_modified,
        }
    sources.put(source.model_copy(update=update))
