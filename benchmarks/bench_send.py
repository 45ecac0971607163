"""Speed benchmark for sending an edition on the local stack: SQS and SES on the embedded moto server.

    python benchmarks/bench_send.py [--quick] [--readers N] [--rates 10,20,50] [--pace-messages N]

Prints one Markdown section, every figure measured in the same run on this machine:

1. **End to end.** The local stack is made the way ``digest demo`` makes it (``LocalAws``: a moto
   server in this process; ``create_stack`` from ``template.yaml``; the bundled sample site,
   ``sample/site.json``, ingested over HTTP; the edition built, rendered, approved).  Readers are
   imported through ``parse_import`` like ``sample/subscribers.csv`` (which is imported too):
   varied names, section choices, time zones, and some unsubscribed, suppressed and pending readers
   who must get nothing; a few more unsubscribe (the real one-click path) between dispatch and the
   send workers.  Then the real dispatch and the real send-worker handler, drained by the local
   queue pump, as ``digest edition send`` (``local/run.py`` ``send_all``) runs them, with
   ``SEND_RATE`` set so high that pacing is not the limit.  Every message SES (moto) received is
   read back through moto's own API (``local/motoserver.received_messages``): each eligible reader
   must have exactly one, carrying an unsubscribe link signed for that reader, and no one else
   any (also after ``send_all`` runs once more, as a re-run of the command would); otherwise the
   script exits 1.
2. **Pacing.** With ``SEND_RATE`` at each rate (10, 20 and 50 msg/s), 200 messages go through the
   same path on a fresh stack; the time of each SES request is taken by a botocore event hook on
   the real SES client editions go through (``once_client``, ``before-send``), and the most
   requests in any sliding 1-second window (``faults.max_in_window``) is compared with the rate
   (it must not exceed it: the pacer's promise), as is the achieved msg/s; calendar-second counts
   are kept as an extra view.
3. **CPU per message.** ``time.thread_time`` around the pieces of the send worker in part 1:
   composing the personalised MIME (``mail/compose.py``, wrapped where ``mail/service.py`` calls
   it), the AWS calls' client side (botocore event hooks), the rest of the worker, the queue pump,
   and the moto server (process CPU less the client threads': it runs in this process).

Default: 10,000 readers (about 15-20 minutes on 2 cores, nearly all of it the moto server's work:
the section says where the time goes); ``--quick`` runs 1,000 in about 2 minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import csv
import io
import math
import os
import random
import re
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "functions"))
os.environ.setdefault("ALLOW_PRIVATE_FETCH", "true")  # the sample site is on loopback
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "friday-digest")

from bench_mail import ACCENTED, EMOJI, FIRST, LAST, SCRIPTS, TRICKY, VARIANTS  # noqa: E402
from charts import pacing_chart, pacing_per_second_chart  # noqa: E402
from digest.api.subscriptions import Requester, unsubscribe  # noqa: E402
from digest.handlers import send_worker  # noqa: E402
from digest.local.demo import register_sources, sample_week  # noqa: E402
from digest.local.faults import max_in_window  # noqa: E402
from digest.local.motoserver import LocalAws, received_messages, reset  # noqa: E402
from digest.local.pump import drain  # noqa: E402
from digest.local.run import ingest_all, send_all  # noqa: E402
from digest.local.site import SiteServer  # noqa: E402
from digest.local.stack import create_stack  # noqa: E402
from digest.mail import compose as composer  # noqa: E402
from digest.mail import service  # noqa: E402
from digest.models import Edition, EditionStatus, Subscriber, SubscriberStatus  # noqa: E402
from digest.readers import parse_import, subscriber_id  # noqa: E402
from digest.render.publish import publish  # noqa: E402
from digest.settings import REPO_ROOT, Settings, get_settings  # noqa: E402
from digest.store.aws import client, table, to_item  # noqa: E402
from digest.store.editions import EditionStore  # noqa: E402
from digest.store.mailer import once_client  # noqa: E402
from digest.store.pacing import GRACE, MARGIN, Pacer  # noqa: E402
from digest.store.queues import queue_url  # noqa: E402
from digest.store.secrets import token_keys  # noqa: E402
from digest.store.sendlog import SendLog  # noqa: E402
from digest.stories.service import build_edition, set_status  # noqa: E402
from digest.tokens import Purpose, TokenError, make_token, read_token  # noqa: E402

SAMPLE_SUBSCRIBERS = REPO_ROOT / "sample" / "subscribers.csv"
SEED = 20261127
DEFAULT_READERS, QUICK_READERS, TARGET_READERS = 10_000, 1_000, 10_000
UNPACED = 1_000_000  # SEND_RATE for part 1: far above anything the local stack reaches
RATES = (10.0, 20.0, 50.0)
INELIGIBLE = (SubscriberStatus.unsubscribed, SubscriberStatus.suppressed, SubscriberStatus.pending)
ZONES = ["", "", "", "Europe/London", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney"]
TABLES = ("subscribers_table", "send_log_table", "idempotency_table", "editions_table", "articles_table")


# ---------------------------------------------------------------- instrumentation (no fakes: hooks and timers)


@dataclass
class Bucket:
    """What one part of the work cost: AWS requests by operation and their client-side CPU."""

    requests: Counter[str] = field(default_factory=Counter)
    aws_cpu: float = 0.0
    closed: int = 0  # replies with "Connection: close" (the next request opens a new TCP connection)


class Meter:
    """Counts every AWS request and its client-side CPU (botocore event hooks on the real clients),
    stamps every SES request, and times composition and the send worker with ``time.thread_time``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.local = threading.local()
        self.bucket_name = "other"
        self.buckets: defaultdict[str, Bucket] = defaultdict(Bucket)
        self.ses_sent: list[float] = []  # time.time() as each SES request left (before-send)
        self.ses_replied: list[float] = []  # ... and as its reply arrived (after-call)
        self.compose_cpu = 0.0
        self.composed = 0
        self.worker_cpu = 0.0
        self.worker_wall = 0.0
        self.pacer_wall = 0.0
        self.pacer_takes = 0  # moments taken from the pace item (one conditional update each, or two)
        self.pacer_waits = 0  # ... of which lay ahead, so the worker slept until it came
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []  # compose's arguments, to replay
        self.granted: list[float] = []  # the moment (epoch seconds) the pacer gave each message
        self.hooked: set[int] = set()

    # botocore hooks ------------------------------------------------------------------------
    def hook(self, botocore_client: Any) -> None:
        if id(botocore_client) in self.hooked:
            return
        self.hooked.add(id(botocore_client))
        events = botocore_client.meta.events
        events.register("provide-client-params", self._call_started)
        events.register("after-call", self._call_finished)
        events.register("after-call-error", self._call_finished)
        if botocore_client.meta.service_model.service_name == "sesv2":
            events.register("before-send.sesv2.SendEmail", self._ses_request)
            events.register("after-call.sesv2.SendEmail", self._ses_reply)

    def _call_started(self, **_: Any) -> None:
        self.local.started = time.thread_time()

    def _call_finished(self, event_name: str, http_response: Any = None, **_: Any) -> None:
        cpu = time.thread_time() - getattr(self.local, "started", time.thread_time())
        operation = ".".join(event_name.split(".")[1:3])
        closed = http_response is not None and http_response.headers.get("Connection", "").lower() == "close"
        with self.lock:
            bucket = self.buckets[self.bucket_name]
            bucket.requests[operation] += 1
            bucket.aws_cpu += cpu
            bucket.closed += closed

    def _ses_request(self, **_: Any) -> None:
        self.ses_sent.append(time.time())

    def _ses_reply(self, http_response: Any, **_: Any) -> None:
        if http_response.status_code == 200:
            self.ses_replied.append(time.time())

    # timers around the product's own pieces ---------------------------------------------------
    @contextmanager
    def bucket(self, name: str) -> Iterator[None]:
        previous, self.bucket_name = self.bucket_name, name
        try:
            yield
        finally:
            self.bucket_name = previous

    def install(self) -> None:
        """Wrap compose (where the send worker calls it), the send-worker handler and the pacer."""
        real_compose, real_handler, real_acquire, real_take = (
            composer.compose,
            send_worker.handler,
            Pacer.acquire,
            Pacer._take,
        )

        def compose(*args: Any, **kwargs: Any) -> bytes:
            start = time.thread_time()
            try:
                return real_compose(*args, **kwargs)
            finally:
                self.compose_cpu += time.thread_time() - start
                self.composed += 1
                self.calls.append((args, kwargs))

        def handler(event: dict[str, Any], context: Any) -> Any:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                with self.bucket("worker"):
                    return real_handler(event, context)
            finally:
                self.worker_cpu += time.thread_time() - cpu
                self.worker_wall += time.perf_counter() - wall

        def acquire(pacer: Pacer, deadline: float | None = None) -> float | None:
            start = time.perf_counter()
            try:
                moment = real_acquire(pacer, deadline)
                if moment is not None:
                    self.granted.append(moment)
                return moment
            finally:
                self.pacer_wall += time.perf_counter() - start

        def take(pacer: Pacer) -> float:
            moment = real_take(pacer)
            self.pacer_takes += 1
            self.pacer_waits += moment > time.time()
            return moment

        self.real_compose = real_compose
        composer.compose = compose  # mail/service.py imports it from there when a batch is sent
        Pacer.acquire = acquire  # type: ignore[assignment]
        Pacer._take = take  # type: ignore[assignment]
        self.send_handler = handler

    def reset(self) -> None:
        """Forget everything counted so far (each part counts its own)."""
        self.buckets.clear()
        self.ses_sent.clear()
        self.ses_replied.clear()
        self.granted.clear()
        self.compose_cpu = self.worker_cpu = self.worker_wall = self.pacer_wall = 0.0
        self.composed = self.pacer_takes = self.pacer_waits = 0
        self.calls = []


