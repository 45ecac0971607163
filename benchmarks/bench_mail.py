"""Speed benchmark for the Friday email: rendering an edition, and composing personalised MIME messages.

    python benchmarks/bench_mail.py [--quick] [--readers N] [--mjml PATH]

Prints one Markdown section:

1. Rendering (``render_edition``: Jinja2, MJML → HTML with MRML, the size gate) of an edition built
   from the bundled sample site (``sample/site.json``), for the full edition and each section variant
   the readers chose; the same MJML through npm ``mjml`` when node and the package are there.
2. Composing one personalised message per reader for 100,000 readers (varied names, scripts, quotes,
   emoji, no name; seven section variants; real signed unsubscribe/preferences links) in one process
   pinned to one core, with wall and CPU time, side by side with

   * the old ``compose()`` (an ``EmailMessage`` built per reader; kept here as ``old_compose``),
   * the naive way: ``render_edition`` (MJML from scratch) plus the old compose for every reader,
   * npm ``mjml`` rendering each reader's MJML (a persistent node process when the package can be
     required, else the CLI per reader), only where it is installed: ``--mjml PATH`` (the CLI),
     ``.venv/node_modules/.bin/mjml`` or ``npx --no-install mjml``; this script installs nothing.

   The slow paths are timed on a few hundred readers (a few for npm) and extrapolated to 100,000.
   A sample of messages is parsed back and checked against the old path's bodies.
"""

from __future__ import annotations

import argparse
import email
import html
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "functions"))

import mjml  # noqa: E402

from digest.mail.compose import Envelope, Letter, Reader, compose, message_template  # noqa: E402
from digest.models import SECTION_TITLES, Edition, EditionSection, Kind, Section, Story, StoryArticle  # noqa: E402
from digest.render import edition as edition_module  # noqa: E402
from digest.render.edition import (  # noqa: E402
    PREFERENCES_URL,
    READER_NAME,
    UNSUBSCRIBE_URL,
    Branding,
    RenderedEdition,
    render_edition,
)
from digest.settings import Settings  # noqa: E402
from digest.tokens import Purpose, make_token  # noqa: E402

LAYOUTS = REPO / "layouts"
SITE = REPO / "sample" / "site.json"
TZ = "Europe/London"
API = "https://api.fridaydigest.example"
ARCHIVE = "https://archive.fridaydigest.example"
WINDOW_END = datetime(2026, 11, 27, 7, tzinfo=UTC)
SEED = 20261127
TARGET = 5_000  # composed messages per second per core
ENVELOPE = Envelope(
    "digest@fridaydigest.example", "The Friday Digest", "The Friday Digest <weekly.fridaydigest.example>", "2026-W48"
)
Variant = frozenset[Section] | None
# Section choices and how many readers make them (None: everything, the default)
VARIANTS: tuple[tuple[Variant, int], ...] = (
    (None, 70),
    (frozenset({Section.lead, Section.top, Section.analysis}), 8),
    (frozenset({Section.lead, Section.top}), 6),
    (frozenset({Section.lead, Section.features}), 5),
    (frozenset({Section.top, Section.more}), 4),
    (frozenset({Section.lead, Section.top, Section.features, Section.analysis}), 4),
    (frozenset({Section.analysis}), 3),
)


# ---------------------------------------------------------------- the old path, for comparison


