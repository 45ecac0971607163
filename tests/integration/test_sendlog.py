"""The send log's state machine on DynamoDB (moto): every transition it allows, and every one it refuses.

Each test uses an edition id of its own, so tests share nothing however pytest distributes them.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import ConnectionClosedError
from botocore.httpsession import URLLib3Session

from digest.local.motoserver import LocalAws
from digest.settings import get_settings
from digest.store.sendlog import Doubt, SendLog

_editions = itertools.count(1)


@pytest.fixture
def log(stack: LocalAws) -> SendLog:
    return SendLog(get_settings().send_log_table)


@pytest.fixture
def edition() -> str:
    return f"sendlog-{next(_editions)}"


def status(log: SendLog, edition: str, reader: str) -> str | None:
    rows = {r["subscriber_id"]: r for r in log.rows(edition)}
    return rows[reader]["status"] if reader in rows else None


def test_queue_is_once_per_reader(log: SendLog, edition: str) -> None:
    assert log.queue(edition, "r1") is True
    assert log.queue(edition, "r1") is False
    assert log.counts(edition) == {"queued": 1} and log.logged(edition) == {"r1"}


def test_a_claim_moves_queued_to_claimed_once(log: SendLog, edition: str) -> None:
    log.queue(edition, "r1")
    assert log.claim(edition, "r1") is True
    assert status(log, edition, "r1") == "claimed"
    assert log.claim(edition, "r1") is False  # a second worker, or a redelivery
    assert log.claim(edition, "never-queued") is True  # a row of its own (resume after a lost queue write)
    assert log.counts(edition) == {"claimed": 2}


def test_a_claim_whose_answer_was_lost_is_still_ours(log: SendLog, edition: str) -> None:
    """DynamoDB applied the claim but its answer was lost: the SDK's retry then fails the condition (the
    row is claimed already), and the token on the row tells that the claim is ours after all.  Another
    worker's claim is still refused."""
    log.queue(edition, "r1")
    events = log.table.meta.client.meta.events
    applied: list[int] = []

    def lose_the_first_answer(request: AWSPreparedRequest, **_: object) -> None:
        if not applied:
            applied.append(URLLib3Session().send(request).status_code)  # DynamoDB does it ...
            raise ConnectionClosedError(endpoint_url=request.url)  # ... and the answer never comes back

    events.register("before-send.dynamodb.UpdateItem", lose_the_first_answer)
    try:
        assert log.claim(edition, "r1") is True
    finally:
        events.unregister("before-send.dynamodb.UpdateItem", lose_the_first_answer)
    assert applied == [200] and status(log, edition, "r1") == "claimed"
    assert log.claim(edition, "r1") is False


@pytest.mark.parametrize("finish", ["sent", "in_doubt"])
def test_nothing_claims_a_sent_or_in_doubt_reader_again(log: SendLog, edition: str, finish: str) -> None:
    log.queue(edition, "r1")
    log.claim(edition, "r1")
    if finish == "sent":
        log.mark_sent(edition, "r1", "ses-1")
    else:
        log.mark_in_doubt(edition, "r1", "connection dropped")
    assert log.claim(edition, "r1") is False
    assert log.claim(edition, "r1", retry_failed=True) is False
    assert log.skip(edition, "r1", "unsubscribed") is False
    assert status(log, edition, "r1") == finish


def test_a_failed_reader_is_claimed_again_only_when_retrying(log: SendLog, edition: str) -> None:
    log.claim(edition, "r1")
    log.mark_failed(edition, "r1", "MessageRejected: " + "x" * 600)
    row = log.rows(edition)[0]
    assert row["status"] == "failed" and len(row["reason"]) == 500 and row["reason"].startswith("MessageRejected")
    assert log.claim(edition, "r1") is False
    assert log.claim(edition, "r1", retry_failed=True) is True
    assert status(log, edition, "r1") == "claimed"