def hook_clients(meter: Meter, settings: Settings) -> None:
    """Hook every client the send path uses (the process's cached clients, as the stores get them):
    editions go to SES through ``once_client`` (no SDK retries, its own read timeout), notices
    through the plain ``sesv2`` client."""
    for name in ("sesv2", "ses", "sqs", "s3", "dynamodb"):
        meter.hook(client(name))
    meter.hook(once_client(settings.ses_timeout_seconds))
    for attribute in TABLES:
        meter.hook(table(getattr(settings, attribute)).meta.client)


@dataclass
class Span:
    """Wall, process CPU and this thread's CPU between two points."""

    wall: float = 0.0
    process: float = 0.0
    thread: float = 0.0

    @classmethod
    @contextmanager
    def of(cls) -> Iterator[Span]:
        span = cls()
        wall, process, thread = time.perf_counter(), time.process_time(), time.thread_time()
        try:
            yield span
        finally:
            span.wall = time.perf_counter() - wall
            span.process = time.process_time() - process
            span.thread = time.thread_time() - thread


# ---------------------------------------------------------------- the stack, the edition, the readers


def use_rate(rate: float) -> Settings:
    os.environ["SEND_RATE"] = f"{rate:g}"
    get_settings.cache_clear()
    return get_settings()


def demo_edition(settings: Settings) -> tuple[Edition, float]:
    """The demo's edition: the sample site ingested over HTTP, built, rendered and approved."""
    start = time.perf_counter()
    now = datetime.now(UTC)
    week, site = sample_week(settings, now)
    with SiteServer(site) as server:
        register_sources(settings, site, server)
        ingest_all(settings)
    edition = build_edition(settings, week, now=now)
    publish(settings, edition)
    edition = set_status(settings, edition.id, EditionStatus.approved, who="bench_send")
    publish(settings, edition)
    return edition, time.perf_counter() - start


