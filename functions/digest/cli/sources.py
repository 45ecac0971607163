"""Sources and ingest: the feeds to follow, polling them, and the feed/page parsers on their own."""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from digest.settings import Settings

from digest.cli.common import (
    EXIT_USER_ERROR,
    AddCommand,
    UserError,
    current_settings,
    each_input,
    iso,
    read_input,
    start_progress,
)


def cmd_sources_add(args: argparse.Namespace) -> int:
    from digest.models import Source
    from digest.store.sources import SourceStore

    store = SourceStore(current_settings().sources_table)
    known = store.get(args.id)
    settings = {
        "name": args.name,
        "feed_url": args.feed_url,
        "authority": args.authority,
        "default_kind": args.kind,
        "poll_minutes": args.poll_minutes,
        "active": not args.paused,
        "boilerplate": args.boilerplate,
    }
    # updating a known source keeps what polling learnt (validators, next poll, failures)
    source = Source.model_validate({**(known.model_dump() if known else {}), "id": args.id, **settings})
    store.put(source)
    print(json.dumps(source.model_dump(mode="json", exclude_none=True)))
    return 0


def cmd_sources_remove(args: argparse.Namespace) -> int:
    from digest.store.sources import SourceStore

    store = SourceStore(current_settings().sources_table)
    if store.get(args.id) is None:
        raise UserError(f"no source with id {args.id!r}")
    store.delete(args.id)
    print(json.dumps({"removed": args.id}))
    return 0


def cmd_sources_list(args: argparse.Namespace) -> int:
    from digest.store.sources import SourceStore

    for source in SourceStore(current_settings().sources_table).all():
        print(json.dumps(source.model_dump(mode="json", exclude_none=True)))
    return 0


def cmd_sources_import(args: argparse.Namespace) -> int:
    """Sources from an OPML file (a feed reader's export) or a CSV; known feeds are not added twice."""
    from digest.ingest.sourcelist import SourceListError, parse_source_list
    from digest.models import Source
    from digest.store.sources import SourceStore

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"no such file: {path}")
    store = SourceStore(current_settings().sources_table)
    known = {s.id: s for s in store.all()}
    by_feed = {str(s.feed_url): s for s in known.values()}
    try:
        parsed = parse_source_list(path.read_bytes(), path.name, set(known))
    except SourceListError as error:
        raise UserError(str(error)) from None
    added = updated = unchanged = 0
    progress = start_progress(args, "importing", "sources", len(parsed.sources))
    for n, source in enumerate(parsed.sources):
        progress.update(n)
        same_feed = by_feed.get(str(source.feed_url))
        if same_feed is not None and same_feed.id != source.id:
            print(f"skipped {source.feed_url}: already followed as {same_feed.id}", file=sys.stderr)
            unchanged += 1
            continue
        before = known.get(source.id)
        chosen = {"name", "feed_url", "authority", "default_kind", "poll_minutes"}
        if before and all(getattr(before, k) == getattr(source, k) for k in chosen):
            unchanged += 1
            continue
        # updating a known source keeps what polling learnt (validators, next poll, failures)
        store.put(Source.model_validate({**(before.model_dump() if before else {}),
                                         **source.model_dump(include=chosen | {"id"})}))  # fmt: skip
        by_feed[str(source.feed_url)] = source
        added, updated = added + (before is None), updated + (before is not None)
    progress.finish(len(parsed.sources))
    for problem in parsed.errors:
        print(f"skipped {problem}", file=sys.stderr)
    print(json.dumps({"added": added, "updated": updated, "unchanged": unchanged, "rejected": len(parsed.errors)}))
    return EXIT_USER_ERROR if parsed.errors else 0


def cmd_parse_feed(args: argparse.Namespace) -> int:
    from digest.ingest.feeds import parse_feed
    from digest.ingest.fetch import Fetcher

    fetcher = Fetcher.from_settings(current_settings())

    def work(name: str) -> list[dict[str, Any]]:
        data, url = read_input(name, fetcher)
        parsed = parse_feed(data, url=url)
        return [
            {
                "input": name, "id": a.id, "url": a.url, "guid": a.guid, "title": a.title, "summary": a.summary,
                "text": a.text, "author": a.author, "published": iso(a.published), "source": a.source,
                "lang": a.lang, "categories": a.categories, "image": a.image, "kind": a.kind.value,
            }
            for a in parsed.articles
        ]  # fmt: skip

    return each_input(args.inputs, work)


def cmd_extract(args: argparse.Namespace) -> int:
    from digest.ingest.extract import extract_page
    from digest.ingest.fetch import Fetcher

    fetcher = Fetcher.from_settings(current_settings())

    def work(name: str) -> list[dict[str, Any]]:
        data, fetched_url = read_input(name, fetcher)
        page = extract_page(data, url=args.url or fetched_url)
        if not page.text and not page.title:
            raise ValueError("no article found in the page")
        return [
            {
                "input": name, "url": page.url or None, "title": page.title, "text": page.text,
                "author": page.author, "published": iso(page.published), "site_name": page.site_name,
                "image": page.image, "lang": page.lang, "kind": page.kind.value if page.kind else None,
            }
        ]  # fmt: skip

    return each_input(args.inputs, work)


