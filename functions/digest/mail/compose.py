"""Per-reader MIME messages from an edition rendered once per variant.

Rendering MJML is the expensive part, so it happens once per variant; each reader's message only
substitutes the placeholders the layouts leave (name, unsubscribe and preferences links).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from digest.render.edition import PREFERENCES_URL, READER_NAME, UNSUBSCRIBE_URL


@dataclass(frozen=True)
class Letter:
    """What one reader gets, before MIME encoding."""

    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class Reader:
    email: str
    name: str | None
    unsubscribe_url: str
    preferences_url: str


@dataclass(frozen=True)
class Envelope:
    """Sender-side headers common to every message of a send."""

    sender: str
    sender_name: str
    list_id: str
    edition_id: str


def personalise(letter: Letter, reader: Reader) -> Letter:
    name = reader.name or "reader"
    html_values = {
        READER_NAME: html.escape(name),
        UNSUBSCRIBE_URL: html.escape(reader.unsubscribe_url, quote=True),
        PREFERENCES_URL: html.escape(reader.preferences_url, quote=True),
    }
    text_values = {READER_NAME: name, UNSUBSCRIBE_URL: reader.unsubscribe_url, PREFERENCES_URL: reader.preferences_url}
    body_html, body_text = letter.html, letter.text
    for placeholder, value in html_values.items():
        body_html = body_html.replace(placeholder, value)
    for placeholder, value in text_values.items():
        body_text = body_text.replace(placeholder, value)
    return Letter(subject=letter.subject, html=body_html, text=body_text)


def compose(letter: Letter, reader: Reader, envelope: Envelope, *, now: datetime | None = None) -> bytes:
    """A complete multipart/alternative message with one-click unsubscribe headers (RFC 8058)."""
    personal = personalise(letter, reader)
    message = EmailMessage(policy=SMTP)
    message["From"] = Address(envelope.sender_name, addr_spec=envelope.sender)
    message["To"] = Address(reader.name or "", addr_spec=reader.email)
    message["Subject"] = personal.subject
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=envelope.sender.rpartition("@")[2])
    message["List-Id"] = envelope.list_id
    # https only: a mailto: address is added once inbound unsubscribe mail is processed
    message["List-Unsubscribe"] = f"<{reader.unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["X-Digest-Edition"] = envelope.edition_id
    message.set_content(personal.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(personal.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message.as_bytes()


def compose_notice(envelope: Envelope, to: str, subject: str, text: str, *, now: datetime | None = None) -> bytes:
    """A plain-text service message (confirmation, goodbye): no list headers, it is not the newsletter."""
    message = EmailMessage(policy=SMTP)
    message["From"] = Address(envelope.sender_name, addr_spec=envelope.sender)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=envelope.sender.rpartition("@")[2])
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    return message.as_bytes()
