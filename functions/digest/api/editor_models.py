"""Request and response bodies of the editors' API (AdminApiFunction): kept apart from the readers'
(digest.api.models) so that the public API's cold start builds none of these classes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, HttpUrl, StrictBool, StrictFloat, StrictInt, UrlConstraints

from digest.api.models import Strict, SubscriberRecord
from digest.models import Action, EditionStatus, Kind, Model, Section, SubscriberStatus


class ReaderPage(Model):
    subscribers: list[SubscriberRecord]
    cursor: str | None = Field(default=None, description="Pass as ?cursor= for the next page; null at the end.")


class StatusChange(Strict):
    status: Literal[
        SubscriberStatus.pending, SubscriberStatus.confirmed, SubscriberStatus.unsubscribed, SubscriberStatus.suppressed
    ]


class ImportReport(Model):
    imported: int = Field(description="Readers added or changed.")
    unchanged: int = Field(description="Rows that matched what is stored already.")
    rejected: int = Field(description="Rows not imported; see errors.")
    errors: list[str]


class SourceInput(Strict):
    name: str = Field(min_length=1, max_length=200)
    # shorter than HttpUrl's own limit, so the stored (normalised) URL always reads back as a Source
    feed_url: Annotated[HttpUrl, UrlConstraints(max_length=2000)]
    authority: StrictFloat | StrictInt = Field(default=0.5, ge=0, le=1)
    default_kind: Kind = Kind.news
    active: StrictBool = True
    poll_minutes: StrictInt = Field(default=60, ge=5, le=7 * 24 * 60)
    boilerplate: list[str] = Field(default_factory=list, max_length=50)


class NewSource(SourceInput):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")


class SourceList(Model):
    sources: list[dict[str, Any]]


class EditionSummary(Model):
    id: str
    number: int
    status: EditionStatus
    window_start: datetime
    window_end: datetime
    stories: int
    new_articles: int


class EditionList(Model):
    editions: list[EditionSummary]


class DecisionRequest(Strict):
    """pin (with section and optional position: also reorders), unpin, drop, restore, or a new summary."""

    action: Action
    target: str = Field(min_length=1, max_length=64, description="An article id of the story (or the story id).")
    section: Section | None = None
    position: StrictInt | None = Field(default=None, ge=1, le=50)
    text: str | None = Field(default=None, min_length=1, max_length=600)


class TestSendRequest(Strict):
    addresses: list[str] = Field(min_length=1, max_length=10)


class TestSendReport(Model):
    sent: list[dict[str, str]]


class ReaderInDoubt(Model):
    address: str | None = Field(description="None once the reader was erased.")
    subscriber_id: str
    since: str
    reason: str


class EditionStats(Model):
    edition: str
    status: str
    readers: dict[str, int] = Field(
        description="From the send log: sent, failed, skipped, pending (queued), in_doubt; zeros included."
    )
    feedback: dict[str, int] = Field(description="SES events: accepted, delivered, bounced, …; zeros included.")
    rates: dict[str, float] = Field(description="Feedback counts per reader sent.")
    in_doubt: list[ReaderInDoubt] = Field(
        description="Readers SES may or may not have mailed: settle them (`digest edition settle`)."
    )
