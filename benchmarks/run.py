"""`make bench`: run every benchmarks/bench_*.py and write their reports to docs/benchmarks.md.

Each benchmark prints a Markdown section on standard output; this script adds the command and the
machine that produced the figures, so every number in the document can be reproduced.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def previous_sections() -> dict[str, str]:
    """Sections of the current document, by script, so a partial run keeps the others."""
    if not DOC.exists():
        return {}
    found: dict[str, str] = {}
    for chunk in DOC.read_text().split("<!-- bench:")[1:]:
        name, _, body = chunk.partition(" -->\n")
        found[name] = body.split("<!-- /bench -->")[0]
    return found


def main(names: list[str]) -> int:
    scripts = sorted(ROOT.glob("benchmarks/bench_*.py"))
    if names:
        scripts = [s for s in scripts if any(n in s.stem for n in names)]
    sections = previous_sections()
    failed = False
    for script in scripts:
        print(f"▶ {script.name}", flush=True)
        result = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True)
        sys.stderr.write(result.stderr)
        if result.returncode != 0:
            failed = True
            sections[script.stem] = f"## {script.stem}\n\nFailed (exit {result.returncode}); see `make bench` output.\n"
        else:
            sections[script.stem] = result.stdout.strip() + "\n"
        print(result.stdout.strip(), flush=True)
    header = (
        "# Benchmarks\n\n"
        "Produced by `make bench` (`python benchmarks/run.py`; one: `make bench BENCH=NAME`) on "
        f"{datetime.now(UTC):%Y-%m-%d}, "
        f"on {machine()}.\nEach section names the script that measured it; rerun one with "
        "`python benchmarks/run.py NAME`.\n"
        "The charts (docs/charts/*.svg) are drawn by the benchmarks from the figures they measure; "
        "`python benchmarks/charts.py` redraws the summary ones from the tables below.\n\n"
    )
    # re-read: a section another run wrote while this one ran is kept, only this run's are replaced
    sections = {**previous_sections(), **{s.stem: sections[s.stem] for s in scripts}}
    body = "\n".join(f"<!-- bench:{name} -->\n{text}<!-- /bench -->\n" for name, text in sorted(sections.items()))
    DOC.write_text(header + body)
    print(f"wrote {DOC}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