def store_edition(settings: Settings, edition: Edition) -> None:
    """The same approved edition on a fresh stack (part 2 starts from an empty account)."""
    edition = edition.model_copy(update={"status": EditionStatus.approved})
    EditionStore(settings.editions_table, settings.archive_bucket).save(edition)
    publish(settings, edition)


def readers_csv(n: int, ineligible: int, rng: random.Random, prefix: str = "") -> str:
    """``n`` readers as the import CSV: the first ``ineligible`` unsubscribed, suppressed or pending."""
    variants, weights = zip(*VARIANTS, strict=True)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "name", "sections", "timezone", "status"])
    for i in range(n):
        roll = rng.random()
        name = (
            f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            if roll < 0.55
            else rng.choice(ACCENTED)
            if roll < 0.70
            else rng.choice(SCRIPTS)
            if roll < 0.78
            else rng.choice(TRICKY)
            if roll < 0.83
            else rng.choice(EMOJI)
            if roll < 0.85
            else ""
        )
        local = "".join(c for c in name.split()[0].lower() if c.isalnum()) if name and name.isascii() else ""
        email = f"{prefix}{local or 'reader'}.{i}@mail{i % 7}.example.net"
        sections = rng.choices(variants, weights)[0]
        status = INELIGIBLE[i % len(INELIGIBLE)].value if i < ineligible else ""
        writer.writerow([email, name, ";".join(sorted(s.value for s in sections or ())), rng.choice(ZONES), status])
    return out.getvalue()


def load_readers(settings: Settings, csv_texts: Sequence[str]) -> list[Subscriber]:
    """Import the CSVs as the CLI and the demo do (``parse_import``: the sample's two bad rows are
    rejected, as in the demo), written in batches."""
    readers: list[Subscriber] = []
    for text in csv_texts:
        readers.extend(parse_import(text).readers)
    with table(settings.subscribers_table).batch_writer() as batch:
        for reader in readers:
            batch.put_item(Item=to_item(reader))
    return readers


def wanted(reader: Subscriber, edition: Edition) -> bool:
    """Who should get this edition, written out here rather than taken from the code under test."""
    with_stories = {section.key for section in edition.sections if section.stories}
    chosen = set(reader.sections)
    return reader.status is SubscriberStatus.confirmed and (not chosen or bool(with_stories & chosen))


def unsubscribe_some(settings: Settings, readers: Sequence[Subscriber]) -> None:
    """Readers who press the one-click unsubscribe link of an earlier edition while this one is sending."""
    key = token_keys(settings)[0]
    for reader in readers:
        unsubscribe(settings, make_token(key, Purpose.unsubscribe, reader.id), Requester(None, None, "bench_send"))


# ---------------------------------------------------------------- checks

UNSUBSCRIBE_LINK = re.compile(rb"^List-Unsubscribe: <[^>]*/unsubscribe/([^>/]+)>", re.MULTILINE)


@dataclass
class Delivery:
    messages: int
    problems: list[str]
    seconds: float


