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
4. numpy and scipy, which only clustering loads (the weekly build, an editor's edit), ship without
   their test suites and without bytecode: together ~60 MB of the two largest packages otherwise.

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
PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")
# Loaded only when clustering runs: no test suites (never imported) and no bytecode.
NUMERICAL = ("numpy", "scipy")
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


def pip_command(group: str, target: Path, python: str = sys.executable) -> list[str]:
    platforms = [arg for platform in PLATFORMS for arg in ("--platform", platform)]
    quiet = ["--quiet", "--disable-pip-version-check", "--no-warn-conflicts"]
    return [python, "-m", "pip", "install", *quiet, "--no-compile", "--upgrade", "--require-hashes", "--no-deps",
            "--requirement", str(lock_file(group)), "--target", str(target), *platforms,
            "--implementation", "cp", "--python-version", PYTHON_VERSION, "--only-binary=:all:"]  # fmt: skip


class BuildError(RuntimeError):
    """The package cannot be built as the runtime needs it; ``main`` prints why and exits 2."""


def runtime_python() -> str | None:
    """A CPython of the runtime's version to compile bytecode with, if this machine has one."""
    wanted = tuple(int(part) for part in PYTHON_VERSION.split("."))
    if sys.implementation.name == "cpython" and sys.version_info[:2] == wanted:
        return sys.executable
    candidate = shutil.which(f"python{PYTHON_VERSION}")
    check = f"import sys; sys.exit(sys.implementation.name != 'cpython' or sys.version_info[:2] != {wanted})"
    if candidate and subprocess.run([candidate, "-c", check], capture_output=True).returncode == 0:
        return candidate
    return None


def leave_out(directory: str, names: list[str]) -> set[str]:
    """What a package leaves out of ``digest`` (a copytree ignore): the laptop tooling and caches."""
    out = {name for name in names if name == "__pycache__" or name.endswith(".pyc")}
    if Path(directory).name == "digest":
        out |= {"local"} & set(names)
    return out


def build(group: str, target: Path, *, compile_bytecode: bool = True) -> list[str]:
    """Install the group and the code into ``target``; returns notes for the log."""
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
    subprocess.run(pip_command(group, target), check=True)
    for package in NUMERICAL:
        for tests in sorted((target / package).rglob("tests")) if (target / package).is_dir() else []:
            if tests.is_dir():
                shutil.rmtree(tests)
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
