"""Readers: import, add, unsubscribe, erase, export and list."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path
from typing import Any

from digest.cli.common import EXIT_USER_ERROR, AddCommand, UserError, current_settings, start_progress


def cmd_subscribers_import(args: argparse.Namespace) -> int:
    """The admin API's import (api/admin.import_readers): a reader who left is never brought back,
    and running it twice changes nothing."""
    from digest.api.admin import import_readers

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"no such file: {path}")
    progress = start_progress(args, "importing", "readers")

    def tell(done: int, total: int) -> None:
        progress.total = total
        progress.update(done)

    outcome = import_readers(current_settings(), path.read_text(encoding="utf-8-sig", errors="replace"), tell)
    progress.finish(progress.total or 0)
    for error in outcome.errors:
        print(f"skipped {error}", file=sys.stderr)
    print(json.dumps({"imported": outcome.imported + outcome.unchanged, "rejected": len(outcome.errors)}))
    return 0 if not outcome.errors else EXIT_USER_ERROR


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
    settings = current_settings()
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
        reader = unsubscribe_reader(
            current_settings(), _reader_id(args.reader), Requester(None, None, f"cli ({args.who})")
        )
    except LookupError:
        raise UserError(f"no reader {args.reader[:120]!r}") from None
    print(_reader_line(reader))
    return 0


def cmd_subscribers_erase(args: argparse.Namespace) -> int:
    """Everything personal removed; only the id (a hash of the address), marked erased, is kept."""
    from digest.api.admin import erase_reader_by_id, get_reader
    from digest.models import SubscriberStatus

    settings = current_settings()
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


def cmd_subscribers_export(args: argparse.Namespace) -> int:
    """The admin API's export (api/admin.export_readers): the import's columns and the consent record."""
    from digest.api.admin import export_readers

    out = open(args.out, "w", newline="", encoding="utf-8") if args.out else sys.stdout  # noqa: SIM115
    try:
        out.writelines(export_readers(current_settings()))
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


def cmd_subscribers_list(args: argparse.Namespace) -> int:
    from digest.models import SubscriberStatus
    from digest.store.subscribers import SubscriberStore

    store = SubscriberStore(current_settings().subscribers_table)
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


def add_commands(commands: argparse._SubParsersAction, add: AddCommand) -> None:
    """This group's commands, on the top-level parser."""
    from digest.models import SubscriberStatus

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
