"""Feeds in, ``Article`` records out: RSS 0.9x/1.0/2.0 and Atom through feedparser, JSON Feed by hand.

Real feeds are messy (wrong encodings, broken XML, local-language dates, HTML in titles), so a
feed is accepted whenever something usable can be recovered from it, every repair is reported
in ``ParsedFeed.warnings``, and a document that is no feed at all is rejected with a
``FeedError`` whose message a newsroom editor can act on.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from digest.ingest.images import first_img, is_tracker, too_small
from digest.ingest.sanitize import paragraph_text, plain_text
from digest.ingest.urls import absolute_http_url, article_id, canonical_url
from digest.models import Article, Kind

MAX_ENTRIES = 500
MAX_TITLE = 500
MAX_SUMMARY = 600
MAX_CATEGORIES = 20
MAX_AUTHOR = 200
FUTURE_TOLERANCE = timedelta(hours=1)
# Publishers write the version URL with http or https and with or without a trailing slash.
_JSON_FEED_VERSION_RE = re.compile(r"^https?://jsonfeed\.org/version/([^/]*)/?$", re.IGNORECASE)
JSON_FEED_VERSIONS = ("1", "1.1")

# Where an article's publication time came from; ParsedFeed.date_sources counts them.
DATE_FROM_ENTRY = "entry"  # the entry's own published/updated/dc:date
DATE_FROM_CHANNEL = "channel"  # the feed's pubDate/lastBuildDate/updated, for entries without one
DATE_FROM_FETCH = "fetch"  # nothing in the feed: the fetch time (``now``)


class FeedError(ValueError):
    """The document is not a usable feed; the message says why in one sentence."""


@dataclass
class ParsedFeed:
    """A parsed feed: its articles, and what had to be repaired or skipped on the way."""

    title: str
    articles: list[Article] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    format: str = ""  # feedparser's version ("rss20", "atom10", ...) or "json1"/"json1.1"
    link: str | None = None  # the site's home page, when the feed names it
    lang: str | None = None
    entries: int = 0  # entries in the document (before skipping and capping)
    date_sources: dict[str, int] = field(default_factory=dict)

    @property
    def dated(self) -> int:
        """How many articles carry a publication time taken from the feed document itself."""
        return self.date_sources.get(DATE_FROM_ENTRY, 0) + self.date_sources.get(DATE_FROM_CHANNEL, 0)


# --------------------------------------------------------------------------------------------- kinds

# Label phrases, matched on whole words of a lower-cased label with punctuation turned to spaces.
# Opinion wins over analysis, analysis over feature: mislabelling opinion as news is the worst error.
_KIND_PHRASES: tuple[tuple[Kind, tuple[str, ...]], ...] = (
    (
        Kind.opinion,
        ("opinion", "opinions", "op ed", "oped", "editorial", "editorials", "commentary", "commentisfree",
         "comment is free", "columnist", "columnists", "viewpoint", "viewpoints", "guest essay",
         "letters to the editor", "meinung", "kommentar", "opinión", "opinião", "opinione", "editoriale"),
    ),
    (
        Kind.analysis,
        ("analysis", "news analysis", "analyses", "explainer", "explainers", "fact check", "factcheck",
         "analyse", "análisis", "analisi", "hintergrund"),
    ),
    (
        Kind.feature,
        ("long read", "long reads", "longread", "longreads", "longform", "long form", "magazine", "big read",
         "reportage", "q a"),
    ),
)  # fmt: skip
# Short, ambiguous words count only as the whole label or its first word(s) ("Comment | Politics"),
# so that "No comment" or "High-profile cases" stay news.
_KIND_LEADING: tuple[tuple[Kind, tuple[str, ...]], ...] = (
    (Kind.opinion, ("comment", "column", "columns", "letters", "essay")),
    (Kind.analysis, ("explained",)),
    (Kind.feature, ("feature", "features", "interview", "interviews", "profile", "profiles", "in depth")),
)
_NOT_A_KIND = re.compile(r"\b(?:public opinion|opinion polls?|second opinion|opinion research)\b")
_URL_SEGMENTS: dict[str, Kind] = {
    **dict.fromkeys(
        ("opinion", "opinions", "comment", "commentisfree", "column", "columns", "columnists", "editorial",
         "editorials", "op-ed", "op-eds", "oped", "letters", "meinung", "kommentar", "opinioni"),
        Kind.opinion,
    ),
    **dict.fromkeys(
        ("analysis", "news-analysis", "analyses", "explainer", "explainers", "explained", "fact-check",
         "factcheck", "analyse", "hintergrund"),
        Kind.analysis,
    ),
    **dict.fromkeys(
        ("features", "feature", "long-read", "long-reads", "longread", "longreads", "longform",
         "the-long-read", "magazine", "interview", "interviews", "profiles", "in-depth", "big-read",
         "reportage"),
        Kind.feature,
    ),
}  # fmt: skip
_KIND_ORDER = (Kind.opinion, Kind.analysis, Kind.feature)


def _normal_label(label: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", label.lower()).split())


def kind_from_label(label: str | None) -> Kind | None:
    """The kind a section or category label names ("Opinion", "News analysis", "The long read"), if any."""
    if not label:
        return None
    text = _NOT_A_KIND.sub(" ", _normal_label(label))
    found: set[Kind] = set()
    for kind, phrases in _KIND_PHRASES:
        if any(re.search(rf"\b{re.escape(p)}\b", text) for p in phrases):
            found.add(kind)
    for kind, words in _KIND_LEADING:
        if any(text == w or text.startswith(w + " ") for w in words):
            found.add(kind)
    return next((k for k in _KIND_ORDER if k in found), None)


def kind_from_url(url: str | None) -> Kind | None:
    """The kind a URL's section folders name (``/opinion/``, ``/commentisfree/``, ``/features/``), if any."""
    if not url:
        return None
    try:
        segments = [s.lower() for s in urlsplit(url).path.split("/") if s]
    except ValueError:
        return None
    found = {_URL_SEGMENTS[s] for s in segments[:-1] or segments if s in _URL_SEGMENTS}
    return next((k for k in _KIND_ORDER if k in found), None)


