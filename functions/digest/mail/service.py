"""Sending an edition: dispatch readers to the send queue, and mail one batch exactly once each."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from botocore.exceptions import ClientError

from digest.mail.compose import Envelope, Letter, Reader, compose
from digest.models import Edition, EditionStatus, Section, Subscriber, SubscriberStatus
from digest.settings import Settings
from digest.store.editions import EditionStore
from digest.store.mailer import send_raw
from digest.store.pacing import Pacer, account_rate
from digest.store.queues import queue_depth, queue_url, send_messages
from digest.store.secrets import token_keys
from digest.store.sendlog import SendLog
from digest.store.subscribers import SubscriberStore
from digest.stories.window import local_send_time, send_time, wave_week
from digest.tokens import Purpose, make_token, reader_subject

BATCH_SIZE = 50
LOCAL_SEND_RATE = 100  # messages/s on a local endpoint, whose SES quota is a placeholder
DISPATCH_WORKERS = 8  # conditional writes in parallel: dispatch is bound by DynamoDB round trips
# SES errors worth retrying later (the message goes back to the queue); anything else fails the reader.
TRANSIENT = {
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "LimitExceededException",
    "ServiceUnavailable",
    "InternalFailure",
    "RequestTimeout",
}


class SendError(ValueError):
    """An edition that cannot be sent as asked."""


class TransientSendError(RuntimeError):
    """Some readers of a batch hit a passing failure; the batch should be retried for them."""


@dataclass
class BatchReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retry: list[str] = field(default_factory=list)


def _sendable(edition: Edition | None, edition_id: str) -> Edition:
    if edition is None:
        raise SendError(f"no edition {edition_id}")
    if edition.status not in {EditionStatus.approved, EditionStatus.sending, EditionStatus.sent}:
        raise SendError(f"edition {edition_id} is {edition.status.value}; approve it before sending")
    return edition


def wants(reader: Subscriber, edition: Edition) -> bool:
    """A reader who chose sections gets the edition only if one of them has stories this week."""
    if not reader.sections:
        return True
    return any(section.stories for section in edition.sections if section.key in reader.sections)


class Dispatched(NamedTuple):
    queued: int  # readers put on the send queue by this run
    waiting: int = 0  # eligible readers whose local send time has not come (reader_local_time)


def dispatch(settings: Settings, edition_id: str, *, resume: bool = False, now: datetime | None = None) -> Dispatched:
    """Queue every eligible reader not yet queued for this edition, in batches.

    Each reader is first recorded as queued in the send log (a conditional write), so running
    dispatch twice queues nobody twice; readers the log already holds are skipped without a write.
    With ``resume``, readers a crashed dispatch recorded but never enqueued (still "queued") are
    enqueued again; the workers' conditional claims keep any reader from being mailed twice.
    With ``reader_local_time``, only readers whose own send time has come by ``now`` are queued:
    each later run (a wave) queues the next ones.
    """
    editions = EditionStore(settings.editions_table, settings.archive_bucket)
    found = editions.get(edition_id)
    if found and found.status is EditionStatus.skipped:
        return Dispatched(0)  # the week brought nothing new: no send
    edition = _sendable(found, edition_id)
    if edition.status is EditionStatus.approved:
        edition.status = EditionStatus.sending
        edition.history.append({"at": datetime.now(UTC).isoformat(), "who": "dispatch", "what": "approved -> sending"})
        editions.save(edition)
    log = SendLog(settings.send_log_table)
    stuck = set(log.with_status(edition_id, "queued")) if resume else set()
    logged = log.logged(edition_id) - stuck
    url = queue_url(settings.send_queue_url, "send")
    moment = now or datetime.now(UTC)
    waiting = 0

    def due(reader: Subscriber) -> bool:
        nonlocal waiting
        if not settings.reader_local_time:
            return True
        at = local_send_time(edition.window_end, newsroom_timezone=settings.newsroom_timezone,
                             reader_timezone=reader.timezone)  # fmt: skip
        waiting += at > moment
        return at <= moment

    readers = SubscriberStore(settings.subscribers_table).with_status(SubscriberStatus.confirmed)
    eligible = (r.id for r in readers if r.id not in logged and wants(r, edition) and due(r))
    queued = 0
    with ThreadPoolExecutor(DISPATCH_WORKERS) as pool:
        for chunk in _chunks(eligible, BATCH_SIZE):
            newly = [sid for sid, new in zip(chunk, pool.map(lambda s: log.queue(edition_id, s), chunk), strict=True)
                     if new or sid in stuck]  # fmt: skip
            if newly:
                send_messages(url, [{"edition_id": edition_id, "subscriber_ids": newly}])
                queued += len(newly)
    return Dispatched(queued, waiting)


def _chunks(ids: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for item in ids:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def scheduled_dispatch(
    settings: Settings, edition_id: str, *, now: datetime | None = None
) -> tuple[Dispatched, str | None]:
    """The Friday schedule's dispatch: a draft nobody approved is skipped or approved, per configuration.

    Returns what was queued, and a note for the alert log when the edition was not approved in time.
    """
    from digest.stories.service import set_status

    edition = EditionStore(settings.editions_table, settings.archive_bucket).get(edition_id)
    note = None
    if edition and edition.status is EditionStatus.draft:
        if settings.unapproved_at_send == "skip":
            return Dispatched(0), f"edition {edition_id} was not approved by send time: not sent"
        set_status(settings, edition_id, EditionStatus.approved, who="schedule (unapproved at send time)")
        note = f"edition {edition_id} was not approved by send time: approved automatically and sent"
    return dispatch(settings, edition_id, now=now), note


def approval_reminder(settings: Settings, now: datetime | None = None) -> str | None:
    """Within the hour before the send: the alert's text if the week's edition is not approved yet
    (still a draft, or not built), else None.  An hourly check around the send day calls it."""
    moment = now or datetime.now(UTC)
    week = wave_week(moment, timezone=settings.newsroom_timezone, send_day=settings.send_day,
                     send_hour=settings.send_hour)  # fmt: skip
    if week is None:
        return None
    due = send_time(week, timezone=settings.newsroom_timezone, send_day=settings.send_day, send_hour=settings.send_hour)
    if not timedelta(0) < due - moment <= timedelta(hours=1):
        return None
    edition = EditionStore(settings.editions_table, settings.archive_bucket).get(week)
    then = "it will be skipped" if settings.unapproved_at_send == "skip" else "it will be approved automatically"
    if edition is None:
        return f"edition {week} has not been built and is due to be sent at {due:%H:%M} UTC"
    if edition.status is EditionStatus.draft:
        return f"edition {week} is still a draft and is due to be sent at {due:%H:%M} UTC: unless approved, {then}"
    return None


def wave_dispatch(settings: Settings, now: datetime | None = None) -> tuple[str | None, Dispatched]:
    """A local-time wave (every half hour around the send day): queue the readers whose send time
    has come.  Does nothing unless ``reader_local_time`` is on and the week's edition is approved
    (the send-time dispatch applies the unapproved policy and raises the alert)."""
    moment = now or datetime.now(UTC)
    week = wave_week(moment, timezone=settings.newsroom_timezone, send_day=settings.send_day,
                     send_hour=settings.send_hour)  # fmt: skip
    if not settings.reader_local_time or week is None:
        return week, Dispatched(0)
    edition = EditionStore(settings.editions_table, settings.archive_bucket).get(week)
    if edition is None or edition.status not in {EditionStatus.approved, EditionStatus.sending}:
        return week, Dispatched(0)
    return week, dispatch(settings, week, now=moment)


def settle_edition(settings: Settings, edition_id: str, *, waiting: int) -> dict[str, Any]:
    """The send log's counts and in-doubt readers; a send with nobody left to mail becomes "sent"."""
    from digest.stories.service import set_status

    counts, in_doubt = SendLog(settings.send_log_table).tally(edition_id)
    edition = EditionStore(settings.editions_table, settings.archive_bucket).get(edition_id)
    finished = not waiting and not counts.get("claimed") and not counts.get("failed") and not counts.get("queued")
    if edition and edition.status is EditionStatus.sending and finished:
        set_status(settings, edition_id, EditionStatus.sent, who="send")
    return _outcome(counts, in_doubt, waiting)