def old_compose(letter: Letter, reader: Reader, envelope: Envelope, *, now: datetime | None = None) -> bytes:
    """``digest.mail.compose.compose`` before the template: personalise, then an EmailMessage per reader."""
    name = reader.name or "reader"
    html_values = {
        READER_NAME: html.escape(name),
        UNSUBSCRIBE_URL: html.escape(reader.unsubscribe_url, quote=True),
        PREFERENCES_URL: html.escape(reader.preferences_url, quote=True),
    }
    text_values = {READER_NAME: name, UNSUBSCRIBE_URL: reader.unsubscribe_url, PREFERENCES_URL: reader.preferences_url}
    body_html, body_text = letter.html, letter.text
    for placeholder, value in html_values.items():
        body_html = body_html.replace(placeholder, value)
    for placeholder, value in text_values.items():
        body_text = body_text.replace(placeholder, value)
    message = EmailMessage(policy=SMTP)
    message["From"] = Address(envelope.sender_name, addr_spec=envelope.sender)
    message["To"] = Address(reader.name or "", addr_spec=reader.email)
    message["Subject"] = letter.subject
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=envelope.sender.rpartition("@")[2])
    message["List-Id"] = envelope.list_id
    message["List-Unsubscribe"] = f"<{reader.unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["X-Digest-Edition"] = envelope.edition_id
    message.set_content(body_text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(body_html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message.as_bytes()


# ---------------------------------------------------------------- the edition and its readers


def build_edition() -> Edition:
    """A full week from the sample site: stories are the site's story groups, led by the top outlet."""
    site = json.loads(SITE.read_text(encoding="utf-8"))
    outlets = {o["slug"]: o for o in site["outlets"]}
    start = WINDOW_END - timedelta(days=7)
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in site["articles"]:
        groups.setdefault(row["story"] or row["slug"], []).append(row)

    def article(row: dict[str, Any]) -> StoryArticle:
        base = f"https://{row['outlet']}.example.com"
        return StoryArticle(
            id=f"{row['outlet']}-{row['slug']}",
            url=f"{base}/2026/11/{row['slug']}?utm_source=rss&ref=feed",
            title=row["title"],
            source=outlets[row["outlet"]]["name"],
            published=start + timedelta(days=row["day"], hours=row["hour"]),
            image=f"{base}/images/{row['slug']}.jpg" if row["image"] else None,
        )

    stories = []
    for key, rows in groups.items():
        rows.sort(key=lambda r: -outlets[r["outlet"]]["authority"])
        lead = rows[0]
        stories.append(
            Story(
                id=key,
                headline=lead["title"],
                summary=f"{lead['summary']} {lead['paragraphs'][0]}",
                kind=Kind(lead["kind"]),
                score=len(rows) + outlets[lead["outlet"]]["authority"],
                lead=article(lead),
                also=[article(r) for r in rows[1:]],
                outlets=len(rows),
            )
        )
    stories.sort(key=lambda s: -s.score)
    news = [s for s in stories if s.kind is Kind.news]
    sections = {
        Section.lead: news[:1],
        Section.top: news[1:7],
        Section.features: [s for s in stories if s.kind is Kind.feature][:4],
        Section.analysis: [s for s in stories if s.kind in (Kind.analysis, Kind.opinion)][:4],
        Section.more: news[7:],
    }
    return Edition(
        id="2026-W48",
        number=48,
        window_start=start,
        window_end=WINDOW_END,
        sections=[EditionSection(key=k, title=SECTION_TITLES[k], stories=v) for k, v in sections.items()],
        article_count=len(site["articles"]),
    )


FIRST = ["Ada", "Grace", "Alan", "Katherine", "Tom", "Erik", "Maria", "John", "Priya", "Kwame", "Mei", "Liam", "Olivia"]
LAST = ["Lovelace", "Hopper", "Turing", "Johnson", "Ferrier", "Sandvold", "Garcia", "Smith", "Patel", "Mensah", "Chen"]
ACCENTED = [
    "Zoë Ångström",
    "Łukasz Wiśniewski",
    "José Núñez",
    "Søren Kierkegård",
    "Françoise Dürr",
    "Ilse Müller-Lüdenscheidt",
    "Zoltán Kovács",
    "Nguyễn Văn An",
]
SCRIPTS = ["محمد الأحمد", "דוד לוי", "李小龍", "Дмитрий Иванов", "Γιώργος Παπαδόπουλος", "山田 さくら", "김민준"]
TRICKY = ["O'Brien, Pat", 'Dr. Jane "JJ" Doe', "Smith, John (Jr.)", "<b>Bold</b> Reader", "Anne-Marie St. Clair"]
EMOJI = ["Sam 🚀", "🌊 Marina", "Alex 👩🏽‍💻"]


@dataclass(frozen=True)
class Recipient:
    reader: Reader
    variant: Variant


def make_readers(n: int, seed: int = SEED) -> tuple[list[Recipient], Counter[str]]:
    rng = random.Random(seed)
    key = "bench-token-key"
    kinds: Counter[str] = Counter()
    variants, weights = zip(*VARIANTS, strict=True)
    out = []
    for i in range(n):
        roll = rng.random()
        kind, name = (
            ("ASCII", f"{rng.choice(FIRST)} {rng.choice(LAST)}")
            if roll < 0.55
            else ("accented Latin", rng.choice(ACCENTED))
            if roll < 0.70
            else ("other scripts", rng.choice(SCRIPTS))
            if roll < 0.78
            else ("quotes, commas, dots", rng.choice(TRICKY))
            if roll < 0.83
            else ("emoji", rng.choice(EMOJI))
            if roll < 0.85
            else ("no name", None)
        )
        kinds[kind] += 1
        subscriber = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        local = (name or "reader").split()[0].lower() if name and name.isascii() else "reader"
        reader = Reader(
            email=f"{''.join(c for c in local if c.isalnum()) or 'reader'}.{i}@mail{i % 7}.example.net",
            name=name,
            unsubscribe_url=f"{API}/unsubscribe/{make_token(key, Purpose.unsubscribe, subscriber)}",
            preferences_url=f"{API}/preferences/{make_token(key, Purpose.preferences, subscriber)}",
        )
        out.append(Recipient(reader, rng.choices(variants, weights)[0]))
    return out, kinds


# ---------------------------------------------------------------- measuring


def pin_one_core() -> str:
    """Pin this process (and any child) to one CPU, so 'per core' means one core."""
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):
        return "not pinned (no sched_setaffinity here)"


@dataclass
class Timing:
    n: int
    wall: float
    cpu: float
    note: str = ""

    @property
    def per_second_cpu(self) -> float:
        return self.n / self.cpu if self.cpu else float("nan")

    @property
    def per_second_wall(self) -> float:
        return self.n / self.wall if self.wall else float("nan")


def timed(n: int, fn: Callable[[], object]) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return Timing(n, time.perf_counter() - wall, time.process_time() - cpu)


def median_ms(fn: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def render(edition: Edition, branding: Branding, variant: Variant) -> RenderedEdition:
    return render_edition(
        edition,
        branding,
        layouts_dir=LAYOUTS,
        timezone=TZ,
        view_online_url=f"{ARCHIVE}/{edition.id}/",
        sections=variant,
    )


def capture_mjml(edition: Edition, branding: Branding, variant: Variant) -> tuple[RenderedEdition, str]:
    """Render ``variant``, keeping the MJML source the renderer handed to MRML (the last one kept)."""
    sources: list[str] = []
    real = edition_module.mjml_to_html

    def spy(source: str) -> str:
        sources.append(source)
        return real(source)

    edition_module.mjml_to_html = spy  # type: ignore[assignment]
    try:
        rendered = render(edition, branding, variant)
    finally:
        edition_module.mjml_to_html = real  # type: ignore[assignment]
    return rendered, sources[-1]


def personal_mjml(source: str, reader: Reader) -> str:
    values = {
        READER_NAME: html.escape(reader.name or "reader"),
        UNSUBSCRIBE_URL: html.escape(reader.unsubscribe_url),
        PREFERENCES_URL: html.escape(reader.preferences_url),
    }
    for placeholder, value in values.items():
        source = source.replace(placeholder, value)
    return source


# ---------------------------------------------------------------- npm mjml (only if installed)

NODE_SERVER = r"""
const mjml2html = require(process.argv[1]);
const rl = require('readline').createInterface({input: process.stdin, terminal: false});
rl.on('line', async (line) => {
  const out = await Promise.resolve(mjml2html(JSON.parse(line), {validationLevel: 'skip'}));
  process.stdout.write(JSON.stringify(out.html.length) + '\n');
});
"""


@dataclass
class NpmMjml:
    how: str  # "module" (persistent node process) or "cli" (one process per render)
    command: list[str]
    version: str
    module: Path | None = None


def find_npm_mjml(explicit: Path | None) -> tuple[NpmMjml | None, str]:
    node = shutil.which("node")
    if not node:
        return None, "node not found"
    candidates = [explicit] if explicit else [REPO / ".venv" / "node_modules" / ".bin" / "mjml"]
    for cli in candidates:
        if cli and cli.exists():
            version = _run([str(cli), "--version"])
            module = cli.resolve().parent.parent  # node_modules/.bin/mjml -> node_modules/mjml/bin/mjml
            if (module / "package.json").exists():
                version = json.loads((module / "package.json").read_text()).get("version", version)
                return NpmMjml("module", [node, "-e", NODE_SERVER, str(module)], version or "?", module), ""
            return NpmMjml("cli", [str(cli), "-i", "-s"], version or "?"), ""
    npx = shutil.which("npx")
    if npx and (version := _run([npx, "--no-install", "mjml", "--version"])):
        return NpmMjml("cli", [npx, "--no-install", "mjml", "-i", "-s"], version), ""
    return None, f"node {_run([node, '--version']) or '?'} found, the npm mjml package is not installed"


def _run(command: list[str]) -> str:
    """The first version number ``command`` prints ("" if it fails)."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    found = re.search(r"\d+\.\d+\.\d+", done.stdout) if done.returncode == 0 else None
    return found.group() if found else ""


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a live child process (Linux /proc), or 0."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def npm_render(tool: NpmMjml, sources: Sequence[str]) -> Timing:
    """Render each source with npm mjml; CPU time is the node process's (its startup excluded)."""
    if tool.how == "module":
        proc = subprocess.Popen(tool.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert proc.stdin and proc.stdout
        proc.stdin.write(json.dumps(sources[0]) + "\n")  # warm-up: module load and JIT
        proc.stdin.flush()
        proc.stdout.readline()
        wall, cpu = time.perf_counter(), _proc_cpu(proc.pid)
        for source in sources:
            proc.stdin.write(json.dumps(source) + "\n")
            proc.stdin.flush()
            if int(proc.stdout.readline()) < 1000:
                raise RuntimeError("npm mjml returned no HTML")
        timing = Timing(len(sources), time.perf_counter() - wall, _proc_cpu(proc.pid) - cpu, "in one node process")
        proc.stdin.close()
        proc.wait(timeout=30)
        return timing
    before = os.times()
    wall = time.perf_counter()
    for source in sources:
        subprocess.run(tool.command, input=source, capture_output=True, text=True, check=True)
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return Timing(len(sources), time.perf_counter() - wall, cpu, "CLI: a node process per reader")


# ---------------------------------------------------------------- checks


def check_sample(recipients: Sequence[Recipient], letters: dict[Variant, Letter]) -> tuple[int, int]:
    """Parse fast-path messages back; their bodies must equal the old path's. Returns (checked, longest line)."""
    longest = 0
    for r in recipients:
        fast = compose(letters[r.variant], r.reader, ENVELOPE)
        old = old_compose(letters[r.variant], r.reader, ENVELOPE)
        longest = max(longest, max(len(line) for line in fast.split(b"\r\n")))
        a = email.message_from_bytes(fast, policy=policy.default)
        b = email.message_from_bytes(old, policy=policy.default)
        for kind in ("plain", "html"):
            part_a, part_b = a.get_body((kind,)), b.get_body((kind,))
            assert part_a is not None and part_b is not None
            if part_a.get_content() != part_b.get_content():
                raise AssertionError(f"{kind} body differs from the old path for {r.reader.email}")
        assert a["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    return len(recipients), longest


# ---------------------------------------------------------------- report


def fmt_rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.2f}"


def fmt_duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20,000 readers, fewer slow-path samples")
    ap.add_argument("--readers", type=int, help="readers for the fast path (default 100,000; --quick 20,000)")
    ap.add_argument("--mjml", type=Path, help="npm mjml CLI to compare with (default: .venv/node_modules/.bin/mjml)")
    args = ap.parse_args(argv)
    n_readers = args.readers or (20_000 if args.quick else 100_000)
    n_old, n_naive, n_npm, reps = (200, 30, 5, 3) if args.quick else (1_000, 200, 20, 7)
    pinned = pin_one_core()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    branding = Branding.from_settings(
        Settings(), privacy_policy_url=f"{ARCHIVE}/privacy", support_url=f"{ARCHIVE}/support", archive_url=ARCHIVE
    )
    edition = build_edition()
    recipients, kinds = make_readers(n_readers)
    variants = sorted({r.variant for r in recipients}, key=lambda v: (v is not None, sorted(v or ())))

    # 1. rendering, once per variant
    full, full_mjml = capture_mjml(edition, branding, None)
    render_full_ms = median_ms(lambda: render(edition, branding, None), reps)
    mrml_ms = median_ms(lambda: mjml.mjml2html(full_mjml, fonts={}), reps)
    letters: dict[Variant, Letter] = {}
    sources: dict[Variant, str] = {}
    variant_ms = []
    for variant in variants:
        start = time.perf_counter()
        rendered, sources[variant] = capture_mjml(edition, branding, variant)
        variant_ms.append((time.perf_counter() - start) * 1000)
        letters[variant] = Letter(rendered.subject, rendered.html, rendered.text)
    message_template.cache_clear()
    start = time.perf_counter()
    for letter in letters.values():
        message_template(letter, ENVELOPE)
    templates_ms = (time.perf_counter() - start) * 1000

    # 2. composing: the fast path for every reader, templates built inside the timed loop
    message_template.cache_clear()
    sizes = [0]

    def fast() -> None:
        total = 0
        for r in recipients:
            total += len(compose(letters[r.variant], r.reader, ENVELOPE))
        sizes[0] = total

    fast_t = timed(n_readers, fast)
    old_t = timed(n_old, lambda: [old_compose(letters[r.variant], r.reader, ENVELOPE) for r in recipients[:n_old]])

    def naive() -> None:
        for r in recipients[:n_naive]:
            rendered = render(edition, branding, r.variant)
            old_compose(Letter(rendered.subject, rendered.html, rendered.text), r.reader, ENVELOPE)

    naive_t = timed(n_naive, naive)
    tool, why_not = find_npm_mjml(args.mjml)
    npm_t: Timing | None = None
    npm_full_ms: float | None = None
    if tool:
        sample = recipients[:n_npm]
        npm_t = npm_render(tool, [personal_mjml(sources[r.variant], r.reader) for r in sample])
        npm_full_ms = npm_render(tool, [full_mjml] * reps).wall / reps * 1000
    checked, longest = check_sample(recipients[:: max(1, n_readers // 200)], letters)

    # report
    out = print
    out("## The Friday email (benchmarks/bench_mail.py)\n")
    out(
        "Reproduce: `python benchmarks/bench_mail.py` (`--quick`: 20,000 readers and fewer slow-path samples). "
        f"One process {pinned}, Python {sys.version.split()[0]}, load average {load:.1f} at the start on "
        f"{os.cpu_count()} CPUs; CPU time is `time.process_time()` (the node process's own for npm mjml).\n"
    )
    stories = {s.key.value: len(s.stories) for s in edition.sections}
    out(
        f"Edition: built from `sample/site.json`: {sum(stories.values())} stories "
        f"({', '.join(f'{k} {v}' for k, v in stories.items())}), "
        f"{len(full.html.encode()) / 1024:.0f} KB of HTML (one line of "
        f"{max(len(line) for line in full.html.splitlines()):,} characters), "
        f"{len(full.text.encode()) / 1024:.0f} KB of text"
        f"{f', {len(full.dropped)} briefs dropped by the size gate' if full.dropped else ''}. "
        f"Readers: {n_readers:,} over {len(variants)} section variants; names "
        + ", ".join(f"{k} {v / n_readers:.0%}" for k, v in kinds.most_common())
        + "; real signed unsubscribe and preferences links.\n"
    )
    out("### Rendering, once per edition variant\n")
    out("| step | ms |")
    out("|---|---|")
    out(f"| `render_edition`, full edition (Jinja2, MJML → HTML with MRML, size gate), median of {reps} "
        f"| {render_full_ms:.1f} |")  # fmt: skip
    out(f"| of which MJML → HTML (`mjml-python`/MRML), median of {reps} | {mrml_ms:.1f} |")
    if npm_full_ms is not None and tool:
        how = "in one node process" if tool.how == "module" else "CLI, a node process per render"
        out(f"| same MJML with npm mjml {tool.version} ({how}), mean of {reps} | {npm_full_ms:.1f} |")
    else:
        out(f"| same MJML with npm mjml | not measured: {why_not} |")
    out(f"| all {len(variants)} variants the readers chose, rendered once each | {sum(variant_ms):.0f} |")
    out(f"| the {len(variants)} MIME templates (`MessageTemplate`), built once each | {templates_ms:.1f} |")

    out(f"\n### {n_readers:,} personalised MIME messages, one core\n")
    out("| path | readers timed | wall s | CPU s | messages/s/core (CPU) | messages/s (wall) "
        f"| {n_readers:,} readers (CPU) | fast path is |")  # fmt: skip
    out("|---|---|---|---|---|---|---|---|")
    rows: list[tuple[str, Timing | None]] = [
        ("`compose()`: MIME template per variant, per reader only the values and headers encoded", fast_t),
        ("old `compose()`: personalise + `EmailMessage` per reader", old_t),
        ("naive: `render_edition` (MJML from scratch) + old `compose()` per reader", naive_t),
        (
            f"npm mjml {tool.version if tool else ''}: each reader's MJML → HTML ({npm_t.note}; no Jinja2, no MIME)"
            if npm_t
            else "npm mjml: each reader's MJML → HTML",
            npm_t,
        ),
    ]
    for label, t in rows:
        if t is None:
            out(f"| {label} | not measured: {why_not} | | | | | | |")
            continue
        extrapolated = "" if t.n == n_readers else " (extrapolated)"
        ratio = "—" if t is fast_t else f"{fast_t.per_second_cpu / t.per_second_cpu:,.0f}× faster"
        total = n_readers / t.per_second_cpu
        bold = "**" if t is fast_t else ""
        out(
            f"| {label} | {t.n:,} | {t.wall:.2f} | {t.cpu:.2f} | {bold}{fmt_rate(t.per_second_cpu)}{bold} "
            f"| {fmt_rate(t.per_second_wall)} | {fmt_duration(total)}{extrapolated} | {ratio} |"
        )
    verdict = "met" if fast_t.per_second_cpu >= TARGET else "**not met**"
    out(
        f"\nTarget ≥ {TARGET:,} composed messages/s/core: {verdict} "
        f"({fast_t.per_second_cpu:,.0f}/s, {1e6 / fast_t.per_second_cpu:.0f} µs a message; templates built "
        f"inside the timed loop). Average message {sizes[0] / n_readers / 1024:.0f} KB, "
        f"{sizes[0] / fast_t.cpu / 2**20:.0f} MB/s of MIME. Whole send for {n_readers:,} readers on one core: "
        f"render {len(variants)} variants + compose = {sum(variant_ms) / 1000 + fast_t.cpu:.1f} s CPU. "
        f"Checked: {checked} messages parsed back (`policy.default`) with text and HTML bodies identical to "
        f"the old path's; longest line {longest} octets."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
