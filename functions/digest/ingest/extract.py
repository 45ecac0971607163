"""An article page in, its text and metadata out, with the site's own boilerplate taken away.

trafilatura finds the article body, but publishers put newsletter sign-up boxes and donation
appeals right inside it, so they survive extraction.  Those are removed by configurable
*boilerplate rules*, applied twice: to the page's elements before trafilatura sees them (where a
heading such as "A Message from The Moscow Times:" is still there to cut at, even when trafilatura
would later drop it and keep the appeal below), and to the extracted paragraphs afterwards.
trafilatura runs in balanced mode and in recall mode; recall mode's text is kept when it is clearly
longer (``RECALL_FALLBACK_RATIO``), since balanced mode leaves out whole blocks on some layouts.

Rule syntax (one string per rule; regexes are case-insensitive and searched in the paragraph's
text with whitespace collapsed, so anchor them with ``^``/``$``):

* ``drop:REGEX`` - remove each paragraph that matches;
* ``cut:REGEX``  - remove the first matching paragraph and everything after it;
* ``appeal:REGEX`` - a ``cut:`` that only applies when the text after the match asks the reader for
  something (support, a donation, a subscription: ``APPEAL_WORDS``); otherwise the paragraph is
  article text and stays.  "A note from the author:" closes many blog posts with more of the post;
* a rule without a prefix is a ``drop:`` rule.

A cut is never allowed to empty the article: it only cuts when at least ``MIN_CHARS_BEFORE_CUT``
characters of paragraph text come before it, and otherwise drops the matching paragraph alone.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from digest.ingest.feeds import kind_from_label, normalize_lang, parse_date_text
from digest.ingest.images import is_tracker
from digest.ingest.sanitize import normalize_text, plain_text
from digest.ingest.urls import absolute_http_url
from digest.models import Kind

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# trafilatura (with lxml, htmldate, justext, courlan's language data) is imported by extract_page
# itself: an ingest run whose feeds bring no new article (a 304, nothing new, a failing source)
# or a pick given as JSON lines never loads it.

DEFAULT_BOILERPLATE: tuple[str, ...] = (
    # Newsletter sign-up boxes: dropped paragraph by paragraph, since they sit in the middle of articles.
    r"drop:^(?:sign up|subscribe|register)(?: now| today| here)? (?:for|to) (?:our|the|my)\b"
    r".{0,60}\bnewsletters?\b",
    r"drop:^(?:get|receive) (?:our|the) .{0,50}\bnewsletters?\b.{0,80}$",
    # A box speaks of "our" or "this" newsletter; "The newsletter is ..." opens reporting about one.
    r"drop:^(?:our|this) (?:free )?(?:daily |weekly |monthly )?newsletters? (?:contains|brings|delivers|is)\b",
    r"drop:^subscribers agree to\b",
    r"drop:^by (?:signing up|subscribing|clicking)\b.{0,200}\b(?:privacy|terms)\b",
    r"drop:^(?:preview|subscribe|sign up)$",
    # Donation appeals: a heading after which the rest of the page is the appeal (when it asks for
    # support: the same heading also opens an author's afterword or an open letter).
    r"appeal:^a (?:message|note|word) from (?:the )?[^.!?]{1,80}:?$",
    r"appeal:^dear (?:readers?|friends|supporters)\b[,!.]?$",
    r"drop:^support (?:us|our|independent|quality|the)\b[^.]{0,80}(?:!|journalism\.?)$",
    r"drop:^support [^.!?]{1,60}!$",  # "Support The Harbour Herald!" banners
    r"drop:^(?:(?:once|one[- ]time|monthly|annual(?:ly)?|yearly|continue|other amount)[\s/|·]*){1,6}$",
    r"drop:^pa[iy]ment methods$",
    r"drop:^not ready to (?:support|give|donate|contribute)\b.{0,40}$",
    r"drop:^(?:remind me later|maybe later|no,? thanks?)\.?$",
    # "Read more" trailers and cross-links.
    # A bare "See also" is a section heading (Wikipedia's, a blog's) with the article's own text below.
    r"drop:^(?:read|see) more\b.{0,150}$",
    r"drop:^(?:read|see) also\s*:\s*\S.{0,150}$",
    r"drop:^(?:related|more on this story|recommended)(?: articles| stories)?:?$",
)

MIN_CHARS_BEFORE_CUT = 200
# What an appeal asks for, in the first APPEAL_WINDOW characters after its heading.
APPEAL_WORDS = re.compile(
    r"\b(?:support(?:ing|ers?)?|donat\w*|contribut\w*|subscri\w*|membership|become a member|sign up)\b",
    re.IGNORECASE,
)
APPEAL_WINDOW = 1500
# Inline elements only count as a "paragraph" when they stand alone (a button, a toggle label),
# never inside running prose, so "<em>Once</em> a proud city" keeps its first word.
_INLINE_TAGS = frozenset(
    {"a", "span", "em", "strong", "b", "i", "u", "small", "label", "button", "font", "abbr", "cite", "code",
     "mark", "sup", "sub", "time", "q", "s"}
)  # fmt: skip
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head", "title", "meta", "link"})
_MAX_RULE_TEXT = 2000  # longer elements are containers, never a boilerplate paragraph

Action = Literal["drop", "cut", "appeal"]
Rules = Sequence[str]  # boilerplate rules as configured: "drop:REGEX" / "cut:REGEX" / "appeal:REGEX"


@dataclass(frozen=True)
class Rule:
    action: Action
    pattern: re.Pattern[str]


@dataclass
class Extracted:
    """What a page says about itself; ``text`` holds paragraphs separated by blank lines."""

    url: str
    title: str | None = None
    text: str = ""
    author: str | None = None
    published: datetime | None = None
    site_name: str | None = None
    image: str | None = None
    lang: str | None = None
    kind: Kind | None = None
    section: str | None = None


@lru_cache(maxsize=32)
def compile_rules(rules: tuple[str, ...]) -> tuple[Rule, ...]:
    """Rules as (action, regex); a rule that does not compile is a configuration error, said so."""
    compiled: list[Rule] = []
    for rule in rules:
        action: Action = "drop"
        body = rule
        for prefix in ("drop:", "cut:", "appeal:"):
            if rule.startswith(prefix):
                action, body = prefix[:-1], rule[len(prefix) :]  # type: ignore[assignment]
        try:
            compiled.append(Rule(action, re.compile(body, re.IGNORECASE)))
        except re.error as exc:
            raise ValueError(f"invalid boilerplate rule {rule!r}: {exc}") from exc
    return tuple(compiled)


def _match(text: str, rules: Sequence[Rule]) -> Rule | None:
    return next((rule for rule in rules if rule.pattern.search(text)), None)


def _asks(texts: Iterable[str]) -> bool:
    """True when the first ``APPEAL_WINDOW`` characters of ``texts`` ask for support or a sign-up."""
    window = ""
    for text in texts:
        window += " " + text
        if len(window) >= APPEAL_WINDOW:
            break
    return bool(APPEAL_WORDS.search(window[:APPEAL_WINDOW]))


def apply_rules(paragraphs: Sequence[str], boilerplate: Sequence[str] = DEFAULT_BOILERPLATE) -> list[str]:
    """The paragraphs that remain once the boilerplate rules have been applied."""
    rules = compile_rules(tuple(boilerplate))
    kept: list[str] = []
    chars = 0
    for i, paragraph in enumerate(paragraphs):
        text = normalize_text(paragraph)
        if not text:
            continue
        rule = _match(text, rules)
        if rule is None or (rule.action == "appeal" and not _asks(paragraphs[i + 1 :])):
            kept.append(paragraph.strip())
            chars += len(text)
        elif rule.action != "drop" and chars >= MIN_CHARS_BEFORE_CUT:
            break
    return kept


# --------------------------------------------------------------------------------------------- DOM pass


def _in_prose(el: HtmlElement) -> bool:
    parent = el.getparent()
    if parent is None:
        return False
    if (parent.text or "").strip():
        return True
    return any((sibling.tail or "").strip() for sibling in parent)


def _remove(el: HtmlElement) -> None:
    """Remove an element but keep the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail and el.tail.strip():
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _cut_from(el: HtmlElement, body: HtmlElement) -> None:
    """Remove ``el`` and everything after it in document order, up to the end of ``body``."""
    node = el
    while node is not None and node is not body:
        parent = node.getparent()
        if parent is None:
            break
        for sibling in list(node.itersiblings()):
            parent.remove(sibling)
        node.tail = None
        if node is el:
            parent.remove(el)
        node = parent


