"""Small SVG charts of the benchmark figures, written by hand (no plotting library): docs/charts/*.svg.

The benchmarks call ``line_chart`` and ``bar_chart`` with what they measured (bench_cluster: the
threshold sweep and the scaling runs; bench_send: pacing, per second and in sliding windows).
``python benchmarks/charts.py`` redraws the summary charts from the tables in docs/benchmarks.md,
without running anything.  The SVGs are plain text, deterministic for the same figures, and use
no fonts or scripts from elsewhere.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Sequence
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHARTS = ROOT / "docs" / "charts"
DOC = ROOT / "docs" / "benchmarks.md"
COLOURS = ["#b3121f", "#1a5fb4", "#2f7d32", "#b36b00", "#6d3fa0", "#555555"]
WIDTH, HEIGHT = 680, 360
LEFT, RIGHT, TOP, BOTTOM = 64, 200, 40, 52  # plot margins; the legend sits in the right margin

Point = tuple[float, float]


def _num(value: float) -> str:
    """A coordinate, short and stable."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _label(value: float) -> str:
    """A tick label: 0.95, 12, 5,000."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if value == int(value):
        return f"{int(value)}"
    return f"{value:.3g}"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values covering [low, high]."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


def _frame(title: str, x_label: str, y_label: str, y_ticks: Sequence[float], y_of: object) -> list[str]:
    width = WIDTH - LEFT - RIGHT
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" font-family="Helvetica, Arial, sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="22" font-size="14" font-weight="bold" fill="#1d1d1b">{escape(title)}</text>',
    ]
    for tick in y_ticks:
        y = y_of(tick)  # type: ignore[operator]
        parts.append(f'<line x1="{LEFT}" y1="{_num(y)}" x2="{LEFT + width}" y2="{_num(y)}" stroke="#e4e4e4"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{_num(y + 4)}" text-anchor="end" fill="#444">{_label(tick)}</text>')
    bottom = HEIGHT - BOTTOM
    parts.append(f'<line x1="{LEFT}" y1="{bottom}" x2="{LEFT + width}" y2="{bottom}" stroke="#888"/>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="#888"/>')
    parts.append(f'<text x="{LEFT + width / 2:.0f}" y="{HEIGHT - 12}" text-anchor="middle" fill="#1d1d1b">'
                 f"{escape(x_label)}</text>")  # fmt: skip
    parts.append(f'<text transform="translate(16 {TOP + (bottom - TOP) / 2:.0f}) rotate(-90)" text-anchor="middle" '
                 f'fill="#1d1d1b">{escape(y_label)}</text>')  # fmt: skip
    return parts


def _legend(names: Sequence[str], dashed: Sequence[bool], bars: bool = False) -> list[str]:
    parts = []
    x = WIDTH - RIGHT + 14
    for i, name in enumerate(names):
        y = TOP + 8 + 20 * i
        colour = COLOURS[i % len(COLOURS)]
        if bars:
            parts.append(f'<rect x="{x}" y="{y - 9}" width="16" height="10" fill="{colour}"/>')
        else:
            dash = ' stroke-dasharray="5 3"' if dashed[i] else ""
            parts.append(f'<line x1="{x}" y1="{y - 4}" x2="{x + 18}" y2="{y - 4}" stroke="{colour}" '
                         f'stroke-width="2"{dash}/>')  # fmt: skip
        parts.append(f'<text x="{x + 24}" y="{y}" fill="#1d1d1b">{escape(name)}</text>')
    return parts


def _write(path: Path, parts: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([*parts, "</svg>"]) + "\n", encoding="utf-8")
    return path


def line_chart(
    path: Path,
    title: str,
    series: dict[str, Sequence[Point]],
    *,
    x_label: str,
    y_label: str,
    y_range: tuple[float, float] | None = None,
    dashed: Sequence[str] = (),
    marks: dict[str, float] | None = None,
    levels: dict[str, float] | None = None,
) -> Path:
    """Lines through each series' (x, y) points; ``marks`` draws labelled vertical lines at x values
    (a default, say), ``levels`` labelled horizontal ones at y values (a limit)."""
    points = [p for values in series.values() for p in values]
    xs = [x for x, _ in points] + list((marks or {}).values())
    ys = [y for _, y in points] + list((levels or {}).values())
    x_low, x_high = min(xs), max(xs)
    if x_high == x_low:
        x_high = x_low + 1
    y_ticks = nice_ticks(*(y_range or (min(0.0, min(ys)), max(ys))))
    y_low, y_high = y_ticks[0], y_ticks[-1]
    width, height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(x: float) -> float:
        return LEFT + (x - x_low) / (x_high - x_low) * width

    def y_of(y: float) -> float:
        return TOP + (1 - (y - y_low) / (y_high - y_low)) * height

    parts = _frame(title, x_label, y_label, y_ticks, y_of)
    for tick in nice_ticks(x_low, x_high, 6):
        if x_low <= tick <= x_high:
            parts.append(f'<text x="{_num(x_of(tick))}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                         f'fill="#444">{_label(tick)}</text>')  # fmt: skip
    for name, x in (marks or {}).items():
        parts.append(f'<line x1="{_num(x_of(x))}" y1="{TOP}" x2="{_num(x_of(x))}" y2="{HEIGHT - BOTTOM}" '
                     f'stroke="#999" stroke-dasharray="2 3"/>')  # fmt: skip
        parts.append(f'<text x="{_num(x_of(x) + 4)}" y="{TOP + 12}" fill="#555">{escape(name)}</text>')
    for name, y in (levels or {}).items():
        parts.append(f'<line x1="{LEFT}" y1="{_num(y_of(y))}" x2="{LEFT + width}" y2="{_num(y_of(y))}" '
                     f'stroke="#555" stroke-dasharray="6 3"/>')  # fmt: skip
        parts.append(f'<text x="{LEFT + width - 4}" y="{_num(y_of(y) - 4)}" text-anchor="end" fill="#555">'
                     f"{escape(name)}</text>")  # fmt: skip
    for i, (name, values) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        dash = ' stroke-dasharray="5 3"' if name in dashed else ""
        line = " ".join(f"{_num(x_of(x))},{_num(y_of(y))}" for x, y in values)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"{dash}>'
                     f"<title>{escape(name)}</title></polyline>")  # fmt: skip
        if len(values) <= 24:
            for x, y in values:
                parts.append(f'<circle cx="{_num(x_of(x))}" cy="{_num(y_of(y))}" r="3" fill="{colour}">'
                             f"<title>{escape(name)}: {_label(x)} → {_label(y)}</title></circle>")  # fmt: skip
    parts += _legend(list(series), [name in dashed for name in series])
    return _write(path, parts)


def bar_chart(
    path: Path,
    title: str,
    groups: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    x_label: str,
    y_label: str,
) -> Path:
    """Grouped bars: one group per label in ``groups``, one bar per series in each group."""
    values = [v for vs in series.values() for v in vs]
    y_ticks = nice_ticks(0.0, max(values) if values else 1.0)
    y_high = y_ticks[-1]
    width, height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y_of(y: float) -> float:
        return TOP + (1 - y / y_high) * height

    parts = _frame(title, x_label, y_label, y_ticks, y_of)
    slot = width / max(1, len(groups))
    bar = slot * 0.8 / max(1, len(series))
    for g, group in enumerate(groups):
        left = LEFT + g * slot + slot * 0.1
        parts.append(f'<text x="{_num(LEFT + (g + 0.5) * slot)}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                     f'fill="#444">{escape(group)}</text>')  # fmt: skip
        for i, (name, vs) in enumerate(series.items()):
            value = vs[g]
            x, y = left + i * bar, y_of(value)
            parts.append(f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(bar - 2)}" '
                         f'height="{_num(TOP + height - y)}" fill="{COLOURS[i % len(COLOURS)]}">'
                         f"<title>{escape(group)}, {escape(name)}: {_label(value)}</title></rect>")  # fmt: skip
    parts += _legend(list(series), [False] * len(series), bars=True)
    return _write(path, parts)


# ---------------------------------------------------------------- the charts each benchmark draws


def threshold_chart(rows: Sequence[tuple[float, dict[str, tuple[float, float, float]]]], default: float) -> Path:
    """bench_cluster's sweep: ``rows`` of (threshold, {input: (P, R, F1)})."""
    modes = list(rows[0][1]) if rows else []
    series: dict[str, list[Point]] = {f"F1, {m}": [(t, s[m][2]) for t, s in rows] for m in modes}
    series |= {f"{k}, {m}": [(t, s[m][i]) for t, s in rows] for m in modes[:1] for i, k in ((0, "P"), (1, "R"))}
    low = math.floor(min(y for values in series.values() for _, y in values) * 10) / 10
    return line_chart(CHARTS / "cluster-threshold.svg", "Story clustering: BCubed scores against the threshold",
                      series, x_label="threshold (min cosine for a link)", y_label="BCubed score", y_range=(low, 1.0),
                      dashed=[k for k in series if not k.startswith("F1")], marks={"default": default})  # fmt: skip


