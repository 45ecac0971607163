"""Helpers the sending tests share: an approved edition with its readers, and what SES (moto) received."""

from __future__ import annotations

from collections import Counter

from digest.local.motoserver import received_messages
from digest.local.seed import approved_edition

__all__ = ["approved_edition", "mailed"]


def mailed(endpoint: str, edition_id: str) -> Counter[str]:
    return Counter(m.destinations[0] for m in received_messages(endpoint) if f"X-Digest-Edition: {edition_id}" in m.raw)
