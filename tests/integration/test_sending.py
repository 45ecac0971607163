"""Sending exactly once, against a real moto server: crashes, redelivery, throttling, poison messages."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from sending_helpers import approved_edition, mailed

from digest.handlers import send_worker
from digest.local.motoserver import LocalAws
from digest.local.pump import drain
from digest.local.run import send_all
from digest.mail.service import dispatch, send_batch
from digest.render.publish import email_variant
from digest.settings import get_settings
from digest.store.aws import client
from digest.store.editions import EditionStore
from digest.store.mailer import once_client
from digest.store.queues import queue_url, send_messages
from digest.store.sendlog import SendLog


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing on the way catches it."""


def test_crash_after_ses_accepted_then_redelivery_mails_nobody_twice(stack: LocalAws) -> None:
    readers = approved_edition("2026-W10", 6, "crash")
    ids = [r.id for r in readers]
    settings = get_settings()
    ses = once_client(get_settings().ses_timeout_seconds)
    calls = {"n": 0}

    def die_after_third(**_: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise Crash  # SES has accepted the third message; the worker dies before recording it

    ses.meta.events.register("after-call.sesv2.SendEmail", die_after_third)
    try:
        with pytest.raises(Crash):
            send_batch(settings, "2026-W10", ids)
    finally:
        ses.meta.events.unregister("after-call.sesv2.SendEmail", die_after_third)
    report = send_batch(settings, "2026-W10", ids)  # SQS delivers the same batch again
    assert report.sent == 3 and report.skipped == 3
    counts = mailed(stack.endpoint, "2026-W10")
    assert all(counts[r.email] == 1 for r in readers)  # the in-doubt third was mailed once, by the first run
    log = SendLog(settings.send_log_table)
    assert log.with_status("2026-W10", "claimed") == [ids[2]]  # reported as in doubt, not mailed again


def test_throttling_on_30_percent_of_calls_loses_nobody(stack: LocalAws) -> None:
    readers = approved_edition("2026-W11", 40, "throttle")
    settings = get_settings()
    ses = once_client(get_settings().ses_timeout_seconds)
    chance = random.Random(7)
    throttled = {"n": 0}

    def throttle(request: Any, **_: Any) -> AWSResponse | None:
        if chance.random() >= 0.3:
            return None
        throttled["n"] += 1
        body = b'{"message": "Maximum sending rate exceeded."}'

        class Raw:
            def stream(self, **_: Any) -> Any:
                yield body

        headers = {"x-amzn-ErrorType": "TooManyRequestsException", "Content-Type": "application/json"}
        return AWSResponse(request.url, 429, headers, Raw())

    ses.meta.events.register("before-send.sesv2.SendEmail", throttle)
    try:
        result = send_all(settings, "2026-W11")
    finally:
        ses.meta.events.unregister("before-send.sesv2.SendEmail", throttle)
    assert throttled["n"] > 5
    counts = mailed(stack.endpoint, "2026-W11")  # (readers of earlier tests here are confirmed too)
    assert all(counts[r.email] == 1 for r in readers) and set(counts.values()) == {1}
    assert not result["in_doubt"] and not result.get("failed")
    assert not any("-unsubscribed@" in e or "-suppressed@" in e or "-pending@" in e for e in counts)


def test_dispatch_twice_queues_nobody_twice_and_poison_goes_to_the_dlq(stack: LocalAws) -> None:
    readers = approved_edition("2026-W12", 12, "twice")
    settings = get_settings()
    first = dispatch(settings, "2026-W12").queued
    assert first >= len(readers)  # readers of earlier tests in this module are confirmed too
    assert dispatch(settings, "2026-W12").queued == 0
    url = queue_url(settings.send_queue_url, "send")
    send_messages(url, [{"edition_id": "2026-W12", "subscriber_ids": "not a list"}])
    report = drain(url, send_worker.handler, function_name="send")
    assert report.failed >= 1  # the poison message failed each time it was delivered
    dlq = client("sqs").get_queue_url(QueueName="digest-send-dlq")["QueueUrl"]
    dead = client("sqs").receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", [])
    assert [json.loads(m["Body"])["subscriber_ids"] for m in dead] == ["not a list"]
    counts = mailed(stack.endpoint, "2026-W12")
    assert all(counts[r.email] == 1 for r in readers) and set(counts.values()) == {1}


def test_kill_9_then_resume_mails_each_reader_once_or_lists_them(stack: LocalAws) -> None:
    readers = approved_edition("2026-W13", 150, "kill")
    env = {**os.environ, "AWS_ENDPOINT_URL": stack.endpoint}
    command = [sys.executable, "-m", "digest.cli", "edition", "send", "2026-W13"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and sum(mailed(stack.endpoint, "2026-W13").values()) < 20:
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    before = sum(mailed(stack.endpoint, "2026-W13").values())
    assert 0 < before < len(readers) + 60, "the send should have been cut off part way"
    resumed = subprocess.run([*command, "--resume"], env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    result = json.loads(resumed.stdout)
    counts = mailed(stack.endpoint, "2026-W13")
    in_doubt = {doubt["address"] for doubt in result["in_doubt"]}
    for reader in readers:
        assert counts[reader.email] == 1 or (reader.email in in_doubt and counts[reader.email] <= 1), reader.email
    assert max(counts.values()) == 1


def test_readers_not_reached_before_the_deadline_go_back_on_the_queue(
    stack: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker whose time runs short stops starting sends and queues the rest as a new message,
    so a slow fleet never burns the batch's receive count on its way to the dead-letter queue."""
    readers = approved_edition("2026-W14", 30, "deadline")
    ids = [r.id for r in readers]
    monkeypatch.setenv("SEND_RATE", "10")  # moments 0.11 s apart: about 10 fit in the second left
    get_settings.cache_clear()
    try:
        settings = get_settings()
        url = queue_url(settings.send_queue_url, "send")
        # the email rendered and kept beforehand, as an earlier batch of the send leaves it: a render in a
        # cold process (MJML, the layouts) can take the whole second on a loaded machine (it did, run first
        # on its worker under pytest -n 4 --reverse)
        edition = EditionStore(settings.editions_table, settings.archive_bucket).get("2026-W14")
        assert edition is not None
        email_variant(settings, edition, None)
        report = send_batch(settings, "2026-W14", ids, deadline=time.time() + 1.0)
        assert 3 <= report.sent <= 15 and report.sent + len(report.deferred) == len(ids)
        assert not report.retry and not report.in_doubt
        waiting = client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)["Messages"]
        again = {"edition_id": "2026-W14", "subscriber_ids": report.deferred}
        assert [json.loads(m["Body"]) for m in waiting] == [again]
        assert set(report.deferred) == set(ids) - set(SendLog(settings.send_log_table).with_status("2026-W14", "sent"))
        drain(url, send_worker.handler, function_name="SendWorkerFunction")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    counts = mailed(stack.endpoint, "2026-W14")
    assert {r.email: counts[r.email] for r in readers} == {r.email: 1 for r in readers}
