"""The template's functions against a local stack: SAM CLI's ``--env-vars`` file, and `digest invoke`.

SAM CLI resolves an environment value written as ``!Ref``/``!GetAtt`` to the resource's logical id
(there is no stack), so inside ``sam local invoke`` a function would see ARTICLES_TABLE=ArticlesTable.
:func:`sam_env_vars` writes the file that sets every such variable, for every function, to the local
stack's names (a moto server on an endpoint the SAM container can reach).  :func:`function_environment`
resolves a function's whole environment for this process, and :func:`invoke_function` runs its handler
from the template's Handler with a Lambda-like context — `sam local invoke` without Docker.
"""

from __future__ import annotations

import importlib
import json
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from digest.local.cfn_yaml import load_template
from digest.local.context import LocalContext
from digest.local.stack import TEMPLATE, local_name, local_names
from digest.settings import REPO_ROOT, Settings

FUNCTION_TYPE = "AWS::Serverless::Function"
# Each file in events/ and the function it is an example event of.
EVENT_FUNCTIONS = {
    "api_admin_subscribers.json": "AdminApiFunction",
    "api_subscribe.json": "ApiFunction",
    "build_edition.json": "BuildEditionFunction",
    "inbound_unsubscribe.json": "InboundMailFunction",
    "ingest_fanout.json": "IngestFanoutFunction",
    "ingest_worker.json": "IngestWorkerFunction",
    "notice_worker.json": "NoticeWorkerFunction",
    "picks.json": "PicksFunction",
    "send_dispatch.json": "SendDispatchFunction",
    "send_worker.json": "SendWorkerFunction",
    "ses_events.json": "SesEventsFunction",
    "ses_events_complaint.json": "SesEventsFunction",
    "ses_events_delivery.json": "SesEventsFunction",
}
# `sam local start-api`'s default address: what the functions put in reader links locally.
LOCAL_API_URL = "http://127.0.0.1:3000"
# moto's default account, in the queue URLs it hands out.
MOTO_ACCOUNT = "123456789012"
_PSEUDO = {"AWS::Region": "us-east-1", "AWS::AccountId": MOTO_ACCOUNT, "AWS::Partition": "aws",
           "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "local", "AWS::NoValue": None}  # fmt: skip
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


def functions(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Logical id -> resource, for every function in the template."""
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == FUNCTION_TYPE}


def declared_environment(template: Mapping[str, Any], logical_id: str) -> dict[str, Any]:
    """A function's variables as written (Globals merged with its own), intrinsic functions unresolved."""
    globals_env = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    own = template["Resources"][logical_id].get("Properties", {}).get("Environment", {}).get("Variables", {})
    return {**globals_env, **own}


def function_property(template: Mapping[str, Any], logical_id: str, name: str, default: Any = None) -> Any:
    own = template["Resources"][logical_id].get("Properties", {})
    return own.get(name, template.get("Globals", {}).get("Function", {}).get(name, default))


def referenced_resources(value: Any, template: Mapping[str, Any]) -> set[str]:
    """Logical ids of resources (not parameters or pseudo parameters) that ``value`` refers to."""
    resources = template["Resources"]
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str) and inner in resources:
                found.add(inner)
            elif key == "Fn::GetAtt":
                found.add(inner[0] if isinstance(inner, list) else str(inner).split(".")[0])
            elif key == "Fn::Sub":
                text, mapping = (inner, {}) if isinstance(inner, str) else (inner[0], inner[1])
                for name in _SUB_VARIABLE.findall(text):
                    if name.split(".")[0] in resources and name not in mapping:
                        found.add(name.split(".")[0])
                found |= referenced_resources(mapping, template)
            else:
                found |= referenced_resources(inner, template)
    elif isinstance(value, list):
        for inner in value:
            found |= referenced_resources(inner, template)
    return found


class Resolver:
    """Evaluates the template's intrinsic functions, with ``resource`` answering for resources.

    Parameters take their defaults (or ``overrides``, as ``--parameter-overrides`` gives them) and
    conditions are evaluated on them, as SAM CLI does.
    """

    def __init__(self, template: Mapping[str, Any], resource: Callable[[str, str | None], Any],
                 overrides: Mapping[str, str] | None = None) -> None:  # fmt: skip
        self.template, self.resource = template, resource
        self.parameters = {name: str(p.get("Default", "")) for name, p in template.get("Parameters", {}).items()}
        self.parameters.update(overrides or {})

    def condition(self, name: str) -> bool:
        return bool(self.value(self.template.get("Conditions", {})[name]))

    def value(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.value(n) for n in node]
        if not isinstance(node, dict):
            return node
        if len(node) != 1:
            return {k: self.value(v) for k, v in node.items()}
        (key, arg), = node.items()  # fmt: skip
        if key == "Ref":
            if arg in self.parameters:
                return self.parameters[arg]
            if arg in _PSEUDO:
                return _PSEUDO[arg]
            return self.resource(arg, None)
        if key == "Fn::GetAtt":
            name, attribute = arg if isinstance(arg, list) else str(arg).split(".", 1)
            return self.resource(name, attribute)
        if key == "Fn::Sub":
            text, mapping = (arg, {}) if isinstance(arg, str) else (arg[0], self.value(arg[1]))

            def substitute(match: re.Match[str]) -> str:
                name = match.group(1)
                if name in mapping:
                    return str(mapping[name])
                if "." in name and name.split(".")[0] in self.template["Resources"]:
                    return str(self.resource(*name.split(".", 1)))
                return str(self.value({"Ref": name}))

            return _SUB_VARIABLE.sub(substitute, text)
        if key == "Fn::If":
            return self.value(arg[1] if self.condition(arg[0]) else arg[2])
        if key == "Fn::Equals":
            return str(self.value(arg[0])) == str(self.value(arg[1]))
        if key == "Fn::Not":
            return not self.value(arg[0])
        if key == "Fn::And":
            return all(self.value(a) for a in arg)
        if key == "Fn::Or":
            return any(self.value(a) for a in arg)
        if key == "Condition":
            return self.condition(arg)
        if key == "Fn::Select":
            return self.value(arg[1])[int(self.value(arg[0]))]
        if key == "Fn::Split":
            return str(self.value(arg[1])).split(arg[0])
        if key == "Fn::Join":
            return arg[0].join(str(v) for v in self.value(arg[1]))
        if key == "Fn::FindInMap":
            names = [self.value(a) for a in arg]
            return self.template["Mappings"][names[0]][names[1]][names[2]]
        return {key: self.value(arg)}


def sam_cli_environment(template: Mapping[str, Any], logical_id: str,
                        env_vars: Mapping[str, Any] | None = None) -> dict[str, str]:  # fmt: skip
    """A function's environment as SAM CLI builds it for `sam local invoke`.

    Refs and GetAtts of resources become the resource's logical id, parameters their defaults;
    then the ``--env-vars`` file overrides - its ``Parameters`` section for every function, then the
    function's own section - but only variables the template declares (SAM CLI ignores the others).
    """
    resolver = Resolver(template, lambda name, attribute: name)
    declared = declared_environment(template, logical_id)
    environment: dict[str, str] = {}
    for name, raw in declared.items():
        value = resolver.value(raw)
        environment[name] = "" if value is None or isinstance(value, (dict, list)) else str(value)
    for section in ("Parameters", logical_id):
        for name, value in ((env_vars or {}).get(section) or {}).items():
            if name in environment:
                environment[name] = str(value)
    return environment


class LocalStackNames:
    """What each of the template's resources is called on the local stack, as a function sees it.

    ``endpoint`` is the local AWS endpoint as the function reaches it: the same as this process's
    for `digest invoke`, ``http://host.docker.internal:PORT`` from inside SAM CLI's container.
    """

    def __init__(self, template: Mapping[str, Any], settings: Settings, endpoint: str,
                 region: str, api_url: str = LOCAL_API_URL) -> None:  # fmt: skip
        self.template, self.settings = template, settings
        self.endpoint, self.region, self.api_url = endpoint.rstrip("/"), region, api_url
        self.names = local_names(settings)

    def __call__(self, logical_id: str, attribute: str | None) -> str:
        resource = self.template["Resources"].get(logical_id)
        if resource is None:
            raise LookupError(f"the template has no resource {logical_id}")
        kind, name = resource["Type"], local_name(self.names, logical_id)
        if kind == "AWS::SQS::Queue":
            if attribute == "QueueName":
                return name
            if attribute == "Arn":
                return f"arn:aws:sqs:{self.region}:{MOTO_ACCOUNT}:{name}"
            return f"{self.endpoint}/{MOTO_ACCOUNT}/{name}"
        if kind == "AWS::S3::Bucket":
            if attribute in {"RegionalDomainName", "DomainName"}:
                return f"{self.endpoint.split('://', 1)[1]}/{name}"
            return name
        if kind == "AWS::CloudFront::Distribution":
            # locally the archive is read straight from its bucket (path style): the origin's bucket
            origin = resource["Properties"]["DistributionConfig"]["Origins"][0]["DomainName"]
            return self(origin["Fn::GetAtt"][0], "RegionalDomainName")
        if kind == "AWS::SecretsManager::Secret":
            from digest.store.aws import client

            return str(client("secretsmanager").describe_secret(SecretId=name)["ARN"])
        if kind == "AWS::Serverless::Api":
            return self.api_url
        if kind == "AWS::Serverless::LayerVersion":
            return str(REPO_ROOT / resource["Properties"]["ContentUri"])
        return name


def local_value(template: Mapping[str, Any], raw: Any, names: LocalStackNames, resolver: Resolver) -> str:
    """One variable's value on the local stack."""
    referenced = referenced_resources(raw, template)
    types = {template["Resources"][r]["Type"] for r in referenced}
    value = resolver.value(raw)
    if isinstance(value, str) and value.startswith("https://") and types & {"AWS::S3::Bucket",
                                                                          "AWS::Serverless::Api",
                                                                          "AWS::CloudFront::Distribution"}:
        # a URL built around a bucket's or distribution's domain or the API's id: the local endpoint (path style)
        if "AWS::Serverless::Api" in types:
            return names.api_url
        host_and_path = value.removeprefix("https://")
        scheme = names.endpoint.split("://", 1)[0]
        return f"{scheme}://{host_and_path}"
    return "" if value is None else str(value)


def _region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "eu-west-1"


def sam_env_vars(settings: Settings, endpoint: str, *, template_path: Path = TEMPLATE,
                 api_url: str = LOCAL_API_URL, region: str | None = None) -> dict[str, dict[str, str]]:  # fmt: skip
    """The ``--env-vars`` file for `sam local invoke`: every variable whose template value refers to a
    resource, for every function, set to the local stack's value as seen from ``endpoint``; and
    ``AWS_ENDPOINT_URL`` (which the template declares empty) so boto3 in the container calls it."""
    template = load_template(template_path)
    names = LocalStackNames(template, settings, endpoint, region or _region(), api_url)
    resolver = Resolver(template, names)
    result: dict[str, dict[str, str]] = {}
    for logical_id in sorted(functions(template)):
        section = {"AWS_ENDPOINT_URL": names.endpoint}
        for name, raw in declared_environment(template, logical_id).items():
            if referenced_resources(raw, template):
                section[name] = local_value(template, raw, names, resolver)
        result[logical_id] = dict(sorted(section.items()))
    return result


def function_environment(logical_id: str, settings: Settings, endpoint: str, *, template_path: Path = TEMPLATE,
                         overrides: Mapping[str, str] | None = None,
                         shell: Mapping[str, str] | None = None) -> dict[str, str]:  # fmt: skip
    """A function's whole environment for `digest invoke`: resources as the local stack names them,
    the layer's /opt as its folder here, everything else the template's value unless the shell sets it
    (as SAM CLI lets the shell override a declared variable)."""
    template = load_template(template_path)
    if logical_id not in functions(template):
        known = ", ".join(sorted(functions(template)))
        raise LookupError(f"no function {logical_id!r} in the template (one of: {known})")
    names = LocalStackNames(template, settings, endpoint, _region())
    resolver = Resolver(template, names, overrides)
    shell = os.environ if shell is None else shell
    layers = [referenced_resources(layer, template) for layer in function_property(template, logical_id, "Layers", [])]
    layer_dirs = [names(next(iter(ids)), None) for ids in layers if ids]
    environment: dict[str, str] = {"AWS_ENDPOINT_URL": names.endpoint}
    for name, raw in declared_environment(template, logical_id).items():
        if name == "AWS_ENDPOINT_URL":
            continue  # the local stack's, set above
        if referenced_resources(raw, template):
            environment[name] = local_value(template, raw, names, resolver)
        elif raw == "/opt" and layer_dirs:
            environment[name] = layer_dirs[0]  # Lambda mounts the layer's content at /opt
        elif name in shell and name != "AWS_ENDPOINT_URL":
            environment[name] = shell[name]
        else:
            value = resolver.value(raw)
            environment[name] = "" if value is None else str(value)
    return environment


def _handler(handler: str) -> Callable[[Any, Any], Any]:
    module, _, function = handler.rpartition(".")
    return getattr(importlib.import_module(module), function)  # type: ignore[no-any-return,unused-ignore]


def invoke_function(logical_id: str, event: Any, *, template_path: Path = TEMPLATE,
                    overrides: Mapping[str, str] | None = None) -> Any:  # fmt: skip
    """Run the function's handler (the template's Handler) on ``event`` in this process, with the
    template's environment resolved for the local stack (AWS_ENDPOINT_URL) and a context that has a
    request id, the function's memory and the remaining time of its Timeout; returns its result."""
    from digest.local.stack import function_timeout
    from digest.observability import metrics
    from digest.settings import get_settings
    from digest.store.aws import reset_clients
    from digest.store.queues import queue_url

    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        raise LookupError("digest invoke runs against a local stack: set AWS_ENDPOINT_URL (digest stack create)")
    template = load_template(template_path)
    environment = function_environment(logical_id, get_settings(), endpoint, template_path=template_path,
                                       overrides=overrides)  # fmt: skip
    os.environ.update(environment)
    get_settings.cache_clear()
    queue_url.cache_clear()
    reset_clients()
    context = LocalContext(
        function_name=logical_id,
        memory_limit_in_mb=int(function_property(template, logical_id, "MemorySize", 128)),
        timeout_seconds=function_timeout(logical_id, template_path),
    )
    handler = _handler(str(template["Resources"][logical_id]["Properties"]["Handler"]))
    try:
        return handler(event, context)
    finally:
        metrics.clear_metrics()


def event_function(path: Path) -> str:
    """The function an events/*.json file is an example event of."""
    try:
        return EVENT_FUNCTIONS[path.name]
    except KeyError:
        raise LookupError(f"{path.name} is not one of the events in events/: name the function") from None


def read_event(path: str | None) -> Any:
    if path is None:
        return {}
    return json.loads(Path(path).read_text(encoding="utf-8"))
