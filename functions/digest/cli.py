"""The `digest` command: every stage of the pipeline against the AWS endpoint the environment names.

With ``AWS_ENDPOINT_URL`` set (a local moto server) the queue-driven stages run their workers in
this process until the queue is empty; against AWS they hand work to the deployed functions.
Resource names come from the environment, a stack-outputs file (``DIGEST_STACK_OUTPUTS``) or, on
a local endpoint, the fixed names `digest stack create` uses.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

if TYPE_CHECKING:
    from digest.settings import Settings

EXIT_USER_ERROR = 1


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text[:40]!r}") from None
    if not 0 < value < 1e7:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text[:40]!r}")
    return value


class UserError(Exception):
    """A problem the user can fix; printed as one line, without a traceback."""


def _quiet_powertools() -> None:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")  # the handlers' warnings reach the user as summaries
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")


def _settings():
    from digest.settings import get_settings

    return get_settings()


def _port(value: str) -> int:
    """A TCP port number, checked when the arguments are read (not after a whole demo has run)."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0 to 65535)")
    return port


def _require_local(what: str) -> None:
    if not os.environ.get("AWS_ENDPOINT_URL"):
        raise UserError(f"{what} needs a local endpoint: set AWS_ENDPOINT_URL (e.g. http://127.0.0.1:5000)")


def cmd_demo(args: argparse.Namespace) -> int:
    from digest.local.demo import DemoError, main

    try:
        return main(Path(args.out), serve=args.serve, api_port=args.port, archive_port=args.archive_port)
    except DemoError as error:
        raise UserError(str(error)) from None


def cmd_stack_create(args: argparse.Namespace) -> int:
    _require_local("digest stack create")
    from digest.local.stack import create_stack

    for line in create_stack(_settings()):
        print(f"created {line}")
    return 0


def _parameter_overrides(pairs: list[str]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UserError(f"a parameter override is Name=Value, not {pair[:60]!r}")
        overrides[name] = value
    return overrides


def cmd_stack_env_vars(args: argparse.Namespace) -> int:
    """The --env-vars file for `sam local invoke` (the local stack's names, as the container sees them)."""
    from digest.local.invoke import sam_env_vars
    from digest.local.stack import create_secrets

    if os.environ.get("AWS_ENDPOINT_URL"):
        create_secrets(_settings())  # the secrets' ARNs go in the file
    endpoint = args.endpoint or os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        raise UserError("say where the local stack is: --endpoint http://host.docker.internal:PORT")
    if not args.endpoint and "127.0.0.1" in endpoint and not args.docker_network_host:
        # a container's loopback is its own: host.docker.internal is the host, unless the container
        # shares the host's network (sam local invoke --docker-network host)
        endpoint = endpoint.replace("127.0.0.1", "host.docker.internal")
    text = json.dumps(sam_env_vars(_settings(), endpoint, api_url=args.api_url), indent=2) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}: sam local invoke FUNCTION -e events/EVENT.json --env-vars {args.out}",
              file=sys.stderr)  # fmt: skip
    return 0


def cmd_stack_seed(args: argparse.Namespace) -> int:
    _require_local("digest stack seed")
    from digest.local.seed import seed

    for line in seed(_settings(), site_url=args.site, edition=not args.no_edition):
        print(line)
    return 0


def cmd_invoke(args: argparse.Namespace) -> int:
    """One function of the template, its handler run here on an event, as `sam local invoke` would."""
    from digest.local.invoke import event_function, invoke_function, read_event

    function = args.function
    if function.endswith(".json") and args.event is None:  # `digest invoke events/picks.json`
        function, args.event = event_function(Path(function)), function
    event = read_event(args.event)
    try:
        result = invoke_function(function, event, overrides=_parameter_overrides(args.parameter_overrides))
    except (UserError, LookupError):
        raise
    except Exception as error:  # as Lambda reports a function error
        print(json.dumps({"errorMessage": str(error), "errorType": type(error).__name__}))
        return EXIT_USER_ERROR
    print(json.dumps(result, default=str))
    return 0


def cmd_sources_add(args: argparse.Namespace) -> int:
    from digest.models import Source
    from digest.store.sources import SourceStore

    store = SourceStore(_settings().sources_table)
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

    store = SourceStore(_settings().sources_table)
    if store.get(args.id) is None:
        raise UserError(f"no source with id {args.id!r}")
    store.delete(args.id)
    print(json.dumps({"removed": args.id}))
    return 0


def cmd_sources_list(args: argparse.Namespace) -> int:
    from digest.store.sources import SourceStore

    for source in SourceStore(_settings().sources_table).all():
        print(json.dumps(source.model_dump(mode="json", exclude_none=True)))
    return 0


def _read_input(name: str, fetcher: Any) -> tuple[bytes, str]:
    """The bytes of a file (``.gz`` decompressed) or URL, and the URL they came from ('' for files)."""
    if name.startswith(("http://", "https://")):
        reply = fetcher.fetch(name)
        return reply.body, str(reply.url)
    path = Path(name)
    if not path.is_file():
        raise UserError(f"no such file: {name}")
    data = path.read_bytes()
    if name.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise UserError(f"not a gzip file: {error}") from error
    return data, ""


