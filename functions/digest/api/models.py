"""Request and response bodies of the readers' API, typed once: they validate requests and make the OpenAPI document
(the editors' are in digest.api.editor_models)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, Literal
from zoneinfo import available_timezones

from pydantic import (
    ConfigDict,
    Field,
    field_validator,
)

from digest.models import Consent, Model, Section, SubscriberStatus

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
