"""What a cold start imports: each handler imported in a fresh interpreter as Lambda imports it loads
none of the modules the budgets work (issue #17) took off its import path, and builds no model of
ours.  Not timed: benchmarks/bench_budgets.py times them (docs/benchmarks.md, "Lambda budgets");
this fails as soon as a heavy import comes back at module level.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"

# Off every handler's import path: pydantic-settings (the settings are a plain model) and
# Powertools' batch utilities (digest/handlers/batch.py answers SQS batches).
EVERYWHERE = {"pydantic_settings", "aws_lambda_powertools.utilities.batch", "numpy", "scipy"}
# Loaded on first use by the requests that need them, not at import.
RENDERING = {"jinja2", "jinja2.compiler", "markupsafe", "mjml", "digest.render.edition", "digest.render.runtime"}
MAILING = {"digest.mail.compose", "digest.mail.service", "digest.mail.inbound", "email.policy"}
NOT_IMPORTED = {
    "digest.handlers.api": EVERYWHERE | RENDERING | MAILING | {"email_validator", "digest.api.editorial"},
    "digest.handlers.send_dispatch": EVERYWHERE | RENDERING | {"digest.mail.compose", "digest.mail.editors"},
    "digest.handlers.send_worker": EVERYWHERE | RENDERING,
    "digest.handlers.notice_worker": EVERYWHERE | RENDERING | MAILING,
    "digest.handlers.ingest_worker": EVERYWHERE | RENDERING | MAILING,
    "digest.handlers.ingest_fanout": EVERYWHERE | RENDERING | MAILING,
}

PROGRAM = """import gc, inspect, json, sys
collections = []
gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(info["generation"]))
import {module}
gc.callbacks.clear()
import digest.models
built = sorted(name for name, value in vars(digest.models).items()
               if inspect.isclass(value) and issubclass(value, digest.models.Model) and value.__pydantic_complete__)
print(json.dumps({{"modules": sorted(sys.modules), "built": built, "collections": collections,
                  "gc_enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}}))"""


def cold_import(module: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_", "LAMBDA_"))}
    env |= {"LAMBDA_TASK_ROOT": str(FUNCTIONS), "AWS_REGION": "eu-west-1", "POWERTOOLS_TRACE_DISABLED": "true"}
    out = subprocess.run([sys.executable, "-c", PROGRAM.format(module=module)], capture_output=True, text=True,
                         env=env, cwd=FUNCTIONS, timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    found: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


@pytest.mark.parametrize("module", sorted(NOT_IMPORTED))
def test_a_cold_handler_leaves_the_heavy_modules_for_the_requests_that_need_them(module: str) -> None:
    found = cold_import(module)
    assert module in found["modules"] and "digest.settings" in found["modules"], "the import went wrong"
    loaded = sorted(NOT_IMPORTED[module] & set(found["modules"]))
    assert not loaded, f"{module} imports {loaded} at cold start (issue #17: import them where they are used)"
    assert not found["built"], f"{module} builds {found['built']} at import (digest.models.Model defers it)"


def handler_modules() -> list[str]:
    from digest.local.cfn_yaml import load_template

    resources = load_template(ROOT / "template.yaml")["Resources"].values()
    return sorted({r["Properties"]["Handler"].rpartition(".")[0] for r in resources
                   if r["Type"] == "AWS::Serverless::Function"})  # fmt: skip


@pytest.mark.parametrize("module", handler_modules())
def test_a_cold_handler_collects_no_garbage_while_it_imports_and_freezes_what_it_loaded(module: str) -> None:
    """A collection during the import scans every object boto3 and pydantic have made so far, for
    garbage that is not there: on this machine that was a fifth of a cold import (docs/benchmarks.md)."""
    found = cold_import(module)
    # At most one young-generation collection, before the handler's first line switches them off
    # (importing the `digest` package); without that line an import runs about a hundred.
    assert found["collections"] in ([], [0]), f"{module} ran collections {found['collections']} while importing"
    assert found["gc_enabled"] is True, f"{module} leaves garbage collection switched off after its import"
    assert found["frozen"] > 10_000, f"{module} froze only {found['frozen']} objects: gc.freeze() missing?"
