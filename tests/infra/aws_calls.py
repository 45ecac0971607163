"""The AWS actions each function's code can call, read from the code, for least-privilege checks.

Only ``digest.store`` talks to AWS (and Powertools' idempotency layer in the SES events handler).
From a function's handler, ``test_packages.reach`` finds the store code it can run; here each
reached store function or method is read for the calls it makes:

* ``self.table.<op>`` (or ``self.table.meta.client.<op>``), called or handed to ``items()``: a
  DynamoDB operation on the table of the store class (``STORE_RESOURCES``);
* ``<x>.<op>(...)`` where ``<op>`` is an operation of a service whose client the same module
  creates (``client("s3")``, ``once_client``): that service's operation; S3 calls act on the store
  class's bucket;
* ``get_paginator("<op>")``: that operation;
* the secrets a reached function reads (``SECRET_READERS``) and Powertools idempotency
  (``POWERTOOLS_IDEMPOTENCY``).

Operations are turned into IAM actions with botocore's service models (signing name + operation
name), plus the few documented differences (``ACTION_OF``).
"""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import botocore.session
from botocore import xform_name
from test_packages import FUNCTIONS_DIR, function_reach, module_path


class Need(NamedTuple):
    """One IAM action a function needs, on one resource of the template (None: not read from code)."""

    action: str
    resource: str | None


# The resources behind each store class's ``self.table`` and ``self.bucket``.
STORE_RESOURCES: dict[str, dict[str, str]] = {
    "ArticleStore": {"table": "ArticlesTable", "bucket": "ArticlesBucket"},
    "EditionStore": {"table": "EditionsTable", "bucket": "ArchiveBucket"},
    "SourceStore": {"table": "SourcesTable"},
    "SubscriberStore": {"table": "SubscribersTable"},
    "SendLog": {"table": "SendLogTable"},
    "Lease": {"table": "IdempotencyTable"},
    "Limits": {"table": "IdempotencyTable"},
    "Pacer": {"table": "IdempotencyTable"},
}
# Store functions that read a secret (through Powertools' parameters, so not a client call here).
SECRET_READERS: dict[tuple[str, str], str] = {
    ("digest.store.secrets", "token_keys"): "TokenSecret",
    ("digest.store.secrets", "admin_api_key"): "AdminApiKeySecret",
}
# Powertools' DynamoDB idempotency layer: what it calls on its table (utilities/idempotency).
POWERTOOLS_IDEMPOTENCY = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
IDEMPOTENCY_USER = ("digest.handlers.ses_events", "recorder")
# Where an operation's IAM action is not ``<signing name>:<operation>``.
ACTION_OF: dict[str, tuple[str, ...]] = {
    "s3:HeadObject": ("s3:GetObject",),
    "sqs:SendMessageBatch": ("sqs:SendMessage",),
    "lambda:Invoke": ("lambda:InvokeFunction",),
    "dynamodb:batch_writer": ("dynamodb:BatchWriteItem",),
    # SESv2 SendEmail with Raw content: authorised as SendEmail, and as SendRawEmail by policies
    # written for the v1 API (AWS's own CDK grants both for an identity's sendEmail).
    "ses:SendEmail": ("ses:SendEmail", "ses:SendRawEmail"),
}
DYNAMODB_TABLE_OPS = {
    "get_item", "put_item", "update_item", "delete_item", "query", "scan", "batch_get_item", "batch_write_item",
    "batch_writer", "transact_write_items",
}  # fmt: skip
# Actions granted for what the code asks of a resource it reads: s3:ListBucket makes a missing key a
# 404 instead of a 403 (the stores tell "not there" from "refused").
IMPLIED = {"s3:ListBucket": "s3:GetObject"}


@cache
def _service_ops(service: str) -> dict[str, str]:
    """snake_case method name -> IAM action for one boto3 client."""
    model = botocore.session.get_session().get_service_model(service)
    prefix = model.signing_name or model.endpoint_prefix
    return {xform_name(op): f"{prefix}:{op}" for op in model.operation_names}


def iam_actions(action: str) -> tuple[str, ...]:
    """The IAM actions that authorise one ``<signing name>:<Operation>`` call."""
    return ACTION_OF.get(action, (action,))


@cache
def _tree(module: str) -> ast.Module:
    path = module_path(module, FUNCTIONS_DIR)
    assert path, module
    return ast.parse(path.read_text(encoding="utf-8"))


def _definition(module: str, name: str) -> ast.AST | None:
    scope: list[ast.stmt] = _tree(module).body
    found: ast.AST | None = None
    for part in name.split("."):
        found = next((n for n in scope if isinstance(n, ast.FunctionDef | ast.ClassDef) and n.name == part), None)
        if found is None:
            return None
        scope = found.body
    return found


