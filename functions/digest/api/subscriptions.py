"""What readers can do: sign up (double opt-in), confirm, unsubscribe, change preferences, export, erase.

Every flow takes a token or an address and returns plain data; the routes in app.py only shape it.
Readers are keyed by a hash of their address, so erasing one keeps nothing but that hash and the
fact that it was erased: the address is never mailed again unless it signs up afresh, with consent.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from digest.handlers.messages import NoticeMessage
from digest.models import Consent, PendingSignup, Section, Subscriber, SubscriberStatus
from digest.readers import ReaderError, normalise_email, subscriber_id
from digest.settings import Settings
from digest.store.limits import Limits
from digest.store.queues import queue_url, send_messages
from digest.store.secrets import token_keys
from digest.store.subscribers import SubscriberStore
from digest.tokens import TTL_SECONDS, Purpose, TokenError, issue, read_token, reader_subject, split_subject

if TYPE_CHECKING:
    from digest.mail.inbound import MailedUnsubscribe

CONFIRM_TTL = TTL_SECONDS[Purpose.confirm]
HOUR = 3600
# Abuse limits: fixed one-hour windows, counted atomically in DynamoDB (store/limits.py).
SIGNUPS_PER_IP_PER_HOUR = 20
CONFIRMATION_MAILS_PER_ADDRESS_PER_HOUR = 1
DATA_MAILS_PER_READER_PER_HOUR = 3
KEEP_PENDING_CONSENTS = 20  # an unconfirmed address's sign-up attempts kept (the item must stay small)


class RateLimited(Exception):
    """Too many requests from one place; try again later."""


@dataclass(frozen=True)
class Requester:
    """Who is asking: recorded with every consent."""

    ip: str | None
    user_agent: str | None
    source: str

    def consent(self, event: str, policy_version: str | None = None) -> Consent:
        return Consent(
            source=self.source, event=event, ip=self.ip, user_agent=self.user_agent, policy_version=policy_version
        )


def _pseudonym(settings: Settings, value: str) -> str:
    """A keyed hash (so an IP address in the limits table cannot be read back, even by brute force)."""
    return hmac.new(token_keys(settings)[0].encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


def _store(settings: Settings) -> SubscriberStore:
    return SubscriberStore(settings.subscribers_table)


def subscribe(
    settings: Settings,
    *,
    email: str,
    name: str | None,
    sections: list[Section],
    timezone: str | None,
    policy_version: str | None,
    base_url: str,
    requester: Requester,
) -> None:
    """Record a sign-up and queue its confirmation mail; a known address learns nothing new.

    The same work whatever state the address is in (one read, one counter, one conditional write,
    one queued notice), so neither the answer nor its timing tells a confirmed or suppressed address
    from a new one: whether a mail goes out is decided later, by the notice worker
    (:func:`send_confirmation`), from what this write stored.
    What the sign-up asks for is kept aside (``Subscriber.signup``) and applied only by the mailed
    link: signing up someone else's address changes nothing of theirs and brings back nobody who left.
    Raises ReaderError for an address that is not one, RateLimited when the requester's IP has
    signed up too often.  At most one confirmation mail per address per hour, whatever happens.
    """
    address = normalise_email(email)
    limits = Limits(settings.idempotency_table)
    if requester.ip and not limits.hit(
        "signup-ip", _pseudonym(settings, requester.ip), limit=SIGNUPS_PER_IP_PER_HOUR, window_seconds=HOUR
    ):
        raise RateLimited("Too many sign-ups from this network; please try again in an hour.")
    store = _store(settings)
    reader_id = subscriber_id(address)
    before = store.get(reader_id)
    may_mail = limits.hit("confirm-mail", reader_id, limit=CONFIRMATION_MAILS_PER_ADDRESS_PER_HOUR, window_seconds=HOUR)
    signup = PendingSignup(
        nonce=secrets.token_hex(8),
        email=address,
        name=name,
        sections=sections,
        timezone=timezone,
        consent=requester.consent("subscribe", policy_version),
    )
    after = signed_up(before, reader_id, signup, may_mail=may_mail, now=datetime.now(UTC))
    store.put_if_unchanged(after, before)  # lost to a concurrent sign-up: the worker finds no nonce and mails nothing
    # after the write, so the worker always finds it; a duplicate delivery mails twice, which is harmless
    notice = NoticeMessage(notice="confirm", reader_id=reader_id, nonce=signup.nonce, base_url=base_url)
    send_messages(queue_url(settings.notices_queue_url, "notices"), [notice.model_dump()])


def signed_up(
    before: Subscriber | None, reader_id: str, signup: PendingSignup, *, may_mail: bool, now: datetime
) -> Subscriber:
    """The reader after a sign-up (pure).  Only a sign-up that will be mailed is kept aside: the
    notice worker mails exactly the sign-ups it finds there."""
    if before is None or before.status is SubscriberStatus.erased:
        return Subscriber(
            id=reader_id,
            email=signup.email,
            created=now,
            updated=now,
            consents=[signup.consent],
            signup=signup if may_mail else None,
            token_version=before.token_version if before else 0,
        )
    if before.status is SubscriberStatus.pending:
        consents = [*before.consents, signup.consent][-KEEP_PENDING_CONSENTS:]
        update: dict[str, Any] = {"consents": consents, "updated": now}
        return before.model_copy(update={**update, "signup": signup} if may_mail else update)
    if before.status is SubscriberStatus.unsubscribed and may_mail:
        return before.model_copy(update={"signup": signup, "updated": now})
    return before  # confirmed, suppressed (or no mail due): written back unchanged


def send_confirmation(settings: Settings, notice: NoticeMessage) -> bool:
    """The notice worker's half of a sign-up: mail the confirmation link if the reader still holds
    the notice's sign-up aside (it was written, the hourly mail was due, nobody confirmed it since).
    False when there is nothing to mail: a confirmed or suppressed address, a sign-up past its
    window, or one replaced by a newer sign-up (whose own notice mails it)."""
    reader = _store(settings).get(notice.reader_id)
    signup = reader.signup if reader is not None else None
    if reader is None or signup is None or not hmac.compare_digest(signup.nonce, notice.nonce):
        return False
    subject = reader_subject(reader.id, reader.token_version, signup.nonce)
    token = issue(token_keys(settings)[0], Purpose.confirm, subject)
    text = (
        f"Please confirm that you want {settings.newsletter_name} every week:\n\n"
        f"{notice.base_url}/confirm?token={token}\n\n"
        "The link works for 7 days. If you did not ask for it, ignore this message and nothing will be sent.\n"
    )
    _mail_notice(settings, "confirm", signup.email, f"Confirm your subscription to {settings.newsletter_name}", text)
    return True


def _mail_notice(settings: Settings, purpose: Literal["confirm", "data"], address: str, subject: str,
                 text: str) -> None:  # fmt: skip
    """A plain-text notice with its link.  The mail code loads with the first notice, not at cold
    start: the pages and most requests never mail (tests/infra/test_cold_imports.py)."""
    from digest.mail.compose import compose_notice
    from digest.mail.service import envelope
    from digest.store.mailer import send_raw

    raw = compose_notice(envelope(settings, purpose), address, subject, text)
    send_raw(settings.sender_address, address, raw, configuration_set=settings.ses_configuration_set,
             tags={"purpose": purpose})  # fmt: skip


def _reader(settings: Settings, token: str, purpose: Purpose) -> tuple[Subscriber, str | None]:
    reader_id, version, nonce = split_subject(read_token(token_keys(settings), token, purpose))
    reader = _store(settings).get(reader_id)
    if reader is None or reader.status is SubscriberStatus.erased:
        raise LookupError("This subscription no longer exists.")
    if version != reader.token_version:
        raise TokenError("This link is no longer valid; please use the one in your latest mail.")
    return reader, nonce


def reader_for(settings: Settings, token: str, purpose: Purpose) -> Subscriber:
    """The reader a token names; TokenError for a bad or revoked token, LookupError when the reader is gone."""
    return _reader(settings, token, purpose)[0]


def confirm(settings: Settings, token: str, requester: Requester) -> Subscriber:
    """Apply the mailed sign-up the link names: the reader is confirmed with what that sign-up asked for."""
    reader, nonce = _reader(settings, token, Purpose.confirm)
    signup = reader.signup
    if signup is None or nonce is None or not hmac.compare_digest(signup.nonce, nonce):
        if reader.status is SubscriberStatus.confirmed and signup is None:
            return reader  # a second click
        if reader.status is SubscriberStatus.pending and signup is None and nonce is None:
            signup = PendingSignup(  # a link mailed before sign-ups were kept aside
                nonce="", email=reader.email, name=reader.name, sections=reader.sections,
                timezone=reader.timezone, consent=(reader.consents or [requester.consent("subscribe")])[-1],
            )  # fmt: skip
        else:
            raise TokenError("This link has been replaced by a newer one; please sign up again.")
    returning = reader.status is not SubscriberStatus.pending  # back after leaving: old links stay dead
    confirmation = requester.consent("confirm", signup.consent.policy_version or _last_policy(reader))
    consents = reader.consents if not returning else [*reader.consents, signup.consent]
    reader = reader.model_copy(
        update={
            "email": signup.email,
            "name": signup.name,
            "sections": signup.sections,
            "timezone": signup.timezone,
            "status": SubscriberStatus.confirmed,
            "updated": datetime.now(UTC),
            "signup": None,
            "consents": [*consents, confirmation],
            "token_version": reader.token_version + 1 if returning else reader.token_version,
        }
    )
    _store(settings).put(reader)
    return reader


def _last_policy(reader: Subscriber) -> str | None:
    return next((c.policy_version for c in reversed(reader.consents) if c.policy_version), None)


def unsubscribe(settings: Settings, token: str, requester: Requester) -> Subscriber:
    return _unsubscribe(settings, reader_for(settings, token, Purpose.unsubscribe), requester)


def _unsubscribe(settings: Settings, reader: Subscriber, requester: Requester) -> Subscriber:
    if reader.status in {SubscriberStatus.confirmed, SubscriberStatus.pending}:
        reader.status = SubscriberStatus.unsubscribed
        reader.updated = datetime.now(UTC)
        reader.consents.append(requester.consent("unsubscribe"))
        _store(settings).put(reader)
    return reader


def unsubscribe_reader(settings: Settings, reader_id: str, requester: Requester) -> Subscriber:
    """An operator's unsubscribe (the reader asked by phone, by letter, …), recorded like the reader's own.
    LookupError when there is no such reader (or they were erased)."""
    reader = _store(settings).get(reader_id)
    if reader is None or reader.status is SubscriberStatus.erased:
        raise LookupError("no such reader")
    return _unsubscribe(settings, reader, requester)


def unsubscribe_by_mail(settings: Settings, request: MailedUnsubscribe) -> Subscriber:
    """The mailto: unsubscribe: by the token the mail's subject carried, else by its (authenticated)
    sender.  TokenError for a bad token; LookupError when nobody is subscribed under that address."""
    requester = Requester(ip=None, user_agent=None, source="mailto")
    if request.token:
        return unsubscribe(settings, request.token, requester)
    try:
        reader = _store(settings).get(subscriber_id(normalise_email(request.address or "")))
    except ReaderError:
        reader = None
    if reader is None or reader.status is SubscriberStatus.erased:
        raise LookupError("The sender is not a reader.")
    return _unsubscribe(settings, reader, requester)


def preferences(settings: Settings, token: str) -> Subscriber:
    return reader_for(settings, token, Purpose.preferences)


def update_preferences(settings: Settings, token: str, changes: dict[str, Any]) -> Subscriber:
    """Apply ``changes`` (name, sections, timezone; already validated) to the token's reader."""
    reader = reader_for(settings, token, Purpose.preferences)
    allowed = {k: v for k, v in changes.items() if k in {"name", "sections", "timezone"}}
    if "name" in allowed:
        allowed["name"] = allowed["name"] or None
    if "timezone" in allowed:
        allowed["timezone"] = allowed["timezone"] or None
    if not allowed:
        return reader
    reader = reader.model_copy(update={**allowed, "updated": datetime.now(UTC)})
    _store(settings).put(reader)
    return reader


