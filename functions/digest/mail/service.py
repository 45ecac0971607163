"""Sending an edition: dispatch readers to the send queue, and mail one batch exactly once each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from digest.mail.compose import Envelope, Letter, Reader, compose
from digest.models import Edition, EditionStatus, Section, Subscriber, SubscriberStatus
from digest.render.publish import email_variant
from digest.settings import Settings
from digest.store.editions import EditionStore
from digest.store.mailer import send_raw
from digest.store.queues import queue_url, send_messages
from digest.store.secrets import token_keys
from digest.store.sendlog import SendLog
from digest.store.subscribers import SubscriberStore
from digest.tokens import Purpose, make_token

BATCH_SIZE = 50
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


def dispatch(settings: Settings, edition_id: str) -> int:
    """Queue every confirmed reader not yet mailed this edition, in batches; returns readers queued.

    Safe to run twice: readers the send log already holds are not queued again, and the workers'
    conditional claims stop any duplicate that slips through a concurrent run.
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
    done = {str(row["subscriber_id"]) for row in SendLog(settings.send_log_table).rows(edition_id)}
    batch: list[str] = []
    messages: list[dict[str, Any]] = []
    for reader in SubscriberStore(settings.subscribers_table).with_status(SubscriberStatus.confirmed):
        if reader.id in done:
            continue
        batch.append(reader.id)
        if len(batch) == BATCH_SIZE:
            messages.append({"edition_id": edition_id, "subscriber_ids": batch})
            batch = []
    if batch:
        messages.append({"edition_id": edition_id, "subscriber_ids": batch})
    send_messages(queue_url(settings.send_queue_url, "send"), messages)
    return sum(len(m["subscriber_ids"]) for m in messages)


def reader_links(settings: Settings, subscriber_id: str) -> tuple[str, str]:
    key = token_keys(settings)[0]
    base = settings.api_base_url.rstrip("/")
    return (
        f"{base}/unsubscribe/{make_token(key, Purpose.unsubscribe, subscriber_id)}",
        f"{base}/preferences/{make_token(key, Purpose.preferences, subscriber_id)}",
    )


def envelope(settings: Settings, edition_id: str) -> Envelope:
    domain = settings.sender_address.rpartition("@")[2]
    return Envelope(
        sender=settings.sender_address,
        sender_name=settings.newsletter_name,
        list_id=f"{settings.newsletter_name} <weekly.{domain}>",
        edition_id=edition_id,
    )


def send_batch(settings: Settings, edition_id: str, subscriber_ids: list[str]) -> BatchReport:
    """Mail each reader of the batch at most once; raises TransientSendError if some should be retried."""
    edition = _sendable(EditionStore(settings.editions_table, settings.archive_bucket).get(edition_id), edition_id)
    log = SendLog(settings.send_log_table)
    report = BatchReport()
    letters: dict[frozenset[Section], Letter] = {}
    env = envelope(settings, edition_id)
    for reader in SubscriberStore(settings.subscribers_table).get_many(subscriber_ids):
        if reader.status is not SubscriberStatus.confirmed or not log.claim(edition_id, reader.id, retry_failed=True):
            report.skipped += 1
            continue
        variant = frozenset(reader.sections)
        if variant not in letters:
            rendered = email_variant(settings, edition, variant or None)
            letters[variant] = Letter(subject=rendered.subject, html=rendered.html, text=rendered.text)
        _send_one(settings, edition_id, reader, letters[variant], env, log, report)
    counts = {"sent": report.sent, "failed": report.failed}
    if any(counts.values()):
        EditionStore(settings.editions_table, settings.archive_bucket).add_stats(
            edition_id, **{k: v for k, v in counts.items() if v}
        )
    if report.retry:
        raise TransientSendError(f"{len(report.retry)} readers hit a passing SES error and will be retried")
    return report


def _send_one(
    settings: Settings,
    edition_id: str,
    reader: Subscriber,
    letter: Letter,
    env: Envelope,
    log: SendLog,
    report: BatchReport,
) -> None:
    unsubscribe, preferences = reader_links(settings, reader.id)
    raw = compose(letter, Reader(reader.email, reader.name, unsubscribe, preferences), env)
    try:
        message_id = send_raw(
            settings.sender_address,
            reader.email,
            raw,
            configuration_set=settings.ses_configuration_set,
            tags={"edition_id": edition_id, "subscriber_id": reader.id},
        )
    except ClientError as error:
        code = error.response["Error"]["Code"]
        log.mark_failed(edition_id, reader.id, f"{code}: {error.response['Error'].get('Message', '')}")
        if code in TRANSIENT:
            report.retry.append(reader.id)
        else:
            report.failed += 1
        return
    log.mark_sent(edition_id, reader.id, message_id)
    report.sent += 1
