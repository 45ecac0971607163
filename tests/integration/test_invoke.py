"""`digest invoke` runs every file in events/ through its function against a seeded local stack.

Each event runs the way `sam local invoke` would run it (a fresh process, the handler named in
template.yaml, the template's environment resolved for the local stack, Lambda's context) and each
one does its real work: the checks look at the stack afterwards, not only at the answer.  The
events run in the order of a week (sign-ups, ingest, send, feedback, then a rebuild), in one test:
each works on what the ones before it left.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "infra"))
from aws_calls import Need, allows, foreseen, function_needs, grants, iam_actions

from digest.local.cfn_yaml import load_template
from digest.local.invoke import EVENT_FUNCTIONS
from digest.local.motoserver import LocalAws, received_messages
from digest.local.seed import READER, WEEK, seed, week_window
from digest.local.site import SampleSite, SiteServer
from digest.readers import subscriber_id
from digest.settings import get_settings
from digest.store.aws import client, plain, table
from digest.store.queues import queue_depth

REPO = Path(__file__).resolve().parents[2]
EVENTS = REPO / "events"
RECORDER = Path(__file__).with_name("record_aws_calls.py")
READER_ID = subscriber_id(READER)
MAILBOX = "unsubscribe@news.example.org"


@pytest.fixture(scope="module")
def seeded(stack: LocalAws) -> Iterator[LocalAws]:
    """The stack seeded by `digest stack seed`, its sources' feeds on a running sample site."""
    settings = get_settings()
    start, end = week_window(settings)
    with SiteServer(SampleSite(start, end - timedelta(minutes=5))) as server:
        seed(settings, feed_urls=server.feed_urls())
        yield stack


