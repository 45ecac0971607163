"""The bodies of the pipeline's own queue messages and scheduled events."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from digest.models import Model


class _Message(Model):
    model_config = ConfigDict(extra="forbid", str_max_length=200)


class IngestMessage(_Message):
    source_id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")


class SendMessage(_Message):
    edition_id: str = Field(pattern=r"^[0-9]{4}-W[0-9]{2}$")
    subscriber_ids: list[str] = Field(min_length=1, max_length=100)


class NoticeMessage(_Message):
    """A sign-up to be mailed its confirmation link, queued the same way whatever the address's state:
    the worker mails it only if the reader still holds this sign-up (``nonce``) aside."""

    notice: Literal["confirm"]
    reader_id: str = Field(pattern=r"^[0-9a-f]{24}$")
    nonce: str = Field(pattern=r"^[0-9a-f]{16}$")
    base_url: str = Field(max_length=200, pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")


class BuildEvent(_Message):
    week: str | None = Field(default=None, pattern=r"^[0-9]{4}-W[0-9]{2}$")


class DispatchEvent(_Message):
    """The schedules send ``{}`` (this week's edition), ``{"waves": true}`` (a local-time wave) or
    ``{"approval_check": true}`` (hourly around the send day: alert an hour before the send if the
    edition is still a draft); `digest edition send` names the edition and may ask to resume or to
    resend the failures."""

    edition_id: str | None = Field(default=None, pattern=r"^[0-9]{4}-W[0-9]{2}$")
    waves: bool = False
    approval_check: bool = False
    manual: bool = False  # from `digest edition send`: as the CLI does locally, no unapproved-at-send policy
    resume: bool = False
    failed_only: bool = False
