"""Render an edition: the email (MJML → HTML, and a plain-text part), the web archive page, the
archive index and the RSS feed.

Everything here is pure: no AWS, no network, no clock.  The only I/O is reading the Jinja2 layouts
in ``layouts_dir`` (``edition.mjml.j2``, ``edition.txt.j2``, ``archive_index.html.j2`` and
``archive_feed.xml.j2``); those shipped render from their modules compiled ahead of time, without
Jinja2 (digest.render.runtime), while unchanged.

Safety.  Story text comes from third-party feeds and is hostile until proven otherwise, so:

* every piece of text is cleaned (control and bidi-override characters removed, whitespace
  collapsed, so nothing can smuggle a line break into a subject header or an attribute) and
  length-capped at a word boundary for display;
* the HTML layouts are autoescaped (the plain-text one is not: it is ``text/plain``);
* only absolute ``http(s)`` URLs are ever emitted in ``href``/``src``; any other URL
  (``javascript:``, ``data:``, relative, malformed) drops the link and keeps the text;
* elements holding feed text carry ``dir="auto"`` so right-to-left headlines display properly.

Per-reader substitution.  The email leaves three placeholders for the mail composer:
:data:`READER_NAME` (the reader's name, or "reader" when unknown: the greeting reads "Dear Anna," or
"Dear reader,"; HTML-escaped in the HTML part), :data:`UNSUBSCRIBE_URL` and
:data:`PREFERENCES_URL` (in ``href`` attributes and in the plain text).  The web version
(``web=True``) contains none of them.

Size.  Gmail clips messages over ~102 KB, so the HTML is kept within :data:`MAX_HTML_BYTES`: when an
edition is too big, "More this week" briefs are dropped from the end (the largest prefix that fits
is found by bisection: the same result as dropping one at a time, in a handful of renders) and
their story ids are reported in :attr:`RenderedEdition.dropped`.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import date as Date
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from digest.models import SECTION_TITLES, Edition, Kind, Section, Story
from digest.text import first_sentence, shorten

if TYPE_CHECKING:
    from jinja2 import Environment, Template

    from digest.render import runtime
    from digest.settings import Settings

# Placeholders left in the rendered output for per-reader substitution at send time (the mail
# composer replaces them; they must survive MJML untouched, in both href attributes and text):
READER_NAME = "@@READER_NAME@@"
UNSUBSCRIBE_URL = "@@UNSUBSCRIBE_URL@@"
PREFERENCES_URL = "@@PREFERENCES_URL@@"
PLACEHOLDERS: tuple[str, ...] = (READER_NAME, UNSUBSCRIBE_URL, PREFERENCES_URL)

MAX_HTML_BYTES = 90 * 1024  # Gmail clips at ~102 KB; leave room for the substituted per-reader URLs.
SUBJECT_MAX = 90
PREHEADER_MAX = 110
PREHEADER_PADDING = 75  # repeats of "&#847;&zwnj;&nbsp;" after the preheader
HEADLINE_MAX = 300
SUMMARY_MAX = 700
OUTLET_MAX = 80
ALT_MAX = 150
ALSO_MAX = 5  # outlets listed under "Also covered by"

EMAIL_TEMPLATE = "edition.mjml.j2"
TEXT_TEMPLATE = "edition.txt.j2"
INDEX_TEMPLATE = "archive_index.html.j2"
FEED_TEMPLATE = "archive_feed.xml.j2"
TEMPLATES = (EMAIL_TEMPLATE, TEXT_TEMPLATE, INDEX_TEMPLATE, FEED_TEMPLATE)

SECTION_ORDER: tuple[Section, ...] = tuple(Section)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAY_CODES = {day[:3].upper(): day for day in _DAYS}


class EditionTooLarge(ValueError):
    """Even without any "More this week" briefs the HTML is over the size budget."""


# --------------------------------------------------------------------------------------------------
# Text and URL hygiene


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # includes \t \r \n: collapsed to spaces
_BIDI_OVERRIDE = re.compile(r"[\u202a-\u202e\u2066-\u2069]")  # embeddings/overrides/isolates
_NOT_IN_URL = re.compile(r"[\s\x00-\x1f\x7f]")  # \s: what str.isspace() calls whitespace


def clean_text(value: object, limit: int | None = None) -> str:
    """One line of display text: NFC, no control or bidi-override characters, whitespace collapsed,
    and at most ``limit`` characters (cut at a word boundary, with "…")."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = _BIDI_OVERRIDE.sub("", _CONTROL.sub(" ", text))
    text = " ".join(text.split())
    return shorten(text, limit) if limit else text


