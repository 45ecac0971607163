"""benchmarks/charts.py: the hand-written SVG charts are well-formed and hold the figures they draw."""

from __future__ import annotations

import importlib.util
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def charts(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    spec = importlib.util.spec_from_file_location("_digest_bench_charts", REPO / "benchmarks" / "charts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    module.CHARTS = tmp_path_factory.mktemp("charts")  # never the committed ones
    return module


def test_the_document_s_tables_become_well_formed_charts(charts: ModuleType) -> None:
    written = charts.from_document((REPO / "docs" / "benchmarks.md").read_text(encoding="utf-8"))
    names = {path.name for path in written}
    assert {"cluster-threshold.svg", "cluster-scaling.svg", "send-pacing.svg"} <= names
    for path in written:
        root = ET.fromstring(path.read_text(encoding="utf-8"))
        assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.find("{*}title") is not None
    threshold = (charts.CHARTS / "cluster-threshold.svg").read_text(encoding="utf-8")
    assert "default" in threshold and threshold.count("<polyline") == 4  # F1 twice, P and R


def test_a_line_chart_scales_points_into_the_plot_and_escapes_names(charts: ModuleType) -> None:
    path = charts.line_chart(charts.CHARTS / "t.svg", "A & B", {"<one>": [(0, 0), (10, 5)]},
                             x_label="x", y_label="y", levels={"limit": 4})  # fmt: skip
    text = path.read_text(encoding="utf-8")
    ET.fromstring(text)
    assert "A &amp; B" in text and "&lt;one&gt;" in text
    points = text.split('points="', 1)[1].split('"', 1)[0].split()
    xs = [float(p.split(",")[0]) for p in points]
    assert xs == [charts.LEFT, charts.WIDTH - charts.RIGHT]
    assert charts.nice_ticks(0, 5) == [0, 1, 2, 3, 4, 5]
    assert path.read_text() == charts.line_chart(path, "A & B", {"<one>": [(0, 0), (10, 5)]}, x_label="x",
                                                 y_label="y", levels={"limit": 4}).read_text()  # deterministic