def check_delivery(endpoint: str, settings: Settings, edition_id: str, readers: Sequence[Subscriber],
                   eligible: set[str]) -> Delivery:  # fmt: skip
    """Each eligible reader got exactly one message, signed for them; nobody else got any."""
    start = time.perf_counter()
    marker = f"X-Digest-Edition: {edition_id}\r\n"
    messages = [m for m in received_messages(endpoint) if marker in m.raw]
    seconds = time.perf_counter() - start
    by_address = {r.email: r for r in readers}
    got = Counter(m.destinations[0] for m in messages)
    problems = []
    missing = sorted(r.email for r in readers if r.id in eligible and got[r.email] == 0)
    twice = sorted(address for address, count in got.items() if count > 1)
    wrong = sorted(a for a in got if a in by_address and by_address[a].id not in eligible)
    unknown = sorted(a for a in got if a not in by_address)
    for label, found in (("missing", missing), ("mailed more than once", twice), ("mailed but not eligible", wrong),
                         ("mailed but unknown", unknown)):  # fmt: skip
        if found:
            problems.append(f"{len(found)} {label} (e.g. {', '.join(found[:3])})")
    keys = token_keys(settings)
    mislinked = 0
    for message in messages:
        head = message.raw[:4000].encode("utf-8", "replace")
        link = UNSUBSCRIBE_LINK.search(head)
        try:
            owner = read_token(keys, link.group(1).decode("ascii"), Purpose.unsubscribe) if link else ""
        except TokenError:
            owner = ""
        mislinked += owner != subscriber_id(message.destinations[0])
    if mislinked:
        problems.append(f"{mislinked} messages whose unsubscribe link is not signed for their recipient")
    counts = SendLog(settings.send_log_table).counts(edition_id)
    if counts.get("sent", 0) != len(eligible):
        problems.append(f"send log says {counts}, expected sent = {len(eligible)}")
    return Delivery(len(messages), problems, seconds)


# ---------------------------------------------------------------- part 1: end to end


@dataclass
class EndToEnd:
    readers: int
    eligible: int
    ineligible: Counter[str]
    late_unsubscribed: int
    variants: int
    stories: int
    load_seconds: float
    dispatch: Span
    send: Span
    queued: int
    dispatch_bucket: Bucket
    worker_bucket: Bucket
    pump_bucket: Bucket
    delivery: Delivery
    send_log: dict[str, int]
    edition_status: str
    cost: Cost
    rerun_batches: int  # batch messages its dispatch put on the send queue
    rerun_mailed: int
    rerun_wall: float


@dataclass(frozen=True)
class Cost:
    """The meter's figures for the send workers of part 1, kept before part 2 counts its own."""

    composed: int
    compose_cpu: float
    worker_cpu: float
    worker_wall: float
    pacer_takes: int
    pacer_waits: int
    pacer_wall: float
    replay_cpu: float  # the same compose() calls again, one after another

    @classmethod
    def of(cls, meter: Meter, real_compose: Callable[..., bytes]) -> Cost:
        start = time.thread_time()
        for args, kwargs in meter.calls:
            real_compose(*args, **kwargs)
        replay = time.thread_time() - start
        return cls(meter.composed, meter.compose_cpu, meter.worker_cpu, meter.worker_wall, meter.pacer_takes,
                   meter.pacer_waits, meter.pacer_wall, replay)  # fmt: skip