def cmd_pick(args: argparse.Namespace) -> int:
    from digest.ingest.fetch import FetchError
    from digest.ingest.service import pick_page
    from digest.models import Section

    html = None
    if args.file:
        html, _ = read_input(args.file, None)
    try:
        article, new = pick_page(current_settings(), args.url, html=html, pin=Section(args.pin) if args.pin else None)
    except FetchError as error:  # a refused or failing URL is the editor's to fix, not a crash
        raise UserError(f"could not fetch {args.url}: {error}") from error
    print(json.dumps({"id": article.id, "url": article.url, "title": article.title, "new": new,
                      "pin": article.pin.value if article.pin else None}))  # fmt: skip
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    settings = current_settings()
    if args.file:
        from digest.ingest.service import import_articles

        path = Path(args.file)
        if not path.is_file():
            raise UserError(f"no such file: {path}")
        opener = gzip.open if args.file.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
            results = import_articles(settings, handle.read().splitlines())
        errors = [r for r in results if "error" in r]
        for error in errors:
            print(json.dumps({"input": f"{args.file}:{error['line']}", "error": error["error"]}))
        stored = [r for r in results if "id" in r]
        print(json.dumps({"input": args.file, "stored": len(stored), "new": sum(r["new"] for r in stored),
                          "errors": len(errors)}))  # fmt: skip
        return EXIT_USER_ERROR if errors else 0
    if args.source:
        from digest.ingest.service import ingest_source

        report = ingest_source(args.source, settings)
        print(
            json.dumps(
                {
                    "source": report.source_id,
                    "new": report.new,
                    "updated": report.updated,
                    "not_modified": report.not_modified,
                    "skipped": report.skipped,
                    "errors": report.errors,
                }
            )
        )
        return 0 if not report.errors else EXIT_USER_ERROR
    if settings.local:
        return _ingest_local(settings, args)
    from digest.ingest.schedule import fan_out

    queued, failing = fan_out(settings)
    print(json.dumps({"queued": queued, "failing_24h": failing}))
    return 0


def _ingest_local(settings: Settings, args: argparse.Namespace) -> int:
    """Every due source polled in this process; the summary says which failed, and why (exit 1 then)."""
    from datetime import datetime

    from digest.local.run import ingest_all
    from digest.store.sources import SourceStore

    started = datetime.now(UTC)
    progress = start_progress(args, "ingesting", "sources")

    def queued_now(total: int) -> None:
        progress.total = total
        progress.update(0, force=True)

    queued, pumped = ingest_all(settings, on_batch=lambda r: progress.update(r.processed + r.failed),
                                on_queued=queued_now)  # fmt: skip
    polled = [s for s in SourceStore(settings.sources_table).all() if s.last_fetched and s.last_fetched >= started]
    failures: list[dict[str, str | None]] = [{"source": s.id, "error": s.last_error} for s in polled if s.last_error]
    if pumped.failed:  # a worker failed on a message (not a source's own failure): retried, then dead-lettered
        failures.append({"source": None, "error": f"the ingest worker failed {pumped.failed} times on queued sources "
                         "(they go to the dead-letter queue after their retries)"})  # fmt: skip
    progress.finish(pumped.processed + pumped.failed, extra=f"{len(failures)} failed")
    for failure in failures:
        print(f"failed: {failure['source'] or 'worker'}: {failure['error']}", file=sys.stderr)
    print(json.dumps({"queued": queued, "processed": pumped.processed, "ok": len(polled) - len(failures),
                      "failed": len(failures), "failures": failures}))  # fmt: skip
    return EXIT_USER_ERROR if failures else 0


def add_commands(commands: argparse._SubParsersAction, add: AddCommand) -> None:
    """This group's commands, on the top-level parser."""
    from digest.models import Kind, Section

    sources = commands.add_parser("sources", help="the feeds to follow").add_subparsers(dest="action", required=True)
    src = add(sources, "add", cmd_sources_add, "add or update a source")
    src.add_argument("id")
    src.add_argument("name")
    src.add_argument("feed_url")
    src.add_argument("--authority", type=float, default=0.5)
    src.add_argument("--kind", choices=[k.value for k in Kind], default="news")
    src.add_argument("--poll-minutes", type=int, default=60)
    src.add_argument("--paused", action="store_true", help="keep the source but do not poll it")
    src.add_argument("--boilerplate", action="append", default=[], metavar="RULE",
                     help='extra extraction rule for this site: "drop:REGEX" (a paragraph), "cut:REGEX" '
                     '(it and all after it) or "appeal:REGEX" (a cut only when what follows asks for support); '
                     "repeat for more")  # fmt: skip
    imp = add(sources, "import", cmd_sources_import, "add many sources from OPML (a feed reader's export) or "
              "CSV (feed_url plus optional id, name, authority, kind, poll_minutes)")  # fmt: skip
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--quiet", action="store_true", help="no progress on standard error")
    add(sources, "list", cmd_sources_list, "list sources as JSON lines")
    remove = add(sources, "remove", cmd_sources_remove, "stop following a source (its articles stay)")
    remove.add_argument("id")

    ingest = add(commands, "ingest", cmd_ingest, "poll due sources (or one) and store their articles")
    ingest.add_argument("--source", help="poll only this source id, now")
    ingest.add_argument(
        "--file", help="store articles given as JSON lines (parse-feed's shape; url and title required)"
    )
    ingest.add_argument("--quiet", action="store_true", help="no progress on standard error")
    feed = add(commands, "parse-feed", cmd_parse_feed, "parse feeds; one JSON line per entry")
    feed.add_argument("inputs", nargs="+", metavar="FILE_OR_URL")
    extract = add(commands, "extract", cmd_extract, "extract article pages; one JSON line per page")
    extract.add_argument("inputs", nargs="+", metavar="FILE_OR_URL")
    extract.add_argument("--url", help="the page's own URL (resolves relative links when reading files)")
    pick = add(commands, "pick", cmd_pick, "add an editor's pick by URL (fetched) or from a saved page")
    pick.add_argument("url")
    pick.add_argument("--file", help="the page's HTML, saved (it is not fetched then)")
    pick.add_argument("--pin", choices=[s.value for s in Section], help="the section it should appear in")