def detect_kind(
    categories: Iterable[str], url: str | None, default: Kind = Kind.news, page_kind: str | None = None
) -> Kind:
    """The kind of an article, from the most to the least specific evidence.

    Precedence: the page's own metadata (``page_kind``: a ``Kind`` value, or an ``article:section``
    / ``og:type`` label) > the feed's categories > the URL's section folders > the source's default.
    Within one level opinion beats analysis beats feature.  Only the last segment of a URL (the
    slug) is ignored, so ``/2024/05/opinion-polls-close`` is no opinion piece.
    """
    if page_kind:
        if page_kind in Kind.__members__.values():
            return Kind(page_kind)
        from_page = kind_from_label(page_kind)
        if from_page:
            return from_page
    found = {k for k in (kind_from_label(c) for c in categories) if k}
    from_categories = next((k for k in _KIND_ORDER if k in found), None)
    return from_categories or kind_from_url(url) or default


# --------------------------------------------------------------------------------------------- dates

# Month names of the languages whose feeds most often write RFC 822 dates in their own words.
_MONTHS: dict[str, str] = {
    **dict.fromkeys(("gen", "ene", "janv", "jän", "jan"), "Jan"),
    **dict.fromkeys(("feb", "fev", "févr", "fevr", "fév"), "Feb"),
    **dict.fromkeys(("mar", "mär", "mrz", "mrt", "mars"), "Mar"),
    **dict.fromkeys(("apr", "abr", "avr"), "Apr"),
    **dict.fromkeys(("mag", "mai", "may", "mei"), "May"),
    **dict.fromkeys(("giu", "jun", "juin"), "Jun"),
    **dict.fromkeys(("lug", "jul", "juil"), "Jul"),
    **dict.fromkeys(("ago", "aug", "août", "aout"), "Aug"),
    **dict.fromkeys(("set", "sep", "sept"), "Sep"),
    **dict.fromkeys(("ott", "okt", "out", "oct"), "Oct"),
    **dict.fromkeys(("nov",), "Nov"),
    **dict.fromkeys(("dic", "dez", "déc", "dec"), "Dec"),
}
_WORD_RE = re.compile(r"[^\W\d_]+\.?")


