"""SES v2: handing raw MIME messages to SES.

Notices (a confirmation link, an editor's test send) go through the SDK's retries: a duplicate
notice is harmless.  An edition goes through ``send_once``, whose outcome is never a guess: the
SDK's retries are off, since a retry after a dropped connection or a read timeout re-sends a
message SES may already have accepted.  Every failure is sorted instead:
``NotSent`` when SES answered before accepting (throttling, quota, a refused message) or the
connection was never made, ``InDoubt`` when the request may have reached SES and no answer came.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
)

from digest.store.aws import client

THROTTLED = {"TooManyRequestsException", "Throttling", "ThrottlingException"}
# SES said no for now (quota, paused sending, a service that did not take the call): try later
LATER = {"LimitExceededException", "SendingPausedException", "ServiceUnavailable", "ServiceUnavailableException"}


class NotSent(Exception):
    """SES did not accept the message: it is safe to send it again."""

    def __init__(self, code: str, message: str, *, throttled: bool = False, later: bool = False) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.throttled = throttled
        self.later = later  # worth retrying later; else the message itself was refused


class InDoubt(Exception):
    """The request may have reached SES but no answer came: SES may or may not have accepted it."""


def _send(ses: Any, sender: str, recipient: str, raw: bytes, configuration_set: str, tags: dict[str, str]) -> str:
    reply = ses.send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": [recipient]},
        Content={"Raw": {"Data": raw}},
        ConfigurationSetName=configuration_set,
        EmailTags=[{"Name": k, "Value": v} for k, v in tags.items()],
    )
    return str(reply["MessageId"])


def send_raw(sender: str, recipient: str, raw: bytes, *, configuration_set: str, tags: dict[str, str]) -> str:
    """Hand one notice to SES (the SDK retries passing errors); returns its MessageId."""
    return _send(client("sesv2"), sender, recipient, raw, configuration_set, tags)


def once_client(timeout: float) -> Any:
    """The SES client editions go through: no SDK retries, a read timeout of ``timeout`` seconds."""
    return client("sesv2", read_timeout=timeout, retries=False)


def send_once(
    sender: str, recipient: str, raw: bytes, *, configuration_set: str, tags: dict[str, str], timeout: float
) -> str:
    """Hand one message to SES once; returns its MessageId, else raises NotSent or InDoubt."""
    try:
        return _send(once_client(timeout), sender, recipient, raw, configuration_set, tags)
    except ClientError as error:
        raise _refusal(error) from error
    except (ConnectTimeoutError, EndpointConnectionError) as error:  # no connection: nothing was sent
        raise NotSent(type(error).__name__, str(error), later=True) from error
    except BotoCoreError as error:  # dropped, reset, read timeout: the request may have arrived
        raise InDoubt(f"{type(error).__name__}: {error}") from error


def _refusal(error: ClientError) -> Exception:
    """An SES error reply: a 4xx (and a 503) comes before acceptance; another 5xx may come after."""
    code = str(error.response.get("Error", {}).get("Code", "Unknown"))
    message = str(error.response.get("Error", {}).get("Message", ""))[:300]
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    if code in THROTTLED or status == 429:
        return NotSent(code, message, throttled=True)
    if code in LATER or status == 503:
        return NotSent(code, message, later=True)
    if status >= 500:
        return InDoubt(f"{code} (HTTP {status}): {message}")
    return NotSent(code, message)
