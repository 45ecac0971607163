"""Exactly once when the network lies: the real `digest` CLI, through a fault proxy in front of moto.

Every scenario drives `digest edition send` (and `settle`, `resend-failed`, `stats`) as a user
would, in a subprocess whose AWS endpoint is the proxy, and compares the outcome with the ground
truth read from moto directly: the messages SES accepted per recipient, and the send log.
"""

from __future__ import annotations

import copy
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sending_helpers import approved_edition, mailed

from digest.local.faults import FaultProxy
from digest.local.motoserver import LocalAws, received_messages, reset
from digest.local.stack import create_stack
from digest.models import Subscriber, SubscriberStatus
from digest.settings import REPO_ROOT, get_settings
from digest.store.aws import table
from digest.store.sendlog import SendLog
from digest.store.subscribers import SubscriberStore

READERS = 80


@pytest.fixture
def proxy(stack: LocalAws) -> Iterator[FaultProxy]:
    """A fresh account for each scenario, and a fault proxy in front of it (no faults yet)."""
    reset(stack.endpoint)
    create_stack(get_settings())
    with FaultProxy(stack.endpoint, seed=12) as faults:
        yield faults


def digest(*args: str) -> list[str]:
    return [sys.executable, "-m", "digest.cli", *args]


def environment(proxy: FaultProxy, **extra: str) -> dict[str, str]:
    return {**os.environ, "AWS_ENDPOINT_URL": proxy.endpoint, **extra}


