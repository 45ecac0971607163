"""Schemathesis against the committed OpenAPI document (docs/openapi.json) on `digest serve`.

Property-based requests to every operation, admin ones with the local key: no 5xx, and every response
matches the document (status code, content type, headers, body schema).  Two checks are left out:
``positive_data_acceptance`` (a schema-valid token, address or CSV is still refused when it is not a
real signed token / deliverable-looking address / CSV with an email column — that cannot be said in
JSON Schema) and ``unsupported_method`` (API Gateway answers undeclared methods before the Lambda).
Bounded: a few examples per operation, a fixed seed, well under a minute.  One worker: with two,
Hypothesis parses source files (ast.parse) in two threads at once, and CPython 3.11 before 3.11.8
keeps the AST converter's recursion depth per interpreter, not per thread (CPython gh-106905), so
a run now and then died with ``SystemError: AST constructor recursion depth mismatch``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.local.motoserver import LocalAws
from digest.local.serve import LocalServer
from digest.settings import REPO_ROOT, get_settings

OPENAPI = REPO_ROOT / "docs" / "openapi.json"
MAX_EXAMPLES = int(os.environ.get("DIGEST_SCHEMATHESIS_EXAMPLES", "8"))


@pytest.fixture(scope="module")
def server(stack: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    before = os.environ.get("API_BASE_URL")
    os.environ["DIGEST_SERVE_QUIET"] = "1"
    local = LocalServer(port=0, out_dir=tmp_path_factory.mktemp("serve") / "out").start()
    yield local
    local.stop()
    os.environ.pop("DIGEST_SERVE_QUIET", None)
    if before is None:
        os.environ.pop("API_BASE_URL", None)
    else:
        os.environ["API_BASE_URL"] = before
    get_settings.cache_clear()


def test_the_api_keeps_to_its_openapi_document(server: LocalServer, tmp_path: Path) -> None:
    pytest.importorskip("schemathesis", reason="schemathesis is not installed (pip install -e '.[dev]')")
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        str(OPENAPI),
        "--url",
        server.url,
        "--header",
        f"x-api-key: {get_settings().admin_api_key}",
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance,unsupported_method",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--phases",
        "examples,coverage,fuzzing",
        "--seed",
        "20261127",
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--report-dir",
        str(tmp_path),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    summary = result.stdout[-12000:]
    assert result.returncode == 0, f"schemathesis found problems:\n{summary}\n{result.stderr[-2000:]}"
