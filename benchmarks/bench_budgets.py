"""Lambda budgets: cold import time of each handler module, and the size of each function's package.

Cold start (issue #17's method): each function's handler module imported in a fresh interpreter the
way Lambda imports it (``LAMBDA_TASK_ROOT`` set, the code compiled to bytecode as the built packages
ship it), then the first AWS client its first request creates (FIRST_CLIENT); each run is paired
with a fresh ``import boto3, aws_lambda_powertools, pydantic`` creating the same client, the pair in
alternating order, and the ratio is the median of the pairs'.  Tracing is disabled so that X-Ray
patches nothing the development environment happens to have installed; the Tracer itself is
created as in Lambda.  Reference rows time what the framework alone costs (see FLOORS).  First
render: CPU time of the first ``render_edition`` in a fresh process, against the second (RENDER).

Packages: what ``sam build`` makes for each requirements group (functions/Makefile runs
functions/lambda_package.py): manylinux wheels for CPython 3.12 on arm64 without what no code loads,
the ``digest`` package and their bytecode, measured unzipped and zipped (every group, each against
the 30 MB zipped budget).
"""

from __future__ import annotations

import argparse
import collections
import os
import platform
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
GC_OFF_BASELINE = "the baseline, collections off while importing"
# What any function of this design runs before a line of its own: boto3, Powertools' Logger, Metrics
# and Tracer, one pydantic model (``import pydantic`` alone is lazy: the first model loads the rest)
# and the first client -- then Powertools' SQS batch processor or its REST resolver.
_FLOOR = """import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from pydantic import BaseModel
class Message(BaseModel):
    id: str
Logger(service="x"), Metrics(namespace="X", service="x"), Tracer(service="x")
boto3.session.Session().resource('dynamodb').Table('bench')"""
FLOORS = {
    "floor: boto3, Powertools, a model, the client": _FLOOR,
    "floor + SQS batch processor": "from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType\n"
    + _FLOOR
    + "\nBatchProcessor(event_type=EventType.SQS)",
    "floor + REST resolver with validation": "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n"
    + _FLOOR
    + "\nAPIGatewayRestResolver(enable_validation=True)",
    # The baseline itself with what every handler of ours does first: no garbage collection while importing.
    GC_OFF_BASELINE: f"import gc\ngc.disable()\n{BASELINE}\n"
    "boto3.session.Session().resource('dynamodb').Table('bench')",
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


# The first AWS client of the function's first request, created on both sides of each pair: the
# handler through digest.store.aws (as the request does), the baseline with boto3 itself.
FIRST_TABLE = ("from digest.store.aws import table\ntable('bench')",
               "boto3.session.Session().resource('dynamodb').Table('bench')")  # fmt: skip
FIRST_S3 = ("from digest.store.aws import client\nclient('s3')", "boto3.session.Session().client('s3')")
FIRST_CLIENT = {"PicksFunction": FIRST_S3, "InboundMailFunction": FIRST_S3}  # the upload, the mail: on S3

# The first render of an edition in a fresh process that has imported the send worker (what a worker
# has loaded when it renders), CPU time; the peer is the same render again in that process.
RENDER = """import os
from pathlib import Path
import digest.handlers.send_worker
from digest.models import Edition
from digest.render.edition import Branding, render_edition
from digest.settings import get_settings
settings = get_settings()
edition = Edition.model_validate_json(Path(os.environ["BENCH_EDITION"]).read_text())
branding = Branding.from_settings(settings)
def render():
    render_edition(edition, branding, layouts_dir=settings.layouts_dir, timezone=settings.newsroom_timezone,
                   view_online_url="https://example.org/archive/2026-W48/")
t = time.process_time()
render()
first = time.process_time() - t
t = time.process_time()
render()
print(first, time.process_time() - t)"""
RENDER_LIMIT_MS = 20


def run_seconds(program: str, code: Path, env: dict[str, str]) -> list[float]:
    """The figures ``program`` prints on its last line, run in a fresh interpreter (``time`` imported)."""
    out = subprocess.run([sys.executable, "-c", "import time\n" + program], capture_output=True, text=True, env=env,
                         cwd=code)  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"{program!r} failed:\n{out.stderr[-2000:]}")
    return [float(value) for value in out.stdout.strip().splitlines()[-1].split()]


