"""Ingest against a real moto server and a local HTTP server whose answers each test sets."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from digest.handlers import picks
from digest.ingest.service import ingest_source, pick_page
from digest.local.context import LocalContext
from digest.local.motoserver import LocalAws
from digest.models import Section, Source
from digest.settings import REPO_ROOT, get_settings
from digest.store.articles import ArticleStore
from digest.store.aws import client
from digest.store.sources import SourceStore

BODY = (
    "The harbour authority confirmed on Tuesday that the new ferry terminal will open in March, two months "
    "later than planned, after inspectors found cracks in the concrete of the main pier. "
    "Engineers said the repairs would cost about four million crowns and would be paid by the contractor. "
    "Passengers will keep using the temporary pontoon until then, with extra staff at peak times. "
    "The delay is the third for the project, which was first announced five years ago."
)


def text(topic: str, place: str, number: int) -> str:
    """A distinct article text per test (near-identical texts are folded into one article)."""
    return (
        f"The {topic} in {place} will not be ready until spring, the council confirmed on {number % 7 + 1} "
        f"November, after inspectors found {number} faults during a routine visit to the site. "
        f"Residents of {place} have waited {number % 9 + 2} years for the {topic}, which was promised before "
        f"the last election. Officials said the repairs would cost {number * 3} thousand crowns and that the "
        f"contractor would pay. A spokesperson for the {topic} project said the team was working to recover "
        f"the lost time, and that weekend shifts had been added from the start of {place}'s school holidays."
    )


class Site:
    """Routes -> (status, headers, body); records every request it gets."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                site.requests.append((self.path, dict(self.headers)))
                status, headers, body = site.routes.get(self.path, (404, {}, b"not here"))
                if status == 200 and headers.get("ETag") and self.headers.get("If-None-Match") == headers["ETag"]:
                    status, body = 304, b""
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def page(self, path: str, title: str, body: str = BODY) -> None:
        html = (
            f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            + "".join(f"<p>{s.strip()}.</p>" for s in body.split(". ") if s.strip())
            + "</article><aside><p>Sign up for our free weekly newsletter</p></aside></body></html>"
        )
        self.routes[path] = (200, {"Content-Type": "text/html; charset=utf-8"}, html.encode())

    def rss(self, path: str, items: list[tuple[str, str, str]], etag: str | None = None) -> None:
        entries = "".join(
            f"<item><title>{t}</title><link>{self.base}{link}?utm_source=rss</link><guid>{g}</guid>"
            f"<pubDate>{datetime.now(UTC) - timedelta(hours=2):%a, %d %b %Y %H:%M:%S +0000}</pubDate></item>"
            for t, link, g in items
        )
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{entries}</channel></rss>'
        headers = {"Content-Type": "application/rss+xml", "Cache-Control": "max-age=7200"}
        if etag:
            headers["ETag"] = etag
        self.routes[path] = (200, headers, body.encode())


@pytest.fixture(scope="module")
def site(stack: LocalAws) -> Iterator[Site]:
    server = Site()
    yield server
    server.httpd.shutdown()


def add_source(source_id: str, url: str, name: str = "Outlet") -> Source:
    source = Source(id=source_id, name=name, feed_url=url, authority=0.6)
    SourceStore(get_settings().sources_table).put(source)
    return source


def articles() -> ArticleStore:
    settings = get_settings()
    return ArticleStore(settings.articles_table, settings.articles_bucket)


def test_conditional_get_and_cache_control(site: Site) -> None:
    site.page("/cg/a", "Terminal delayed", text("terminal", "Harbourside", 5))
    site.rss("/cg/feed", [("Terminal delayed", "/cg/a", "cg-1")], etag='"v1"')
    add_source("cond-get", f"{site.base}/cg/feed")
    first = ingest_source("cond-get", get_settings())
    assert first.new == 1 and not first.errors
    source = SourceStore(get_settings().sources_table).get("cond-get")
    assert source and source.etag == '"v1"'
    assert source.next_poll and source.next_poll - source.last_fetched >= timedelta(hours=2)  # type: ignore[operator]
    second = ingest_source("cond-get", get_settings())
    assert second.not_modified and second.new == 0
    assert site.requests[-1][1].get("If-None-Match") == '"v1"'
    stored = articles().find_existing_by_url(f"{site.base}/cg/a")
    assert stored and "utm_" not in stored.url and "Sign up" not in stored.text


