"""Configuration, described once: every setting comes from the environment.

In Lambda the SAM template sets each variable; on a laptop the defaults make the
local demo work against an embedded moto server.  A stack-outputs file (``DIGEST_STACK_OUTPUTS``,
the JSON printed by ``sam list stack-outputs --output json`` or ``aws cloudformation
describe-stacks``) fills in resource names of a deployed stack for the CLI.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl

from pydantic import ConfigDict, Field, field_validator

from digest.models import Model

REPO_ROOT = Path(__file__).resolve().parents[2]

# Stack output key -> settings field.  The template's Outputs use these keys.
STACK_OUTPUT_FIELDS: dict[str, str] = {
    "ArticlesTableName": "articles_table",
    "SourcesTableName": "sources_table",
    "SubscribersTableName": "subscribers_table",
    "EditionsTableName": "editions_table",
    "SendLogTableName": "send_log_table",
    "IdempotencyTableName": "idempotency_table",
    "ArticlesBucketName": "articles_bucket",
    "ArchiveBucketName": "archive_bucket",
    "IngestQueueUrl": "ingest_queue_url",
    "SendQueueUrl": "send_queue_url",
    "SesConfigurationSetName": "ses_configuration_set",
    "ApiUrl": "api_base_url",
    "SendDispatchFunctionName": "send_dispatch_function",
}


# A plain ASCII address, as configuration gives them (readers' addresses go through email-validator)
PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]{1,64}@([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}")


class Settings(Model):
    """Everything the functions and the CLI read from the environment: each field from the variable of
    its name in any case (``SEND_HOUR`` sets ``send_hour``), keyword arguments first.

    A plain model reading ``os.environ``, not pydantic-settings: that package costs every function
    more at import than the whole of this model (docs/benchmarks.md, "Lambda budgets").
    """

    model_config = ConfigDict(extra="ignore")

    # Resources (fixed local names by default, so a bare moto server works after `digest stack create`).
    articles_table: str = "digest-articles"
    sources_table: str = "digest-sources"
    subscribers_table: str = "digest-subscribers"
    editions_table: str = "digest-editions"
    send_log_table: str = "digest-send-log"
    idempotency_table: str = "digest-idempotency"
    articles_bucket: str = "digest-articles"
    archive_bucket: str = "digest-archive"
    ingest_queue_url: str = ""
    send_queue_url: str = ""
    notices_queue_url: str = ""  # confirmation mails the public API queues for the notice worker
    ses_configuration_set: str = "digest-events"
    send_dispatch_function: str = ""  # the CLI starts a send on AWS through it (a stack output)

    # Newsroom
    newsletter_name: str = "The Friday Digest"
    sender_address: str = "digest@example.org"
    newsroom_timezone: str = "Europe/London"
    send_day: str = "FRI"
    send_hour: int = Field(default=7, ge=0, le=23)
    archive_base_url: str = "http://127.0.0.1:8000/archive"
    api_base_url: str = "http://127.0.0.1:3000"
    postal_address: str = "The Friday Digest, 1 Example Street, London"
    privacy_policy_url: str = "https://example.org/privacy"
    support_url: str = "https://example.org/support"
    # A mailbox SES receives for this stack (receipt rule -> InboundMailFunction): every mail's
    # List-Unsubscribe then offers mailto: beside the one-click https URL.  Empty: https only.
    unsubscribe_mailbox: str = ""
    # Query parameters added to every story and support link (Google Analytics' utm_*), rendered
    # once per edition variant: {edition} is the edition id, {section} the story's section.
    # Empty: links are left as the outlets published them.
    link_tracking: str = "utm_source=friday-digest&utm_medium=email&utm_campaign={edition}&utm_content={section}"

    # Branding: empty values keep the layout's defaults (render/edition.py Branding).
    brand_primary_colour: str = ""
    brand_logo_url: str = ""
    brand_language: str = ""

    # Sending: messages per second for the whole fleet; 0 = the SES account's MaxSendRate.
    send_rate: float = Field(default=0, ge=0)
    # How long a SendEmail may take before its outcome counts as unknown (the reader is then in
    # doubt, never mailed again automatically).
    ses_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    # Each reader at the send day and hour on their own clock (their time zone from the sign-up),
    # in waves: the dispatch runs every half hour around the send day.  Off: everyone at once.
    reader_local_time: bool = False
    # Editors' addresses (comma-separated): the weekly build mails them "draft ready" with the review
    # link, and the hourly approval check reminds them an hour before the send.  Empty: no mail.
    editor_addresses: str = ""
    # A draft still unapproved at send time: "skip" it (and alert) or "approve" it and send.
    unapproved_at_send: Literal["skip", "approve"] = "skip"

    # Ingest
    allow_private_fetch: bool = False
    user_agent_contact: str = "https://github.com/friday-digest/friday-digest"
    fetch_timeout_seconds: float = Field(default=10.0, gt=0)
    fetch_max_bytes: int = Field(default=5_000_000, gt=0)
    # Days an article (and its dedup aliases) is kept after it was last stored: DynamoDB's TTL.
    article_retention_days: int = Field(default=90, gt=0)

    # Secrets: in AWS both live in Secrets Manager (the *_arn settings); locally the plain defaults serve.
    token_secret: str = "local-demo-secret-change-me"
    token_secret_arn: str = ""
    admin_api_key: str = "local-admin-key"
    admin_api_key_secret_arn: str = ""

    layouts_dir: Path = REPO_ROOT / "layouts"

    def __init__(self, **values: Any) -> None:
        environ = {name.lower(): value for name, value in os.environ.items()}
        found = {name: environ[name] for name in type(self).model_fields if name in environ}
        super().__init__(**(found | values))

    @field_validator("send_day")
    @classmethod
    def _known_day(cls, value: str) -> str:
        day = value.strip().upper()[:3]
        if day not in {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"}:
            raise ValueError(f"send_day must be a weekday such as FRI, not {value!r}")
        return day

    @field_validator("link_tracking")
    @classmethod
    def _query_string(cls, value: str) -> str:
        value = value.strip()
        if value:
            try:
                if not all(key for key, _ in parse_qsl(value, strict_parsing=True)):
                    raise ValueError("a parameter without a name")
            except ValueError:
                raise ValueError(
                    f"link_tracking must be a query string such as utm_source=x&utm_medium=email, not {value!r}"
                ) from None
        return value

    @field_validator("unsubscribe_mailbox")
    @classmethod
    def _mailbox(cls, value: str) -> str:
        value = value.strip()
        if value and not PLAIN_ADDRESS.fullmatch(value):
            raise ValueError(
                f"unsubscribe_mailbox must be a plain address such as unsubscribe@news.example.org, not {value!r}"
            )
        return value

    @property
    def local(self) -> bool:
        """True when talking to a local AWS endpoint (moto) rather than AWS itself."""
        return bool(os.environ.get("AWS_ENDPOINT_URL"))

    @property
    def editors(self) -> list[str]:
        """The editors' addresses, lower-cased and each once; entries that are not a plain address are
        left out (a typo in the parameter must not stop the weekly build)."""
        found = (part.strip().lower() for part in self.editor_addresses.replace(";", ",").split(","))
        return list(dict.fromkeys(part for part in found if PLAIN_ADDRESS.fullmatch(part)))


def _stack_outputs(path: str) -> dict[str, Any]:
    """Read a stack-outputs file into settings fields."""
    data = json.loads(Path(path).read_text())
    if isinstance(data, dict) and "Stacks" in data:  # aws cloudformation describe-stacks
        data = data["Stacks"][0].get("Outputs", [])
    values: dict[str, Any] = {}
    for output in data:
        field = STACK_OUTPUT_FIELDS.get(output.get("OutputKey", ""))
        if field:
            values[field] = output["OutputValue"]
    return values


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (cached: the environment does not change under a Lambda)."""
    overrides: dict[str, Any] = {}
    outputs_file = os.environ.get("DIGEST_STACK_OUTPUTS")
    if outputs_file:
        overrides = {k: v for k, v in _stack_outputs(outputs_file).items() if k.upper() not in os.environ}
    return Settings(**overrides)