def timed(statement: str) -> str:
    return f"t = time.perf_counter()\n{statement}\nprint(time.perf_counter() - t)"


def measure(
    statements: dict[str, tuple[str, str, dict[str, str]]], code: Path, runs: int
) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Median seconds per row, median of its baseline's, and the median of the pairs' ratios.

    Each row is (statement, its baseline, environment).  This machine is shared and its speed drifts
    by tens of percent from one second to the next, so every run of a row is paired with a fresh run
    of its baseline, in alternating order (baseline first, then the row first): the pair shares the
    conditions, the ratio keeps only the difference.
    """
    times: dict[str, list[float]] = collections.defaultdict(list)
    baselines: dict[str, list[float]] = collections.defaultdict(list)
    ratios: dict[str, list[float]] = collections.defaultdict(list)
    for run in range(runs):
        for key, (statement, baseline, env) in statements.items():
            pair = [(baseline, baselines), (statement, times)]
            seconds = {}
            for program, into in pair if run % 2 == 0 else reversed(pair):
                seconds[id(into)] = run_seconds(timed(program), code, env)[0]
                into[key].append(seconds[id(into)])
            ratios[key].append(seconds[id(times)] / seconds[id(baselines)])
    return tuple({key: statistics.median(values) for key, values in found.items()}  # type: ignore[return-value]
                 for found in (times, baselines, ratios))  # fmt: skip


def first_render(code: Path, env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median CPU seconds of the first render of an edition in a fresh process, and of the second.

    The edition: benchmarks/bench_mail.py's, built from the sample site (27 stories)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_mail

    edition = code.parent / "edition.json"
    edition.write_text(bench_mail.build_edition().model_dump_json())
    env = env | {"BENCH_EDITION": str(edition), "LAYOUTS_DIR": str(ROOT / "layouts")}
    found = [run_seconds(RENDER, code, env) for _ in range(runs)]
    return statistics.median(first for first, _ in found), statistics.median(second for _, second in found)


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
    parser.add_argument("--only", nargs="+", metavar="FUNCTION", help="time only these functions (logical ids)")
    args = parser.parse_args()
    functions = [found for found in handlers() if not args.only or found[0] in args.only]

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        code = compiled_code(args.code, Path(tmp) / "code")
        env = lambda_env(code)
        statements = {}
        for function, module, _group in functions:
            if (code / (module.replace(".", "/") + ".py")).exists():
                ours, theirs = FIRST_CLIENT.get(function, FIRST_TABLE)
                statements[function] = (f"import {module}\n{ours}", f"{BASELINE}\n{theirs}", env)
        if not args.only:
            statements.update({name: (code_, f"{BASELINE}\n{FIRST_TABLE[1]}", env) for name, code_ in FLOORS.items()})
            xray = "import boto3\nt = time.perf_counter()\nimport aws_xray_sdk.core"
            statements["xray outside Lambda"] = (xray, BASELINE, lambda_env(code, in_lambda=False))
            statements["xray in Lambda"] = (xray, BASELINE, env)
        seconds, baselines, ratios = measure(statements, code, args.runs)
        render, again = first_render(code, env, args.runs)

    print("## Lambda budgets (benchmarks/bench_budgets.py)\n")
    print(f"Reproduce: `python benchmarks/bench_budgets.py`. Cold start of each function as Lambda imports it "
          "(`LAMBDA_TASK_ROOT` set, the code compiled to bytecode as the packages ship it; tracing disabled, since "
          "X-Ray would patch whatever the development environment has installed): the handler module imported in a "
          "fresh process, then the first AWS client its first request creates (a DynamoDB table resource; an S3 "
          f"client for picks and inbound mail). \"vs baseline\": `{BASELINE}` followed by the same client with boto3, "
          f"in a fresh process paired with each run, the pair in alternating order; median of {args.runs} pairs' "
          "ratios (the machine is shared and loaded, so the absolute milliseconds drift from run to run; the ratio "
          "of a pair run side by side is what holds). Machine: Python "
          f"{platform.python_version()}, {os.cpu_count()} CPUs shared with other work, load average "
          f"{load_before:.1f} at the start and {os.getloadavg()[0]:.1f} at the end.\n")  # fmt: skip
    print("| function | handler module | ms | baseline ms | vs baseline | budget |\n|---|---|---|---|---|---|")
    for function, module, _group in functions:
        short = module.rpartition(".")[2]
        if function not in seconds:
            print(f"| {function} | `{short}` | - | - | - | module not found |")
            continue
        ratio = ratios[function]
        limit = LIMITS.get(short)
        verdict = "no budget" if limit is None else (f"within {limit}x" if ratio <= limit else f"**over {limit}x**")
        print(f"| {function} | `{short}` | {seconds[function] * 1000:.0f} | {baselines[function] * 1000:.0f} | "
              f"{ratio:.2f}x | {verdict} |")  # fmt: skip
    for name in FLOORS if not args.only else ():
        print(f"| *{name}* | - | {seconds[name] * 1000:.0f} | {baselines[name] * 1000:.0f} | {ratios[name]:.2f}x "
              "| reference |")  # fmt: skip
    print("\nWhat a cold handler no longer imports (tests/infra/test_cold_imports.py keeps it so): pydantic-settings "
          "(the settings are a plain pydantic model reading the environment), Powertools' batch utilities (the SQS "
          "workers answer partial batches with digest/handlers/batch.py), the editors' models in the public API, "
          "and the mail composer and renderer where the import needs neither (API, dispatch). Those load on first "
          "use, so the first request that needs them pays for them: the send worker's first batch loads the "
          "composer and the renderer (the first render below), the API's first sign-up the mail code. Our models "
          "build their validators on first use (`defer_build`), and every handler freezes what its imports "
          "allocated (`gc.freeze()`), so the first request's garbage collections no longer scan it.")  # fmt: skip
    print(
        "\nBefore this work, issue #17 measured (same method): API 1.84x, send worker 1.59x, send dispatch "
        "1.56x, ingest worker 1.62x, ingest fan-out 1.44x; packages of 43 to 66 MB zipped; a first render of 48 ms."
    )
    verdict = f"within {RENDER_LIMIT_MS} ms" if render * 1000 <= RENDER_LIMIT_MS else f"**over {RENDER_LIMIT_MS} ms**"
    print(f"\nFirst render of an edition in a fresh process (`render_edition`, the sample site's 27 stories, after "
          f"`import digest.handlers.send_worker`; MJML loads on first use, and the shipped layouts, compiled ahead of "
          f"time, run without Jinja2): **{render * 1000:.1f} ms CPU**, "
          f"{verdict}; the same render again in that process: {again * 1000:.1f} ms. Median of {args.runs} "
          "processes.")  # fmt: skip
    if args.only:
        return 0
    print("\nThe *floor* rows run no code of ours: boto3, Powertools' Logger, Metrics and Tracer, one pydantic "
          "model (the baseline's `import pydantic` is lazy: the first model loads the rest) and the table client, "
          "then Powertools' SQS batch processor (which the queue workers no longer import: "
          "digest/handlers/batch.py) or its REST resolver with validation: what a function built on those "
          "runs before its own code.")  # fmt: skip
    print(f"\nEvery handler of ours switches garbage collection off on its first line and back on after its "
          "imports, freezing what they allocated (`gc.freeze()`): the objects a cold start creates live as long as "
          "the process, so a collection during the import searches them for garbage that is not there, about a "
          f"hundred times per import. The row *{GC_OFF_BASELINE}* is the baseline doing the same: "
          f"{ratios[GC_OFF_BASELINE]:.2f}x of itself, which is how much of each handler's ratio that line "
          "accounts for. Against that row, a handler's own imports cost its ratio divided by "
          f"{ratios[GC_OFF_BASELINE]:.2f}.")  # fmt: skip
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