def safe_url(value: object) -> str | None:
    """``value`` if it is an absolute http(s) URL fit for an href/src, else None."""
    if not isinstance(value, str):
        value = "" if value is None else str(value)
    url = value.strip()
    if not url or len(url) > 2048 or _NOT_IN_URL.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not host:
        return None
    return url


def with_query(url: str, **params: str) -> str:
    """``url`` with ``params`` added to (or replacing those of the same name in) its query string.

    The rest of the query is kept byte for byte: re-encoding a publisher's URL can break it.
    """
    if not params:
        return url
    parts = urlsplit(url)
    kept = [piece for piece in parts.query.split("&") if piece and unquote_plus(piece.split("=", 1)[0]) not in params]
    return urlunsplit(parts._replace(query="&".join([*kept, urlencode(params)])))


def tracking_params(template: str, *, edition: str, section: str) -> dict[str, str]:
    """The query parameters a ``link_tracking`` template asks for, ``{edition}`` and ``{section}``
    filled in (plain replacement: a template is not a format string)."""
    return {
        key: value.replace("{edition}", edition).replace("{section}", section)
        for key, value in parse_qsl(template.strip(), keep_blank_values=True)
    }


def format_date(value: Date) -> str:
    """'Friday 27 November 2026' (English, whatever the process locale)."""
    return f"{_DAYS[value.weekday()]} {value.day} {_MONTHS[value.month - 1]} {value.year}"


def _aware(value: Date) -> datetime:
    """An aware datetime: naive ones are taken as UTC, a bare date as midnight UTC."""
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# --------------------------------------------------------------------------------------------------
# Branding

_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_FONT_STACK = re.compile(r"^[A-Za-z0-9 ,'\-]+$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_COLOUR_FIELDS = (
    "primary_colour",
    "text_colour",
    "background_colour",
    "surface_colour",
    "accent_colour",
    "muted_colour",
    "rule_colour",
)
# Optional settings a deployment may add later (``brand_<field>``); Branding.from_settings picks them up.
_BRAND_SETTINGS = (
    *_COLOUR_FIELDS,
    "font_stack",
    "heading_font_stack",
    "logo_url",
    "logo_width",
    "language",
    "intro",
    "support_message",
)

DEFAULT_SUPPORT_MESSAGE: tuple[str, ...] = (
    "Dear readers,",
    "Every week we read the news so that you don't have to read all of it: we follow dozens of "
    "outlets, weigh what matters and hand-pick the stories worth your time.",
    "This newsletter is free, and we want to keep it that way. If you value it, please support our "
    "work. Every contribution, however small, helps keep independent journalism going. "
    "Thank you for standing with us.",
)


