"""The SAM template: lints clean before and after the SAM transform, and matches what the code reads.

Runs offline: no AWS credentials, no network (sockets are refused while linting and
transforming). The SAM transform uses aws-sam-translator with its bundled managed-policy map,
the way cfn-lint used to, so no IAM call is made.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import importlib
import importlib.util
import json
import re
import socket
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import SesRecordModel

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"
FUNCTIONS_DIR = REPO / "functions"
PACKAGE_DIR = FUNCTIONS_DIR / "digest"
EVENTS_DIR = REPO / "events"
REGION = "eu-west-1"
LINT_REGIONS = ["eu-west-1", "us-east-1"]

if str(FUNCTIONS_DIR) not in sys.path:
    sys.path.insert(0, str(FUNCTIONS_DIR))

from digest.local.cfn_yaml import load_template  # noqa: E402
from digest.mail.inbound import ReceiptRecord  # noqa: E402
from digest.settings import STACK_OUTPUT_FIELDS, Settings  # noqa: E402

# Settings that exist only for laptops: in AWS the value comes from Secrets Manager through the
# setting named here, so the template must NOT set these.
LOCAL_ONLY_SETTINGS = {
    "TOKEN_SECRET": "TOKEN_SECRET_ARN",  # local signing key, used only when TOKEN_SECRET_ARN is empty
    "ADMIN_API_KEY": "ADMIN_API_KEY_SECRET_ARN",  # local admin key, used only when the ARN is empty
}
# Variables that shared code reads only on a laptop or in the CLI. They must never be set in
# Lambda (AWS_ENDPOINT_URL would point every client at a local moto server).
LOCAL_ONLY_ENV = {
    "AWS_ENDPOINT_URL",
    "DIGEST_STACK_OUTPUTS",
    "SEND_DISPATCH_FUNCTION",  # the CLI starts a send through it; functions never call each other
}
# Set by the Lambda runtime itself.
LAMBDA_RUNTIME_ENV = re.compile(
    r"^(AWS_REGION|AWS_DEFAULT_REGION|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN"
    r"|AWS_EXECUTION_ENV|AWS_LAMBDA_\w+|AWS_XRAY_\w+|_HANDLER|_X_AMZN_TRACE_ID|LAMBDA_TASK_ROOT"
    r"|LAMBDA_RUNTIME_DIR|TZ|LANG|PATH|LD_LIBRARY_PATH|PYTHONPATH)$"
)
# Files that never run in Lambda: the CLI and the local tooling.
CODE_EXCLUDED = ("local/", "cli/")
ENV_READ = re.compile(r"""\b(?:environ\.get\(|environ\[|getenv\()\s*["']([A-Za-z_][A-Za-z0-9_]*)["']""")

# ApiFunction's routes (readers) and AdminApiFunction's (editors).
PUBLIC_ROUTES = {
    ("/subscriptions", "POST"),
    ("/subscriptions/confirm", "POST"),
    ("/confirm", "GET"),
    ("/subscribe", "GET"),
    ("/unsubscribe/{token}", "GET"),
    ("/unsubscribe/{token}", "POST"),
    ("/preferences/{token}", "GET"),
    ("/preferences/{token}", "PUT"),
    ("/preferences/{token}", "POST"),
    ("/preferences/{token}/data-link", "POST"),
    ("/data/{token}", "GET"),
    ("/export/{token}", "GET"),
    ("/erase/{token}", "POST"),
}
EDITOR_ROUTES = {
    ("/openapi.json", "GET"),
    ("/review/{token}", "GET"),
    ("/review/{token}", "POST"),
    ("/review/{token}/stats", "GET"),
    ("/desk/{token}", "GET"),
    ("/desk/{token}/subscribers", "GET"),
    ("/desk/{token}/subscribers", "POST"),
    ("/desk/{token}/subscribers.csv", "GET"),
}
ADMIN_ROUTES = {("/admin/{proxy+}", "ANY")}
API_FUNCTIONS = ("ApiFunction", "AdminApiFunction")


# ---------------------------------------------------------------- helpers


@contextlib.contextmanager
def offline() -> Iterator[None]:
    """No network and no AWS credentials for the duration (proves the lint and transform are local)."""

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError("network access attempted during an offline infra test")

    with pytest.MonkeyPatch.context() as mp:
        for name in (
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
            "AWS_ENDPOINT_URL",
            "AWS_DEFAULT_PROFILE",
        ):
            mp.delenv(name, raising=False)
        mp.setenv("AWS_CONFIG_FILE", str(REPO / ".no-aws-config"))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(REPO / ".no-aws-credentials"))
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        mp.setenv("AWS_DEFAULT_REGION", REGION)
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket.socket, "connect_ex", refuse)
        mp.setattr(socket, "create_connection", refuse)
        mp.setattr(socket, "getaddrinfo", refuse)
        yield


def lint(path: Path) -> tuple[list[Any], list[Any]]:
    """cfn-lint's errors and warnings for the template at ``path`` (warnings are printed)."""
    from cfnlint.api import ManualArgs, lint_file

    with offline():
        matches = lint_file(path, config=ManualArgs(regions=LINT_REGIONS))
    errors = [m for m in matches if m.rule.id.startswith("E")]
    warnings = [m for m in matches if m.rule.id.startswith("W")]
    for match in warnings:
        print(f"cfn-lint warning: {match.rule.id} {match.message} ({match.filename}:{match.linenumber})")
    return errors, warnings


def describe(matches: list[Any]) -> str:
    return "\n".join(f"{m.rule.id} {m.message} ({Path(m.filename or '').name}:{m.linenumber})" for m in matches)


def _to_s3_uri(value: Any) -> Any:
    """A local artifact path as the S3 URI `sam package` would give it (the translator needs S3)."""
    if isinstance(value, str) and not value.startswith("s3://"):
        return f"s3://example-artifacts/{value.strip('/') or 'root'}"
    return value


def sam_transform(template: dict[str, Any]) -> dict[str, Any]:
    """The template after AWS::Serverless-2016-10-31, computed offline."""
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.public.exceptions import InvalidDocumentException
    from samtranslator.translator.translator import Translator

    try:  # the policy map aws-sam-translator ships (cfn-lint shipped its own copy for the same purpose)
        from samtranslator.internal.managed_policies import get_bundled_managed_policy_map

        def managed_policies() -> dict[str, str]:
            return get_bundled_managed_policy_map("aws") or {}
    except ImportError:  # pragma: no cover - older translators

        def managed_policies() -> dict[str, str]:
            return {}

    sam = copy.deepcopy(template)
    globals_function = sam.get("Globals", {}).get("Function", {})
    if "CodeUri" in globals_function:
        globals_function["CodeUri"] = _to_s3_uri(globals_function["CodeUri"])
    for resource in sam["Resources"].values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function" and "CodeUri" in props:
            props["CodeUri"] = _to_s3_uri(props["CodeUri"])
        elif resource["Type"] == "AWS::Serverless::LayerVersion" and "ContentUri" in props:
            props["ContentUri"] = _to_s3_uri(props["ContentUri"])
        elif resource["Type"] in {"AWS::Serverless::Api", "AWS::Serverless::HttpApi"} and "DefinitionUri" in props:
            props["DefinitionUri"] = _to_s3_uri(props["DefinitionUri"])

    with offline():
        translator = Translator(
            managed_policy_map=None,
            sam_parser=Parser(),
            boto_session=boto3.session.Session(region_name=REGION),
        )
        try:
            return translator.translate(sam, parameter_values={}, get_managed_policy_map=managed_policies)
        except InvalidDocumentException as error:
            causes = "\n".join(cause.message for cause in error.causes)
            pytest.fail(f"the SAM transform rejected template.yaml:\n{causes}")


def resource_refs(value: Any) -> set[str]:
    """Logical ids that ``value`` refers to (Ref, GetAtt and ${...} in Sub)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner.split(".")[0])
            elif key == "Fn::GetAtt":
                target = inner[0] if isinstance(inner, list) else str(inner).split(".")[0]
                found.add(target)
            elif key == "Fn::Sub":
                text, variables = (inner, {}) if isinstance(inner, str) else (inner[0], inner[1])
                for name in re.findall(r"\$\{([^!}][^}]*)\}", text):
                    if name.split(".")[0] not in variables:
                        found.add(name.split(".")[0])
                found |= resource_refs(variables)
            else:
                found |= resource_refs(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= resource_refs(inner)
    return found


def find_cycle(template: dict[str, Any]) -> list[str] | None:
    """A dependency cycle among the template's resources, or None."""
    resources = template["Resources"]
    graph: dict[str, set[str]] = {}
    for name, resource in resources.items():
        depends = resource.get("DependsOn", [])
        depends = [depends] if isinstance(depends, str) else depends
        graph[name] = (resource_refs(resource.get("Properties", {})) | set(depends)) & set(resources)
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


@pytest.fixture(scope="module")
def transformed_path(template: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sam") / "transformed.json"
    path.write_text(json.dumps(sam_transform(template), indent=2, default=str))
    return path


@pytest.fixture(scope="module")
def transformed(transformed_path: Path) -> dict[str, Any]:
    return json.loads(transformed_path.read_text())


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}


def effective(template: dict[str, Any], name: str) -> dict[str, Any]:
    """A function's properties with Globals.Function merged in (function values win, as in SAM)."""
    merged = copy.deepcopy(template.get("Globals", {}).get("Function", {}))
    props = copy.deepcopy(template["Resources"][name].get("Properties", {}))
    for key, value in props.items():
        if key == "Environment":
            variables = merged.get("Environment", {}).get("Variables", {})
            variables.update(value.get("Variables", {}))
            merged["Environment"] = {"Variables": variables}
        elif key == "Layers":
            merged["Layers"] = merged.get("Layers", []) + value
        else:
            merged[key] = value
    return merged


FUNCTION_NAMES = sorted(_functions(load_template(TEMPLATE)))


# ---------------------------------------------------------------- cfn-lint, before and after the transform


def test_template_lints_without_errors() -> None:
    errors, _ = lint(TEMPLATE)
    assert not errors, "cfn-lint errors in template.yaml:\n" + describe(errors)


def test_transformed_template_lints_without_errors(transformed_path: Path) -> None:
    errors, _ = lint(transformed_path)
    assert not errors, f"cfn-lint errors in the transformed template ({transformed_path}):\n" + describe(errors)


@pytest.mark.parametrize("which", ["source", "transformed"])
def test_no_dependency_cycles(which: str, template: dict[str, Any], transformed: dict[str, Any]) -> None:
    cycle = find_cycle(template if which == "source" else transformed)
    assert cycle is None, f"circular dependency in the {which} template: {' -> '.join(cycle or [])}"


def test_loader_reads_short_form_tags(template: dict[str, Any]) -> None:
    fn = template["Resources"]["IngestWorkerFunction"]["Properties"]
    assert fn["Events"]["IngestJobs"]["Properties"]["Queue"] == {"Fn::GetAtt": ["IngestQueue", "Arn"]}
    assert template["Globals"]["Function"]["Layers"] == [{"Ref": "LayoutsLayer"}]
    assert "Fn::If" in template["Globals"]["Function"]["Environment"]["Variables"]["ARCHIVE_BASE_URL"]


def test_loader_long_forms_and_strictness() -> None:
    from digest.local.cfn_yaml import loads_template

    loaded = loads_template(
        "A: !GetAtt Db.Endpoint.Address\n"
        "B: !GetAtt [Db, Arn]\n"
        'C: !Sub ["${X}-1", {X: !Ref Y}]\n'
        "D: !If [Cond, !Condition Other, !Ref AWS::NoValue]\n"
        "E: !Select [1, !Split ['@', !Ref Address]]\n"
        "F: 2026-11-27\n"
        "G: !Base64 {'Fn::Join': ['', [a, b]]}\n"
    )
    assert loaded == {
        "A": {"Fn::GetAtt": ["Db", "Endpoint.Address"]},
        "B": {"Fn::GetAtt": ["Db", "Arn"]},
        "C": {"Fn::Sub": ["${X}-1", {"X": {"Ref": "Y"}}]},
        "D": {"Fn::If": ["Cond", {"Condition": "Other"}, {"Ref": "AWS::NoValue"}]},
        "E": {"Fn::Select": [1, {"Fn::Split": ["@", {"Ref": "Address"}]}]},
        "F": "2026-11-27",
        "G": {"Fn::Base64": {"Fn::Join": ["", ["a", "b"]]}},
    }
    import yaml

    with pytest.raises(yaml.YAMLError, match="duplicate key"):
        loads_template("Resources:\n  A: 1\n  A: 2\n")
    with pytest.raises(ValueError):
        loads_template("- just a list\n")


# ---------------------------------------------------------------- functions


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_handler_resolves_to_a_callable(name: str, template: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    props = effective(template, name)
    handler = props["Handler"]
    code_dir = REPO / props["CodeUri"]
    module_name, _, attribute = handler.rpartition(".")
    assert module_name and attribute, f"{name}: Handler {handler!r} is not module.function"
    monkeypatch.syspath_prepend(str(code_dir))
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "FridayDigest")
    try:
        spec = importlib.util.find_spec(module_name)
    except ModuleNotFoundError as error:
        pytest.fail(f"{name}: Handler {handler!r}: package missing under {code_dir}: {error}")
    if spec is None:
        pytest.fail(f"{name}: Handler {handler!r}: no module {module_name} under {code_dir}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        pytest.fail(f"{name}: Handler {handler!r}: importing {module_name} failed: {error!r}")
    target = getattr(module, attribute, None)
    assert callable(target), f"{name}: {module_name} has no callable {attribute!r}"


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_runtime_is_python312_or_later_on_arm64(name: str, template: dict[str, Any]) -> None:
    props = effective(template, name)
    match = re.fullmatch(r"python3\.(\d+)", props.get("Runtime", ""))
    assert match and int(match.group(1)) >= 12, f"{name}: runtime {props.get('Runtime')!r}"
    assert props.get("Architectures") == ["arm64"], f"{name}: architectures {props.get('Architectures')!r}"
    assert props.get("Tracing") == "Active"


def _code_env_reads() -> dict[str, list[str]]:
    """Environment variables read literally by code that runs in Lambda -> files reading them."""
    reads: dict[str, list[str]] = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        relative = path.relative_to(PACKAGE_DIR).as_posix()
        if relative.startswith(CODE_EXCLUDED):
            continue
        for variable in ENV_READ.findall(path.read_text(encoding="utf-8")):
            reads.setdefault(variable, []).append(relative)
    return reads


def required_env() -> dict[str, str]:
    """Every variable a function may read -> why it is required."""
    required = {field.upper(): "digest.settings.Settings" for field in Settings.model_fields}
    for variable in (*LOCAL_ONLY_SETTINGS, *LOCAL_ONLY_ENV):
        required.pop(variable, None)
    for variable, files in _code_env_reads().items():
        if variable in LOCAL_ONLY_ENV or variable in LOCAL_ONLY_SETTINGS or LAMBDA_RUNTIME_ENV.match(variable):
            continue
        required.setdefault(variable, ", ".join(files))
    return required


def test_local_only_allow_lists_are_current() -> None:
    fields = {field.upper() for field in Settings.model_fields}
    assert fields >= set(LOCAL_ONLY_SETTINGS), f"stale LOCAL_ONLY_SETTINGS: {sorted(set(LOCAL_ONLY_SETTINGS) - fields)}"
    for variable, arn_setting in LOCAL_ONLY_SETTINGS.items():
        assert arn_setting in fields, f"{variable} is local-only because {arn_setting} serves AWS"


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_every_variable_the_code_reads_is_set(name: str, template: dict[str, Any]) -> None:
    variables = effective(template, name).get("Environment", {}).get("Variables", {})
    missing = {v: why for v, why in required_env().items() if v not in variables}
    assert not missing, f"{name} lacks environment variables: {missing}"
    forbidden = (LOCAL_ONLY_ENV | set(LOCAL_ONLY_SETTINGS)) & {v for v, value in variables.items() if value != ""}
    assert not forbidden, f"{name} sets local-only variables: {sorted(forbidden)}"
    # declared empty (boto3 ignores it) only so `sam local invoke --env-vars` can set it
    assert variables.get("AWS_ENDPOINT_URL") == "", f"{name}: AWS_ENDPOINT_URL must be declared, and empty"


def test_every_variable_the_template_sets_is_read(template: dict[str, Any]) -> None:
    known = set(required_env())
    for name in FUNCTION_NAMES:
        for variable in effective(template, name).get("Environment", {}).get("Variables", {}):
            assert variable in known or variable.startswith("POWERTOOLS_") or variable == "AWS_ENDPOINT_URL", (
                f"{name} sets {variable}, which no setting or code reads (a typo?)"
            )


@pytest.mark.parametrize("api_name", API_FUNCTIONS)
def test_api_function_does_not_reference_its_own_api(api_name: str, template: dict[str, Any]) -> None:
    api_fn = effective(template, api_name)
    assert api_fn["Environment"]["Variables"]["API_BASE_URL"] == ""
    without_events = {k: v for k, v in api_fn.items() if k != "Events"}
    assert "DigestApi" not in resource_refs(without_events), f"{api_name} -> DigestApi -> {api_name} is a cycle"
    for name in FUNCTION_NAMES:
        if name not in API_FUNCTIONS:
            url = effective(template, name)["Environment"]["Variables"]["API_BASE_URL"]
            assert "DigestApi" in resource_refs(url), f"{name} should get the deployed API's URL"


def test_layouts_layer_is_mounted_where_the_code_looks(template: dict[str, Any]) -> None:
    layer = template["Resources"]["LayoutsLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert (REPO / layer["Properties"]["ContentUri"]).is_dir()
    assert template["Globals"]["Function"]["Environment"]["Variables"]["LAYOUTS_DIR"] == "/opt"


# ---------------------------------------------------------------- API


def _api_events(template: dict[str, Any], *names: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for function in names or API_FUNCTIONS:
        events = template["Resources"][function]["Properties"]["Events"]
        found |= {name: e["Properties"] for name, e in events.items() if e["Type"] == "Api"}
    return found


def _routes(template: dict[str, Any], name: str) -> set[tuple[str, str]]:
    return {(e["Path"], e["Method"].upper()) for e in _api_events(template, name).values()}


def test_api_routes_are_the_documented_ones(template: dict[str, Any]) -> None:
    assert _routes(template, "ApiFunction") == PUBLIC_ROUTES
    assert _routes(template, "AdminApiFunction") == EDITOR_ROUTES | ADMIN_ROUTES
    for event in _api_events(template).values():
        assert event["RestApiId"] == {"Ref": "DigestApi"}


def _code_routes(module: str) -> set[tuple[str, str]]:
    """(path in API Gateway's spelling, method) of every route a router of digest.api declares."""
    router = importlib.import_module(f"digest.api.{module}").router
    found = set()
    for rule, method, *_ in router._routes:
        path = re.sub(r"<(\w+)>", r"{\1}", rule)
        for verb in [method] if isinstance(method, str) else method:
            found.add((path, verb.upper()))
    return found


@pytest.mark.parametrize(("module", "function"), [("public", "ApiFunction"), ("editorial", "AdminApiFunction")])
def test_every_route_of_the_code_reaches_the_function_that_holds_it(
    module: str, function: str, template: dict[str, Any]
) -> None:
    from digest.api.web import is_editorial

    routes = _routes(template, function)
    for path, method in _code_routes(module):
        assert is_editorial(path) == (function == "AdminApiFunction"), f"{path}: `digest serve` sends it elsewhere"
        if path.startswith("/admin/"):
            assert ("/admin/{proxy+}", "ANY") in routes
        else:
            assert (path, method) in routes, f"{method} {path} ({module}.py) is not routed to {function}"


def test_admin_routes_require_an_api_key_and_public_ones_do_not(template: dict[str, Any]) -> None:
    api = template["Resources"]["DigestApi"]["Properties"]
    assert api.get("Auth", {}).get("ApiKeyRequired", False) is False, "public routes must not need a key"
    for name, event in _api_events(template).items():
        needs_key = event.get("Auth", {}).get("ApiKeyRequired", False) is True
        if event["Path"].startswith("/admin"):
            assert needs_key, f"{name} ({event['Path']}) must require an API key"
        else:
            assert not needs_key, f"{name} ({event['Path']}) is public"


def test_admin_key_is_the_secret_and_in_a_usage_plan(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    keys = {n: r for n, r in resources.items() if r["Type"] == "AWS::ApiGateway::ApiKey"}
    assert len(keys) == 1
    ((key_name, key),) = keys.items()
    value = key["Properties"]["Value"]
    assert "{{resolve:secretsmanager:${AdminApiKeySecret}" in value["Fn::Sub"]
    plans = [r for r in resources.values() if r["Type"] == "AWS::ApiGateway::UsagePlan"]
    assert any(s["ApiId"] == {"Ref": "DigestApi"} for p in plans for s in p["Properties"]["ApiStages"])
    links = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::ApiGateway::UsagePlanKey"]
    assert any(link["KeyId"] == {"Ref": key_name} for link in links)
    secret = resources["AdminApiKeySecret"]["Properties"]["GenerateSecretString"]
    assert secret["ExcludePunctuation"] is True and 20 <= secret["PasswordLength"] <= 128


def test_transformed_api_enforces_the_key_on_admin_only(transformed: dict[str, Any]) -> None:
    body = transformed["Resources"]["DigestApi"]["Properties"]["Body"]
    for path, methods in body["paths"].items():
        for method, operation in methods.items():
            keyed = any("api_key" in requirement for requirement in operation.get("security", []))
            assert keyed == path.startswith("/admin"), f"{method} {path}: api key required = {keyed}"


# ---------------------------------------------------------------- data, queues, schedules


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def test_tables_have_pitr_encryption_and_on_demand_billing(template: dict[str, Any]) -> None:
    tables = _of_type(template, "AWS::DynamoDB::Table")
    assert set(tables) == {
        "ArticlesTable",
        "SourcesTable",
        "SubscribersTable",
        "EditionsTable",
        "SendLogTable",
        "IdempotencyTable",
    }
    for name, table in tables.items():
        props = table["Properties"]
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, name
        assert props["SSESpecification"]["SSEEnabled"] is True, name
        assert props["BillingMode"] == "PAY_PER_REQUEST", name
        assert "TableName" not in props, f"{name}: let CloudFormation name it"
    assert tables["SubscribersTable"]["DeletionPolicy"] == "Retain"
    assert tables["SubscribersTable"]["UpdateReplacePolicy"] == "Retain"
    assert tables["IdempotencyTable"]["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": "expiration",
        "Enabled": True,
    }


def test_articles_expire_after_the_retention_parameter(template: dict[str, Any]) -> None:
    from digest.store.articles import EXPIRES

    ttl = template["Resources"]["ArticlesTable"]["Properties"]["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": EXPIRES, "Enabled": True}
    parameter = template["Parameters"]["ArticleRetentionDays"]
    assert parameter["Default"] == 90 and parameter["MinValue"] >= 8, "a week's build needs its window's articles"
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["ARTICLE_RETENTION_DAYS"] == {"Ref": "ArticleRetentionDays"}


def test_table_keys_match_the_store(template: dict[str, Any]) -> None:
    def keys(props: dict[str, Any]) -> list[str]:
        return [k["AttributeName"] for k in props["KeySchema"]]

    resources = template["Resources"]
    assert keys(resources["SendLogTable"]["Properties"]) == ["edition_id", "subscriber_id"]
    indexes = {
        i["IndexName"]: keys(i)
        for name in ("ArticlesTable", "SubscribersTable")
        for i in resources[name]["Properties"]["GlobalSecondaryIndexes"]
    }
    assert indexes == {"ByDay": ["day", "published"], "ByStatus": ["status", "id"]}


def test_buckets_are_private_encrypted_and_tls_only(template: dict[str, Any]) -> None:
    buckets = _of_type(template, "AWS::S3::Bucket")
    policies = [p["Properties"] for p in _of_type(template, "AWS::S3::BucketPolicy").values()]
    for name, bucket in buckets.items():
        props = bucket["Properties"]
        assert all(props["PublicAccessBlockConfiguration"].values()), name
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"], name
        statements = [s for p in policies if p["Bucket"] == {"Ref": name} for s in p["PolicyDocument"]["Statement"]]
        tls = [
            s
            for s in statements
            if s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        ]
        assert tls, f"{name} has no deny-insecure-transport policy"


def test_queues_are_encrypted_and_redrive_to_a_dead_letter_queue(template: dict[str, Any]) -> None:
    queues = _of_type(template, "AWS::SQS::Queue")
    dead_letter = {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in queues.values()
        if "RedrivePolicy" in q["Properties"]
    }
    for fn in _functions(template).values():
        on_failure = fn["Properties"].get("EventInvokeConfig", {}).get("DestinationConfig", {}).get("OnFailure", {})
        if on_failure.get("Type") == "SQS":
            dead_letter |= resource_refs(on_failure["Destination"])
        for event in fn["Properties"].get("Events", {}).values():
            dead_letter |= resource_refs(event["Properties"].get("DeadLetterConfig", {}))
    assert dead_letter <= set(queues)
    for name, queue in queues.items():
        props = queue["Properties"]
        assert props.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in props, f"{name} is not encrypted"
        if name in dead_letter:
            continue
        assert not name.endswith("DeadLetterQueue"), f"{name} looks like a dead-letter queue but nothing uses it"
        redrive = props.get("RedrivePolicy")
        assert redrive, f"{name} has no RedrivePolicy"
        assert redrive["maxReceiveCount"] == 5, name


def test_sqs_visibility_is_six_times_the_consumer_timeout(template: dict[str, Any]) -> None:
    queues = template["Resources"]
    consumers = 0
    for name in FUNCTION_NAMES:
        props = effective(template, name)
        for event in props.get("Events", {}).values():
            if event["Type"] != "SQS":
                continue
            consumers += 1
            queue = queues[event["Properties"]["Queue"]["Fn::GetAtt"][0]]["Properties"]
            assert queue["VisibilityTimeout"] >= 6 * props["Timeout"], f"{name}: visibility too short"
            assert event["Properties"].get("FunctionResponseTypes") == ["ReportBatchItemFailures"], name
    assert consumers == 3


def test_every_schedule_has_the_newsroom_time_zone(template: dict[str, Any]) -> None:
    schedules = 0
    for name in FUNCTION_NAMES:
        for event_name, event in effective(template, name).get("Events", {}).items():
            if event["Type"] == "ScheduleV2":
                schedules += 1
                props = event["Properties"]
                assert props.get("ScheduleExpressionTimezone") == {"Ref": "NewsroomTimeZone"}, f"{name}.{event_name}"
                inputs = {"LocalTimeWaves": '{"waves": true}', "ApprovalCheck": '{"approval_check": true}'}
                assert props.get("Input") == inputs.get(event_name, "{}"), event_name
    assert schedules == 5


def test_local_time_waves_run_only_when_asked_and_span_the_send_day(template: dict[str, Any]) -> None:
    waves = effective(template, "SendDispatchFunction")["Events"]["LocalTimeWaves"]["Properties"]
    assert waves["State"] == {"Fn::If": ["HasReaderLocalTime", "ENABLED", "DISABLED"]}
    days = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
    for day, entry in template["Mappings"]["WaveDays"].items():
        at = days.index(day)
        assert entry["Days"] == ",".join(days[(at + step) % 7] for step in (-1, 0, 1)), day


def test_ses_events_reach_the_default_bus(template: dict[str, Any]) -> None:
    destination = template["Resources"]["SesEventDestination"]["Properties"]["EventDestination"]
    assert destination["Enabled"] is True
    assert destination["EventBridgeDestination"]["EventBusArn"]["Fn::Sub"].endswith(":event-bus/default")
    assert {"bounce", "complaint", "delivery", "send", "reject"} <= set(destination["MatchingEventTypes"])
    rule = template["Resources"]["SesEventsFunction"]["Properties"]["Events"]["SesEvents"]
    assert rule["Type"] == "EventBridgeRule"
    assert rule["Properties"]["Pattern"]["source"] == ["aws.ses"]
    assert "EventBusName" not in rule["Properties"]


def test_outputs_cover_every_key_the_cli_reads(template: dict[str, Any]) -> None:
    missing = set(STACK_OUTPUT_FIELDS) - set(template["Outputs"])
    assert not missing, f"Outputs lack {sorted(missing)}"


# ---------------------------------------------------------------- samconfig and sample events


def test_samconfig() -> None:
    config = tomllib.loads((REPO / "samconfig.toml").read_text())
    deploy = config["default"]["deploy"]["parameters"]
    assert deploy["stack_name"] == "friday-digest"
    assert deploy["capabilities"] == "CAPABILITY_IAM"
    assert deploy["resolve_s3"] is True
    assert not re.search(r"\d{12}", (REPO / "samconfig.toml").read_text()), "no account ids in samconfig.toml"


def _events() -> list[Path]:
    return sorted(EVENTS_DIR.glob("*.json"))


@pytest.mark.parametrize("path", _events(), ids=lambda p: p.name)
def test_sample_event_is_well_formed(path: Path, template: dict[str, Any]) -> None:
    event = json.loads(path.read_text())
    assert isinstance(event, dict)
    for record in event.get("Records", []):
        if record["eventSource"] == "aws:ses":  # an SES receipt rule's Lambda action
            SesRecordModel.model_validate(record)  # the documented shape, as Powertools models it
            ReceiptRecord.model_validate(record)  # and what InboundMailFunction reads of it
            continue
        assert record["eventSource"] == "aws:sqs"
        assert hashlib.md5(record["body"].encode()).hexdigest() == record["md5OfBody"]
        assert isinstance(json.loads(record["body"]), dict)
        assert record["attributes"]["ApproximateReceiveCount"] == "1"
    if event.get("source") == "aws.ses":
        detail = event["detail"]
        assert detail["eventType"].lower() in detail, "the type-specific object is missing"
        assert detail["mail"]["tags"]["ses:configuration-set"]
        assert detail["mail"]["tags"]["edition_id"]
    if "httpMethod" in event:
        assert event["isBase64Encoded"] is False
        routes = {(e["Path"], e["Method"].upper()) for e in _api_events(template).values()}
        assert (event["resource"], event["httpMethod"]) in routes or (event["resource"], "ANY") in routes


def test_dashboard_and_alarms_watch_what_matters(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    assert any(r["Type"] == "AWS::CloudWatch::Dashboard" for r in resources.values())
    alarms = {name: r["Properties"] for name, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    watched = {(a["Namespace"], a["MetricName"]) for a in alarms.values()}
    assert ("AWS/SES", "Reputation.BounceRate") in watched and ("AWS/SES", "Reputation.ComplaintRate") in watched
    assert ("FridayDigest", "MessagesFailed") in watched and ("FridayDigest", "SourcesFailing24h") in watched
    assert ("FridayDigest", "EditionNotApprovedSoon") in watched and ("FridayDigest", "EditionNotApproved") in watched
    check = effective(template, "SendDispatchFunction")["Events"]["ApprovalCheck"]["Properties"]
    assert check["Input"] == '{"approval_check": true}' and "State" not in check  # always on
    thresholds = {a["MetricName"]: a["Threshold"] for a in alarms.values()}
    assert thresholds["Reputation.BounceRate"] == 0.05 and thresholds["Reputation.ComplaintRate"] == 0.001
    queues_with_dlq_alarm = {
        a["Dimensions"][0]["Value"]["Fn::GetAtt"][0] for a in alarms.values() if a["Namespace"] == "AWS/SQS"
    }
    dead_letter_queues = {n for n, r in resources.items() if r["Type"] == "AWS::SQS::Queue" and "Dead" in n}
    assert dead_letter_queues <= queues_with_dlq_alarm
    assert all(a["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms.values())


# ---------------------------------------------------------------- failure signals, logs, first deploy


def _alarms_on(template: dict[str, Any], namespace: str, metric: str) -> dict[str, dict[str, Any]]:
    """Alarm properties by the logical id they watch (its first dimension's referenced resource or value)."""
    found = {}
    for alarm in _of_type(template, "AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        if props.get("Namespace") == namespace and props.get("MetricName") == metric:
            assert props.get("AlarmActions") == [{"Ref": "AlarmTopic"}], props
            for dimension in props.get("Dimensions", []):
                refs = resource_refs(dimension["Value"])
                found[next(iter(refs)) if refs else json.dumps(dimension["Value"])] = props
    return found


def test_every_schedule_retries_and_has_a_dead_letter_queue_that_alarms(template: dict[str, Any]) -> None:
    schedules = {f"{name}.{event_name}": event["Properties"]
                 for name, fn in _functions(template).items()
                 for event_name, event in fn["Properties"].get("Events", {}).items()
                 if event["Type"] == "ScheduleV2"}  # fmt: skip
    assert len(schedules) >= 5
    alarmed = _alarms_on(template, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    for name, props in schedules.items():
        assert props.get("RetryPolicy", {}).get("MaximumRetryAttempts", 0) >= 1, f"{name} has no retry policy"
        queues = resource_refs(props.get("DeadLetterConfig", {}))
        assert queues and queues <= set(alarmed), f"{name}: no dead-letter queue, or one nothing alarms on"


def test_transformed_schedules_carry_retries_and_dead_letters(transformed: dict[str, Any]) -> None:
    schedules = _of_type(transformed, "AWS::Scheduler::Schedule")
    assert schedules
    for name, schedule in schedules.items():
        target = schedule["Properties"]["Target"]
        assert target.get("RetryPolicy") and target.get("DeadLetterConfig", {}).get("Arn"), name


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_alarms_on_errors_and_throttles(metric: str, template: dict[str, Any]) -> None:
    alarmed = _alarms_on(template, "AWS/Lambda", metric)
    missing = set(_functions(template)) - set(alarmed)
    assert not missing, f"no {metric} alarm for {sorted(missing)}"
    for name, fn in _functions(template).items():  # a conditional function's alarm has its condition
        alarm = next(a for lid, a in _of_type(template, "AWS::CloudWatch::Alarm").items()
                     if lid == f"{name}{metric}Alarm")  # fmt: skip
        assert alarm.get("Condition") == fn.get("Condition"), name


def test_api_alarms_on_5xx_and_latency_and_the_work_queues_on_age(template: dict[str, Any]) -> None:
    api = template["Resources"]["DigestApi"]["Properties"]
    for metric in ("5XXError", "Latency"):
        alarms = [
            a["Properties"]
            for a in _of_type(template, "AWS::CloudWatch::Alarm").values()
            if a["Properties"].get("Namespace") == "AWS/ApiGateway" and a["Properties"]["MetricName"] == metric
        ]
        assert len(alarms) == 1, metric
        dimensions = {d["Name"]: d["Value"] for d in alarms[0]["Dimensions"]}
        assert dimensions["ApiName"] == api["Name"] and dimensions["Stage"] == api["StageName"]
        assert alarms[0]["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    aged = _alarms_on(template, "AWS/SQS", "ApproximateAgeOfOldestMessage")
    assert {"IngestQueue", "SendQueue"} <= set(aged)


def test_dashboard_shows_throttles_api_and_queue_age(template: dict[str, Any]) -> None:
    body = template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    for needle in ("Throttles", "5XXError", "Latency", "ApproximateAgeOfOldestMessage", "ScheduleDeadLetterQueue"):
        assert needle in body, needle


def test_dashboard_shows_every_function_and_work_queue(template: dict[str, Any]) -> None:
    """Each function that always exists is on the errors and throttles charts; each queue on the queue charts."""
    body = template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    widgets = {w["properties"]["title"]: json.dumps(w["properties"]["metrics"]) for w in json.loads(body)["widgets"]}
    for name, fn in _functions(template).items():
        if "Condition" not in fn:  # a Sub cannot name a resource that may not exist
            ref = "${" + name + "}"
            assert ref in widgets["Lambda errors"] and ref in widgets["Lambda throttles"], name
    for name, queue in _of_type(template, "AWS::SQS::Queue").items():
        if "Condition" not in queue:
            charts = widgets["Queues (visible messages)"] + widgets["Queues (age of oldest message, s)"]
            assert "${" + name + ".QueueName}" in charts, name


def test_every_function_logs_json_to_a_group_with_retention(template: dict[str, Any]) -> None:
    groups = _of_type(template, "AWS::Logs::LogGroup")
    assert template["Parameters"]["LogRetentionDays"]["Default"] == 30
    for name, fn in _functions(template).items():
        logging = fn["Properties"].get("LoggingConfig", {})
        assert logging.get("LogFormat") == "JSON", name
        (group,) = resource_refs(logging["LogGroup"])
        assert groups[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert groups[group].get("Condition") == fn.get("Condition"), name
    access = template["Resources"]["DigestApi"]["Properties"]["AccessLogSetting"]
    (group,) = resource_refs(access["DestinationArn"])
    assert groups[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert template["Resources"]["DigestApi"]["DependsOn"] == "ApiGatewayAccountReady"


def test_the_account_wide_api_gateway_role_is_set_only_when_asked(template: dict[str, Any]) -> None:
    """Setting the region's API Gateway role replaces the account's: a parameter says whether to."""
    resources = template["Resources"]
    assert template["Parameters"]["ManageApiGatewayAccount"]["AllowedValues"] == ["true", "false"]
    assert template["Conditions"]["ManagesApiGatewayAccount"] == {
        "Fn::Equals": [{"Ref": "ManageApiGatewayAccount"}, "true"]
    }
    for name in ("ApiGatewayAccount", "ApiGatewayLoggingRole"):
        assert resources[name]["Condition"] == "ManagesApiGatewayAccount", name
    ready = resources["ApiGatewayAccountReady"]
    assert "Condition" not in ready
    assert ready["Metadata"]["AccountSetting"]["Fn::If"][:2] == [
        "ManagesApiGatewayAccount",
        {"Ref": "ApiGatewayAccount"},
    ]


def test_no_reserved_concurrency_by_default(template: dict[str, Any]) -> None:
    """A new account's concurrency limit is 10, all of it unreservable: a default deploy reserves none."""
    assert template["Parameters"]["SendWorkerReservedConcurrency"]["Default"] == 0
    for name, fn in _functions(template).items():
        reserved = fn["Properties"].get("ReservedConcurrentExecutions")
        assert reserved is None or reserved == {"Fn::If": ["HasSendWorkerReservation",
                                                           {"Ref": "SendWorkerReservedConcurrency"},
                                                           {"Ref": "AWS::NoValue"}]}, name  # fmt: skip


def test_tables_of_readers_sources_editions_and_sends_are_protected(template: dict[str, Any]) -> None:
    for name in ("SubscribersTable", "SourcesTable", "EditionsTable", "SendLogTable"):
        table = template["Resources"][name]
        assert table["Properties"].get("DeletionProtectionEnabled") is True, name
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain", name
