"""The layouts' Jinja2 templates compiled ahead of time, so a fresh process renders without compiling.

Compiling the edition's templates costs a cold process more CPU than rendering them
(docs/benchmarks.md, "Lambda budgets").  ``make templates`` (:func:`write`) compiles every layout
with the environment that renders it into a module of ``digest.render.templates``, shipped and
byte-compiled with the code; each records the SHA-256 of its source.  :class:`Loader` uses such a
module only while the layout it was compiled from is unchanged (a different ``LAYOUTS_DIR``, an
edited layout: compiled from source as before), and tests/unit/test_precompiled.py fails when a
shipped module is out of date.
"""

from __future__ import annotations

import hashlib
import importlib
import re
import sys
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import FileSystemLoader

if TYPE_CHECKING:
    from jinja2 import Environment, Template

PACKAGE = "digest.render.templates"
DIRECTORY = Path(__file__).with_name("templates")


def module_name(flavour: str, template: str) -> str:
    """``edition``, ``edition.mjml.j2`` -> ``edition__edition_mjml_j2``."""
    return f"{flavour}__{re.sub(r'[^A-Za-z0-9]', '_', template)}"


def checksum(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


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


def generated(environment: Environment, flavour: str, names: list[str]) -> dict[str, str]:
    """File name -> source of the modules compiled from ``names`` with ``environment``."""
    files = {"__init__.py": '"""Layouts compiled by digest.render.precompiled (`make templates`): do not edit."""\n'}
    for name in names:
        source, filename, _ = environment.loader.get_source(environment, name)  # type: ignore[union-attr]
        code = environment.compile(source, name, filename, raw=True, defer_init=True)
        header = f"# {name} compiled by digest.render.precompiled (`make templates`): do not edit.\n"
        files[f"{module_name(flavour, name)}.py"] = f"{header}{code}\n\nSOURCE_SHA256 = {checksum(source)!r}\n"
    return files


def expected(layouts_dir: Path) -> dict[str, str]:
    """Every module ``digest.render.templates`` should hold for the layouts in ``layouts_dir``."""
    from digest.api.pages import environment as pages_environment
    from digest.api.pages import page_templates
    from digest.render.edition import TEMPLATES, environment

    flavours: list[tuple[Callable[[Path], Environment], str, list[str]]] = [
        (environment, "edition", list(TEMPLATES)),
        (pages_environment, "pages", page_templates(layouts_dir)),
    ]
    files: dict[str, str] = {}
    for make, flavour, names in flavours:
        files.update(generated(make(layouts_dir), flavour, names))
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
