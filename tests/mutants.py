"""Mutation testing of the pure core: ``make mutants`` (not part of ``make test``).

A small AST mutator of our own (no dependency): for each core module it makes one change at a time
— a comparison flipped (``<`` ↔ ``<=``, ``==`` ↔ ``!=``, ``in`` ↔ ``not in``, ``is`` ↔ ``is not``),
``and`` ↔ ``or``, ``+`` ↔ ``-``, ``*`` ↔ ``/``, ``//`` ↔ ``*``, a number ± 1, ``True`` ↔ ``False``, ``not``
dropped, a ``return`` value replaced by ``None``, a statement removed — then runs the fast tests
that cover that module in a private copy of the tree, with a timeout.  A mutant the tests reject
(failure or timeout) is *killed*; one they accept *survived*.

    .venv/bin/python tests/mutants.py                    # a sample: at most 20 mutants per module, seed 18
    .venv/bin/python tests/mutants.py --all              # every mutant (long)
    .venv/bin/python tests/mutants.py --module urls --all --jobs 2
    .venv/bin/python tests/mutants.py --list             # the mutants, without running anything

It exits 1 when any module has fewer than ``--threshold`` (default 90 %) of its mutants run killed, and writes
the survivors to ``--report`` (default: standard output only).  The survivors we know of, and why
each is equivalent or which test now kills it, are in docs/mutation.md.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Target:
    name: str
    path: str  # relative to the repository
    tests: tuple[str, ...]  # pytest arguments
    functions: frozenset[str] | None = None  # only these top-level functions/methods, when given


UNIT = "tests/unit"
TARGETS: tuple[Target, ...] = (
    Target("cluster", "functions/digest/stories/cluster.py", (f"{UNIT}/test_cluster.py",)),
    Target("rank", "functions/digest/stories/rank.py", (f"{UNIT}/test_rank.py", f"{UNIT}/test_draft.py")),
    Target(
        "tokens", "functions/digest/tokens.py", (f"{UNIT}/test_core.py", "-k", "token or subject or link or payload")
    ),
    Target(
        "urls",
        "functions/digest/ingest/urls.py",
        (f"{UNIT}/test_ingest_core.py", "-k", "url or tracking or article_id or canonical"),
    ),
    Target(
        "sanitize",
        "functions/digest/ingest/sanitize.py",
        (f"{UNIT}/test_ingest_core.py", "-k", "sanitiz or plain_text or clean_html"),
    ),
    Target(
        "render-gates",
        "functions/digest/render/edition.py",
        (f"{UNIT}/test_render.py",),
        frozenset(
            {
                "clean_text",
                "safe_url",
                "with_query",
                "tracking_params",
                "render_edition",
                "_wrap",
                "_subject",
                "_preheader",
                "_story_view",
            }
        ),
    ),
    Target("sendlog", "functions/digest/store/sendlog.py", ("tests/integration/test_sendlog.py",)),
    Target("pacer", "functions/digest/store/pacing.py", ("tests/integration/test_pacing.py",)),
)

# Mutants that no input can tell from the original, keyed by (module, the line's code, mutation) so
# that a key outlives edits elsewhere in the file.  They are still drawn into the sample (the sample
# does not depend on this list), but not run and not counted; the report lists them with the reason,
# and docs/mutation.md repeats them.  Keep it short: each entry is an argument, not an excuse.
_NOTHING_STORED = (
    "every stored value is positive (tf >= 1, idf >= 1, sums of them), so a row of norm 0 stores nothing: "
    "np.repeat gives its norm to no entry and nothing is divided by it, whatever the guard sets it to"
)
EQUIVALENT: dict[tuple[str, str, str], str] = {
    ("cluster", "norms[norms == 0] = 1.0", "const:1.0->2.0"): _NOTHING_STORED,
    ("cluster", "norms[norms == 0] = 1.0", "const:1.0->0.0"): _NOTHING_STORED,
    ("cluster", "norms[norms == 0] = 1.0", "stmt:removed"): _NOTHING_STORED,
    ("cluster", "any_move = False", "const:False->True"):
        "only a sweep (either of the two) that moved nothing returns a different flag; Louvain then aggregates "
        "with every node its own community, where each link is its own largest contributor (total - largest = 0), "
        "so the next levels have no links and move nothing: the same labels after a few idle rounds",
    ("cluster", "if len(weak) == 0:", "stmt:removed"):
        "an early exit: with no weak member the loop's next rounds relabel nothing (labels[[]] = ...), the same labels",
    ("render-gates",
     'kept = [piece for piece in parts.query.split("&") if piece and unquote_plus(piece.split("=", 1)[0]) '
     'not in params]', "const:1->2"):
        "split('=', n)[0] is the text before the first '=' for every n >= 1",
    ("urls", "if not query:", "stmt:removed"):
        "an early return of '' for an empty query: without it parse_qsl('') is [] and urlencode([]) is ''",
    ("sanitize", "if not fragment:", "stmt:removed"):
        "an early return of '' for an empty fragment (str, as typed): without it nh3.clean('') and "
        "plain_text's own steps also give '' (checked with and without max_len)",
    ("render-gates", "low, high, best = 0, len(briefs) - 1, None  # largest number of briefs kept that fits",
     "const:1->0"):
        "the search may then also try keeping every brief, i.e. the whole edition, which is known not to fit: "
        "one more render, the same result",
}  # fmt: skip

FLIP_CMP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}  # fmt: skip
FLIP_BIN: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult,
}  # fmt: skip


@dataclass(frozen=True)
class Mutant:
    target: str
    index: int  # the n-th mutation site of the module, in walk order
    line: int
    what: str


def _in_scope(tree: ast.Module, functions: frozenset[str] | None) -> set[int]:
    """ids of the nodes that may be mutated: the whole module, or only the named functions' bodies."""
    allowed: set[int] = set()
    roots: list[ast.AST] = []
    if functions is None:
        roots = [tree]
    else:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in functions:
                roots.extend(node.body)
    for root in roots:
        allowed.update(id(n) for n in ast.walk(root))
    return allowed


