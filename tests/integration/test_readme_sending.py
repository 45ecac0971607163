"""Sending claims of the README that no other test pinned down (issue 18), on moto:

- "A Send, Delivery, Bounce, Complaint, Open or Click event carries our message tags (edition and
  reader), and it marks the reader *sent*. A Reject event marks them *failed*." — each event type,
  through the real SES-events handler (test_send_faults.py covers Delivery end to end);
- "A reader throttled 8 times in a row ... is left for the batch's next delivery."
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sending_helpers import approved_edition, mailed

from digest.local.context import LocalContext
from digest.local.faults import FaultProxy
from digest.local.motoserver import LocalAws
from digest.mail.service import TransientSendError, send_batch
from digest.settings import REPO_ROOT, get_settings
from digest.store.aws import reset_clients
from digest.store.sendlog import SendLog

SAMPLE = json.loads((REPO_ROOT / "events" / "ses_events_delivery.json").read_text())
# the event types the README names and the status each leaves a reader in doubt in
OUTCOMES = [("Send", "sent"), ("Delivery", "sent"), ("Bounce", "sent"), ("Complaint", "sent"), ("Open", "sent"),
            ("Click", "sent"), ("DeliveryDelay", "sent"), ("Reject", "failed"),
            ("Rendering Failure", "in_doubt")]  # fmt: skip


def ses_event(kind: str, edition_id: str, subscriber_id: str, address: str) -> dict[str, Any]:
    event = copy.deepcopy(SAMPLE)
    event["id"] = f"{kind}-{subscriber_id}"  # the handler counts each event id once
    detail = event["detail"]
    detail["eventType"] = kind
    detail.pop("delivery")
    detail.update({"bounce": {"bounceType": "Transient"}, "complaint": {}, "click": {"link": "https://example.org/"}})
    detail["mail"]["destination"] = [address]
    detail["mail"]["messageId"] = f"message-of-{subscriber_id}"
    detail["mail"]["tags"] = {"edition_id": [edition_id], "subscriber_id": [subscriber_id]}
    return event


@pytest.mark.parametrize(("number", "kind", "status"), [(n, k, s) for n, (k, s) in enumerate(OUTCOMES)],
                         ids=[k for k, _ in OUTCOMES])  # fmt: skip
def test_ses_events_settle_a_reader_in_doubt(stack: LocalAws, number: int, kind: str, status: str) -> None:
    from digest.handlers import ses_events

    edition_id = f"2026-W{30 + number}"
    (reader,) = approved_edition(edition_id, 1, f"event-{number}-")
    log = SendLog(get_settings().send_log_table)
    assert log.claim(edition_id, reader.id)
    log.mark_in_doubt(edition_id, reader.id, "the connection dropped after the request left")
    ses_events.handler(ses_event(kind, edition_id, reader.id, reader.email), LocalContext("SesEventsFunction"))
    (row,) = log.rows(edition_id)
    assert row["status"] == status
    if status == "sent":
        assert (row["message_id"], row["settled_by"]) == (f"message-of-{reader.id}", "ses-event")


def test_a_reader_throttled_8_times_in_a_row_is_left_for_the_batchs_next_delivery(
    stack: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    (reader,) = approved_edition("2026-W40", 1, "throttled-")
    with FaultProxy(stack.endpoint, seed=3) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.endpoint)
        get_settings.cache_clear()
        reset_clients()
        proxy.configure(ses_throttle=1.0)  # SES throttles every call
        with pytest.raises(TransientSendError) as raised:
            send_batch(get_settings(), "2026-W40", [reader.id])
        assert raised.value.report.retry == [reader.id] and raised.value.report.sent == 0
        assert proxy.counts().get("throttled") == 8
        (row,) = SendLog(get_settings().send_log_table).rows("2026-W40")
        assert (row["status"], row["reason"]) == ("failed", "throttled by SES 8 times in a row")
        proxy.configure(ses_throttle=0.0)  # the batch comes back (SQS redelivers it): the reader is mailed once
        assert send_batch(get_settings(), "2026-W40", [reader.id]).sent == 1
    assert mailed(stack.endpoint, "2026-W40") == {reader.email: 1}
