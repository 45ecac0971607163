"""The packages run: every function's handler, clustering, extraction and every AWS client work with
only the function's package on ``sys.path``, as in Lambda.

The Lambda packages hold aarch64 wheels, which this x86_64 machine cannot run.  So each requirements
group is built here by the same ``lambda_package.build`` -- the same lock (it holds the hashes of
every platform's wheel of a pinned version), the same pruning -- for x86_64, and run under CPython
3.12, the runtime's version, with neither site-packages nor this checkout on ``sys.path``: a module
the pruning took away, or a dependency the group lacks, fails here as it would at a cold start.
What differs from the deployed package is the machine code of the extension modules and their
bundled libraries, not which of them exist or what imports what.

``make package-check`` runs this file (named so that ``make test`` does not collect it: it builds
all eight packages, several minutes on a busy two-core machine); run it after changing a group,
its lock or the pruning in lambda_package.py.  The wheels come from the package index (pip's cache
after the first run); without Python 3.12 or without the index the tests skip, saying which.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = REPO / "functions"
if str(FUNCTIONS_DIR) not in sys.path:
    sys.path.insert(0, str(FUNCTIONS_DIR))

import lambda_package  # noqa: E402
from digest.local.cfn_yaml import load_template  # noqa: E402
from digest.stories.cluster import ClusterItem, cluster  # noqa: E402

GROUPS = lambda_package.function_groups()
HANDLERS = {
    name: resource["Properties"]["Handler"]
    for name, resource in load_template(REPO / "template.yaml")["Resources"].items()
    if resource["Type"] == "AWS::Serverless::Function"
}
INDEX = ("pypi.org", 443)

# Run inside the package: import the handler, make every client the packages keep a model for,
# then whatever the function does beyond (clustering, extracting), and name any module loaded from
# outside the package and the standard library.
PROBE = """
import importlib, json, os, sys, sysconfig
package, stdlib = os.environ["PACKAGE"], sysconfig.get_paths()["stdlib"]
assert not [p for p in sys.path if "-packages" in p], sys.path
module, _, function = os.environ["HANDLER"].rpartition(".")
assert callable(getattr(importlib.import_module(module), function))
import boto3
for service in json.loads(os.environ["SERVICES"]):
    boto3.session.Session().client(service)
boto3.session.Session().resource("dynamodb").Table("t")
job = json.loads(sys.stdin.read() or "null")
result = None
if job and job["kind"] == "cluster":
    from datetime import datetime
    from digest.stories.cluster import ClusterItem, cluster
    items = [ClusterItem(**{**item, "published": datetime.fromisoformat(item["published"])}) for item in job["items"]]
    result = cluster(items)
elif job and job["kind"] == "extract":
    from digest.ingest.extract import extract_page
    page = extract_page(job["html"], url=job["url"])
    result = {"title": page.title, "text": page.text, "published": str(page.published)}
outside = sorted(
    name for name, m in list(sys.modules.items())
    if (path := getattr(m, "__file__", None)) and not path.startswith((package, stdlib))
)
print(json.dumps({"result": result, "outside": outside}))
"""

STORIES = [
    ("Storm Ciaran batters Cornwall coast", "winds of 100 mph flood harbour homes lifeboat crews rescue"),
    ("Nvidia revenue beats forecasts on AI chips", "data centre demand shares rise quarter record guidance"),
    ("City council election count delayed", "ballot boxes recount turnout mayor candidates results"),
    ("New river bridge opens after five years", "traffic commuters span engineers ribbon ceremony cost"),
]
ARTICLE = """<html lang="en"><head><title>Harbour wall rebuilt after storm | The Cove Gazette</title>
<meta property="article:published_time" content="2026-11-27T08:30:00+00:00"></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav><article><h1>Harbour wall rebuilt after storm</h1>
<p>Work to rebuild the harbour wall at Porthleven finished on Thursday, three weeks after Storm Ciaran
tore a twenty-metre gap in the granite and flooded the fish market.</p>
<p>Engineers from the county council used four hundred tonnes of stone from the quarry at Castle-an-Dinas,
and the harbour master said boats could moor on the inner quay again from Monday.</p>
<p>Fishermen who lost a fortnight of landings will be paid from the storm fund, the council said.</p>
</article><footer>Sign up for our newsletter</footer></body></html>"""


def runtime_python() -> str | None:
    """CPython 3.12 from PATH, or pyenv's."""
    version = lambda_package.PYTHON_VERSION
    pyenv = sorted(Path.home().glob(f".pyenv/versions/{version}.*/bin/python3"))
    candidates = [shutil.which(f"python{version}"), *pyenv]
    return next((str(c) for c in candidates if c and lambda_package.is_runtime_python(str(c))), None)