def scaling_charts(rows: Sequence[dict[str, float]]) -> list[Path]:
    """bench_cluster's scaling runs: ``rows`` of {n, wall_s, peak_mb, rss_before_mb}."""
    time_chart = line_chart(CHARTS / "cluster-scaling.svg", "Story clustering: time against articles",
                            {"wall seconds": [(r["n"], r["wall_s"]) for r in rows]},
                            x_label="articles", y_label="seconds")  # fmt: skip
    memory_chart = line_chart(CHARTS / "cluster-memory.svg", "Story clustering: memory against articles",
                              {"peak RSS while clustering": [(r["n"], r["peak_mb"]) for r in rows],
                               "RSS before": [(r["n"], r["rss_before_mb"]) for r in rows]},
                              x_label="articles", y_label="MB", dashed=["RSS before"])  # fmt: skip
    return [time_chart, memory_chart]


def pacing_chart(rates: Sequence[float], columns: dict[str, Sequence[float]]) -> Path:
    """bench_send's pacing summary: per SEND_RATE, the rate itself beside what was measured."""
    series = {"SEND_RATE": list(rates), **columns}
    return bar_chart(CHARTS / "send-pacing.svg", "Send pacing: the rate against what SES saw",
                     [f"{r:g}/s" for r in rates], series, x_label="SEND_RATE", y_label="messages")  # fmt: skip


