"""`digest doctor` against moto: a healthy stack passes, a broken one fails and says why."""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from digest.local.motoserver import LocalAws
from digest.settings import get_settings
from digest.store.aws import client
from local_http import serving

DMARC = b"v=DMARC1; p=quarantine; rua=mailto:dmarc@example.org"


@pytest.fixture
def stack(stack: LocalAws) -> LocalAws:
    """The module's moto server with a new stack for each test: one breaks it on purpose, others add
    SES rules or publish an edition, and each must find it as created, whichever ran before it."""
    from digest.local.motoserver import reset
    from digest.local.stack import create_stack

    reset(stack.endpoint)
    create_stack(get_settings())
    return stack


@pytest.fixture()
def resolver() -> Iterator[str]:
    """A DNS server on loopback for this test: every question gets the same TXT record.

    It answers until the test ends (no timeout of its own: on a loaded machine the doctor's
    subprocess may take many seconds to ask).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))

    def answer() -> None:
        while True:
            try:
                query, peer = sock.recvfrom(512)
            except OSError:  # closed: the test is over
                return
            question = query[12:]
            header = query[:2] + struct.pack(">HHHHH", 0x8180, 1, 1, 0, 0)
            record = b"\xc0\x0c" + struct.pack(">HHIH", 16, 1, 60, len(DMARC) + 1) + bytes([len(DMARC)]) + DMARC
            sock.sendto(header + question + record, peer)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    yield f"127.0.0.1:{sock.getsockname()[1]}"
    sock.close()
    thread.join(timeout=5)


@pytest.fixture()
def api() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/openapi.json" else 404)
            self.end_headers()
            self.wfile.write(b"{}")

    with serving(Handler) as url:
        yield url


def inbound_function() -> str:
    """A Lambda function for the receipt rule to name (moto checks that it exists; it never runs)."""
    role = client("iam").create_role(RoleName="inbound", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}]}))  # fmt: skip
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return None\n")
    function = client("lambda").create_function(
        FunctionName="inbound",
        Runtime="python3.12",
        Handler="handler.handler",
        Role=role["Role"]["Arn"],
        Code={"ZipFile": code.getvalue()},
    )
    return str(function["FunctionArn"])


def doctor(stack: LocalAws, api_url: str, resolver: str, **env_vars: str) -> tuple[int, dict[str, tuple[str, str]]]:
    env = {**os.environ, "AWS_ENDPOINT_URL": stack.endpoint, "API_BASE_URL": api_url, **env_vars}
    result = subprocess.run([sys.executable, "-m", "digest.cli", "doctor", "--json", "--dns-server", resolver],
                            env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert "Traceback" not in result.stderr
    return result.returncode, {c["check"]: (c["outcome"], c["detail"]) for c in json.loads(result.stdout)}


def test_healthy_stack_passes(stack: LocalAws, api: str, resolver: str) -> None:
    ses = client("ses")
    ses.verify_domain_identity(Domain="example.org")
    ses.verify_domain_dkim(Domain="example.org")
    function_arn = inbound_function()
    ses.create_receipt_rule_set(RuleSetName="digest-inbound")
    ses.create_receipt_rule(RuleSetName="digest-inbound", Rule={
        "Name": "unsubscribe", "Enabled": True, "Recipients": ["unsubscribe@example.org"], "ScanEnabled": True,
        "Actions": [{"LambdaAction": {"FunctionArn": function_arn, "InvocationType": "Event"}}]})  # fmt: skip
    ses.set_active_receipt_rule_set(RuleSetName="digest-inbound")
    footer = {"POSTAL_ADDRESS": "Daily Bugle, 39th Street, New York NY 10001",
              "PRIVACY_POLICY_URL": "https://bugle.example/privacy", "SUPPORT_URL": "https://bugle.example/support"}
    code, checks = doctor(stack, api, resolver, UNSUBSCRIBE_MAILBOX="unsubscribe@example.org", **footer)
    assert {name for name, (outcome, _) in checks.items() if outcome == "fail"} == set(), checks
    assert code == 0
    assert checks["mail footer"] == ("pass", "postal address 'Daily Bugle, 39th Street, New York NY 10001'; "
                                             "privacy and support links set")  # fmt: skip
    assert checks["DMARC record"] == ("pass", DMARC.decode())
    assert checks["unsubscribe by mail"] == ("pass", "unsubscribe@example.org is received by rule unsubscribe")
    assert checks["stack resources"][0] == "pass" and checks["configuration set"][0] == "pass"


def test_broken_stack_fails_and_says_why(stack: LocalAws, resolver: str) -> None:
    client("dynamodb").delete_table(TableName=get_settings().send_log_table)
    client("sesv2").delete_configuration_set(ConfigurationSetName=get_settings().ses_configuration_set)
    client("ses").set_active_receipt_rule_set()  # no name: no active rule set, so no mail is received
    code, checks = doctor(stack, "http://127.0.0.1:9", resolver, UNSUBSCRIBE_MAILBOX="unsubscribe@example.org")
    assert code == 1
    assert checks["unsubscribe by mail"][0] == "fail" and "activate" in checks["unsubscribe by mail"][1]
    assert checks["stack resources"][0] == "fail" and "digest-send-log" in checks["stack resources"][1]
    assert checks["configuration set"][0] == "fail"
    assert checks["API reachable"][0] == "fail"


def _sam_transform() -> Any:
    """tests/infra/test_template.py's offline SAM transform (aws-sam-translator)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "infra" / "test_template.py"
    spec = importlib.util.spec_from_file_location("_template_tests", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.sam_transform(module.load_template(module.TEMPLATE))


def deploy_schedules_with_defaults(stack_name: str) -> dict[str, str]:
    """The stack's schedules as CloudFormation creates them from the template's defaults (moto's
    CloudFormation knows no schedules: they are made through the Scheduler API, named as it names them)."""
    from digest.local.invoke import Resolver

    transformed = _sam_transform()
    resolver = Resolver(transformed, lambda name, attribute: f"arn:aws:lambda:eu-west-1:123456789012:function:{name}")
    cloudformation = client("cloudformation")
    # AlreadyExists: the SDK retried a CreateStack that moto had done but answered too late (a loaded
    # machine); the stack exists, which is all this needs (the module's account was emptied just before)
    with contextlib.suppress(cloudformation.exceptions.AlreadyExistsException):
        cloudformation.create_stack(StackName=stack_name, TemplateBody=json.dumps(
            {"Resources": {"Marker": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}))  # fmt: skip
    states = {}
    for logical_id, resource in transformed["Resources"].items():
        if resource["Type"] != "AWS::Scheduler::Schedule":
            continue
        props = resolver.value(resource["Properties"])
        name = f"{stack_name}-{logical_id}-1A2B3C"[:64]
        target = {"Arn": props["Target"]["Arn"], "RoleArn": "arn:aws:iam::123456789012:role/scheduler",
                  "Input": props["Target"].get("Input", "{}")}  # fmt: skip
        client("scheduler").create_schedule(Name=name, ScheduleExpression=props["ScheduleExpression"],
                                            FlexibleTimeWindow=props["FlexibleTimeWindow"], Target=target,
                                            State=props.get("State", "ENABLED"))  # fmt: skip
        states[logical_id] = props.get("State", "ENABLED")
    return states


def test_a_default_deploy_passes(stack: LocalAws, api: str, resolver: str) -> None:
    """A stack built from the template's defaults (ReaderLocalTime false: the waves schedule is created
    DISABLED; no UnsubscribeMailbox), after docs/deploy.md's SES steps: no check fails."""
    ses = client("ses")
    ses.verify_domain_identity(Domain="example.org")
    ses.verify_domain_dkim(Domain="example.org")
    states = deploy_schedules_with_defaults("digest-default")
    assert "DISABLED" in states.values() and "ENABLED" in states.values(), states
    env = {**os.environ, "AWS_ENDPOINT_URL": stack.endpoint, "API_BASE_URL": api, "UNSUBSCRIBE_MAILBOX": ""}
    result = subprocess.run([sys.executable, "-m", "digest.cli", "doctor", "--json", "--dns-server", resolver,
                             "--stack", "digest-default"], env=env, capture_output=True, text=True, timeout=120)
    checks = {c["check"]: (c["outcome"], c["detail"]) for c in json.loads(result.stdout)}
    assert {name for name, (outcome, _) in checks.items() if outcome == "fail"} == set(), checks
    assert result.returncode == 0
    assert checks["schedules"][0] == "pass" and "local-time waves off" in checks["schedules"][1]
    assert checks["unsubscribe by mail"][0] == "skip"
    # the template's footer is the sample newsroom's: a warning, not a failure, so a trial deploy passes
    assert checks["mail footer"] == ("warn", "PostalAddress, PrivacyPolicyUrl, SupportUrl still the sample "
                                     "newsroom's: set your own before the first edition (sam deploy "
                                     "--parameter-overrides)")  # fmt: skip


# ---------------------------------------------------------------- "view in your browser"


@pytest.fixture()
def archive_site(stack: LocalAws) -> Iterator[str]:
    """The archive bucket over HTTP as ArchiveDistribution serves it: <path>/ is <path>/index.html,
    _email/ and _preview/ are refused, a missing object is a 403 (S3 through an origin access control)."""
    bucket = get_settings().archive_bucket

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            key = self.path.lstrip("/") + ("index.html" if self.path.endswith("/") else "")
            try:
                if key.startswith(("_email/", "_preview/")):
                    raise LookupError(key)
                found = client("s3").get_object(Bucket=bucket, Key=key)
            except (LookupError, client("s3").exceptions.NoSuchKey):
                self.send_response(403)
                self.end_headers()
                return
            body = found["Body"].read()
            self.send_response(200)
            self.send_header("Content-Type", found.get("ContentType") or "binary/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serving(Handler) as url:
        yield url


def test_archive_check_fetches_the_newest_published_edition(
    stack: LocalAws, api: str, archive_site: str, resolver: str
) -> None:
    from test_api import seeded_edition

    from digest.models import EditionStatus
    from digest.render.publish import publish
    from digest.stories.service import set_status

    _, checks = doctor(stack, api, resolver, ARCHIVE_BASE_URL=archive_site)
    assert checks["archive page"] == ("skip", "no edition published yet: nothing to fetch")

    settings = get_settings().model_copy(update={"archive_base_url": archive_site})
    edition = set_status(settings, seeded_edition().id, EditionStatus.approved, who="test")
    publish(settings, edition)
    _, checks = doctor(stack, api, resolver, ARCHIVE_BASE_URL=archive_site)
    assert checks["archive page"] == ("pass", f"{edition.id}: {archive_site}/{edition.id}/ answered 200"), checks

    client("s3").delete_object(Bucket=settings.archive_bucket, Key=f"{edition.id}/index.html")
    code, checks = doctor(stack, api, resolver, ARCHIVE_BASE_URL=archive_site)
    outcome, detail = checks["archive page"]
    assert outcome == "fail" and code == 1
    assert f"{archive_site}/{edition.id}/ answered 403" in detail and "ArchiveBaseUrl" in detail
