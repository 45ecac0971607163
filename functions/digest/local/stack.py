"""`digest stack create`: the template's tables, buckets, queues and SES set-up on a local endpoint.

The resources are read from ``template.yaml`` itself (key schemas, indexes, TTL, redrive), so local
runs and tests use exactly the tables that `sam deploy` creates — only the names are fixed locally.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from digest.local.cfn_yaml import load_template
from digest.settings import REPO_ROOT, Settings
from digest.store.aws import client
from digest.store.queues import LOCAL_QUEUE_NAMES

TEMPLATE = REPO_ROOT / "template.yaml"


def _kebab(logical_id: str) -> str:
    return "digest-" + re.sub(r"(?<!^)(?=[A-Z])", "-", logical_id.removesuffix("Queue")).lower()


def local_name(names: dict[str, str], logical_id: str) -> str:
    """The local name of a resource: fixed for those the code uses, derived from the logical id otherwise."""
    return names.get(logical_id) or _kebab(logical_id)


def local_names(settings: Settings) -> dict[str, str]:
    """Template logical id -> the resource name used on a local endpoint."""
    return {
        "ArticlesTable": settings.articles_table,
        "SourcesTable": settings.sources_table,
        "SubscribersTable": settings.subscribers_table,
        "EditionsTable": settings.editions_table,
        "SendLogTable": settings.send_log_table,
        "IdempotencyTable": settings.idempotency_table,
        "ArticlesBucket": settings.articles_bucket,
        "ArchiveBucket": settings.archive_bucket,
        "IngestQueue": LOCAL_QUEUE_NAMES["ingest"],
        "IngestDeadLetterQueue": f"{LOCAL_QUEUE_NAMES['ingest']}-dlq",
        "SendQueue": LOCAL_QUEUE_NAMES["send"],
        "SendDeadLetterQueue": f"{LOCAL_QUEUE_NAMES['send']}-dlq",
        "NoticesQueue": LOCAL_QUEUE_NAMES["notices"],
        "NoticesDeadLetterQueue": f"{LOCAL_QUEUE_NAMES['notices']}-dlq",
        "SesConfigurationSet": settings.ses_configuration_set,
    }


@cache
def function_timeout(logical_id: str, template_path: Path = TEMPLATE) -> int:
    """A function's Timeout in the template (its own, else the Globals'), as Lambda would enforce it.
    Read once per process: parsing the template takes half a second, and `digest serve` drains its
    notices queue every second."""
    template = load_template(template_path)
    own = template["Resources"].get(logical_id, {}).get("Properties", {}).get("Timeout")
    return int(own or template.get("Globals", {}).get("Function", {}).get("Timeout", 3))


def table_definitions(template: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    """CreateTable requests for the template's DynamoDB tables, under their local names."""
    requests = []
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::DynamoDB::Table":
            continue
        props = resource["Properties"]
        request: dict[str, Any] = {
            "TableName": names[logical_id],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if props.get("GlobalSecondaryIndexes"):
            request["GlobalSecondaryIndexes"] = [
                {k: v for k, v in index.items() if k in {"IndexName", "KeySchema", "Projection"}}
                for index in props["GlobalSecondaryIndexes"]
            ]
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            request["_ttl"] = ttl["AttributeName"]
        requests.append(request)
    return requests


def _exists(error: ClientError) -> bool:
    return error.response["Error"]["Code"] in {
        "ResourceInUseException",
        "BucketAlreadyOwnedByYou",
        "BucketAlreadyExists",
        "QueueAlreadyExists",
        "AlreadyExistsException",
        "ConfigurationSetAlreadyExistsException",
        "EventDestinationAlreadyExists",  # SES v1 (moto): the stack's event destination, on a second run
    }


def create_stack(settings: Settings, template_path: Path = TEMPLATE) -> list[str]:
    """Create every resource that is missing; returns what was created. Safe to run again."""
    template = load_template(template_path)
    names = local_names(settings)
    created: list[str] = []
    dynamodb, s3, sqs, sesv2 = client("dynamodb"), client("s3"), client("sqs"), client("sesv2")
    for request in table_definitions(template, names):
        ttl = request.pop("_ttl", None)
        try:
            dynamodb.create_table(**request)
            created.append(f"table {request['TableName']}")
        except ClientError as error:
            if not _exists(error):
                raise
        if ttl:
            dynamodb.update_time_to_live(
                TableName=request["TableName"], TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl}
            )
    region = s3.meta.region_name
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::S3::Bucket":
            extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
            try:
                s3.create_bucket(Bucket=names[logical_id], **extra)
                created.append(f"bucket {names[logical_id]}")
            except ClientError as error:
                if not _exists(error):
                    raise
    queues = {lid: r for lid, r in template["Resources"].items() if r["Type"] == "AWS::SQS::Queue"}
    urls: dict[str, str] = {}
    for logical_id in sorted(queues, key=lambda lid: "RedrivePolicy" in queues[lid].get("Properties", {})):
        props = queues[logical_id].get("Properties", {})
        attributes = {"VisibilityTimeout": str(props.get("VisibilityTimeout", 30))}
        redrive = props.get("RedrivePolicy")
        if redrive:
            target = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
            arn = sqs.get_queue_attributes(QueueUrl=urls[target], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": arn, "maxReceiveCount": str(redrive["maxReceiveCount"])}
            )
        name = local_name(names, logical_id)
        urls[logical_id] = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        created.append(f"queue {name}")
    try:
        sesv2.create_configuration_set(ConfigurationSetName=settings.ses_configuration_set)
        created.append(f"SES configuration set {settings.ses_configuration_set}")
    except ClientError as error:
        if not _exists(error):
            raise
    try:  # stands for the template's EventBridge destination (SES v1, which moto implements, cannot name one)
        client("ses").create_configuration_set_event_destination(
            ConfigurationSetName=settings.ses_configuration_set,
            EventDestination={"Name": "events", "Enabled": True,
                              "MatchingEventTypes": ["send", "bounce", "complaint", "delivery", "open", "click"]},
        )  # fmt: skip
    except ClientError as error:
        if not _exists(error):
            raise
    sesv2.create_email_identity(EmailIdentity=settings.sender_address)
    created.append(f"SES identity {settings.sender_address}")
    return created


def create_secrets(settings: Settings, template_path: Path = TEMPLATE) -> list[str]:
    """The template's two secrets holding the local keys, so a function given a secret's ARN (digest
    invoke, sam local invoke) signs and checks exactly as one given the plain local settings.

    Separate from create_stack: with secrets in it, moto's /moto-api/data.json (which the send tests
    read SES's messages from) fails to serialise its state now and then.
    """
    names, created = local_names(settings), []
    secrets = client("secretsmanager")
    for logical_id, value in (("TokenSecret", settings.token_secret), ("AdminApiKeySecret", settings.admin_api_key)):
        try:
            secrets.create_secret(Name=local_name(names, logical_id), SecretString=value)
            created.append(f"secret {local_name(names, logical_id)}")
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceExistsException":
                raise
    return created