def invoke(event: str, *extra: str, calls: Path | None = None) -> dict[str, Any]:
    """`digest invoke events/EVENT`; with ``calls``, the AWS calls its handler made are written there."""
    command = [str(RECORDER), str(calls)] if calls else ["-m", "digest.cli"]
    result = subprocess.run(
        [sys.executable, *command, "invoke", f"events/{event}", *extra],
        cwd=REPO, env={**os.environ, "ALLOW_PRIVATE_FETCH": "true"}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, (result.stdout, result.stderr[-3000:])
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def made_calls(path: Path) -> set[Need]:
    """The recorded calls as IAM actions on the template's resources (named by their variable)."""
    variables = load_template(REPO / "template.yaml")["Globals"]["Function"]["Environment"]["Variables"]
    logical = {name: value["Ref"] for name, value in variables.items() if isinstance(value, dict) and "Ref" in value}
    needs: set[Need] = set()
    for line in path.read_text().splitlines() if path.exists() else []:
        call = json.loads(line)
        for action in iam_actions(f"{call['service']}:{call['operation']}"):
            needs.add(Need(action, logical.get(call["resource"])))
    return needs


def reader(address: str) -> dict[str, Any] | None:
    item = table(get_settings().subscribers_table).get_item(Key={"id": subscriber_id(address)}).get("Item")
    return plain(item) if item else None


def send_row(edition: str, reader_id: str) -> dict[str, Any]:
    key = {"edition_id": edition, "subscriber_id": reader_id}
    return plain(table(get_settings().send_log_table).get_item(Key=key).get("Item") or {})


def check_subscribe(answer: dict[str, Any], stack: LocalAws) -> None:
    assert answer["statusCode"] == 202
    address = json.loads(json.loads((EVENTS / "api_subscribe.json").read_text())["body"])["email"]
    assert (reader(address) or {}).get("status") == "pending"
    assert not any(address in m.destinations for m in received_messages(stack.endpoint)), "mailed in the request"
    assert queue_depth(client("sqs").get_queue_url(QueueName="digest-notices")["QueueUrl"]) == 1, "no notice queued"


def check_admin(answer: dict[str, Any], stack: LocalAws) -> None:
    assert answer["statusCode"] == 200
    emails = {r["email"] for r in json.loads(answer["body"])["subscribers"]}
    assert READER in emails and len(emails) >= 10


def check_fanout(answer: dict[str, Any], stack: LocalAws) -> None:
    assert answer["queued"] == 8  # every sample outlet is due


def check_worker(answer: dict[str, Any], stack: LocalAws) -> None:
    assert answer == {"batchItemFailures": []}
    source = plain(table(get_settings().sources_table).get_item(Key={"id": "harbour-herald"})["Item"])
    assert source.get("last_fetched") and not source.get("last_error"), source
    assert not source.get("consecutive_failures"), source


def check_picks(answer: dict[str, Any], stack: LocalAws) -> None:
    assert answer["stored"] == 2 and answer["errors"] == []


def check_dispatch(answer: dict[str, Any], stack: LocalAws) -> None:
    assert answer["edition_id"] == WEEK and answer["queued"] == 10
    assert send_row(WEEK, READER_ID).get("status") == "queued"


def check_send(answer: dict[str, Any], stack: LocalAws) -> None:
    assert answer == {"batchItemFailures": []}
    assert send_row(WEEK, READER_ID).get("status") == "sent"
    assert any(READER in m.destinations for m in received_messages(stack.endpoint))


def check_inbound(answer: dict[str, Any], stack: LocalAws) -> None:
    assert answer == {"results": [f"unsubscribed: {READER_ID}"]}
    assert (reader(READER) or {}).get("status") == "unsubscribed"


def check_delivery(answer: dict[str, Any], stack: LocalAws) -> None:
    assert answer == {"result": "counted"}


def check_suppressed(answer: dict[str, Any], stack: LocalAws) -> None:
    assert answer == {"result": "suppressed"}
    assert (reader(READER) or {}).get("status") == "suppressed"


def check_build(answer: dict[str, Any], stack: LocalAws) -> None:
    assert answer["edition_id"] == WEEK and answer["status"] == "draft" and answer["stories"] > 5


def forget_reader() -> None:
    """The seed confirmed the reader the events name; the sign-up event is theirs, from the start."""
    table(get_settings().subscribers_table).delete_item(Key={"id": READER_ID})


def adopt_queued_notice() -> None:
    """The sign-up queued its notice (the event file's shape, a random nonce): the event's nonce is
    written into the reader's pending sign-up, so the event names the sign-up that was made."""
    url = client("sqs").get_queue_url(QueueName="digest-notices")["QueueUrl"]
    (queued,) = client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    client("sqs").delete_message(QueueUrl=url, ReceiptHandle=queued["ReceiptHandle"])
    queued_body = json.loads(queued["Body"])
    event_body = json.loads(json.loads((EVENTS / "notice_worker.json").read_text())["Records"][0]["body"])
    assert queued_body.keys() == event_body.keys() and queued_body["reader_id"] == event_body["reader_id"] == READER_ID
    table(get_settings().subscribers_table).update_item(
        Key={"id": READER_ID}, UpdateExpression="SET signup.nonce = :n",
        ExpressionAttributeValues={":n": event_body["nonce"]},
    )  # fmt: skip


def check_notice(answer: dict[str, Any], stack: LocalAws) -> None:
    assert answer == {"batchItemFailures": []}
    assert [m for m in received_messages(stack.endpoint) if READER in m.destinations]


def confirm_reader() -> None:
    """The reader follows the link the sign-up mailed: the confirm route, through `digest invoke` too."""
    import email
    import re
    from email import policy

    mail = next(m for m in reversed(received_messages(os.environ["AWS_ENDPOINT_URL"])) if READER in m.destinations)
    body = email.message_from_string(mail.raw, policy=policy.default).get_body(("plain",)).get_content()  # type: ignore[union-attr]
    token = re.search(r"/confirm\?token=([A-Za-z0-9_.-]+)", body)
    assert token, body
    event = json.loads((EVENTS / "api_subscribe.json").read_text())
    event.update(resource="/subscriptions/confirm", path="/subscriptions/confirm",
                 body=json.dumps({"token": token.group(1)}))  # fmt: skip
    event["requestContext"].update(resourcePath="/subscriptions/confirm", path="/v1/subscriptions/confirm")
    for headers in (event["headers"], event["multiValueHeaders"]):
        headers.pop("content-length", None)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "confirm.json"
        path.write_text(json.dumps(event))
        result = subprocess.run([sys.executable, "-m", "digest.cli", "invoke", "ApiFunction", str(path)], cwd=REPO,
                                env=dict(os.environ), capture_output=True, text=True, timeout=300)  # fmt: skip
    assert json.loads(result.stdout)["statusCode"] == 200, result.stdout + result.stderr[-2000:]
    assert (reader(READER) or {}).get("status") == "confirmed"


def rebuild() -> None:
    """The seeded edition is approved (and sent): the weekly build makes the week's draft again."""
    client("dynamodb").delete_item(TableName=get_settings().editions_table, Key={"id": {"S": WEEK}})


Check = Callable[[dict[str, Any], LocalAws], None]
WEEK_OF_EVENTS: list[tuple[str, Check, Callable[[], None] | None]] = [
    ("api_subscribe.json", check_subscribe, forget_reader),
    ("notice_worker.json", check_notice, adopt_queued_notice),
    ("api_admin_subscribers.json", check_admin, None),
    ("ingest_fanout.json", check_fanout, None),
    ("ingest_worker.json", check_worker, None),
    ("picks.json", check_picks, None),
    ("send_dispatch.json", check_dispatch, confirm_reader),
    ("send_worker.json", check_send, None),
    ("ses_events_delivery.json", check_delivery, None),
    ("inbound_unsubscribe.json", check_inbound, None),
    ("ses_events.json", check_suppressed, None),
    ("ses_events_complaint.json", check_suppressed, None),
    ("build_edition.json", check_build, rebuild),
]


def test_every_event_file_is_run_here() -> None:
    files = {p.name for p in EVENTS.glob("*.json")}
    assert files == set(EVENT_FUNCTIONS) == {name for name, _, _ in WEEK_OF_EVENTS}


def run_event(event: str, check: Check, before: Callable[[], None] | None, stack: LocalAws, calls: Path) -> None:
    """One event of the week: what comes before it, the event through `digest invoke`, its checks."""
    if before:
        before()
    # InboundMailFunction exists when the stack has an UnsubscribeMailbox: the event's recipient
    check(invoke(event, "--parameter-overrides", f"UnsubscribeMailbox={MAILBOX}", calls=calls), stack)
    # in AWS each of these calls is made with the function's role: the role must allow it (moto
    # does not check IAM), and the reading of the code that bounds the role must have seen it
    function = EVENT_FUNCTIONS[event]
    made = made_calls(calls)
    assert made, "no AWS call was recorded"
    refused = sorted(str(n) for n in made if not any(allows(g, n) for g in grants(function)))
    assert not refused, f"{function}'s role refuses calls its handler made: {refused}"
    unseen = sorted(str(n) for n in made if not foreseen(n, function_needs(function)))
    assert not unseen, f"tests/infra/aws_calls.py does not see these calls of {function}: {unseen}"


def test_a_week_of_events_runs_through_digest_invoke(
    seeded: LocalAws, tmp_path: Path, subtests: pytest.Subtests
) -> None:
    """The week in one test, each event a subtest named by its file.

    Each event works on what the ones before it left (the sign-up's notice, the dispatch's queue),
    so the week cannot be split into tests that xdist may send to different workers, or run in
    another order.  The first event that fails ends the week, and the events it left unrun are named.
    """
    for step, (event, check, before) in enumerate(WEEK_OF_EVENTS):
        passed = False
        with subtests.test(event):
            run_event(event, check, before, seeded, tmp_path / f"{event}.calls.jsonl")
            passed = True
        if not passed:
            unrun = [name for name, _, _ in WEEK_OF_EVENTS[step + 1 :]]
            pytest.fail(f"the week stopped at {event} (its failure is above); not run: {', '.join(unrun) or 'none'}")


def test_invoke_gives_lambdas_context_and_the_templates_environment(seeded: LocalAws, tmp_path: Path) -> None:
    """The handler sees the function's timeout and memory and the stack's names, never a logical id."""
    from digest.local.invoke import function_environment

    environment = function_environment("SendWorkerFunction", get_settings(), seeded.endpoint)
    assert environment["ARTICLES_TABLE"] == get_settings().articles_table
    assert environment["SEND_QUEUE_URL"].startswith(seeded.endpoint) and environment["SEND_QUEUE_URL"].endswith(
        "/digest-send"
    )
    assert environment["TOKEN_SECRET_ARN"].startswith("arn:aws:secretsmanager:")
    assert environment["LAYOUTS_DIR"] == str(REPO / "layouts")
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import json, sys\nsys.path.insert(0, {!r})\n".format(str(REPO / "functions"))
        + "from digest.local import invoke as inv\n"
        "from digest.local.cfn_yaml import load_template\n"
        "seen = {}\n"
        "def handler(event, context):\n"
        "    import os\n"
        "    seen.update(request=context.aws_request_id, left=context.get_remaining_time_in_millis(),\n"
        "                memory=context.memory_limit_in_mb, table=os.environ['SEND_LOG_TABLE'])\n"
        "    return seen\n"
        "inv._handler = lambda name: handler\n"
        "print(json.dumps(inv.invoke_function('SendWorkerFunction', {})))\n"
    )
    result = subprocess.run([sys.executable, str(probe)], cwd=REPO, env=dict(os.environ), capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert 55_000 < seen["left"] <= 60_000  # the template's Timeout: 60
    assert seen["memory"] == 512 and len(seen["request"]) == 36
    assert seen["table"] == get_settings().send_log_table


def test_unknown_function_is_a_one_line_error(stack: LocalAws) -> None:
    result = subprocess.run([sys.executable, "-m", "digest.cli", "invoke", "NoSuchFunction"], cwd=REPO,
                            env=dict(os.environ), capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 1 and "no function 'NoSuchFunction'" in result.stderr
    assert "Traceback" not in result.stderr