def _each_input(inputs: list[str], work: Callable[[str], list[dict[str, Any]]]) -> int:
    """Run ``work`` on every input, printing its JSON lines; a failing input prints its error and sets exit 1."""
    failed = False
    for name in inputs:
        try:
            lines = work(name)
        except Exception as error:  # any input may fail in its own way; the others still run
            failed = True
            lines = [{"input": name, "error": _one_sentence(error)}]
        for line in lines:
            print(json.dumps(line, ensure_ascii=False))
    return EXIT_USER_ERROR if failed else 0


def _one_sentence(error: BaseException) -> str:
    if isinstance(error, ValidationError):
        first = error.errors(include_url=False)[0]
        return f"invalid {'.'.join(map(str, first['loc']))}: {first['msg']}"
    text = " ".join(str(error).split()) or type(error).__name__
    return text[:300]


def _iso(moment: Any) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def cmd_parse_feed(args: argparse.Namespace) -> int:
    from digest.ingest.feeds import parse_feed
    from digest.ingest.fetch import Fetcher

    fetcher = Fetcher.from_settings(_settings())

    def work(name: str) -> list[dict[str, Any]]:
        data, url = _read_input(name, fetcher)
        parsed = parse_feed(data, url=url)
        return [
            {
                "input": name, "id": a.id, "url": a.url, "guid": a.guid, "title": a.title, "summary": a.summary,
                "text": a.text, "author": a.author, "published": _iso(a.published), "source": a.source,
                "lang": a.lang, "categories": a.categories, "image": a.image, "kind": a.kind.value,
            }
            for a in parsed.articles
        ]  # fmt: skip

    return _each_input(args.inputs, work)


def cmd_extract(args: argparse.Namespace) -> int:
    from digest.ingest.extract import extract_page
    from digest.ingest.fetch import Fetcher

    fetcher = Fetcher.from_settings(_settings())

    def work(name: str) -> list[dict[str, Any]]:
        data, fetched_url = _read_input(name, fetcher)
        page = extract_page(data, url=args.url or fetched_url)
        if not page.text and not page.title:
            raise ValueError("no article found in the page")
        return [
            {
                "input": name, "url": page.url or None, "title": page.title, "text": page.text,
                "author": page.author, "published": _iso(page.published), "site_name": page.site_name,
                "image": page.image, "lang": page.lang, "kind": page.kind.value if page.kind else None,
            }
        ]  # fmt: skip

    return _each_input(args.inputs, work)


def cmd_pick(args: argparse.Namespace) -> int:
    from digest.ingest.fetch import FetchError
    from digest.ingest.service import pick_page
    from digest.models import Section

    html = None
    if args.file:
        html, _ = _read_input(args.file, None)
    try:
        article, new = pick_page(_settings(), args.url, html=html, pin=Section(args.pin) if args.pin else None)
    except FetchError as error:  # a refused or failing URL is the editor's to fix, not a crash
        raise UserError(f"could not fetch {args.url}: {error}") from error
    print(json.dumps({"id": article.id, "url": article.url, "title": article.title, "new": new,
                      "pin": article.pin.value if article.pin else None}))  # fmt: skip
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    settings = _settings()
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


def _progress(args: argparse.Namespace, label: str, unit: str, total: int | None = None) -> Any:
    from digest.progress import Progress

    return Progress(label, total, unit, enabled=not getattr(args, "quiet", False))


def _ingest_local(settings: Settings, args: argparse.Namespace) -> int:
    """Every due source polled in this process; the summary says which failed, and why (exit 1 then)."""
    from datetime import datetime

    from digest.local.run import ingest_all
    from digest.store.sources import SourceStore

    started = datetime.now(UTC)
    progress = _progress(args, "ingesting", "sources")

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


def cmd_edition_build(args: argparse.Namespace) -> int:
    from digest.models import EditionStatus
    from digest.stories.service import build_edition

    edition = build_edition(_settings(), args.week)
    if edition.status is EditionStatus.skipped:
        print(f"nothing new since the last edition: {edition.id} is skipped and will not be sent", file=sys.stderr)
    for section in edition.sections:
        print(f"{section.title}: {len(section.stories)} stories", file=sys.stderr)
    print(edition.id)
    return 0


def _edition(edition_id: str):
    from digest.store.editions import EditionStore

    settings = _settings()
    edition = EditionStore(settings.editions_table, settings.archive_bucket).get(edition_id)
    if edition is None:
        raise UserError(f"no edition {edition_id}")
    return edition


def cmd_edition_show(args: argparse.Namespace) -> int:
    edition = _edition(args.id)
    if args.json:
        print(edition.model_dump_json(indent=2))
        return 0
    print(f"Edition {edition.id} (No. {edition.number}) — {edition.status.value}")
    print(
        f"Window {edition.window_start:%Y-%m-%d %H:%M} → {edition.window_end:%Y-%m-%d %H:%M} UTC, "
        f"{edition.article_count} articles"
    )
    for section in edition.sections:
        if section.stories:
            print(f"\n{section.title}")
            for n, story in enumerate(section.stories, 1):
                also = f" (+{len(story.also)} outlets)" if story.also else ""
                print(f"  {n}. {story.headline} — {story.lead.source}{also}  [{story.id}, score {story.score}]")
    return 0


