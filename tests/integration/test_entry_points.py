"""Every entry point with the sample events `sam local invoke` uses, and with malformed and hostile input."""

from __future__ import annotations

import copy
import email
import json
import subprocess
import sys
from email import policy
from pathlib import Path
from typing import Any

import pytest

from digest.local.context import LocalContext
from digest.local.motoserver import LocalAws, received_messages
from digest.local.run import deliver_notices
from digest.models import Edition, EditionSection, EditionStatus, Subscriber, SubscriberStatus
from digest.readers import subscriber_id
from digest.settings import REPO_ROOT, get_settings
from digest.store.editions import EditionStore
from digest.store.subscribers import SubscriberStore

EVENTS = REPO_ROOT / "events"


def event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def sqs_with_body(name: str, body: str) -> dict[str, Any]:
    sample = event(name)
    sample["Records"][0]["body"] = body
    return sample


class TestQueueWorkers:
    @pytest.mark.parametrize(
        "body",
        [
            "not json",
            "{}",
            '{"source_id": "../../etc"}',
            '{"source_id": 5}',
            json.dumps({"source_id": "a" * 100_000}),
            '{"source_id": "x", "extra": 1}',
        ],
    )
    def test_malformed_ingest_message_fails_only_itself(self, stack: LocalAws, body: str) -> None:
        from digest.handlers import ingest_worker

        sample = event("ingest_worker")
        good, bad = copy.deepcopy(sample["Records"][0]), copy.deepcopy(sample["Records"][0])
        bad["body"], bad["messageId"] = body, "bad-one"
        result = ingest_worker.handler({"Records": [bad]}, LocalContext("ingest"))
        assert result == {"batchItemFailures": [{"itemIdentifier": "bad-one"}]}
        del good

    def test_unknown_source_is_retried_then_dead_lettered(self, stack: LocalAws) -> None:
        from digest.handlers import ingest_worker

        sample = event("ingest_worker")
        result = ingest_worker.handler(sample, LocalContext("ingest"))
        assert result["batchItemFailures"] == [{"itemIdentifier": sample["Records"][0]["messageId"]}]

    @pytest.mark.parametrize(
        "body",
        [
            "[]",
            '{"edition_id": "2026-W48", "subscriber_ids": []}',
            '{"edition_id": "<script>", "subscriber_ids": ["a"]}',
            json.dumps({"edition_id": "2026-W48", "subscriber_ids": ["a"] * 1000}),
        ],
    )
    def test_malformed_send_message(self, stack: LocalAws, body: str) -> None:
        from digest.handlers import send_worker

        result = send_worker.handler(sqs_with_body("send_worker", body), LocalContext("send"))
        assert len(result["batchItemFailures"]) == 1

    def test_send_for_unapproved_edition_is_refused(self, stack: LocalAws) -> None:
        from digest.handlers import send_worker

        save_draft_2026_w48()
        result = send_worker.handler(event("send_worker"), LocalContext("send"))
        assert len(result["batchItemFailures"]) == 1


def save_draft_2026_w48() -> None:
    """The edition the sample events name, as a draft (each test that needs it saves it: no test
    relies on another having run first, on this worker or any)."""
    settings = get_settings()
    EditionStore(settings.editions_table, settings.archive_bucket).save(
        Edition(
            id="2026-W48",
            number=1,
            window_start="2026-11-20T07:00:00Z",
            window_end="2026-11-27T07:00:00Z",
            status=EditionStatus.draft,
            sections=[EditionSection(key="lead", title="Lead")],
        )
    )


