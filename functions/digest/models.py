"""The pipeline's data, typed once and shared by the core, the adapters and the handlers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator
from pydantic.json_schema import SkipJsonSchema


class Model(BaseModel):
    """The base of every model of ours: validators are built on first use, not at import, so that a
    function's cold start pays only for the models its request uses (docs/benchmarks.md)."""

    model_config = ConfigDict(defer_build=True)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Kind(StrEnum):
    news = "news"
    feature = "feature"
    analysis = "analysis"
    opinion = "opinion"
    other = "other"


class Section(StrEnum):
    lead = "lead"
    top = "top"
    features = "features"
    analysis = "analysis"
    more = "more"


class Source(Model):
    """A feed the newsroom follows."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1, max_length=200)
    feed_url: HttpUrl
    authority: float = Field(default=0.5, ge=0, le=1)
    default_kind: Kind = Kind.news
    active: bool = True
    poll_minutes: int = Field(default=60, ge=5, le=7 * 24 * 60)
    boilerplate: list[str] = Field(default_factory=list, max_length=50)  # extra extraction rules for this site
    etag: str | None = None
    last_modified: str | None = None
    last_fetched: datetime | None = None
    next_poll: datetime | None = None  # not before: poll interval, Cache-Control max-age or Retry-After
    last_error: str | None = None
    consecutive_failures: int = 0
    failing_since: datetime | None = None  # first failure of the current run of failures

    @field_validator("boilerplate")
    @classmethod
    def _rules_compile(cls, rules: list[str]) -> list[str]:
        """Rules are "drop:", "cut:" or "appeal:" REGEX; a broken one is refused when configured, not at ingest."""
        for rule in rules:
            try:
                re.compile(rule.removeprefix("drop:").removeprefix("cut:").removeprefix("appeal:"))
            except re.error as error:
                raise ValueError(f"boilerplate rule {rule!r} is not a valid pattern: {error}") from error
        return rules


class Article(Model):
    """One piece of journalism, as stored: the unit that stories are made of."""

    id: str
    url: str
    guid: str | None = None
    title: str
    summary: str = ""
    text: str = ""
    author: str | None = None
    published: datetime
    source: str = ""
    source_id: str | None = None
    lang: str | None = None
    categories: list[str] = Field(default_factory=list)
    image: str | None = None
    kind: Kind = Kind.news
    hand_picked: bool = False
    pin: Section | None = None  # an editor's pick may ask for a section
    copies: list[str] = Field(default_factory=list)  # URLs of syndicated copies folded into this article
    ingested: datetime = Field(default_factory=utcnow)


class StoryArticle(Model):
    """An article as an edition shows it: enough to render without going back to the store."""

    id: str
    url: str
    title: str
    source: str
    published: datetime
    image: str | None = None


class Story(Model):
    id: str
    headline: str
    summary: str
    kind: Kind
    score: float
    lead: StoryArticle
    also: list[StoryArticle] = Field(default_factory=list)
    outlets: int = 1
    article_ids: list[str] = Field(default_factory=list)  # every article of the story, lead first
    pinned: bool = False  # placed by an editor


SECTION_TITLES: dict[Section, str] = {
    Section.lead: "The big story",
    Section.top: "Top news",
    Section.features: "Features",
    Section.analysis: "Analysis & opinion",
    Section.more: "More this week",
}


class EditionSection(Model):
    key: Section
    title: str
    stories: list[Story] = Field(default_factory=list)


class EditionStatus(StrEnum):
    draft = "draft"
    approved = "approved"
    sending = "sending"
    sent = "sent"
    skipped = "skipped"


class Action(StrEnum):
    pin = "pin"  # put the story in a section, at a position (also how a story is moved or reordered)
    unpin = "unpin"  # let the ranking place it again
    drop = "drop"  # leave it out of this edition
    restore = "restore"  # undo a drop
    summary = "summary"  # replace the story's summary


class Decision(Model):
    """One editor's change to a draft, kept so that a rebuild applies it again.

    ``target`` is an article id: a story is named by any of its articles, which stay stable when
    a rebuild regroups or re-leads stories.
    """

    action: Action
    target: str = Field(min_length=1, max_length=64)
    section: Section | None = None
    position: int | None = Field(default=None, ge=1, le=50)
    text: str | None = Field(default=None, min_length=1, max_length=600)
    who: str = Field(min_length=1, max_length=100)
    at: datetime = Field(default_factory=utcnow)


class Edition(Model):
    """A week's digest: its window, its sections and where it stands."""

    model_config = ConfigDict(use_enum_values=False)

    id: str  # ISO week, e.g. 2026-W48
    number: int
    window_start: datetime
    window_end: datetime
    status: EditionStatus = EditionStatus.draft
    sections: list[EditionSection] = Field(default_factory=list)
    article_count: int = 0
    created: datetime = Field(default_factory=utcnow)
    history: list[dict[str, str]] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
    new_articles: int = 0  # articles no earlier edition carried
    # The editor's own words for this edition (None: the layout's defaults), kept across rebuilds.
    subject: str | None = Field(default=None, max_length=150)
    preheader: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=1000)  # the editor's note: replaces the standing intro

    def stories(self) -> list[Story]:
        return [story for section in self.sections for story in section.stories]


class SubscriberStatus(StrEnum):
    pending = "pending"
    confirmed = "confirmed"
    unsubscribed = "unsubscribed"
    suppressed = "suppressed"
    erased = "erased"


class Consent(Model):
    at: datetime = Field(default_factory=utcnow)
    source: str
    ip: str | None = None
    user_agent: str | None = None
    policy_version: str | None = None
    event: str = "subscribe"


class PendingSignup(Model):
    """What a sign-up asked for: applied only when the mailed link is clicked (``nonce`` names it)."""

    nonce: str
    email: str
    name: str | None = None
    sections: list[Section] = Field(default_factory=list)
    timezone: str | None = None
    consent: Consent


class Subscriber(Model):
    id: str
    email: str
    name: str | None = None
    status: SubscriberStatus = SubscriberStatus.pending
    sections: list[Section] = Field(default_factory=list)  # empty: everything
    timezone: str | None = None
    created: datetime = Field(default_factory=utcnow)
    updated: datetime = Field(default_factory=utcnow)
    consents: list[Consent] = Field(default_factory=list)
    soft_bounces: int = 0  # soft bounces within the window below
    # internal bookkeeping, kept out of the API's schema
    soft_bounce_times: SkipJsonSchema[list[datetime]] = Field(default_factory=list, max_length=50)
    token_version: SkipJsonSchema[int] = 0  # raised to revoke every link issued before (digest.tokens)
    signup: SkipJsonSchema[PendingSignup | None] = None  # the mailed, unconfirmed sign-up