@dataclass(frozen=True)
class Branding:
    """How the newsletter looks and what its fine print says.  Colours are ``#rgb``/``#rrggbb``."""

    name: str
    primary_colour: str = "#b3121f"  # masthead rule, section labels, main button
    text_colour: str = "#1a1a1a"
    background_colour: str = "#f2efe9"  # the page around the card
    accent_colour: str = "#fbf4ec"  # tint behind the support-us appeal
    surface_colour: str = "#ffffff"  # the card
    muted_colour: str = "#5f5a53"  # dates, outlets, fine print (4.5:1+ on surface and background)
    rule_colour: str = "#e4ddd2"  # hairlines between stories
    font_stack: str = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
    heading_font_stack: str = "Georgia, 'Times New Roman', Times, serif"
    logo_url: str | None = None  # absent: a text masthead
    logo_width: int = 240
    language: str = "en"
    send_day: str = "Friday"
    intro: str = "Our weekly hand-picked selection of news, features, analysis and more."
    postal_address: str = ""
    privacy_policy_url: str = ""
    support_url: str = ""
    support_once_url: str = ""  # derived from support_url (?period=once) when empty
    support_monthly_url: str = ""
    support_annual_url: str = ""
    support_message: tuple[str, ...] = DEFAULT_SUPPORT_MESSAGE
    subscribe_url: str = ""
    archive_url: str = ""
    link_tracking: str = ""  # query parameters for story and support links (Settings.link_tracking)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("Branding.name must not be empty")
        for name in _COLOUR_FIELDS:
            if not _COLOUR.match(getattr(self, name)):
                raise ValueError(f"Branding.{name} must be a #rgb or #rrggbb colour, not {getattr(self, name)!r}")
        for name in ("font_stack", "heading_font_stack"):
            if not _FONT_STACK.match(getattr(self, name)):
                raise ValueError(f"Branding.{name} may hold only letters, digits, spaces, commas, quotes, hyphens")
        if not _LANGUAGE.match(self.language):
            raise ValueError(f"Branding.language must be a language tag, not {self.language!r}")
        if not 40 <= self.logo_width <= 600:
            raise ValueError("Branding.logo_width must be between 40 and 600 pixels")
        if isinstance(self.support_message, str):
            object.__setattr__(self, "support_message", (self.support_message,))
        if self.support_url:
            for period in ("once", "monthly", "annual"):
                if not getattr(self, f"support_{period}_url"):
                    object.__setattr__(self, f"support_{period}_url", with_query(self.support_url, period=period))

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> Branding:
        """Branding for a deployment: name and fine print from the settings; colours, fonts and logo
        from optional ``brand_*`` settings when present, else the defaults."""
        values: dict[str, Any] = {
            "name": settings.newsletter_name,
            "postal_address": settings.postal_address,
            "privacy_policy_url": settings.privacy_policy_url,
            "support_url": settings.support_url,
            "send_day": _DAY_CODES.get(str(settings.send_day).upper()[:3], "Friday"),
            "subscribe_url": settings.api_base_url.rstrip("/") + "/subscribe",
            "archive_url": settings.archive_base_url,
            "link_tracking": settings.link_tracking,
        }
        for name in _BRAND_SETTINGS:
            value = getattr(settings, f"brand_{name}", None)
            if value not in (None, ""):
                values[name] = tuple(value) if name == "support_message" and isinstance(value, list) else value
        values.update(overrides)
        return cls(**values)


# --------------------------------------------------------------------------------------------------
# What the layouts see


@dataclass(frozen=True)
class LinkView:
    label: str
    url: str | None


@dataclass(frozen=True)
class StoryView:
    id: str
    headline: str
    url: str | None
    summary: str
    outlet: str
    label: str  # "Analysis" / "Opinion" in the analysis section, else ""
    image: str | None
    image_alt: str
    also: tuple[LinkView, ...]
    more_outlets: int  # outlets that covered it beyond those listed

    @property
    def urls(self) -> list[str]:
        return [u for u in (self.url, *(link.url for link in self.also)) if u]


@dataclass(frozen=True)
class SectionView:
    key: str
    title: str
    stories: tuple[StoryView, ...]


def _story_view(story: Story, section: Section, tracking: dict[str, str]) -> StoryView:
    def link(url: str | None) -> str | None:
        return with_query(safe, **tracking) if (safe := safe_url(url)) else None

    lead_source = clean_text(story.lead.source, OUTLET_MAX)
    seen = {lead_source.casefold()}
    also: list[LinkView] = []
    for article in story.also:
        name = clean_text(article.source, OUTLET_MAX)
        if not name or name.casefold() in seen:
            continue
        seen.add(name.casefold())
        also.append(LinkView(name, link(article.url)))
    listed = also[:ALSO_MAX]
    more = max(len(also), story.outlets - 1) - len(listed)
    image = safe_url(story.lead.image) or next((u for a in story.also if (u := safe_url(a.image))), None)
    headline = clean_text(story.headline or story.lead.title, HEADLINE_MAX)
    label = ""
    if section is Section.analysis and story.kind in (Kind.analysis, Kind.opinion):
        label = str(story.kind.value).capitalize()
    return StoryView(
        id=story.id,
        headline=headline,
        url=link(story.lead.url),
        summary=clean_text(story.summary, SUMMARY_MAX),
        outlet=lead_source,
        label=label,
        image=image,
        image_alt=shorten(headline, ALT_MAX) or "Story image",
        also=tuple(listed),
        more_outlets=max(more, 0),
    )


