"""`digest demo`: the whole pipeline on a laptop, against an embedded moto server and the sample site.

Nothing is simulated: feeds and pages are fetched over HTTP from the sample site on loopback,
articles land in DynamoDB and S3, the edition is rendered with MJML and sent through SES (moto);
the .eml files are what SES received.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from functools import partial
from pathlib import Path
from typing import Any

from digest.local.context import invoke
from digest.local.inbound import mailto_reply, receipt_event
from digest.local.motoserver import LocalAws, received_messages
from digest.local.preview import PreviewError, preview
from digest.local.run import ingest_all, send_all
from digest.local.site import SampleSite, SiteServer, window_for_demo
from digest.local.stack import create_stack
from digest.models import EditionStatus, Source, SubscriberStatus
from digest.readers import parse_import, subscriber_id
from digest.render.publish import publish
from digest.settings import REPO_ROOT, Settings, get_settings
from digest.store.editions import EditionStore
from digest.store.sources import SourceStore
from digest.store.subscribers import SubscriberStore
from digest.stories.service import build_edition, set_status
from digest.stories.window import edition_window, week_of

SUBSCRIBERS = REPO_ROOT / "sample" / "subscribers.csv"
MIN_ELAPSED = timedelta(days=3)


def say(message: str) -> None:
    print(f"  {message}", flush=True)


class Stage:
    """Times a stage of the demo and prints it as it happens."""

    def __init__(self, timings: dict[str, float], name: str) -> None:
        self.timings, self.name = timings, name

    def __enter__(self) -> Stage:
        print(f"▶ {self.name}", flush=True)
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timings[self.name] = round(time.perf_counter() - self.started, 2)


def demo_week(now: datetime, timezone: str, send_day: str, send_hour: int) -> str:
    """This week's edition if enough of its window has passed to fill it, else last week's."""
    week, start, _ = edition_window(None, timezone=timezone, send_day=send_day, send_hour=send_hour, now=now)
    return week if now - start >= MIN_ELAPSED else week_of(start - timedelta(days=1), timezone)


def sample_week(settings: Settings, now: datetime) -> tuple[str, SampleSite]:
    """The demo's week, and the sample news site with its articles dated inside that week's window."""
    week = demo_week(now, settings.newsroom_timezone, settings.send_day, settings.send_hour)
    _, start, end = edition_window(
        week, timezone=settings.newsroom_timezone, send_day=settings.send_day, send_hour=settings.send_hour, now=now
    )
    return week, SampleSite(*window_for_demo(start, end, now))


def register_sources(settings: Settings, site: SampleSite, server: SiteServer) -> list[Source]:
    """Every outlet of the running sample site, as a source."""
    store = SourceStore(settings.sources_table)
    registered = []
    for slug, url in server.feed_urls().items():
        outlet = site.outlets[slug]
        source = Source(id=slug, name=outlet["name"], feed_url=url, authority=outlet["authority"])
        store.put(source)
        registered.append(source)
    return registered


def run_demo(out: Path, *, keep_running: bool = False) -> dict[str, Any]:
    """The whole pipeline; with ``keep_running`` the local AWS is left up (``summary["aws"]``) for serving."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    os.environ.setdefault("ALLOW_PRIVATE_FETCH", "true")  # the sample site is on loopback
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("UNSUBSCRIBE_MAILBOX", "unsubscribe@example.org")  # List-Unsubscribe gets its mailto
    with Stage(timings, "Starting the embedded local AWS (moto server)"):
        aws = LocalAws().start()
        settings = get_settings()
        say(f"endpoint {aws.endpoint}")
    try:
        with Stage(timings, "Creating the stack's resources from template.yaml"):
            for line in create_stack(settings):
                say(line)
        now = datetime.now(UTC)
        week, site = sample_week(settings, now)
        # the sample site stays up to the end: the screenshots load its images
        with SiteServer(site) as server:
            with Stage(timings, f"Registering {len(site.outlets)} sources of the sample news site"):
                for source in register_sources(settings, site, server):
                    say(f"{source.name:<28} {site.outlets[source.id]['format']:<5} {source.feed_url}")
            with Stage(timings, "Ingesting over HTTP (fan-out, then the ingest workers)"):
                queued, pumped = ingest_all(settings)
                failing = [s for s in SourceStore(settings.sources_table).all() if s.last_error]
                say(f"{queued} sources queued, {pumped.processed} polled, {len(failing)} failed")
                for source in failing:
                    say(f"  {source.id}: {source.last_error}")
            with Stage(timings, f"Building edition {week}"):
                edition = build_edition(settings, week, now=now)
                say(f"{edition.article_count} articles → {len(edition.stories())} stories")
                for section in edition.sections:
                    say(f"{section.title}: {len(section.stories)}")
            with Stage(timings, "Rendering (MJML) and approving"):
                email, _ = publish(settings, edition)
                edition = set_status(settings, edition.id, EditionStatus.approved, who="demo")
                publish(settings, edition)
                say(f"subject: {email.subject}")
            with Stage(timings, "Importing the sample subscribers"):
                imported = parse_import(SUBSCRIBERS.read_text(encoding="utf-8"))
                store = SubscriberStore(settings.subscribers_table)
                for reader in imported.readers:
                    store.put(reader)
                say(f"{len(imported.readers)} readers, {len(imported.errors)} rows rejected")
                for error in imported.errors:
                    say(f"  {error}")
            with Stage(timings, "Sending through SES (dispatch, then the send workers)"):
                counts = send_all(settings, edition.id)
                say(", ".join(f"{k} {v}" for k, v in counts.items() if k != "in_doubt"))
            with Stage(timings, f"Writing {out}/"):
                summary = _write_out(out, aws.endpoint, settings, edition.id)
                copied = copy_images(out, server.base_url)
                say(f"{copied} images copied into {out / 'archive' / IMAGES}/ (the archive does not hot-link them)")
            with Stage(timings, "A reader unsubscribes by mail (List-Unsubscribe mailto, as SES receives it)"):
                summary["unsubscribed_by_mail"] = _unsubscribe_by_mail(aws.endpoint)
            with Stage(timings, "Screenshots at 375 and 600 px (headless Chromium)"):
                summary["screenshots"] = _screenshots(out)
    except BaseException:
        aws.stop()
        raise
    if keep_running:
        summary["aws"] = aws
    else:
        aws.stop()
    summary["timings_seconds"] = {**timings, "total": round(time.perf_counter() - started, 2)}
    summary["stages"] = {
        "sources": len(site.outlets),
        "ingest_polls": pumped.processed,
        "articles": edition.article_count,
        "stories": len(edition.stories()),
        "send": counts,
    }
    (out / "summary.json").write_text(json.dumps({k: v for k, v in summary.items() if k != "aws"}, indent=2) + "\n")
    return summary


