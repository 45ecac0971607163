"""Sending claims of the README that no other test pinned down (issue 18), on moto:

- "A Send, Delivery, Bounce, Complaint, Open or Click event carries our message tags (edition and
  reader), and it marks the reader *sent*. A Reject event marks them *failed*." — each event type,
  through the real SES-events handler (test_send_faults.py covers Delivery end to end);
- "A reader throttled 8 times in a row ... is left for the batch's next delivery."
"""

from __future__ import annotations

import copy
import json
import os
import sys
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from sending_helpers import approved_edition, mailed

from digest.local.context import LocalContext
from digest.local.faults import FaultProxy
from digest.local.motoserver import LocalAws
from digest.mail.service import SendError, TransientSendError, send_batch, settle_by_hand
from digest.settings import REPO_ROOT, get_settings
from digest.store.aws import reset_clients
from digest.store.mailer import once_client
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


def test_a_reader_throttled_8_times_in_a_row_is_left_for_the_batchs_next_delivery(stack: LocalAws) -> None:
    (reader,) = approved_edition("2026-W40", 1, "throttled-")
    with FaultProxy(stack.endpoint, seed=3) as proxy:
        # set directly: the conftest's autouse fixture puts it back and forgets the cached clients
        os.environ["AWS_ENDPOINT_URL"] = proxy.endpoint
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


def ses_answers(status: int, code: str, message: str) -> Any:
    """A before-send hook on the edition mail's SES client: SES answers every send this way."""

    def answer(request: Any, **_: Any) -> AWSResponse:
        body = json.dumps({"message": message}).encode()

        class Raw:
            def stream(self, **_: Any) -> Any:
                yield body

        return AWSResponse(request.url, status, {"x-amzn-ErrorType": code, "Content-Type": "application/json"}, Raw())

    return answer


# README, "How each case is handled": what each SES answer leaves in the send log
ANSWERS = [
    (400, "MessageRejected", "Email address is not verified.", "failed"),  # refused: failed, with SES's reason
    # "not now", by its status whatever its code: failed-for-now, mailed by the batch's next delivery
    (503, "UnknownError", "Try again.", "failed"),
    (500, "InternalFailure", "Something went wrong.", "in_doubt"),  # a 5xx other than 503: in doubt
]


@pytest.mark.parametrize(("status", "code", "message", "logged"), ANSWERS, ids=[a[1] for a in ANSWERS])
def test_each_ses_answer_is_handled_as_the_readme_says(
    stack: LocalAws, status: int, code: str, message: str, logged: str
) -> None:
    week = {400: "2026-W41", 503: "2026-W42", 500: "2026-W43"}[status]
    (reader,) = approved_edition(week, 1, f"answer-{status}-")
    settings = get_settings()
    ses = once_client(settings.ses_timeout_seconds)
    hook = ses_answers(status, code, message)
    ses.meta.events.register("before-send.sesv2.SendEmail", hook)
    try:
        try:
            report = send_batch(settings, week, [reader.id])
        except TransientSendError as later:
            report = later.report
    finally:
        ses.meta.events.unregister("before-send.sesv2.SendEmail", hook)
    (row,) = SendLog(settings.send_log_table).rows(week)
    assert row["status"] == logged
    if status == 400:
        assert report.failed == 1 and report.retry == [] and row["reason"] == f"{code}: {message}"
    elif status == 503:
        assert report.retry == [reader.id]  # the batch comes back; our code, not the SDK, sends again
        assert send_batch(settings, week, [reader.id]).sent == 1
    else:
        assert [d["address"] for d in report.in_doubt] == [reader.email]
        assert row["reason"] == f"{code} (HTTP 500): {message}"
        assert send_batch(settings, week, [reader.id]).sent == 0  # not mailed again until settled
    assert mailed(stack.endpoint, week) == ({reader.email: 1} if status == 503 else {})


def test_a_settlement_naming_a_reader_not_in_doubt_changes_nothing(stack: LocalAws) -> None:
    """README: "Every address must be in doubt, or nothing changes"."""
    doubtful, sent = approved_edition("2026-W44", 2, "settle-")
    settings = get_settings()
    log = SendLog(settings.send_log_table)
    for reader in (doubtful, sent):
        assert log.claim("2026-W44", reader.id)
    log.mark_in_doubt("2026-W44", doubtful.id, "the reply never came")
    log.mark_sent("2026-W44", sent.id, "message-1")
    with pytest.raises(SendError, match=r"^'settle-1@example.com' is not in doubt for edition 2026-W44$"):
        settle_by_hand(settings, "2026-W44", sent=[doubtful.email, sent.email])
    assert {r["subscriber_id"]: r["status"] for r in log.rows("2026-W44")} == {doubtful.id: "in_doubt",
                                                                              sent.id: "sent"}  # fmt: skip
    assert settle_by_hand(settings, "2026-W44", sent=[doubtful.email])["settled"] == {"sent": 1, "unsent": 0}


def test_the_send_worker_logs_each_reader_in_doubt_by_address_and_counts_them(
    stack: LocalAws, capfd: pytest.CaptureFixture[str]
) -> None:
    """README: "The send workers log each reader in doubt by address as it happens, and count them in
    the MessagesInDoubt metric" — the real handler, its metrics printed as Lambda would (EMF)."""
    from digest.handlers import send_worker
    from digest.observability import logger

    (reader,) = approved_edition("2026-W46", 1, "metric-")
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "false"  # put back by the conftest's autouse fixture
    event = json.loads((REPO_ROOT / "events" / "send_worker.json").read_text())
    event["Records"][0]["body"] = json.dumps({"edition_id": "2026-W46", "subscriber_ids": [reader.id]})
    ses = once_client(get_settings().ses_timeout_seconds)
    hook = ses_answers(500, "InternalFailure", "Something went wrong.")
    ses.meta.events.register("before-send.sesv2.SendEmail", hook)
    # the log handler keeps the standard error it was made with (another test's capture, maybe)
    stream = logger.registered_handler.setStream(sys.stderr)  # type: ignore[attr-defined]
    capfd.readouterr()
    try:
        assert send_worker.handler(event, LocalContext("SendWorkerFunction")) == {"batchItemFailures": []}
    finally:
        ses.meta.events.unregister("before-send.sesv2.SendEmail", hook)
        logger.registered_handler.setStream(stream)  # type: ignore[attr-defined]
    out, err = capfd.readouterr()
    blobs = [json.loads(line) for line in (out + err).splitlines() if line.startswith("{")]
    metrics = [b for b in blobs if "_aws" in b]
    assert [(m["MessagesInDoubt"], m["MessagesSent"]) for m in metrics] == [([1.0], [0.0])]
    warnings = [b for b in blobs if str(b.get("message", "")).startswith("reader in doubt")]
    assert [(w["address"], w["subscriber_id"]) for w in warnings] == [(reader.email, reader.id)]