def mail_data_link(settings: Settings, token: str, base_url: str) -> None:
    """Mail the reader a short-lived link to their data (export, erase): a preferences link, which
    never expires and travels with every forwarded issue, does not open the data itself."""
    reader = reader_for(settings, token, Purpose.preferences)
    limits = Limits(settings.idempotency_table)
    if not limits.hit("data-mail", reader.id, limit=DATA_MAILS_PER_READER_PER_HOUR, window_seconds=HOUR):
        raise RateLimited("A link to your data was mailed a moment ago; please look in your inbox.")
    data_token = issue(token_keys(settings)[0], Purpose.data, reader_subject(reader.id, reader.token_version))
    text = (
        "You asked for your data. This link shows what we store about you, and lets you erase it:\n\n"
        f"{base_url}/data/{data_token}\n\n"
        "The link works for 24 hours. If you did not ask for it, ignore this message.\n"
    )
    _mail_notice(settings, "data", reader.email, f"Your data at {settings.newsletter_name}", text)


def rotate_links(settings: Settings, reader_id: str) -> Subscriber:
    """Revoke every link the reader was ever sent (the next mail carries new ones)."""
    store = _store(settings)
    reader = store.get(reader_id)
    if reader is None or reader.status is SubscriberStatus.erased:
        raise LookupError(f"no reader {reader_id}")
    reader = reader.model_copy(update={"token_version": reader.token_version + 1, "updated": datetime.now(UTC)})
    store.put(reader)
    return reader