def end_to_end(aws: LocalAws, meter: Meter, edition: Edition, n_readers: int) -> EndToEnd:
    settings = use_rate(UNPACED)
    rng = random.Random(SEED)
    ineligible = max(6, n_readers // 100)
    sample = SAMPLE_SUBSCRIBERS.read_text(encoding="utf-8")
    sample_confirmed = sum(r.status is SubscriberStatus.confirmed for r in parse_import(sample).readers)
    start = time.perf_counter()
    readers = load_readers(settings, [sample, readers_csv(n_readers - sample_confirmed + ineligible, ineligible, rng)])
    load_seconds = time.perf_counter() - start
    confirmed = [r for r in readers if r.status is SubscriberStatus.confirmed]
    late = rng.sample(confirmed, max(3, n_readers // 300))
    url = queue_url(settings.send_queue_url, "send")
    meter.reset()

    with meter.bucket("dispatch"), Span.of() as dispatch_span:
        dispatched = service.dispatch(settings, edition.id).queued
    unsubscribe_some(settings, late)  # after dispatch queued them, before any worker runs
    with meter.bucket("pump"), Span.of() as send_span:
        drain(url, meter.send_handler, function_name="SendWorkerFunction")
    cost = Cost.of(meter, meter.real_compose)
    buckets = {name: copy.deepcopy(meter.buckets[name]) for name in ("dispatch", "worker", "pump")}
    # `digest edition send` again: nobody may be queued or mailed twice; it settles the edition's status
    with meter.bucket("rerun"), Span.of() as rerun_span:
        send_all(settings, edition.id)
    late_ids = {r.id for r in late}
    final = [r.model_copy(update={"status": SubscriberStatus.unsubscribed}) if r.id in late_ids else r for r in readers]
    eligible = {r.id for r in final if wanted(r, edition)}
    delivery = check_delivery(aws.endpoint, settings, edition.id, final, eligible)
    stored = EditionStore(settings.editions_table, settings.archive_bucket).get(edition.id)
    return EndToEnd(
        readers=len(readers),
        eligible=len(eligible),
        ineligible=Counter(r.status.value for r in readers if r.status is not SubscriberStatus.confirmed),
        late_unsubscribed=len(late),
        variants=len({frozenset(r.sections) for r in confirmed}),
        stories=len(edition.stories()),
        load_seconds=load_seconds,
        dispatch=dispatch_span,
        send=send_span,
        queued=int(dispatched[0]) if isinstance(dispatched, tuple) else int(dispatched),  # Dispatched or a count
        dispatch_bucket=buckets["dispatch"],
        worker_bucket=buckets["worker"],
        pump_bucket=buckets["pump"],
        delivery=delivery,
        send_log=SendLog(settings.send_log_table).counts(edition.id),
        edition_status=stored.status.value if stored else "missing",
        cost=cost,
        rerun_batches=meter.buckets["rerun"].requests["sqs.SendMessageBatch"],
        rerun_mailed=meter.composed - cost.composed,
        rerun_wall=rerun_span.wall,
    )


# ---------------------------------------------------------------- part 2: pacing


@dataclass
class Paced:
    rate: float
    messages: int
    wall: float
    achieved: float
    per_second: list[int]
    sliding_max: int  # the most SES requests in any 1-s window, by the time each left the client
    replies_max: int  # ... by the time each accepted reply came back
    pacer_takes: int
    pacer_waits: int
    pacer_wall: float
    lag: list[float] | None  # seconds from each message's moment to its SES request leaving
    problems: list[str]

    @property
    def max(self) -> int:
        return max(self.per_second)

    @property
    def above(self) -> int:
        return sum(count > math.floor(self.rate) for count in self.per_second)

    @property
    def ceiling(self) -> float:
        """The most the pacer hands out: one moment every (1 + MARGIN) / rate seconds."""
        return self.rate / (1 + MARGIN)


def per_second(stamps: Sequence[float]) -> list[int]:
    """Messages in each whole (epoch-aligned) second from the first to the last: an extra view;
    the pacer's promise is about every sliding second (``max_in_window``)."""
    counts = Counter(int(t) for t in stamps)
    return [counts.get(s, 0) for s in range(min(counts), max(counts) + 1)] if counts else [0]


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))] if ordered else float("nan")


def paced(aws: LocalAws, meter: Meter, edition: Edition, rate: float, n_messages: int, seed: int) -> Paced:
    reset(aws.endpoint)
    settings = use_rate(rate)
    create_stack(settings)
    store_edition(settings, edition)
    readers = load_readers(settings, [readers_csv(n_messages, 0, random.Random(seed), prefix=f"r{rate:g}-")])
    meter.reset()
    with meter.bucket("pacing"):
        service.dispatch(settings, edition.id)
        start = time.perf_counter()
        drain(queue_url(settings.send_queue_url, "send"), meter.send_handler, function_name="SendWorkerFunction")
        wall = time.perf_counter() - start
    stamps = list(meter.ses_sent)
    eligible = {r.id for r in readers if wanted(r, edition)}
    delivery = check_delivery(aws.endpoint, settings, edition.id, readers, eligible)
    span = stamps[-1] - stamps[0] if len(stamps) > 1 else float("nan")
    window = max_in_window(stamps, 1.0)
    problems = list(delivery.problems)
    if window > math.floor(rate):
        problems.append(f"a sliding 1-s window held {window} SES requests, above the rate {rate:g}")
    return Paced(
        rate=rate,
        messages=len(stamps),
        wall=wall,
        achieved=(len(stamps) - 1) / span if span else float("nan"),
        per_second=per_second(stamps),
        sliding_max=window,
        replies_max=max_in_window(meter.ses_replied, 1.0),
        pacer_takes=meter.pacer_takes,
        pacer_waits=meter.pacer_waits,
        pacer_wall=meter.pacer_wall,
        lag=[t - g for g, t in zip(meter.granted, stamps, strict=True)]
        if len(meter.granted) == len(stamps)
        else None,  # a throttled call would take a second moment: no pairing then
        problems=problems,
    )


# ---------------------------------------------------------------- report


def ms(seconds: float, n: int) -> str:
    return f"{seconds / n * 1000:.2f}" if n else "—"