def _month_word(match: re.Match[str]) -> str:
    word = match.group().rstrip(".").lower()
    for key in (word, word[:4], word[:3]):
        if key in _MONTHS:
            return _MONTHS[key]
    return match.group()


def parse_date_text(text: str | None) -> datetime | None:
    """A date string feedparser could not read: ISO 8601, or RFC 822 with local-language names."""
    if not text or not text.strip():
        return None
    raw = " ".join(text.split())
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        value = None
    if value is None:
        english = re.sub(r"^[^\W\d_]+\.?,\s*", "", raw)  # weekday names are noise
        english = _WORD_RE.sub(_month_word, english)
        try:
            value = parsedate_to_datetime(english)
        except (TypeError, ValueError, IndexError):
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _from_struct(value: Any) -> datetime | None:
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------------------------- languages

_LANG_ALIASES = {
    "eng": "en", "deu": "de", "ger": "de", "fra": "fr", "fre": "fr", "ita": "it", "spa": "es", "por": "pt",
    "rus": "ru", "ukr": "uk", "pol": "pl", "nld": "nl", "dut": "nl", "jpn": "ja", "zho": "zh", "chi": "zh",
}  # fmt: skip


def normalize_lang(value: str | None) -> str | None:
    """A language tag as a 2-letter lower-case code where possible ("en_US", "IT-it" -> "en", "it")."""
    if not value or not isinstance(value, str):
        return None
    primary = re.split(r"[-_\s.,;]", value.strip(), maxsplit=1)[0].lower()
    if not primary.isascii() or not primary.isalpha():
        return None
    if len(primary) == 2:
        return primary
    return _LANG_ALIASES.get(primary, primary if len(primary) == 3 else None)


# --------------------------------------------------------------------------------------------- entries


@dataclass
class _RawEntry:
    """One entry in the common shape both parsers produce; strings may still hold HTML."""

    title: str = ""
    link: str | None = None
    guid: str | None = None
    summary: str = ""
    content: str = ""
    author: str | None = None
    published: datetime | None = None
    date_text: str | None = None
    categories: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    lang: str | None = None


@dataclass
class _FeedMeta:
    title: str = ""
    link: str | None = None
    lang: str | None = None
    published: datetime | None = None
    format: str = ""
    warnings: list[str] = field(default_factory=list)
    broken: str | None = None  # why the XML was not well-formed, when it was not


_IMAGE_EXT_RE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)$", re.IGNORECASE)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_EMAIL_NAME_RE = re.compile(r"^\s*[\w.+-]+@[\w.-]+\s*\((.+)\)\s*$")  # RSS's "jo@example.org (Jo Doe)"


def _clean_author(value: str | None) -> str | None:
    """A display name: tags and e-mail addresses removed (they are personal data we don't need)."""
    if not value:
        return None
    text = plain_text(value)
    named = _EMAIL_NAME_RE.match(text)
    text = named.group(1) if named else _EMAIL_RE.sub(" ", text)
    text = " ".join(re.sub(r"\(\s*\)|<\s*>", " ", text).split()).strip(" -,;")
    return text[:MAX_AUTHOR] or None


