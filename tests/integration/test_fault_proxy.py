"""The fault proxy on the real boto3 path: forwarding, each fault as botocore sees it, and its own record.

The module runs its own moto server rather than the shared ``local_aws``/``stack`` fixtures: moto's
state is process-wide, so nothing here resets it, every resource has a fresh name, and what SES
received is counted by a marker unique to each message.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import random
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

from digest.local.faults import CONTROL_PATH, Call, FaultProxy, Faults, classify, max_in_window
from digest.local.motoserver import LocalAws, received_messages

SENDER = "news@example.com"
NO_RETRIES = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=10)
_ENVIRON = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION")


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    """Our own moto server; the environment LocalAws.start changes is put back afterwards."""
    from digest.settings import get_settings
    from digest.store.aws import reset_clients

    saved = {name: os.environ.get(name) for name in _ENVIRON}
    aws = LocalAws().start()
    try:
        client("ses", aws.endpoint).verify_email_identity(EmailAddress=SENDER)
        yield aws.endpoint
    finally:
        aws.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_clients()
        get_settings.cache_clear()


@pytest.fixture(scope="module")
def shared_proxy(moto: str) -> Iterator[FaultProxy]:
    with FaultProxy(moto, seed=7) as proxy:
        yield proxy


@pytest.fixture
def proxy(shared_proxy: FaultProxy) -> FaultProxy:
    """The module's proxy with its knobs back at rest and its record empty."""
    shared_proxy.faults = Faults()
    shared_proxy.reset()
    return shared_proxy


def client(service: str, endpoint: str, config: Config = NO_RETRIES) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )


def raw_message(marker: str) -> bytes:
    return (
        f"From: {SENDER}\r\nTo: reader@example.com\r\nSubject: {marker}\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\nIssue {marker}\r\n"
    ).encode()


def send(sesv2: Any, marker: str) -> str:
    """What digest.store.mailer does: a raw message through SES v2."""
    reply = sesv2.send_email(
        FromEmailAddress=SENDER,
        Destination={"ToAddresses": ["reader@example.com"]},
        Content={"Raw": {"Data": raw_message(marker)}},
    )
    return str(reply["MessageId"])


def accepted(moto: str, marker: str) -> int:
    """How many messages carrying ``marker`` moto's SES accepted (raw sends land in its RawMessage list)."""
    return sum(marker in message.raw for message in received_messages(moto))


