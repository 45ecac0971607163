"""Mail as SES's receipt rule hands it to InboundMailFunction, for the demo and the tests.

The event is events/inbound_unsubscribe.json (what `sam local invoke` gets) with the mail's
sender, subject and SES verdicts filled in.
"""

from __future__ import annotations

import json
from email import message_from_string, policy
from typing import Any
from urllib.parse import parse_qs, urlsplit

from digest.settings import REPO_ROOT

SAMPLE = REPO_ROOT / "events" / "inbound_unsubscribe.json"


def receipt_event(subject: str, sender: str = "Jane Reader <reader@example.com>", **verdicts: str) -> dict[str, Any]:
    """An SES receipt event for one mail; ``verdicts`` such as ``spf="FAIL"`` override SES's PASSes."""
    event: dict[str, Any] = json.loads(SAMPLE.read_text())
    ses = event["Records"][0]["ses"]
    ses["mail"]["commonHeaders"]["subject"] = subject
    ses["mail"]["commonHeaders"]["from"] = [sender]
    for name, status in verdicts.items():
        ses["receipt"][f"{name}Verdict"] = {"status": status}
    return event


def mailto_reply(raw_message: str) -> tuple[str, str] | None:
    """(mailbox, subject) a mail client writes when its reader uses the message's List-Unsubscribe
    mailto, or None when the message offers none."""
    header = str(message_from_string(raw_message, policy=policy.default).get("List-Unsubscribe", ""))
    for part in header.split(","):
        target = urlsplit(part.strip(" \t\r\n<>"))
        if target.scheme == "mailto":
            return target.path, parse_qs(target.query).get("subject", [""])[0]
    return None
