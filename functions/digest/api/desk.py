"""The editor's desk: every edition, each edition's numbers, and the readers, as server-rendered pages.

Behind a signed link (``Purpose.desk``, a week) that only the admin key hands out
(``GET /admin/desk-link``, or `digest` against the API); the pages work without JavaScript and
without cookies, their forms posting back under the same link.  Each edition's review and stats
pages are linked with a fresh review token.  The stats page of one edition is also reachable from
that edition's review link (``/review/{token}/stats``), which opens nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from aws_lambda_powertools.event_handler import Response

from digest.api import admin, pages
from digest.api.review import review_token
from digest.api.subscriptions import erase_reader
from digest.api.web import MAX_IMPORT_BODY
from digest.mail.service import edition_report
from digest.models import Consent, Edition, EditionStatus, Subscriber, SubscriberStatus
from digest.readers import normalise_email, subscriber_id
from digest.settings import Settings
from digest.store.editions import EditionStore
from digest.store.secrets import token_keys
from digest.store.subscribers import SubscriberStore
from digest.stories.window import send_time
from digest.tokens import Purpose, issue, read_token

DESK_SUBJECT = "desk"
CHART_EDITIONS = 12  # the stats chart looks this many editions back
FIGURES_FOR = 8  # the editions list reports readers and rates for the newest this many
READERS_PER_PAGE = 50
COUNTERS = ("delivered", "bounced", "complained", "opened", "clicked", "unsubscribed")


def desk_token(settings: Settings) -> str:
    return issue(token_keys(settings)[0], Purpose.desk, DESK_SUBJECT)


def desk_link(settings: Settings) -> str:
    return f"{settings.api_base_url.rstrip('/')}/desk/{desk_token(settings)}"


def check(settings: Settings, token: str) -> None:
    """TokenError unless ``token`` is a desk link."""
    read_token(token_keys(settings), token, Purpose.desk)


def _due(settings: Settings, edition: Edition) -> datetime | None:
    try:
        return send_time(
            edition.id, timezone=settings.newsroom_timezone, send_day=settings.send_day, send_hour=settings.send_hour
        )
    except ValueError:
        return None


# ---------------------------------------------------------------- the editions list


@dataclass(frozen=True)
class EditionRow:
    edition: Edition
    due: datetime | None
    review: str
    report: dict[str, Any] | None


def editions_page(settings: Settings, token: str, *, notice: str | None = None) -> Response[str]:
    editions = admin.list_editions(settings)  # newest first
    rows = []
    for index, edition in enumerate(editions):
        sent = edition.status in {EditionStatus.sending, EditionStatus.sent}
        report = edition_report(settings, edition.id) if sent and index < FIGURES_FOR else None
        rows.append(EditionRow(edition, _due(settings, edition), review_token(settings, edition.id), report))
    readers = _count(settings)[SubscriberStatus.confirmed.value]
    return pages.render(
        "desk_editions.html.j2", "Editions", token=token, rows=rows, readers=readers, notice=notice,
        timezone=settings.newsroom_timezone,
    )  # fmt: skip


# ---------------------------------------------------------------- one edition's numbers


def _bare(url: str) -> str:
    """A link without its query and fragment (our tracking parameters), to match clicks to stories."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def top_stories(edition: Edition, clicks: dict[str, int]) -> list[tuple[str, int]]:
    """(headline, clicks) of the edition's stories, most clicked first (stories nobody clicked left out)."""
    by_url: dict[str, int] = {}
    for url, count in clicks.items():
        by_url[_bare(url)] = by_url.get(_bare(url), 0) + count
    found = []
    for story in edition.stories():
        urls = {_bare(story.lead.url), *(_bare(a.url) for a in story.also)}
        total = sum(by_url.get(url, 0) for url in urls)
        if total:
            found.append((story.headline, total))
    return sorted(found, key=lambda item: -item[1])


