"""Lambda budgets: cold import time of each handler module, and the size of the function package.

Import time is the median of several fresh interpreter processes, compared with importing boto3,
Powertools and pydantic alone in the same run.  The package is what `sam build` installs for the
functions (functions/requirements.txt, arm64 wheels for Python 3.12) plus the code, measured
unzipped and zipped.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HANDLERS = ["api", "ingest_fanout", "ingest_worker", "build_edition", "send_dispatch", "send_worker",
            "ses_events", "picks"]  # fmt: skip
BASELINE = "import boto3, aws_lambda_powertools, pydantic"
LIMITS = {"api": 1.3, "send_worker": 1.3, "send_dispatch": 1.3, "ingest_worker": 2.0, "ingest_fanout": 2.0}


def import_seconds(statement: str, runs: int) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true", "AWS_DEFAULT_REGION": "eu-west-1"}
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def package_sizes() -> tuple[int, int] | str:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "package"
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r",
                   str(ROOT / "functions" / "requirements.txt"), "--target", str(target), "--platform",
                   "manylinux2014_aarch64", "--implementation", "cp", "--python-version", "3.12",
                   "--only-binary=:all:"]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            return f"pip could not assemble the package: {result.stderr.strip().splitlines()[-1:]}"
        shutil.copytree(ROOT / "functions" / "digest", target / "digest",
                        ignore=shutil.ignore_patterns("__pycache__", "local"))  # fmt: skip
        archive = Path(tmp) / "package.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            for file in target.rglob("*"):
                if file.is_file():
                    zipped.write(file, file.relative_to(target))
        return folder_size(target), archive.stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-package", action="store_true")
    args = parser.parse_args()
    baseline = import_seconds(BASELINE, args.runs)
    rows = []
    for name in HANDLERS:
        seconds = import_seconds(f"import digest.handlers.{name}", args.runs)
        limit = LIMITS.get(name)
        verdict = "" if limit is None else ("within" if seconds / baseline <= limit else f"over {limit}x")
        rows.append(f"| `{name}` | {seconds * 1000:.0f} | {seconds / baseline:.2f}x | {verdict} |")
    print("## Lambda budgets (benchmarks/bench_budgets.py)\n")
    print(f"Reproduce: `python benchmarks/bench_budgets.py`. Cold import, median of {args.runs} fresh processes; "
          f"baseline `{BASELINE}` = {baseline * 1000:.0f} ms in the same run.\n")  # fmt: skip
    print("| handler module | import ms | vs baseline | budget |\n|---|---|---|---|")
    print("\n".join(rows))
    if not args.no_package:
        sizes = package_sizes()
        print()
        if isinstance(sizes, str):
            print(f"Package size: not measured ({sizes}).")
        else:
            unzipped, zipped = sizes
            print("One package serves every function today (CodeUri functions/, one requirements.txt): "
                  f"**{unzipped / 2**20:.0f} MB unzipped, {zipped / 2**20:.0f} MB zipped** (arm64 wheels, "
                  "Python 3.12; budget ≤ 30 MB zipped, < 250 MB unzipped).")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