def test_429_holds_every_source_on_the_host_and_failures_are_recorded(stack: LocalAws) -> None:
    site = Site()  # a host of its own: it is put on hold
    site.routes["/busy/feed"] = (429, {"Retry-After": "600"}, b"slow down")
    add_source("busy", f"{site.base}/busy/feed")
    add_source("busy-sibling", f"{site.base}/busy/other")
    report = ingest_source("busy", get_settings())
    assert report.errors and "retry" in report.errors[0].lower()
    sources = SourceStore(get_settings().sources_table)
    busy = sources.get("busy")
    assert busy and busy.consecutive_failures == 1 and busy.next_poll
    assert busy.next_poll - datetime.now(UTC) > timedelta(minutes=9)
    before = len(site.requests)
    sibling = ingest_source("busy-sibling", get_settings())
    assert sibling.skipped and len(site.requests) == before  # the host was not asked again
    other = Site()
    other.routes["/gone/feed"] = (404, {}, b"")
    add_source("gone", f"{other.base}/gone/feed")
    ingest_source("gone", get_settings())
    ingest_source("gone", get_settings())
    gone = sources.get("gone")
    assert gone and gone.consecutive_failures == 2 and "404" in (gone.last_error or "")


def test_503_holds_every_source_on_the_host_like_429(stack: LocalAws) -> None:
    site = Site()  # a host of its own: it is put on hold
    site.routes["/down/feed"] = (503, {"Retry-After": "900"}, b"maintenance")
    add_source("down", f"{site.base}/down/feed")
    add_source("down-sibling", f"{site.base}/down/other")
    before_poll = datetime.now(UTC)
    report = ingest_source("down", get_settings())
    after_poll = datetime.now(UTC)
    assert len(report.errors) == 1 and "HTTP 503" in report.errors[0]
    sources = SourceStore(get_settings().sources_table)
    held = sources.host_hold(urlsplit(site.base).netloc)
    assert held is not None and before_poll + timedelta(seconds=900) <= held <= after_poll + timedelta(seconds=900)
    down = sources.get("down")
    assert down and down.consecutive_failures == 1  # its own next poll: the longer of its interval and the hold
    assert down.next_poll == held - timedelta(seconds=900) + timedelta(minutes=60)
    asked = len(site.requests)
    sibling = ingest_source("down-sibling", get_settings())
    assert sibling.skipped == f"{urlsplit(site.base).netloc} asked us to wait until {held:%Y-%m-%d %H:%M} UTC"
    assert len(site.requests) == asked  # the host was not asked again
    parked = sources.get("down-sibling")
    assert parked and parked.next_poll == held


@pytest.mark.parametrize(("failures_before", "factor"), [(0, 1), (1, 2), (3, 8), (4, 16), (5, 16), (12, 16)])
def test_failing_sources_back_off_doubling_up_to_16_times_their_interval(
    stack: LocalAws, failures_before: int, factor: int
) -> None:
    site = Site()
    site.routes["/broken/feed"] = (500, {}, b"oops")
    source_id = f"broken-{failures_before}"
    source = Source(id=source_id, name="Broken", feed_url=f"{site.base}/broken/feed", authority=0.5,
                    poll_minutes=30, consecutive_failures=failures_before)  # fmt: skip
    SourceStore(get_settings().sources_table).put(source)
    before_poll = datetime.now(UTC)
    ingest_source(source_id, get_settings())
    after_poll = datetime.now(UTC)
    stored = SourceStore(get_settings().sources_table).get(source_id)
    assert stored and stored.consecutive_failures == failures_before + 1 and stored.next_poll
    wait = timedelta(minutes=30 * factor)
    assert before_poll + wait <= stored.next_poll <= after_poll + wait


def test_same_guid_under_a_new_link_stays_one_article(site: Site) -> None:
    site.page("/guid/old", "Pier repairs", text("pier", "Eastholm", 11))
    site.rss("/guid/feed", [("Pier repairs", "/guid/old", "guid-42")])
    add_source("guid-src", f"{site.base}/guid/feed")
    ingest_source("guid-src", get_settings())
    first = articles().find_existing_by_url(f"{site.base}/guid/old")
    site.page("/guid/new", "Pier repairs (updated)", text("pier", "Eastholm", 11) + " Updated")
    site.rss("/guid/feed", [("Pier repairs (updated)", "/guid/new", "guid-42")])
    report = ingest_source("guid-src", get_settings())
    assert report.new == 0 and report.updated == 1
    again = articles().get(first.id)  # type: ignore[union-attr]
    assert again and again.title == "Pier repairs (updated)" and f"{site.base}/guid/new" in again.copies


