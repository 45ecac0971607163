"""What readers can do: sign up (double opt-in), confirm, unsubscribe, change preferences, export, erase.

Every flow takes a token or an address and returns plain data; the routes in app.py only shape it.
Readers are keyed by a hash of their address, so erasing one keeps nothing but that hash and the
fact that it was erased: the address is never mailed again unless it signs up afresh, with consent.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from digest.mail.compose import compose_notice
from digest.mail.inbound import MailedUnsubscribe
from digest.mail.service import envelope
from digest.models import Consent, Section, Subscriber, SubscriberStatus
from digest.readers import ReaderError, normalise_email, subscriber_id
from digest.settings import Settings
from digest.store.limits import Limits
from digest.store.mailer import send_raw
from digest.store.secrets import token_keys
from digest.store.sendlog import SendLog
from digest.store.subscribers import SubscriberStore
from digest.tokens import TTL_SECONDS, Purpose, issue, read_token

CONFIRM_TTL = TTL_SECONDS[Purpose.confirm]
HOUR = 3600
# Abuse limits: fixed one-hour windows, counted atomically in DynamoDB (store/limits.py).
SIGNUPS_PER_IP_PER_HOUR = 20
CONFIRMATION_MAILS_PER_ADDRESS_PER_HOUR = 1
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
    """Record a pending reader and mail a confirmation link; a known address learns nothing new.

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
    reader = store.get(subscriber_id(address))
    if reader and reader.status in {SubscriberStatus.confirmed, SubscriberStatus.suppressed}:
        return  # nothing to do, and nothing that would tell the requester so
    now = datetime.now(UTC)
    consent = requester.consent("subscribe", policy_version)
    if reader is None or reader.status is SubscriberStatus.erased:
        reader = Subscriber(id=subscriber_id(address), email=address, created=now, consents=[])
    reader = reader.model_copy(
        update={
            "email": address,
            "name": name or reader.name,
            "sections": sections or reader.sections,
            "timezone": timezone or reader.timezone,
            "status": SubscriberStatus.pending,
            "updated": now,
            "consents": [*reader.consents, consent][-KEEP_PENDING_CONSENTS:]
            if reader.status is SubscriberStatus.pending
            else [*reader.consents, consent],
        }
    )
    store.put(reader)
    if limits.hit("confirm-mail", reader.id, limit=CONFIRMATION_MAILS_PER_ADDRESS_PER_HOUR, window_seconds=HOUR):
        _send_confirmation(settings, reader, base_url)


def _send_confirmation(settings: Settings, reader: Subscriber, base_url: str) -> None:
    token = issue(token_keys(settings)[0], Purpose.confirm, reader.id)
    text = (
        f"Please confirm that you want {settings.newsletter_name} every week:\n\n"
        f"{base_url}/confirm?token={token}\n\n"
        "The link works for 7 days. If you did not ask for it, ignore this message and nothing will be sent.\n"
    )
    raw = compose_notice(
        envelope(settings, "confirm"), reader.email, f"Confirm your subscription to {settings.newsletter_name}", text
    )
    send_raw(
        settings.sender_address,
        reader.email,
        raw,
        configuration_set=settings.ses_configuration_set,
        tags={"purpose": "confirm"},
    )


def reader_for(settings: Settings, token: str, purpose: Purpose) -> Subscriber:
    """The reader a token names; TokenError for a bad token, LookupError when the reader is gone."""
    reader = _store(settings).get(read_token(token_keys(settings), token, purpose))
    if reader is None or reader.status is SubscriberStatus.erased:
        raise LookupError("This subscription no longer exists.")
    return reader


def confirm(settings: Settings, token: str, requester: Requester) -> Subscriber:
    reader = reader_for(settings, token, Purpose.confirm)
    if reader.status is SubscriberStatus.pending:
        reader.status = SubscriberStatus.confirmed
        reader.updated = datetime.now(UTC)
        reader.consents.append(requester.consent("confirm", _last_policy(reader)))
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


def export(settings: Settings, token: str) -> dict[str, Any]:
    """Everything stored about the reader: the record, the consents, and every send-log row."""
    reader = reader_for(settings, token, Purpose.preferences)
    return {
        "subscriber": reader.model_dump(mode="json", exclude={"consents"}),
        "consents": [c.model_dump(mode="json") for c in reader.consents],
        "send_log": SendLog(settings.send_log_table).for_subscriber(reader.id),
    }


def erase(settings: Settings, token: str) -> None:
    """Remove everything personal; keep only the id (a hash of the address) marked erased."""
    reader = reader_for(settings, token, Purpose.preferences)
    erase_reader(settings, reader.id)


def erase_reader(settings: Settings, reader_id: str) -> None:
    now = datetime.now(UTC)
    _store(settings).put(
        Subscriber(id=reader_id, email="", status=SubscriberStatus.erased, created=now, updated=now, consents=[])
    )
