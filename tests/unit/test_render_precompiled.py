"""The edition's layouts as shipped render without Jinja2 (digest/render/runtime.py), byte for byte
as Jinja2 renders them from source, and `make templates` refuses a layout that runtime cannot run."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from jinja2 import DictLoader, Environment, Template, UndefinedError
from markupsafe import Markup
from test_render import LAYOUTS, SUBSCRIBE, TZ, VIEW_ONLINE, archive_entries, make_edition, render

from digest.models import Edition, Section
from digest.render import edition, precompiled, runtime
from digest.render.edition import Branding, render_archive_feed, render_archive_index
from digest.settings import Settings


def jinja_template(layouts_dir: Path | str, name: str) -> Template:
    """What edition.template gave before the runtime: the layout compiled by Jinja2 from source."""
    return edition.environment(layouts_dir).get_template(name)


def brandings() -> dict[str, Branding]:
    plain = Branding.from_settings(Settings(support_url="", link_tracking="", privacy_policy_url="", postal_address=""))
    full = Branding.from_settings(Settings(), logo_url="https://example.org/logo.png", archive_url="https://e.org/a")
    return {"full": full, "plain": replace(plain, archive_url="", subscribe_url="")}


def one_story() -> Edition:
    single = make_edition()
    single.sections = [replace_stories(section, section.stories[:1]) for section in single.sections[:1]]
    return single


def replace_stories(section: Any, stories: list[Any]) -> Any:
    return section.model_copy(update={"stories": stories})


def no_stories() -> Edition:
    empty = make_edition()
    empty.sections = [replace_stories(section, []) for section in empty.sections]
    return empty


HOSTILE = "</mj-text><script>alert('x')</script> & \"quotes\" {{ 7*7 }} {% raw %} \u202eevil"


def hostile() -> Edition:
    """Every story's text and links as a hostile feed could make them: markup, quotes, template syntax."""
    edition = make_edition()
    for section in edition.sections:
        section.stories = [story.model_copy(update={
            "headline": HOSTILE, "summary": HOSTILE * 3,
            "lead": story.lead.model_copy(update={"title": HOSTILE, "source": HOSTILE,
                                                  "url": "https://example.com/a?b=1&c=\"><script>"}),
        }) for story in section.stories]  # fmt: skip
    edition.note = HOSTILE
    return edition


EDITIONS: dict[str, Callable[[], Edition]] = {
    "full": make_edition,
    "hostile text": hostile,
    "300 briefs": lambda: make_edition(briefs=300),  # too big: the size gate drops briefs
    "one story": one_story,
    "none": no_stories,
}
OPTIONS: dict[str, dict[str, Any]] = {
    "email": {},
    "web": {"web": True, "subscribe_url": SUBSCRIBE},
    "a reader's sections": {"sections": frozenset({Section.top, Section.analysis, Section.more})},
}


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("which", EDITIONS)
@pytest.mark.parametrize("brand", ["full", "plain"])
def test_an_edition_renders_as_jinja2_renders_it(
    brand: str, which: str, options: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    branding, rendered_edition = brandings()[brand], EDITIONS[which]()
    shipped = render(rendered_edition, branding, **OPTIONS[options])
    for name in (edition.EMAIL_TEMPLATE, edition.TEXT_TEMPLATE):
        assert isinstance(edition.template(LAYOUTS, name), runtime.Template)
    assert bool(shipped.dropped) == (which == "300 briefs")
    if which == "hostile text":  # escaped as text, never markup (the url is refused as a link: not a valid URL)
        assert "<script>" not in shipped.html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in shipped.html
    monkeypatch.setattr(edition, "template", jinja_template)
    assert render(rendered_edition, branding, **OPTIONS[options]) == shipped


@pytest.mark.parametrize("entries", ["three", "none"])
def test_the_archive_renders_as_jinja2_renders_it(entries: str, monkeypatch: pytest.MonkeyPatch) -> None:
    listed = archive_entries() if entries == "three" else []
    kwargs: dict[str, Any] = {"layouts_dir": LAYOUTS, "base_url": "http://127.0.0.1:8000/archive"}
    branding = brandings()["full"]
    shipped = render_archive_index(listed, branding, **kwargs), render_archive_feed(listed, branding, **kwargs)
    monkeypatch.setattr(edition, "template", jinja_template)
    assert (
        render_archive_index(listed, branding, **kwargs),
        render_archive_feed(listed, branding, **kwargs),
    ) == shipped


def test_the_first_render_imports_no_jinja2(tmp_path: Path) -> None:
    (tmp_path / "edition.json").write_text(make_edition().model_dump_json(), encoding="utf-8")
    program = f"""import json, sys
from pathlib import Path
from digest.models import Edition
from digest.render.edition import Branding, render_edition
from digest.settings import Settings
edition = Edition.model_validate_json(Path({str(tmp_path / "edition.json")!r}).read_text())
render_edition(edition, Branding.from_settings(Settings()), layouts_dir=Path({str(LAYOUTS)!r}), timezone={TZ!r},
               view_online_url={VIEW_ONLINE!r})
print(json.dumps(sorted(sys.modules)))"""
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120, check=True)
    modules = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "digest.render.runtime" in modules and "mjml" in modules, "the render went another way"
    assert "jinja2" not in modules and "markupsafe" in modules


# -- the runtime against Jinja2, feature by feature ---------------------------------------------------

