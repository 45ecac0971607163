"""Lambda budgets: cold import time of each handler module, and the size of each function's package.

Import time: each function's handler module imported in a fresh interpreter the way Lambda imports
it (``LAMBDA_TASK_ROOT`` set, the code compiled to bytecode as the built packages ship it), median
of several processes, each paired with ``import boto3, aws_lambda_powertools, pydantic`` timed just
before it (the ratio is the median of the pairs').  Tracing is disabled so that X-Ray patches
nothing the development environment happens to have installed; the Tracer itself is created as in
Lambda.  Reference rows time what the framework alone costs (see FLOORS).

Packages: what ``sam build`` makes for each requirements group (functions/Makefile runs
functions/lambda_package.py): manylinux wheels for CPython 3.12 on arm64 without what no code loads,
the ``digest`` package and their bytecode, measured unzipped and zipped (every group, each against
the 30 MB zipped budget).
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = ROOT / "functions"
sys.path.insert(0, str(FUNCTIONS))

import lambda_package  # noqa: E402

BASELINE = "import boto3, aws_lambda_powertools, pydantic"
# What any function of this design imports before a line of its own: boto3, Powertools' Logger,
# Metrics and Tracer, one pydantic model and a pydantic-settings class (``import pydantic`` alone
# is lazy: the first model loads the rest) -- then the SQS batch processor or the REST resolver.
_FLOOR = """import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from pydantic import BaseModel
from pydantic_settings import BaseSettings
class Message(BaseModel):
    id: str
class Config(BaseSettings):
    table: str = ""
Logger(service="x"), Metrics(namespace="X", service="x"), Tracer(service="x")"""
FLOORS = {
    "floor: boto3, Powertools, a model, settings": _FLOOR,
    "floor + SQS batch processor": "from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType\n"
    + _FLOOR
    + "\nBatchProcessor(event_type=EventType.SQS)",
    "floor + REST resolver with validation": "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n"
    + _FLOOR
    + "\nAPIGatewayRestResolver(enable_validation=True)",
}
LIMITS = {"api": 1.3, "send_worker": 1.3, "send_dispatch": 1.3, "ingest_worker": 2.0, "ingest_fanout": 2.0}
ZIPPED_LIMIT_MB = 30
UNZIPPED_LIMIT_MB = 250  # Lambda's hard limit (function and layers together)
MB = 2**20
# The AWS SDK the packages bundle (pinned, only the models of the services the code calls): the
# runtime has a copy, which the packages could rely on instead (docs/deploy.md says why they don't).
RUNTIME_SDK = ("boto3", "botocore", "s3transfer")


def handlers() -> list[tuple[str, str, str]]:
    """(function, handler module, group) for every function of the template, in template order."""
    from digest.local.cfn_yaml import load_template

    template = load_template(ROOT / "template.yaml")
    groups = lambda_package.function_groups()
    found = []
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            module = resource["Properties"]["Handler"].rpartition(".")[0]
            found.append((name, module, groups.get(name, "?")))
    return found


def compiled_code(source: Path, into: Path) -> Path:
    """A copy of ``source``/digest as the packages ship it: no local tooling, compiled to bytecode."""
    shutil.copytree(source / "digest", into / "digest", ignore=lambda_package.leave_out)
    subprocess.run([sys.executable, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash", str(into)],
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    return into


def lambda_env(code: Path, *, in_lambda: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_", "LAMBDA_"))}
    env.update(
        {
            "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_REGION": "eu-west-1",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_SERVICE_NAME": "friday-digest",
            "POWERTOOLS_METRICS_NAMESPACE": "FridayDigest",
        }
    )
    if in_lambda:
        env.update({"LAMBDA_TASK_ROOT": str(code), "AWS_LAMBDA_FUNCTION_NAME": "bench",
                    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"})  # fmt: skip
    return env


def import_seconds(statement: str, code: Path, env: dict[str, str]) -> float:
    program = f"import time\nt = time.perf_counter()\n{statement}\nprint(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env, cwd=code)
    if out.returncode != 0:
        raise RuntimeError(f"{statement!r} failed:\n{out.stderr[-2000:]}")
    return float(out.stdout.strip().splitlines()[-1])


def measure(
    statements: dict[str, tuple[str, dict[str, str]]], code: Path, runs: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Median seconds per statement, and the median of its ratio to the baseline timed just before it.

    This machine's speed drifts by tens of percent from one second to the next, so each import is
    paired with a fresh baseline: the pair shares the conditions, the ratio keeps only the difference.
    """
    times: dict[str, list[float]] = collections.defaultdict(list)
    ratios: dict[str, list[float]] = collections.defaultdict(list)
    baseline, baseline_env = statements["baseline"]
    for _ in range(runs):
        for key, (statement, env) in statements.items():
            if key == "baseline":
                continue
            before = import_seconds(baseline, code, baseline_env)
            seconds = import_seconds(statement, code, env)
            times["baseline"].append(before)
            times[key].append(seconds)
            ratios[key].append(seconds / before)
    median = {key: statistics.median(values) for key, values in times.items()}
    return median, {key: statistics.median(values) for key, values in ratios.items()}