def cmd_edition_render(args: argparse.Namespace) -> int:
    from digest.render.publish import publish

    email, web = publish(_settings(), _edition(args.id))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "edition.html").write_text(email.html)
    (out / "edition.txt").write_text(email.text)
    (out / "web.html").write_text(web.html)
    print(
        json.dumps(
            {
                "subject": email.subject,
                "html_bytes": len(email.html.encode()),
                "dropped": email.dropped,
                "files": [str(out / n) for n in ("edition.html", "edition.txt", "web.html")],
            }
        )
    )
    return 0


def cmd_edition_preview(args: argparse.Namespace) -> int:
    """The email as a reader would see it: HTML plus PNG screenshots at 375 and 600 px."""
    from digest.local.preview import PreviewError, preview
    from digest.mail.compose import Letter, personalise
    from digest.mail.service import mail_reader
    from digest.render.publish import publish

    settings = _settings()
    email, _ = publish(settings, _edition(args.id))
    letter = personalise(Letter(email.subject, email.html, email.text), mail_reader(settings, "preview"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "edition.html").write_text(letter.html)
    try:
        shots = preview(letter.html, out, network=not args.offline)
    except PreviewError as error:
        raise UserError(str(error)) from error
    print(json.dumps({"subject": email.subject, "files": [str(out / "edition.html"), *map(str, shots)]}))
    return 0


def cmd_edition_test_send(args: argparse.Namespace) -> int:
    """Mail the edition, marked [TEST], to test addresses; the readers' send log is not touched."""
    from digest.api.admin import test_send

    for sent in test_send(_settings(), args.id, args.addresses):
        print(json.dumps(sent))
    return 0


def cmd_edition_review_link(args: argparse.Namespace) -> int:
    """A signed link to the editor review page for this edition (valid for three days)."""
    from digest.api.review import review_link

    _edition(args.id)
    print(review_link(_settings(), args.id))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from digest.local.serve import serve

    serve(port=args.port, host=args.host)
    return 0


def cmd_edition_approve(args: argparse.Namespace) -> int:
    from digest.models import EditionStatus
    from digest.render.publish import publish
    from digest.stories.service import set_status

    edition = _edition(args.id)
    if edition.status is not EditionStatus.draft:
        raise UserError(f"edition {args.id} is {edition.status.value}, not a draft")
    edition = set_status(_settings(), args.id, EditionStatus.approved, who=args.who)
    publish(_settings(), edition)
    print(f"{edition.id} approved")
    return 0


def cmd_edition_edit(args: argparse.Namespace) -> int:
    """pin / unpin / drop / restore / summary: one editor's decision, kept across rebuilds."""
    from digest.models import Decision
    from digest.stories.service import edit_edition

    decision = Decision(
        action=args.action,
        target=args.target,
        section=getattr(args, "section", None),
        position=getattr(args, "position", None),
        text=getattr(args, "text", None),
        who=args.who,
    )
    edition = edit_edition(_settings(), args.id, decision)
    for section in edition.sections:
        for n, story in enumerate(section.stories, 1):
            if args.target == story.id or args.target in story.article_ids:
                print(json.dumps({"edition": edition.id, "story": story.id, "section": section.key.value,
                                  "position": n, "pinned": story.pinned}))  # fmt: skip
                return 0
    print(json.dumps({"edition": edition.id, "target": args.target, "section": None}))
    return 0


def cmd_cluster(args: argparse.Namespace) -> int:
    """Story labels for JSON lines of articles (id plus title and/or text), in input order."""
    from digest.stories.cluster import ClusterItem, cluster

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"no such file: {path}")
    items: list[ClusterItem] = []
    opener = gzip.open if args.file.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                items.append(_cluster_item(line, number))
    for item, label in zip(items, cluster(items), strict=True):
        print(json.dumps({"id": item.id, "story": label}, ensure_ascii=False))
    return 0


def _cluster_item(line: str, number: int) -> Any:
    from datetime import datetime

    from digest.stories.cluster import ClusterItem

    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise UserError(f"line {number}: not JSON ({error.msg})") from error
    if not isinstance(row, dict) or row.get("id") in (None, ""):
        raise UserError(f"line {number}: needs an id")
    title, text = str(row.get("title") or ""), str(row.get("text") or "")
    if not title and not text:
        raise UserError(f"line {number}: needs a title or a text")
    published = None
    if row.get("published"):
        try:
            published = datetime.fromisoformat(str(row["published"]).replace("Z", "+00:00"))
            published = published if published.tzinfo else published.replace(tzinfo=UTC)
        except ValueError as error:
            raise UserError(f"line {number}: published is not an ISO 8601 time") from error
    return ClusterItem(id=str(row["id"]), title=title, text=text, published=published,
                       source=str(row["source"]) if row.get("source") else None)  # fmt: skip


