"""Short extractive summaries: whole sentences from the lead article, never cut mid-word."""

from __future__ import annotations

from digest.text import sentences, shorten


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
