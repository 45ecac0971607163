"""The layouts compiled ahead of time (digest/render/precompiled.py): shipped up to date, used while
their source is unchanged, and never in place of an edited layout.  The edition's run without Jinja2
(tests/unit/test_render_precompiled.py compares them with Jinja2's rendering)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from digest.api import pages
from digest.render import edition, precompiled, runtime

LAYOUTS = Path(__file__).resolve().parents[2] / "layouts"


def test_shipped_modules_are_compiled_from_the_current_layouts() -> None:
    shipped = {path.name: path.read_text(encoding="utf-8") for path in precompiled.DIRECTORY.glob("*.py")}
    expected = precompiled.expected(LAYOUTS)
    assert sorted(shipped) == sorted(expected), "run `make templates`"
    stale = sorted(name for name, text in expected.items() if shipped[name] != text)
    assert not stale, f"out of date with layouts/ or the Jinja2 environments: {stale}; run `make templates`"


def _compiled_from(template: object) -> str:
    return Path(template.root_render_func.__code__.co_filename).name  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", edition.TEMPLATES)
def test_the_edition_templates_load_precompiled(name: str) -> None:
    template = edition.template(LAYOUTS, name)
    assert isinstance(template, runtime.Template)
    assert Path(template.filename).name == precompiled.module_name("edition", name) + ".py"


def test_the_pages_load_precompiled() -> None:
    names = pages.page_templates(LAYOUTS)
    assert "page.html.j2" in names and not set(names) & set(edition.TEMPLATES)
    for name in names:
        template = pages.environment(LAYOUTS).get_template(name)
        assert _compiled_from(template) == precompiled.module_name("pages", name) + ".py"


def test_an_edited_layout_is_compiled_from_its_source(tmp_path: Path) -> None:
    layouts = tmp_path / "layouts"
    shutil.copytree(LAYOUTS, layouts)
    text = layouts / edition.TEXT_TEMPLATE
    text.write_text(text.read_text(encoding="utf-8") + "An edited line.\n", encoding="utf-8")
    template = edition.template(layouts, edition.TEXT_TEMPLATE)
    assert not isinstance(template, runtime.Template) and _compiled_from(template) == edition.TEXT_TEMPLATE
    unchanged = edition.template(layouts, edition.EMAIL_TEMPLATE)
    assert isinstance(unchanged, runtime.Template)
    assert Path(unchanged.filename).name == precompiled.module_name("edition", edition.EMAIL_TEMPLATE) + ".py"


def test_precompiled_and_source_render_alike() -> None:
    """A page loaded precompiled renders as the same layout compiled from source."""
    from jinja2 import Environment, FileSystemLoader

    env = pages.environment(LAYOUTS)
    plain = Environment(loader=FileSystemLoader(LAYOUTS), autoescape=env.autoescape, auto_reload=False)
    plain.filters.update(env.filters)
    context = {"title": "A <title>", "newsletter": "N", "paragraphs": ["one & two"], "form": None, "links": None,
               "privacy_url": "https://example.org/p", "logo_url": "", "home_url": "https://example.org/",
               "colour": "", "language": "", "send_day": "Friday", "sections": []}  # fmt: skip
    precompiled_page = env.get_template("page.html.j2")
    assert _compiled_from(precompiled_page) == precompiled.module_name("pages", "page.html.j2") + ".py"
    assert precompiled_page.render(context) == plain.get_template("page.html.j2").render(context)