def _section_views(edition: Edition, sections: frozenset[Section] | None, tracking: str) -> list[SectionView]:
    """The sections shown; ``tracking`` (a ``link_tracking`` template, empty for none) tags story links."""
    chosen = [s for s in edition.sections if s.stories and (sections is None or s.key in sections)]
    chosen.sort(key=lambda s: SECTION_ORDER.index(Section(s.key)))
    views = []
    for shown in chosen:
        section = Section(shown.key)
        params = tracking_params(tracking, edition=edition.id, section=section.value)  # once per section
        views.append(
            SectionView(
                key=section.value,
                title=clean_text(shown.title, 80) or SECTION_TITLES[section],
                stories=tuple(_story_view(story, section, params) for story in shown.stories),
            )
        )
    return views


def _subject(name: str, headline: str, fallback: str) -> str:
    return shorten(f"{name}: {headline or fallback}", SUBJECT_MAX)


def _preheader(story: StoryView | None, fallback: str) -> str:
    text = (story.summary or story.headline) if story else ""
    return shorten(first_sentence(text) if text else fallback, PREHEADER_MAX)


# --------------------------------------------------------------------------------------------------
# Templates


def _wrap(text: str, width: int = 72, indent: str = "", first: str | None = None) -> str:
    """Word-wrap for the plain-text part (never breaks inside hyphenated words)."""
    return "\n".join(
        textwrap.wrap(
            str(text),
            width=width,
            initial_indent=indent if first is None else first,
            subsequent_indent=indent,
            break_long_words=True,
            break_on_hyphens=False,
        )
    )


def _rfc822(value: Date) -> str:
    return format_datetime(_aware(value))


# The layouts' own filters, for Jinja2 and for digest.render.runtime alike.
FILTERS: dict[str, Callable[..., str]] = {"wrap": _wrap, "rfc822": _rfc822, "longdate": format_date}


