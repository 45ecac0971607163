"""Readers: addresses, ids and bulk import — shared by the CLI and the API."""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import available_timezones

from digest.models import Consent, Section, Subscriber, SubscriberStatus

MAX_IMPORT_ROWS = 200_000
MAX_FIELD = 320
# A spreadsheet reads a cell that starts with one of these as a formula (fullwidth forms too).
FORMULA_STARTS = frozenset("=+-@\t\r\n")
TEXT_MARK = "'"  # a spreadsheet's "this cell is text"; export adds it, import takes it off


class ReaderError(ValueError):
    """Reader data that cannot be accepted, with a reason a person can act on."""


def normalise_email(address: str) -> str:
    """A valid address in normal, ASCII form (no DNS lookups here: tests and imports run offline).

    SES cannot deliver to non-ASCII local parts (SMTPUTF8), so those are refused up front;
    international domains are kept in their ASCII (punycode) form.
    """
    if len(address) > MAX_FIELD:
        raise ReaderError("the address is too long")
    # here, not at import: most API requests (pages, links, admin reads) never validate an address
    from email_validator import EmailNotValidError, validate_email

    try:
        valid = validate_email(address.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise ReaderError(str(error)) from error
    normal = valid.ascii_email or valid.normalized
    # RFC 5321's limits, which the validator leaves to the caller: 64 octets before the @, 254 in all
    if len(normal.rpartition("@")[0]) > 64:
        raise ReaderError("the part before the @ is longer than 64 characters")
    if len(normal) > 254:
        raise ReaderError("the address is longer than 254 characters")
    return normal


def subscriber_id(email: str) -> str:
    """Stable id from the address, so the same address is always the same reader."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()[:24]


def csv_safe(value: str) -> str:
    """A value for an exported CSV cell that no spreadsheet runs as a formula, and that ``csv_value``
    turns back into ``value``: a leading formula character, or the text mark itself, gets the mark."""
    first = unicodedata.normalize("NFKC", value[:1])[:1]
    return TEXT_MARK + value if first in FORMULA_STARTS or value.startswith(TEXT_MARK) else value


def csv_value(cell: str) -> str:
    """The value an imported CSV cell stands for (``csv_safe`` undone)."""
    return cell[1:] if cell.startswith(TEXT_MARK) else cell


def parse_sections(value: str) -> list[Section]:
    chosen: list[Section] = []
    for part in (p.strip().lower() for p in value.split(";")):
        if not part:
            continue
        try:
            chosen.append(Section(part))
        except ValueError as error:
            known = ", ".join(s.value for s in Section)
            raise ReaderError(f"unknown section {part!r} (known: {known})") from error
    return chosen


@dataclass
class ImportResult:
    readers: list[Subscriber]
    errors: list[str]


def parse_import(text: str) -> ImportResult:
    """Readers from CSV with a header row: email (required), name, sections (;-separated), timezone, status.

    Imported readers are confirmed unless ``status`` says otherwise; bad rows are reported, not fatal.
    A leading ``'`` (the mark the export puts before a cell a spreadsheet would run as a formula) is
    taken off.  ReaderError for a CSV that cannot be read at all (no email column, a field longer
    than the csv module's limit of 131,072 characters, a NUL byte), saying at which line.
    """
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in reader.fieldnames or []]
        if "email" not in header:
            raise ReaderError("the CSV needs a header row with an 'email' column")
        reader.fieldnames = header
        readers: dict[str, Subscriber] = {}
        errors: list[str] = []
        zones = available_timezones()
        for line, row in enumerate(reader, start=2):
            if line - 1 > MAX_IMPORT_ROWS:
                errors.append(f"rows after {MAX_IMPORT_ROWS} were not read")
                break
            try:
                subscriber = _row(row, zones)
                readers[subscriber.id] = subscriber
            except ReaderError as error:
                errors.append(f"line {line}: {error}")
    except csv.Error as error:
        # line_num counts the lines read before the one that failed
        raise ReaderError(f"the CSV cannot be read at line {reader.line_num + 1}: {error}") from error
    return ImportResult(list(readers.values()), errors)


def _row(row: dict[str | None, str | list[str] | None], zones: set[str]) -> Subscriber:
    if None in row:
        raise ReaderError("more fields than the header has")
    values = {k: csv_value((v or "").strip()) for k, v in row.items() if isinstance(k, str) and not isinstance(v, list)}
    if any(len(v) > MAX_FIELD for v in values.values()):
        raise ReaderError(f"a field is longer than {MAX_FIELD} characters")
    email = normalise_email(values.get("email", ""))
    status = values.get("status", "").lower() or SubscriberStatus.confirmed.value
    if status not in {s.value for s in SubscriberStatus} - {SubscriberStatus.erased.value}:
        raise ReaderError(f"unknown status {status!r}")
    timezone = values.get("timezone") or None
    if timezone and timezone not in zones:
        raise ReaderError(f"unknown time zone {timezone!r}")
    return Subscriber(
        id=subscriber_id(email),
        email=email,
        name=values.get("name") or None,
        status=SubscriberStatus(status),
        sections=parse_sections(values.get("sections", "")),
        timezone=timezone,
        consents=[_consent(values)],
    )


def _consent(values: dict[str, str]) -> Consent:
    """The consent an import records: the export's consent columns when present (when, where, which
    policy the reader agreed to), else the import itself."""
    when = values.get("consent_at") or ""
    try:
        at = datetime.fromisoformat(when) if when else None
    except ValueError as error:
        raise ReaderError(f"consent_at {when[:40]!r} is not an ISO date and time") from error
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    source = (values.get("consent_source") or "").strip()[:60]
    policy = (values.get("policy_version") or "").strip()[:40] or None
    if source and not source.startswith("import"):
        source = f"import ({source})"
    consent = Consent(source=source or "import", event="import", policy_version=policy)
    return consent.model_copy(update={"at": at}) if at else consent