def _outcome(counts: dict[str, int], in_doubt: list[str], waiting: int) -> dict[str, Any]:
    # "pending": rows still queued (no worker has taken them: a queue not yet drained, or a crash)
    return {
        "sent": counts.get("sent", 0),
        "failed": counts.get("failed", 0),
        "skipped": counts.get("skipped", 0),
        "pending": counts.get("queued", 0),
        "waiting": waiting,
        "in_doubt": in_doubt,
    }


def follow_send(
    settings: Settings,
    edition_id: str,
    *,
    waiting: int,
    poll_seconds: float = 5.0,
    timeout_seconds: float = 3600.0,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Watch the deployed send workers until the send queue is empty, then settle the edition.

    The queue counts as empty after two empty polls in a row (SQS's counts are approximate; a batch
    being mailed counts as in flight).  Past ``timeout_seconds`` it stops watching, not sending.
    """
    url = queue_url(settings.send_queue_url, "send")
    editions = EditionStore(settings.editions_table, settings.archive_bucket)
    deadline = time.monotonic() + timeout_seconds
    empty_polls = 0
    while True:
        depth = queue_depth(url)
        stats = editions.stats(edition_id)
        if progress:
            progress(f"{edition_id}: sent {stats.get('sent', 0)}, failed {stats.get('failed', 0)}, "
                     f"{depth} messages on the send queue")  # fmt: skip
        empty_polls = empty_polls + 1 if depth == 0 else 0
        if empty_polls >= 2:
            return settle_edition(settings, edition_id, waiting=waiting)
        if time.monotonic() >= deadline:
            watched = f"stopped watching after {timeout_seconds:.0f} s; the send goes on"
            return {**_outcome(*SendLog(settings.send_log_table).tally(edition_id), waiting), "following": watched}
        time.sleep(poll_seconds)


def resend_failed(settings: Settings, edition_id: str) -> int:
    """Queue again only the readers whose send failed; returns how many."""
    _sendable(EditionStore(settings.editions_table, settings.archive_bucket).get(edition_id), edition_id)
    failed = SendLog(settings.send_log_table).with_status(edition_id, "failed")
    url = queue_url(settings.send_queue_url, "send")
    for chunk in _chunks(failed, BATCH_SIZE):
        send_messages(url, [{"edition_id": edition_id, "subscriber_ids": chunk}])
    return len(failed)


def mail_reader(
    settings: Settings, subscriber_id: str, address: str = "", name: str | None = None, token_version: int = 0
) -> Reader:
    """A reader as the composer needs one: signed unsubscribe and preferences links for the reader's
    current ``token_version`` (plus the List-Unsubscribe mailto when the stack receives mail at
    ``unsubscribe_mailbox``)."""
    key = token_keys(settings)[0]
    base = settings.api_base_url.rstrip("/")
    subject = reader_subject(subscriber_id, token_version)
    unsubscribe = make_token(key, Purpose.unsubscribe, subject)
    mailbox = settings.unsubscribe_mailbox
    return Reader(
        address,
        name,
        f"{base}/unsubscribe/{unsubscribe}",
        f"{base}/preferences/{make_token(key, Purpose.preferences, subject)}",
        unsubscribe_mailto=f"mailto:{mailbox}?subject=unsubscribe%20{unsubscribe}" if mailbox else None,
    )


def envelope(settings: Settings, edition_id: str) -> Envelope:
    domain = settings.sender_address.rpartition("@")[2]
    return Envelope(
        sender=settings.sender_address,
        sender_name=settings.newsletter_name,
        list_id=f"{settings.newsletter_name} <weekly.{domain}>",
        edition_id=edition_id,
    )


def pacer(settings: Settings) -> Pacer:
    """The fleet-wide pace: the configured rate, else SES's MaxSendRate (a local endpoint's is a placeholder)."""
    rate = settings.send_rate or (LOCAL_SEND_RATE if settings.local else account_rate())
    return Pacer(settings.idempotency_table, rate)


def send_batch(settings: Settings, edition_id: str, subscriber_ids: list[str]) -> BatchReport:
    """Mail each reader of the batch at most once; raises TransientSendError if some should be retried."""
    from digest.render.publish import email_variant  # MJML and Jinja2 load in send workers, not in the API

    edition = _sendable(EditionStore(settings.editions_table, settings.archive_bucket).get(edition_id), edition_id)
    sender = _BatchSender(settings, edition_id)
    letters: dict[frozenset[Section], Letter] = {}
    found = SubscriberStore(settings.subscribers_table).get_many(subscriber_ids)
    for gone in set(subscriber_ids) - {reader.id for reader in found}:  # erased since dispatch
        sender.log.skip(edition_id, gone, "no longer a reader")
        sender.report.skipped += 1
    for reader in found:
        if reader.status is not SubscriberStatus.confirmed:  # unsubscribed or suppressed since dispatch
            sender.log.skip(edition_id, reader.id, f"{reader.status.value} since dispatch")
            sender.report.skipped += 1
            continue
        if not sender.log.claim(edition_id, reader.id, retry_failed=True):
            sender.report.skipped += 1
            continue
        variant = frozenset(reader.sections)
        if variant not in letters:
            rendered = email_variant(settings, edition, variant or None)
            letters[variant] = Letter(subject=rendered.subject, html=rendered.html, text=rendered.text)
        sender.send(reader, letters[variant])
    report = sender.report
    counts = {"sent": report.sent, "failed": report.failed}
    if any(counts.values()):
        EditionStore(settings.editions_table, settings.archive_bucket).add_stats(
            edition_id, **{k: v for k, v in counts.items() if v}
        )
    if report.retry:
        raise TransientSendError(f"{len(report.retry)} readers hit a passing SES error and will be retried")
    return report


class _BatchSender:
    """One batch's sending: compose, wait for the fleet's pace, hand to SES, record the outcome."""

    def __init__(self, settings: Settings, edition_id: str) -> None:
        self.settings = settings
        self.edition_id = edition_id
        self.envelope = envelope(settings, edition_id)
        self.log = SendLog(settings.send_log_table)
        self.report = BatchReport()
        self.pacer = pacer(settings)

    def send(self, reader: Subscriber, letter: Letter) -> None:
        try:
            raw = compose(
                letter,
                mail_reader(self.settings, reader.id, reader.email, reader.name, token_version=reader.token_version),
                self.envelope,
            )
        except ValueError as error:  # one bad reader record must not fail the batch
            self.log.mark_failed(self.edition_id, reader.id, f"cannot compose: {error}")
            self.report.failed += 1
            return
        self.pacer.acquire()
        try:
            message_id = send_raw(
                self.settings.sender_address,
                reader.email,
                raw,
                configuration_set=self.settings.ses_configuration_set,
                tags={"edition_id": self.edition_id, "subscriber_id": reader.id},
            )
        except ClientError as error:
            code = error.response["Error"]["Code"]
            self.log.mark_failed(self.edition_id, reader.id, f"{code}: {error.response['Error'].get('Message', '')}")
            if code in TRANSIENT:
                self.report.retry.append(reader.id)
            else:
                self.report.failed += 1
            return
        self.log.mark_sent(self.edition_id, reader.id, message_id)
        self.report.sent += 1