def _is_docstring(node: ast.AST, parent: ast.AST | None) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and parent is not None
        and getattr(parent, "body", [None])[0] is node
    )


def _sites(tree: ast.Module, functions: frozenset[str] | None) -> Iterator[tuple[ast.AST, str, ast.AST | None]]:
    """(node, description, parent) of every mutation, in a stable order."""
    allowed = _in_scope(tree, functions)
    parents: dict[int, ast.AST] = {}
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            parents[id(child)] = parent
    for node in ast.walk(tree):
        if id(node) not in allowed:
            continue
        parent = parents.get(id(node))
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in FLIP_CMP:
                    yield node, f"cmp{i}:{type(op).__name__}->{FLIP_CMP[type(op)].__name__}", parent
        elif isinstance(node, ast.BoolOp):
            yield node, f"boolop:{type(node.op).__name__}->{'Or' if isinstance(node.op, ast.And) else 'And'}", parent
        elif isinstance(node, ast.BinOp | ast.AugAssign) and type(node.op) in FLIP_BIN:
            if isinstance(node, ast.BinOp) and _is_string_format(node):
                continue
            yield node, f"binop:{type(node.op).__name__}->{FLIP_BIN[type(node.op)].__name__}", parent
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield node, "not:dropped", parent
        elif isinstance(node, ast.Constant) and type(node.value) is bool:
            yield node, f"const:{node.value}->{not node.value}", parent
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float) and not _in_annotation(node, parents):
            yield node, f"const:{node.value}->{node.value + 1}", parent
            yield node, f"const:{node.value}->{node.value - 1}", parent
        elif isinstance(node, ast.Return) and node.value is not None and not _is_none(node.value):
            yield node, "return:value->None", parent
        if (
            isinstance(node, ast.stmt)
            and not isinstance(node, DEFINITIONS)
            and not _is_docstring(node, parent)
            and parent is not None
            and not isinstance(node, ast.Return)
            and not isinstance(parent, ast.Module)
        ):
            yield node, "stmt:removed", parent


DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _is_string_format(node: ast.BinOp) -> bool:
    return isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str)