def _clients_created(module: str) -> set[str]:
    """Services whose client a module creates: ``client("svc", ...)``."""
    services: set[str] = set()
    for node in ast.walk(_tree(module)):
        is_client = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "client"
        if is_client and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            services.add(node.args[0].value)
    return services


def _chain(node: ast.AST) -> list[str]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return parts[::-1]


def calls_in(module: str, name: str) -> set[Need]:
    """The AWS actions one store function or method (``Class.method``) calls."""
    definition = _definition(module, name)
    if definition is None:
        return set()
    resources = STORE_RESOURCES.get(name.split(".")[0], {}) if "." in name else {}
    services = {svc: _service_ops(svc) for svc in _clients_created(module)}
    if isinstance(definition, ast.ClassDef):  # its body only: each method is a node of its own
        definition = ast.Module([n for n in definition.body if not isinstance(n, ast.FunctionDef)], [])
    needs: set[Need] = set()
    for node in ast.walk(definition):
        if isinstance(node, ast.Attribute):
            chain = _chain(node)
            if chain[:2] == ["self", "table"] and chain[-1] in DYNAMODB_TABLE_OPS and "table" in resources:
                op = chain[-1]
                action = _service_ops("dynamodb").get(op, f"dynamodb:{op}")
                needs |= {Need(a, resources["table"]) for a in iam_actions(action)}
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method == "get_paginator" and node.args and isinstance(node.args[0], ast.Constant):
                method = str(node.args[0].value)
            for service, ops in services.items():
                if method in ops:
                    resource = resources.get("bucket") if service == "s3" else None
                    needs |= {Need(a, resource) for a in iam_actions(ops[method])}
    if (module, name) in SECRET_READERS:
        needs.add(Need("secretsmanager:GetSecretValue", SECRET_READERS[module, name]))
    if (module, name) == IDEMPOTENCY_USER:
        needs |= {Need(a, "IdempotencyTable") for a in POWERTOOLS_IDEMPOTENCY}
    return needs


@cache
def function_needs(function: str) -> frozenset[Need]:
    """Every AWS action the function's code can call (what its role must allow)."""
    needs: set[Need] = set()
    for module, name in function_reach(function).nodes:
        if name and (module.startswith("digest.store.") or (module, name) == IDEMPOTENCY_USER):
            needs |= calls_in(module, name)
    return frozenset(needs)


def store_entry_points() -> set[tuple[str, str]]:
    """Every function and method of digest.store (for checking that the reading misses none)."""
    found: set[tuple[str, str]] = set()
    for path in sorted((Path(FUNCTIONS_DIR) / "digest" / "store").glob("*.py")):
        module = f"digest.store.{path.stem}"
        for node in _tree(module).body:
            if isinstance(node, ast.FunctionDef):
                found.add((module, node.name))
            elif isinstance(node, ast.ClassDef):
                found |= {(module, f"{node.name}.{n.name}") for n in node.body if isinstance(n, ast.FunctionDef)}
    return found


# ---------------------------------------------------------------- what each role grants


class Grant(NamedTuple):
    """One action a function's role allows, on the template resources its statement names."""

    action: str
    resources: frozenset[str]  # logical ids; empty: "*" or only names that are not resources
    sid: str


@cache
def transformed_template() -> dict[str, Any]:
    from test_template import TEMPLATE, sam_transform

    from digest.local.cfn_yaml import load_template

    return sam_transform(load_template(TEMPLATE))


def grants(function: str) -> list[Grant]:
    """The inline policy statements of the function's role (SAM policy templates expanded)."""
    from test_template import resource_refs

    resources = transformed_template()["Resources"]
    role = resources[function]["Properties"]["Role"]["Fn::GetAtt"][0]
    found: list[Grant] = []
    for policy in resources[role]["Properties"].get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            named = frozenset(r for r in resource_refs(statement["Resource"]) if r in resources)
            sid = statement.get("Sid") or policy["PolicyName"]
            found += [Grant(action, named, sid) for action in actions]
    return found


def allows(grant: Grant, need: Need) -> bool:
    """Whether one granted statement covers a needed action (a resource of None: any resource)."""
    if not fnmatch.fnmatchcase(need.action, grant.action):
        return False
    return need.resource is None or not grant.resources or need.resource in grant.resources


def foreseen(call: Need, needs: Iterable[Need]) -> bool:
    """Whether a call made at run time is among the needs read from the code."""
    return any(n.action == call.action and n.resource in (None, call.resource) for n in needs)
