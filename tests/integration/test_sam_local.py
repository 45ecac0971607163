"""`sam local invoke` gets a working environment: the generated --env-vars file, read as SAM CLI reads it.

SAM CLI has no stack, so it resolves a variable written as !Ref or !GetAtt to the resource's logical
id (ARTICLES_TABLE=ArticlesTable) and lets the --env-vars file override only declared variables.
`digest stack env-vars` writes the file; these tests resolve the template the way SAM CLI does,
apply the file, and prove that no function is left with a logical id where a name or ARN belongs,
and that every name and URL in it is a resource of the local stack.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from digest.local.cfn_yaml import load_template
from digest.local.invoke import declared_environment, functions, referenced_resources, sam_cli_environment, sam_env_vars
from digest.local.motoserver import LocalAws
from digest.settings import get_settings
from digest.store.aws import client

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(REPO / "template.yaml")
FUNCTIONS = sorted(functions(TEMPLATE))
RESOURCES = sorted(TEMPLATE["Resources"], key=len, reverse=True)


@pytest.fixture(scope="module", autouse=True)
def secrets(stack: LocalAws) -> None:
    from digest.local.stack import create_secrets

    create_secrets(get_settings())


def logical_ids_in(value: str) -> list[str]:
    return [lid for lid in RESOURCES if re.search(rf"(?<![A-Za-z0-9]){lid}(?![A-Za-z0-9])", value)]


def test_without_the_file_sam_cli_gives_logical_ids() -> None:
    """The problem the file solves, as SAM CLI resolves the template."""
    environment = sam_cli_environment(TEMPLATE, "SendWorkerFunction")
    assert environment["ARTICLES_TABLE"] == "ArticlesTable"
    assert environment["SEND_QUEUE_URL"] == "SendQueue"
    assert environment["TOKEN_SECRET_ARN"] == "TokenSecret"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_the_file_leaves_no_logical_id_where_a_name_belongs(name: str, stack: LocalAws) -> None:
    endpoint = "http://host.docker.internal:5000"
    env_vars = sam_env_vars(get_settings(), endpoint)
    assert set(env_vars) == set(FUNCTIONS)
    environment = sam_cli_environment(TEMPLATE, name, env_vars)
    leftovers = {k: v for k, v in environment.items() if logical_ids_in(v)}
    assert not leftovers, f"{name} would see logical ids under sam local invoke: {leftovers}"
    references = {k for k, raw in declared_environment(TEMPLATE, name).items() if referenced_resources(raw, TEMPLATE)}
    assert references <= set(env_vars[name]), "every variable that refers to a resource is in the file"
    assert environment["AWS_ENDPOINT_URL"] == endpoint
    assert environment["SEND_QUEUE_URL"].startswith(f"{endpoint}/")
    assert environment["ARCHIVE_BASE_URL"] == "http://host.docker.internal:5000/digest-archive"


def test_every_value_in_the_file_is_a_resource_of_the_local_stack(stack: LocalAws) -> None:
    """With --docker-network host the container reaches the stack at this process's endpoint: check each."""
    env_vars = sam_env_vars(get_settings(), stack.endpoint)
    for name in FUNCTIONS:
        values = env_vars[name]
        for variable in ("ARTICLES_TABLE", "SOURCES_TABLE", "SUBSCRIBERS_TABLE", "EDITIONS_TABLE", "SEND_LOG_TABLE",
                         "IDEMPOTENCY_TABLE"):  # fmt: skip
            client("dynamodb").describe_table(TableName=values[variable])
        for variable in ("ARTICLES_BUCKET", "ARCHIVE_BUCKET"):
            client("s3").head_bucket(Bucket=values[variable])
        for variable in ("INGEST_QUEUE_URL", "SEND_QUEUE_URL"):
            client("sqs").get_queue_attributes(QueueUrl=values[variable], AttributeNames=["QueueArn"])
        for variable in ("TOKEN_SECRET_ARN", "ADMIN_API_KEY_SECRET_ARN"):
            client("secretsmanager").describe_secret(SecretId=values[variable])
        client("sesv2").get_configuration_set(ConfigurationSetName=values["SES_CONFIGURATION_SET"])


def test_digest_stack_env_vars_writes_the_file_for_the_container(stack: LocalAws, tmp_path: Path) -> None:
    out = tmp_path / "env.json"
    env = {**os.environ, "AWS_ENDPOINT_URL": stack.endpoint}
    result = subprocess.run([sys.executable, "-m", "digest.cli", "stack", "env-vars", "--out", str(out)],
                            env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = json.loads(out.read_text())
    port = stack.endpoint.rsplit(":", 1)[1]
    assert written["SendWorkerFunction"]["AWS_ENDPOINT_URL"] == f"http://host.docker.internal:{port}"
    command = [sys.executable, "-m", "digest.cli", "stack", "env-vars", "--out", "-", "--docker-network-host"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert json.loads(result.stdout)["SendWorkerFunction"]["AWS_ENDPOINT_URL"] == stack.endpoint