def test_syndicated_copy_folds_into_the_first(site: Site) -> None:
    wire = text("tram depot", "Northgate", 23)
    site.page("/wire/one", "Ferry terminal late", wire)
    site.page("/other/copy", "Ferry terminal opening delayed", wire)
    site.rss("/wire/feed", [("Ferry terminal late", "/wire/one", "w-1")])
    site.rss("/other/feed", [("Ferry terminal opening delayed", "/other/copy", "o-9")])
    add_source("wire", f"{site.base}/wire/feed", "Wire")
    add_source("other", f"{site.base}/other/feed", "Other Paper")
    assert ingest_source("wire", get_settings()).new == 1
    copy = ingest_source("other", get_settings())
    assert copy.new == 0 and copy.updated == 1
    first = articles().find_existing_by_url(f"{site.base}/wire/one")
    assert first and f"{site.base}/other/copy" in first.copies


def test_hostile_feed_content_is_stored_as_plain_text(site: Site) -> None:
    site.page("/evil/a", "x", text("town hall", "Eastport", 17))
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>E</title><item>'
        "<title>&lt;script&gt;alert(1)&lt;/script&gt;Mayor &lt;b onmouseover=alert(1)&gt;resigns&lt;/b&gt;</title>"
        f"<link>{site.base}/evil/a</link><description>&lt;img src=x onerror=alert(1)&gt;Text"
        "&lt;a href='javascript:alert(1)'&gt;link&lt;/a&gt;</description></item></channel></rss>"
    )
    site.routes["/evil/feed"] = (200, {"Content-Type": "application/rss+xml"}, body.encode())
    add_source("evil", f"{site.base}/evil/feed")
    ingest_source("evil", get_settings())
    stored = articles().find_existing_by_url(f"{site.base}/evil/a")
    assert stored and stored.title == "Mayor resigns"
    assert "<" not in stored.summary and "javascript" not in stored.summary


def test_pick_by_url_is_hand_picked_and_pinned(site: Site) -> None:
    site.page("/pick/me", "Editors love this", text("library", "Westbury", 31))
    article, new = pick_page(get_settings(), f"{site.base}/pick/me", pin=Section.features)
    assert new and article.hand_picked and article.pin is Section.features
    assert "93 thousand crowns" in article.text


def test_picks_uploaded_to_s3_reach_the_handler(site: Site) -> None:
    settings = get_settings()
    s3 = client("s3")
    lines = [json.dumps({"url": "https://news.example.org/a?utm_medium=x", "title": "Picked A", "pin": "top"}),
             "not json", json.dumps({"title": "no url"})]  # fmt: skip
    s3.put_object(Bucket=settings.articles_bucket, Key="picks/today.jsonl", Body="\n".join(lines).encode())
    sample = json.loads((REPO_ROOT / "events" / "picks.json").read_text())
    sample["detail"]["object"]["key"] = "picks/today.jsonl"
    result = picks.handler(sample, LocalContext("picks"))
    assert result["stored"] == 1 and len(result["errors"]) == 2
    stored = articles().find_existing_by_url("https://news.example.org/a")
    assert stored and stored.hand_picked and stored.pin is Section.top
    site.page("/saved/page", "Saved page", text("swimming pool", "Southend", 41))
    html = site.routes["/saved/page"][2]
    s3.put_object(Bucket=settings.articles_bucket, Key="picks/page.html", Body=html,
                  Metadata={"url": f"{site.base}/saved/page", "pin": "analysis"})  # fmt: skip
    sample["detail"]["object"]["key"] = "picks/page.html"
    assert picks.handler(sample, LocalContext("picks"))["stored"] == 1
    sample["detail"]["object"]["key"] = "elsewhere/x.html"
    with pytest.raises(ValueError, match="picks/"):
        picks.handler(sample, LocalContext("picks"))


def run_cli(*args: str, stack: LocalAws) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "AWS_ENDPOINT_URL": stack.endpoint}
    return subprocess.run([sys.executable, "-m", "digest.cli", *args], capture_output=True, text=True, env=env,
                          timeout=120)  # fmt: skip