def cmd_edition_send(args: argparse.Namespace) -> int:
    """Locally: dispatch and the send workers in this process until the queue is empty.  On AWS: run
    the deployed dispatch function, then follow the deployed send workers until the queue is empty.
    One sender of an edition at a time: a second one waits for the first (or stops, if asked)."""
    from digest.mail.service import SendError, exclusive_send

    settings = _settings()
    say = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    try:
        with exclusive_send(settings, args.id, wait=args.if_running == "wait", say=say):
            result = _send(settings, args)
    except SendError as error:
        raise UserError(str(error)) from None
    print(json.dumps({"edition": args.id, **result}))
    if result.get("in_doubt"):
        print(f"{len(result['in_doubt'])} readers are in doubt (SES may or may not have accepted their message); "
              f"they are not mailed again: decide with 'digest edition settle {args.id}' "
              "(README, 'Sending exactly once')", file=sys.stderr)  # fmt: skip
    return 0


def _send(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    failed_only = args.action == "resend-failed"
    resume = getattr(args, "resume", False)
    if settings.local:
        from digest.local.run import send_all
        from digest.store.sendlog import SendLog

        progress = _progress(args, f"sending {args.id}", "readers")
        log = SendLog(settings.send_log_table)
        # a resend counts the failed readers now sent; a send, every reader the workers settled
        counted = ("sent",) if failed_only else ("sent", "failed", "skipped")
        before = sum(log.counts(args.id).get(k, 0) for k in counted)

        def queued_now(total: int) -> None:
            progress.total = total
            progress.update(0, force=True)

        def batch_done(_: Any) -> None:
            counts = log.counts(args.id)
            done = min(max(0, sum(counts.get(k, 0) for k in counted) - before), progress.total or 0)
            progress.update(done, extra=f"{counts['failed']} failed" if counts.get("failed") else "")

        result = send_all(settings, args.id, resume=resume, failed_only=failed_only, on_batch=batch_done,
                          on_queued=queued_now)  # fmt: skip
        progress.finish()
    else:
        from digest.mail.service import follow_send
        from digest.store.functions import FunctionFailed, invoke

        if not settings.send_dispatch_function:
            raise UserError("no SendDispatchFunctionName: point DIGEST_STACK_OUTPUTS at the stack's outputs "
                           "(docs/deploy.md, 'First edition checklist')")  # fmt: skip
        try:
            request = {"edition_id": args.id, "manual": True, "resume": resume, "failed_only": failed_only}
            answer = invoke(settings.send_dispatch_function, request)
        except FunctionFailed as error:
            raise UserError(str(error)) from None
        queued, waiting = int(answer.get("queued", 0)), int(answer.get("waiting", 0))
        if args.no_follow:
            result = {"queued": queued, "waiting": waiting}
        else:
            progress = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
            followed = follow_send(settings, args.id, waiting=waiting, poll_seconds=args.poll,
                                   timeout_seconds=args.follow_timeout, progress=progress)  # fmt: skip
            result = {"queued": queued, **followed}
    return result


def cmd_edition_settle(args: argparse.Namespace) -> int:
    """Decide about readers in doubt (no SES event settled them): lists them with no decision given."""
    from digest.mail.service import SendError, edition_report, settle_by_hand
    from digest.store.editions import EditionStore

    settings = _settings()
    _edition(args.id)
    decided = args.sent or args.unsent or args.all
    if not decided:
        report = edition_report(settings, args.id)
        print(json.dumps({"edition": args.id, "status": report["status"], "in_doubt": report["in_doubt"]}))
        return 0
    if args.all and (args.sent or args.unsent):
        raise UserError("give addresses with --sent/--unsent, or --all, not both")
    try:
        result = settle_by_hand(settings, args.id, sent=args.sent or (), unsent=args.unsent or (), all_as=args.all,
                                who=args.who)  # fmt: skip
    except SendError as error:
        raise UserError(str(error)) from None
    edition = EditionStore(settings.editions_table, settings.archive_bucket).get(args.id)
    print(json.dumps({"edition": args.id, "status": edition.status.value if edition else None, **result}))
    if result["settled"]["unsent"]:
        print(f"readers settled as unsent are marked failed: 'digest edition resend-failed {args.id}' mails them",
              file=sys.stderr)  # fmt: skip
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from digest.ops.doctor import run_checks

    checks = run_checks(_settings(), stack=args.stack, resolver=args.dns_server)
    if args.json:
        print(json.dumps([{"check": c.name, "outcome": c.outcome, "detail": c.detail} for c in checks]))
    else:
        marks = {"pass": "PASS", "fail": "FAIL", "skip": "skip", "warn": "warn"}
        for check in checks:
            print(f"{marks[check.outcome]}  {check.name:<22} {check.detail}")
    return EXIT_USER_ERROR if any(c.outcome == "fail" for c in checks) else 0


def cmd_edition_stats(args: argparse.Namespace) -> int:
    """Every counter of the edition, zeros included; readers in doubt by address."""
    from digest.mail.service import edition_report

    edition = _edition(args.id)
    report = edition_report(_settings(), args.id)
    if args.json:
        print(json.dumps(report))
        return 0
    readers, feedback, rates = report["readers"], report["feedback"], report["rates"]
    print(f"Edition {edition.id} (No. {edition.number}) — {report['status']}")
    print("\nReaders")
    for key in ("sent", "failed", "skipped", "pending", "in_doubt"):
        print(f"  {key.replace('_', ' '):<14}{readers[key]:>8}")
    print("\nFeedback (SES events)      count   of sent")
    for key, count in feedback.items():
        rate = rates.get(f"{key}_rate")
        print(f"  {key.replace('_', ' '):<22}{count:>8}   {f'{100 * rate:.1f}%' if rate is not None else '':>7}")
    stories = [(section.title, story) for section in edition.sections for story in section.stories]
    if stories:
        print("\nTop stories")
        for n, (title, story) in enumerate(sorted(stories, key=lambda item: -item[1].score)[:5], 1):
            print(f"  {n}. {story.headline} — {story.lead.source} ({title}, score {story.score})")
    if report["in_doubt"]:
        print("\nReaders in doubt (decide with 'digest edition settle')")
        for doubt in report["in_doubt"]:
            print(f"  {doubt['address'] or doubt['subscriber_id']}  since {doubt['since']}  {doubt['reason'] or ''}")
    return 0


def cmd_edition_list(args: argparse.Namespace) -> int:
    """Every edition, newest first."""
    from digest.api.admin import list_editions

    editions = list_editions(_settings())
    rows: list[dict[str, Any]] = [
        {"id": e.id, "number": e.number, "status": e.status.value, "stories": len(e.stories()),
         "articles": e.article_count, "window_end": _iso(e.window_end)}
        for e in editions
    ]  # fmt: skip
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    if not rows:
        print("no editions yet: 'digest edition build' makes this week's draft", file=sys.stderr)
        return 0
    print(f"{'EDITION':<10} {'NO.':>4}  {'STATUS':<9} {'STORIES':>7} {'ARTICLES':>8}  WINDOW END (UTC)")
    for row in rows:
        print(f"{row['id']:<10} {row['number']:>4}  {row['status']:<9} {row['stories']:>7} {row['articles']:>8}  "
              f"{(row['window_end'] or '').replace('T', ' ').rstrip('Z')}")  # fmt: skip
    return 0


def cmd_edition_reopen(args: argparse.Namespace) -> int:
    """Back to draft, as the review page's "Back to draft": an approved (or skipped) edition can be edited again."""
    from digest.models import EditionStatus
    from digest.stories.service import set_status

    edition = _edition(args.id)
    if edition.status not in {EditionStatus.approved, EditionStatus.skipped}:
        raise UserError(f"edition {args.id} is {edition.status.value}: only an approved or skipped edition "
                        "can go back to draft")  # fmt: skip
    set_status(_settings(), args.id, EditionStatus.draft, who=args.who)
    print(f"{args.id} is a draft again")
    return 0


def cmd_subscribers_import(args: argparse.Namespace) -> int:
    from digest.readers import parse_import
    from digest.store.subscribers import SubscriberStore

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"no such file: {path}")
    result = parse_import(path.read_text(encoding="utf-8-sig", errors="replace"))
    store = SubscriberStore(_settings().subscribers_table)
    progress = _progress(args, "importing", "readers", len(result.readers))
    for n, reader in enumerate(result.readers, start=1):
        progress.update(n - 1)
        existing = store.get(reader.id)
        store.put(
            reader.model_copy(
                update={
                    "consents": [*(existing.consents if existing else []), *reader.consents],
                    "created": existing.created if existing else reader.created,
                }
            )
        )
    progress.finish(len(result.readers))
    for error in result.errors:
        print(f"skipped {error}", file=sys.stderr)
    print(json.dumps({"imported": len(result.readers), "rejected": len(result.errors)}))
    return 0 if not result.errors else EXIT_USER_ERROR