def run(proxy: FaultProxy, *args: str, timeout: float = 300, **extra: str) -> dict[str, Any]:
    done = subprocess.run(digest(*args), env=environment(proxy, **extra), capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def check(stack: LocalAws, edition_id: str, readers: list[Subscriber], result: dict[str, Any]) -> Counter[str]:
    """The promise, against ground truth: nobody mailed twice; every reader either mailed once and
    logged sent, or reported failed / in doubt by address; nobody logged sent without a mail."""
    counts = mailed(stack.endpoint, edition_id)
    assert max(counts.values(), default=0) <= 1, [a for a, n in counts.items() if n > 1]
    rows = {str(r["subscriber_id"]): r for r in SendLog(get_settings().send_log_table).rows(edition_id)}
    in_doubt = {d["address"] for d in result["in_doubt"]}
    for reader in readers:
        status = rows[reader.id]["status"]
        if status == "sent":
            assert counts[reader.email] == 1, f"{reader.email} logged sent without a mail"
        elif status in {"in_doubt", "claimed"}:
            assert reader.email in in_doubt, f"{reader.email} is in doubt but not reported by address"
        elif status == "failed":
            assert counts[reader.email] == 0, f"{reader.email} logged failed though SES accepted it"
        else:
            assert status == "skipped" and counts[reader.email] == 0, (reader.email, status)
    sent = sum(1 for r in rows.values() if r["status"] == "sent")
    assert result["sent"] == sent
    assert len(result["in_doubt"]) == sum(1 for r in rows.values() if r["status"] in {"in_doubt", "claimed"})
    return counts


def settle_by_ground_truth(proxy: FaultProxy, stack: LocalAws, edition_id: str, result: dict[str, Any]) -> None:
    """What an operator does with SES's sending history in hand: mailed -> sent, else unsent."""
    counts = mailed(stack.endpoint, edition_id)
    sent = [d["address"] for d in result["in_doubt"] if counts[d["address"]]]
    unsent = [d["address"] for d in result["in_doubt"] if not counts[d["address"]]]
    args = [*(["--sent", *sent] if sent else []), *(["--unsent", *unsent] if unsent else [])]
    if args:
        settled = run(proxy, "edition", "settle", edition_id, *args)
        assert settled["settled"] == {"sent": len(sent), "unsent": len(unsent)}
        assert settled["in_doubt"] == []
    if unsent:
        run(proxy, "edition", "resend-failed", edition_id)


def everyone_once(proxy: FaultProxy, stack: LocalAws, edition_id: str, readers: list[Subscriber]) -> None:
    """The end state: each reader mailed exactly once, the edition sent, counters equal to the log."""
    counts = mailed(stack.endpoint, edition_id)
    assert {r.email: counts[r.email] for r in readers} == {r.email: 1 for r in readers}
    assert sum(counts.values()) == len(readers)  # nobody else (unsubscribed, suppressed, pending) was mailed
    stats = run(proxy, "edition", "stats", edition_id, "--json")
    assert stats["status"] == "sent"
    assert stats["readers"] == {"sent": len(readers), "failed": 0, "skipped": 0, "pending": 0, "in_doubt": 0}
    assert stats["in_doubt"] == []


def test_connections_dropped_after_ses_accepted_are_in_doubt_never_resent(proxy: FaultProxy, stack: LocalAws) -> None:
    readers = approved_edition("2026-W20", READERS, "drop")
    proxy.configure(ses_drop_after=0.1)
    result = run(proxy, "edition", "send", "2026-W20")
    dropped = proxy.counts().get("dropped", 0)
    assert dropped >= 3
    check(stack, "2026-W20", readers, result)
    assert len(result["in_doubt"]) == dropped  # each dropped call is one reader in doubt, by address
    assert result["sent"] == READERS - dropped
    # not final while readers are in doubt
    assert run(proxy, "edition", "stats", "2026-W20", "--json")["status"] == "sending"
    proxy.configure(ses_drop_after=0)
    settle_by_ground_truth(proxy, stack, "2026-W20", result)
    everyone_once(proxy, stack, "2026-W20", readers)


def test_replies_held_past_the_read_timeout_are_in_doubt_never_resent(proxy: FaultProxy, stack: LocalAws) -> None:
    readers = approved_edition("2026-W21", 40, "slow")
    proxy.configure(ses_delay_after=0.1, ses_delay_seconds=4)
    result = run(proxy, "edition", "send", "2026-W21", SES_TIMEOUT_SECONDS="2")
    delayed = proxy.counts().get("delayed", 0)
    assert delayed >= 1
    check(stack, "2026-W21", readers, result)
    # each held reply is a reader in doubt (a loaded machine may hold one more past 2 s on its own)
    assert len(result["in_doubt"]) >= delayed
    assert all("ReadTimeout" in d["reason"] for d in result["in_doubt"])
    proxy.configure(ses_delay_after=0)
    settled = run(proxy, "edition", "settle", "2026-W21", "--all", "sent")
    assert settled["settled"] == {"sent": len(result["in_doubt"]), "unsent": 0} and settled["status"] == "sent"
    everyone_once(proxy, stack, "2026-W21", readers)


def test_throttled_ses_slows_the_fleet_and_mails_everyone_once(proxy: FaultProxy, stack: LocalAws) -> None:
    readers = approved_edition("2026-W22", READERS, "throttle")
    proxy.configure(ses_throttle=0.3)
    result = run(proxy, "edition", "send", "2026-W22")
    assert proxy.counts().get("throttled", 0) >= 10
    check(stack, "2026-W22", readers, result)
    assert result["in_doubt"] == [] and result["failed"] == 0 and result["pending"] == 0
    pace = table(get_settings().idempotency_table).get_item(Key={"id": "pace#send"})["Item"]
    assert "cut_at" in pace  # the throttles cut the fleet's rate
    everyone_once(proxy, stack, "2026-W22", readers)


def test_throttled_dynamodb_mails_everyone_once(proxy: FaultProxy, stack: LocalAws) -> None:
    readers = approved_edition("2026-W23", READERS, "ddb")
    proxy.configure(dynamodb_throttle=0.1)
    result = run(proxy, "edition", "send", "2026-W23")
    assert proxy.counts().get("throttled", 0) >= 10
    check(stack, "2026-W23", readers, result)
    assert result["in_doubt"] == [] and result["failed"] == 0
    proxy.configure(dynamodb_throttle=0)
    everyone_once(proxy, stack, "2026-W23", readers)


def test_two_sends_at_once_mail_nobody_twice_and_report_honestly(proxy: FaultProxy, stack: LocalAws) -> None:
    readers = approved_edition("2026-W24", READERS, "twice")
    proxy.configure(latency_seconds=0.02)  # a send of some seconds, so the two overlap on a busy machine too
    command = digest("edition", "send", "2026-W24")
    senders = [subprocess.Popen(command, env=environment(proxy), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(2)]  # fmt: skip
    outputs = [process.communicate(timeout=300) for process in senders]
    assert [process.returncode for process in senders] == [0, 0], outputs
    waited = [err for _, err in outputs if "another send of 2026-W24 is running" in err]
    assert len(waited) == 1 and "waiting for it to finish" in waited[0]  # whichever took the lease second
    for stdout, _ in outputs:
        result = json.loads(stdout)
        assert result["in_doubt"] == [] and result["pending"] == 0 and result["sent"] == READERS
    assert "in doubt" not in outputs[0][1] + outputs[1][1]
    everyone_once(proxy, stack, "2026-W24", readers)
    stopped = subprocess.run([*command, "--if-running", "stop"], env=environment(proxy), capture_output=True, text=True,
                             timeout=60)  # fmt: skip
    assert stopped.returncode == 0  # nobody else is sending now: it runs, and finds nothing left to do


def test_a_second_send_asked_to_stop_says_so(proxy: FaultProxy, stack: LocalAws) -> None:
    approved_edition("2026-W25", READERS, "stop")
    proxy.configure(latency_seconds=0.05)  # a send of tens of seconds: still running when the second starts
    command = digest("edition", "send", "2026-W25")
    first = subprocess.Popen(command, env=environment(proxy), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not mailed(stack.endpoint, "2026-W25"):
            time.sleep(0.1)
        stopped = subprocess.run([*command, "--if-running", "stop"], env=environment(proxy), capture_output=True,
                                 text=True, timeout=60)  # fmt: skip
        assert stopped.returncode == 1 and stopped.stdout == ""
        assert stopped.stderr.startswith("digest: error: another send of 2026-W25 is running (process ")
        assert stopped.stderr.count("\n") == 1
    finally:
        first.communicate(timeout=300)
    assert first.returncode == 0


def test_kill_9_at_several_moments_then_resume_also_killed(proxy: FaultProxy, stack: LocalAws) -> None:
    readers = approved_edition("2026-W26", 120, "kill")
    command = digest("edition", "send", "2026-W26")
    for at_least, args in ((5, []), (30, ["--resume"]), (60, ["--resume"])):
        process = subprocess.Popen([*command, *args], env=environment(proxy), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and sum(mailed(stack.endpoint, "2026-W26").values()) < at_least:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert max(mailed(stack.endpoint, "2026-W26").values()) == 1
    assert sum(mailed(stack.endpoint, "2026-W26").values()) < len(readers), "every run should have been cut short"
    result = run(proxy, "edition", "send", "2026-W26", "--resume")
    check(stack, "2026-W26", readers, result)
    assert len(result["in_doubt"]) <= 3  # at most the one reader each killed worker was mailing
    settle_by_ground_truth(proxy, stack, "2026-W26", result)
    everyone_once(proxy, stack, "2026-W26", readers)


def test_readers_leaving_mid_send_get_at_most_the_copy_already_sent(proxy: FaultProxy, stack: LocalAws) -> None:
    readers = approved_edition("2026-W27", READERS, "leave")
    proxy.configure(latency_seconds=0.01)
    process = subprocess.Popen(digest("edition", "send", "2026-W27"), env=environment(proxy),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and sum(mailed(stack.endpoint, "2026-W27").values()) < 10:
        time.sleep(0.05)
    leaving = random.Random(3).sample(readers, 25)
    store = SubscriberStore(get_settings().subscribers_table)
    for reader in leaving:
        store.put(reader.model_copy(update={"status": SubscriberStatus.unsubscribed}))
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    result = json.loads(stdout)
    counts = check(stack, "2026-W27", readers, result)
    left_unmailed = [r for r in leaving if counts[r.email] == 0]
    assert left_unmailed, "the readers should have left before their turn"
    assert result["skipped"] == len(left_unmailed) and result["in_doubt"] == [] and result["pending"] == 0
    stayed = [r for r in readers if r not in left_unmailed]
    assert all(counts[r.email] == 1 for r in stayed)
    stats = run(proxy, "edition", "stats", "2026-W27", "--json")
    assert stats["status"] == "sent"
    assert stats["readers"] == {"sent": len(stayed), "failed": 0, "skipped": len(left_unmailed), "pending": 0,
                                "in_doubt": 0}  # fmt: skip


def test_ses_events_settle_readers_in_doubt_and_the_edition_becomes_sent(proxy: FaultProxy, stack: LocalAws) -> None:
    """In a deployment no operator is needed: SES's own events for the messages whose answer was
    lost carry our tags, and the real SES-events handler settles those readers as sent."""
    from digest.handlers import ses_events
    from digest.local.context import LocalContext

    readers = approved_edition("2026-W28", 40, "event")
    proxy.configure(ses_drop_after=0.15)
    result = run(proxy, "edition", "send", "2026-W28")
    assert result["in_doubt"], "some connections should have been dropped"
    template = json.loads((REPO_ROOT / "events" / "ses_events_delivery.json").read_text())
    accepted = {m.destinations[0]: m.message_id for m in received_messages(stack.endpoint)}
    for number, doubt in enumerate(result["in_doubt"]):
        event = copy.deepcopy(template)
        event["id"] = f"delivery-{number}"
        event["detail"]["mail"]["messageId"] = accepted[doubt["address"]]
        event["detail"]["mail"]["destination"] = [doubt["address"]]
        event["detail"]["mail"]["tags"] = {"edition_id": ["2026-W28"], "subscriber_id": [doubt["subscriber_id"]]}
        assert ses_events.handler(event, LocalContext("SesEventsFunction"))["result"].startswith("settled")
    everyone_once(proxy, stack, "2026-W28", readers)
    rows = SendLog(get_settings().send_log_table).rows("2026-W28")
    settled = {str(r["subscriber_id"]): r for r in rows if r.get("settled_by") == "ses-event"}
    assert sorted(settled) == sorted(d["subscriber_id"] for d in result["in_doubt"])
    assert all(settled[d["subscriber_id"]]["message_id"] == accepted[d["address"]] for d in result["in_doubt"])


def test_resend_failed_reopens_a_sent_edition_until_its_readers_settle(proxy: FaultProxy, stack: LocalAws) -> None:
    """An edition reads *sent* only while nobody is queued or in doubt, also after resend-failed."""
    readers = approved_edition("2026-W29", 20, "reopen")
    proxy.configure(ses_drop_after=1.0)  # every call's answer is lost: everyone in doubt
    result = run(proxy, "edition", "send", "2026-W29")
    assert len(result["in_doubt"]) == 20
    proxy.configure(ses_drop_after=0)
    unsent = readers[0].email  # an operator who (wrongly) says this one was never mailed
    run(proxy, "edition", "settle", "2026-W29", "--unsent", unsent)
    settled = run(proxy, "edition", "settle", "2026-W29", "--all", "sent")
    assert settled["status"] == "sent" and settled["failed"] == 1  # a failure is reported, not pending
    proxy.configure(ses_drop_after=1.0)
    again = run(proxy, "edition", "resend-failed", "2026-W29")
    assert [d["address"] for d in again["in_doubt"]] == [unsent]
    # not "sent" with a reader in doubt
    assert run(proxy, "edition", "stats", "2026-W29", "--json")["status"] == "sending"
    proxy.configure(ses_drop_after=0)
    assert run(proxy, "edition", "settle", "2026-W29", "--sent", unsent)["status"] == "sent"
