"""Ingest, orchestrated: which sources are due, one source's poll from feed to stored articles,
editors' picks, and bulk imports.

Politeness is remembered between polls (a Lambda container does not live long): each source
keeps its conditional-GET validators and the time it may next be polled — its poll interval,
stretched by the feed's Cache-Control max-age, a Retry-After, or back-off after failures — and a
host that answered 429/503 puts every source on that host on hold.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, ValidationError

from digest.ingest.extract import DEFAULT_BOILERPLATE, Extracted, extract_page
from digest.ingest.feeds import FeedError, parse_feed
from digest.ingest.fetch import Fetcher, FetchError, RetryLater
from digest.ingest.images import is_tracker
from digest.ingest.sanitize import plain_text
from digest.ingest.urls import absolute_http_url, article_id, canonical_url
from digest.models import Article, Kind, Model, Section, Source
from digest.settings import Settings
from digest.store.articles import ArticleStore
from digest.store.sources import SourceStore

PAGE_WORKERS = 4
MAX_WAIT = timedelta(hours=24)  # no publisher's header may park a source for longer than a day
MAX_FAILURE_BACKOFF = 16  # failing sources are polled at most 16x less often


@dataclass
class IngestReport:
    source_id: str
    new: int = 0
    updated: int = 0
    not_modified: bool = False
    skipped: str | None = None
    errors: list[str] = field(default_factory=list)


def _articles(settings: Settings) -> ArticleStore:
    return ArticleStore(
        settings.articles_table, settings.articles_bucket, retention_days=settings.article_retention_days
    )


def _complete(article: Article, page: Extracted) -> Article:
    """The feed's article completed from its page; the feed's own values win where it has them."""
    update: dict[str, Any] = {
        "text": page.text if len(page.text) > len(article.text) else article.text,
        "image": article.image or page.image,
        "author": article.author or page.author,
        "lang": article.lang or page.lang,
    }
    if page.kind and article.kind is Kind.news:  # the page knows better than a feed's default
        update["kind"] = page.kind
    return article.model_copy(update=update)


def _with_page(
    article: Article, fetcher: Fetcher, rules: tuple[str, ...]
) -> tuple[Article, bytes | None, Exception | None]:
    """The article completed from its own page; the feed's data alone if the page cannot be had."""
    try:
        reply = fetcher.fetch(article.url)
        extracted = extract_page(reply.body, url=reply.url, boilerplate=rules)
    except (FetchError, ValueError) as error:
        return article, None, error
    return _complete(article, extracted), reply.body, None


def _rules(source: Source) -> tuple[str, ...]:
    """The default boilerplate rules plus the site's own (configuration, not code)."""
    return (*DEFAULT_BOILERPLATE, *source.boilerplate)


def ingest_source(source_id: str, settings: Settings, fetcher: Fetcher | None = None) -> IngestReport:
    """Poll one source: conditional GET of its feed, then each new article's page."""
    sources = SourceStore(settings.sources_table)
    source = sources.get(source_id)
    if source is None:
        raise LookupError(f"no source with id {source_id!r}")
    report = IngestReport(source_id)
    now = datetime.now(UTC)
    host = urlsplit(str(source.feed_url)).netloc  # host[:port]: one server, whatever its feeds
    held = sources.host_hold(host)
    if held and held > now:
        report.skipped = f"{host} asked us to wait until {held:%Y-%m-%d %H:%M} UTC"
        sources.put(source.model_copy(update={"next_poll": held}))
        return report
    fetcher = fetcher or Fetcher.from_settings(settings)
    try:
        reply = fetcher.fetch(str(source.feed_url), etag=source.etag, last_modified=source.last_modified)
        if reply.not_modified:
            report.not_modified = True
        else:
            _store_feed(source, reply.body, str(reply.url), settings, fetcher, report, now)
    except RetryLater as error:
        wait = min(timedelta(seconds=error.retry_after or 3600), MAX_WAIT)
        sources.hold_host(host, now + wait)
        _record(sources, source, now, error=str(error), wait=wait)
        report.errors.append(str(error))
        return report
    except (FetchError, FeedError) as error:
        _record(sources, source, now, error=str(error))
        report.errors.append(str(error))
        return report
    max_age = timedelta(seconds=reply.max_age) if reply.max_age else timedelta(0)
    _record(sources, source, now, etag=reply.etag, last_modified=reply.last_modified, wait=min(max_age, MAX_WAIT))
    return report


def _store_feed(
    source: Source, body: bytes, url: str, settings: Settings, fetcher: Fetcher, report: IngestReport, now: datetime
) -> None:
    store = _articles(settings)
    parsed = parse_feed(
        body, url=url, source_name=source.name, source_id=source.id, default_kind=source.default_kind, now=now
    )
    fresh = [a for a in parsed.articles if not (known := store.get(a.id)) or not known.text]
    has_page = {a.id for a in fresh if a.id == article_id(a.url)}  # entries without a link have no page
    rules = _rules(source)
    with ThreadPoolExecutor(PAGE_WORKERS) as pool:
        completed = pool.map(lambda a: _with_page(a, fetcher, rules) if a.id in has_page else (a, None, None), fresh)
        for article, page, error in completed:
            if isinstance(error, RetryLater):  # a throttled page host waits too, for every source on it
                wait = min(timedelta(seconds=error.retry_after or 3600), MAX_WAIT)
                SourceStore(settings.sources_table).hold_host(urlsplit(article.url).netloc, now + wait)
            if error:
                report.errors.append(f"{article.url}: {error}")
            _, new = store.put(article, page)
            report.new += new
            report.updated += not new


