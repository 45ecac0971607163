"""Read-only look at a stack's AWS resources, for `digest doctor`."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from digest.settings import Settings
from digest.store.aws import client
from digest.store.queues import queue_url


def _error(error: Exception) -> str:
    if isinstance(error, ClientError):
        return f"{error.response['Error'].get('Code')}: {error.response['Error'].get('Message')}"
    return str(error)


def missing_resources(settings: Settings) -> list[str]:
    """Tables, buckets and queues the settings name that cannot be found."""
    missing: list[str] = []
    for name in (settings.articles_table, settings.sources_table, settings.subscribers_table,
                 settings.editions_table, settings.send_log_table, settings.idempotency_table):  # fmt: skip
        try:
            client("dynamodb").describe_table(TableName=name)
        except (ClientError, BotoCoreError) as error:
            missing.append(f"table {name} ({_error(error)})")
    for bucket in (settings.articles_bucket, settings.archive_bucket):
        try:
            client("s3").head_bucket(Bucket=bucket)
        except (ClientError, BotoCoreError) as error:
            missing.append(f"bucket {bucket} ({_error(error)})")
    queues = {"ingest": settings.ingest_queue_url, "send": settings.send_queue_url,
              "notices": settings.notices_queue_url}  # fmt: skip
    for purpose, configured in queues.items():
        try:
            client("sqs").get_queue_attributes(QueueUrl=queue_url(configured, purpose), AttributeNames=["QueueArn"])
        except (ClientError, BotoCoreError) as error:
            missing.append(f"{purpose} queue ({_error(error)})")
    return missing


def identity_status(identities: list[str]) -> dict[str, dict[str, Any]]:
    """Verification and DKIM attributes of SES identities (addresses and domains)."""
    ses = client("ses")
    verification = ses.get_identity_verification_attributes(Identities=identities)["VerificationAttributes"]
    dkim = ses.get_identity_dkim_attributes(Identities=identities)["DkimAttributes"]
    return {i: {**verification.get(i, {}), **dkim.get(i, {})} for i in identities}


def sending_account() -> dict[str, Any]:
    """Production access (where the endpoint says) and the sending quota."""
    quota = client("ses").get_send_quota()
    account: dict[str, Any] = {"max_24h": quota["Max24HourSend"], "max_rate": quota["MaxSendRate"]}
    try:
        account["production"] = bool(client("sesv2").get_account()["ProductionAccessEnabled"])
    except (ClientError, BotoCoreError):
        account["production"] = None  # the endpoint (moto, say) does not tell
    return account


def event_destinations(configuration_set: str) -> list[dict[str, Any]]:
    """The configuration set's event destinations; raises LookupError when the set is missing."""
    try:
        reply = client("sesv2").get_configuration_set_event_destinations(ConfigurationSetName=configuration_set)
        return list(reply.get("EventDestinations", []))
    except ClientError as error:
        if error.response["Error"]["Code"] == "NotFoundException":
            raise LookupError(f"configuration set {configuration_set} not found") from error
    except BotoCoreError:
        pass
    try:  # endpoints without that SES v2 operation
        reply = client("ses").describe_configuration_set(
            ConfigurationSetName=configuration_set, ConfigurationSetAttributeNames=["eventDestinations"]
        )
    except ClientError as error:
        raise LookupError(f"configuration set {configuration_set} not found ({_error(error)})") from error
    return [d for d in reply.get("EventDestinations", []) if d]


def active_receipt_rules() -> list[dict[str, Any]]:
    """The rules of the account's active SES receipt rule set (SES allows one active set per region)."""
    return list(client("ses").describe_active_receipt_rule_set().get("Rules", []))


def schedules(stack_name: str) -> dict[str, dict[str, str]]:
    """Each EventBridge Scheduler schedule of the CloudFormation stack: name -> its State and Input.

    The stack's resources name them; where the endpoint lists none (moto's CloudFormation knows no
    schedules), the names CloudFormation gives them - "<stack>-<logical id>-<suffix>" - do.
    """
    names: list[str] = []
    pages = client("cloudformation").get_paginator("list_stack_resources").paginate(StackName=stack_name)
    for page in pages:
        for resource in page["StackResourceSummaries"]:
            if resource["ResourceType"] == "AWS::Scheduler::Schedule":
                names.append(resource["PhysicalResourceId"].split("|")[-1])
    if not names:
        for page in client("scheduler").get_paginator("list_schedules").paginate(NamePrefix=f"{stack_name}-"):
            names.extend(s["Name"] for s in page["Schedules"])
    found: dict[str, dict[str, str]] = {}
    for name in names:
        schedule = client("scheduler").get_schedule(Name=name)
        found[name] = {"State": schedule["State"], "Input": schedule.get("Target", {}).get("Input", "")}
    return found


def secret_exists(arn: str) -> bool:
    try:
        client("secretsmanager").describe_secret(SecretId=arn)
    except ClientError:
        return False
    return True
