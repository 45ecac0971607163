"""Local-time delivery in waves, and `digest edition send` against AWS.

For the AWS path, Lambda's Invoke API is served by digest.local.lambda_api (the real handler, in this
process, like `sam local start-lambda`; moto's Lambda needs Docker to run code); every other call goes
to moto through per-service endpoints, with no AWS_ENDPOINT_URL, so the CLI takes its AWS path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from sending_helpers import approved_edition, mailed

from digest.handlers import send_dispatch, send_worker
from digest.local.context import LocalContext
from digest.local.lambda_api import LocalLambda
from digest.local.motoserver import LocalAws
from digest.local.pump import drain
from digest.mail.service import dispatch, wave_dispatch
from digest.models import EditionStatus, Subscriber, SubscriberStatus
from digest.readers import subscriber_id
from digest.settings import get_settings
from digest.store.editions import EditionStore
from digest.store.queues import queue_url
from digest.store.subscribers import SubscriberStore
from digest.stories.service import build_edition, set_status
from digest.stories.window import local_send_time

ZONES = {"kiritimati": "Pacific/Kiritimati", "london": "Europe/London", "none": None, "bogus": "Not/AZone",
         "la": "America/Los_Angeles"}  # fmt: skip


def test_local_time_waves_mail_each_reader_at_their_own_hour_once(stack: LocalAws) -> None:
    week = "2026-W49"  # winter: London on GMT
    approved_edition(week, 0, "wave-unused")
    settings = get_settings().model_copy(update={"reader_local_time": True})
    store = SubscriberStore(settings.subscribers_table)
    for name, zone in ZONES.items():
        address = f"wave-{name}@example.com"
        store.put(Subscriber(id=subscriber_id(address), email=address, status=SubscriberStatus.confirmed,
                             timezone=zone))  # fmt: skip
    edition = EditionStore(settings.editions_table, settings.archive_bucket).get(week)
    assert edition is not None
    send = edition.window_end  # Friday 07:00 in London
    due = {n: local_send_time(send, newsroom_timezone=settings.newsroom_timezone, reader_timezone=z)
           for n, z in ZONES.items()}  # fmt: skip
    assert due["kiritimati"] == send - timedelta(hours=14) and due["la"] == send + timedelta(hours=8)
    assert due["none"] == due["bogus"] == due["london"] == send

    url = queue_url(settings.send_queue_url, "send")
    # (other readers of this module have no time zone: they are due with London)
    waves = [(due["kiritimati"] - timedelta(minutes=30), set()), (due["kiritimati"], {"kiritimati"}),
             (send, set(ZONES) - {"la"}), (send + timedelta(hours=1), set(ZONES) - {"la"}),
             (due["la"] + timedelta(minutes=5), set(ZONES))]  # fmt: skip
    for now, expected in waves:
        edition_id, (_, waiting) = wave_dispatch(settings, now)
        assert edition_id == week
        drain(url, send_worker.handler, function_name="SendWorkerFunction")
        got = {n for n in ZONES if mailed(stack.endpoint, week)[f"wave-{n}@example.com"]}
        assert got == expected, now
        assert (waiting == 0) == (expected == set(ZONES)), (now, waiting)
    counts = mailed(stack.endpoint, week)  # with the readers other tests of this module left confirmed
    assert {a for a in counts if a.startswith("wave-")} == {f"wave-{n}@example.com" for n in ZONES}
    assert set(counts.values()) == {1}
    assert dispatch(settings, week, now=due["la"] + timedelta(days=1)).queued == 0  # a late re-run: nobody twice
    # waves stay quiet outside the send days, and when the feature is off
    assert wave_dispatch(settings, send + timedelta(days=3)) == (None, (0, 0))
    assert wave_dispatch(get_settings(), send)[1] == (0, 0)
    reply = send_dispatch.handler({"waves": True}, LocalContext("SendDispatchFunction"))
    assert reply["queued"] == 0  # READER_LOCAL_TIME is off here


def test_waves_wait_for_approval(stack: LocalAws) -> None:
    settings = get_settings().model_copy(update={"reader_local_time": True})
    draft = build_edition(settings, "2026-W50")
    assert draft.status in {EditionStatus.draft, EditionStatus.skipped}
    assert wave_dispatch(settings, draft.window_end)[1] == (0, 0)


@pytest.fixture()
def aws_like_env(stack: LocalAws) -> dict[str, str]:
    """The CLI's environment against "AWS": no AWS_ENDPOINT_URL, each service's endpoint set."""
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    for service in ("DYNAMODB", "SQS", "S3", "SES", "SESV2", "SECRETSMANAGER"):
        env[f"AWS_ENDPOINT_URL_{service}"] = stack.endpoint
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="eu-west-1",
               SEND_QUEUE_URL=queue_url(get_settings().send_queue_url, "send"))  # fmt: skip
    return env


def test_send_against_aws_runs_the_deployed_dispatch_and_follows_the_workers(
    stack: LocalAws, aws_like_env: dict[str, str]
) -> None:
    week = "2026-W51"
    readers = approved_edition(week, 30, "remote")
    url = queue_url(get_settings().send_queue_url, "send")
    done = threading.Event()

    def event_source_mapping() -> None:  # what Lambda's SQS trigger does on AWS
        while not done.wait(0.2):
            drain(url, send_worker.handler, function_name="SendWorkerFunction")

    workers = threading.Thread(target=event_source_mapping, daemon=True)
    with LocalLambda() as lambda_api:
        workers.start()
        env = {
            **aws_like_env,
            "AWS_ENDPOINT_URL_LAMBDA": lambda_api.url,
            "SEND_DISPATCH_FUNCTION": "SendDispatchFunction",
        }
        try:
            result = subprocess.run([sys.executable, "-m", "digest.cli", "edition", "send", week, "--poll", "0.3"],
                                    env=env, capture_output=True, text=True, timeout=240)  # fmt: skip
        finally:
            done.set()
            workers.join(timeout=30)
        assert [name for name, _ in lambda_api.invocations] == ["SendDispatchFunction"]
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    # (readers of earlier tests in this module are confirmed too)
    assert report["queued"] >= len(readers) and report["sent"] == report["queued"] and report["in_doubt"] == []
    assert f"{week}: sent" in result.stderr  # progress lines while following
    counts = mailed(stack.endpoint, week)
    assert all(counts[r.email] == 1 for r in readers) and set(counts.values()) == {1}
    edition = EditionStore(get_settings().editions_table, get_settings().archive_bucket).get(week)
    assert edition is not None and edition.status is EditionStatus.sent


@pytest.mark.parametrize(
    ("function", "message"),
    [("", "no SendDispatchFunctionName"), ("NoSuchFunction", "Function not found")],
)
def test_send_against_aws_says_what_is_missing(
    stack: LocalAws, aws_like_env: dict[str, str], function: str, message: str
) -> None:
    with LocalLambda() as lambda_api:
        env = {**aws_like_env, "AWS_ENDPOINT_URL_LAMBDA": lambda_api.url, "SEND_DISPATCH_FUNCTION": function}
        result = subprocess.run([sys.executable, "-m", "digest.cli", "edition", "send", "2026-W51", "--no-follow"],
                                env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode != 0 and message in result.stderr and "Traceback" not in result.stderr


def test_a_failing_dispatch_is_reported_not_followed(stack: LocalAws, aws_like_env: dict[str, str]) -> None:
    with LocalLambda() as lambda_api:
        env = {
            **aws_like_env,
            "AWS_ENDPOINT_URL_LAMBDA": lambda_api.url,
            "SEND_DISPATCH_FUNCTION": "SendDispatchFunction",
        }
        result = subprocess.run([sys.executable, "-m", "digest.cli", "edition", "send", "2026-W01"],
                                env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert (
        result.returncode != 0
        and "SendDispatchFunction failed" in result.stderr
        and "no edition 2026-W01" in result.stderr
    )


def test_an_unapproved_edition_raises_the_alarm_an_hour_before_the_send(stack: LocalAws) -> None:
    from digest.mail.service import approval_reminder
    from digest.stories.window import send_time

    settings = get_settings()
    week = "2026-W46"
    due = send_time(week, timezone=settings.newsroom_timezone, send_day=settings.send_day, send_hour=settings.send_hour)
    assert "has not been built" in (approval_reminder(settings, due - timedelta(hours=1)) or "")
    draft = build_edition(settings, week)
    draft.status = EditionStatus.draft  # an empty week would be skipped: make it an unapproved draft
    EditionStore(settings.editions_table, settings.archive_bucket).save(draft)
    for before, alerts in [(timedelta(hours=2), False), (timedelta(hours=1), True), (timedelta(minutes=1), True),
                           (timedelta(0), False), (-timedelta(hours=1), False)]:  # fmt: skip
        reminder = approval_reminder(settings, due - before)
        assert (reminder is not None) == alerts, before
        if reminder:
            assert "still a draft" in reminder and "skipped" in reminder
    set_status(settings, week, EditionStatus.approved, who="test")
    assert approval_reminder(settings, due - timedelta(minutes=30)) is None
    reply = send_dispatch.handler({"approval_check": True}, LocalContext("SendDispatchFunction"))
    assert "approval_check" in reply  # the scheduled event's shape is accepted


def test_readers_who_leave_after_dispatch_are_skipped_and_the_send_still_finishes(stack: LocalAws) -> None:
    from digest.local.run import send_all
    from digest.store.aws import table
    from digest.store.sendlog import SendLog

    week = "2026-W44"
    readers = approved_edition(week, 6, "leaver")
    settings = get_settings()
    assert dispatch(settings, week).queued >= 6
    store = SubscriberStore(settings.subscribers_table)
    store.put(readers[0].model_copy(update={"status": SubscriberStatus.unsubscribed}))
    store.put(readers[1].model_copy(update={"status": SubscriberStatus.suppressed}))
    table(settings.subscribers_table).delete_item(Key={"id": readers[2].id})  # gone altogether
    result = send_all(settings, week)
    log = SendLog(settings.send_log_table)
    assert result["pending"] == 0 and result["in_doubt"] == [] and result["skipped"] >= 2
    assert set(log.with_status(week, "skipped")) >= {readers[0].id, readers[1].id, readers[2].id}
    assert EditionStore(settings.editions_table, settings.archive_bucket).get(week).status is EditionStatus.sent  # type: ignore[union-attr]
    counts = mailed(stack.endpoint, week)
    assert not {readers[0].email, readers[1].email, readers[2].email} & set(counts)
    assert all(counts[r.email] == 1 for r in readers[3:])
    assert send_all(settings, week, resume=True)["queued"] == 0  # --resume does not bring them back


def test_a_draft_sent_from_the_cli_against_aws_is_refused_as_locally(
    stack: LocalAws, aws_like_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "unapproved_at_send", "approve")  # the deployed functions' policy
    draft = build_edition(settings, "2026-W43")
    draft.status = EditionStatus.draft
    EditionStore(settings.editions_table, settings.archive_bucket).save(draft)
    with LocalLambda() as lambda_api:
        env = {
            **aws_like_env,
            "AWS_ENDPOINT_URL_LAMBDA": lambda_api.url,
            "SEND_DISPATCH_FUNCTION": "SendDispatchFunction",
        }
        result = subprocess.run([sys.executable, "-m", "digest.cli", "edition", "send", "2026-W43", "--no-follow"],
                                env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode != 0 and "approve it before sending" in result.stderr
    stored = EditionStore(settings.editions_table, settings.archive_bucket).get("2026-W43")
    assert stored is not None and stored.status is EditionStatus.draft  # never auto-approved by a manual send