SNIPPETS = {
    "loop": "{% for x in items %}{{ x }}:{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}"
    "/{{ loop.length }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %} {% endfor %}",
    "loop over an iterator": "{% for x in numbers %}{{ loop.length }}{{ loop.last }}{{ loop.revindex }} {% endfor %}",
    "nested loops": "{% for a in items %}{% for b in items %}{{ loop.first }}{% endfor %}{{ loop.last }}{% endfor %}",
    "macro": '{% macro m(a, b="<b>") %}[{{ a }}|{{ b }}]{% endmacro %}{{ m("<a>") }}{{ m(b="&", a=1) }}',
    "filters": '{{ items|select|join(", ") }}|{{ name|upper }}|{{ items|length }}|{{ "<i>"|safe }}',
    "join with markup": '{{ [markup, "<a>"]|join("<br>") }}|{{ ["x", "<y>"]|join(markup) }}|{{ ["<z>"]|join }}',
    "concatenation": '{{ "<" ~ markup ~ name }}{{ name ~ 1 }}',
    "lookups": '{{ mapping.key }}{{ mapping["key"] }}{{ items[1] }}{{ name.upper() }}{{ mapping.items()|length }}',
    "set and range": "{% set n = items|length %}{% for i in range(n) %}{{ i }}{% endfor %}{{ n * 2 }}",
    "conditions": "{{ 'one' if items|length == 1 else 'many' }}{% if not empty and name %}ok{% endif %}",
    "own filters": "{{ date|longdate }} {{ date|rfc822 }}\n{{ long|wrap(indent='  ', first='* ') }}",
}


def context() -> dict[str, Any]:
    from datetime import UTC, datetime

    return {
        "items": ["<a>", "", "b & c", None, "d"],
        "numbers": (n for n in range(3)),
        "name": "Anna <o'neil>",
        "markup": Markup("<i>safe</i>"),
        "mapping": {"key": "<value>"},
        "empty": [],
        "date": datetime(2026, 11, 27, 7, tzinfo=UTC),
        "long": "A sentence long enough to be wrapped over more than one line of the plain-text part, twice.",
    }


def both(source: str, name: str) -> tuple[runtime.Template, Template]:
    """``source`` as the layout ``name``: run by the runtime, and by Jinja2 with the edition's settings."""
    jinja = edition.environment(LAYOUTS).overlay(loader=DictLoader({name: source}))
    module = precompiled.plain_module(jinja, name, source)
    return runtime.Template(compile(module, name, "exec"), runtime.Environment(edition.FILTERS)), jinja.get_template(
        name
    )


@pytest.mark.parametrize("name", ["snippet.mjml.j2", "snippet.txt.j2"])  # autoescaped, and not
@pytest.mark.parametrize("snippet", SNIPPETS)
def test_the_runtime_renders_as_jinja2(snippet: str, name: str) -> None:
    ours, jinja = both(SNIPPETS[snippet], name)
    assert ours.render(context()) == jinja.render(context())


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ name }}", "'name' is undefined"),
        ("{{ mapping.nothing }}", "dict object has no attribute 'nothing'"),
        ("{% for x in name.nothing %}{% endfor %}", "str object has no attribute 'nothing'"),
        ("{% if nothing %}{% endif %}", "'nothing' is undefined"),
        ("{% macro m(a) %}{{ a }}{% endmacro %}{{ m() }}", "parameter 'a' was not provided"),
    ],
)
def test_an_undefined_value_fails_as_in_jinja2(source: str, message: str) -> None:
    ours, jinja = both(source, "strict.mjml.j2")
    values = {"mapping": {}} if "mapping" in source else {"name": "x"} if "name." in source else {}
    with pytest.raises(UndefinedError):
        jinja.render(values)
    with pytest.raises(runtime.UndefinedError, match=message):
        ours.render(values)


def test_a_macro_refuses_what_jinja2_refuses() -> None:
    ours, jinja = both("{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}", "args.txt.j2")
    for template in (jinja, ours):
        with pytest.raises(TypeError, match="macro 'm' takes not more than 1 argument"):
            template.render({})


@pytest.mark.parametrize(
    ("source", "needs"),
    [
        ("{{ name|title }}", "filter 'title'"),
        ("{% if name is defined %}{% endif %}", "environment.tests"),
        ('{% include "other.j2" %}', "environment.get_template"),
        ("{{ lipsum() }}", "global 'lipsum'"),
        ("{{ name if name }}", "an inline if without else"),
        ("{% for x in items recursive %}{{ loop(x) }}{% endfor %}", "a recursive loop"),
        ("{% for x in items %}{{ loop.cycle('a', 'b') }}{% endfor %}", "loop.cycle"),
        ("{% for x in items %}{{ loop }}{% endfor %}", "the loop variable itself"),
        ("{% macro m() %}{{ caller() }}{% endmacro %}{% call m() %}x{% endcall %}", "caller, varargs or kwargs"),
        ("{% autoescape false %}{{ name }}{% endautoescape %}", "context.eval_ctx.save"),
    ],
)
def test_make_templates_refuses_a_layout_the_runtime_cannot_run(source: str, needs: str) -> None:
    jinja = edition.environment(LAYOUTS).overlay(loader=DictLoader({"x.mjml.j2": source}))
    with pytest.raises(precompiled.NeedsJinja, match=needs):
        precompiled.plain_module(jinja, "x.mjml.j2", source)


def test_a_filter_taking_another_first_argument_is_refused() -> None:
    jinja = Environment(autoescape=True)
    jinja.filters["upper"] = jinja.filters["select"]  # the runtime's `upper` takes no context
    with pytest.raises(precompiled.NeedsJinja, match="filter 'upper' \\(takes a context first\\)"):
        precompiled.plain_module(jinja, "x.html.j2", "{{ name|upper }}")
