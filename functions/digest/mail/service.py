"""Sending an edition: dispatch readers to the send queue, and mail one batch exactly once each."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from digest.models import Edition, EditionStatus, Section, Subscriber, SubscriberStatus
from digest.settings import Settings
from digest.store.editions import EditionStore
from digest.store.mailer import InDoubt, NotSent, send_once
from digest.store.pacing import Pacer, account_rate
from digest.store.queues import queue_depth, queue_url, send_messages
from digest.store.secrets import token_keys
from digest.store.sendlog import Doubt, SendLog
from digest.store.subscribers import SubscriberStore
from digest.stories.window import local_send_time, send_time, wave_week
from digest.tokens import Purpose, make_token, reader_subject

if TYPE_CHECKING:  # the composer (and the renderer under it) loads where mail is composed, not in the dispatch
    from digest.mail.compose import Envelope, Letter, Reader

BATCH_SIZE = 50
LOCAL_SEND_RATE = 100  # messages/s on a local endpoint, whose SES quota is a placeholder
DISPATCH_WORKERS = 8  # conditional writes in parallel: dispatch is bound by DynamoDB round trips
MAX_THROTTLED = 8  # throttled calls for one reader in a row before the batch leaves them for later


class SendError(ValueError):
    """An edition that cannot be sent as asked."""


class TransientSendError(RuntimeError):
    """Some readers of a batch hit a passing failure; the batch should be retried for them."""

    def __init__(self, message: str, report: BatchReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class BatchReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retry: list[str] = field(default_factory=list)
    in_doubt: list[dict[str, str]] = field(default_factory=list)  # address, subscriber_id, reason
    deferred: list[str] = field(default_factory=list)  # not reached before the deadline: queued again


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
    """The send log's counts and in-doubt readers; a send with nobody left to mail or in doubt
    becomes "sent" (readers whose send failed are reported; ``resend-failed`` mails them).

    Call it only when no worker is mailing this edition (the queue is drained), or claims being
    worked on would read as doubts."""
    from digest.stories.service import set_status

    counts, doubts = SendLog(settings.send_log_table).tally(edition_id)
    edition = EditionStore(settings.editions_table, settings.archive_bucket).get(edition_id)
    finished = not waiting and not counts.get("queued") and not doubts
    if edition and edition.status is EditionStatus.sending and finished:
        set_status(settings, edition_id, EditionStatus.sent, who="send")
    return _outcome(settings, counts, doubts, waiting)


def _reader_counts(counts: dict[str, int]) -> dict[str, int]:
    """The send log's rows as reported: "pending" are rows still queued (no worker has taken them:
    a queue not yet drained, or a crash)."""
    return {"sent": counts.get("sent", 0), "failed": counts.get("failed", 0), "skipped": counts.get("skipped", 0),
            "pending": counts.get("queued", 0)}  # fmt: skip


def _outcome(settings: Settings, counts: dict[str, int], doubts: list[Doubt], waiting: int) -> dict[str, Any]:
    return {**_reader_counts(counts), "waiting": waiting, "in_doubt": described(settings, doubts)}


def described(settings: Settings, doubts: list[Doubt]) -> list[dict[str, str | None]]:
    """Readers in doubt as an operator needs them: by address (None once the reader was erased)."""
    readers = {r.id: r for r in SubscriberStore(settings.subscribers_table).get_many([d.subscriber_id for d in doubts])}
    return [
        {"address": readers[d.subscriber_id].email if d.subscriber_id in readers else None,
         "subscriber_id": d.subscriber_id, "since": d.since, "reason": d.reason}
        for d in doubts
    ]  # fmt: skip


def edition_report(settings: Settings, edition_id: str) -> dict[str, Any]:
    """Every counter of one edition, zeros included: readers from the send log (so they equal it
    after any crash), SES feedback from the events, rates of sent, and who is in doubt."""
    from digest.mail.feedback import STAT_OF_EVENT

    editions = EditionStore(settings.editions_table, settings.archive_bucket)
    edition = editions.get(edition_id)
    if edition is None:
        raise SendError(f"no edition {edition_id}")
    counts, doubts = SendLog(settings.send_log_table).tally(edition_id)
    feedback = editions.stats(edition_id)
    readers = {**_reader_counts(counts), "in_doubt": len(doubts)}
    events = {stat: feedback.get(stat, 0) for stat in STAT_OF_EVENT.values()}
    sent = readers["sent"]
    rates = {f"{stat}_rate": round(events[stat] / sent, 4) if sent else 0.0
             for stat in ("delivered", "bounced", "complained", "opened", "clicked", "unsubscribed")}  # fmt: skip
    return {"edition": edition_id, "status": edition.status.value, "readers": readers, "feedback": events,
            "rates": rates, "in_doubt": described(settings, doubts)}  # fmt: skip


def settle_by_hand(
    settings: Settings, edition_id: str, *, sent: Iterable[str] = (), unsent: Iterable[str] = (),
    all_as: Literal["sent", "unsent"] | None = None, who: str = "operator",
) -> dict[str, Any]:  # fmt: skip
    """An operator's decision on readers in doubt, by address: *sent* (they got it: never again)
    or *unsent* (they did not: failed, so ``resend-failed`` mails them).  Every address must be in
    doubt, or nothing changes.  Returns what was settled and the edition's outcome."""
    from digest.readers import subscriber_id

    log = SendLog(settings.send_log_table)
    _, doubts = log.tally(edition_id)
    doubtful = {d.subscriber_id for d in doubts}
    if all_as:
        decisions: dict[str, str] = dict.fromkeys(doubtful, all_as)
    else:
        decisions = {}
        for address, verdict in [*((a, "sent") for a in sent), *((a, "unsent") for a in unsent)]:
            sid = subscriber_id(address)
            if sid not in doubtful:
                raise SendError(f"{address[:120]!r} is not in doubt for edition {edition_id}")
            if decisions.get(sid, verdict) != verdict:
                raise SendError(f"{address[:120]!r} is given both as sent and as unsent")
            decisions[sid] = verdict
    how = f"by hand ({who})"
    settled = {"sent": 0, "unsent": 0}
    for sid, verdict in decisions.items():
        if verdict == "sent":
            settled["sent"] += log.settle(edition_id, sid, "", how=how)
        else:
            settled["unsent"] += log.settle_unsent(edition_id, sid, "not sent (settled by hand)", how=how)
    return {"settled": settled, **settle_edition(settings, edition_id, waiting=0)}