def _categories(values: Iterable[Any]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        term = plain_text(str(value), 100) if value is not None else ""
        key = term.casefold()
        if term and key not in seen:
            seen.add(key)
            out.append(term)
        if len(out) >= MAX_CATEGORIES:
            break
    return out


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _feedparser_entries(parsed: Any) -> list[_RawEntry]:
    entries: list[_RawEntry] = []
    for e in parsed.entries:
        images: list[str] = []
        for media in e.get("media_content") or []:
            url, medium, mtype = media.get("url"), media.get("medium", ""), media.get("type", "")
            if (
                url
                and not too_small(media.get("width"), media.get("height"))
                and (
                    medium == "image"
                    or mtype.startswith("image/")
                    or (not medium and not mtype and _IMAGE_EXT_RE.search(urlsplit(url).path))
                )
            ):
                images.append(url)
        thumbnails = e.get("media_thumbnail") or []
        images += [t["url"] for t in thumbnails if t.get("url") and not too_small(t.get("width"), t.get("height"))]
        enclosures = [link for link in e.get("links") or [] if link.get("rel") == "enclosure"]
        images += [x["href"] for x in enclosures if x.get("href") and _str(x.get("type")).startswith("image")]
        itunes = e.get("image")
        if isinstance(itunes, Mapping) and itunes.get("href"):
            images.append(itunes["href"])
        contents = [c for c in e.get("content") or [] if c.get("value")]
        content = contents[0]["value"] if contents else ""
        body_img = first_img(content) or first_img(_str(e.get("summary")))
        if body_img:
            images.append(body_img)
        langs = [c.get("language") for c in contents]
        langs += [(e.get(k) or {}).get("language") for k in ("summary_detail", "title_detail")]
        published = None
        date_text = None
        for key in ("published", "updated", "created"):
            published = _from_struct(dict.get(e, f"{key}_parsed"))
            if published:
                break
            date_text = date_text or _str(dict.get(e, key)) or None
        author_detail = e.get("author_detail") or {}
        # Without an alternate link feedparser copies a non-URL id (urn:, tag:) into ``link``.
        guid_only_link = bool(e.get("guidislink")) and not _str(e.get("link")).lower().startswith("http")
        entries.append(
            _RawEntry(
                title=_str(e.get("title")),
                link=None if guid_only_link else _str(e.get("link")) or None,
                guid=_str(e.get("id")) or None,
                summary=_str(e.get("summary")),
                content=content,
                author=_str(author_detail.get("name")) or _str(e.get("author")) or None,
                published=published,
                date_text=date_text,
                categories=[t.get("term") or t.get("label") for t in e.get("tags") or []],
                images=images,
                lang=next((x for x in langs if x), None),
            )
        )
    return entries


def _parse_with_feedparser(data: bytes, url: str) -> tuple[_FeedMeta, list[_RawEntry]]:
    import feedparser  # here, not at import: a 304 or a JSON Feed never needs it

    # The content type is stated so that feedparser takes the encoding from the XML declaration
    # (and falls back to windows-1252 when that is wrong), and content-location resolves relative links.
    headers = {"content-type": "application/xml", "content-location": url}
    parsed = feedparser.parse(data, response_headers=headers)
    version = parsed.get("version") or ""
    entries = parsed.get("entries") or []
    bozo = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not entries:
        if not version:
            raise FeedError(_not_a_feed_reason(data, bozo))
        if bozo is not None and not isinstance(bozo, feedparser.CharacterEncodingOverride):
            raise FeedError(f"the feed is not well-formed XML ({_short(bozo)}) and has no entries")
    feed = parsed.get("feed") or {}
    meta = _FeedMeta(
        title=_str(feed.get("title")),
        link=_str(feed.get("link")) or None,
        lang=_str(feed.get("language")) or None,
        published=_from_struct(dict.get(feed, "published_parsed") or dict.get(feed, "updated_parsed")),
        format=version,
    )
    if bozo is not None:
        if isinstance(bozo, feedparser.CharacterEncodingOverride):
            meta.warnings.append(f"wrong character encoding declared; decoded as {parsed.get('encoding')}")
        else:
            meta.broken = _short(bozo)
            meta.warnings.append(f"feed is not well-formed ({meta.broken}); {len(entries)} entries recovered")
    return meta, _feedparser_entries(parsed)


def _short(exc: object) -> str:
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__


_FEED_LINK_RE = re.compile(
    rb"<link\b[^>]*type\s*=\s*[\"']application/(?:rss|atom|feed)\+(?:xml|json)[\"'][^>]*>", re.IGNORECASE
)
_HREF_RE = re.compile(rb"href\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)


def _not_a_feed_reason(data: bytes, bozo: object) -> str:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if re.match(rb"<!doctype html|<html[\s>]", head) or b"<body" in head or b"<head" in head:
        hint = ""
        link = _FEED_LINK_RE.search(data[:65536])
        href = _HREF_RE.search(link.group()) if link else None
        if href:
            hint = f" (the page links to a feed at {href.group(1).decode('utf-8', 'replace')})"
        return f"the URL returned an HTML page, not a feed{hint}"
    if bozo is not None:
        return f"not a feed: no RSS, Atom or JSON Feed document found ({_short(bozo)})"
    return "not a feed: no RSS, Atom or JSON Feed document found"


def _parse_json_feed(data: bytes, url: str) -> tuple[_FeedMeta, list[_RawEntry]]:
    try:
        doc = json.loads(data.decode("utf-8-sig", errors="replace"))
    except ValueError as exc:
        raise FeedError(f"the body looks like JSON but is not valid JSON ({_short(exc)})") from exc
    version = doc.get("version") if isinstance(doc, dict) else None
    found = _JSON_FEED_VERSION_RE.match(version.strip()) if isinstance(version, str) else None
    if not found:
        raise FeedError("the body is JSON but not a JSON Feed (no jsonfeed.org version)")
    if found.group(1) not in JSON_FEED_VERSIONS:
        raise FeedError(f"unsupported JSON Feed version {version!r}")
    items = doc.get("items")
    if not isinstance(items, list):
        raise FeedError("the JSON Feed has no items list")
    meta = _FeedMeta(
        title=_str(doc.get("title")),
        link=absolute_http_url(_str(doc.get("home_page_url")), url),
        lang=_str(doc.get("language")) or None,
        format="json" + found.group(1),
    )
    feed_authors = _json_authors(doc)
    entries: list[_RawEntry] = []
    for item in items:
        if not isinstance(item, dict):
            meta.warnings.append("skipped a JSON Feed item that is not an object")
            continue
        published = None
        date_text = None
        for key in ("date_published", "date_modified"):
            raw = _str(item.get(key))
            published = parse_date_text(raw) if raw else None
            if published:
                break
            date_text = date_text or raw or None
        images = [_str(item.get(k)) for k in ("image", "banner_image") if _str(item.get(k))]
        content_html = _str(item.get("content_html"))
        body_img = first_img(content_html)
        if body_img:
            images.append(body_img)
        authors = _json_authors(item) or feed_authors
        guid = item.get("id")
        entries.append(
            _RawEntry(
                title=_str(item.get("title")),
                link=_str(item.get("url")) or _str(item.get("external_url")) or None,
                guid=str(guid) if isinstance(guid, str | int) and str(guid) else None,
                summary=_str(item.get("summary")),
                content=content_html or _html_of_text(_str(item.get("content_text"))),
                author=authors[0] if authors else None,
                published=published,
                date_text=date_text,
                categories=[t for t in item.get("tags") or [] if isinstance(t, str)],
                images=images,
                lang=_str(item.get("language")) or None,
            )
        )
    return meta, entries


def _html_of_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _json_authors(obj: Mapping[str, Any]) -> list[str]:
    authors = obj.get("authors")
    if not isinstance(authors, list):
        authors = [obj["author"]] if isinstance(obj.get("author"), dict) else []
    names = [a.get("name") for a in authors if isinstance(a, dict)]
    return [name for name in names if isinstance(name, str) and name]


def _looks_like_json(data: bytes) -> bool:
    return data[:64].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def parse_feed(
    data: bytes,
    *,
    url: str,
    source_name: str = "",
    source_id: str | None = None,
    default_kind: Kind = Kind.news,
    now: datetime | None = None,
) -> ParsedFeed:
    """Parse a feed document fetched from ``url`` into articles (``text`` left for extraction).

    Raises ``FeedError`` when the bytes are not a feed (HTML page, empty body, garbage, broken
    XML with nothing recoverable); anything recoverable is kept and reported in ``warnings``.
    """
    if now is None:
        now = datetime.now(UTC)
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    if not data or not data.strip():
        raise FeedError("the response body is empty")
    if _looks_like_json(data):
        meta, raw_entries = _parse_json_feed(data, url)
    else:
        meta, raw_entries = _parse_with_feedparser(data, url)

    title = plain_text(meta.title, 300)
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    result = ParsedFeed(
        title=title,
        warnings=list(meta.warnings),
        format=meta.format,
        link=absolute_http_url(meta.link, url),
        lang=normalize_lang(meta.lang),
        entries=len(raw_entries),
    )
    if len(raw_entries) > MAX_ENTRIES:
        result.warnings.append(f"feed has {len(raw_entries)} entries; kept the first {MAX_ENTRIES}")
        raw_entries = raw_entries[:MAX_ENTRIES]

    source = source_name or title or host
    feed_key = source_id or url
    channel_date = _clamp(meta.published, now) if meta.published else None
    sources: Counter[str] = Counter()
    seen: dict[str, int] = {}
    guid_count = Counter(e.guid for e in raw_entries if e.guid)
    for dup_guid, count in guid_count.items():
        if count > 1:
            result.warnings.append(f"{count} entries share the guid {dup_guid[:120]!r}")
    future = 0
    for position, raw in enumerate(raw_entries, start=1):
        article_title = plain_text(raw.title, MAX_TITLE)
        link: str | None = None
        if raw.link:
            try:
                link = canonical_url(raw.link, url)
            except ValueError as exc:
                result.warnings.append(f"entry {position}: ignored its link ({exc})")
        if not link and raw.guid and raw.guid.startswith(("http://", "https://")):
            try:
                link = canonical_url(raw.guid)
            except ValueError:
                link = None
        if not article_title and not link and not (raw.summary or raw.content):
            result.warnings.append(f"entry {position}: skipped, it has no title, link or text")
            continue
        summary = plain_text(raw.summary or raw.content, MAX_SUMMARY)
        if not article_title:
            article_title = plain_text(raw.summary or raw.content, 120) or "Untitled"
        if link:
            ident = article_id(link)
        elif raw.guid:
            ident = article_id(f"guid:{feed_key}\n{raw.guid}")
        else:
            ident = article_id(f"title:{feed_key}\n{article_title}")
        if ident in seen:
            result.warnings.append(f"entry {position}: skipped, same link or id as entry {seen[ident]}")
            continue
        seen[ident] = position

        published = raw.published or parse_date_text(raw.date_text)
        if published:
            date_source = DATE_FROM_ENTRY
            if published > now + FUTURE_TOLERANCE:
                future += 1
                published = now
        elif channel_date:
            published, date_source = channel_date, DATE_FROM_CHANNEL
        else:
            published, date_source = now, DATE_FROM_FETCH
        sources[date_source] += 1

        base = link or url
        image = next((u for u in (absolute_http_url(i, base) for i in raw.images) if u and not is_tracker(u)), None)
        categories = _categories(raw.categories)
        page_url = link or absolute_http_url(meta.link, url) or url
        result.articles.append(
            Article(
                id=ident,
                url=page_url,
                guid=raw.guid[:1000] if raw.guid else None,
                title=article_title,
                summary=summary,
                text=paragraph_text(raw.content) if len(raw.content) > len(raw.summary) else "",
                author=_clean_author(raw.author),
                published=published,
                source=source,
                source_id=source_id,
                lang=normalize_lang(raw.lang) or result.lang,
                categories=categories,
                image=image,
                kind=detect_kind(categories, link, default_kind),
                ingested=now,
            )
        )
    if future:
        result.warnings.append(f"{future} entries were dated in the future; used the fetch time instead")
    if sources[DATE_FROM_CHANNEL]:
        result.warnings.append(f"{sources[DATE_FROM_CHANNEL]} entries had no date; used the feed's own date")
    if sources[DATE_FROM_FETCH]:
        result.warnings.append(f"{sources[DATE_FROM_FETCH]} entries had no date; used the fetch time")
    result.date_sources = dict(sources)
    if raw_entries and not result.articles:
        if meta.broken:
            raise FeedError(f"the feed is not well-formed XML ({meta.broken}) and no usable entry was found")
        raise FeedError(f"none of the feed's {len(raw_entries)} entries has a title, a link or any text")
    return result


def _clamp(value: datetime, now: datetime) -> datetime:
    return now if value > now + FUTURE_TOLERANCE else value
