"""Sending an edition exactly once when the network lies: the real CLI through a fault proxy.

    python benchmarks/bench_faults.py [--quick] [--readers N] [--rate-readers N] [--only a,b,...]

Each scenario starts from a fresh local account (the moto server reset, ``create_stack`` from
``template.yaml``), an approved edition and N confirmed readers (plus an unsubscribed, a suppressed
and a pending one who must get nothing), and a ``FaultProxy`` (``digest/local/faults.py``) in front
of moto.  The real ``digest edition send`` runs as a subprocess whose AWS endpoint is the proxy, so
botocore's own parsers and error mapping meet byte-exact AWS faults:

a) no faults; b) 30 % of SES sends throttled; c) 5 % of SES connections cut after SES accepted the
message; d) 3 % of SES replies held 2.5 s with ``SES_TIMEOUT_SECONDS=1``; e) 10 % of DynamoDB calls
throttled; f) two ``edition send`` started at the same moment; g) ``kill -9`` during dispatch and,
twice, during a ``--resume``, then a last ``--resume``; h) ``SEND_RATE=10`` without and with 30 %
SES throttling, where the rate, not the worker, is the limit.

Ground truth is read from moto directly, never through the proxy: the messages SES accepted per
recipient (``X-Digest-Edition`` header) and the send log's rows.  The promises checked, each making
the script exit 1 when broken: nobody gets two copies; every reader is mailed once and logged sent,
or reported in doubt (by address) or failed, and nobody is logged sent without a mail; readers in
doubt are exactly the calls the proxy cut or held (at most one per kill in g); under throttling
(b, h) throughput (readers mailed per second of the command's wall time) stays at or above 60 % of
the unthrottled run's (the send phase alone is reported beside it), and no sliding 1-second window
holds more SES sends than the configured rate.  In c, d and g the readers in doubt are then settled
by that ground truth (``digest edition settle --sent/--unsent``, ``resend-failed``) and everyone
must end with exactly one copy.

Default: 1,000 readers (300 for h), about 9 minutes on 2 cores; ``--quick``: 300 (100 for h), about 3.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "functions"))
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "friday-digest")
for name in ("SEND_RATE", "SES_TIMEOUT_SECONDS"):  # each scenario sets what it measures
    os.environ.pop(name, None)

from digest.local.faults import OUTCOMES, FaultProxy, max_in_window  # noqa: E402
from digest.local.motoserver import free_port, point_at, received_messages, reset  # noqa: E402
from digest.local.seed import approved_edition  # noqa: E402
from digest.local.stack import create_stack  # noqa: E402
from digest.mail.service import LOCAL_SEND_RATE  # noqa: E402
from digest.models import Subscriber  # noqa: E402
from digest.settings import get_settings  # noqa: E402
from digest.store.aws import plain, table  # noqa: E402
from digest.store.sendlog import SendLog  # noqa: E402

SEED = 20261204
DEFAULT_READERS, QUICK_READERS = 1_000, 300
DEFAULT_RATE_READERS, QUICK_RATE_READERS = 300, 100
BOUND_RATE = 10.0  # SEND_RATE for h
GOAL_RATIO = 0.60  # throughput under 30 % throttling over the unthrottled run's
CLI_TIMEOUT = 1_800


# ---------------------------------------------------------------- the local account


class Moto:
    """The moto server in a process of its own (``python -m moto.server``), so the CLI, the proxy and
    moto do not share one interpreter lock; this process's boto3 talks to it directly."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Moto:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.endpoint}/moto-api/data.json", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the moto server did not start") from None
                time.sleep(0.2)
        point_at(self.endpoint)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def mailed(moto: Moto, edition_id: str) -> Counter[str]:
    """Ground truth: messages of this edition SES (moto) accepted, per recipient."""
    marker = f"X-Digest-Edition: {edition_id}"
    return Counter(m.destinations[0] for m in received_messages(moto.endpoint) if marker in m.raw)


# ---------------------------------------------------------------- the CLI


def digest(*args: str) -> list[str]:
    return [sys.executable, "-m", "digest.cli", *args]


def environment(proxy: FaultProxy, extra: dict[str, str]) -> dict[str, str]:
    return {**os.environ, "AWS_ENDPOINT_URL": proxy.endpoint, **extra}


