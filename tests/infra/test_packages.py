"""Each function's package: built by functions/Makefile, with the requirements its code needs, and no more.

`sam build` runs ``build-<LogicalId>`` of functions/Makefile for every function; the target names a
requirements group (functions/requirements/GROUP.txt).  These tests check, offline:

* every function declares ``BuildMethod: makefile`` and has exactly one target, whose group exists;
* every third-party module that a function's code can import (statically: the handler, everything
  it can call, and the imports inside those functions) comes with its group, and every requirement
  the group declares is imported by each function using it (no heavy package rides along);
* the groups together are pyproject.toml's runtime dependencies (a local install has everything);
* what the packages leave out of the wheels (``lambda_package.prune``) is what the rules say, and the
  SDK models they keep are those of every AWS service the code calls.  That the pruned packages run
  is checked by ``make package-check`` (tests/infra/check_package_builds.py: minutes, not offline).

The code a function can run is found from the handler by following names: module-level imports run
modules, a name used in a reached function reaches its definition, an import inside a reached
function is that function's, a class reached reaches its class body, its dunder and decorated
methods and any method whose name reached code (or a Jinja layout) uses as an attribute.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = REPO / "functions"
LAYOUTS_DIR = REPO / "layouts"
PACKAGE = "digest"

if str(FUNCTIONS_DIR) not in sys.path:
    sys.path.insert(0, str(FUNCTIONS_DIR))

import lambda_package  # noqa: E402
from digest.local.cfn_yaml import load_template  # noqa: E402

# Packages that only some functions may carry: the rest must never need them.
HEAVY = {"trafilatura", "lxml", "courlan", "feedparser", "numpy", "scipy"}
# pyproject.toml dependencies for laptops only (the CLI's local AWS and template reader).
LOCAL_ONLY = {"pyyaml", "moto"}

Node = tuple[str, str | None]  # (module, None): the module body; (module, "name") or (module, "Class.method")
FUNCTION_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
# Decorators that only wrap a function, so a decorated definition runs only when called.
WRAPPING_DECORATORS = {"cache", "lru_cache", "wraps"}
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}


# ---------------------------------------------------------------- what a handler can run


def module_path(name: str, root: Path = FUNCTIONS_DIR) -> Path | None:
    base = root.joinpath(*name.split("."))
    for path in (base / "__init__.py", base.with_suffix(".py")):
        if path.is_file():
            return path
    return None


@dataclass
class Module:
    name: str
    tree: ast.Module
    defs: dict[str, ast.stmt] = field(default_factory=dict)  # top-level functions and classes
    bindings: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # name -> (module, attribute)


@dataclass
class Reach:
    nodes: set[Node]
    third_party: dict[str, set[str]]  # top-level module -> where it is imported (module names)
    missing: set[str]  # modules of the package that are imported but do not exist

    @property
    def modules(self) -> set[str]:
        return {module for module, name in self.nodes if name is None}


def _decorator_name(expr: ast.expr) -> str:
    target = expr.func if isinstance(expr, ast.Call) else expr
    return target.attr if isinstance(target, ast.Attribute) else target.id if isinstance(target, ast.Name) else ""


def _chain(node: ast.AST) -> list[str] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return [node.id, *reversed(parts)] if isinstance(node, ast.Name) else None


def imports_in(scope: ast.AST) -> list[tuple[str, list[str]]]:
    """(module, imported names) of every import ``scope`` runs (``if TYPE_CHECKING:`` blocks do not run)."""
    found: list[tuple[str, list[str]]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.orelse:
                visit(inner)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert not node.level, f"relative import at line {node.lineno}: the analysis needs absolute ones"
            found.append((node.module or "", [alias.name for alias in node.names]))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(scope)
    return found


def template_attributes(layouts: Path = LAYOUTS_DIR) -> set[str]:
    """Attribute names the Jinja layouts use: they call model methods the Python code may not."""
    names: set[str] = set()
    for path in layouts.rglob("*"):
        if path.is_file():
            names |= set(re.findall(r"\.([A-Za-z_]\w*)", path.read_text(errors="replace")))
    return names


def reach(handler: str, root: Path = FUNCTIONS_DIR, package: str = PACKAGE, layouts: Path = LAYOUTS_DIR) -> Reach:
    """What ``module.function`` can run: code of ``package`` under ``root``, and the modules it imports."""

    def ours(name: str) -> bool:
        return name == package or name.startswith(package + ".")

    loaded: dict[str, Module | None] = {}
    result = Reach(set(), defaultdict(set), set())
    attributes = template_attributes(layouts) if layouts.is_dir() else set()
    waiting: dict[str, list[Node]] = defaultdict(list)  # method name -> methods of reached classes
    module_name, _, function = handler.rpartition(".")
    todo: list[Node] = [(module_name, None), (module_name, function)]

    def load(name: str) -> Module | None:
        if name not in loaded:
            path = module_path(name, root)
            if path is None:
                loaded[name] = None
                return None
            module = Module(name, ast.parse(path.read_text(), str(path)))
            for stmt in module.tree.body:
                if isinstance(stmt, (*FUNCTION_DEFS, ast.ClassDef)):
                    module.defs[stmt.name] = stmt
                elif isinstance(stmt, ast.Import):
                    for alias in stmt.names:
                        bound = alias.asname or alias.name.split(".")[0]
                        module.bindings[bound] = (alias.name if alias.asname else bound, None)
                elif isinstance(stmt, ast.ImportFrom) and stmt.module:
                    for alias in stmt.names:
                        submodule = f"{stmt.module}.{alias.name}"
                        origin = (submodule, None) if module_path(submodule, root) else (stmt.module, alias.name)
                        module.bindings[alias.asname or alias.name] = origin
            loaded[name] = module
        return loaded[name]

    def add(node: Node) -> None:
        if node not in result.nodes:
            todo.append(node)

    def run_module(name: str) -> None:
        parts = name.split(".")
        for i in range(1, len(parts) + 1):  # importing a.b.c runs a, a.b and a.b.c
            add((".".join(parts[:i]), None))

    def symbol(module: str, name: str) -> None:
        if not ours(module):
            return
        if module_path(f"{module}.{name}", root):
            run_module(f"{module}.{name}")
        else:
            run_module(module)
            add((module, name))

    def imports(scope: ast.AST, where: str, *, inside_function: bool) -> None:
        for module, names in imports_in(scope):
            if ours(module):
                run_module(module)
                for name in names:
                    if module_path(f"{module}.{name}", root):
                        run_module(f"{module}.{name}")
                    elif inside_function:  # imported where it is used; at module level, uses are followed
                        symbol(module, name)
            elif module.split(".")[0] not in STDLIB:
                result.third_party[module.split(".")[0]].add(where)

    def attribute(name: str) -> None:
        if name not in attributes:
            attributes.add(name)
            for node in waiting.pop(name, []):
                add(node)

    def references(module: Module, scope: ast.AST) -> None:
        for node in ast.walk(scope):
            if isinstance(node, ast.Attribute):
                attribute(node.attr)
            chain = _chain(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
            if not chain:
                continue
            head, rest = chain[0], chain[1:]
            if head in module.defs:
                add((module.name, head))
            elif head in module.bindings:
                origin, name = module.bindings[head]
                if name is not None:
                    symbol(origin, name)
                    continue
                for part in rest:  # a module: follow the attributes that name its submodules
                    if not ours(origin):
                        break
                    if module_path(f"{origin}.{part}", root):
                        origin = f"{origin}.{part}"
                        run_module(origin)
                    else:
                        symbol(origin, part)
                        break

    def body(module: Module, statements: list[ast.stmt], owner: str | None) -> None:
        """The statements that run when the module is imported (``owner`` None) or the class created."""
        for stmt in statements:
            if isinstance(stmt, FUNCTION_DEFS):
                for expr in [*stmt.decorator_list, *stmt.args.defaults, *stmt.args.kw_defaults]:
                    if expr is not None:
                        references(module, expr)
                registering = [d for d in stmt.decorator_list if _decorator_name(d) not in WRAPPING_DECORATORS]
                if owner is None:
                    if registering:  # a decorator may register it (routes, handlers, processors)
                        add((module.name, stmt.name))
                    continue
                node = (module.name, f"{owner}.{stmt.name}")
                implicit = (stmt.name.startswith("__") and stmt.name.endswith("__")) or stmt.name.startswith("model_")
                if implicit or registering or stmt.name in attributes:
                    add(node)
                else:
                    waiting[stmt.name].append(node)
            elif isinstance(stmt, ast.ClassDef):
                for expr in [*stmt.decorator_list, *stmt.bases, *(k.value for k in stmt.keywords)]:
                    references(module, expr)
                body(module, stmt.body, stmt.name if owner is None else f"{owner}.{stmt.name}")
            else:
                imports(stmt, module.name, inside_function=owner is not None)
                references(module, stmt)

    while todo:
        node = todo.pop()
        if node in result.nodes:
            continue
        result.nodes.add(node)
        name, member = node
        module = load(name)
        if module is None:
            if ours(name):
                result.missing.add(name)
            continue
        if member is None:
            body(module, module.tree.body, None)  # class bodies run too, at import
            continue
        target: ast.stmt | None = module.defs.get(member.split(".")[0])
        for part in member.split(".")[1:]:  # Class.method, Class.Inner.method
            scope = target.body if isinstance(target, ast.ClassDef) else []
            target = next((s for s in scope if isinstance(s, (*FUNCTION_DEFS, ast.ClassDef)) and s.name == part), None)
        if target is None or isinstance(target, ast.ClassDef):
            continue  # a module-level variable (the body computes it), or a class (its body ran)
        imports(target, name, inside_function=True)
        references(module, target)
    return result


# ---------------------------------------------------------------- requirements


@cache
def modules_of_distributions() -> dict[str, set[str]]:
    """Installed distribution (canonical name) -> the top-level modules it provides."""
    found: dict[str, set[str]] = defaultdict(set)
    for module, distributions in importlib.metadata.packages_distributions().items():
        for distribution in distributions:
            found[canonicalize_name(distribution)].add(module)
    return found


def installed_closure(requirements: Iterable[str]) -> set[str]:
    """The distributions pip installs for ``requirements`` (canonical names), from installed metadata."""
    seen: set[str] = set()
    todo = [Requirement(line) for line in requirements]
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        key = f"{name}[{','.join(sorted(requirement.extras))}]"
        if key in seen:
            continue
        seen.add(key)
        try:
            requires = importlib.metadata.distribution(name).requires or []
        except importlib.metadata.PackageNotFoundError:
            pytest.fail(f"{requirement} is not installed: run `make install` (pyproject.toml installs every group)")
        for line in requires:
            dependency = Requirement(line)
            extras = ["", *sorted(requirement.extras)]
            if dependency.marker is None or any(dependency.marker.evaluate({"extra": extra}) for extra in extras):
                todo.append(dependency)
    return {key.partition("[")[0] for key in seen}


def group_requirements(group: str) -> list[str]:
    return lambda_package.requirement_lines(group)


def provided_modules(requirements: Iterable[str]) -> set[str]:
    return {m for name in installed_closure(requirements) for m in modules_of_distributions().get(name, set())}


# ---------------------------------------------------------------- fixtures and data


@cache
def functions() -> dict[str, dict[str, Any]]:
    template = load_template(REPO / "template.yaml")
    return {name: r for name, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}


@cache
def function_reach(name: str) -> Reach:
    return reach(functions()[name]["Properties"]["Handler"])


FUNCTION_NAMES = sorted(functions())
GROUPS = lambda_package.function_groups()


# ---------------------------------------------------------------- the build


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_every_function_is_built_by_the_makefile(name: str) -> None:
    resource = functions()[name]
    assert resource.get("Metadata", {}).get("BuildMethod") == "makefile", (
        f"{name}: add `Metadata: BuildMethod: makefile` (functions/Makefile builds its package)"
    )
    assert name in GROUPS, f"{name}: functions/Makefile has no `build-{name}: ; $(PACKAGE) GROUP` line"
    assert (lambda_package.REQUIREMENTS / f"{GROUPS[name]}.txt").is_file(), f"{name}: no group {GROUPS[name]!r}"
    assert "CodeUri" not in resource["Properties"], f"{name}: the Makefile lives in Globals' CodeUri (functions/)"


def test_makefile_targets_are_the_template_functions() -> None:
    lines = [line for line in lambda_package.MAKEFILE.read_text().splitlines() if line.startswith("build-")]
    assert len(lines) == len(GROUPS), "every build- line must read `build-<LogicalId>: ; $(PACKAGE) GROUP`"
    assert set(GROUPS) == set(FUNCTION_NAMES), "functions/Makefile targets a function the template lacks"
    template = load_template(REPO / "template.yaml")
    assert template["Globals"]["Function"]["CodeUri"] == "functions/"
    unused = {p.stem for p in lambda_package.REQUIREMENTS.glob("*.txt")} - set(GROUPS.values())
    included = {line.split()[-1].removesuffix(".txt") for p in lambda_package.REQUIREMENTS.glob("*.txt")
                for line in p.read_text().splitlines() if line.startswith("-r ")}  # fmt: skip
    assert unused <= included, f"requirements groups no function uses: {sorted(unused - included)}"


def test_packages_are_built_for_the_runtime() -> None:
    globals_ = load_template(REPO / "template.yaml")["Globals"]["Function"]
    assert globals_["Runtime"] == f"python{lambda_package.PYTHON_VERSION}"
    assert globals_["Architectures"] == ["arm64"]
    assert lambda_package.MACHINE == "aarch64"
    command = lambda_package.pip_command("base", Path("/tmp/x"))
    assert [command[i + 1] for i, arg in enumerate(command) if arg == "--platform"] == [
        "manylinux2014_aarch64", "manylinux_2_28_aarch64"
    ]  # fmt: skip
    for name in FUNCTION_NAMES:
        props = functions()[name]["Properties"]
        assert props.get("Runtime", globals_["Runtime"]) == globals_["Runtime"], name
        assert props.get("Architectures", globals_["Architectures"]) == ["arm64"], name
    assert {"--only-binary=:all:", "--no-compile", lambda_package.PYTHON_VERSION} <= set(command)


# ---------------------------------------------------------------- reproducible builds


def _locked(group: str) -> dict[str, tuple[str, int]]:
    """name -> (pinned version, number of hashes) of a group's lock file."""
    text = lambda_package.lock_file(group).read_text()
    pins: dict[str, tuple[str, int]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        if match := re.match(r"([A-Za-z0-9._-]+)==([^\s\\;]+)", block):
            pins[canonicalize_name(match[1])] = (match[2], len(re.findall(r"--hash=sha256:[0-9a-f]{64}", block)))
    return pins


@pytest.mark.parametrize("group", sorted(p.stem for p in lambda_package.REQUIREMENTS.glob("*.txt")))
def test_every_group_is_locked_with_hashes_and_the_lock_covers_its_requirements(group: str) -> None:
    assert lambda_package.lock_file(group).is_file(), f"{group}.lock is missing: run `make lock`"
    pins = _locked(group)
    assert pins, f"{group}.lock pins nothing"
    unhashed = sorted(name for name, (_, hashes) in pins.items() if not hashes)
    assert not unhashed, f"{group}.lock pins {unhashed} without a hash: run `make lock`"
    for line in group_requirements(group):
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{group}.txt asks for {requirement}, which {group}.lock lacks: run `make lock`"
        assert requirement.specifier.contains(pins[name][0], prereleases=True), (
            f"{group}.lock pins {name}=={pins[name][0]}, outside {group}.txt's {requirement}: run `make lock`"
        )


def test_locks_are_resolved_for_the_runtime_and_installed_with_hashes_only() -> None:
    makefile = (REPO / "Makefile").read_text()
    flags = re.search(r"^LOCK_FLAGS := (.*?)(?<!\\)$", makefile, re.M | re.S)
    assert flags, "the root Makefile's `lock` target is gone"
    assert f"--python-version {lambda_package.PYTHON_VERSION}" in flags[1]
    assert "--python-platform aarch64-manylinux2014" in flags[1] and "--generate-hashes" in flags[1]
    command = lambda_package.pip_command("base", Path("/tmp/x"))
    assert {"--require-hashes", "--no-deps", str(lambda_package.lock_file("base"))} <= set(command)


def test_build_stops_with_a_clear_error_when_it_cannot_compile_for_the_runtime(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(lambda_package, "runtime_python", lambda: None)
    monkeypatch.setattr(sys, "argv", ["lambda_package.py", "base", "--target", str(tmp_path / "out")])
    ran: list[Any] = []
    monkeypatch.setattr(lambda_package.subprocess, "run", lambda *a, **k: ran.append(a))
    assert lambda_package.main() == 2
    error = capsys.readouterr().err
    assert f"no CPython {lambda_package.PYTHON_VERSION}" in error and "--use-container" in error
    assert not ran, "nothing is installed for a package that cannot be finished"


# ---------------------------------------------------------------- what the packages leave out

# Powertools utilities that make a client of their own: the name the code calls -> the service.
POWERTOOLS_CLIENTS = {"get_secret": "secretsmanager", "get_parameter": "ssm", "DynamoDBPersistenceLayer": "dynamodb"}


def aws_services_called(root: Path = FUNCTIONS_DIR / PACKAGE) -> set[str]:
    """Every AWS service the packaged code makes a client or resource for (literal names only)."""
    found: set[str] = set()
    for path in root.rglob("*.py"):
        if "local" in path.relative_to(root).parts[:1]:
            continue  # laptop tooling, left out of the packages
        text = path.read_text()
        found |= set(re.findall(r"\b(?:client|resource)\(\s*[\"']([a-z0-9-]+)[\"']", text))
        found |= {service for name, service in POWERTOOLS_CLIENTS.items() if re.search(rf"\b{name}\(", text)}
    return found


def test_the_packages_keep_the_model_of_every_aws_service_the_code_calls_and_no_other() -> None:
    called = aws_services_called()
    assert {"s3", "dynamodb", "sqs", "sesv2", "secretsmanager"} <= called, "the scan found too little"
    assert called <= lambda_package.SDK_SERVICES, (
        f"the code calls {sorted(called - lambda_package.SDK_SERVICES)}, whose botocore models the packages "
        "leave out: add them to lambda_package.SDK_SERVICES"
    )
    assert called >= lambda_package.SDK_SERVICES, (
        f"SDK_SERVICES keeps {sorted(lambda_package.SDK_SERVICES - called)}, which no code calls"
    )


def test_prune_leaves_out_what_no_code_loads_and_keeps_the_rest(tmp_path: Path) -> None:
    files = [
        "scipy/__init__.py", "scipy/_lib/_util.py", "scipy/sparse/_base.py", "scipy/sparse/tests/test_base.py",
        "scipy/optimize/_minimize.py", "scipy/optimize/tests/test_x.py", "scipy.libs/libscipy_openblas.so",
        "scipy/sparse/csgraph/_traversal.so", "scipy/linalg/_flapack.so", "scipy/sparse/_sparsetools.so",
        "numpy/__init__.py", "numpy/_core/tests/__init__.py", "numpy/_core/tests/_natype.py",
        "numpy/_core/tests/test_umath.py", "numpy/_core/tests/data/x.csv", "numpy/linalg/tests/test_linalg.py",
        "babel/core.py", "babel/global.dat", "babel/locale-data/de.dat", "babel/locale-data/en.dat",
        "botocore/data/endpoints.json", "botocore/data/s3/2006-03-01/service-2.json.gz",
        "botocore/data/ec2/2016-11-15/service-2.json.gz", "boto3/data/dynamodb/2012-08-10/resources-1.json",
        "boto3/data/ec2/2016-11-15/resources-1.json", "digest/__init__.py", "tests/keep.py",
    ]  # fmt: skip
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    gone = {
        "scipy/sparse/tests/test_base.py", "scipy/optimize/_minimize.py", "scipy/optimize/tests/test_x.py",
        "numpy/_core/tests/test_umath.py", "numpy/_core/tests/data/x.csv", "numpy/linalg/tests/test_linalg.py",
        "babel/locale-data/de.dat", "babel/locale-data/en.dat", "botocore/data/ec2/2016-11-15/service-2.json.gz",
        "boto3/data/ec2/2016-11-15/resources-1.json", "scipy.libs/libscipy_openblas.so",
        "scipy/sparse/csgraph/_traversal.so", "scipy/linalg/_flapack.so",
    }  # fmt: skip

    removed = lambda_package.prune(tmp_path)

    left = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()}
    assert left == set(files) - gone
    assert removed == sum(len(name) for name in gone)
    assert not (tmp_path / "scipy" / "optimize").exists() and not (tmp_path / "numpy" / "linalg" / "tests").exists()


# ---------------------------------------------------------------- what each function needs


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_requirements_cover_every_import_and_nothing_more(name: str) -> None:
    found = function_reach(name)
    handler = functions()[name]["Properties"]["Handler"]
    assert (handler.rpartition(".")[0], handler.rpartition(".")[2]) in found.nodes
    assert not found.missing, f"{name}: imports modules that do not exist: {sorted(found.missing)}"
    assert not {m for m in found.modules if m.startswith(("digest.local", "digest.cli"))}, (
        f"{name}: reaches laptop-only code, which the package leaves out"
    )
    # not vacuous: every handler logs through Powertools and validates with pydantic
    assert {"aws_lambda_powertools", "pydantic"} <= set(found.third_party), f"{name}: the analysis found too little"

    requirements = group_requirements(GROUPS[name])
    provided = provided_modules(requirements)
    missing = {module: sorted(where) for module, where in found.third_party.items() if module not in provided}
    assert not missing, f"{name} (group {GROUPS[name]!r}) imports modules its package lacks: {missing}"

    for line in requirements:
        requirement = Requirement(line)
        modules = modules_of_distributions().get(canonicalize_name(requirement.name), set())
        assert modules & set(found.third_party), (
            f"{name}: group {GROUPS[name]!r} installs {requirement.name}, which its code never imports: "
            "give the function a smaller group"
        )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("IngestWorkerFunction", {"trafilatura", "feedparser", "courlan", "nh3", "urllib3", "brotli"}),
        ("PicksFunction", {"trafilatura", "lxml"}),
        ("BuildEditionFunction", {"numpy", "scipy", "jinja2", "mjml"}),
        ("SendWorkerFunction", {"jinja2", "mjml"}),
        ("ApiFunction", {"jinja2", "email_validator"}),
        ("AdminApiFunction", {"jinja2", "email_validator", "numpy", "scipy"}),
    ],
)
def test_analysis_sees_lazy_imports(name: str, expected: set[str]) -> None:
    """Anchors: these are imported inside functions (trafilatura, numpy, lxml, email_validator ...)."""
    assert expected <= set(function_reach(name).third_party)


