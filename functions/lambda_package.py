"""Assemble one Lambda function's package: its requirements group, the ``digest`` package, bytecode.

``sam build`` runs it through functions/Makefile (``Metadata: BuildMethod: makefile`` on every
function), once per function, in a scratch copy of functions/:

    python3 lambda_package.py --target ARTIFACTS_DIR GROUP

1. pip installs ``requirements/GROUP.lock`` -- GROUP.txt resolved by ``make lock`` for CPython 3.12
   on manylinux2014 aarch64 (the template's Runtime and Architectures), every wheel pinned with its
   hashes -- into ARTIFACTS_DIR with ``--require-hashes --no-deps``, whatever machine builds: two
   builds of one commit install the same files, and a wheel that changed on the index fails the build;
2. ``digest`` is copied without ``digest/local`` (laptop tooling) and without caches;
3. everything is compiled to bytecode with CPython 3.12 (this interpreter or ``python3.12`` on
   PATH).  /var/task is read-only, so without bytecode every cold start compiles every module it
   imports: importing a send worker took 2.6x the CPU without it.  Bytecode is specific to the
   Python minor version, so it can only come from the runtime's own: without one the build stops
   with an error (exit 2) rather than ship a package that is slow at every cold start -- install
   Python 3.12, or build in SAM's container (``sam build --use-container``).  ``unchecked-hash``
   pycs stay valid whatever timestamps the zip keeps.
4. what no code loads is left out (``prune``; SUBFOLDERS_KEPT and FOLDERS_LEFT_OUT say what and
   why): all of scipy but ``scipy.sparse``, numpy's and scipy's test suites, babel's locale data and
   botocore's models of the AWS services the code does not call.  numpy and scipy ship without
   bytecode (only clustering loads them: the weekly build, an editor's edit).  The packages hold
   aarch64 wheels: ``make package-check`` (tests/infra/check_package_builds.py) builds the same locks
   for x86_64 with ``machine="x86_64"`` and runs every handler's import, clustering, extraction and
   every client with only the package on sys.path.

benchmarks/bench_budgets.py builds the same packages with ``build()`` to measure them.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "requirements"
MAKEFILE = HERE / "Makefile"
# The Lambda runtime the wheels are for (template.yaml Globals: Runtime python3.12, arm64).
PYTHON_VERSION = "3.12"
MACHINE = "aarch64"  # the template's Architectures: arm64
# Loaded only when clustering runs: no bytecode.
NUMERICAL = ("numpy", "scipy")
# The AWS services the code makes clients for (``client("...")``, ``table()``, Powertools' idempotency
# and secrets): a package keeps their models and leaves out the ~400 others, 14 of botocore's 16 MB
# zipped.  tests/infra/test_packages.py fails when the code calls a service missing here.
SDK_SERVICES = frozenset(
    {"cloudformation", "dynamodb", "lambda", "s3", "scheduler", "secretsmanager", "ses", "sesv2", "sqs"}
)
# scipy's subpackages that clustering loads: scipy.sparse (not its csgraph and linalg, whose import
# loads scipy.linalg and with it OpenBLAS), and _lib, scipy's own plumbing.
SCIPY_SUBPACKAGES = frozenset({"_lib", "sparse"})
# Folders of which a package keeps only the subfolders named here (their files all stay).
SUBFOLDERS_KEPT = {
    "scipy": SCIPY_SUBPACKAGES,
    "scipy/sparse": frozenset(),
    "botocore/data": SDK_SERVICES,
    "boto3/data": SDK_SERVICES,
}
# Folders left out whole (globs under the package), and why.  `make package-check` imports every
# handler, clusters, extracts a page and makes every client in an x86_64 build of the same lock.
FOLDERS_LEFT_OUT = (
    ("numpy/**/tests", "numpy's test suite (but KEPT_FILES)"),
    ("scipy/**/tests", "scipy's test suite"),
    ("scipy.libs", "OpenBLAS and gfortran: only scipy.linalg's extension modules link them"),
    (
        "babel/locale-data",
        "babel's per-locale data (10 MB zipped): courlan imports babel, but reads a "
        "locale only in its language filter, which trafilatura runs only when given a target_language, "
        "and digest.ingest.extract gives none; babel/global.dat stays",
    ),
)
# numpy.testing, which scipy loads (``from numpy import *``), imports this helper of numpy's tests.
KEPT_FILES = ("numpy/_core/tests/__init__.py", "numpy/_core/tests/_natype.py")
_TARGET = re.compile(r"^build-(?P<function>\w+):\s*;\s*\$\(PACKAGE\)\s+(?P<group>[\w-]+)\s*$")


def function_groups(makefile: Path = MAKEFILE) -> dict[str, str]:
    """Function logical id -> requirements group, from the Makefile's ``build-<LogicalId>`` targets."""
    groups: dict[str, str] = {}
    for line in makefile.read_text().splitlines():
        if match := _TARGET.match(line):
            groups[match["function"]] = match["group"]
    return groups


