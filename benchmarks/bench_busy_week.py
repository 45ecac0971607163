"""A busy week for story clustering: synthetic weeks whose stories grow with the number of articles.

    python benchmarks/bench_busy_week.py [--data PATH] [--quick] [--sizes 5000,10000] [--no-peers]

Unlike the copies in ``bench_cluster.py`` (each copy its own vocabulary, so stories stay at ~85
articles), every size here keeps the dev set's 76 stories and grows each of them in proportion: at
40k articles the biggest story has ~2,000. Each synthetic article is a new mix of dev items of one
story with word dropout, a new id, a time within 7 days (around its story's peak) and one of 60
outlets (Zipf-like shares). Two kinds of week: snippets (a headline and ~25 words) and ~400-word
articles. For every size and method: CPU seconds of ``cluster()`` (``time.process_time``), peak RSS
while clustering (its own process), BCubed P/R/F1 against the story, and for snippets the CPU of
ranking (``group_stories`` on the labels already found). The fitted growth exponent is the slope of
log CPU on log n.

Peers, measured in the same run: ``cluster()`` as of the commits in ``PEERS`` (before issue 15, and
before this round of quality work), read with ``git show`` (skipped when git or the commit is not
available). ``cluster()`` itself is timed ``REPEATS`` times per cell and the least CPU kept: the
machine is shared, and other jobs' load only ever adds time.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "functions"))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_cluster import _proc_status_mb, _reset_peak_rss, bcubed, default_data_path, fit_exponent, load  # noqa: E402

Row = dict[str, Any]
SIZES = (5_000, 10_000, 20_000, 40_000)
KINDS = ("snippets", "articles")
PEERS = {"a576b4c": "before issue 15", "15ca924": "before the quality round"}
REPEATS = 3
OUTLETS = 60
WEEK_START = datetime(2026, 11, 23, tzinfo=UTC)
STORY_SPREAD_H = 20.0  # standard deviation of an article's time around its story's peak
ARTICLE_WORDS = 400


def synthesize_week(rows: Sequence[Row], n: int, kind: str, seed: int = 15) -> list[Row]:
    """``n`` articles over the dev stories, each story's share of the week as in the dev set."""
    rng = random.Random(f"{seed}-{kind}-{n}")
    by_story: dict[object, list[Row]] = {}
    for r in rows:
        by_story.setdefault(r["story"], []).append(r)
    stories = sorted(by_story, key=str)
    counts = np.floor(np.array([len(by_story[s]) for s in stories]) * n / len(rows)).astype(int)
    for i in np.argsort(-np.array([len(by_story[s]) for s in stories]))[: n - int(counts.sum())]:
        counts[i] += 1  # the biggest stories take the rounding remainder
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(OUTLETS)]
    outlets = [f"outlet-{i:02d}" for i in range(OUTLETS)]
    week_h = 7 * 24.0
    out: list[Row] = []
    for story, count in zip(stories, counts, strict=True):
        pool = by_story[story]
        peak = rng.uniform(0.0, week_h)
        for _ in range(int(count)):
            head = rng.choice(pool)
            title = " ".join(w for w in str(head["title"]).split() if rng.random() >= 0.1) or str(head["title"])
            if kind == "snippets":
                words = f"{rng.choice(pool)['text']} {rng.choice(pool)['text']}".split()
                text = " ".join(w for w in words if rng.random() >= 0.45)
            else:
                parts: list[str] = []
                while len(parts) < ARTICLE_WORDS:
                    item = rng.choice(pool)
                    parts.extend(w for w in f"{item['title']} {item['text']}".split() if rng.random() >= 0.15)
                text = " ".join(parts[:ARTICLE_WORDS])
            hours = min(max(rng.gauss(peak, STORY_SPREAD_H), 0.0), week_h)
            out.append(
                {
                    "title": title,
                    "text": text,
                    "story": story,
                    "published": (WEEK_START + timedelta(hours=hours)).isoformat(),
                    "source": rng.choices(outlets, weights)[0],
                }
            )
    rng.shuffle(out)
    for i, r in enumerate(out):
        r["id"] = f"wk{n}-{i:06d}"
    return out


def load_peer(commit: str) -> ModuleType | None:
    """The cluster module as of ``commit``, from git; None when it cannot be read."""
    try:
        source = subprocess.run(
            ["git", "-C", str(REPO), "show", f"{commit}:functions/digest/stories/cluster.py"],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp()) / f"cluster_{commit}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"cluster_{commit}", path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def worker(data: Path, n: int, kind: str, method: str) -> dict[str, Any]:
    """One measurement in this (fresh) process."""
    if method in PEERS:
        mod = load_peer(method)
        if mod is None:
            return {"skipped": True}
        cluster_fn, item_cls = mod.cluster, mod.ClusterItem
    else:
        from digest.stories.cluster import ClusterItem, cluster

        cluster_fn, item_cls = cluster, ClusterItem
    rows = synthesize_week(load(data), n, kind)
    items = [
        item_cls(id=r["id"], title=r["title"], text=r["text"], source=r["source"],
                 published=datetime.fromisoformat(r["published"]))
        for r in rows
    ]  # fmt: skip
    reset = _reset_peak_rss()
    cpu = float("inf")
    for _ in range(1 if method in PEERS else REPEATS):
        t0 = time.process_time()
        labels = cluster_fn(items)
        cpu = min(cpu, time.process_time() - t0)
    peak = _proc_status_mb("VmHWM") if reset else None
    p, r, f = bcubed(labels, [row["story"] for row in rows])
    result: dict[str, Any] = {"n": n, "kind": kind, "method": method, "cpu_s": cpu, "peak_mb": peak or 0.0,
                              "p": p, "r": r, "f1": f, "stories": len(set(labels)),
                              "biggest": max(Counter(row["story"] for row in rows).values())}  # fmt: skip
    if kind == "snippets":
        result["rank_s"] = rank_cpu(rows, labels, method)
    return result


