"""The layouts' Jinja2 templates compiled ahead of time, so a fresh process renders without compiling.

Compiling the edition's templates costs a cold process more CPU than rendering them, and importing
Jinja2 more still (docs/benchmarks.md, "Lambda budgets").  ``make templates`` (:func:`write`)
compiles every layout with the environment that renders it into a module of
``digest.render.templates``, shipped and byte-compiled with the code; each records the SHA-256 of
its source.  The edition's modules run on digest.render.runtime, without Jinja2
(:func:`plain_module`; a layout that needs more than that runtime offers is refused, naming what);
the pages' run on Jinja2 through :class:`Loader`.  Either is used only while the layout it was
compiled from is unchanged (a different ``LAYOUTS_DIR``, an edited layout: Jinja2 compiles it from
source as before), and tests/unit/test_precompiled.py fails when a shipped module is out of date.
"""

from __future__ import annotations

import ast
import importlib
import re
import sys
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import FileSystemLoader

from digest.render import runtime
from digest.render.runtime import PACKAGE, checksum, module_name

if TYPE_CHECKING:
    from jinja2 import Environment, Template

DIRECTORY = Path(__file__).with_name("templates")


class Loader(FileSystemLoader):
    """Layouts from ``layouts_dir``, each from its precompiled module of ``flavour`` when it matches."""

    def __init__(self, layouts_dir: str | Path, flavour: str) -> None:
        super().__init__(layouts_dir)
        self.flavour = flavour

    def load(self, environment: Environment, name: str, globals: MutableMapping[str, Any] | None = None) -> Template:
        source, _filename, uptodate = self.get_source(environment, name)
        qualified = f"{PACKAGE}.{module_name(self.flavour, name)}"
        try:
            module = importlib.import_module(qualified)
        except ModuleNotFoundError:
            return super().load(environment, name, globals)
        # a fresh module per template: the template's environment is bound into its globals
        sys.modules.pop(qualified, None)
        if getattr(module, "SOURCE_SHA256", None) != checksum(source):
            return super().load(environment, name, globals)
        template = environment.template_class.from_module_dict(environment, module.__dict__, globals or {})
        template._uptodate = uptodate
        return template


HEADER = "# {name} compiled by digest.render.precompiled (`make templates`){runs_on}: do not edit.\n"
_JINJA_IMPORT = re.compile(r"^from jinja2\.runtime import (?P<names>.*)$", re.MULTILINE)
_LOOP = re.compile(r"^l_\d+_loop$")


class NeedsJinja(ValueError):
    """A layout uses what digest.render.runtime does not provide."""


def jinja_module(environment: Environment, name: str) -> str:
    """The module Jinja2 loads through :class:`Loader`: its compiled code, as Jinja2 runs it."""
    source, filename, _ = environment.loader.get_source(environment, name)  # type: ignore[union-attr]
    code = environment.compile(source, name, filename, raw=True, defer_init=True)
    return f"{HEADER.format(name=name, runs_on='')}{code}\n\nSOURCE_SHA256 = {checksum(source)!r}\n"


def plain_module(environment: Environment, name: str, source: str | None = None) -> str:
    """The module :func:`digest.render.runtime.load` runs: the code Jinja2 compiles ``name`` into with
    ``environment``, importing from digest.render.runtime instead of Jinja2.  ``source`` defaults to
    the layout's.  Raises :class:`NeedsJinja` naming whatever the runtime lacks."""
    filename = None
    if source is None:
        source, filename, _ = environment.loader.get_source(environment, name)  # type: ignore[union-attr]
    code = environment.compile(source, name, filename, raw=True, defer_init=True)
    problems = unsupported(code, environment)
    if problems:
        raise NeedsJinja(f"{name} needs Jinja2 at run time ({'; '.join(problems)}): extend digest.render.runtime")
    imported = _JINJA_IMPORT.search(code)
    if imported is None:
        raise RuntimeError("Jinja2's compiled code no longer imports jinja2.runtime in one line: adapt plain_module")
    body = code[imported.end() :]
    used = sorted(n for n in imported["names"].split(", ") if re.search(rf"\b{n}\b", body))
    autoescape = environment.autoescape(name) if callable(environment.autoescape) else environment.autoescape
    return (
        HEADER.format(name=name, runs_on=" for digest.render.runtime")
        + f"from digest.render.runtime import {', '.join(used)}{body}\n\n"
        + f"AUTOESCAPE = {bool(autoescape)!r}\nSOURCE_SHA256 = {checksum(source)!r}\n"
    )


