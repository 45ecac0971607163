"""HTML that is safe to store and render, and plain text for titles, summaries and search.

Feeds and pages are written by strangers: anything kept as HTML goes through an allow-list
(nh3, the Python binding of ammonia), and everything else is reduced to plain text.
"""

from __future__ import annotations

import html
import re
import unicodedata

import nh3

from digest.text import shorten

ALLOWED_TAGS: frozenset[str] = frozenset(
    {"p", "a", "em", "strong", "b", "i", "ul", "ol", "li", "blockquote", "br", "h2", "h3", "h4",
     "figure", "figcaption", "img"}
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title"}, "img": {"src", "alt"}}
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

# Block-level tags: text on either side of them must not run together once tags are gone.
_BLOCK_TAG_RE = re.compile(
    r"<(/?(?:p|div|br|hr|li|ul|ol|dl|dt|dd|h[1-6]|tr|td|th|table|blockquote|section|article|aside|"
    r"header|footer|figure|figcaption|pre|address|main|nav)\b[^>]*)>",
    re.IGNORECASE,
)
_C1_RE = re.compile("[\x80-\x9f]+")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_SPACE_RE = re.compile(r"\s+")
_TAG_LIKE_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>|<!--")


def clean_html(fragment: str) -> str:
    """``fragment`` with only the allow-listed tags, attributes and URL schemes left."""
    if not fragment:
        return ""
    return nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def _fix_c1(match: re.Match[str]) -> str:
    """C1 controls are almost always windows-1252 bytes that were decoded as Latin-1."""
    return match.group().encode("latin-1").decode("cp1252", errors="ignore")


def normalize_text(text: str) -> str:
    """Unicode NFC, mis-decoded windows-1252 repaired, controls removed, whitespace collapsed."""
    text = _C1_RE.sub(_fix_c1, text)
    text = _CONTROL_RE.sub("", text)
    text = unicodedata.normalize("NFC", text)
    return _SPACE_RE.sub(" ", text).strip()


def _strip_tags(fragment: str) -> str:
    spaced = _BLOCK_TAG_RE.sub(r" <\1> ", fragment)
    return html.unescape(nh3.clean(spaced, tags=set(), strip_comments=True))


def plain_text(fragment: str, max_len: int | None = None) -> str:
    """The text of an HTML fragment: no tags, entities decoded, whitespace collapsed.

    Script and style contents are dropped, not shown.  With ``max_len`` the result is cut at a
    word boundary and ends in "…".
    """
    if not fragment:
        return ""
    text = _strip_tags(fragment)
    if _TAG_LIKE_RE.search(text):
        # Escaped twice by the publisher ("&amp;lt;b&amp;gt;"): what decodes to markup is still markup.
        text = _strip_tags(text)
    text = normalize_text(text)
    return shorten(text, max_len) if max_len is not None else text


_PARAGRAPH_BREAK_RE = re.compile(r"<\s*(?:/p|/div|/li|/h[1-6]|/blockquote|br\s*/?)\s*>|\n\s*\n", re.IGNORECASE)


def paragraph_text(fragment: str) -> str:
    """Like ``plain_text`` but keeping paragraphs apart (blank line between), for article bodies."""
    parts = (plain_text(part) for part in _PARAGRAPH_BREAK_RE.split(fragment or ""))
    return "\n\n".join(part for part in parts if part)