def control(proxy: FaultProxy, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(proxy.endpoint + CONTROL_PATH, data=data, method="GET" if data is None else "POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return reply.status, json.load(reply)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_forwards_every_protocol_under_concurrency(proxy: FaultProxy, moto: str) -> None:
    config = Config(retries={"total_max_attempts": 1}, max_pool_connections=16, read_timeout=20)
    sesv2, dynamodb = client("sesv2", proxy.endpoint, config), client("dynamodb", proxy.endpoint, config)
    sqs, s3 = client("sqs", proxy.endpoint, config), client("s3", proxy.endpoint, config)
    name = f"fp-{uuid.uuid4().hex[:12]}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    queue = sqs.create_queue(QueueName=name)["QueueUrl"]
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    blob = os.urandom(2 * 1024 * 1024)

    def worker(n: int) -> tuple[str, dict[str, Any], bytes]:
        message_id = send(sesv2, f"{name}-{n}")
        dynamodb.put_item(TableName=name, Item={"pk": {"S": f"k{n}"}, "n": {"N": str(n)}})
        item = dynamodb.get_item(TableName=name, Key={"pk": {"S": f"k{n}"}}, ConsistentRead=True)["Item"]
        sqs.send_message(QueueUrl=queue, MessageBody=f"m{n}")
        body = bytes([n]) + blob
        s3.put_object(Bucket=name, Key=f"k{n}", Body=io.BytesIO(body))  # a file body: Expect: 100-continue
        got = s3.get_object(Bucket=name, Key=f"k{n}")["Body"].read()
        assert got == body
        return message_id, item, got

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(worker, range(8)))

    assert len({message_id for message_id, _, _ in results}) == 8
    assert [item["n"]["N"] for _, item, _ in results] == [str(n) for n in range(8)]
    bodies: set[str] = set()
    for _ in range(10):
        reply = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        bodies.update(m["Body"] for m in reply.get("Messages", []))
        if len(bodies) == 8:
            break
    assert bodies == {f"m{n}" for n in range(8)}
    assert sum(accepted(moto, f"{name}-{n}") for n in range(8)) == 8
    counts = proxy.counts()
    assert counts["sesv2.SendEmail"] == 8
    assert counts["dynamodb.PutItem"] == counts["dynamodb.GetItem"] == counts["sqs.SendMessage"] == 8
    assert counts["s3"] == 1 + 16  # create_bucket, then a put and a get per worker
    assert not {"throttled", "dropped", "delayed", "upstream_errors"} & counts.keys()
    assert [call.outcome for call in proxy.log] == ["forwarded"] * 8
    assert {call.status for call in proxy.log} == {200}


def test_chunked_and_expect_continue_bodies_are_forwarded_whole(proxy: FaultProxy) -> None:
    """A chunked upload reaches moto de-chunked (moto does not check SigV4 signatures, so a made-up one does)."""
    name = f"fp-{uuid.uuid4().hex[:12]}"
    s3 = client("s3", proxy.endpoint)
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    payload = b"".join(bytes([n]) * (1000 + n) for n in range(50))
    connection = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
    headers = {
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/s3/aws4_request, "
        "SignedHeaders=host, Signature=00",
        "Transfer-Encoding": "chunked",
        "Expect": "100-continue",
    }
    chunks = (payload[i : i + 4096] for i in range(0, len(payload), 4096))
    connection.request("PUT", f"/{name}/chunked", body=chunks, headers=headers, encode_chunked=True)
    reply = connection.getresponse()
    reply.read()
    assert reply.status == 200
    connection.close()
    assert s3.get_object(Bucket=name, Key="chunked")["Body"].read() == payload


def test_ses_throttle_answers_for_ses_which_never_sees_the_send(proxy: FaultProxy, moto: str) -> None:
    marker = f"throttle-{uuid.uuid4().hex}"
    proxy.faults.ses_throttle = 1.0
    with pytest.raises(ClientError) as raised:
        send(client("sesv2", proxy.endpoint), marker)
    assert raised.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    with pytest.raises(ClientError) as raised_v1:  # SES v1, the query protocol
        client("ses", proxy.endpoint).send_raw_email(RawMessage={"Data": raw_message(marker)})
    assert raised_v1.value.response["Error"]["Code"] == "Throttling"
    assert accepted(moto, marker) == 0
    assert [(c.outcome, c.status) for c in proxy.log] == [("throttled", 429), ("throttled", 400)]
    counts = proxy.counts()
    assert counts["throttled"] == 2
    assert counts["sesv2.SendEmail.throttled"] == counts["ses.SendRawEmail.throttled"] == 1


def test_ses_drop_after_loses_the_reply_of_an_accepted_send(proxy: FaultProxy, moto: str) -> None:
    marker = f"drop-{uuid.uuid4().hex}"
    proxy.faults.ses_drop_after = 1.0
    sesv2 = client("sesv2", proxy.endpoint)
    with pytest.raises(ConnectionClosedError):
        send(sesv2, marker)
    assert accepted(moto, marker) == 1
    assert [(c.outcome, c.status) for c in proxy.log] == [("dropped", 200)]
    assert proxy.counts()["dropped"] == 1
    proxy.faults.ses_drop_after = 0.0
    send(sesv2, marker)  # the client's pool recovers from the cut connection
    assert accepted(moto, marker) == 2


def test_ses_delay_after_outlasts_the_client_and_stop_does_not_wait_for_it(moto: str) -> None:
    marker = f"delay-{uuid.uuid4().hex}"
    proxy = FaultProxy(moto).start()
    try:
        proxy.configure(ses_delay_after=1.0, ses_delay_seconds=3.0)
        impatient = client("sesv2", proxy.endpoint, Config(retries={"total_max_attempts": 1}, read_timeout=1))
        with pytest.raises(ReadTimeoutError):
            send(impatient, marker)
        assert accepted(moto, marker) == 1
        assert [(c.outcome, c.status) for c in proxy.log] == [("delayed", 200)]

        # a patient client is still waiting on its held reply when the proxy stops
        patient = client("sesv2", proxy.endpoint, Config(retries={"total_max_attempts": 1}, read_timeout=30))
        failure: list[BaseException] = []
        ended = threading.Event()

        def wait_for_reply() -> None:
            try:
                send(patient, marker)
            except Exception as error:
                failure.append(error)
            ended.set()

        waiter = threading.Thread(target=wait_for_reply, daemon=True)
        waiter.start()
        deadline = time.monotonic() + 5
        while len(proxy.log) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(proxy.log) == 2
    finally:
        started = time.monotonic()
        proxy.stop()
        stopped_in = time.monotonic() - started
    assert stopped_in < 2
    assert ended.wait(1), "the held reply kept its client waiting after the proxy stopped"
    deadline = time.monotonic() + 1
    while proxy.open_connections() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proxy.open_connections() == 0, "a handler still holds its reply after the proxy stopped"
    assert len(failure) == 1
    assert isinstance(failure[0], ConnectionClosedError)
    assert accepted(moto, marker) == 2


def test_mixed_faults_share_one_draw_and_the_log_matches_what_ses_accepted(moto: str) -> None:
    """Each knob is its fault's own probability; the sends the log says reached SES are those moto has."""
    marker = f"mixed-{uuid.uuid4().hex}"
    with FaultProxy(moto, seed=3) as proxy:
        proxy.configure(ses_throttle=0.2, ses_drop_after=0.3, ses_delay_after=0.1, ses_delay_seconds=0)
        sesv2 = client("sesv2", proxy.endpoint)
        failures: dict[str, int] = {}
        for _ in range(100):
            try:
                send(sesv2, marker)
            except (ClientError, ConnectionClosedError) as error:
                failures[type(error).__name__] = failures.get(type(error).__name__, 0) + 1
        counts = proxy.counts()
        outcomes = [c.outcome for c in proxy.log]
        reached = proxy.ses_send_times()
    assert len(outcomes) == counts["sesv2.SendEmail"] == 100
    shares = {outcome: outcomes.count(outcome) / 100 for outcome in ("throttled", "dropped", "delayed", "forwarded")}
    for outcome, share in {"throttled": 0.2, "dropped": 0.3, "delayed": 0.1, "forwarded": 0.4}.items():
        assert abs(shares[outcome] - share) <= 0.1, shares
    assert failures == {"TooManyRequestsException": counts["throttled"], "ConnectionClosedError": counts["dropped"]}
    assert accepted(moto, marker) == len(reached) == 100 - counts["throttled"]


def test_dynamodb_throttle_is_a_retryable_throttling_error(proxy: FaultProxy) -> None:
    name = f"fp-{uuid.uuid4().hex[:12]}"
    client("dynamodb", proxy.endpoint).create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    proxy.faults.dynamodb_throttle = 1.0
    with pytest.raises(ClientError) as raised:
        client("dynamodb", proxy.endpoint).put_item(TableName=name, Item={"pk": {"S": "a"}})
    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    # its own proxy, so that its seed alone decides which attempts are throttled: seed 10 at 0.5 throttles
    # the first attempt of the second and third calls (a short test; botocore's backoff is its own random)
    with FaultProxy(proxy.upstream, seed=10) as seeded:
        seeded.faults.dynamodb_throttle = 0.5
        retrying = client("dynamodb", seeded.endpoint, Config(retries={"mode": "standard", "max_attempts": 10}))
        retries = [
            retrying.put_item(TableName=name, Item={"pk": {"S": f"k{n}"}})["ResponseMetadata"]["RetryAttempts"]
            for n in range(4)
        ]
        counts = seeded.counts()
    assert retries == [0, 1, 1, 0]
    assert counts["dynamodb.PutItem"] == 6
    assert counts["dynamodb.PutItem.throttled"] == counts["throttled"] == 2


def test_knobs_turn_while_running_and_through_the_control_endpoint(proxy: FaultProxy, moto: str) -> None:
    marker = f"knob-{uuid.uuid4().hex}"
    sesv2 = client("sesv2", proxy.endpoint)
    proxy.faults.ses_throttle = 1.0
    with pytest.raises(ClientError):
        send(sesv2, marker)
    proxy.faults.ses_throttle = 0.0
    send(sesv2, marker)
    assert [c.outcome for c in proxy.log] == ["throttled", "forwarded"]

    status, state = control(proxy, {"ses_throttle": 1, "latency_seconds": 0.05})
    assert status == 200
    assert state["faults"]["ses_throttle"] == proxy.faults.ses_throttle == 1.0
    assert proxy.faults.latency_seconds == 0.05
    started = time.monotonic()
    with pytest.raises(ClientError):
        send(sesv2, marker)
    assert time.monotonic() - started >= 0.05
    status, state = control(proxy, {"ses_throttle": 0.0, "bogus": 1})
    assert status == 400
    assert "bogus" in state["error"]
    assert proxy.faults.ses_throttle == 1.0  # a bad request changes nothing
    status, state = control(proxy, {"ses_throttle": 0.0})
    assert status == 200
    send(sesv2, marker)
    status, state = control(proxy)
    assert status == 200
    assert state["faults"]["ses_throttle"] == 0.0
    assert state["counts"]["sesv2.SendEmail"] == 4
    assert state["counts"]["throttled"] == 2
    assert state["ses_calls"] == 4
    assert accepted(moto, marker) == 2
    assert "__faults__" not in json.dumps(proxy.counts())  # control requests are not proxied calls


def test_ses_send_times_are_those_that_reached_ses(proxy: FaultProxy) -> None:
    sesv2 = client("sesv2", proxy.endpoint)
    marker = f"times-{uuid.uuid4().hex}"
    proxy.faults.ses_throttle = 1.0
    with pytest.raises(ClientError):
        send(sesv2, marker)
    proxy.faults.ses_throttle = 0.0
    before = time.time()
    send(sesv2, marker)
    send(sesv2, marker)
    after = time.time()
    times = proxy.ses_send_times()
    assert len(times) == 2
    assert all(before <= t <= after for t in times)
    assert len(proxy.ses_send_times(outcomes=("throttled",))) == 1


def test_classify_names_service_and_operation() -> None:
    def auth(service: str) -> dict[str, str]:
        return {"Authorization": f"AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/{service}/aws4_request, X=y"}

    assert classify("POST", "/v2/email/outbound-emails", auth("ses"), b"{}") == Call("sesv2", "SendEmail")
    assert classify("POST", "/v2/email/outbound-bulk-emails", auth("ses"), b"{}") == Call("sesv2", "")
    form = {**auth("ses"), "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    assert classify("POST", "/", form, b"Action=SendRawEmail&Version=2010-12-01") == Call("ses", "SendRawEmail")
    target = {**auth("dynamodb"), "X-Amz-Target": "DynamoDB_20120810.UpdateItem"}
    assert classify("POST", "/", target, b"{}") == Call("dynamodb", "UpdateItem")
    presigned = "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Feu-west-1%2Fs3%2Faws4_request"
    assert classify("GET", presigned, {}, b"") == Call("s3", "")
    assert Call("sesv2", "SendEmail").is_ses_send
    assert Call("ses", "SendEmail").is_ses_send
    assert not Call("sesv2", "").is_ses_send


def test_max_in_window() -> None:
    assert max_in_window([]) == 0
    assert max_in_window([5.0]) == 1
    assert max_in_window([0.0, 1.0, 2.0, 3.0]) == 1  # exactly a window apart: separate windows
    assert max_in_window([0.0, 0.999, 1.0, 2.0]) == 2
    assert max_in_window([0.0, 0.999, 1.0, 1.998]) == 3
    assert max_in_window([3.0, 0.1, 0.2, 2.5, 0.3, 2.6, 2.7, 2.8]) == 5  # unsorted input: 2.5 … 3.0
    assert max_in_window([0.0, 0.5, 1.0, 1.4, 1.49], window=0.5) == 3
    assert max_in_window([1.0] * 5) == 5
    with pytest.raises(ValueError):
        max_in_window([1.0], window=0)
    draw = random.Random(3)
    for _ in range(50):  # against the definition, by brute force over every window starting at an event
        times = [float(draw.randrange(50)) for _ in range(draw.randrange(1, 30))]  # exact in binary
        assert max_in_window(times, window=10) == max(sum(t <= u < t + 10 for u in times) for t in times)
