"""Recognising the same article seen again under another address: near-identical text.

SimHash over word 3-shingles gives each text a 64-bit fingerprint in which near-identical texts
differ in few bits.  Split into four 16-bit bands, two texts within 3 bits of each other share at
least one band exactly, so bands work as lookup keys; a candidate found that way is confirmed by
the Jaccard similarity of the shingle sets.
"""

from __future__ import annotations

import hashlib
import re

MIN_TEXT = 400  # shorter texts (teasers, briefs) are too alike across genuinely different articles
SAME_TEXT = 0.85  # shingle Jaccard at or above which two texts are one article
_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, size: int = 3) -> set[str]:
    words = [w.lower() for w in _WORD.findall(text)]
    return {" ".join(words[i : i + size]) for i in range(max(len(words) - size + 1, 1))} if words else set()


def simhash(features: set[str]) -> int:
    weights = [0] * 64
    for feature in features:
        value = int.from_bytes(hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest(), "big")
        for bit in range(64):
            weights[bit] += 1 if value >> bit & 1 else -1
    return sum(1 << bit for bit in range(64) if weights[bit] > 0)


def bands(text: str) -> list[str]:
    """Lookup keys for near-duplicates of ``text`` (none for short texts)."""
    if len(text) < MIN_TEXT:
        return []
    fingerprint = simhash(shingles(text))
    return [f"{band}:{fingerprint >> (16 * band) & 0xFFFF:04x}" for band in range(4)]


def same_text(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are the same article text, give or take a few words."""
    if len(a) < MIN_TEXT or len(b) < MIN_TEXT:
        return False
    first, second = shingles(a), shingles(b)
    return len(first & second) / max(len(first | second), 1) >= SAME_TEXT
