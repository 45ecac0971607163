"""docs/claims.md stays honest: every test it cites as proof of a README claim exists (issue 18).

The test ids are collected by reading the test files with ast, not by running pytest: a renamed or
deleted test, or a wrong class, breaks this test instead of leaving a claim without its proof.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLAIMS = REPO / "docs" / "claims.md"
CITED = re.compile(r"`(tests/[\w/]+\.py)::([\w:]+)`")


def ids_in(path: Path) -> set[str]:
    """``name`` and ``Class::name`` of every test function in ``path``, nested classes included."""
    found: set[str] = set()

    def walk(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                walk(node.body, f"{prefix}{node.name}::")
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
                found.add(prefix + node.name)

    walk(ast.parse(path.read_text(encoding="utf-8")).body, "")
    return found


def citations(text: str) -> list[tuple[str, str]]:
    return CITED.findall(text)


def missing(text: str) -> list[str]:
    """The citations in ``text`` that name no test."""
    known: dict[str, set[str]] = {}
    absent = []
    for file, name in citations(text):
        path = REPO / file
        if file not in known:
            known[file] = ids_in(path) if path.is_file() else set()
        if name not in known[file]:
            absent.append(f"{file}::{name}")
    return absent


def test_every_cited_test_exists() -> None:
    text = CLAIMS.read_text(encoding="utf-8")
    assert len(citations(text)) > 300  # the table is read, not skipped
    assert missing(text) == []


def test_a_renamed_test_a_wrong_class_or_a_missing_file_is_caught() -> None:
    """The check itself can fail: names that do not exist are reported, ones that do are not."""
    text = (
        "`tests/infra/test_claims_doc.py::test_every_cited_test_exists` "
        "`tests/infra/test_claims_doc.py::test_every_cited_test_is_here` "
        "`tests/integration/test_api.py::TestSignUp::test_twenty_sign_ups_per_ip_per_hour_then_429` "
        "`tests/integration/test_api.py::TestTokens::test_twenty_sign_ups_per_ip_per_hour_then_429` "
        "`tests/unit/test_nowhere.py::test_anything`"
    )
    assert missing(text) == [
        "tests/infra/test_claims_doc.py::test_every_cited_test_is_here",
        "tests/integration/test_api.py::TestTokens::test_twenty_sign_ups_per_ip_per_hour_then_429",
        "tests/unit/test_nowhere.py::test_anything",
    ]
