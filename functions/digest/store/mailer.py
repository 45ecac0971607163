"""SES v2: sending raw MIME messages through the configuration set."""

from __future__ import annotations

from digest.store.aws import client


def send_raw(sender: str, recipient: str, raw: bytes, *, configuration_set: str, tags: dict[str, str]) -> str:
    """Hand one message to SES; returns its MessageId."""
    reply = client("sesv2").send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": [recipient]},
        Content={"Raw": {"Data": raw}},
        ConfigurationSetName=configuration_set,
        EmailTags=[{"Name": k, "Value": v} for k, v in tags.items()],
    )
    return reply["MessageId"]