class SendRunning(SendError):
    """Another send of the edition is running and this one was asked not to wait."""


@contextmanager
def exclusive_send(
    settings: Settings, edition_id: str, *, wait: bool = True, say: Callable[[str], None] | None = None,
    poll_seconds: float = 1.0,
) -> Iterator[None]:  # fmt: skip
    """Run one sender of an edition at a time (a lease, renewed while it runs).

    A second sender either waits for the first to finish, then finishes what is left and reports
    (its counts are then final, never a running send's claims read as doubts), or stops at once.
    A sender that died (kill -9) frees the lease at once on its own machine, else within a minute.
    """
    from digest.store.leases import Lease

    lease = Lease(settings.idempotency_table, f"send#{edition_id}")
    holder = lease.try_acquire()
    if holder is not None:
        if not wait:
            raise SendRunning(f"another send of {edition_id} is running ({holder.describe()}); "
                              "this one stops: run it again once that one has finished")  # fmt: skip
        if say:
            say(f"another send of {edition_id} is running ({holder.describe()}): waiting for it to finish, "
                "then this one finishes whatever is left and reports")  # fmt: skip
        while holder is not None:
            time.sleep(poll_seconds)
            holder = lease.try_acquire()
    try:
        yield
    finally:
        lease.release()


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
    log = SendLog(settings.send_log_table)
    deadline = time.monotonic() + timeout_seconds
    empty_polls = 0
    while True:
        depth = queue_depth(url)
        if progress:
            counts = log.counts(edition_id)
            progress(f"{edition_id}: sent {counts.get('sent', 0)}, failed {counts.get('failed', 0)}, "
                     f"{depth} messages on the send queue")  # fmt: skip
        empty_polls = empty_polls + 1 if depth == 0 else 0
        if empty_polls >= 2:
            return settle_edition(settings, edition_id, waiting=waiting)
        if time.monotonic() >= deadline:
            watched = f"stopped watching after {timeout_seconds:.0f} s; the send goes on"
            return {**_outcome(settings, *SendLog(settings.send_log_table).tally(edition_id), waiting),
                    "following": watched}
        time.sleep(poll_seconds)


def resend_failed(settings: Settings, edition_id: str) -> int:
    """Queue again only the readers whose send failed; returns how many.  A *sent* edition is
    *sending* again until they settle, so its status never hides a reader in doubt."""
    from digest.stories.service import set_status

    edition = _sendable(EditionStore(settings.editions_table, settings.archive_bucket).get(edition_id), edition_id)
    failed = SendLog(settings.send_log_table).with_status(edition_id, "failed")
    if failed and edition.status is EditionStatus.sent:
        set_status(settings, edition_id, EditionStatus.sending, who="resend-failed")
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
    from digest.mail.compose import Reader

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
    from digest.mail.compose import Envelope

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