def requirement_lines(group: str, directory: Path | None = None) -> list[str]:
    """The group's requirements, with ``-r`` includes followed (comments and blanks left out)."""
    directory = directory or REQUIREMENTS
    lines: list[str] = []
    for raw in (directory / f"{group}.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith(("-r ", "--requirement ")):
            included = line.split(None, 1)[1].strip()
            lines.extend(requirement_lines(Path(included).stem, directory))
        else:
            lines.append(line)
    return lines


def lock_file(group: str, directory: Path | None = None) -> Path:
    """The group's hash-locked requirements (``make lock`` writes them from GROUP.txt)."""
    return (directory or REQUIREMENTS) / f"{group}.lock"


def platforms(machine: str = MACHINE) -> tuple[str, ...]:
    """The wheel tags a package takes (``make lock`` resolves for manylinux2014; newer wheels are 2_28)."""
    return (f"manylinux2014_{machine}", f"manylinux_2_28_{machine}")


def pip_command(group: str, target: Path, python: str = sys.executable, machine: str = MACHINE) -> list[str]:
    platform_args = [arg for platform in platforms(machine) for arg in ("--platform", platform)]
    quiet = ["--quiet", "--disable-pip-version-check", "--no-warn-conflicts"]
    return [python, "-m", "pip", "install", *quiet, "--no-compile", "--upgrade", "--require-hashes", "--no-deps",
            "--requirement", str(lock_file(group)), "--target", str(target), *platform_args,
            "--implementation", "cp", "--python-version", PYTHON_VERSION, "--only-binary=:all:"]  # fmt: skip


class BuildError(RuntimeError):
    """The package cannot be built as the runtime needs it; ``main`` prints why and exits 2."""


def runtime_python() -> str | None:
    """A CPython of the runtime's version to compile bytecode with, if this machine has one."""
    wanted = tuple(int(part) for part in PYTHON_VERSION.split("."))
    if sys.implementation.name == "cpython" and sys.version_info[:2] == wanted:
        return sys.executable
    candidate = shutil.which(f"python{PYTHON_VERSION}")
    return candidate if candidate and is_runtime_python(candidate) else None


def is_runtime_python(candidate: str) -> bool:
    """Whether ``candidate`` runs and is CPython of the runtime's version (a pyenv shim may not run)."""
    wanted = tuple(int(part) for part in PYTHON_VERSION.split("."))
    check = f"import sys; sys.exit(sys.implementation.name != 'cpython' or sys.version_info[:2] != {wanted})"
    try:
        return subprocess.run([candidate, "-c", check], capture_output=True).returncode == 0
    except OSError:
        return False


def leave_out(directory: str, names: list[str]) -> set[str]:
    """What a package leaves out of ``digest`` (a copytree ignore): the laptop tooling and caches."""
    out = {name for name in names if name == "__pycache__" or name.endswith(".pyc")}
    if Path(directory).name == "digest":
        out |= {"local"} & set(names)
    return out


def left_out(target: Path) -> list[Path]:
    """The folders of an installed ``target`` that SUBFOLDERS_KEPT and FOLDERS_LEFT_OUT leave out."""
    found = [
        folder
        for parent, kept in SUBFOLDERS_KEPT.items()
        if (target / parent).is_dir()
        for folder in (target / parent).iterdir()
        if folder.is_dir() and folder.name not in kept
    ]
    found += [path for pattern, _why in FOLDERS_LEFT_OUT for path in target.glob(pattern) if path.is_dir()]
    return sorted(set(found))


def prune(target: Path) -> int:
    """Remove the folders ``left_out`` finds (all but KEPT_FILES); returns the bytes removed."""
    keep = {target / name for name in KEPT_FILES}
    removed = 0
    for folder in left_out(target):
        if not folder.exists():  # inside a folder already removed
            continue
        files = [file for file in folder.rglob("*") if file.is_file() and file not in keep]
        removed += sum(file.stat().st_size for file in files)
        if not keep & set(folder.rglob("*")):
            shutil.rmtree(folder)
        for file in files if folder.exists() else []:
            file.unlink()
    return removed


def build(group: str, target: Path, *, compile_bytecode: bool = True, machine: str = MACHINE) -> list[str]:
    """Install the group and the code into ``target``; returns notes for the log.

    ``machine`` other than the runtime's (x86_64) builds the same lock for a test that runs it here.
    """
    if not (REQUIREMENTS / f"{group}.txt").is_file():
        raise BuildError(f"no requirements group {group!r} ({REQUIREMENTS / group}.txt)")
    if not lock_file(group).is_file():
        raise BuildError(f"{lock_file(group)} is missing: run `make lock` after editing {group}.txt")
    python = runtime_python() if compile_bytecode else None
    if compile_bytecode and not python:
        raise BuildError(
            f"no CPython {PYTHON_VERSION} here to compile the bytecode the Lambda runtime "
            f"(python{PYTHON_VERSION}) loads: install python{PYTHON_VERSION} or run `sam build --use-container`"
        )
    notes: list[str] = []
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(pip_command(group, target, machine=machine), check=True)
    prune(target)
    code = target / "digest"
    if code.exists():
        shutil.rmtree(code)
    shutil.copytree(HERE / "digest", code, ignore=leave_out)
    if python:
        # Files a package ships but never imports may not compile (Python 2 fixtures): not an error.
        skip = re.escape(str(target)) + "/(" + "|".join(NUMERICAL) + ")/"
        command = [python, "-m", "compileall", "-q", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
                   "-x", skip, str(target)]  # fmt: skip
        if subprocess.run(command).returncode:
            notes.append("some files did not compile to bytecode (they are never imported)")
        uncompiled = [p for p in (target / "digest").rglob("*.py") if not _has_bytecode(p)]
        if uncompiled:
            raise BuildError(f"{len(uncompiled)} modules of digest did not compile, e.g. {uncompiled[0]}")
    return notes


def _has_bytecode(source: Path) -> bool:
    tag = f"cpython-{PYTHON_VERSION.replace('.', '')}"
    return (source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc").is_file()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("group", help="requirements group (requirements/GROUP.txt)")
    parser.add_argument("--target", required=True, help="the function's build folder (sam build's ARTIFACTS_DIR)")
    args = parser.parse_args()
    if not args.target.strip():
        parser.error("the target is empty: ARTIFACTS_DIR is set by sam build")
    try:
        notes = build(args.group, Path(args.target))
    except BuildError as error:
        print(f"lambda_package.py: error: {error}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"lambda_package.py: {note}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