def test_ingest_file_imports_good_lines_and_reports_bad(stack: LocalAws, tmp_path: Path) -> None:
    lines = [
        json.dumps({"url": "https://bulk.example.org/1", "title": "One", "published": "2026-11-20T10:00:00Z"}),
        json.dumps({"url": "https://bulk.example.org/2?fbclid=zzz", "title": "Two", "source": "Bulk"}),
        "{broken",
        json.dumps({"url": "ftp://bulk.example.org/3", "title": "Three"}),
        json.dumps({"url": "https://bulk.example.org/4", "title": "x" * 5000}),
    ]
    path = tmp_path / "articles.jsonl.gz"
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    result = run_cli("ingest", "--file", str(path), stack=stack)
    assert result.returncode == 1, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert out[-1] == {"input": str(path), "stored": 2, "new": 2, "errors": 3}
    assert [o["input"] for o in out[:-1]] == [f"{path}:3", f"{path}:4", f"{path}:5"]
    assert articles().find_existing_by_url("https://bulk.example.org/2")


def test_parse_feed_and_extract_contracts(stack: LocalAws, tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Outlet</title><language>en-GB</language>'
        "<item><title>A</title><link>https://o.example.org/a?utm_campaign=x#top</link><guid>g1</guid>"
        "<pubDate>Tue, 24 Nov 2026 10:00:00 +0100</pubDate><category>Opinion</category></item>"
        "</channel></rss>"
    )
    html = tmp_path / "page.html.gz"
    html.write_bytes(gzip.compress(site_page().encode()))
    result = run_cli("parse-feed", str(feed), str(tmp_path / "missing.xml"), str(html), stack=stack)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    entry = rows[0]
    assert set(entry) == {"input", "id", "url", "guid", "title", "summary", "text", "author", "published",
                          "source", "lang", "categories", "image", "kind"}  # fmt: skip
    assert entry["url"] == "https://o.example.org/a" and entry["published"] == "2026-11-24T09:00:00Z"
    assert entry["source"] == "Outlet" and entry["lang"] == "en" and entry["kind"] == "opinion"
    assert [r["input"] for r in rows[1:]] == [str(tmp_path / "missing.xml"), str(html)]
    assert all(set(r) == {"input", "error"} for r in rows[1:])
    extracted = run_cli("extract", str(html), "--url", "https://o.example.org/p", stack=stack)
    page = json.loads(extracted.stdout)
    assert set(page) == {"input", "url", "title", "text", "author", "published", "site_name", "image", "lang",
                         "kind"}  # fmt: skip
    assert "four million crowns" in page["text"] and "newsletter" not in page["text"]


def site_page() -> str:
    return (
        "<html lang='en'><head><title>Pier</title><meta property='og:site_name' content='Harbour News'></head>"
        "<body><article><h1>Pier</h1>"
        + "".join(f"<p>{s}.</p>" for s in BODY.split(". "))
        + "</article><aside><h3>Sign up for our free weekly newsletter</h3></aside></body></html>"
    )


@pytest.fixture()
def retention_30_days(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ARTICLE_RETENTION_DAYS", "30")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.mark.usefixtures("retention_30_days")
def test_stored_articles_and_their_aliases_expire_after_the_retention(site: Site) -> None:
    """DynamoDB's TTL (ArticlesTable, attribute ``expires``) deletes what no edition can want any more."""
    site.page("/ttl/a", "Ferry timetable", text("ferry", "Westport", 7))
    site.rss("/ttl/feed", [("Ferry timetable", "/ttl/a", "guid-ttl")])
    add_source("ttl-src", f"{site.base}/ttl/feed")
    before = datetime.now(UTC)
    ingest_source("ttl-src", get_settings())
    stored = articles().find_existing_by_url(f"{site.base}/ttl/a")
    assert stored
    table = client("dynamodb")
    rows = [r for r in table.scan(TableName=get_settings().articles_table)["Items"]
            if r["id"]["S"] == stored.id or r.get("target", {}).get("S") == stored.id]  # fmt: skip
    assert len(rows) >= 2, "the article and at least its GUID alias"
    for row in rows:
        expires = datetime.fromtimestamp(int(row["expires"]["N"]), UTC)
        assert before + timedelta(days=30) - timedelta(minutes=1) <= expires <= datetime.now(UTC) + timedelta(days=30)
