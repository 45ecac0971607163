"""Fixtures for the browser tests: headless Chromium (Debian's ``chromium``, as used by
digest.local.preview), the reference MJML (npm ``mjml``) and the unit tests' edition builder.

`make test` installs Chromium and npm mjml when it can (npm into ``.venv/node_modules``; chromium
with apt-get when root); where either is missing, the ``chromium`` and ``reference_mjml`` fixtures
skip the tests that use them, saying why.

``DIGEST_NODE_MODULES`` names another ``node_modules`` directory holding ``mjml``; ``CHROMIUM``
another Chromium executable.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest

from digest.local.preview import PreviewError, find_chromium

REPO = Path(__file__).resolve().parents[2]
NODE_MODULES = Path(os.environ.get("DIGEST_NODE_MODULES", REPO / ".venv" / "node_modules"))

# Reference MJML through its JS API: source on stdin, {"html", "errors"} as JSON on stdout.
# fonts {} as in digest.render.edition (no Google Fonts <link>/@import for Roboto & co.), so both
# renders name the same, local, fonts.
_MJML_JS = r"""
const mjml2html = require(process.argv[1]);
let source = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { source += chunk; });
process.stdin.on('end', async () => {
  const out = await Promise.resolve(
    mjml2html(source, { validationLevel: 'soft', fonts: {}, minify: false, beautify: false, keepComments: true })
  );
  const errors = (out.errors || []).map((e) => e.formattedMessage || e.message);
  process.stdout.write(JSON.stringify({ html: out.html, errors }));
});
"""


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium executable preview.py will use (skips when there is none)."""
    try:
        return find_chromium()
    except PreviewError as exc:
        pytest.skip(f"{exc} (`make test` installs it with apt-get when run as root)")


@pytest.fixture(scope="session")
def reference_mjml() -> Callable[[str], str]:
    """``render(mjml_source) -> html`` with the reference (npm) MJML 4 (skips when not installed)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node not found: the reference MJML (npm mjml) needs Node.js")
    package = NODE_MODULES / "mjml"
    if not (package / "package.json").is_file():
        pytest.skip(
            f"npm mjml not installed in {NODE_MODULES} (`make test` runs "
            "`npm install --prefix .venv mjml@4`; or set DIGEST_NODE_MODULES)"
        )

    def render(source: str) -> str:
        done = subprocess.run(
            [node, "-e", _MJML_JS, str(package)],
            input=source,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"npm mjml failed ({done.returncode}): {done.stderr[-2000:]}")
        result = json.loads(done.stdout)
        assert not result["errors"], f"reference MJML reports errors: {result['errors']}"
        html: str = result["html"]
        return html

    return render


@pytest.fixture(scope="session")
def mjml_version() -> str:
    """The installed npm mjml's version (for messages)."""
    try:
        return str(json.loads((NODE_MODULES / "mjml" / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return "?"


@pytest.fixture(scope="session")
def render_tests() -> ModuleType:
    """tests/unit/test_render.py loaded as a plain module, for its realistic edition builder
    (``make_edition``: five sections, hostile, right-to-left, emoji and endless titles) and its
    ``render`` helper, so that the browser tests look at the very edition the unit tests check."""
    name = "_digest_browser_test_render"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "tests" / "unit" / "test_render.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


THIN_WEEK_TOPICS = ["Tram strike halts the city", "Council passes the harbour budget", "Storm floods the west coast",
                    "Museum reopens its maritime gallery"]  # fmt: skip


@pytest.fixture(scope="session")
def thin_week() -> Callable[[int], str]:
    """``thin_week(n)`` imports a thin week of articles ``n`` weeks ago (four stories from two outlets:
    the review page warns before approving it) into the current stack, and returns the week's id."""
    from digest.ingest.service import import_articles
    from digest.settings import get_settings
    from digest.stories.window import edition_window

    def imported(weeks_back: int) -> str:
        settings = get_settings()
        then = datetime.now(UTC) - timedelta(weeks=weeks_back)
        week, start, _ = edition_window(None, timezone=settings.newsroom_timezone, send_day=settings.send_day,
                                        send_hour=settings.send_hour, now=then)  # fmt: skip
        lines = [
            json.dumps(
                {
                    "url": f"https://{outlet.lower()}.example.org/{week}/{n}",
                    "title": topic,
                    "source": outlet,
                    "text": f"{topic}. {outlet} reports the details.",
                    "published": (start + timedelta(hours=10 + 20 * n + m)).isoformat(),
                }
            )
            for n, topic in enumerate(THIN_WEEK_TOPICS)
            for m, outlet in enumerate(["Herald", "Courier"][: 2 if n < 3 else 1])
        ]
        import_articles(settings, lines)
        return week

    return imported