def send_batch(
    settings: Settings, edition_id: str, subscriber_ids: list[str], *, deadline: float | None = None
) -> BatchReport:
    """Mail each reader of the batch at most once; raises TransientSendError if some should be retried.

    ``deadline`` (epoch seconds) is when the worker must stop starting sends (its Lambda timeout
    less one SES call).  Readers not reached by then go back on the send queue as a new message,
    so a slow fleet (a low SES rate shared by many workers) never pushes a batch to the
    dead-letter queue, whose receive count is for batches that fail.
    """
    from digest.mail.compose import Letter
    from digest.render.publish import email_variant  # MJML and Jinja2 load in send workers, not in the API

    edition = _sendable(EditionStore(settings.editions_table, settings.archive_bucket).get(edition_id), edition_id)
    sender = _BatchSender(settings, edition_id, deadline)
    letters: dict[frozenset[Section], Letter] = {}
    found = SubscriberStore(settings.subscribers_table).get_many(subscriber_ids)
    for gone in set(subscriber_ids) - {reader.id for reader in found}:  # erased since dispatch
        sender.log.skip(edition_id, gone, "no longer a reader")
        sender.report.skipped += 1
    for reader in found:
        if sender.out_of_time():
            sender.report.deferred.append(reader.id)  # still queued
            continue
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
    if report.deferred:
        send_messages(queue_url(settings.send_queue_url, "send"),
                      [{"edition_id": edition_id, "subscriber_ids": report.deferred}])  # fmt: skip
    if report.retry:
        raise TransientSendError(f"{len(report.retry)} readers were not mailed yet and will be retried", report)
    return report


class _BatchSender:
    """One batch's sending: compose, wait for the fleet's pace, hand to SES, record the outcome.

    SES's answer decides what happens next, never a blind retry: throttled calls slow the whole
    fleet and go again at the next free moment; a refusal is recorded as failed (sent again later
    when it was passing); a call whose outcome is unknown puts the reader in doubt.
    """

    def __init__(self, settings: Settings, edition_id: str, deadline: float | None) -> None:
        self.settings = settings
        self.edition_id = edition_id
        self.envelope = envelope(settings, edition_id)
        self.log = SendLog(settings.send_log_table)
        self.report = BatchReport()
        self.pacer = pacer(settings)
        self.deadline = deadline

    def out_of_time(self) -> bool:
        """Read on the pacer's clock, the one its moments are measured by (a test's, in tests)."""
        return self.deadline is not None and self.pacer.clock() >= self.deadline

    def send(self, reader: Subscriber, letter: Letter) -> None:
        from digest.mail.compose import compose

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
        for _ in range(MAX_THROTTLED):
            if self.out_of_time() or self.pacer.acquire(self.deadline) is None:
                self.log.mark_failed(self.edition_id, reader.id, "not sent before the send worker's time ran out")
                self.report.deferred.append(reader.id)
                return
            try:
                message_id = send_once(self.settings.sender_address, reader.email, raw,
                                      configuration_set=self.settings.ses_configuration_set,
                                      tags={"edition_id": self.edition_id, "subscriber_id": reader.id},
                                      timeout=self.settings.ses_timeout_seconds)  # fmt: skip
            except NotSent as refused:
                if refused.throttled:
                    self.pacer.throttled()
                    continue
                if refused.later:
                    self._later(reader, str(refused))
                else:
                    self.log.mark_failed(self.edition_id, reader.id, str(refused))
                    self.report.failed += 1
                return
            except InDoubt as unknown:
                self.log.mark_in_doubt(self.edition_id, reader.id, str(unknown))
                self.report.in_doubt.append({"address": reader.email, "subscriber_id": reader.id,
                                             "reason": str(unknown)[:300]})  # fmt: skip
                return
            self.log.mark_sent(self.edition_id, reader.id, message_id)
            self.pacer.succeeded()
            self.report.sent += 1
            return
        self._later(reader, f"throttled by SES {MAX_THROTTLED} times in a row")

    def _later(self, reader: Subscriber, reason: str) -> None:
        """Not sent, for now: the row is failed (claimable again) and the batch comes back."""
        self.log.mark_failed(self.edition_id, reader.id, reason)
        self.report.retry.append(reader.id)
