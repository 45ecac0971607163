"""Editions: build, review, edit, approve, send, settle and count; and clustering on its own."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from digest.settings import Settings

from digest.cli.common import AddCommand, UserError, current_settings, iso, positive_float, start_progress


def cmd_edition_build(args: argparse.Namespace) -> int:
    from digest.models import EditionStatus
    from digest.stories.service import build_edition

    edition = build_edition(current_settings(), args.week)
    if edition.status is EditionStatus.skipped:
        print(f"nothing new since the last edition: {edition.id} is skipped and will not be sent", file=sys.stderr)
    for section in edition.sections:
        print(f"{section.title}: {len(section.stories)} stories", file=sys.stderr)
    print(edition.id)
    return 0


def _edition(edition_id: str):
    from digest.store.editions import EditionStore

    settings = current_settings()
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

    email, web = publish(current_settings(), _edition(args.id))
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

    settings = current_settings()
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

    for sent in test_send(current_settings(), args.id, args.addresses):
        print(json.dumps(sent))
    return 0


def cmd_edition_review_link(args: argparse.Namespace) -> int:
    """A signed link to the editor review page for this edition (valid for three days)."""
    from digest.api.review import review_link

    _edition(args.id)
    print(review_link(current_settings(), args.id))
    return 0


def cmd_edition_approve(args: argparse.Namespace) -> int:
    from digest.models import EditionStatus
    from digest.render.publish import publish
    from digest.stories.service import set_status

    edition = _edition(args.id)
    if edition.status is not EditionStatus.draft:
        raise UserError(f"edition {args.id} is {edition.status.value}, not a draft")
    edition = set_status(current_settings(), args.id, EditionStatus.approved, who=args.who)
    publish(current_settings(), edition)
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
    edition = edit_edition(current_settings(), args.id, decision)
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

    settings = current_settings()
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

        progress = start_progress(args, f"sending {args.id}", "readers")
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

    settings = current_settings()
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


def cmd_edition_stats(args: argparse.Namespace) -> int:
    """Every counter of the edition, zeros included; readers in doubt by address."""
    from digest.mail.service import edition_report

    edition = _edition(args.id)
    report = edition_report(current_settings(), args.id)
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

    editions = list_editions(current_settings())
    rows: list[dict[str, Any]] = [
        {"id": e.id, "number": e.number, "status": e.status.value, "stories": len(e.stories()),
         "articles": e.article_count, "window_end": iso(e.window_end)}
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
    set_status(current_settings(), args.id, EditionStatus.draft, who=args.who)
    print(f"{args.id} is a draft again")
    return 0


def add_commands(commands: argparse._SubParsersAction, add: AddCommand) -> None:
    """This group's commands, on the top-level parser."""
    from digest.models import Section

    add(commands, "cluster", cmd_cluster, "group articles (JSON lines: id, title and/or text) into stories"
        ).add_argument("file", metavar="FILE.jsonl")  # fmt: skip
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
        command.add_argument("--poll", type=positive_float, default=5.0, metavar="SECONDS",
                             help="on AWS: seconds between progress lines (default 5)")  # fmt: skip
        command.add_argument("--follow-timeout", type=positive_float, default=3600.0, metavar="SECONDS",
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
