"""README claims that no other test pinned down (issue 18): the configuration table's defaults, the
number of functions, the reader CSV's per-field limit, progress every 2 s, and a bug's one line.

Each test reads the README's own words where it can, so the README and the code cannot drift apart
without one of them failing; docs/claims.md maps every README claim to its test.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest

from digest.cli import main
from digest.local.cfn_yaml import load_template
from digest.progress import Progress
from digest.readers import MAX_FIELD, parse_import
from digest.settings import REPO_ROOT, Settings

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
TEMPLATE = load_template(REPO_ROOT / "template.yaml")

# What the README's descriptive defaults stand for, as the template spells them.
MEANS = {"—": "", "text masthead": "", "0 (SES MaxSendRate)": "0", "5 MB": "5000000",
         "the stack's CloudFront distribution (HTTPS)": ""}  # fmt: skip


def configuration_rows() -> list[tuple[str, str, str]]:
    """(parameter, variable, default) for each name in the README's configuration table."""
    start = README.index("| parameter | variable | default | what |")
    rows: list[tuple[str, str, str]] = []
    for line in README[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        parameters, variables, defaults, _ = (c.strip() for c in line.strip("|").split("|"))
        separator = " / " if " / " in variables else ", "
        names = re.findall(r"`([A-Z_]+)`", variables)
        params = ["—"] * len(names) if parameters == "—" else parameters.split(separator)
        values = defaults.split(separator) if len(names) > 1 and defaults != "—" else [defaults] * len(names)
        assert len(params) == len(names) == len(values), line
        rows += zip(params, names, values, strict=True)
    return rows


def template_default(parameter: str, variable: str) -> str:
    if parameter == "—":  # set by the template itself, not by a parameter
        return str(TEMPLATE["Globals"]["Function"]["Environment"]["Variables"][variable])
    return str(TEMPLATE["Parameters"][parameter].get("Default", ""))


ROWS = configuration_rows()


def test_the_configuration_table_names_every_row() -> None:
    assert len(ROWS) == 22 and ("SendDay", "SEND_DAY", "FRI") in ROWS and ("SendHour", "SEND_HOUR", "7") in ROWS


@pytest.mark.parametrize(("parameter", "variable", "default"), ROWS, ids=[r[1] for r in ROWS])
def test_configuration_defaults_are_the_templates(parameter: str, variable: str, default: str) -> None:
    """The default column is what a deploy gets; the parameter reaches the code under that variable."""
    actual = template_default(parameter, variable)
    if default.endswith("…"):
        assert actual.startswith(default.removesuffix("…")) and len(actual) > len(default)
    elif default == "project URL":
        assert actual == Settings.model_fields["user_agent_contact"].default
    else:
        assert actual == MEANS.get(default, default)
    environment: dict[str, Any] = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert variable.lower() in Settings.model_fields
    if parameter != "—":
        assert {"Ref": parameter} == environment[variable] or {"Ref": parameter} in environment[variable]["Fn::If"]
    elif variable.startswith("FETCH_") or variable == "ALLOW_PRIVATE_FETCH":
        field = Settings.model_fields[variable.lower()]
        assert str(field.default).lower().removesuffix(".0") == actual  # the CLI's default is the deploy's


def test_the_readme_counts_the_templates_functions() -> None:
    functions = [n for n, r in TEMPLATE["Resources"].items() if r["Type"] == "AWS::Serverless::Function"]
    words = {9: "nine", 10: "ten", 11: "eleven", 12: "twelve"}
    sentence = re.search(r"declares the whole pipeline: (\w+) functions \(([^)]*)\)", README)
    assert sentence is not None
    assert sentence.group(1) == words[len(functions)] == "eleven"
    assert len(re.split(r",\s+", sentence.group(2))) == len(functions)


def test_a_field_of_320_characters_is_kept_and_one_longer_refuses_only_its_row() -> None:
    """README: "a field longer than 320 characters refuses its row"."""
    assert MAX_FIELD == 320
    name = "N" * 320
    text = f"email,name\nada@example.org,{name}\nbob@example.org,{name}x\ncy@example.org,Cy\n"
    result = parse_import(text)
    assert [(r.email, r.name) for r in result.readers] == [("ada@example.org", name), ("cy@example.org", "Cy")]
    assert result.errors == ["line 3: a field is longer than 320 characters"]


def test_progress_off_a_terminal_is_a_plain_line_every_2_seconds() -> None:
    """The default, not a value the test passes: README "a plain line every 2 s otherwise"."""
    stream, now = io.StringIO(), [0.0]
    progress = Progress("importing", 100, "readers", stream=stream, clock=lambda: now[0])
    for done in range(1, 11):  # one update every 0.5 s for 5 s
        now[0] = done * 0.5
        progress.update(done)
    shown = [line.split(":")[1].split()[0] for line in stream.getvalue().splitlines()]
    assert shown == ["1/100", "5/100", "9/100"]  # at 0.5 s, 2.5 s and 4.5 s


def test_an_unexpected_failure_is_one_line_unless_digest_debug_is_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    """README: "never a traceback (DIGEST_DEBUG=1 shows one for an unexpected failure)"."""
    articles = tmp_path / "articles.jsonl"
    articles.write_text('{"id": "a", "title": "Harbour reopens"}\n')

    def broken(items: object) -> list[int]:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("digest.stories.cluster.cluster", broken)
    monkeypatch.delenv("DIGEST_DEBUG", raising=False)
    assert main(["cluster", str(articles)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "digest: error: unexpected ZeroDivisionError: a bug (DIGEST_DEBUG=1 shows the traceback)\n"
    monkeypatch.setenv("DIGEST_DEBUG", "1")
    with pytest.raises(ZeroDivisionError, match="a bug"):
        main(["cluster", str(articles)])


def test_cluster_prints_one_story_per_line_in_input_order(capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    """README: `digest cluster FILE.jsonl` prints {"id": …, "story": …} per line, in input order."""
    lines = [
        '{"id": "b", "title": "Harbour bridge closes for repairs after storm damage"}',
        '{"id": "a", "title": "Council approves new library budget for next year"}',
        '{"id": "c", "title": "Storm damage closes harbour bridge for repairs", "source": "Other"}',
    ]
    articles = tmp_path / "articles.jsonl"
    articles.write_text("\n".join(lines) + "\n")
    assert main(["cluster", str(articles)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [set(r) for r in rows] == [{"id", "story"}] * 3
    assert [r["id"] for r in rows] == ["b", "a", "c"]
    assert rows[0]["story"] == rows[2]["story"] != rows[1]["story"]


def test_send_workers_report_partial_batch_failures_at_most_five_at_once_and_reserve_only_when_asked() -> None:
    """README: "Send workers (SQS, partial batch failures, at most 5 at once; reserved concurrency when
    SendWorkerReservedConcurrency is set)"."""
    worker = TEMPLATE["Resources"]["SendWorkerFunction"]["Properties"]
    (trigger,) = worker["Events"].values()
    assert trigger["Type"] == "SQS" and trigger["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert trigger["Properties"]["ScalingConfig"]["MaximumConcurrency"] == 5
    assert TEMPLATE["Parameters"]["SendWorkerReservedConcurrency"]["Default"] == 0
    assert "SendWorkerReservedConcurrency" in json.dumps(worker["ReservedConcurrentExecutions"])


def test_the_api_stage_is_throttled() -> None:
    """README: "... and API Gateway throttling" among the abuse limits: every method of the stage, and
    the admin key's usage plan more tightly."""
    apis = [r["Properties"] for r in TEMPLATE["Resources"].values() if r["Type"] == "AWS::Serverless::Api"]
    assert [a["MethodSettings"] for a in apis] == [
        [{"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": 20, "ThrottlingBurstLimit": 40}]
    ]
    assert TEMPLATE["Resources"]["AdminUsagePlan"]["Properties"]["Throttle"] == {"RateLimit": 5, "BurstLimit": 10}


def test_an_edition_reply_is_awaited_10_seconds() -> None:
    """README: "the reply did not come within `SES_TIMEOUT_SECONDS` (10 s)" — in a deploy and by default."""
    assert TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]["SES_TIMEOUT_SECONDS"] == "10"
    assert Settings.model_fields["ses_timeout_seconds"].default == 10.0