IMAGES = "img"
IMAGE_URL = r'{base}/[^"\'\s<>)]+\.(?:png|jpe?g|gif|webp|svg)'


def _local_copy(folder: str, copies: dict[str, str], match: re.Match[str]) -> str:
    return f"{folder}/{copies[match.group(0)]}"


def copy_images(out: Path, site_base: str) -> int:
    """Copy every image of the sample site that the written pages name into ``archive/img/`` and point
    the pages at the copies (relative links: they work from disk and when served), so the archive
    and edition.html still show them once the sample site has stopped."""
    import hashlib
    import urllib.request

    pattern = re.compile(IMAGE_URL.format(base=re.escape(site_base)))
    pages = [out / "edition.html", *sorted((out / "archive").rglob("*.html"))]
    folder = out / "archive" / IMAGES
    copies: dict[str, str] = {}
    for page in pages:
        if not page.is_file():
            continue
        html = page.read_text(encoding="utf-8")
        for url in set(pattern.findall(html)):
            if url not in copies:
                name = hashlib.sha256(url.encode()).hexdigest()[:16] + Path(url).suffix
                folder.mkdir(parents=True, exist_ok=True)
                with urllib.request.urlopen(url, timeout=10) as reply:
                    (folder / name).write_bytes(reply.read())
                copies[url] = name
        rel = os.path.relpath(folder, page.parent).replace(os.sep, "/")
        page.write_text(pattern.sub(partial(_local_copy, rel, copies), html), encoding="utf-8")
    return len(copies)


def _screenshots(out: Path) -> list[str]:
    """PNGs of the edition as a reader received it, so an editor can look without a mail client."""
    try:
        shots = preview((out / "edition.html").read_text(encoding="utf-8"), out, network=True)
    except PreviewError as error:
        say(f"skipped: {error}")
        return []
    for shot in shots:
        say(str(shot))
    return [str(s) for s in shots]


def _unsubscribe_by_mail(endpoint: str) -> str | None:
    """The last reader uses their mail's mailto: InboundMailFunction gets SES's receipt event."""
    from digest.handlers import inbound_mail

    messages = [m for m in received_messages(endpoint) if "X-Digest-Edition" in m.raw]
    reply = mailto_reply(messages[-1].raw) if messages else None
    if reply is None:
        say("skipped: the mail offers no mailto (UNSUBSCRIBE_MAILBOX is empty)")
        return None
    mailbox, subject = reply
    reader = messages[-1].destinations[0]
    result = invoke(inbound_mail.handler, receipt_event(subject, sender=reader), "InboundMailFunction")
    say(f"{reader} → {mailbox} (subject {subject[:24]}…): {result['results'][0]}")
    return reader


