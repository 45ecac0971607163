"""Sending an edition: dispatch readers to the send queue, and mail one batch exactly once each."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from botocore.exceptions import ClientError

from digest.mail.compose import Envelope, Letter, Reader, compose
from digest.models import Edition, EditionStatus, Section, Subscriber, SubscriberStatus
from digest.settings import Settings
from digest.store.editions import EditionStore
from digest.store.mailer import send_raw
from digest.store.pacing import Pacer, account_rate
from digest.store.queues import queue_url, send_messages
from digest.store.secrets import token_keys
from digest.store.sendlog import SendLog
from digest.store.subscribers import SubscriberStore
from digest.tokens import Purpose, make_token

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


def dispatch(settings: Settings, edition_id: str, *, resume: bool = False) -> int:
    """Queue every eligible reader not yet queued for this edition, in batches; returns readers queued.

    Each reader is first recorded as queued in the send log (a conditional write), so running
    dispatch twice queues nobody twice.  With ``resume``, readers a crashed dispatch recorded but
    never enqueued (still "queued") are enqueued again; the workers' conditional claims keep any
    reader from being mailed twice.
    """
    editions = EditionStore(settings.editions_table, settings.archive_bucket)
    found = editions.get(edition_id)
    if found and found.status is EditionStatus.skipped:
        return 0  # the week brought nothing new: no send
    edition = _sendable(found, edition_id)
    if edition.status is EditionStatus.approved:
        edition.status = EditionStatus.sending
        edition.history.append({"at": datetime.now(UTC).isoformat(), "who": "dispatch", "what": "approved -> sending"})
        editions.save(edition)
    log = SendLog(settings.send_log_table)
    stuck = set(log.with_status(edition_id, "queued")) if resume else set()
    url = queue_url(settings.send_queue_url, "send")
    readers = (r for r in SubscriberStore(settings.subscribers_table).with_status(SubscriberStatus.confirmed))
    queued = 0
    with ThreadPoolExecutor(DISPATCH_WORKERS) as pool:
        for chunk in _chunks((r.id for r in readers if wants(r, edition)), BATCH_SIZE):
            newly = [sid for sid, new in zip(chunk, pool.map(lambda s: log.queue(edition_id, s), chunk), strict=True)
                     if new or sid in stuck]  # fmt: skip
            if newly:
                send_messages(url, [{"edition_id": edition_id, "subscriber_ids": newly}])
                queued += len(newly)
    return queued


def _chunks(ids: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for item in ids:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def scheduled_dispatch(settings: Settings, edition_id: str) -> tuple[int, str | None]:
    """The Friday schedule's dispatch: a draft nobody approved is skipped or approved, per configuration.

    Returns (readers queued, a note for the alert log when the edition was not approved in time).
    """
    from digest.stories.service import set_status

    edition = EditionStore(settings.editions_table, settings.archive_bucket).get(edition_id)
    note = None
    if edition and edition.status is EditionStatus.draft:
        if settings.unapproved_at_send == "skip":
            return 0, f"edition {edition_id} was not approved by send time: not sent"
        set_status(settings, edition_id, EditionStatus.approved, who="schedule (unapproved at send time)")
        note = f"edition {edition_id} was not approved by send time: approved automatically and sent"
    return dispatch(settings, edition_id), note


def resend_failed(settings: Settings, edition_id: str) -> int:
    """Queue again only the readers whose send failed; returns how many."""
    _sendable(EditionStore(settings.editions_table, settings.archive_bucket).get(edition_id), edition_id)
    failed = SendLog(settings.send_log_table).with_status(edition_id, "failed")
    url = queue_url(settings.send_queue_url, "send")
    for chunk in _chunks(failed, BATCH_SIZE):
        send_messages(url, [{"edition_id": edition_id, "subscriber_ids": chunk}])
    return len(failed)


def mail_reader(settings: Settings, subscriber_id: str, address: str = "", name: str | None = None) -> Reader:
    """A reader as the composer needs one: signed unsubscribe and preferences links (plus the
    List-Unsubscribe mailto when the stack receives mail at ``unsubscribe_mailbox``)."""
    key = token_keys(settings)[0]
    base = settings.api_base_url.rstrip("/")
    unsubscribe = make_token(key, Purpose.unsubscribe, subscriber_id)
    mailbox = settings.unsubscribe_mailbox
    return Reader(
        address,
        name,
        f"{base}/unsubscribe/{unsubscribe}",
        f"{base}/preferences/{make_token(key, Purpose.preferences, subscriber_id)}",
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
    for reader in SubscriberStore(settings.subscribers_table).get_many(subscriber_ids):
        if reader.status is not SubscriberStatus.confirmed or not sender.log.claim(
            edition_id, reader.id, retry_failed=True
        ):
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
            raw = compose(letter, mail_reader(self.settings, reader.id, reader.email, reader.name), self.envelope)
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
