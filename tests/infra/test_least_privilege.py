"""Each function's role allows what its own code can call, and nothing else.

moto does not check IAM, so a missing grant shows first in AWS, as an AccessDenied on a Friday.
``aws_calls.function_needs`` reads, from each handler, every AWS action the code it can run calls.
Here the role (after the SAM transform) must cover all of them, and every action it grants must be
one of them.  tests/integration/test_invoke.py checks the other side at run time: every call a
handler makes on the local stack is allowed by its role and was foreseen here.
"""

from __future__ import annotations

import pytest
from aws_calls import IMPLIED, Grant, Need, allows, function_needs, grants, transformed_template
from test_packages import FUNCTION_NAMES

# Needs the reading finds that no deployed function has, each with the reason.  The reading follows
# method names, so a store method shares the fate of any method of the same name that is called.
NOT_BY_NAME = "reached only by name (SubscriberStore.put and SourceStore.get are called, so every reached "
INGEST_ONLY = NOT_BY_NAME + "store's put/get is): only ingest and picks store articles and source state"
PACER_ONLY = NOT_BY_NAME + "_update_if is: Pacer's): only the send functions update the send log"
NOT_IN_AWS: dict[tuple[str, Need], str] = {
    **{
        (name, Need("sqs:GetQueueUrl", None)): "queues.queue_url looks a queue up only when no URL is configured "
        "(a laptop); the template sets INGEST_QUEUE_URL and SEND_QUEUE_URL"
        for name in FUNCTION_NAMES
    },
    ("ApiFunction", Need("secretsmanager:GetSecretValue", "AdminApiKeySecret")): "api/web.py's admin check is "
    "shared with the editors' API; the public function serves no admin route (tests/infra/test_template.py "
    "routes), so it never reads the admin key",
    **{(name, Need("dynamodb:UpdateItem", "SendLogTable")): PACER_ONLY
       for name in ("ApiFunction", "BuildEditionFunction", "NoticeWorkerFunction")},
    **{(name, need): INGEST_ONLY
       for name in ("SesEventsFunction", "AdminApiFunction")
       for need in (Need("dynamodb:PutItem", "ArticlesTable"), Need("dynamodb:BatchWriteItem", "ArticlesTable"),
                    Need("s3:PutObject", "ArticlesBucket"))},
    **{("SesEventsFunction", need): INGEST_ONLY
       for need in (Need("dynamodb:GetItem", "ArticlesTable"), Need("dynamodb:GetItem", "SourcesTable"),
                    Need("dynamodb:PutItem", "SourcesTable"))},
}  # fmt: skip
# Grants the Lambda service uses on the function's behalf, not its code.
SERVICE_GRANT_SUFFIXES = ("EventInvokeConfigOnFailureSQSPolicy",)


def _covers(grant: Grant, needs: frozenset[Need]) -> bool:
    """Whether some need uses the grant (a grant IMPLIED by a need counts as that need's)."""
    used_as = grant._replace(action=IMPLIED.get(grant.action, grant.action))
    return any(allows(used_as, need) for need in needs)


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_the_role_allows_every_call_the_code_can_make(name: str) -> None:
    missing = sorted(
        str(need)
        for need in function_needs(name)
        if (name, need) not in NOT_IN_AWS and not any(allows(grant, need) for grant in grants(name))
    )
    assert not missing, f"{name}'s code can call these, which its role would refuse (AccessDenied): {missing}"


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_the_role_grants_nothing_the_code_cannot_call(name: str) -> None:
    needs = function_needs(name)
    excess = sorted(
        f"{grant.sid}: {grant.action} on {sorted(grant.resources) or '*'}"
        for grant in grants(name)
        if not grant.sid.endswith(SERVICE_GRANT_SUFFIXES) and not _covers(grant, needs)
    )
    assert not excess, f"{name} is granted what none of its code calls: {excess}"


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_roles_name_their_actions(name: str) -> None:
    """No SAM DynamoDB/S3 policy templates (CRUD where get and put would do) and no wildcard actions."""
    policies = transformed_template()["Resources"][name]["Properties"]
    assert "Policies" not in policies, "the SAM transform moves policies to the role"
    for grant in grants(name):
        assert "*" not in grant.action or grant.action == "sqs:SendMessage*", f"{name} {grant.sid}: {grant.action}"


def test_the_exceptions_are_still_needed() -> None:
    """An exception that no longer matches a need read from the code is stale: remove it."""
    stale = [
        key for key in NOT_IN_AWS
        if key[1].action != "sqs:GetQueueUrl" and key[1] not in function_needs(key[0])
    ]  # fmt: skip
    assert not stale, stale


def test_the_reading_sees_the_calls_of_every_store() -> None:
    """Each kind of call the stores make is read: a table operation, a client call, a paginator, a secret."""
    needs = function_needs("SendWorkerFunction")
    assert Need("dynamodb:UpdateItem", "SendLogTable") in needs  # self.table.update_item
    assert Need("dynamodb:BatchGetItem", "SubscribersTable") in needs  # self.table.meta.client.batch_get_item
    assert Need("ses:SendEmail", None) in needs  # client("sesv2") in the module, .send_email in _send
    assert Need("s3:PutObject", "ArchiveBucket") in needs  # client("s3").put_object(Bucket=self.bucket)
    assert Need("secretsmanager:GetSecretValue", "TokenSecret") in needs  # Powertools' get_secret
    assert Need("dynamodb:Query", "ArticlesTable") in function_needs("BuildEditionFunction")  # items(self.table.query)
    assert Need("dynamodb:PutItem", "IdempotencyTable") in function_needs("SesEventsFunction")  # Powertools
    assert "Properties" in transformed_template()["Resources"]["SendWorkerFunction"]