def test_skip_touches_only_queued_failed_or_missing_rows(log: SendLog, edition: str) -> None:
    log.queue(edition, "queued")
    log.claim(edition, "failed")
    log.mark_failed(edition, "failed", "x")
    log.claim(edition, "claimed")
    assert log.skip(edition, "queued", "unsubscribed") is True
    assert log.skip(edition, "failed", "suppressed") is True
    assert log.skip(edition, "missing", "erased" * 100) is True
    assert log.skip(edition, "claimed", "unsubscribed") is False
    rows = {r["subscriber_id"]: r for r in log.rows(edition)}
    assert {k: r["status"] for k, r in rows.items()} == {
        "queued": "skipped", "failed": "skipped", "missing": "skipped", "claimed": "claimed"
    }  # fmt: skip
    assert rows["missing"]["reason"] == ("erased" * 100)[:200]
    assert log.claim(edition, "queued") is False  # a skipped reader is not mailed


def test_settling_readers_in_doubt(log: SendLog, edition: str) -> None:
    for reader in ("a", "b", "c", "d"):
        log.claim(edition, reader)
    log.mark_in_doubt(edition, "a", "read timeout")
    log.mark_in_doubt(edition, "b", "read timeout")
    log.mark_sent(edition, "c", "ses-c")  # "d" stays claimed: a worker died
    assert log.settle(edition, "a", "ses-a", how="operator") is True
    assert log.settle_unsent(edition, "b", "never arrived " * 60, how="operator") is True
    assert log.settle(edition, "d", "ses-d") is True  # a claim left behind settles too
    assert log.settle(edition, "c", "ses-other") is False  # sent stays as it was
    assert log.settle_unsent(edition, "c", "no", how="operator") is False
    assert log.settle(edition, "a", "again") is False  # settled once
    rows = {r["subscriber_id"]: r for r in log.rows(edition)}
    assert rows["a"]["status"] == "sent" and rows["a"]["message_id"] == "ses-a"
    assert rows["a"]["settled_by"] == "operator"
    assert rows["b"]["status"] == "failed" and rows["b"]["reason"] == ("never arrived " * 60)[:500]
    assert rows["d"]["settled_by"] == "ses-event" and rows["c"]["message_id"] == "ses-c"
    assert log.counts(edition) == {"sent": 3, "failed": 1}
    assert log.with_status(edition, "failed") == ["b"]


def test_tally_lists_readers_in_doubt_with_since_and_reason(log: SendLog, edition: str) -> None:
    log.claim(edition, "claimed")
    log.claim(edition, "doubt")
    log.mark_in_doubt(edition, "doubt", "reset by peer")
    log.claim(edition, "sent")
    log.mark_sent(edition, "sent", "m")
    counts, doubts = log.tally(edition)
    assert counts == {"claimed": 1, "in_doubt": 1, "sent": 1}
    by_reader = {d.subscriber_id: d for d in doubts}
    assert set(by_reader) == {"claimed", "doubt"} and all(isinstance(d, Doubt) for d in doubts)
    assert by_reader["claimed"].reason == "the send worker stopped before recording the outcome"
    assert by_reader["doubt"].reason == "reset by peer"
    rows = {r["subscriber_id"]: r for r in log.rows(edition)}
    assert by_reader["claimed"].since == rows["claimed"]["claimed_at"]
    assert by_reader["doubt"].since == rows["doubt"]["finished_at"]
    assert datetime.fromisoformat(by_reader["doubt"].since) <= datetime.now(UTC)


def test_rows_of_one_reader_across_editions(log: SendLog, edition: str) -> None:
    other = f"{edition}-b"
    log.claim(edition, "reader-x")
    log.claim(other, "reader-x")
    log.claim(other, "reader-y")
    rows = log.for_subscriber("reader-x")
    assert [r["edition_id"] for r in rows] == [edition, other]
    assert log.rows(f"{edition}-none") == [] and log.counts(f"{edition}-none") == {}