_VISIBLE_TEXT_AFTER = (
    "following::text()[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]"
)


def _text_after(el: HtmlElement) -> Iterator[str]:
    """The visible text that follows ``el`` in document order (scripts and styles left out)."""
    return (str(text) for text in el.xpath(_VISIBLE_TEXT_AFTER))


def prune_tree(tree: HtmlElement, boilerplate: Sequence[str] = DEFAULT_BOILERPLATE) -> int:
    """Apply the rules to the page's elements, smallest matching element first; returns removals."""
    rules = compile_rules(tuple(boilerplate))
    body = tree.find(".//body") if tree.tag != "body" else tree
    if body is None or not rules:
        return 0
    matches: list[tuple[HtmlElement, Rule, int]] = []
    paragraph_chars = 0
    for el in body.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag or tag in _SKIP_TAGS:
            continue
        raw = el.text_content()
        if len(raw) > 4 * _MAX_RULE_TEXT:  # a container: not worth normalising (markup whitespace aside)
            paragraph_chars += len(raw) if tag == "p" else 0
            continue
        text = normalize_text(raw)
        if tag == "p":
            paragraph_chars += len(text)
        rule = _match(text, rules) if text and len(text) <= _MAX_RULE_TEXT else None
        if rule is not None and rule.action == "appeal" and not _asks(_text_after(el)):
            continue
        if rule is not None and not (tag in _INLINE_TAGS and _in_prose(el)):
            matches.append((el, rule, paragraph_chars - (len(text) if tag == "p" else 0)))
    # Only the smallest matching element: a rule that matches a box's heading must not take the
    # article container whose text happens to start with that heading.
    has_matching_descendant = {id(a) for el, _, _ in matches for a in el.iterancestors()}
    smallest = [m for m in matches if id(m[0]) not in has_matching_descendant]
    cut = next((m for m in smallest if m[1].action != "drop" and m[2] >= MIN_CHARS_BEFORE_CUT), None)
    removed = 0
    for el, _, _ in smallest:
        if cut is None or el is not cut[0]:
            _remove(el)
            removed += 1
    if cut is not None:
        _cut_from(cut[0], body)
        removed += 1
    return removed