def _reader_id(given: str) -> str:
    """A reader named by address or by id (as `subscribers list` prints it)."""
    from digest.readers import ReaderError, normalise_email, subscriber_id

    if "@" not in given:
        return given
    try:
        return subscriber_id(normalise_email(given))
    except ReaderError as error:
        raise UserError(f"{given[:80]!r}: {error}") from None


def _reader_line(reader: Any) -> str:
    return json.dumps({"id": reader.id, "email": reader.email, "name": reader.name, "status": reader.status.value,
                       "sections": [s.value for s in reader.sections]})  # fmt: skip


def cmd_subscribers_add(args: argparse.Namespace) -> int:
    """One reader who agreed elsewhere (a form on paper, an event): stored as an import of one row is."""
    import io

    from digest.api.admin import get_reader, import_readers
    from digest.readers import ReaderError

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["email", "name", "sections", "timezone", "status"])
    writer.writerow([args.email, args.name or "", args.sections or "", args.timezone or "", args.status])
    settings = _settings()
    try:
        outcome = import_readers(settings, buffer.getvalue())
    except ReaderError as error:
        raise UserError(str(error)) from None
    if outcome.errors:
        raise UserError(outcome.errors[0].removeprefix("line 2: "))
    print(_reader_line(get_reader(settings, _reader_id(args.email))))
    return 0


