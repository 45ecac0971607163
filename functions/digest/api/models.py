"""Request and response bodies of the API, typed once: they validate requests and make the OpenAPI document."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from pydantic import (
    ConfigDict,
    Field,
    HttpUrl,
    StrictBool,
    StrictFloat,
    StrictInt,
    UrlConstraints,
    field_validator,
)

from digest.models import Action, Consent, EditionStatus, Kind, Model, Section, SubscriberStatus

TOKEN_MAX = 512
EMAIL_MAX = 320
NAME_MAX = 200
ZONE_MAX = 64


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_names() -> list[str]:
    """Every IANA zone a reader may choose, sorted (the pages' time-zone list)."""
    return sorted(z for z in _zones() if "/" in z and not z.startswith(("Etc/", "SystemV/", "posixrules")))


def known_zone(value: str | None) -> str | None:
    if value is not None and value not in _zones():
        raise ValueError("unknown time zone (use an IANA name such as Europe/London)")
    return value


class Strict(Model):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# ---------------------------------------------------------------- readers


class SubscribeRequest(Strict):
    email: str = Field(min_length=3, max_length=EMAIL_MAX, description="The reader's address.")
    name: str | None = Field(default=None, max_length=NAME_MAX)
    sections: list[Section] = Field(
        default_factory=list, max_length=len(Section), description="Sections wanted; empty: all."
    )
    timezone: str | None = Field(default=None, max_length=ZONE_MAX, description="IANA time zone.")
    consent: Literal[True] = Field(description="The reader agrees to the privacy policy; must be true.")
    policy_version: str | None = Field(default=None, max_length=40, description="Privacy policy version agreed to.")
    source: str | None = Field(
        default=None, max_length=60, pattern=r"^[A-Za-z0-9._:/-]*$", description="Which form or page signed up."
    )
    website: str | None = Field(default=None, max_length=200, description="Honeypot: leave empty.")

    _zone = field_validator("timezone")(known_zone)

    @field_validator("consent", mode="before")
    @classmethod
    def _strictly_true(cls, value: Any) -> Any:
        """JSON ``true`` only: 1 or "yes" is not someone agreeing to a privacy policy."""
        if value is not True:
            raise ValueError("consent must be the JSON boolean true")
        return value


class TokenRequest(Strict):
    token: str = Field(min_length=10, max_length=TOKEN_MAX)


class Accepted(Model):
    status: Literal["accepted"] = "accepted"
    message: str = "If the address can receive mail, a confirmation link is on its way."


class StatusReply(Model):
    status: SubscriberStatus


class Problem(Model):
    """Every error: a message a person can act on, and for invalid input the fields at fault."""

    message: str
    errors: list[dict[str, Any]] | None = None


Frequency = Literal["weekly"]


class PreferencesUpdate(Strict):
    name: str | None = Field(default=None, max_length=NAME_MAX)
    sections: list[Section] | None = Field(default=None, max_length=len(Section), description="Empty list: all.")
    frequency: Frequency | None = Field(default=None, description="Only weekly is offered today.")
    timezone: str | None = Field(default=None, max_length=ZONE_MAX)

    _zone = field_validator("timezone")(known_zone)


class Preferences(Model):
    email: str
    name: str | None = None
    status: SubscriberStatus
    sections: list[Section]
    frequency: Frequency = "weekly"
    timezone: str | None = None


class SendLogRow(Model):
    model_config = ConfigDict(extra="allow")
    edition_id: str
    subscriber_id: str
    status: str


class SubscriberRecord(Model):
    id: str
    email: str
    name: str | None = None
    status: SubscriberStatus
    sections: list[Section] = Field(default_factory=list)
    timezone: str | None = None
    created: datetime
    updated: datetime
    soft_bounces: int = 0


class DataExport(Model):
    """Everything stored about one reader."""

    subscriber: SubscriberRecord
    consents: list[Consent]
    send_log: list[SendLogRow]


# ---------------------------------------------------------------- admin


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