@pytest.mark.parametrize("name", ["SendDispatchFunction", "SendWorkerFunction", "IngestFanoutFunction"])
def test_heavy_packages_stay_out_of_the_send_and_fanout_functions(name: str) -> None:
    closure = installed_closure(group_requirements(GROUPS[name]))
    assert not closure & HEAVY, f"{name} carries {sorted(closure & HEAVY)}"
    assert not set(function_reach(name).third_party) & HEAVY


def test_public_api_carries_neither_numpy_nor_scipy_nor_the_editors_code() -> None:
    """Readers' routes (ApiFunction) sign up, confirm, unsubscribe, export and erase: no clustering."""
    closure = installed_closure(group_requirements(GROUPS["ApiFunction"]))
    assert not closure & HEAVY, f"ApiFunction carries {sorted(closure & HEAVY)}"
    api = function_reach("ApiFunction")
    assert not set(api.third_party) & HEAVY
    assert not {"digest.api.editorial", "digest.api.admin", "digest.api.desk", "digest.api.review"} & api.modules
    assert ("digest.api.subscriptions", "subscribe") in api.nodes


def test_editors_api_carries_numpy_for_edits_and_no_ingest_packages() -> None:
    """An editor's decision (admin decisions route, review page) rebuilds the draft in AdminApiFunction
    (stories.service.edit_edition), so numpy and scipy are in its package; it never fetches or extracts."""
    closure = installed_closure(group_requirements(GROUPS["AdminApiFunction"]))
    assert not closure & (HEAVY - {"numpy", "scipy"})
    api = function_reach("AdminApiFunction")
    assert {"numpy", "scipy"} <= set(api.third_party)
    assert ("digest.stories.service", "edit_edition") in api.nodes
    assert ("digest.stories.cluster", "cluster") in api.nodes


