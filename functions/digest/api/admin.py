"""What the newsroom's admins can do through the API: readers, sources, editions.

The routes (app.py) check the admin key and shape answers; everything here is plain calls on the stores.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from digest.api.subscriptions import erase_reader
from digest.mail.compose import Letter, compose
from digest.mail.service import envelope, mail_reader
from digest.models import Edition, EditionStatus, Subscriber, SubscriberStatus
from digest.readers import ReaderError, csv_safe, normalise_email, parse_import, subscriber_id
from digest.render.edition import RenderedEdition
from digest.render.publish import publish, render
from digest.settings import Settings
from digest.store.editions import EditionStore
from digest.store.mailer import send_raw
from digest.store.subscribers import SubscriberStore
from digest.stories.service import set_status

# An import never overrides these: a reader who left (or was erased) comes back only by signing up.
STICKY = {SubscriberStatus.unsubscribed, SubscriberStatus.suppressed, SubscriberStatus.erased}


COLUMNS = ("email", "name", "sections", "timezone", "status")
CONSENT_COLUMNS = ("consent_at", "consent_source", "policy_version")  # the import reads them back


class CursorError(ValueError):
    """A pagination cursor that this API did not hand out."""


def encode_cursor(key: dict[str, str] | None) -> str | None:
    if key is None:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, with_status: bool) -> dict[str, str] | None:
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise CursorError("The cursor is not one this API handed out.") from error
    wanted = {"id", "status"} if with_status else {"id"}
    if not isinstance(key, dict) or set(key) != wanted or not all(isinstance(v, str) and v for v in key.values()):
        raise CursorError("The cursor is not one this API handed out (or belongs to another filter).")
    return key


def list_readers(
    settings: Settings, *, status: SubscriberStatus | None, search: str | None, limit: int, cursor: str | None
) -> tuple[list[Subscriber], str | None]:
    start = decode_cursor(cursor, with_status=status is not None)
    found, key = SubscriberStore(settings.subscribers_table).page(
        status=status, search=search or None, limit=limit, start=start
    )
    return found, encode_cursor(key)


def get_reader(settings: Settings, reader_id: str) -> Subscriber:
    reader = SubscriberStore(settings.subscribers_table).get(reader_id)
    if reader is None:
        raise LookupError(f"no reader {reader_id}")
    return reader


def set_reader_status(settings: Settings, reader_id: str, status: SubscriberStatus) -> Subscriber:
    reader = get_reader(settings, reader_id)
    if reader.status is SubscriberStatus.erased:
        raise ValueError("an erased reader stays erased; they may sign up again themselves")
    reader = reader.model_copy(update={"status": status, "updated": datetime.now(UTC)})
    SubscriberStore(settings.subscribers_table).put(reader)
    return reader


def erase_reader_by_id(settings: Settings, reader_id: str) -> None:
    get_reader(settings, reader_id)
    erase_reader(settings, reader_id)


@dataclass
class ImportOutcome:
    imported: int
    unchanged: int
    errors: list[str]


def _same(a: Subscriber, b: Subscriber) -> bool:
    fields = ("email", "name", "status", "sections", "timezone")
    return all(getattr(a, f) == getattr(b, f) for f in fields)


def import_readers(settings: Settings, text: str, progress: Callable[[int, int], None] | None = None) -> ImportOutcome:
    """Import CSV readers: every good row is stored, every bad row reported; running it twice changes nothing.

    A row naming a reader who unsubscribed, was suppressed or erased is reported, not imported.
    ``progress(done, total)`` is told after each reader (the CLI's progress line).
    """
    result = parse_import(text)  # ReaderError when the CSV has no usable header
    store = SubscriberStore(settings.subscribers_table)
    errors = list(result.errors)
    imported = unchanged = 0
    existing = {r.id: r for r in store.get_many([r.id for r in result.readers])}
    for done, reader in enumerate(result.readers):
        if progress:
            progress(done, len(result.readers))
        before = existing.get(reader.id)
        if before and before.status in STICKY and reader.status is not before.status:
            errors.append(f"{reader.email}: the reader is {before.status.value}; not changed by an import")
            continue
        if before and _same(before, reader):
            unchanged += 1
            continue
        store.put(
            reader.model_copy(
                update={
                    "consents": [*(before.consents if before else []), *reader.consents],
                    "created": before.created if before else reader.created,
                    "soft_bounces": before.soft_bounces if before else 0,
                }
            )
        )
        imported += 1
    return ImportOutcome(imported, unchanged, errors)


def _consent_columns(reader: Subscriber) -> list[str]:
    """When, where and under which policy the reader agreed (their first consent: the sign-up or import)."""
    given = reader.consents[0] if reader.consents else None
    if given is None:
        return ["", "", ""]
    return [given.at.isoformat(), csv_safe(given.source), csv_safe(given.policy_version or "")]


def export_readers(settings: Settings) -> Iterator[str]:
    """CSV lines (header first) in the import's format; erased readers are not exported."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*COLUMNS, *CONSENT_COLUMNS])
    yield buffer.getvalue()
    for reader in SubscriberStore(settings.subscribers_table).all():
        if reader.status is SubscriberStatus.erased:
            continue
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(
            [
                csv_safe(reader.email),
                csv_safe(reader.name or ""),
                ";".join(s.value for s in reader.sections),
                reader.timezone or "",
                reader.status.value,
                *_consent_columns(reader),
            ]
        )
        yield buffer.getvalue()


# ---------------------------------------------------------------- editions


def _editions(settings: Settings) -> EditionStore:
    return EditionStore(settings.editions_table, settings.archive_bucket)


def get_edition(settings: Settings, edition_id: str) -> Edition:
    edition = _editions(settings).get(edition_id)
    if edition is None:
        raise LookupError(f"no edition {edition_id}")
    return edition


def list_editions(settings: Settings) -> list[Edition]:
    return list(reversed(_editions(settings).all()))


def edition_stats(settings: Settings, edition_id: str) -> dict[str, Any]:
    """Every counter, zeros included, and the readers in doubt by address."""
    from digest.mail.service import edition_report

    get_edition(settings, edition_id)
    return edition_report(settings, edition_id)


def approve(settings: Settings, edition_id: str, *, who: str) -> Edition:
    """Approve a draft and publish it, as `digest edition approve` does: the email readers get is
    rendered again from the approved edition (the copy the build cached predates the editor's
    subject, summaries and picks), and the archive page, index and feed go up."""
    edition = set_status(settings, edition_id, EditionStatus.approved, who=who)
    publish(settings, edition)
    return edition


def preview(settings: Settings, edition: Edition) -> RenderedEdition:
    """The full email as readers would get it (nothing is stored: drafts stay private)."""
    return render(settings, edition)


def test_send(settings: Settings, edition_id: str, addresses: list[str]) -> list[dict[str, str]]:
    """Mail the edition to test addresses, marked [TEST]; the send log and the readers are not touched."""
    recipients = []
    for address in addresses:
        try:
            recipients.append(normalise_email(address))
        except ReaderError as error:
            raise ReaderError(f"{address[:80]!r}: {error}") from error
    edition = get_edition(settings, edition_id)
    if edition.status is EditionStatus.skipped:
        raise ValueError(f"edition {edition_id} was skipped; there is nothing to send")
    rendered = preview(settings, edition)
    letter = Letter(subject=f"[TEST] {rendered.subject}", html=rendered.html, text=rendered.text)
    env = envelope(settings, edition_id)
    sent = []
    for address in dict.fromkeys(recipients):
        raw = compose(letter, mail_reader(settings, subscriber_id(address), address), env)
        message_id = send_raw(
            settings.sender_address,
            address,
            raw,
            configuration_set=settings.ses_configuration_set,
            tags={"edition_id": edition_id, "purpose": "test"},
        )
        sent.append({"address": address, "message_id": message_id})
    return sent