def cmd_subscribers_unsubscribe(args: argparse.Namespace) -> int:
    from digest.api.subscriptions import Requester, unsubscribe_reader

    try:
        reader = unsubscribe_reader(_settings(), _reader_id(args.reader), Requester(None, None, f"cli ({args.who})"))
    except LookupError:
        raise UserError(f"no reader {args.reader[:120]!r}") from None
    print(_reader_line(reader))
    return 0


def cmd_subscribers_erase(args: argparse.Namespace) -> int:
    """Everything personal removed; only the id (a hash of the address), marked erased, is kept."""
    from digest.api.admin import erase_reader_by_id, get_reader
    from digest.models import SubscriberStatus

    settings = _settings()
    reader_id = _reader_id(args.reader)
    try:
        reader = get_reader(settings, reader_id)
    except LookupError:
        raise UserError(f"no reader {args.reader[:120]!r}") from None
    if reader.status is SubscriberStatus.erased:
        raise UserError(f"reader {reader_id} is already erased")
    if not args.yes:
        raise UserError(f"erasing {args.reader[:120]!r} cannot be undone: run again with --yes")
    erase_reader_by_id(settings, reader_id)
    print(json.dumps({"erased": reader_id}))
    return 0


def cmd_sources_import(args: argparse.Namespace) -> int:
    """Sources from an OPML file (a feed reader's export) or a CSV; known feeds are not added twice."""
    from digest.ingest.sourcelist import SourceListError, parse_source_list
    from digest.models import Source
    from digest.store.sources import SourceStore

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"no such file: {path}")
    store = SourceStore(_settings().sources_table)
    known = {s.id: s for s in store.all()}
    by_feed = {str(s.feed_url): s for s in known.values()}
    try:
        parsed = parse_source_list(path.read_bytes(), path.name, set(known))
    except SourceListError as error:
        raise UserError(str(error)) from None
    added = updated = unchanged = 0
    progress = _progress(args, "importing", "sources", len(parsed.sources))
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


def cmd_subscribers_export(args: argparse.Namespace) -> int:
    from digest.readers import csv_safe
    from digest.store.subscribers import SubscriberStore

    out = open(args.out, "w", newline="", encoding="utf-8") if args.out else sys.stdout  # noqa: SIM115
    writer = csv.writer(out)
    writer.writerow(["email", "name", "sections", "timezone", "status"])
    for reader in SubscriberStore(_settings().subscribers_table).all():
        if reader.status.value == "erased":
            continue
        writer.writerow(
            [
                csv_safe(reader.email),
                csv_safe(reader.name or ""),
                ";".join(s.value for s in reader.sections),
                reader.timezone or "",
                reader.status.value,
            ]
        )
    if out is not sys.stdout:
        out.close()
    return 0


