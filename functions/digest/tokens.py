"""Signed, purpose-bound links for readers (confirm, unsubscribe, preferences, data) and editors (review).

A token is ``base64url(purpose.subject.expiry).base64url(hmac)``: readable by nobody but
checkable by us, bound to one purpose, and verified against every key still in its grace period
so a key can be rotated without breaking links already in inboxes.

A reader's links name the reader *and* the reader's token version (``reader_subject``): raising
the version (at erase, at a sign-up after leaving, on request) kills every link issued before,
which a signature alone cannot do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Sequence
from enum import StrEnum


class Purpose(StrEnum):
    confirm = "confirm"
    unsubscribe = "unsubscribe"
    preferences = "preferences"
    data = "data"  # the reader's export and erase: mailed on request, short-lived
    review = "review"  # an editor's review page for one edition (subject: the edition id)
    desk = "desk"  # the editor's desk: every edition, the stats and the readers (subject: "desk")


# How long each kind of link lives.  Links in newsletters (unsubscribe, preferences) never expire:
# RFC 8058 one-click must keep working from an old issue in someone's archive.  A confirmation
# link is good for a week; an editor's review link for three days, the desk link (which opens
# readers' addresses too) for a week, handed out only against the admin key.  A data link (export,
# erase) opens consent records with IPs and user agents, so it lives a day and is only ever mailed.
TTL_SECONDS: dict[Purpose, int | None] = {
    Purpose.confirm: 7 * 24 * 3600,
    Purpose.unsubscribe: None,
    Purpose.preferences: None,
    Purpose.data: 24 * 3600,
    Purpose.review: 3 * 24 * 3600,
    Purpose.desk: 7 * 24 * 3600,
}


class TokenError(ValueError):
    """A token that is malformed, forged, expired or meant for something else."""


def reader_subject(reader_id: str, version: int = 0, nonce: str | None = None) -> str:
    """A reader link's subject: the id, the reader's token version and (confirmation links) the
    sign-up it confirms.  Version 0 without a nonce is the bare id, as links issued before versions."""
    parts = [reader_id] + ([str(version)] if version or nonce else []) + ([nonce] if nonce else [])
    return "-".join(parts)


def split_subject(subject: str) -> tuple[str, int, str | None]:
    """``(reader_id, version, nonce)`` from a reader link's subject."""
    reader_id, _, rest = subject.partition("-")
    version, _, nonce = rest.partition("-")
    if (version and not (version.isascii() and version.isdigit())) or len(version) > 9:
        raise TokenError("The link is malformed.")
    return reader_id, int(version or 0), nonce or None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: str, payload: bytes) -> bytes:
    return hmac.new(key.encode("utf-8"), payload, hashlib.sha256).digest()[:18]


def make_token(key: str, purpose: Purpose, subject: str, *, ttl_seconds: int | None = None) -> str:
    expiry = int(time.time()) + ttl_seconds if ttl_seconds else 0
    payload = f"{purpose.value}.{subject}.{expiry}".encode()
    return f"{_b64(payload)}.{_b64(_mac(key, payload))}"


def issue(key: str, purpose: Purpose, subject: str) -> str:
    """A token for ``purpose`` with that purpose's standard lifetime (``TTL_SECONDS``)."""
    if "." in subject:
        raise ValueError("a token subject cannot contain '.'")
    return make_token(key, purpose, subject, ttl_seconds=TTL_SECONDS[purpose])


def read_token(keys: Sequence[str], token: str, purpose: Purpose) -> str:
    """The token's subject, if one of ``keys`` signed it for ``purpose`` and it has not expired."""
    if not token or len(token) > 512 or token.count(".") != 1:
        raise TokenError("The link is malformed.")
    body, signature = token.split(".")
    try:
        payload, mac = _unb64(body), _unb64(signature)
    except ValueError as error:
        raise TokenError("The link is malformed.") from error
    if not any(hmac.compare_digest(_mac(key, payload), mac) for key in keys):
        raise TokenError("The link is not valid.")
    try:
        token_purpose, subject, expiry = payload.decode("utf-8").split(".")
        expires_at = int(expiry)
    except ValueError as error:
        raise TokenError("The link is malformed.") from error
    if token_purpose != purpose.value:
        raise TokenError("The link is meant for something else.")
    if expires_at and expires_at < time.time():
        raise TokenError("The link has expired.")
    return subject
