"""Short extractive summaries: whole sentences from the lead article, never cut mid-word.

Pages often open with a standfirst that the first sentence of the body then says again in other
words; a summary of both would tell the reader the same thing twice, so a sentence whose words were
mostly said already is passed over.
"""

from __future__ import annotations

import re
import unicodedata

from digest.text import sentences, shorten

REPEAT_SHARE = 0.5  # a sentence with this share of its content words already said repeats them
REPEAT_MIN_WORDS = 5  # ... if they are this many: a follow-up sharing the topic's words is news
# Function words carry no content: sharing them is not saying the same thing (English, where most
# feeds are; other languages' short function words fall under the length rule in _content_words).
# fmt: off
_STOP_WORDS = frozenset(
    (
        "about", "after", "against", "also", "been", "before", "being", "between", "could", "during",
        "from", "have", "having", "into", "more", "most", "other", "over", "said", "says", "should", "some",
        "such", "than", "that", "their", "them", "then", "there", "these", "they", "this", "those", "through",
        "under", "until", "were", "what", "when", "where", "which", "while", "will", "with", "would",
    )
)
# fmt: on
_WORD = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")


def _content_words(sentence: str) -> set[str]:
    """Lower-cased words of four letters or more, and numbers, with a plural "s" folded ("crowns")."""
    words = set()
    for word in _WORD.findall(unicodedata.normalize("NFKC", sentence).casefold()):
        if word[0].isdigit():
            words.add(word.replace(",", "."))
        elif len(word) >= 4 and word not in _STOP_WORDS:
            words.add(word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word)
    return words


def _repeats(sentence: str, said: set[str]) -> bool:
    """True when most of the sentence's content words, and many of them, were said already; never
    when it brings a new number (a new figure is news however familiar the words around it)."""
    words = _content_words(sentence)
    new = words - said
    if any(word[0].isdigit() for word in new):
        return False
    shared = len(words) - len(new)
    return shared >= REPEAT_MIN_WORDS and shared >= REPEAT_SHARE * len(words)


def summarise(text: str, fallback: str = "", *, limit: int = 320) -> str:
    """As many leading whole sentences as fit in ``limit`` characters (at least one, shortened),
    leaving out any that repeats what the chosen ones already said."""
    chosen: list[str] = []
    said: set[str] = set()
    for sentence in sentences(text) or sentences(fallback):
        if chosen and _repeats(sentence, said):
            continue
        if chosen and len(" ".join([*chosen, sentence])) > limit:
            break
        chosen.append(sentence)
        said |= _content_words(sentence)
        if len(" ".join(chosen)) >= limit * 0.6:
            break
    return shorten(" ".join(chosen), limit)
