"""Short extractive summaries: whole sentences from the lead article, never cut mid-word."""

from __future__ import annotations

import re

# A sentence ends at . ! ? (optionally followed by a closing quote or bracket) before whitespace and
# a capital, digit or opening quote — except after common abbreviations and single initials.
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sr",
    "jr",
    "st",
    "mt",
    "gen",
    "gov",
    "sen",
    "rep",
    "lt",
    "col",
    "capt",
    "sgt",
    "inc",
    "ltd",
    "co",
    "corp",
    "vs",
    "etc",
    "no",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "e.g",
    "i.e",
    "u.s",
    "u.k",
    "a.m",
    "p.m",
}
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’)\]]?\s+(?=[\"'“‘(\[]?[A-Z0-9À-ÖØ-Þ])")


def sentences(text: str) -> list[str]:
    """Split text into sentences, keeping abbreviations such as "Dr." and "U.S." inside them."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    parts: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        candidate = text[start : match.start()].rstrip()
        last_word = candidate.rsplit(" ", 1)[-1].rstrip(".!?\"'”’)]").lower()
        if last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
            continue
        parts.append(text[start : match.end()].strip())
        start = match.end()
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def shorten(text: str, limit: int) -> str:
    """Trim to at most ``limit`` characters at a word boundary, with an ellipsis if cut."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(",;:-–— ") + "…"


def summarise(text: str, fallback: str = "", *, limit: int = 320) -> str:
    """As many leading whole sentences as fit in ``limit`` characters (at least one, shortened)."""
    chosen: list[str] = []
    for sentence in sentences(text) or sentences(fallback):
        if chosen and len(" ".join([*chosen, sentence])) > limit:
            break
        chosen.append(sentence)
        if len(" ".join(chosen)) >= limit * 0.6:
            break
    return shorten(" ".join(chosen), limit)