def cmd_subscribers_list(args: argparse.Namespace) -> int:
    from digest.models import SubscriberStatus
    from digest.store.subscribers import SubscriberStore

    store = SubscriberStore(_settings().subscribers_table)
    readers = store.with_status(SubscriberStatus(args.status)) if args.status else store.all()
    for reader in readers:
        print(
            json.dumps(
                {
                    "id": reader.id,
                    "email": reader.email,
                    "name": reader.name,
                    "status": reader.status.value,
                    "sections": [s.value for s in reader.sections],
                }
            )
        )
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors as the same single line as every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"digest: error: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    from digest.models import Kind, Section, SubscriberStatus

    top = _Parser(prog="digest", description="Friday Digest: the weekly newsletter pipeline.")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        group: argparse._SubParsersAction,
        name: str,
        func: Callable[[argparse.Namespace], int],
        help: str,
    ) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = group.add_parser(name, help=help, description=help)
        sub.set_defaults(func=func)
        return sub

    serve = add(commands, "serve", cmd_serve, "run the API and pages on 127.0.0.1 (the local AWS if none is set)")
    serve.add_argument("--port", type=_port, default=3000)
    serve.add_argument("--host", default="127.0.0.1")
    demo = add(commands, "demo", cmd_demo, "run the whole pipeline locally on the sample site")
    demo.add_argument("--out", default="out", help="where to write the edition (default: out)")
    demo.add_argument("--serve", action="store_true",
                      help="then keep serving the archive, the review, sign-up and preferences pages until Ctrl-C")
    demo.add_argument("--port", type=_port, default=3000, help="with --serve: the pages' port (default 3000)")
    demo.add_argument("--archive-port", type=_port, default=8000,
                      help="with --serve: the archive's port (default 8000, as ARCHIVE_BASE_URL's default)")
    stack = commands.add_parser("stack", help="local stack resources").add_subparsers(dest="action", required=True)
    add(stack, "create", cmd_stack_create, "create the template's tables, queues and buckets on AWS_ENDPOINT_URL")
    env_vars = add(stack, "env-vars", cmd_stack_env_vars,
                   "write the --env-vars file for `sam local invoke` (every function, the local stack's names)")
    env_vars.add_argument("--out", default="env.local.json", help="file to write, - for standard output")
    env_vars.add_argument("--endpoint", help="the local AWS as the SAM container reaches it "
                          "(default: AWS_ENDPOINT_URL with 127.0.0.1 as host.docker.internal)")
    env_vars.add_argument("--docker-network-host", action="store_true",
                          help="keep 127.0.0.1 (for sam local invoke --docker-network host, Linux)")
    env_vars.add_argument("--api-url", default="http://127.0.0.1:3000",
                          help="base of reader links (sam local start-api)")
    seed = add(stack, "seed", cmd_stack_seed, "fill the local stack so every file in events/ means something")
    seed.add_argument("--site", help="base URL of a running sample site (the sources' feeds); default: none")
    seed.add_argument("--no-edition", action="store_true", help="leave edition 2026-W48 to be built")
    invoke = add(commands, "invoke", cmd_invoke, "run one function's handler on an event against the local stack "
                 "(sam local invoke without Docker); prints its JSON result")
    invoke.add_argument("function", metavar="FUNCTION", help="logical id in template.yaml, or an events/*.json file")
    invoke.add_argument("event", nargs="?", metavar="EVENT.json", help="the event (default: {})")
    invoke.add_argument("--parameter-overrides", nargs="+", default=[], metavar="NAME=VALUE",
                        help="template parameters, as sam local invoke --parameter-overrides")

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
                     help='extra extraction rule for this site: "drop:REGEX" (a paragraph) or "cut:REGEX" '
                     "(it and all after it); repeat for more")  # fmt: skip
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
    doctor = add(commands, "doctor", cmd_doctor, "check that the stack is ready to send (pass/fail list)")
    doctor.add_argument("--stack", default=os.environ.get("STACK_NAME"), help="CloudFormation stack name")
    doctor.add_argument("--json", action="store_true")
    doctor.add_argument("--dns-server", help="resolver for the DMARC lookup, HOST[:PORT] (default: the system's)")
    add(commands, "cluster", cmd_cluster, "group articles (JSON lines: id, title and/or text) into stories"
        ).add_argument("file", metavar="FILE.jsonl")  # fmt: skip
    feed = add(commands, "parse-feed", cmd_parse_feed, "parse feeds; one JSON line per entry")
    feed.add_argument("inputs", nargs="+", metavar="FILE_OR_URL")
    extract = add(commands, "extract", cmd_extract, "extract article pages; one JSON line per page")
    extract.add_argument("inputs", nargs="+", metavar="FILE_OR_URL")
    extract.add_argument("--url", help="the page's own URL (resolves relative links when reading files)")
    pick = add(commands, "pick", cmd_pick, "add an editor's pick by URL (fetched) or from a saved page")
    pick.add_argument("url")
    pick.add_argument("--file", help="the page's HTML, saved (it is not fetched then)")
    pick.add_argument("--pin", choices=[s.value for s in Section], help="the section it should appear in")

    edition = commands.add_parser("edition", help="build, review and send editions").add_subparsers(
        dest="action", required=True
    )
    add(edition, "build", cmd_edition_build, "build the draft; prints its id last").add_argument(
        "--week", help="ISO week, e.g. 2026-W48 (default: the next send)"
    )
    show = add(edition, "show", cmd_edition_show, "print an edition readably")
    show.add_argument("id")
    show.add_argument("--json", action="store_true", help="the whole edition as JSON")
    render = add(edition, "render", cmd_edition_render, "render the email and web page")
    render.add_argument("id")
    render.add_argument("--out", default="out")
    shots = add(edition, "preview", cmd_edition_preview, "write the email and PNG screenshots at 375 and 600 px")
    shots.add_argument("id")
    shots.add_argument("--out", default="out")
    shots.add_argument("--offline", action="store_true", help="do not load remote images")
    test = add(edition, "test-send", cmd_edition_test_send, "mail the edition, marked [TEST], to test addresses")
    test.add_argument("id")
    test.add_argument("addresses", nargs="+", metavar="ADDRESS")
    add(edition, "review-link", cmd_edition_review_link, "print a signed link to the editor review page"
        ).add_argument("id")  # fmt: skip
    approve = add(edition, "approve", cmd_edition_approve, "approve a draft for sending")
    approve.add_argument("id")
    approve.add_argument("--who", default=os.environ.get("USER", "editor"))
    edits = {
        "pin": "put a story (named by its id or any of its articles' ids) in a section, at a position",
        "unpin": "let the ranking place a pinned story again",
        "drop": "leave a story out of this edition",
        "restore": "undo a drop",
        "summary": "replace a story's summary",
    }
    for action, help_text in edits.items():
        edit = add(edition, action, cmd_edition_edit, help_text)
        edit.set_defaults(action=action)
        edit.add_argument("id", help="the edition, e.g. 2026-W48")
        edit.add_argument("target", help="story id (s-…) or article id")
        if action == "pin":
            edit.add_argument("--section", required=True, choices=[s.value for s in Section])
            edit.add_argument("--position", type=int, help="1 = first in the section (default: first)")
        if action == "summary":
            edit.add_argument("text")
        edit.add_argument("--who", default=os.environ.get("USER", "editor"))
    send = add(edition, "send", cmd_edition_send, "send an approved edition to every confirmed reader")
    send.set_defaults(action="send")
    send.add_argument("id")
    send.add_argument("--resume", action="store_true", help="continue after a crash: queue readers left queued")
    resend = add(edition, "resend-failed", cmd_edition_send, "send again, only to the readers whose send failed")
    resend.set_defaults(action="resend-failed")
    resend.add_argument("id")
    for command in (send, resend):  # against AWS: how to follow the deployed send workers
        command.add_argument("--no-follow", action="store_true", help="on AWS: return once the readers are queued")
        command.add_argument("--poll", type=_positive_float, default=5.0, metavar="SECONDS",
                             help="on AWS: seconds between progress lines (default 5)")  # fmt: skip
        command.add_argument("--follow-timeout", type=_positive_float, default=3600.0, metavar="SECONDS",
                             help="on AWS: stop watching (not sending) after this long (default 3600)")  # fmt: skip
        command.add_argument("--quiet", action="store_true", help="no progress lines on standard error")
        command.add_argument("--if-running", choices=["wait", "stop"], default="wait",
                             help="when another send of this edition is running: wait for it, then finish and "
                                  "report (default), or stop at once with an error")  # fmt: skip
    settle = add(edition, "settle", cmd_edition_settle,
                 "readers in doubt: list them, or settle them as sent or unsent by address")  # fmt: skip
    settle.add_argument("id")
    settle.add_argument("--sent", nargs="+", metavar="ADDRESS", help="these readers got the edition: never again")
    settle.add_argument("--unsent", nargs="+", metavar="ADDRESS",
                        help="these readers did not: marked failed, for resend-failed")  # fmt: skip
    settle.add_argument("--all", choices=["sent", "unsent"], help="settle every reader in doubt the same way")
    settle.add_argument("--who", default=os.environ.get("USER", "operator"), help="recorded with the decision")
    stats = add(edition, "stats", cmd_edition_stats, "every send and feedback counter, rates, top stories and "
                "readers in doubt")  # fmt: skip
    stats.add_argument("id")
    stats.add_argument("--json", action="store_true", help="the counters as one JSON object")
    add(edition, "list", cmd_edition_list, "every edition, newest first").add_argument(
        "--json", action="store_true", help="JSON lines"
    )
    reopen = add(edition, "reopen", cmd_edition_reopen, "put an approved (or skipped) edition back to draft")
    reopen.add_argument("id")
    reopen.add_argument("--who", default=os.environ.get("USER", "editor"))

    subs = commands.add_parser("subscribers", help="readers").add_subparsers(dest="action", required=True)
    sub_import = add(
        subs, "import", cmd_subscribers_import, "import readers from CSV (email,name,sections,timezone,status)"
    )
    sub_import.add_argument("file")
    sub_import.add_argument("--quiet", action="store_true", help="no progress on standard error")
    sub_add = add(subs, "add", cmd_subscribers_add, "add (or update) one reader who agreed to receive the digest")
    sub_add.add_argument("email")
    sub_add.add_argument("--name")
    sub_add.add_argument("--sections", help="semicolon-separated sections (default: every section)")
    sub_add.add_argument("--timezone", help="IANA zone, e.g. Europe/Berlin")
    sub_add.add_argument("--status", choices=["confirmed", "pending"], default="confirmed")
    unsub = add(subs, "unsubscribe", cmd_subscribers_unsubscribe, "unsubscribe a reader (by address or id)")
    unsub.add_argument("reader", metavar="ADDRESS_OR_ID")
    unsub.add_argument("--who", default=os.environ.get("USER", "operator"), help="recorded with the unsubscribe")
    erase = add(subs, "erase", cmd_subscribers_erase, "erase everything personal about a reader (cannot be undone)")
    erase.add_argument("reader", metavar="ADDRESS_OR_ID")
    erase.add_argument("--yes", action="store_true", help="yes, erase: required")
    add(subs, "export", cmd_subscribers_export, "export readers as CSV").add_argument("--out")
    add(subs, "list", cmd_subscribers_list, "list readers as JSON lines").add_argument(
        "--status", choices=[s.value for s in SubscriberStatus]
    )
    return top


def main(argv: Sequence[str] | None = None) -> int:
    _quiet_powertools()
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except UserError as error:
        message = str(error)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        message = f"invalid {'.'.join(map(str, first['loc']))}: {first['msg']}"
    except ClientError as error:
        message = f"AWS said {error.response['Error'].get('Code')}: {error.response['Error'].get('Message')}"
    except BotoCoreError as error:
        message = f"cannot reach AWS: {error}"
    except (ValueError, LookupError, OSError) as error:
        message = str(error)
    except KeyboardInterrupt:
        print("digest: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug: still one line (DIGEST_DEBUG=1 shows the traceback)
        if os.environ.get("DIGEST_DEBUG") == "1":
            raise
        message = f"unexpected {type(error).__name__}: {_one_sentence(error)} (DIGEST_DEBUG=1 shows the traceback)"
    print(f"digest: error: {' '.join(message.split())[:500]}", file=sys.stderr)
    return EXIT_USER_ERROR


if __name__ == "__main__":
    sys.exit(main())
