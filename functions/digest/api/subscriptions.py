"""Subscription flows: sign-up with double opt-in, confirmation, unsubscribe."""

from __future__ import annotations

from datetime import UTC, datetime

from digest.mail.compose import compose_notice
from digest.mail.service import envelope
from digest.models import Consent, Section, Subscriber, SubscriberStatus
from digest.readers import normalise_email, subscriber_id
from digest.settings import Settings
from digest.store.mailer import send_raw
from digest.store.secrets import token_keys
from digest.store.subscribers import SubscriberStore
from digest.tokens import Purpose, make_token, read_token

CONFIRM_TTL = 7 * 24 * 3600


def subscribe(
    settings: Settings, *, email: str, name: str | None, sections: list[Section], base_url: str, consent: Consent
) -> None:
    """Record a pending reader and mail a confirmation link; a known address learns nothing new."""
    address = normalise_email(email)
    store = SubscriberStore(settings.subscribers_table)
    reader = store.get(subscriber_id(address))
    if reader and reader.status in {SubscriberStatus.confirmed, SubscriberStatus.suppressed}:
        return
    reader = reader or Subscriber(id=subscriber_id(address), email=address)
    reader = reader.model_copy(
        update={
            "email": address,
            "name": name or reader.name,
            "sections": sections or reader.sections,
            "status": SubscriberStatus.pending,
            "updated": datetime.now(UTC),
            "consents": [*reader.consents, consent],
        }
    )
    store.put(reader)
    token = make_token(token_keys(settings)[0], Purpose.confirm, reader.id, ttl_seconds=CONFIRM_TTL)
    text = (
        f"Please confirm that you want {settings.newsletter_name} every week:\n\n"
        f"{base_url}/confirm?token={token}\n\n"
        "If you did not ask for it, ignore this message and nothing will be sent.\n"
    )
    raw = compose_notice(
        envelope(settings, "confirm"), address, f"Confirm your subscription to {settings.newsletter_name}", text
    )
    send_raw(
        settings.sender_address,
        address,
        raw,
        configuration_set=settings.ses_configuration_set,
        tags={"purpose": "confirm"},
    )


def _reader(settings: Settings, token: str, purpose: Purpose) -> tuple[SubscriberStore, Subscriber]:
    store = SubscriberStore(settings.subscribers_table)
    reader = store.get(read_token(token_keys(settings), token, purpose))
    if reader is None or reader.status is SubscriberStatus.erased:
        raise LookupError("This subscription no longer exists.")
    return store, reader


def confirm(settings: Settings, token: str, consent: Consent) -> Subscriber:
    store, reader = _reader(settings, token, Purpose.confirm)
    if reader.status is SubscriberStatus.pending:
        reader.status = SubscriberStatus.confirmed
        reader.updated = datetime.now(UTC)
        reader.consents.append(consent)
        store.put(reader)
    return reader


def unsubscribe(settings: Settings, token: str) -> Subscriber:
    store, reader = _reader(settings, token, Purpose.unsubscribe)
    if reader.status in {SubscriberStatus.confirmed, SubscriberStatus.pending}:
        reader.status = SubscriberStatus.unsubscribed
        reader.updated = datetime.now(UTC)
        store.put(reader)
    return reader