def _in_annotation(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    current: ast.AST | None = node
    while current is not None:
        parent = parents.get(id(current))
        if isinstance(parent, ast.AnnAssign) and parent.annotation is current:
            return True
        if isinstance(parent, ast.arg) and parent.annotation is current:
            return True
        if isinstance(parent, ast.Subscript) and isinstance(parent.value, ast.Name) and parent.value.id == "Literal":
            return True
        current = parent
    return False


def _apply(node: ast.AST, what: str, parent: ast.AST | None) -> None:
    kind, change = what.split(":", 1)
    if kind.startswith("cmp"):
        assert isinstance(node, ast.Compare)
        i = int(kind[3:])
        node.ops[i] = FLIP_CMP[type(node.ops[i])]()
    elif kind == "boolop":
        assert isinstance(node, ast.BoolOp)
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif kind == "binop":
        assert isinstance(node, ast.BinOp | ast.AugAssign)
        node.op = FLIP_BIN[type(node.op)]()
    elif kind == "not":
        assert isinstance(node, ast.UnaryOp)
        replacement = node.operand
        _replace(parent, node, replacement)
    elif kind == "const":
        assert isinstance(node, ast.Constant)
        new = change.split("->", 1)[1]
        node.value = (new == "True") if isinstance(node.value, bool) else type(node.value)(new)
    elif kind == "return":
        assert isinstance(node, ast.Return)
        node.value = ast.Constant(None)
    elif kind == "stmt":
        _replace(parent, node, ast.Pass())


def _replace(parent: ast.AST | None, old: ast.AST, new: ast.AST) -> None:
    assert parent is not None
    for field, value in ast.iter_fields(parent):
        if value is old:
            setattr(parent, field, new)
            return
        if isinstance(value, list):
            for i, item in enumerate(value):
                if item is old:
                    value[i] = new
                    return
    raise AssertionError("node not found under its parent")


def mutants(target: Target) -> list[Mutant]:
    tree = ast.parse((REPO / target.path).read_text(encoding="utf-8"))
    return [
        Mutant(target.name, i, getattr(node, "lineno", 0), what)
        for i, (node, what, _) in enumerate(_sites(tree, target.functions))
    ]


def mutated_source(target: Target, mutant: Mutant) -> str:
    tree = ast.parse((REPO / target.path).read_text(encoding="utf-8"))
    for i, (node, what, parent) in enumerate(_sites(tree, target.functions)):
        if i == mutant.index:
            assert what == mutant.what, (what, mutant)
            _apply(node, what, parent)
            return ast.unparse(ast.fix_missing_locations(tree))
    raise LookupError(mutant)


def _copy_tree(destination: Path) -> None:
    ignore = shutil.ignore_patterns(".venv", ".git", "__pycache__", "out", ".mypy_cache", ".ruff_cache",
                                    ".pytest_cache", "node_modules")  # fmt: skip
    shutil.copytree(REPO, destination, ignore=ignore, symlinks=True)


def _run_tests(tree: Path, target: Target, timeout: float) -> tuple[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree / "functions"), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("CI", None)
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *target.tests],
            cwd=tree, env=env, capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return "killed (timeout)", time.monotonic() - started
    elapsed = time.monotonic() - started
    if done.returncode == 0:
        return "survived", elapsed
    if done.returncode in (1, 2):  # failures, or the mutant broke collection (an import, a decorator)
        return "killed", elapsed
    return f"error (pytest exit {done.returncode}): {done.stdout[-400:]}{done.stderr[-400:]}", elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--module", action="append", help="only these targets (by name); repeatable")
    parser.add_argument("--all", action="store_true", help="every mutant, not a sample")
    parser.add_argument("--sample", type=int, default=20, help="mutants per module when sampling (default 20)")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--threshold", type=float, default=90.0, help="minimum %% killed in every module")
    parser.add_argument("--index", type=int, action="append", help="only the mutant(s) of this index (with --module)")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--report", type=Path, help="write the results as JSON here")
    args = parser.parse_args(argv)

    targets = [t for t in TARGETS if not args.module or t.name in args.module]
    plan: list[tuple[Target, Mutant]] = []
    for target in targets:
        found = mutants(target)
        if args.index:
            found = [m for m in found if m.index in args.index]
        elif not args.all and len(found) > args.sample:
            chosen = random.Random(f"{args.seed}:{target.name}").sample(found, args.sample)
            found = sorted(chosen, key=lambda m: m.index)
        plan.extend((target, m) for m in found)
    if args.list:
        for target, m in plan:
            print(f"{target.name}:{m.index} {target.path}:{m.line} {m.what}")
        return 0

    work = Path(tempfile.mkdtemp(prefix="digest-mutants-"))
    trees = []
    try:
        for job in range(max(1, args.jobs)):
            tree = work / f"tree{job}"
            _copy_tree(tree)
            trees.append(tree)
        timeouts: dict[str, float] = {}
        for target in targets:  # the unmutated code must pass, and tells how long the tests take
            outcome, elapsed = _run_tests(trees[0], target, timeout=600)
            if outcome != "survived":
                print(f"{target.name}: the tests fail on the unmutated code: {outcome}", file=sys.stderr)
                return 2
            timeouts[target.name] = max(60.0, 4 * elapsed)
            print(f"{target.name}: baseline {elapsed:.1f} s", flush=True)
        free = list(trees)
        results: list[dict[str, object]] = []

        def run(item: tuple[Target, Mutant]) -> dict[str, object]:
            target, mutant = item
            line = (REPO / target.path).read_text(encoding="utf-8").splitlines()[mutant.line - 1].strip()
            reason = EQUIVALENT.get((target.name, line, mutant.what))
            if reason is not None:
                print("=", end="", flush=True)
                return {"module": target.name, "path": target.path, "line": mutant.line, "index": mutant.index,
                        "mutation": mutant.what, "code": line, "outcome": "equivalent", "reason": reason,
                        "seconds": 0.0}  # fmt: skip
            tree = free.pop()
            path = tree / target.path
            original = path.read_text(encoding="utf-8")
            try:
                path.write_text(mutated_source(target, mutant), encoding="utf-8")
                outcome, elapsed = _run_tests(tree, target, timeouts[target.name])
            finally:
                path.write_text(original, encoding="utf-8")
                free.append(tree)
            result = {"module": target.name, "path": target.path, "line": mutant.line, "index": mutant.index,
                      "mutation": mutant.what, "code": line, "outcome": outcome,
                      "seconds": round(elapsed, 1)}  # fmt: skip
            mark = "." if outcome.startswith("killed") else ("S" if outcome == "survived" else "E")
            print(mark, end="", flush=True)
            return result

        with ThreadPoolExecutor(len(trees)) as pool:
            results = list(pool.map(run, plan))
        print()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    total_killed = total_run = 0
    below: list[str] = []
    print(f"{'module':<14}{'sampled':>8}{'equiv.':>8}{'run':>6}{'killed':>8}{'score':>8}")
    for target in targets:
        sampled = [r for r in results if r["module"] == target.name]
        mine = [r for r in sampled if r["outcome"] != "equivalent" and not str(r["outcome"]).startswith("error")]
        killed = sum(str(r["outcome"]).startswith("killed") for r in mine)
        total_killed += killed
        total_run += len(mine)
        score = 100 * killed / len(mine) if mine else 100.0
        if score < args.threshold:
            below.append(target.name)
        equivalent = sum(r["outcome"] == "equivalent" for r in sampled)
        print(f"{target.name:<14}{len(sampled):>8}{equivalent:>8}{len(mine):>6}{killed:>8}{score:>7.1f}%")
    errors = [r for r in results if str(r["outcome"]).startswith("error")]
    survivors = [r for r in results if r["outcome"] == "survived"]
    for r in results:
        if r["outcome"] == "equivalent":
            print(f"equivalent (not run): {r['module']}:{r['index']} {r['path']}:{r['line']} {r['mutation']}  "
                  f"| {r['code']}  -- {r['reason']}")  # fmt: skip
    for r in survivors:
        print(f"survived: {r['module']}:{r['index']} {r['path']}:{r['line']} {r['mutation']}  | {r['code']}")
    for r in errors:
        print(f"error: {r['module']}:{r['index']} {r['path']}:{r['line']} {r['mutation']}: {r['outcome']}")
    overall = 100 * total_killed / total_run if total_run else 100.0
    print(f"total: {total_killed}/{total_run} killed ({overall:.1f} %)")
    if below:
        print(f"below {args.threshold:g} %: {', '.join(below)}")
    if args.report:
        args.report.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0 if not below and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