def rank_cpu(rows: Sequence[Row], labels: Sequence[int], method: str) -> float | None:
    """CPU of ``group_stories`` after clustering (its cluster() call answered with the labels found)."""
    import digest.stories.cluster as cluster_module
    from digest.models import Article
    from digest.stories.draft import group_stories

    if method in PEERS:
        return None  # ranking is measured once, for the current code
    articles = [
        Article(id=r["id"], url=f"https://{r['source']}.example/{r['id']}", title=r["title"], text=r["text"],
                published=datetime.fromisoformat(r["published"]), source=r["source"])
        for r in rows
    ]  # fmt: skip
    window = (WEEK_START, WEEK_START + timedelta(days=7))
    real = cluster_module.cluster
    cluster_module.cluster = lambda items, **_: list(labels)  # type: ignore[assignment]
    try:
        t0 = time.process_time()
        group_stories(articles, {}, window)
        return time.process_time() - t0
    finally:
        cluster_module.cluster = real


def run(data: Path, n: int, kind: str, method: str) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--data", str(data), "--worker", f"{n},{kind},{method}"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=default_data_path())
    ap.add_argument("--quick", action="store_true", help="5k and 10k only")
    ap.add_argument("--sizes", help="comma-separated sizes (default 5k-40k)")
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--peer-max", type=int, default=40_000, help="largest size the peers run at")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if not args.data.is_file():
        sys.exit(
            f"benchmark data not found: {args.data}\n"
            "pass --data PATH or set DIGEST_SHARED_DATA to the folder holding googlenews-dev/"
        )
    if args.worker:
        n, kind, method = args.worker.split(",")
        print(json.dumps(worker(args.data, int(n), kind, method)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else list(SIZES[:2] if args.quick else SIZES)
    load_at_start = os.getloadavg()[0]
    methods = ["cluster()"] + ([] if args.no_peers else list(PEERS))
    peers = ", ".join(f"`{commit}` ({what})" for commit, what in PEERS.items())
    print(
        "## A busy week: stories grow with N (benchmarks/bench_busy_week.py)\n\n"
        f"Reproduce: `python benchmarks/bench_busy_week.py`. Synthetic weeks from `{args.data.name}`: its 76 "
        "stories each grow in proportion to N (a new mix of one story's items per article, word dropout, new "
        f"ids, times over 7 days, {OUTLETS} outlets). CPU is `time.process_time()` of `cluster()` in a fresh "
        f"process per cell, the least of {REPEATS} runs for the current code (one run for a peer); peak RSS is "
        f"that process's high-water mark while clustering. Peers: `cluster()` as of commits {peers}, read with "
        "`git show`, same run and data.\n"
    )
    for kind in args.kinds.split(","):
        res: dict[str, list[dict[str, Any]]] = {m: [] for m in methods}
        for n in sizes:
            for m in methods:
                if m in PEERS and n > args.peer_max:
                    continue
                row = run(args.data, n, kind, m)
                if not row.get("skipped"):
                    res[m].append(row)
        label = "title + ~25-word snippet" if kind == "snippets" else f"title + ~{ARTICLE_WORDS}-word article"
        print(f"\n### {kind.capitalize()} ({label})\n")
        rank_col = kind == "snippets"
        print("| method | articles | biggest gold story | CPU s | peak RSS MB | B³ P | B³ R | B³ F1 |"
              + (" rank CPU s | cluster + rank s |" if rank_col else ""))  # fmt: skip
        print("|---|---|---|---|---|---|---|---|" + ("---|---|" if rank_col else ""))
        for m in methods:
            name = m if m == "cluster()" else f"{m} ({PEERS[m]})"
            for row in res[m]:
                line = (
                    f"| {name} | {row['n']:,} | {row['biggest']:,} | {row['cpu_s']:.1f} | {row['peak_mb']:.0f} "
                    f"| {row['p']:.3f} | {row['r']:.3f} | {row['f1']:.3f} |"
                )
                if rank_col:
                    rank = row.get("rank_s")
                    line += f" {rank:.1f} | {row['cpu_s'] + rank:.1f} |" if rank is not None else " – | – |"
                print(line)
        print()
        for m in methods:
            if len(res[m]) >= 2:
                k = fit_exponent([r["n"] for r in res[m]], [r["cpu_s"] for r in res[m]])
                lo, hi = res[m][0]["n"], res[m][-1]["n"]
                name = m if m == "cluster()" else f"{m} ({PEERS[m]})"
                print(f"- {name}: growth exponent **k = {k:.2f}** ({lo:,}-{hi:,}, log-log least squares)")
    print(
        f"\nMachine: {os.cpu_count()} CPU(s) shared with other jobs, Python {sys.version.split()[0]}; load average "
        f"{load_at_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end (a loaded machine adds CPU time too)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