# --------------------------------------------------------------------------------------------- metadata

_PUBLISHED_XPATHS = (
    '//meta[@property="article:published_time" or @name="article:published_time"]/@content',
    '//meta[@property="og:article:published_time"]/@content',
    '//meta[@itemprop="datePublished"]/@content',
    '//*[@itemprop="datePublished"]/@datetime',
    '//meta[@name="pubdate" or @name="publishdate" or @name="publish-date" or @name="date"'
    ' or @name="dc.date" or @name="DC.date" or @name="DC.date.issued" or @name="sailthru.date"]/@content',
)


def _first(tree: HtmlElement, xpath: str) -> str | None:
    try:
        values = tree.xpath(xpath)
    except Exception:  # lxml raises a zoo of XPath errors on broken trees
        return None
    for value in values:
        text = str(value).strip()
        if text:
            return text
    return None


def _json_ld_published(tree: HtmlElement) -> str | None:
    for script in tree.xpath('//script[@type="application/ld+json"]/text()')[:10]:
        try:
            data: Any = json.loads(script)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if isinstance(item.get("datePublished"), str):
                    return str(item["datePublished"])
                stack.extend(v for v in item.values() if isinstance(v, list | dict))
    return None


def _published(tree: HtmlElement, fallback: str | None) -> datetime | None:
    for xpath in _PUBLISHED_XPATHS:
        value = parse_date_text(_first(tree, xpath))
        if value:
            return value
    value = parse_date_text(_json_ld_published(tree))
    if value:
        return value
    if fallback:  # trafilatura/htmldate: a day without a time
        try:
            return datetime.strptime(fallback[:10], "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            return None
    return None


def _lang(tree: HtmlElement) -> str | None:
    for xpath in (
        "/html/@lang",
        "/html/@xml:lang",
        '//meta[translate(@http-equiv, "CONTENTLANGUAGE", "contentlanguage")="content-language"]/@content',
        '//meta[@property="og:locale"]/@content',
    ):
        lang = normalize_lang(_first(tree, xpath))
        if lang:
            return lang
    return None


def _page_kind(section: str | None, og_type: str | None) -> Kind | None:
    kind = kind_from_label(section)
    if kind is None and og_type and og_type.lower() not in ("article", "website", "object"):
        kind = kind_from_label(og_type.split(":")[-1])
    return kind


# --------------------------------------------------------------------------------------------- extraction

# trafilatura's balanced mode, tables included: on the 130 real pages of extraction-dev
# (benchmarks/bench_extract.py) favor_precision lost most of some articles (an Engadget review, a page
# with embedded videos) and leaving tables out lost articles laid out in a table, while on pages
# modelled on the seed both kept every paragraph and no widget.  Comments, images and links are not
# part of the text we store.
_EXTRACTION_OPTIONS: dict[str, Any] = {
    "with_metadata": True,
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "include_links": False,
    "include_formatting": False,
    "deduplicate": False,
    "date_extraction_params": {"original_date": True, "extensive_search": False},
}
# Recall mode's text replaces balanced mode's when it is more than this many times as long (both after
# the boilerplate rules).  Balanced mode drops whole blocks on some layouts (lists inside a table-laid-out
# page, a how-to's list of things needed, list items in a blog post: extraction-dev's
# table-style-attributes, ehow-1, keep-tabular-data), which recall mode keeps; on most pages the two
# agree, and where recall mode is shorter it has lost the article (nytimes-5) or kept only its core.
# Chosen by cross-validation with folds by site on extraction-dev (bench_extract.py prints the folds):
# ratios below 1 (recall mode's text even when shorter) win only through one site, yahoo, where balanced
# mode takes the whole page; with yahoo held out 1.02 wins, and its gain comes from six sites.  The
# boilerplate rules apply to either text.
RECALL_FALLBACK_RATIO = 1.02
_RECALL_OPTIONS: dict[str, Any] = {**_EXTRACTION_OPTIONS, "with_metadata": False, "favor_recall": True}
_TABLE_RULE = re.compile(r"^\|(?:\s*:?-+:?\s*\|)+$")  # trafilatura's "|---|---|" line under a table's head


def _trafilatura() -> Any:
    """trafilatura, imported on first use; its downloader looks for urllib3's SOCKS support, which
    we never use, and would warn about it on every CLI run."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="SOCKS support in urllib3")
        import trafilatura
    return trafilatura


def _paragraphs(document: Any, rules: Rules, title: str | None) -> list[str]:
    """The document's paragraphs, boilerplate rules applied, table rules and a repeated headline gone."""
    lines = (getattr(document, "text", None) or "").split("\n")
    paragraphs = [line for line in lines if line.strip() and not _TABLE_RULE.match(line.strip())]
    paragraphs = [normalize_text(p) for p in apply_rules(paragraphs, rules)]
    if paragraphs and title and paragraphs[0] == title:
        paragraphs = paragraphs[1:]  # the headline repeated as the first line
    return paragraphs


def choose_text(text: str, recall_text: str, ratio: float = RECALL_FALLBACK_RATIO) -> str:
    """Balanced mode's text, unless it is empty or recall mode's is more than ``ratio`` times longer."""
    return recall_text if not text or len(recall_text) > ratio * len(text) else text


def extract_page(
    html: bytes | str,
    *,
    url: str,
    boilerplate: Rules = DEFAULT_BOILERPLATE,
    recall_ratio: float = RECALL_FALLBACK_RATIO,
) -> Extracted:
    """The article in a fetched page: text without boilerplate, plus title, author, date and kind.

    Balanced mode's text, or recall mode's when that is more than ``recall_ratio`` times as long.
    A page with no recognisable article gives an ``Extracted`` with empty ``text``.
    """
    result = Extracted(url=url)
    if not html:
        return result
    try:
        tree = _trafilatura().utils.load_html(html)
    except (TypeError, ValueError):
        tree = None
    if tree is None:
        return result
    rules = tuple(boilerplate)
    section = _first(tree, '//meta[@property="article:section"]/@content')
    og_type = _first(tree, '//meta[@property="og:type"]/@content')
    result.section = plain_text(section, 100) if section else None
    result.kind = _page_kind(section, og_type)
    result.lang = _lang(tree)
    published_meta = _published(tree, None)

    prune_tree(tree, rules)
    trafilatura = _trafilatura()
    document = trafilatura.bare_extraction(tree, url=url, **_EXTRACTION_OPTIONS)
    if document is None:
        result.published = published_meta
        return result

    result.title = plain_text(document.title or "", 500) or None
    author = plain_text(document.author or "", 200)
    result.author = author if author and not re.search(r"\d", author) else None  # "Dec 7" from a byline
    result.site_name = plain_text(document.sitename or "", 200) or None
    image = absolute_http_url(document.image, url)
    result.image = None if is_tracker(image) else image
    result.published = published_meta or _published(tree, document.date)

    recall = trafilatura.bare_extraction(tree, url=url, **_RECALL_OPTIONS)
    text = "\n\n".join(_paragraphs(document, rules, result.title))
    recall_text = "\n\n".join(_paragraphs(recall, rules, result.title))
    result.text = choose_text(text, recall_text, recall_ratio)
    return result