def test_groups_together_are_the_runtime_dependencies() -> None:
    """pyproject.toml installs every group for local runs (plus the laptop-only tools)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = {str(Requirement(line)) for line in project["dependencies"]}
    grouped = {str(Requirement(line)) for group in set(GROUPS.values()) for line in group_requirements(group)}
    local = {line for line in declared if canonicalize_name(Requirement(line).name) in LOCAL_ONLY}
    assert grouped == declared - local, (
        f"only in pyproject.toml: {sorted(declared - local - grouped)}; only in groups: {sorted(grouped - declared)}"
    )


# ---------------------------------------------------------------- the analysis itself


def test_reach_follows_calls_not_mere_imports(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "handlers").mkdir(parents=True)
    (tmp_path / "layouts").mkdir()
    (tmp_path / "layouts" / "page.j2").write_text("{{ store.rendered() }}")
    (package / "__init__.py").write_text("")
    (package / "handlers" / "__init__.py").write_text("")
    (package / "handlers" / "main.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from pkg.work import used, unused\n"
        "from pkg import store as st\n"
        "if TYPE_CHECKING:\n    import typed_only\n"
        "import eager\n"
        "def handler(event, context):\n    return used() + st.Store().get()\n"
    )
    (package / "work.py").write_text(
        "from functools import cache\n"
        "def used():\n    import lazy_used\n    return helper()\n"
        "def helper():\n    from pkg.deep import thing\n    return thing\n"
        "def unused():\n    import lazy_unused\n"
        "@cache\ndef cached():\n    import lazy_cached\n"
        "@register\ndef route():\n    import lazy_route\n"
    )
    (package / "deep.py").write_text("thing = 1\ndef other():\n    import lazy_other\n")
    (package / "store.py").write_text(
        "class Store:\n"
        "    def __init__(self):\n        import lazy_init\n"
        "    def get(self):\n        return self._inner()\n"
        "    def _inner(self):\n        import lazy_inner\n"
        "    def never(self):\n        import lazy_never\n"
        "    def rendered(self):\n        import lazy_template\n"
    )
    found = reach("pkg.handlers.main.handler", root=tmp_path, package="pkg", layouts=tmp_path / "layouts")
    assert set(found.third_party) == {
        "eager", "lazy_used", "lazy_route", "lazy_init", "lazy_inner", "lazy_template"
    }  # fmt: skip
    assert ("pkg.deep", None) in found.nodes and not found.missing
