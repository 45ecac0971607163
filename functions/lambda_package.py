"""Assemble one Lambda function's package: its requirements group, the ``digest`` package, bytecode.

``sam build`` runs it through functions/Makefile (``Metadata: BuildMethod: makefile`` on every
function), once per function, in a scratch copy of functions/:

    python3 lambda_package.py --target ARTIFACTS_DIR GROUP

1. pip installs ``requirements/GROUP.txt`` into ARTIFACTS_DIR as manylinux wheels for CPython 3.12
   on arm64 (the template's Runtime and Architectures), whatever machine builds;
2. ``digest`` is copied without ``digest/local`` (laptop tooling) and without caches;
3. everything is compiled to bytecode with CPython 3.12 when one is at hand (this interpreter or
   ``python3.12`` on PATH).  /var/task is read-only, so without bytecode every cold start compiles
   every module it imports: importing a send worker took 2.6x the CPU without it.
   ``unchecked-hash`` pycs stay valid whatever timestamps the zip keeps.
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


def pip_command(group: str, target: Path, python: str = sys.executable) -> list[str]:
    platforms = [arg for platform in PLATFORMS for arg in ("--platform", platform)]
    quiet = ["--quiet", "--disable-pip-version-check", "--no-warn-conflicts"]
    return [python, "-m", "pip", "install", *quiet, "--no-compile", "--upgrade",
            "--requirement", str(REQUIREMENTS / f"{group}.txt"), "--target", str(target), *platforms,
            "--implementation", "cp", "--python-version", PYTHON_VERSION, "--only-binary=:all:"]  # fmt: skip


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
        raise SystemExit(f"no requirements group {group!r} ({REQUIREMENTS / group}.txt)")
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
    python = runtime_python() if compile_bytecode else None
    if python:
        # Files a package ships but never imports may not compile (Python 2 fixtures): not an error.
        skip = re.escape(str(target)) + "/(" + "|".join(NUMERICAL) + ")/"
        command = [python, "-m", "compileall", "-q", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
                   "-x", skip, str(target)]  # fmt: skip
        if subprocess.run(command).returncode:
            notes.append("some files did not compile to bytecode (they are never imported)")
    elif compile_bytecode:
        notes.append(f"no Python {PYTHON_VERSION} here: no bytecode (Lambda compiles each module at every cold start)")
    return notes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("group", help="requirements group (requirements/GROUP.txt)")
    parser.add_argument("--target", required=True, help="the function's build folder (sam build's ARTIFACTS_DIR)")
    args = parser.parse_args()
    if not args.target.strip():
        parser.error("the target is empty: ARTIFACTS_DIR is set by sam build")
    for note in build(args.group, Path(args.target)):
        print(f"lambda_package.py: {note}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