def unsupported(code: str, environment: Environment) -> list[str]:
    """What Jinja2's compiled ``code`` asks of its runtime that digest.render.runtime does not provide."""
    tree = ast.parse(code)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    filters = runtime.Environment(_custom_filters(environment))
    problems: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            problems |= {
                f"runtime name {a.name}" for a in node.names if not hasattr(runtime, a.name) and _used(tree, a.name)
            }
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            allowed = {"environment": runtime.Environment.USED, "context": runtime.Context.USED}.get(node.value.id)
            if allowed is not None and node.attr not in allowed:
                problems.add(f"{node.value.id}.{node.attr}")
        elif isinstance(node, ast.Attribute) and _is(node.value, "context", "eval_ctx") and node.attr != "autoescape":
            problems.add(f"context.eval_ctx.{node.attr}")
        elif isinstance(node, ast.Subscript) and _is(node.value, "environment", "filters"):
            name = _constant(node.slice)
            if name not in filters.filters:
                problems.add(f"filter {name!r}")
            elif _pass_arg(environment.filters[name]) != runtime.PASS_ARG.get(name):
                problems.add(f"filter {name!r} (takes a {_pass_arg(environment.filters[name])} first)")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            problems |= _call_problems(node.func.id, node.args, environment)
        elif isinstance(node, ast.Name) and _LOOP.match(node.id) and isinstance(node.ctx, ast.Load):
            call = parents.get(node)
            attribute = _constant(call.args[1]) if isinstance(call, ast.Call) and len(call.args) == 2 else None
            if not (isinstance(call, ast.Call) and _is(call.func, "environment", "getattr") and call.args[0] is node):
                problems.add("the loop variable itself")
            elif attribute not in runtime.LOOP_ATTRIBUTES:
                problems.add(f"loop.{attribute}")
    return sorted(problems)


def _call_problems(function: str, args: list[ast.expr], environment: Environment) -> set[str]:
    if function == "resolve":
        name = _constant(args[0])
        if name in environment.globals and name not in runtime.GLOBALS:
            return {f"global {name!r}"}
    elif function == "Macro" and any(_constant(flag) is not False for flag in args[4:7]):
        return {"a macro with caller, varargs or kwargs"}
    elif function == "LoopContext" and len(args) != 2:
        return {"a recursive loop"}
    elif function == "cond_expr_undefined":
        return {"an inline if without else"}
    return set()


def _is(node: ast.expr, name: str, attribute: str) -> bool:
    """``node`` is ``name.attribute``."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == attribute
        and isinstance(node.value, ast.Name)
        and node.value.id == name
    )


def _constant(node: ast.expr) -> Any:
    return node.value if isinstance(node, ast.Constant) else None


def _used(tree: ast.Module, name: str) -> bool:
    return any(isinstance(node, ast.Name) and node.id == name for node in ast.walk(tree))


def _pass_arg(function: Callable[..., Any]) -> str | None:
    """What Jinja2 passes ``function`` first (``pass_context`` and the like), if anything."""
    marker = getattr(function, "jinja_pass_arg", None)
    return marker.name if marker is not None else None


def _custom_filters(environment: Environment) -> dict[str, Callable[..., Any]]:
    """The environment's own filters (Jinja2's built-ins are not all in the runtime)."""
    from jinja2.defaults import DEFAULT_FILTERS

    return {name: f for name, f in environment.filters.items() if DEFAULT_FILTERS.get(name) is not f}


def expected(layouts_dir: Path) -> dict[str, str]:
    """Every module ``digest.render.templates`` should hold for the layouts in ``layouts_dir``."""
    from digest.api.pages import environment as pages_environment
    from digest.api.pages import page_templates
    from digest.render.edition import TEMPLATES, environment

    files = {"__init__.py": '"""Layouts compiled by digest.render.precompiled (`make templates`): do not edit."""\n'}
    edition = environment(layouts_dir)
    files |= {f"{module_name('edition', name)}.py": plain_module(edition, name) for name in TEMPLATES}
    pages = pages_environment(layouts_dir)
    files |= {f"{module_name('pages', name)}.py": jinja_module(pages, name) for name in page_templates(layouts_dir)}
    return files


def write(layouts_dir: Path, into: Path = DIRECTORY) -> list[str]:
    """Compile the layouts into ``into`` (stale modules removed); the files written."""
    files = expected(layouts_dir)
    into.mkdir(exist_ok=True)
    for old in into.glob("*.py"):
        if old.name not in files:
            old.unlink()
    for file, text in files.items():
        (into / file).write_text(text, encoding="utf-8")
    return sorted(files)


if __name__ == "__main__":  # `make templates`
    print("\n".join(write(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[3] / "layouts")))