def share(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole else "—"


def report(args: argparse.Namespace, e2e: EndToEnd, pacing: list[Paced], setup: dict[str, float]) -> None:
    out = print
    n = e2e.eligible
    cost = e2e.cost
    load = os.getloadavg()[0]
    out("## Sending on the local stack (benchmarks/bench_send.py)\n")
    out(
        "Reproduce: `python benchmarks/bench_send.py` (`--quick`: 1,000 readers and 100 messages per rate; "
        "`--readers N`). One process: the moto server (`LocalAws`, as `digest demo` starts it) runs in threads "
        f"of the process that runs dispatch and the send workers; Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, load average {setup['load']:.1f} at the start and {load:.1f} at the end (other "
        "processes on the machine slow every figure here). Set-up (not timed below): stack from "
        f"`template.yaml` {setup['stack']:.1f} s, the sample site (`sample/site.json`) ingested over HTTP, built, "
        f"rendered and approved {setup['edition']:.1f} s, {e2e.readers:,} readers imported {e2e.load_seconds:.1f} s.\n"
    )
    if e2e.readers < TARGET_READERS:
        per_reader = (e2e.dispatch.wall + e2e.send.wall) / max(n, 1)
        out(
            f"**{n:,} readers, not {TARGET_READERS:,}**"
            f"{' (default)' if not args.readers and not args.quick else ''}: at the rate measured below "
            f"{TARGET_READERS:,} readers would take about {TARGET_READERS * per_reader / 60:.0f} min for dispatch and "
            "sending alone. The time is the moto server's: see *where the time goes*. The default runs it.\n"
        )

    if setup["emf_lines"]:
        out(
            f"The send workers printed {setup['emf_lines']:.0f} CloudWatch EMF lines on standard output although "
            "`POWERTOOLS_METRICS_DISABLED=true` (Powertools flushes a metric at its 100th value without looking at "
            "that setting, and, disabled, never clears it at the end of an invocation): `digest edition send` on a "
            "local stack prints the same before its JSON from about 5,000 readers (100 batches) on. Captured here.\n"
        )

    # 1 ------------------------------------------------------------------------------------------
    out(f"### 1. End to end: {n:,} readers through SQS and SES (moto), `SEND_RATE={UNPACED:,}`\n")
    ineligible = ", ".join(f"{v} {k}" for k, v in sorted(e2e.ineligible.items()))
    out(
        f"Readers: {e2e.readers:,} imported (`sample/subscribers.csv` and generated: names in many scripts, quotes, "
        f"emoji, no name; {e2e.variants} section choices; time zones), of whom must get nothing: {ineligible}, and "
        f"{e2e.late_unsubscribed} who unsubscribed (one-click) after dispatch queued them. Edition: the demo's, "
        f"{e2e.stories} stories. Pacing was not the limit: the pacer (one item, `pace#send`) gave "
        f"{cost.pacer_takes:,} moments for {cost.composed:,} messages (a conditional DynamoDB update each), "
        f"{cost.pacer_waits:,} of them ahead of the clock so the worker slept until they came "
        f"({cost.pacer_wall:.1f} s in `Pacer.acquire`, its round trips included).\n"
    )
    total_wall = e2e.dispatch.wall + e2e.send.wall
    dispatch_requests = sum(e2e.dispatch_bucket.requests.values())
    send_requests = sum(e2e.worker_bucket.requests.values()) + sum(e2e.pump_bucket.requests.values())
    dispatch_client = e2e.dispatch.thread + e2e.dispatch_bucket.aws_cpu
    send_client = e2e.send.thread
    out("| phase | wall s | share of wall | readers/s | process CPU s | moto server CPU s | AWS requests "
        "| requests per reader |")  # fmt: skip
    out("|---|---|---|---|---|---|---|---|")
    rows = [
        ("dispatch (`mail/service.dispatch`, 8 threads)", e2e.dispatch, e2e.dispatch.process - dispatch_client,
         dispatch_requests, e2e.queued),
        ("send workers (queue pump + `send_worker.handler`)", e2e.send, e2e.send.process - send_client,
         send_requests, n),
    ]  # fmt: skip
    for label, span, server, requests, count in rows:
        out(
            f"| {label} | {span.wall:.1f} | {share(span.wall, total_wall)} | {count / span.wall:,.1f} "
            f"| {span.process:.1f} | {server:.1f} | {requests:,} | {requests / max(count, 1):.2f} |"
        )
    out(
        f"| **end to end** | **{total_wall:.1f}** | 100% | **{n / total_wall:,.1f} messages/s** "
        f"| {e2e.dispatch.process + e2e.send.process:.1f} "
        f"| {e2e.dispatch.process - dispatch_client + e2e.send.process - send_client:.1f} "
        f"| {dispatch_requests + send_requests:,} | {(dispatch_requests + send_requests) / max(n, 1):.2f} |"
    )
    verdict = "**FAILED**: " + "; ".join(e2e.delivery.problems) if e2e.delivery.problems else "passed"
    out(
        f"\nChecked against what SES (moto) received (`received_messages`, moto's `/moto-api/data.json`, "
        f"{e2e.delivery.seconds:.1f} s): {verdict} — {e2e.delivery.messages:,} messages of this edition; each of the "
        f"{n:,} eligible readers exactly one, its List-Unsubscribe link signed for that reader; none of the "
        f"{e2e.readers - n:,} others. Send log after the run: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(e2e.send_log.items()))
        + f". Then `send_all` once more, as re-running `digest edition send` would ({e2e.rerun_wall:.1f} s; the "
        f"check above ran after it): it put {e2e.rerun_batches} batches on the send queue, mailed "
        f"{e2e.rerun_mailed}, and left the edition `{e2e.edition_status}`."
    )
    if e2e.send_log.get("queued") or e2e.edition_status != "sent":
        out(f"\n**FAILED**: the send did not finish: {e2e.send_log.get('queued', 0)} send-log rows still *queued*, "
            f"edition `{e2e.edition_status}` (readers who leave after dispatch must end *skipped*).")  # fmt: skip

    # where the time goes
    by_operation = e2e.dispatch_bucket.requests + e2e.worker_bucket.requests + e2e.pump_bucket.requests
    out("\n**Where the time goes.** AWS requests per message (botocore `after-call` hooks on the real clients):\n")
    out("| request | dispatch | send worker | queue pump | per message |")
    out("|---|---|---|---|---|")
    for operation, count in by_operation.most_common():
        out(
            f"| {operation} | {e2e.dispatch_bucket.requests[operation]:,} | {e2e.worker_bucket.requests[operation]:,} "
            f"| {e2e.pump_bucket.requests[operation]:,} | {count / max(n, 1):.2f} |"
        )
    server = e2e.dispatch.process - dispatch_client + e2e.send.process - send_client
    requests = dispatch_requests + send_requests
    closed = e2e.dispatch_bucket.closed + e2e.worker_bucket.closed + e2e.pump_bucket.closed
    client_cpu = e2e.dispatch_bucket.aws_cpu + e2e.worker_bucket.aws_cpu + e2e.pump_bucket.aws_cpu
    out(
        f"\nThe moto server (threads of this process) used {share(server, e2e.dispatch.process + e2e.send.process)} "
        f"of the CPU, {server / max(requests, 1) * 1000:.1f} ms a request; the client side (boto3/botocore, "
        f"HTTP) {client_cpu / max(requests, 1) * 1000:.1f} ms a request. The moto server answered "
        f"{share(closed, requests)} of the requests with `Connection: close`, so each opened a new TCP connection. "
        "One worker sends one message at a time (claim, pacer moment, SES, mark sent: 4 round trips), so the rate "
        "is one over the sum of those round trips on this machine, not a property of the send path."
    )

    # 2 ------------------------------------------------------------------------------------------
    ceiling = n / e2e.send.wall if e2e.send.wall else float("nan")
    out("\n### 2. Pacing accuracy (`SEND_RATE`, one worker as `send_all` runs it, fresh stack per rate)\n")
    out("| SEND_RATE | messages | wall s | achieved msg/s | ceiling rate÷1.1 | **max in any 1-s window** "
        "| max in a 1-s window by SES reply | max per calendar second | calendar seconds above the rate "
        "| moments taken / slept for | moment → request ms p50 / max |")  # fmt: skip
    out("|---|---|---|---|---|---|---|---|---|---|---|")
    for p in pacing:
        lag = "—" if not p.lag else f"{percentile(p.lag, 0.5) * 1000:.1f} / {max(p.lag) * 1000:.1f}"
        out(
            f"| {p.rate:g} | {p.messages} | {p.wall:.1f} | {p.achieved:.1f} ({p.achieved / p.rate:.0%}) "
            f"| {p.ceiling:.1f} | **{p.sliding_max}** ({p.sliding_max / p.rate:.2f}×) | {p.replies_max} "
            f"| {p.max} | {p.above} of {len(p.per_second)} | {p.pacer_takes} / {p.pacer_waits} | {lag} |"
        )
    out(
        "\nThe pacer (`store/pacing.py`) hands out moments (1 + MARGIN) ÷ rate apart "
        f"(MARGIN {MARGIN:g}) from one DynamoDB item, and a worker sends only within GRACE ({GRACE * 1000:.0f} ms) "
        "of its moment, else takes another: so every sliding second, however aligned, holds at most the rate, "
        "and a steady send runs at most at rate ÷ (1 + MARGIN) (the *ceiling* column). "
        "Times: `time.time()` as each SES request left the real SES client (botocore `before-send` hook on "
        "`once_client`, the client editions go through); the 1-s window slides over them (`max_in_window`, "
        "half-open); *by SES reply* uses the `after-call` stamps of accepted replies instead. *Achieved*: "
        "(messages − 1) ÷ the time from the first SES request to the last. The calendar-second columns are an "
        "extra view (whole epoch seconds, first and last partial). *Moments taken / slept for*: `Pacer._take` "
        "calls (more than the messages when a worker woke past its moment's grace and took another) and how "
        "many of them lay ahead of the clock. *Moment → request*: from the moment the pacer gave to the SES "
        "request leaving (the pace item's round trip, the sleep's overshoot and botocore's request building); "
        f"a window can only overflow if this passes MARGIN × 1 s ({MARGIN * 1000:.0f} ms: GRACE for waking, "
        f"{(MARGIN - GRACE) * 1000:.0f} ms for the trip to SES)."
    )
    if pacing:
        bars = pacing_chart([p.rate for p in pacing], {"achieved msg/s": [p.achieved for p in pacing],
                                                       "max per calendar second": [p.max for p in pacing],
                                                       "max in any 1-s window": [p.sliding_max for p in pacing]})
        lines = pacing_per_second_chart([(p.rate, p.per_second) for p in pacing])
        out(f"\n![The rate against what SES saw](charts/{bars.name}) "
            f"![SES requests in each second](charts/{lines.name})")  # fmt: skip
    for p in pacing:
        if p.pacer_waits == 0:
            out(
                f"\nAt {p.rate:g} msg/s the pacer never had to wait: one worker on this stack tops out near "
                f"{ceiling:.0f} msg/s (part 1), so that row measures the stack, not the pacer."
            )
        if p.problems:
            out(f"\nAt {p.rate:g} msg/s **FAILED**: {'; '.join(p.problems)}")

    # 3 ------------------------------------------------------------------------------------------
    out(f"\n### 3. CPU per message in the send worker ({cost.composed:,} messages, part 1)\n")
    worker = cost.worker_cpu
    aws_cpu = e2e.worker_bucket.aws_cpu
    rest = worker - aws_cpu - cost.compose_cpu
    pump_cpu = e2e.send.thread - worker
    out("| piece | CPU ms per message | share of the worker's CPU |")
    out("|---|---|---|")
    out(f"| composing the personalised MIME (`compose()`, as `mail/service.py` calls it) "
        f"| **{ms(cost.compose_cpu, cost.composed)}** | **{share(cost.compose_cpu, worker)}** |")  # fmt: skip
    out(f"| AWS calls, client side (boto3/botocore: build, sign, HTTP, parse) | {ms(aws_cpu, cost.composed)} "
        f"| {share(aws_cpu, worker)} |")  # fmt: skip
    out(f"| the rest of the worker (Powertools batch, readers, signed links, variants, send log logic) "
        f"| {ms(rest, cost.composed)} | {share(rest, worker)} |")  # fmt: skip
    out(f"| **send worker in all** (`send_worker.handler`, its thread's CPU) | **{ms(worker, cost.composed)}** "
        "| 100% |")  # fmt: skip
    out(f"| queue pump (SQS receive/delete: Lambda's event source mapping) | {ms(pump_cpu, cost.composed)} | — |")
    out(f"| moto server, in this process (SQS, DynamoDB, SES: parse, store, reply) "
        f"| {ms(e2e.send.process - e2e.send.thread, cost.composed)} | — |")  # fmt: skip
    out(f"| **process in all during sending** | **{ms(e2e.send.process, cost.composed)}** | — |")
    out(
        f"\nThe worker's CPU is `time.thread_time()` of the thread it runs in: its own code and the client side of its "
        f"{sum(e2e.worker_bucket.requests.values()) / max(cost.composed, 1):.1f} AWS requests a message, but not "
        "the moto server, which answers them in other threads (on AWS that work is SES's and DynamoDB's). Compose "
        "is measured the same way around each call (the server is idle meanwhile, so it is the process's CPU "
        f"too). The same {cost.composed:,} `compose()` calls replayed one after another, as bench_mail.py times "
        f"them: {ms(cost.replay_cpu, cost.composed)} ms each; in the worker each runs cold, between AWS calls. "
        f"Worker wall time: {ms(cost.worker_wall, cost.composed)} ms a message, of which its own CPU "
        f"{share(worker, cost.worker_wall)}."
    )


# ---------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help=f"{QUICK_READERS:,} readers, 100 messages per rate")
    ap.add_argument("--readers", type=int, help=f"eligible readers for part 1 (default {DEFAULT_READERS:,})")
    ap.add_argument("--rates", default=",".join(f"{r:g}" for r in RATES), help="SEND_RATE values for part 2")
    ap.add_argument("--pace-messages", type=int, help="messages per rate in part 2 (default 200; --quick 100)")
    args = ap.parse_args(argv)
    n_readers = args.readers or (QUICK_READERS if args.quick else DEFAULT_READERS)
    n_paced = args.pace_messages or (100 if args.quick else 200)
    rates = [float(r) for r in args.rates.split(",") if r.strip()]

    meter = Meter()
    meter.install()
    aws = LocalAws().start()
    # What the product prints goes to stderr, not into the Markdown: Powertools prints a CloudWatch EMF
    # line on stdout at every 100th value of a metric, even with POWERTOOLS_METRICS_DISABLED=true.
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            settings = get_settings()
            start = time.perf_counter()
            load = os.getloadavg()[0]
            create_stack(settings)
            setup = {"stack": time.perf_counter() - start, "load": load}
            edition, setup["edition"] = demo_edition(settings)
            hook_clients(meter, settings)
            e2e = end_to_end(aws, meter, edition, n_readers)
            pacing = [paced(aws, meter, edition, rate, n_paced, SEED + i) for i, rate in enumerate(rates)]
    finally:
        aws.stop()
        sys.stderr.write(printed.getvalue())
    setup["emf_lines"] = sum(line.startswith('{"_aws"') for line in printed.getvalue().splitlines())
    report(args, e2e, pacing, setup)
    unfinished = bool(e2e.send_log.get("queued")) or e2e.edition_status != "sent"
    failed = e2e.delivery.problems or unfinished or any(p.problems for p in pacing)
    if failed:
        print("\nbench_send: delivery check failed", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