def data_reader(settings: Settings, token: str) -> Subscriber:
    return reader_for(settings, token, Purpose.data)


def export(settings: Settings, token: str) -> dict[str, Any]:
    """Everything stored about the reader: the record, the consents, and every send-log row."""
    from digest.store.sendlog import SendLog  # the export alone reads the send log

    reader = reader_for(settings, token, Purpose.data)
    return {
        "subscriber": reader.model_dump(mode="json", exclude={"consents"}),
        "consents": [c.model_dump(mode="json") for c in reader.consents],
        "send_log": SendLog(settings.send_log_table).for_subscriber(reader.id),
    }


def erase(settings: Settings, token: str) -> None:
    """Remove everything personal; keep only the id (a hash of the address) marked erased."""
    reader = reader_for(settings, token, Purpose.data)
    erase_reader(settings, reader.id)


def erase_reader(settings: Settings, reader_id: str) -> None:
    """Keep the id, marked erased, and a new token version: no link issued before works again,
    even after the address signs up afresh."""
    now = datetime.now(UTC)
    before = _store(settings).get(reader_id)
    version = before.token_version + 1 if before else 0
    _store(settings).put(
        Subscriber(
            id=reader_id, email="", status=SubscriberStatus.erased, created=now, updated=now, consents=[],
            token_version=version,
        )
    )  # fmt: skip