def _record(
    sources: SourceStore,
    source: Source,
    now: datetime,
    *,
    error: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    wait: timedelta = timedelta(0),
) -> None:
    interval = timedelta(minutes=source.poll_minutes)
    if error:
        failures = source.consecutive_failures + 1
        backoff = interval * min(2 ** (failures - 1), MAX_FAILURE_BACKOFF)
        update: dict[str, Any] = {
            "last_error": error[:500],
            "consecutive_failures": failures,
            "failing_since": source.failing_since or now,
            "next_poll": now + max(backoff, wait),
        }
    else:
        update = {
            "last_error": None,
            "consecutive_failures": 0,
            "failing_since": None,
            "etag": etag or source.etag,
            "last_modified": last_modified or source.last_modified,
            "next_poll": now + max(interval, wait),
        }
    sources.put(source.model_copy(update={"last_fetched": now, **update}))


# Editors' picks and imports ------------------------------------------------------------------


class ImportedArticle(Model):
    """An article given as JSON (``digest parse-feed``'s output shape); only ``url`` and ``title`` are required."""

    model_config = ConfigDict(extra="ignore", str_max_length=200_000)
    url: str = Field(min_length=1, max_length=4000)
    title: str = Field(min_length=1, max_length=2000)
    guid: str | None = Field(default=None, max_length=1000)
    summary: str = ""
    text: str = ""
    author: str | None = Field(default=None, max_length=300)
    published: datetime | None = None
    source: str = Field(default="", max_length=200)
    lang: str | None = Field(default=None, max_length=20)
    categories: list[str] = Field(default_factory=list, max_length=50)
    image: str | None = Field(default=None, max_length=4000)
    kind: Kind = Kind.news
    pin: Section | None = None

    def article(self, *, now: datetime, hand_picked: bool = False) -> Article:
        url = canonical_url(self.url)
        published = self.published or now
        published = published.replace(tzinfo=UTC) if published.tzinfo is None else published.astimezone(UTC)
        return Article(
            id=article_id(url),
            url=url,
            guid=self.guid,
            title=plain_text(self.title, 500),
            summary=plain_text(self.summary, 600),
            text=self.text.strip(),
            author=plain_text(self.author or "", 200) or None,
            published=min(published, now),
            source=plain_text(self.source, 200),
            lang=self.lang,
            categories=[plain_text(c, 100) for c in self.categories if c][:20],
            image=self.image if absolute_http_url(self.image) and not is_tracker(self.image) else None,
            kind=self.kind,
            hand_picked=hand_picked or self.pin is not None,
            pin=self.pin,
            ingested=now,
        )


def import_articles(settings: Settings, lines: list[str], *, hand_picked: bool = False) -> list[dict[str, Any]]:
    """Store articles given as JSON lines; one result per non-blank line (stored id, or the error)."""
    store = _articles(settings)
    now = datetime.now(UTC)
    results: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            article = ImportedArticle.model_validate(json.loads(line)).article(now=now, hand_picked=hand_picked)
        except json.JSONDecodeError as error:
            results.append({"line": number, "error": f"not JSON: {error.msg}"})
            continue
        except (ValidationError, ValueError) as error:
            results.append({"line": number, "error": _reason(error)})
            continue
        stored, new = store.put(article)
        results.append({"line": number, "id": stored.id, "new": new})
    return results


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors(include_url=False)[0]
        return f"{'.'.join(map(str, first['loc'])) or 'value'}: {first['msg']}"
    return str(error)


def pick_page(
    settings: Settings,
    url: str,
    *,
    html: bytes | None = None,
    pin: Section | None = None,
    fetcher: Fetcher | None = None,
) -> tuple[Article, bool]:
    """An editor's pick: the page at ``url`` (fetched, or given as ``html``), extracted and stored hand-picked."""
    canonical = canonical_url(url)
    if html is None:
        reply = (fetcher or Fetcher.from_settings(settings)).fetch(canonical)
        html, canonical = reply.body, canonical_url(reply.url)
    page = extract_page(html, url=canonical)
    if not page.title and not page.text:
        raise ValueError(f"no article found at {canonical}")
    now = datetime.now(UTC)
    article = Article(
        id=article_id(canonical),
        url=canonical,
        title=plain_text(page.title or canonical, 500),
        text=page.text,
        author=page.author,
        published=min(page.published or now, now),
        source=page.site_name or (urlsplit(canonical).hostname or ""),
        lang=page.lang,
        image=page.image,
        kind=page.kind or Kind.news,
        hand_picked=True,
        pin=pin,
        ingested=now,
    )
    return _articles(settings).put(article, html)


def ingest_upload(settings: Settings, key: str) -> list[dict[str, Any]]:
    """An editor's upload under ``picks/``: JSON lines of articles, or one saved HTML page.

    A page's address comes from the object's ``url`` metadata (``x-amz-meta-url``) or its canonical link.
    """
    store = _articles(settings)
    body, metadata = store.upload(key, settings.fetch_max_bytes)
    if key.endswith((".json", ".jsonl")):
        return import_articles(settings, body.decode("utf-8", errors="replace").splitlines(), hand_picked=True)
    url = metadata.get("url") or _canonical_link(body)
    if not url:
        raise ValueError(f"{key}: give the page's address as x-amz-meta-url or a canonical link in the page")
    pin = metadata.get("pin")
    article, new = pick_page(settings, url, html=body, pin=Section(pin) if pin else None)
    return [{"id": article.id, "new": new}]


def _canonical_link(html: bytes) -> str | None:
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(html)
    except (ValueError, TypeError):
        return None
    for href in tree.xpath("//link[@rel='canonical']/@href | //meta[@property='og:url']/@content"):
        return str(href)
    return None