class TestSesEvents:
    @pytest.mark.parametrize(
        "payload",
        [
            {},
            {"id": "1"},
            {"id": "2", "detail": "x"},
            {"id": "3", "detail": {}},
            {"id": "4", "detail": {"eventType": "Bounce", "mail": "nope"}},
            {"id": "5", "detail": {"eventType": "B" * 5000, "mail": {"messageId": "m"}}},
            {"id": "6", "detail": {"eventType": "Bounce", "mail": {"messageId": "m", "tags": "x"}}},
            {"id": "7", "detail": {"eventType": "Bounce", "mail": {"messageId": "m", "tags": {"edition_id": [5]}}}},
        ],
    )
    def test_malformed_events_are_skipped(self, stack: LocalAws, payload: dict[str, Any]) -> None:
        from digest.handlers import ses_events

        assert ses_events.handler(payload, LocalContext("ses"))["result"].startswith("skipped")

    def test_bounce_suppresses_once_and_complaint_suppresses(self, stack: LocalAws) -> None:
        from digest.handlers import ses_events

        settings = get_settings()
        store = SubscriberStore(settings.subscribers_table)
        bounce = event("ses_events")
        reader_id = bounce["detail"]["mail"]["tags"]["subscriber_id"][0]
        store.put(Subscriber(id=reader_id, email="bounce@example.com", status=SubscriberStatus.confirmed))
        editions = EditionStore(settings.editions_table, settings.archive_bucket)
        if editions.get("2026-W48") is None:
            save_draft_2026_w48()
        before = editions.stats("2026-W48").get("bounced", 0)
        assert ses_events.handler(bounce, LocalContext("ses"))["result"].startswith("suppressed")
        ses_events.handler(bounce, LocalContext("ses"))  # EventBridge delivers at least once
        assert store.get(reader_id).status is SubscriberStatus.suppressed  # type: ignore[union-attr]
        assert editions.stats("2026-W48")["bounced"] == before + 1
        complaint = event("ses_events_complaint")
        complaint_id = complaint["detail"]["mail"]["tags"]["subscriber_id"][0]
        store.put(Subscriber(id=complaint_id, email="c@example.com", status=SubscriberStatus.confirmed))
        ses_events.handler(complaint, LocalContext("ses"))
        assert store.get(complaint_id).status is SubscriberStatus.suppressed  # type: ignore[union-attr]

    def test_soft_bounces_suppress_only_when_three_fall_within_30_days(self, stack: LocalAws) -> None:
        from datetime import UTC, datetime, timedelta

        from digest.handlers import ses_events

        store = SubscriberStore(get_settings().subscribers_table)
        reader_id = subscriber_id("soft@example.com")
        old = datetime.now(UTC) - timedelta(days=40)
        store.put(Subscriber(id=reader_id, email="soft@example.com", status=SubscriberStatus.confirmed,
                             soft_bounce_times=[old, old + timedelta(days=1)]))  # fmt: skip
        for n in range(3):
            soft = event("ses_events")
            soft["id"] = f"soft-bounce-{n}"
            soft["detail"]["bounce"]["bounceType"] = "Transient"
            soft["detail"]["mail"]["tags"]["subscriber_id"] = [reader_id]
            result = ses_events.handler(soft, LocalContext("ses"))
            reader = store.get(reader_id)
            assert reader is not None
            if n < 2:  # the two old bounces are outside the window
                assert (
                    result["result"].startswith("counted a soft bounce") and reader.status is SubscriberStatus.confirmed
                )
        assert reader.status is SubscriberStatus.suppressed and reader.soft_bounces == 3


class TestApi:
    def call(self, sample: dict[str, Any]) -> dict[str, Any]:
        """Through the function API Gateway routes the path to (ApiFunction or AdminApiFunction)."""
        from digest.api.web import is_editorial
        from digest.handlers import admin_api, api

        handler = admin_api.handler if is_editorial(str(sample["path"])) else api.handler
        return handler(sample, LocalContext("api"))  # type: ignore[no-any-return]

    def test_subscribe_sends_one_confirmation(self, stack: LocalAws) -> None:
        sample = event("api_subscribe")
        sample["body"] = json.dumps({**json.loads(sample["body"]), "email": "new.reader@example.com"})
        reply = self.call(sample)
        assert reply["statusCode"] == 202
        reader = SubscriberStore(get_settings().subscribers_table).get(subscriber_id("new.reader@example.com"))
        assert reader and reader.status is SubscriberStatus.pending
        assert reader.consents[-1].ip == sample["requestContext"]["identity"]["sourceIp"]
        assert deliver_notices(get_settings()).processed == 1  # the mail is the notice worker's, after the reply
        (mail,) = [m for m in received_messages(stack.endpoint) if "new.reader@example.com" in m.destinations[0]]
        body = email.message_from_string(mail.raw, policy=policy.default).get_content()
        assert "/confirm?token=" in body

    @pytest.mark.parametrize(
        "body",
        [
            "not json",
            "[]",
            '{"email": "x"}',
            '{"email": "a@example.com"}',
            '{"email": "a@example.com", "consent": false}',
            json.dumps({"email": "a@example.com", "consent": True, "name": "n" * 5000}),
            json.dumps({"email": "a" * 20_000}),
        ],
    )
    def test_bad_subscribe_requests_get_400(self, stack: LocalAws, body: str) -> None:
        sample = event("api_subscribe")
        sample["body"] = body
        reply = self.call(sample)
        assert reply["statusCode"] in {400, 413, 422}
        assert "Traceback" not in reply["body"]

    def test_honeypot_is_accepted_silently(self, stack: LocalAws) -> None:
        sample = event("api_subscribe")
        sample["body"] = json.dumps({"email": "bot@example.com", "consent": True, "website": "http://spam"})
        assert self.call(sample)["statusCode"] == 202
        assert SubscriberStore(get_settings().subscribers_table).get(subscriber_id("bot@example.com")) is None

    def test_admin_needs_the_key(self, stack: LocalAws) -> None:
        sample = event("api_admin_subscribers")
        assert self.call(sample)["statusCode"] == 200
        sample["headers"]["x-api-key"] = "wrong"
        assert self.call(sample)["statusCode"] == 401
        del sample["headers"]["x-api-key"]
        sample["multiValueHeaders"] = {k: [v] for k, v in sample["headers"].items()}
        assert self.call(sample)["statusCode"] == 401


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "digest.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