def chart(settings: Settings, editions: list[Edition]) -> list[dict[str, Any]]:
    """Open and click rates of the newest sent editions, oldest first, for the page's bar chart."""
    sent = [e for e in editions if e.status in {EditionStatus.sending, EditionStatus.sent}][:CHART_EDITIONS]
    bars = []
    for edition in reversed(sent):
        report = edition_report(settings, edition.id)
        bars.append(
            {
                "id": edition.id,
                "number": edition.number,
                "sent": report["readers"]["sent"],
                "opened": report["rates"]["opened_rate"],
                "clicked": report["rates"]["clicked_rate"],
            }
        )
    return bars


def stats_page(settings: Settings, edition: Edition, *, back: str, desk_token: str | None) -> Response[str]:
    """One edition's numbers: readers, SES feedback with rates, top stories and links, past editions."""
    report = edition_report(settings, edition.id)
    clicks = EditionStore(settings.editions_table, settings.archive_bucket).link_clicks(edition.id)
    editions = admin.list_editions(settings)
    return pages.render(
        "desk_stats.html.j2",
        f"Numbers: edition {edition.number} ({edition.id})",
        edition=edition,
        report=report,
        counters=COUNTERS,
        links=list(clicks.items())[:10],
        stories=top_stories(edition, clicks)[:10],
        bars=chart(settings, editions),
        back=back,
        desk_token=desk_token,
    )


# ---------------------------------------------------------------- readers


def _count(settings: Settings) -> dict[str, int]:
    counts = {status.value: 0 for status in SubscriberStatus}
    for reader in SubscriberStore(settings.subscribers_table).all():
        counts[reader.status.value] += 1
    return counts


def subscribers_page(
    settings: Settings,
    token: str,
    *,
    search: str = "",
    status: SubscriberStatus | None = None,
    cursor: str | None = None,
    notice: str | None = None,
    error: str | None = None,
    report: admin.ImportOutcome | None = None,
    code: int = 200,
) -> Response[str]:
    found, next_cursor = admin.list_readers(
        settings, status=status, search=search or None, limit=READERS_PER_PAGE, cursor=cursor
    )
    return pages.render(
        "desk_subscribers.html.j2",
        "Readers",
        status=code,
        token=token,
        readers=found,
        counts=_count(settings),
        search=search,
        chosen=status.value if status else "",
        statuses=[s.value for s in SubscriberStatus],
        next_cursor=next_cursor,
        notice=notice,
        error=error,
        report=report,
    )


def uploaded_csv(content: bytes) -> str:
    """An uploaded CSV file as text: UTF-8 (with or without a byte-order mark), as spreadsheets save
    "CSV UTF-8"; anything else is refused with what to do, never guessed at."""
    if len(content) > MAX_IMPORT_BODY:
        raise ValueError(f"The file is larger than {MAX_IMPORT_BODY} bytes: split it and import each part.")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"The file is not UTF-8 text (byte {error.start + 1} is not): save it as \"CSV UTF-8\" and import it again."
        ) from None


def add_reader(settings: Settings, address: str, name: str, *, who: str) -> str:
    """Add a reader by hand (confirmed: the editor vouches for the consent, which is recorded as theirs)."""
    email = normalise_email(address)
    store = SubscriberStore(settings.subscribers_table)
    reader_id = subscriber_id(email)
    before = store.get(reader_id)
    if before and before.status is not SubscriberStatus.erased:
        return f"{email} is on the list already ({before.status.value})."
    consent = Consent(source=f"added by {who}", event="import")
    store.put(Subscriber(id=reader_id, email=email, name=name.strip() or None, status=SubscriberStatus.confirmed,
                         consents=[consent], token_version=(before.token_version + 1) if before else 0))  # fmt: skip
    return f"Added {email}."


def reader_action(settings: Settings, action: str, reader_id: str) -> str:
    reader = admin.get_reader(settings, reader_id)
    if action == "unsubscribe":
        admin.set_reader_status(settings, reader_id, SubscriberStatus.unsubscribed)
        return f"Unsubscribed {reader.email}."
    if action == "erase":
        erase_reader(settings, reader_id)
        return "Erased: only a note never to mail that address again is kept."
    raise ValueError(f"unknown action {action!r}")