@lru_cache(maxsize=8)
def _cached_environment(layouts_dir: Path) -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(layouts_dir),
        autoescape=select_autoescape(
            enabled_extensions=("mjml.j2", "html.j2", "xml.j2"),
            disabled_extensions=("txt.j2",),
            default_for_string=True,
            default=True,
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    return env


def environment(layouts_dir: Path | str) -> Environment:
    """The Jinja2 environment for ``layouts_dir`` (one per directory, cached): it compiles the layouts
    ahead of time (digest.render.precompiled) and renders those edited since (:func:`template`)."""
    return _cached_environment(Path(layouts_dir).resolve())


@lru_cache(maxsize=1)
def _runtime_environment() -> runtime.Environment:
    from digest.render import runtime

    return runtime.Environment(FILTERS)


@lru_cache(maxsize=32)
def _cached_template(layouts_dir: Path, name: str) -> runtime.Template | Template:
    # Jinja2 (and MJML, in render_edition) load on first use: functions that never render start
    # faster; the shipped layouts, compiled ahead of time, render without Jinja2 at all.
    from digest.render import runtime

    compiled = runtime.load(layouts_dir, "edition", name, _runtime_environment())
    return compiled if compiled is not None else environment(layouts_dir).get_template(name)


def template(layouts_dir: Path | str, name: str) -> runtime.Template | Template:
    """The layout ``name`` of ``layouts_dir``, ready to render: its module compiled ahead of time
    while the layout is unchanged (digest.render.runtime, no Jinja2), else compiled by Jinja2."""
    return _cached_template(Path(layouts_dir).resolve(), name)


# --------------------------------------------------------------------------------------------------
# The edition


@dataclass(frozen=True)
class RenderedEdition:
    subject: str
    preheader: str
    html: str
    text: str
    dropped: list[str] = field(default_factory=list)  # ids of "more" items dropped to fit the size budget

    @property
    def html_bytes(self) -> int:
        return len(self.html.encode("utf-8"))


def mjml_to_html(source: str) -> str:
    """MJML to HTML with MRML (mjml-python, loaded on first use: functions that never render start
    faster).  fonts={}: MRML otherwise adds a Google Fonts <link rel="stylesheet"> and @import for
    any font it knows (Roboto, Open Sans...) named in a font stack; no remote fonts, no external CSS."""
    import mjml

    return str(mjml.mjml2html(source, fonts={}))


def render_edition(
    edition: Edition,
    branding: Branding,
    *,
    layouts_dir: Path,
    timezone: str,
    view_online_url: str,
    sections: frozenset[Section] | None = None,
    web: bool = False,
    subscribe_url: str | None = None,
    max_html_bytes: int = MAX_HTML_BYTES,
) -> RenderedEdition:
    """Render ``edition`` for email (or, with ``web=True``, as its archive page).

    ``sections`` is a reader's choice of sections (None: all).  ``subscribe_url`` (web version only)
    defaults to ``branding.subscribe_url``.  Raises :class:`EditionTooLarge` if the HTML cannot be
    brought within ``max_html_bytes`` by dropping "More this week" briefs.
    """
    tracking = "" if web else branding.link_tracking  # the archive page is not the email: no campaign tags
    views = _section_views(edition, sections, tracking)
    first = next((s.stories[0] for s in views if s.stories), None)
    local_end = _aware(edition.window_end).astimezone(ZoneInfo(timezone))
    date_label = format_date(local_end)
    name = clean_text(branding.name, 120)
    subject = _subject(name, first.headline if first else "", f"No. {edition.number}, {date_label}")
    if edition.subject and clean_text(edition.subject):  # the editor's own subject and preheader win
        subject = shorten(clean_text(edition.subject), SUBJECT_MAX)
    intro = clean_text(edition.note) if edition.note and clean_text(edition.note) else clean_text(branding.intro)
    preheader = _preheader(first, intro)
    if edition.preheader and clean_text(edition.preheader):
        preheader = shorten(clean_text(edition.preheader), PREHEADER_MAX)

    base: dict[str, Any] = {
        "branding": branding,
        "name": name,
        "edition": {
            "id": edition.id,
            "number": edition.number,
            "date": date_label,
            "date_iso": local_end.date().isoformat(),
            "article_count": edition.article_count,
        },
        "subject": subject,
        "preheader": preheader,
        "preheader_padding": PREHEADER_PADDING,
        "web": web,
        "view_online_url": None if web else safe_url(view_online_url),
        "subscribe_url": safe_url(subscribe_url or branding.subscribe_url),
        "archive_url": safe_url(branding.archive_url),
        "privacy_policy_url": safe_url(branding.privacy_policy_url),
        "logo_url": safe_url(branding.logo_url),
        "support": _support_links(branding, tracking_params(tracking, edition=edition.id, section="support")),
        "support_message": [clean_text(p) for p in branding.support_message if clean_text(p)],
        "intro": intro,
        "postal_address": clean_text(branding.postal_address),
        "send_day": clean_text(branding.send_day),
        "reader_name": READER_NAME,
        "unsubscribe_url": UNSUBSCRIBE_URL,
        "preferences_url": PREFERENCES_URL,
    }

    def context(keep_more: int | None) -> dict[str, Any]:
        shown = views
        if keep_more is not None:
            shown = [
                SectionView(v.key, v.title, v.stories[:keep_more]) if v.key == Section.more.value else v for v in views
            ]
            shown = [v for v in shown if v.stories]
        return {**base, "sections": shown, "story_count": sum(len(v.stories) for v in shown)}

    def html_for(keep_more: int | None) -> str:
        return mjml_to_html(template(layouts_dir, EMAIL_TEMPLATE).render(context(keep_more)))

    def fits(html: str) -> bool:
        return len(html.encode("utf-8")) <= max_html_bytes

    html = html_for(None)
    keep: int | None = None
    dropped: list[str] = []
    if not fits(html):
        briefs = next((v.stories for v in views if v.key == Section.more.value), ())
        low, high, best = 0, len(briefs) - 1, None  # largest number of briefs kept that fits
        while low <= high:
            mid = (low + high) // 2
            candidate = html_for(mid)
            if fits(candidate):
                best, html, low = mid, candidate, mid + 1
            else:
                high = mid - 1
        if best is None:
            raise EditionTooLarge(
                f"edition {edition.id} does not fit in {max_html_bytes} bytes of HTML even without its "
                f"'more' briefs ({len(html.encode('utf-8'))} bytes with them)"
            )
        keep = best
        dropped = [story.id for story in briefs[best:]]

    text = template(layouts_dir, TEXT_TEMPLATE).render(context(keep))
    return RenderedEdition(subject=subject, preheader=preheader, html=html, text=text, dropped=dropped)


def _support_links(branding: Branding, tracking: dict[str, str]) -> list[LinkView]:
    links = [
        LinkView(
            label,
            with_query(url, **tracking) if (url := safe_url(getattr(branding, f"support_{period}_url"))) else None,
        )
        for label, period in (("Once", "once"), ("Monthly", "monthly"), ("Annual", "annual"))
    ]
    return links if all(link.url for link in links) else []


# --------------------------------------------------------------------------------------------------
# The archive


@dataclass(frozen=True)
class ArchiveEntry:
    """One edition in the archive index and feed.  ``date`` is the edition's date: a ``date``, or an
    aware ``datetime`` (shown as the date in its own timezone; naive is taken as UTC)."""

    id: str
    number: int
    date: datetime | Date
    headline: str
    url: str
    summary: str = ""

    @classmethod
    def from_edition(cls, edition: Edition, *, url: str, timezone: str) -> ArchiveEntry:
        lead = next((s.stories[0] for s in edition.sections if s.key == Section.lead and s.stories), None)
        story = lead or next(iter(edition.stories()), None)
        return cls(
            id=edition.id,
            number=edition.number,
            date=_aware(edition.window_end).astimezone(ZoneInfo(timezone)),
            headline=story.headline if story else "",
            url=url,
            summary=first_sentence(clean_text(story.summary)) if story else "",
        )


@dataclass(frozen=True)
class _EntryView:
    id: str
    number: int
    date: datetime
    date_label: str
    date_iso: str
    headline: str
    url: str | None
    summary: str


def _entry_views(editions: Iterable[ArchiveEntry]) -> list[_EntryView]:
    ordered = sorted(editions, key=lambda e: (_aware(e.date), e.number), reverse=True)
    return [
        _EntryView(
            id=clean_text(e.id, 64),
            number=e.number,
            date=_aware(e.date),
            date_label=format_date(e.date),
            date_iso=(e.date.date() if isinstance(e.date, datetime) else e.date).isoformat(),
            headline=clean_text(e.headline, HEADLINE_MAX) or f"No. {e.number}",
            url=safe_url(e.url),
            summary=clean_text(e.summary, 400),
        )
        for e in ordered
    ]


def _archive_context(
    editions: Sequence[ArchiveEntry], branding: Branding, base_url: str, feed_url: str | None
) -> dict[str, Any]:
    base = base_url.rstrip("/")
    return {
        "branding": branding,
        "name": clean_text(branding.name, 120),
        "intro": clean_text(branding.intro),
        "send_day": clean_text(branding.send_day),
        "entries": _entry_views(editions),
        "base_url": safe_url(base_url),
        "feed_url": safe_url(feed_url or f"{base}/feed.xml"),
        "subscribe_url": safe_url(branding.subscribe_url),
        "privacy_policy_url": safe_url(branding.privacy_policy_url),
        "postal_address": clean_text(branding.postal_address),
    }


def render_archive_index(
    editions: Sequence[ArchiveEntry],
    branding: Branding,
    *,
    layouts_dir: Path,
    base_url: str,
    feed_url: str | None = None,
) -> str:
    """The archive's index page: every edition, newest first (self-contained HTML)."""
    context = _archive_context(editions, branding, base_url, feed_url)
    return template(layouts_dir, INDEX_TEMPLATE).render(context)


def render_archive_feed(
    editions: Sequence[ArchiveEntry],
    branding: Branding,
    *,
    layouts_dir: Path,
    base_url: str,
    feed_url: str | None = None,
) -> str:
    """RSS 2.0 feed of the editions, newest first.  ``feed_url`` defaults to ``{base_url}/feed.xml``."""
    context = _archive_context(editions, branding, base_url, feed_url)
    return template(layouts_dir, FEED_TEMPLATE).render(context)