class TestCli:
    def env(self, stack: LocalAws) -> dict[str, str]:
        import os

        return {**os.environ, "AWS_ENDPOINT_URL": stack.endpoint}

    @pytest.mark.parametrize(
        "args",
        [
            ["nonsense"],
            ["edition"],
            ["edition", "show", "1999-W01"],
            ["edition", "build", "--week", "2026-W99"],
            ["edition", "build", "--week", "'; DROP TABLE"],
            ["subscribers", "import", "/no/such.csv"],
            ["edition", "send", "2026-W01"],
            ["sources", "add", "Bad Id!", "x", "notaurl"],
            ["subscribers", "list", "--status", "weird"],
            ["pick", "http://127.0.0.1:9/refused"],  # nobody listens: connection refused
            ["pick", "http://invalid.invalid/x"],  # no such host
        ],
    )
    def test_user_errors_are_one_line(self, stack: LocalAws, args: list[str]) -> None:
        result = run_cli(*args, env=self.env(stack))
        assert result.returncode != 0
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stderr.startswith("digest: error:")

    def test_import_of_a_field_beyond_the_csv_limit_is_one_line(self, stack: LocalAws, tmp_path: Path) -> None:
        csv = tmp_path / "huge.csv"
        csv.write_text("email,name\nok@example.com,Ok\nbig@example.com," + "x" * 140_000 + "\n")
        result = run_cli("subscribers", "import", str(csv), env=self.env(stack))
        assert result.returncode != 0 and "Traceback" not in result.stderr
        assert result.stderr.strip().splitlines() == [
            "digest: error: the CSV cannot be read at line 3: field larger than field limit (131072)"
        ]

    def test_import_reports_bad_rows_and_imports_the_rest(self, stack: LocalAws, tmp_path: Path) -> None:
        csv = tmp_path / "readers.csv"
        csv.write_text("email,name\nok1@example.com,One\nbroken,Two\nok2@example.com,\n")
        result = run_cli("subscribers", "import", str(csv), env=self.env(stack))
        assert json.loads(result.stdout) == {"imported": 2, "rejected": 1}
        assert "line 3" in result.stderr
        listed = run_cli("subscribers", "list", "--status", "confirmed", env=self.env(stack)).stdout
        assert "ok1@example.com" in listed and "ok2@example.com" in listed


class TestScheduledHandlers:
    def test_fanout_queues_each_due_source_once(self, stack: LocalAws) -> None:
        from digest.handlers import ingest_fanout
        from digest.models import Source
        from digest.store.sources import SourceStore

        sources = SourceStore(get_settings().sources_table)
        sources.put(Source(id="due-one", name="Due", feed_url="https://example.org/feed.xml"))
        sources.put(Source(id="paused", name="Paused", feed_url="https://example.org/p.xml", active=False))
        assert ingest_fanout.handler(event("ingest_fanout"), LocalContext("fanout")) == {"queued": 1, "failing_24h": 0}

    def test_unapproved_edition_at_send_time_is_skipped_or_approved(
        self, stack: LocalAws, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from digest.handlers import send_dispatch

        settings = get_settings()
        editions = EditionStore(settings.editions_table, settings.archive_bucket)
        draft = Edition(
            id="2026-W20",
            number=1,
            window_start="2026-05-08T06:00:00Z",
            window_end="2026-05-15T06:00:00Z",
            sections=[EditionSection(key="lead", title="Lead")],
        )
        editions.save(draft)
        result = send_dispatch.handler({"edition_id": "2026-W20"}, LocalContext("dispatch"))
        assert result["queued"] == 0 and "not approved" in result["note"]
        assert editions.get("2026-W20").status is EditionStatus.draft  # type: ignore[union-attr]
        monkeypatch.setattr(settings, "unapproved_at_send", "approve")
        result = send_dispatch.handler({"edition_id": "2026-W20"}, LocalContext("dispatch"))
        assert "approved automatically" in result["note"]
        assert editions.get("2026-W20").status is EditionStatus.sending  # type: ignore[union-attr]

    def test_dispatch_refuses_an_unknown_edition(self, stack: LocalAws) -> None:
        from digest.handlers import send_dispatch
        from digest.mail.service import SendError

        sample = event("send_dispatch")  # its edition may exist here as a draft: ask for one that doesn't
        sample["edition_id"] = "2026-W01"
        with pytest.raises(SendError, match="no edition 2026-W01"):
            send_dispatch.handler(sample, LocalContext("dispatch"))

    @pytest.mark.parametrize("payload", [{"edition_id": "bogus"}, {"edition_id": 5}, {"other": 1}])
    def test_dispatch_rejects_malformed_input(self, stack: LocalAws, payload: dict[str, Any]) -> None:
        from pydantic import ValidationError

        from digest.handlers import send_dispatch

        with pytest.raises(ValidationError):
            send_dispatch.handler(payload, LocalContext("dispatch"))

    def test_build_rejects_malformed_week(self, stack: LocalAws) -> None:
        from pydantic import ValidationError

        from digest.handlers import build_edition

        with pytest.raises(ValidationError):
            build_edition.handler({"week": "2026-W48; rm -rf"}, LocalContext("build"))