def _write_out(out: Path, endpoint: str, settings: Any, edition_id: str) -> dict[str, Any]:
    if out.exists():
        shutil.rmtree(out)
    (out / "archive").mkdir(parents=True)
    messages = [m for m in received_messages(endpoint) if "X-Digest-Edition" in m.raw]
    for message in messages:
        safe_name = re.sub(r"[^A-Za-z0-9@._+-]", "_", message.destinations[0]).lstrip(".")
        (out / f"{safe_name}.eml").write_text(message.raw)
    readers = SubscriberStore(settings.subscribers_table)
    # edition.html/.txt show what a reader who takes every section received
    full = [m for m in messages if not (r := readers.get(subscriber_id(m.destinations[0]))) or not r.sections]
    if full or messages:
        parsed = message_from_bytes((full or messages)[0].raw.encode(), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        html_part, text_part = parsed.get_body(("html",)), parsed.get_body(("plain",))
        (out / "edition.html").write_text(html_part.get_content() if html_part else "")
        (out / "edition.txt").write_text(text_part.get_content() if text_part else "")
    store = EditionStore(settings.editions_table, settings.archive_bucket)
    for key in ("index.html", "feed.xml", f"{edition_id}/index.html"):
        target = out / "archive" / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(store.get_file(key))
    return {"edition": edition_id, "emails": len(messages), "out": str(out)}


class DemoError(Exception):
    """The demo cannot serve as asked (a port taken, …): one line for the user."""


def _archive_server(out: Path, port: int, host: str) -> Any:
    """``out/`` over HTTP, so the archive's links (``ARCHIVE_BASE_URL``) open: /archive/…, /edition.html."""
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    out.mkdir(parents=True, exist_ok=True)
    try:
        return ThreadingHTTPServer((host, port), partial(Quiet, directory=str(out.resolve())))
    except OSError as error:
        raise DemoError(f"cannot serve the archive on {host}:{port}: {error.strerror or error}") from None


def _links(settings: Settings, edition_id: str) -> dict[str, str]:
    """Addresses a person can open against the served demo: review, sign-up, a reader's preferences."""
    from digest.api.review import review_link
    from digest.mail.service import mail_reader

    readers = SubscriberStore(settings.subscribers_table).with_status(SubscriberStatus.confirmed)
    reader = next(iter(readers), None)
    links = {
        "archive": settings.archive_base_url.rstrip("/") + "/",
        "edition": f"{settings.archive_base_url.rstrip('/')}/{edition_id}/",
        "review": review_link(settings, edition_id),
        "signup": settings.api_base_url.rstrip("/") + "/subscribe",
    }
    if reader is not None:
        links["preferences"] = mail_reader(
            settings, reader.id, reader.email, token_version=reader.token_version
        ).preferences_url
    return links


def main(out: Path, *, serve: bool = False, api_port: int = 3000, archive_port: int = 8000,
         host: str = "127.0.0.1") -> int:  # fmt: skip
    archive = None
    if serve:  # bind first, so the links the demo mails and publishes name ports that answer
        archive = _archive_server(out, archive_port, host)
        os.environ["ARCHIVE_BASE_URL"] = f"http://{host}:{archive.server_address[1]}/archive"
        os.environ["API_BASE_URL"] = f"http://{host}:{api_port}"
        get_settings.cache_clear()
    summary = run_demo(out, keep_running=serve)
    print(f"\nDone in {summary['timings_seconds']['total']} s. Open:", flush=True)
    for name in ("edition.html", "edition.txt", "archive/index.html", f"archive/{summary['edition']}/index.html"):
        print(f"  {out / name}")
    for shot in summary.get("screenshots", []):
        print(f"  {shot}")
    print(f"  {out}/*.eml ({summary['emails']} messages as SES received them)")
    print(f"  {out / 'summary.json'}")
    if not serve:
        print("\nTo click through it (archive, editor's review page, sign-up, preferences), run:\n"
              "  make demo-serve    (or: .venv/bin/digest demo --serve; Ctrl-C stops it)")  # fmt: skip
        sys.stdout.flush()
        return 0
    assert archive is not None
    return _serve(summary, archive, api_port, host, out)


STOP_SECONDS = 15


def _serve(summary: dict[str, Any], archive: Any, api_port: int, host: str, out: Path) -> int:
    import threading

    from digest.local.serve import LocalServer, until_interrupted

    aws = summary["aws"]
    try:
        api = LocalServer(api_port, host, out_dir=out).start()
    except OSError as error:
        aws.stop()
        archive.server_close()
        raise DemoError(f"cannot serve the pages on {host}:{api_port}: {error.strerror or error}") from None
    threading.Thread(target=archive.serve_forever, name="demo-archive", daemon=True).start()
    links = _links(get_settings(), summary["edition"])
    print("\nServing the demo (Ctrl-C stops it):")
    print(f"  archive             {links['archive']}")
    print(f"  this edition        {links['edition']}   (the mail's \"View in your browser\")")
    print(f"  editor's review     {links['review']}")
    print(f"  sign-up page        {links['signup']}")
    if "preferences" in links:
        print(f"  a reader's settings {links['preferences']}")
    print(f"  mail sent meanwhile {out / 'mail'}/*.eml")
    sys.stdout.flush()
    def stop() -> None:
        api.stop()
        archive.shutdown()
        archive.server_close()
        aws.stop()

    try:
        until_interrupted()
        print("\nstopped", flush=True)
    finally:
        # Ctrl-C must end the demo even if a connection or a server thread will not let go: the
        # servers get a bounded time to stop, then the process leaves without waiting for them.
        stopper = threading.Thread(target=stop, name="demo-stop", daemon=True)
        stopper.start()
        stopper.join(STOP_SECONDS)
        if stopper.is_alive():
            print(f"some connections were still open after {STOP_SECONDS} s; left without them", file=sys.stderr)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
    return 0