def pacing_per_second_chart(runs: Sequence[tuple[float, Sequence[int]]]) -> Path:
    """bench_send's pacing runs second by second: ``runs`` of (rate, messages in each second)."""
    series = {f"SEND_RATE {rate:g}": [(float(s), float(n)) for s, n in enumerate(counts)] for rate, counts in runs}
    return line_chart(CHARTS / "send-pacing-per-second.svg", "Send pacing: SES requests in each second",
                      series, x_label="seconds from the first message", y_label="messages in that second",
                      levels={f"{rate:g}/s": rate for rate, _ in runs})  # fmt: skip


# ---------------------------------------------------------------- redrawing from docs/benchmarks.md


def _section(doc: str, name: str) -> str:
    found = re.search(rf"<!-- bench:{name} -->\n(.*?)<!-- /bench -->", doc, re.S)
    return found.group(1) if found else ""


def _table(text: str, heading: str) -> list[dict[str, str]]:
    """The first Markdown table after the line containing ``heading``, as dicts by column header."""
    at = text.find(heading)
    if at < 0:
        return []
    lines = [line for line in text[at:].splitlines()[1:] if line.strip()]
    while lines and not lines[0].startswith("|"):
        lines.pop(0)
    table = []
    for line in lines:
        if not line.startswith("|"):
            break
        table.append([cell.strip().strip("*").strip() for cell in line.strip().strip("|").split("|")])
    if len(table) < 2:
        return []
    return [dict(zip(table[0], row, strict=False)) for row in table[2:]]


def _float(cell: str) -> float:
    found = re.match(r"[\d,.]+", cell.replace("**", "").strip())
    return float(found.group(0).replace(",", "")) if found else float("nan")


def from_document(doc: str) -> list[Path]:
    """Every summary chart whose table docs/benchmarks.md holds."""
    written = []
    cluster = _section(doc, "bench_cluster")
    sweep = _table(cluster, "against threshold")
    if sweep:
        rows = []
        for row in sweep:
            scores = {}
            for mode in [k for k in row if k != "threshold"]:
                f, p, r = map(float, re.findall(r"[\d.]+", row[mode])[:3])
                scores[mode] = (p, r, f)
            rows.append((_float(row["threshold"]), scores))
        default = next((_float(r["threshold"]) for r in sweep if "default" in r["threshold"]), rows[0][0])
        written.append(threshold_chart(rows, default))
    scale = _table(cluster, "### Scaling")
    if scale:
        keys = {"articles": "n", "wall s": "wall_s", "RSS before MB": "rss_before_mb",
                "peak RSS while clustering MB": "peak_mb"}  # fmt: skip
        written += scaling_charts([{keys[k]: _float(v) for k, v in row.items() if k in keys} for row in scale])
    pacing = _table(_section(doc, "bench_send"), "Pacing accuracy")
    if pacing:
        rates = [_float(row["SEND_RATE"]) for row in pacing]

        def column(*words: str) -> list[float]:
            name = next(k for k in pacing[0] if all(w in k for w in words))
            return [_float(row[name]) for row in pacing]

        written.append(pacing_chart(rates, {"achieved msg/s": column("achieved"),
                                            "max per calendar second": column("max per", "second"),
                                            "max in any 1-s window": column("any 1-s window")}))  # fmt: skip
    return written


if __name__ == "__main__":
    for chart in from_document(DOC.read_text(encoding="utf-8")):
        print(f"wrote {chart.relative_to(ROOT)}")
    sys.exit(0)