@dataclass
class Package:
    unzipped: int = 0
    zipped: int = 0
    bytecode: int = 0  # zipped
    largest: list[tuple[str, int]] = field(default_factory=list)  # top-level names by zipped size
    sdk: int = 0  # zipped size of RUNTIME_SDK
    notes: list[str] = field(default_factory=list)


def package_report(group: str, target: Path) -> Package:
    """Build the group's package into ``target`` and measure it, zipped as `sam deploy` zips it."""
    try:
        package = Package(notes=lambda_package.build(group, target))
    except lambda_package.BuildError as error:  # no Python 3.12 here: measure the package without bytecode
        package = Package(notes=[str(error), *lambda_package.build(group, target, compile_bytecode=False)])
    per_name: collections.Counter[str] = collections.Counter()
    archive = target.parent / f"{group}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zip_file:
        for file in sorted(target.rglob("*")):
            if file.is_file():
                zip_file.write(file, file.relative_to(target))
        for info in zip_file.infolist():
            package.unzipped += info.file_size
            if info.filename.endswith(".pyc"):
                package.bytecode += info.compress_size
            top = info.filename.split("/")[0]
            per_name[top.split("-")[0].removesuffix(".libs").removesuffix(".py")] += info.compress_size
    package.zipped = archive.stat().st_size
    package.largest = per_name.most_common(4)
    package.sdk = sum(per_name[name] for name in RUNTIME_SDK)
    return package


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-package", action="store_true", help="skip building the packages")
    parser.add_argument("--code", type=Path, default=FUNCTIONS, help="a functions/ folder to time (default: this one)")
    args = parser.parse_args()
    functions = handlers()

    with tempfile.TemporaryDirectory() as tmp:
        code = compiled_code(args.code, Path(tmp) / "code")
        env = lambda_env(code)
        statements = {"baseline": (BASELINE, env)}
        modules = sorted({module for _, module, _ in functions if (code / (module.replace(".", "/") + ".py")).exists()})
        statements.update({module: (f"import {module}", env) for module in modules})
        statements.update({name: (code_, env) for name, code_ in FLOORS.items()})
        xray = "import boto3\nt = time.perf_counter()\nimport aws_xray_sdk.core"
        statements["xray outside Lambda"] = (xray, lambda_env(code, in_lambda=False))
        statements["xray in Lambda"] = (xray, env)
        seconds, ratios = measure(statements, code, args.runs)

    baseline = seconds["baseline"]
    print("## Lambda budgets (benchmarks/bench_budgets.py)\n")
    print(f"Reproduce: `python benchmarks/bench_budgets.py`. Cold import of each function's handler module as "
          "Lambda imports it (`LAMBDA_TASK_ROOT` set, the code compiled to bytecode as the packages ship it; "
          "tracing disabled, since X-Ray would patch whatever the development environment has installed), "
          f"median of {args.runs} fresh processes; \"vs baseline\" is the median ratio to `{BASELINE}` timed just "
          f"before each of them (**{baseline * 1000:.0f} ms** here).\n")  # fmt: skip
    print("| function | handler module | import ms | vs baseline | budget |\n|---|---|---|---|---|")
    for function, module, _group in functions:
        if module not in seconds:
            print(f"| {function} | `{module}` | - | - | module not found |")
            continue
        short = module.rpartition(".")[2]
        ratio = ratios[module]
        limit = LIMITS.get(short)
        verdict = "" if limit is None else (f"within {limit}x" if ratio <= limit else f"**over {limit}x**")
        print(f"| {function} | `{short}` | {seconds[module] * 1000:.0f} | {ratio:.2f}x | {verdict} |")
    for name in FLOORS:
        print(f"| *{name}* | - | {seconds[name] * 1000:.0f} | {ratios[name]:.2f}x | reference |")
    print("\nThe *floor* rows run no code of ours: boto3, Powertools' Logger, Metrics and Tracer, one pydantic "
          "model and one pydantic-settings class (the baseline's `import pydantic` is lazy: the first model loads "
          "the rest), then the batch processor the SQS workers use or the API's resolver: what any function "
          "built this way imports before its own code.")  # fmt: skip
    print(f"\nThe Tracer's X-Ray SDK (`import aws_xray_sdk.core` after boto3): "
          f"**{seconds['xray outside Lambda'] * 1000:.0f} ms outside "
          f"Lambda**, where its default sampler creates two botocore clients at import, and "
          f"**{seconds['xray in Lambda'] * 1000:.0f} ms in Lambda** (`LAMBDA_TASK_ROOT` set: a local sampler, "
          "no client).")  # fmt: skip

    if args.no_package:
        return 0
    groups: dict[str, list[str]] = collections.defaultdict(list)
    for function, _module, group in functions:
        groups[group].append(function)
    print("\n| requirements group | functions | unzipped MB | zipped MB | of which bytecode | of which boto3/botocore "
          "| largest (zipped MB) | budget |\n|---|---|---|---|---|---|---|---|")  # fmt: skip
    notes: set[str] = set()
    for group, members in groups.items():
        with tempfile.TemporaryDirectory() as tmp:
            try:
                package = package_report(group, Path(tmp) / group)
            except (subprocess.CalledProcessError, SystemExit) as error:
                print(f"| `{group}` | {', '.join(members)} | - | - | - | - | - | not built: {error} |")
                continue
        largest = ", ".join(f"{name} {size / MB:.1f}" for name, size in package.largest)
        over = [f"over {ZIPPED_LIMIT_MB} MB zipped"] if package.zipped > ZIPPED_LIMIT_MB * MB else []
        over += [f"over Lambda's {UNZIPPED_LIMIT_MB} MB unzipped"] if package.unzipped > UNZIPPED_LIMIT_MB * MB else []
        verdict = "**" + ", ".join(over) + "**" if over else f"within {ZIPPED_LIMIT_MB} MB"
        sizes = [package.unzipped / MB, package.zipped / MB, package.bytecode / MB, package.sdk / MB]
        figures = " | ".join(f"{size:.1f}" for size in sizes)
        print(f"| `{group}` | {', '.join(members)} | {figures} | {largest} | {verdict} |")
        notes.update(package.notes)
    services = ", ".join(sorted(lambda_package.SDK_SERVICES))
    print("\nPackages: functions/requirements/GROUP.lock installed as manylinux wheels for CPython 3.12 on arm64, "
          "without what no code loads (functions/lambda_package.py: scipy but `scipy.sparse`, the test suites, "
          "babel's locale data, the SDK's models of services the code never calls), plus `digest` (without "
          "`digest/local`), compiled to bytecode except numpy and scipy; zipped as `sam deploy` zips it. Budget "
          f"≤ {ZIPPED_LIMIT_MB} MB zipped, well under Lambda's {UNZIPPED_LIMIT_MB} MB unzipped. boto3/botocore "
          f"(with s3transfer) are bundled, pinned by the lock, with the models of {services} only: relying on "
          "the runtime's copy instead would save that column but deploy an SDK the tests never ran against "
          "(docs/deploy.md).")  # fmt: skip
    for note in sorted(notes):
        print(f"\nNote: {note}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