def index_reachable() -> bool:
    try:
        socket.create_connection(INDEX, timeout=5).close()
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def python312() -> str:
    python = runtime_python()
    if python is None:
        pytest.skip(f"python{lambda_package.PYTHON_VERSION} not found (PATH or pyenv): cannot run the packages")
    return python


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory, python312: str) -> dict[str, Path]:
    """Every group, built for x86_64 (in parallel: pip mostly waits on the index and the disk)."""
    root = tmp_path_factory.mktemp("packages")
    groups = sorted(set(GROUPS.values()))

    def build(group: str) -> Path:
        lambda_package.build(group, root / group, machine="x86_64")
        return root / group

    try:
        with pytest.MonkeyPatch.context() as patch, ThreadPoolExecutor(max_workers=4) as pool:
            patch.setattr(lambda_package, "runtime_python", lambda: python312)  # compile with this one
            built = dict(zip(groups, pool.map(build, groups), strict=True))
    except subprocess.CalledProcessError:
        if not index_reachable():
            pytest.skip(f"package index unreachable ({INDEX[0]}): cannot download the wheels")
        raise
    return built  # pytest keeps the last three runs' temporary folders: look inside a failed one


def run_in_package(python: str, package: Path, handler: str, job: dict[str, object] | None = None) -> object:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(package),
        "PACKAGE": str(package),
        "HANDLER": handler,
        "SERVICES": json.dumps(sorted(lambda_package.SDK_SERVICES)),
        "LAMBDA_TASK_ROOT": str(package),
        "AWS_LAMBDA_FUNCTION_NAME": "probe",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "POWERTOOLS_SERVICE_NAME": "friday-digest",
        "POWERTOOLS_METRICS_NAMESPACE": "FridayDigest",
    }
    # -S: no site-packages; -s: no user site; -B: the package stays as built (read-only in Lambda)
    out = subprocess.run([python, "-S", "-s", "-B", "-c", PROBE], input=json.dumps(job), capture_output=True,
                         text=True, env=env, cwd=package, timeout=120)  # fmt: skip
    assert out.returncode == 0, f"{handler} in the {package.name} package:\n{out.stderr[-3000:]}"
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert not report["outside"], f"loaded from outside the package: {report['outside']}"
    return report["result"]


def week() -> list[ClusterItem]:
    start = datetime(2026, 11, 23, 8, tzinfo=UTC)
    items = []
    for i in range(12):
        for s, (title, words) in enumerate(STORIES):
            text = " ".join(words.split()[i % 3 :]) * 2
            when = start + timedelta(hours=6 * s + i)
            items.append(ClusterItem(id=f"{s}-{i}", title=f"{title} {words.split()[i % 7]}", text=text, published=when))
    return items


@pytest.mark.parametrize("name", sorted(GROUPS))
def test_the_handler_imports_and_every_client_is_made_with_only_its_package(
    name: str, python312: str, packages: dict[str, Path]
) -> None:
    assert run_in_package(python312, packages[GROUPS[name]], HANDLERS[name]) is None


@pytest.mark.parametrize("name", ["BuildEditionFunction", "AdminApiFunction"])
def test_clustering_runs_in_the_pruned_package_as_it_does_here(
    name: str, python312: str, packages: dict[str, Path]
) -> None:
    items = week()
    job = {"kind": "cluster", "items": [{**vars(it), "published": it.published.isoformat()} for it in items]}
    labels = run_in_package(python312, packages[GROUPS[name]], HANDLERS[name], job)
    assert labels == cluster(items)
    assert len(set(labels)) == len(STORIES)  # not vacuous: one story per event


@pytest.mark.parametrize("name", ["IngestWorkerFunction", "PicksFunction"])
def test_extraction_runs_without_babels_locale_data(name: str, python312: str, packages: dict[str, Path]) -> None:
    package = packages[GROUPS[name]]
    assert (package / "babel" / "global.dat").is_file() and not (package / "babel" / "locale-data").exists()
    job = {"kind": "extract", "html": ARTICLE, "url": "https://cove.example/harbour"}
    page = run_in_package(python312, package, HANDLERS[name], job)
    assert isinstance(page, dict)
    assert page["title"] == "Harbour wall rebuilt after storm"
    assert "four hundred tonnes" in page["text"] and "newsletter" not in page["text"]
    assert page["published"].startswith("2026-11-27")


def test_the_packages_were_pruned(packages: dict[str, Path]) -> None:
    """Not vacuous: the folders the pruning leaves out existed in the wheels (scipy's optimize, ...)."""
    build = packages[GROUPS["BuildEditionFunction"]]
    assert {p.name for p in (build / "scipy").iterdir() if p.is_dir()} - {"__pycache__"} == set(
        lambda_package.SCIPY_SUBPACKAGES
    )
    assert {p.name for p in (build / "botocore" / "data").iterdir() if p.is_dir()} == set(lambda_package.SDK_SERVICES)
    assert not list(build.glob("numpy/**/tests/test_*.py"))
