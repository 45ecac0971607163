"""Unsubscribe by mail: the ``mailto:`` half of List-Unsubscribe (RFC 2369), as SES receives it.

An SES receipt rule hands the Lambda the message's headers and SES's verdicts, never the body.
The mailto each reader gets (``mail_reader``) puts their signed unsubscribe token in the subject,
so the subject alone says who wants out.  Clients that drop the subject still send from the
reader's address: that address is honoured only when the From: domain itself is authenticated,
by DMARC passing or by a DKIM signature that passed for that domain (SES's Authentication-Results
header says which).  SPF alone is not enough (it checks the envelope sender, which anyone may set
to their own domain), nor is DMARC merely not failing (GRAY: the domain publishes no policy).
Spam and viruses are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import getaddresses
from typing import Literal

from pydantic import Field

from digest.models import Model

# base64url(purpose.subject.expiry) "." base64url(mac): the shape tokens.make_token produces
_TOKEN = re.compile(r"(?<![A-Za-z0-9_.-])([A-Za-z0-9_-]{8,400}\.[A-Za-z0-9_-]{8,64})(?![A-Za-z0-9_.-])")
MAX_SUBJECT = 998  # RFC 5322's line limit; anything longer is not a subject a mail client wrote


class Verdict(Model):
    status: Literal["PASS", "FAIL", "GRAY", "PROCESSING_FAILED", "DISABLED"]


class Receipt(Model):
    recipients: list[str]
    spamVerdict: Verdict
    virusVerdict: Verdict
    spfVerdict: Verdict
    dkimVerdict: Verdict | None = None  # in SES's events, though Powertools' SesReceipt model lacks it
    dmarcVerdict: Verdict


class CommonHeaders(Model):
    sender_from: list[str] = Field(default_factory=list, alias="from")
    subject: str = ""  # SES leaves it out when the mail has none


class Header(Model):
    name: str
    value: str


class ReceivedMail(Model):
    messageId: str = Field(max_length=256)
    commonHeaders: CommonHeaders
    headers: list[Header] = Field(default_factory=list)


class ReceiptNotification(Model):
    mail: ReceivedMail
    receipt: Receipt


class ReceiptRecord(Model):
    """One record of the event an SES receipt rule's Lambda action sends (the fields we read)."""

    eventSource: Literal["aws:ses"]
    ses: ReceiptNotification


class Ignored(ValueError):
    """A received mail that asks for nothing we can act on (the reason says why)."""


@dataclass(frozen=True)
class MailedUnsubscribe:
    """Who asked to be unsubscribed: a token from the subject, else an authenticated sender."""

    message_id: str
    token: str | None = None
    address: str | None = None


def unsubscribe_request(record: ReceiptRecord) -> MailedUnsubscribe:
    """What one received mail asks for; raises :class:`Ignored` when it asks for nothing we honour."""
    receipt, mail = record.ses.receipt, record.ses.mail
    if receipt.spamVerdict.status == "FAIL" or receipt.virusVerdict.status == "FAIL":
        raise Ignored("SES judged the mail spam or a virus")
    subject = mail.commonHeaders.subject or ""
    if len(subject) <= MAX_SUBJECT:
        for token in _TOKEN.findall(subject):
            return MailedUnsubscribe(mail.messageId, token=token)
    senders = [address for _, address in getaddresses(mail.commonHeaders.sender_from) if "@" in address]
    if len(senders) != 1:
        raise Ignored("no unsubscribe token in the subject, and not exactly one sender address")
    domain = senders[0].rpartition("@")[2].lower()
    dkim_passed = receipt.dkimVerdict is not None and receipt.dkimVerdict.status == "PASS"
    if receipt.dmarcVerdict.status != "PASS" and not (dkim_passed and _dkim_passed_for(mail, domain)):
        raise Ignored(
            "no unsubscribe token in the subject, and the sender's domain is not authenticated "
            "(neither DMARC nor a DKIM signature of that domain passed)"
        )
    return MailedUnsubscribe(mail.messageId, address=senders[0])


_DKIM_PASS = re.compile(r"\bdkim\s*=\s*pass\b([^;]*)", re.IGNORECASE)
_SIGNER = re.compile(r"\bheader\.[di]\s*=\s*\"?(?:[^@\s;\"]*@)?([A-Za-z0-9.-]+)", re.IGNORECASE)


def _dkim_passed_for(mail: ReceivedMail, domain: str) -> bool:
    """True when SES's Authentication-Results (the topmost one: SES adds its own above the sender's)
    shows a passing DKIM signature by ``domain``, a parent or a subdomain of it (relaxed alignment)."""
    results = next((h.value for h in mail.headers if h.name.lower() == "authentication-results"), "")
    if not results.strip().lower().startswith("amazonses.com"):
        return False
    for match in _DKIM_PASS.finditer(results):
        for signer in _SIGNER.findall(match.group(1)):
            signer = signer.lower().strip(".")
            related = f".{signer}".endswith(f".{domain}") or f".{domain}".endswith(f".{signer}")
            if "." in signer and related:
                return True
    return False