def parse(stdout: str) -> dict[str, Any]:
    """The command's JSON: its last line (Powertools may print EMF lines before it)."""
    lines = [line for line in stdout.splitlines() if line.startswith("{") and not line.startswith('{"_aws"')]
    if not lines:
        raise RuntimeError(f"no JSON on stdout: {stdout[-500:]!r}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def run(proxy: FaultProxy, *args: str, **extra: str) -> tuple[dict[str, Any], float]:
    """Run one CLI command through the proxy; its JSON and its wall time."""
    start = time.perf_counter()
    done = subprocess.run(digest(*args), env=environment(proxy, extra), capture_output=True, text=True,
                          timeout=CLI_TIMEOUT)  # fmt: skip
    wall = time.perf_counter() - start
    if done.returncode != 0 or "Traceback" in done.stderr:
        raise RuntimeError(f"digest {' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}")
    return parse(done.stdout), wall


# ---------------------------------------------------------------- the checks


@dataclass
class Outcome:
    key: str
    title: str
    faults: str
    readers: int
    wall: float = 0.0
    result: dict[str, Any] = field(default_factory=dict)
    accepted: int = 0  # messages of the edition SES accepted (ground truth)
    readers_mailed: int = 0
    copies2: int = 0
    in_doubt: int = 0
    expected_doubt: str = "0"
    failed: int = 0
    truth_ok: bool = False
    states: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    send_window: tuple[float, float] = (0.0, 0.0)  # first and last accepted SES send (proxy clock)
    window_max: int | None = None  # most SES sends (reached SES) in any 1-s window
    window_all: int | None = None  # ... counting throttled attempts too
    rate: float | None = None
    pace: dict[str, Any] = field(default_factory=dict)
    settled: str = ""
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.readers_mailed / self.wall if self.wall else float("nan")

    @property
    def send_rate(self) -> float:
        """Accepted SES sends per second from the first to the last (dispatch and start-up left out)."""
        first, last = self.send_window
        return (self.accepted - 1) / (last - first) if last > first else float("nan")


def check(moto: Moto, proxy: FaultProxy, edition_id: str, readers: Sequence[Subscriber], result: dict[str, Any],
          outcome: Outcome) -> Counter[str]:  # fmt: skip
    """Compare what the command reported and the send log with what SES (moto) accepted."""
    counts = mailed(moto, edition_id)
    rows = {str(r["subscriber_id"]): r for r in SendLog(get_settings().send_log_table).rows(edition_id)}
    reported = {d["address"] for d in result.get("in_doubt", [])}
    emails = {r.email for r in readers}
    wrong: Counter[str] = Counter()
    for reader in readers:
        status = str(rows.get(reader.id, {}).get("status", "not logged"))
        got = counts[reader.email]
        if status == "sent" and got != 1:
            wrong[f"logged sent with {got} messages"] += 1
        elif status in ("in_doubt", "claimed") and reader.email not in reported:
            wrong[f"{status} but not reported in doubt"] += 1
        elif status == "failed" and got:
            wrong["logged failed though SES accepted it"] += 1
        elif status not in ("sent", "in_doubt", "claimed", "failed"):
            wrong[f"left {status}" + (" though mailed" if got else "")] += 1
    strangers = len(set(counts) - emails)
    if strangers:
        wrong["mailed but not a confirmed reader"] += strangers
    sent_rows = sum(1 for r in rows.values() if r.get("status") == "sent")
    if result.get("sent") != sent_rows:
        wrong[f"command said sent {result.get('sent')}, log has {sent_rows}"] += 1
    outcome.result = result
    outcome.accepted = sum(counts.values())
    outcome.readers_mailed = sum(1 for r in readers if counts[r.email])
    outcome.copies2 = sum(1 for n in counts.values() if n >= 2)
    outcome.in_doubt = len(result.get("in_doubt", []))
    outcome.failed = int(result.get("failed", 0))
    outcome.states = dict(Counter(str(r.get("status")) for r in rows.values()))
    outcome.counts = proxy.counts()
    accepted_times = [c.at for c in proxy.log if c.outcome in ("forwarded", "dropped", "delayed") and c.status == 200]
    if accepted_times:
        outcome.send_window = (min(accepted_times), max(accepted_times))
    outcome.truth_ok = not wrong and not outcome.copies2
    if outcome.copies2:
        outcome.problems.append(f"{outcome.copies2} readers got two or more copies "
                                f"(e.g. {', '.join(a for a, n in counts.items() if n >= 2)[:200]})")  # fmt: skip
    if wrong:
        outcome.problems.append("ground truth ≠ log: " + "; ".join(f"{n} {what}" for what, n in wrong.items()))
    return counts


def expect_doubts(outcome: Outcome, expected: int, how: str) -> None:
    outcome.expected_doubt = f"{expected}: {how}" if how else str(expected)
    if outcome.in_doubt != expected:
        outcome.problems.append(f"{outcome.in_doubt} readers in doubt, expected {expected} ({how or 'no faults'})")


def pace_item() -> dict[str, Any]:
    item = table(get_settings().idempotency_table).get_item(Key={"id": "pace#send"}).get("Item") or {}
    return {k: plain(v) for k, v in item.items() if k in ("fleet_rate", "cut_at", "raised_at")}


def measure_window(outcome: Outcome, proxy: FaultProxy, rate: float) -> None:
    outcome.rate = rate
    outcome.window_max = max_in_window(proxy.ses_send_times(), 1.0)
    outcome.window_all = max_in_window(proxy.ses_send_times(OUTCOMES), 1.0)
    outcome.pace = pace_item()
    if outcome.window_max > rate:
        outcome.problems.append(f"a sliding 1-s window held {outcome.window_max} SES sends, above the rate {rate:g}")


def settle_by_truth(moto: Moto, proxy: FaultProxy, edition_id: str, readers: Sequence[Subscriber],
                    result: dict[str, Any], outcome: Outcome) -> None:  # fmt: skip
    """What an operator does with SES's sending history in hand, then the end state: one copy each."""
    proxy.configure(ses_throttle=0, ses_drop_after=0, ses_delay_after=0, dynamodb_throttle=0)
    counts = mailed(moto, edition_id)
    sent = [d["address"] for d in result["in_doubt"] if counts[d["address"]]]
    unsent = [d["address"] for d in result["in_doubt"] if not counts[d["address"]]]
    args = [*(["--sent", *sent] if sent else []), *(["--unsent", *unsent] if unsent else [])]
    if args:
        settled, _ = run(proxy, "edition", "settle", edition_id, *args)
        if settled.get("settled") != {"sent": len(sent), "unsent": len(unsent)} or settled.get("in_doubt"):
            outcome.problems.append(f"settle answered {settled}")
    resent, _ = run(proxy, "edition", "resend-failed", edition_id)
    counts = mailed(moto, edition_id)
    stats, _ = run(proxy, "edition", "stats", edition_id, "--json")
    once = sum(1 for r in readers if counts[r.email] == 1)
    extra = sum(counts.values()) - once
    outcome.settled = (f"settled {len(sent)} sent, {len(unsent)} unsent; resend-failed queued {resent.get('queued')}; "
                       f"then {once:,} of {len(readers):,} readers with exactly one copy, {extra} other messages; "
                       f"edition `{stats['status']}`, readers {stats['readers']}")  # fmt: skip
    if once != len(readers) or extra or stats["status"] != "sent" or stats["readers"]["sent"] != len(readers):
        outcome.problems.append("after settling, not everyone had exactly one copy: " + outcome.settled)


# ---------------------------------------------------------------- the scenarios


class Bench:
    def __init__(self, moto: Moto, readers: int, rate_readers: int) -> None:
        self.moto = moto
        self.readers = readers
        self.rate_readers = rate_readers
        self.weeks = iter(range(1, 53))

    def fresh(self, key: str, n_readers: int, **knobs: float) -> tuple[str, list[Subscriber], FaultProxy]:
        """A fresh account, an approved edition, its readers, and a proxy with these faults."""
        reset(self.moto.endpoint)
        create_stack(get_settings())
        week = f"2027-W{next(self.weeks):02d}"
        readers = approved_edition(week, n_readers, f"{key}-", who="bench_faults")
        proxy = FaultProxy(self.moto.endpoint, seed=SEED).start()
        if knobs:
            proxy.configure(**knobs)
        return week, readers, proxy

    def simple(self, key: str, title: str, faults: str, n_readers: int, knobs: dict[str, float],
               env: dict[str, str] | None = None, after: Callable[..., None] | None = None) -> Outcome:  # fmt: skip
        """One `edition send` through the proxy, then the checks (and ``after``, proxy still running)."""
        week, readers, proxy = self.fresh(key, n_readers, **knobs)
        outcome = Outcome(key, title, faults, n_readers)
        try:
            result, outcome.wall = run(proxy, "edition", "send", week, **(env or {}))
            check(self.moto, proxy, week, readers, result, outcome)
            if after:
                after(proxy, week, readers, result, outcome)
        finally:
            proxy.stop()
        return outcome

    # a, b, c, d, e ----------------------------------------------------------------------------
    def baseline(self) -> Outcome:
        def after(proxy: FaultProxy, week: str, readers: list[Subscriber], result: dict[str, Any], o: Outcome) -> None:
            measure_window(o, proxy, LOCAL_SEND_RATE)

        outcome = self.simple("a", "unthrottled baseline", "none", self.readers, {}, after=after)
        expect_doubts(outcome, 0, "")
        return outcome

    def throttled(self) -> Outcome:
        def after(proxy: FaultProxy, week: str, readers: list[Subscriber], result: dict[str, Any], o: Outcome) -> None:
            measure_window(o, proxy, LOCAL_SEND_RATE)
            if o.failed or result.get("pending"):
                o.problems.append(f"throttling left {o.failed} failed, {result.get('pending')} pending")

        outcome = self.simple("b", "SES throttles 30 %", "`ses_throttle=0.3`", self.readers, {"ses_throttle": 0.3},
                              after=after)  # fmt: skip
        expect_doubts(outcome, 0, "")
        return outcome

    def dropped(self) -> Outcome:
        def after(proxy: FaultProxy, week: str, readers: list[Subscriber], result: dict[str, Any], o: Outcome) -> None:
            expect_doubts(o, proxy.counts().get("dropped", 0), "connections cut")
            settle_by_truth(self.moto, proxy, week, readers, result, o)

        return self.simple("c", "connections cut after SES accepted", "`ses_drop_after=0.05`", self.readers,
                           {"ses_drop_after": 0.05}, after=after)  # fmt: skip

    def held(self) -> Outcome:
        def after(proxy: FaultProxy, week: str, readers: list[Subscriber], result: dict[str, Any], o: Outcome) -> None:
            expect_doubts(o, proxy.counts().get("delayed", 0), "replies held")
            timeouts = sum("ReadTimeout" in d["reason"] for d in result["in_doubt"])
            o.notes.append(f"{timeouts} of {o.in_doubt} in doubt by a read timeout")
            settle_by_truth(self.moto, proxy, week, readers, result, o)

        return self.simple("d", "replies held past the read timeout",
                           "`ses_delay_after=0.03`, 2.5 s; `SES_TIMEOUT_SECONDS=1`", self.readers,
                           {"ses_delay_after": 0.03, "ses_delay_seconds": 2.5}, env={"SES_TIMEOUT_SECONDS": "1"},
                           after=after)  # fmt: skip

    def dynamodb(self) -> Outcome:
        outcome = self.simple("e", "DynamoDB throttles 10 %", "`dynamodb_throttle=0.1`", self.readers,
                              {"dynamodb_throttle": 0.1})  # fmt: skip
        expect_doubts(outcome, 0, "")
        return outcome

    # f ------------------------------------------------------------------------------------------
    def two_at_once(self) -> Outcome:
        week, readers, proxy = self.fresh("f", self.readers)
        outcome = Outcome("f", "two `edition send` at the same moment", "none", self.readers)
        try:
            command = digest("edition", "send", week)
            start = time.perf_counter()
            processes = [subprocess.Popen(command, env=environment(proxy, {}), stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True) for _ in range(2)]  # fmt: skip
            outputs = [p.communicate(timeout=CLI_TIMEOUT) for p in processes]
            outcome.wall = time.perf_counter() - start
            codes = [p.returncode for p in processes]
            if codes != [0, 0]:
                outcome.problems.append(f"exit codes {codes}: {[err[-300:] for _, err in outputs]}")
                return outcome
            results = [parse(out) for out, _ in outputs]
            waited = sum("waiting for it to finish" in err for _, err in outputs)
            outcome.notes.append(f"{waited} of 2 said another send was running and waited; each reported sent "
                                 + " and ".join(str(r["sent"]) for r in results))  # fmt: skip
            if waited != 1:
                outcome.problems.append(f"{waited} of the two sends waited for the other (expected 1)")
            for result in results:
                if result["in_doubt"] or result["pending"] or result["sent"] != self.readers:
                    outcome.problems.append(f"a send reported sent {result['sent']}, pending {result['pending']}, "
                                            f"in doubt {len(result['in_doubt'])}")  # fmt: skip
            check(self.moto, proxy, week, readers, results[-1], outcome)
            expect_doubts(outcome, 0, "")
        finally:
            proxy.stop()
        return outcome

    # g ------------------------------------------------------------------------------------------
    def killed(self) -> Outcome:
        week, readers, proxy = self.fresh("g", self.readers)
        n = self.readers
        outcome = Outcome("g", "kill -9 ×3 (dispatch, two resumes), then resume", "none", n)
        command = digest("edition", "send", week)
        # (extra arguments, what must have happened before the kill, its description)
        moments: list[tuple[list[str], Callable[[dict[str, int]], bool], str]] = [
            ([], lambda c: c.get("sqs.SendMessageBatch", 0) >= max(2, n // 150), "during dispatch"),
            (["--resume"], lambda c: c.get("sesv2.SendEmail", 0) >= 0.3 * n, "at 30 % mailed"),
            (["--resume"], lambda c: c.get("sesv2.SendEmail", 0) >= 0.6 * n, "at 60 % mailed"),
        ]
        try:
            start = time.perf_counter()
            kills = []
            for args, due, label in moments:
                process = subprocess.Popen([*command, *args], env=environment(proxy, {}), stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL)  # fmt: skip
                deadline = time.monotonic() + 300
                while time.monotonic() < deadline and process.poll() is None and not due(proxy.counts()):
                    time.sleep(0.01)
                if process.poll() is not None:
                    outcome.problems.append(f"the run to kill {label} ended first (exit {process.returncode})")
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=30)
                sends = proxy.counts().get("sesv2.SendEmail", 0)
                kills.append(f"{label} ({sends} SES sends so far)")
            result, _ = run(proxy, "edition", "send", week, "--resume")
            outcome.wall = time.perf_counter() - start
            outcome.notes.append("killed " + ", ".join(kills))
            check(self.moto, proxy, week, readers, result, outcome)
            outcome.expected_doubt = f"≤ {len(moments)}: one per kill"
            if outcome.in_doubt > len(moments):
                outcome.problems.append(f"{outcome.in_doubt} readers in doubt after {len(moments)} kills")
            settle_by_truth(self.moto, proxy, week, readers, result, outcome)
        finally:
            proxy.stop()
        return outcome

    # h ------------------------------------------------------------------------------------------
    def rate_bound(self, throttle: float) -> Outcome:
        key = "h2" if throttle else "h1"
        faults = f"`SEND_RATE={BOUND_RATE:g}`" + (f", `ses_throttle={throttle:g}`" if throttle else "")
        title = f"rate-bound, {'SES throttles 30 %' if throttle else 'unthrottled'}"

        def after(proxy: FaultProxy, week: str, readers: list[Subscriber], result: dict[str, Any], o: Outcome) -> None:
            measure_window(o, proxy, BOUND_RATE)
            if o.failed or result.get("pending"):
                o.problems.append(f"throttling left {o.failed} failed, {result.get('pending')} pending")

        outcome = self.simple(key, title, faults, self.rate_readers, {"ses_throttle": throttle} if throttle else {},
                              env={"SEND_RATE": f"{BOUND_RATE:g}"}, after=after)  # fmt: skip
        expect_doubts(outcome, 0, "")
        return outcome


def compare(throttled: Outcome | None, unthrottled: Outcome | None) -> tuple[float, float] | None:
    """Throughput under throttling over the unthrottled run's: by wall time, and between the first and
    last accepted SES send (the send phase alone).  The goal is judged on the first (readers mailed per
    second of the command's wall time); the second, stricter, is reported beside it."""
    if not throttled or not unthrottled or not throttled.wall or not unthrottled.wall:
        return None
    ratio = (throttled.throughput / unthrottled.throughput, throttled.send_rate / unthrottled.send_rate)
    if ratio[0] < GOAL_RATIO:
        throttled.problems.append(f"throughput {ratio[0]:.0%} of the unthrottled run's ({unthrottled.key}), "
                                  f"below the goal of {GOAL_RATIO:.0%}")  # fmt: skip
    elif ratio[1] < GOAL_RATIO:
        throttled.notes.append(f"**note**: in the send phase alone (start-up and dispatch left out) it reached "
                               f"only {ratio[1]:.0%} of the unthrottled run's rate, below the {GOAL_RATIO:.0%} "
                               "goal")  # fmt: skip
    return ratio


# ---------------------------------------------------------------- report


def report(outcomes: list[Outcome], ratios: dict[str, tuple[float, float] | None], load: tuple[float, float],
           args: argparse.Namespace, total: float) -> None:  # fmt: skip
    out = print
    out("## Sending under network faults (benchmarks/bench_faults.py)\n")
    out(
        "Reproduce: `python benchmarks/bench_faults.py` (`--quick`: 300 readers, 100 for h; `--only a,b`). "
        "How measured: every scenario on a fresh local account (moto server reset, `create_stack`), an approved "
        "edition and N confirmed readers (plus an unsubscribed, a suppressed and a pending one); the moto server "
        "runs in a subprocess of its own (`python -m moto.server`); the fault proxy (`digest/local/faults.py`, "
        "seeded) runs in threads of the benchmark's process in front of it; the real `digest edition send` runs "
        "as a subprocess whose `AWS_ENDPOINT_URL` is the proxy (one send worker, as locally; `SEND_RATE` unset, "
        f"so the local default of {LOCAL_SEND_RATE}/s, except in h). Ground truth comes from moto directly "
        "(`/moto-api/data.json`: messages of the edition per recipient) and the send log's rows. Wall time is "
        "the `edition send` command's, start-up and dispatch included (in g, from the first start to the end "
        "of the last resume); throughput is readers mailed ÷ that wall time. Machine: "
        f"{os.cpu_count()} cores, {platform.system()}, Python {platform.python_version()}; load average "
        f"{load[0]:.1f} at the start, {load[1]:.1f} at the end (other processes slow every figure here); "
        f"{total / 60:.1f} min in all.\n"
    )
    out("| | scenario | faults | readers | wall s | readers/s | SES accepted | readers with 2+ copies "
        "| in doubt | failed | ground truth = log |")  # fmt: skip
    out("|---|---|---|---|---|---|---|---|---|---|---|")
    for o in outcomes:
        out(
            f"| {o.key} | {o.title} | {o.faults} | {o.readers:,} | {o.wall:.1f} | {o.throughput:.1f} "
            f"| {o.accepted:,} | {o.copies2} | {o.in_doubt} (expected {o.expected_doubt}) | {o.failed} "
            f"| {'yes' if o.truth_ok else '**no**'} |"
        )
    paced = [o for o in outcomes if o.window_max is not None]
    if paced:
        out("\n**Throttling and the pacer.** Sliding windows over the times SES sends reached the proxy "
            "(`max_in_window(proxy.ses_send_times())`: forwarded, cut and held sends; the next column counts "
            "throttled attempts too). *Send phase*: accepted sends ÷ the time from the first to the last (start-up "
            "and dispatch left out). The ratio is against the unthrottled run at the same rate (b against a, h2 "
            f"against h1); goal ≥ {GOAL_RATIO:.0%}.\n")  # fmt: skip
        out("| | rate /s | readers/s (wall) | send phase msg/s | ÷ unthrottled (wall / send phase) "
            "| max SES sends in a 1-s window | … with throttled attempts | SES throttled "
            "| pace item at the end |")  # fmt: skip
        out("|---|---|---|---|---|---|---|---|---|")
        for o in paced:
            ratio = ratios.get(o.key)
            shown = f"**{ratio[0]:.0%}** / {ratio[1]:.0%}" if ratio else "—"
            pace = ", ".join(f"{k} {v:.2f}" if k == "fleet_rate" else k for k, v in sorted(o.pace.items())) or "—"
            out(
                f"| {o.key} | {o.rate:g} | {o.throughput:.1f} | {o.send_rate:.1f} | {shown} "
                f"| {o.window_max} ({'≤' if (o.window_max or 0) <= (o.rate or 0) else '>'} {o.rate:g}) "
                f"| {o.window_all} | {o.counts.get('throttled', 0):,} | {pace} |"
            )
    out("\n**Per scenario.**\n")
    for o in outcomes:
        states = ", ".join(f"{k} {v:,}" for k, v in sorted(o.states.items()))
        faults = {k: v for k, v in o.counts.items() if k in ("throttled", "dropped", "delayed")}
        line = (f"- **{o.key}** ({o.title}): send log {states or '—'}; proxy: {o.counts.get('requests', 0):,} "
                f"requests, {o.counts.get('sesv2.SendEmail', 0):,} SES sends, faults {faults or 'none'}.")  # fmt: skip
        if o.notes:
            line += " " + "; ".join(o.notes) + "."
        if o.settled:
            line += f" Settled by ground truth: {o.settled}."
        if o.problems:
            line += " **BROKEN**: " + "; ".join(o.problems) + f". Proxy counts: {o.counts}."
        out(line)
    broken = [o.key for o in outcomes if o.problems]
    out(f"\n{'**Broken promises in: ' + ', '.join(broken) + '.**' if broken else 'Every promise held.'}")


# ---------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help=f"{QUICK_READERS} readers ({QUICK_RATE_READERS} for h)")
    ap.add_argument("--readers", type=int, help=f"readers per scenario (default {DEFAULT_READERS:,})")
    ap.add_argument("--rate-readers", type=int, help=f"readers for h (default {DEFAULT_RATE_READERS})")
    ap.add_argument("--only", default="", help="scenarios to run, e.g. a,b,h (default: all)")
    args = ap.parse_args(argv)
    n = args.readers or (QUICK_READERS if args.quick else DEFAULT_READERS)
    n_rate = args.rate_readers or (QUICK_RATE_READERS if args.quick else DEFAULT_RATE_READERS)
    only = {s.strip() for s in args.only.split(",") if s.strip()}

    load_start = os.getloadavg()[0]
    started = time.perf_counter()
    moto = Moto().start()
    bench = Bench(moto, n, n_rate)
    plan: list[tuple[str, Callable[[], Outcome]]] = [
        ("a", bench.baseline), ("b", bench.throttled), ("c", bench.dropped), ("d", bench.held),
        ("e", bench.dynamodb), ("f", bench.two_at_once), ("g", bench.killed),
        ("h1", lambda: bench.rate_bound(0.0)), ("h2", lambda: bench.rate_bound(0.3)),
    ]  # fmt: skip
    outcomes: dict[str, Outcome] = {}
    try:
        for key, scenario in plan:
            if only and key not in only and key.rstrip("12") not in only:
                continue
            print(f"bench_faults: {key} …", file=sys.stderr, flush=True)
            began = time.perf_counter()
            try:
                outcomes[key] = scenario()
            except Exception as error:  # a scenario that cannot run is a finding, not a crash of the rest
                outcomes[key] = Outcome(key, f"scenario {key}", "", 0, problems=[f"could not run: {error!r}"[:2000]])
            o = outcomes[key]
            print(f"bench_faults: {key} {time.perf_counter() - began:.0f} s, {o.readers_mailed} mailed, "
                  f"wall {o.wall:.1f} s, problems {o.problems}", file=sys.stderr, flush=True)  # fmt: skip
    finally:
        moto.stop()
    ratios = {"b": compare(outcomes.get("b"), outcomes.get("a")), "h2": compare(outcomes.get("h2"), outcomes.get("h1"))}
    report(list(outcomes.values()), ratios, (load_start, os.getloadavg()[0]), args, time.perf_counter() - started)
    broken = any(o.problems for o in outcomes.values())
    if broken:
        print("\nbench_faults: a promise was broken", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
