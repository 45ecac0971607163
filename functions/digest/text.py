"""Shortening display text: whole sentences, and cuts at a word boundary ending in "…".

One place for it, so stored article fields, story summaries and the email shorten text the same way.
"""

from __future__ import annotations

import re

# fmt: off
_ABBREVIATIONS = frozenset(
    (
        "mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "no", "gen", "sen", "rep", "gov", "prof", "inc", "co",
        "corp", "ltd", "etc", "approx", "est", "dept", "fig", "lt", "col", "capt", "sgt", "mt", "ft",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    )
)
# fmt: on
_DOTTED = re.compile(r"(?:\w\.)+\w")  # e.g, u.s, a.m
# An end mark (and any closing quotes or brackets) before more text.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s+\S)")
# Never left dangling before the ellipsis: spaces, separators, and emoji joiners/selectors.
_TRAILING = " \t,;:-–—(/\u200d\ufe0f"


def shorten(text: str, limit: int, ellipsis: str = "…") -> str:
    """``text`` if it fits in ``limit`` characters, else cut at the last word boundary plus "…"
    (mid-word only when a single word would lose more than half the room)."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    room = max(limit - len(ellipsis), 1)
    head = text[: room + 1]
    space = head.rfind(" ")
    cut = (head[:space] if space >= room // 2 else text[:room]).rstrip(_TRAILING)
    while len(cut) >= 2 and cut[-2] == "\u200d":  # half of a joined emoji: drop the joined part too
        cut = cut[:-2].rstrip(_TRAILING)
    return cut + ellipsis


def _ends_sentence(text: str, end: re.Match[str]) -> bool:
    if text[end.end() :].lstrip()[:1].islower():
        return False
    if text[end.start()] == ".":
        before = text[: end.start()].rsplit(None, 1)
        word = (before[-1] if before else "").lower().lstrip("(\"'“‘")
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or _DOTTED.fullmatch(word):
            return False
    return True


def sentences(text: str) -> list[str]:
    """``text`` split into sentences (whitespace collapsed), keeping "Dr.", "U.S." and initials inside
    them; scripts without capitals (Arabic, Hebrew, CJK) split at any end mark."""
    text = " ".join(text.split())
    parts: list[str] = []
    start = 0
    for end in _SENTENCE_END.finditer(text):
        if _ends_sentence(text, end):
            parts.append(text[start : end.end()].strip())
            start = end.end()
    parts.append(text[start:].strip())
    return [part for part in parts if part]


def first_sentence(text: str) -> str:
    found = sentences(text)
    return found[0] if found else ""
