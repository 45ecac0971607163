"""Speed and quality benchmark for ingest (``digest.ingest``): feeds, page extraction, a fetch run.

    python benchmarks/bench_ingest.py [--quick] [--sources N] [--serial N]

Prints one Markdown section with three parts:

1. ``parse_feed`` on the real-world feeds in ``$DIGEST_SHARED_DATA/feeds-dev/`` (default
   ``<repo>/../shared/data``), timed against ``feedparser.parse`` on the same bytes.
2. ``extract_page`` against trafilatura used directly, on every article page of the bundled sample
   site and on pages laid out like the seed (``shared/seed/*.txt``): speed, token precision/recall
   against the known article text, and boilerplate left in the text.
3. A fetch run of many sources against a loopback HTTP server with seeded latency and a few
   failing sources, through the real ``Fetcher``, ``parse_feed`` and ``_with_page`` (no AWS),
   at 1, 8 and 32 parallel workers.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import math
import os
import random
import re
import statistics
import sys
import threading
import time
import unicodedata
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "functions"))

import feedparser  # noqa: E402
import trafilatura  # noqa: E402

import digest.ingest.extract as extract_module  # noqa: E402
from digest.ingest.extract import DEFAULT_BOILERPLATE, extract_page  # noqa: E402
from digest.ingest.feeds import FeedError, parse_feed  # noqa: E402
from digest.ingest.fetch import Fetcher, FetchError, default_user_agent  # noqa: E402
from digest.ingest.service import PAGE_WORKERS, _with_page  # noqa: E402
from digest.ingest.urls import article_id  # noqa: E402
from digest.local.site import SampleSite, SiteServer  # noqa: E402
from digest.models import Article  # noqa: E402

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)  # fixed, so future-date clamping is reproducible
FEED_SUFFIXES = (".xml", ".json", ".rss", ".atom")
SEED = 20260501
WORKER_COUNTS = (1, 8, 32)
LATENCY_S = (0.05, 0.30)
FETCH_TIMEOUT_S = 2.0
SLOW_S = 2.6  # a "slow" response: longer than FETCH_TIMEOUT_S, still bounded
ITEMS_PER_FEED = 10
# Boilerplate that must not reach the stored text, checked as whole lines of the extracted text.
LEAK_LINES = ("Sign up for our free weekly newsletter", "Dear readers", "Remind me later", "Once", "Monthly", "Annual")
# Other newsletter/appeal text, checked as substrings.
LEAK_TEXT = ("Subscribers agree", "A Message from", "Not ready to support", "newsletter contains", "paiment methods")
_DONATION_WORDS = frozenset({"once", "monthly", "annual", "continue"})


def log(message: str) -> None:
    """Progress on stderr; stdout carries only the Markdown."""
    print(f"[bench_ingest] {message}", file=sys.stderr, flush=True)


def shared_data() -> Path:
    """$DIGEST_SHARED_DATA, or the project's ../shared/data."""
    return Path(os.environ.get("DIGEST_SHARED_DATA", REPO.parent / "shared" / "data"))


def pct(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def timed(fn: Callable[[], Any], reps: int) -> tuple[float, Any]:
    """Median wall seconds of ``reps`` calls, and the last call's result."""
    times: list[float] = []
    result: Any = None
    for _ in range(reps):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def md_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# ============================================================================ 1. feed parsing


def bench_feeds(root: Path, reps: int) -> str:
    """parse_feed vs feedparser.parse on every fixture; median of ``reps`` runs per feed."""
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in FEED_SUFFIXES)
    if not files:
        return f"Skipped: no feed files under `{root}`.\n"
    datas = [(str(p.relative_to(root)), p.read_bytes()) for p in files]
    for name, data in datas[:3]:  # warm-up: imports, regex compilation, feedparser's lazy set-up
        with contextlib.suppress(FeedError):
            parse_feed(data, url=f"https://feeds.example.org/{name}", now=NOW)
    ours: list[float] = []
    theirs: list[float] = []
    groups: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    rejected: list[tuple[str, str]] = []
    entries = articles = dated = 0
    formats: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    for name, data in datas:
        url = f"https://feeds.example.org/{name}"

        def ours_once(data: bytes = data, url: str = url) -> Any:
            try:
                return parse_feed(data, url=url, now=NOW)
            except FeedError as error:
                return error

        t_ours, parsed = timed(ours_once, reps)
        t_fp, _ = timed(partial(feedparser.parse, data), reps)
        ours.append(t_ours)
        theirs.append(t_fp)
        count = 0
        if isinstance(parsed, FeedError):
            rejected.append((name, str(parsed)))
        else:
            entries += parsed.entries
            articles += len(parsed.articles)
            dated += parsed.dated
            count = len(parsed.articles)
            formats[parsed.format] += 1
            sources.update(parsed.date_sources)
        groups[name.split("/", 1)[0] if "/" in name else "."].append((t_ours, t_fp, count))

    total_ours, total_fp = sum(ours), sum(theirs)
    ratios = [a / b for a, b in zip(ours, theirs, strict=True) if b > 0]
    out = [
        f"{len(datas)} files, {sum(len(d) for _, d in datas) / 1024:.0f} KiB in all; each parsed {reps}x, "
        "median per feed; `feedparser.parse(data)` run on the same bytes in the same loop. "
        f"`now` fixed at {NOW:%Y-%m-%d %H:%M} UTC.\n",
        md_table(
            [
                "feeds parsed",
                "rejected (FeedError)",
                "entries in documents",
                "articles out",
                "entries/s (articles ÷ Σ medians)",
                "median ms/feed",
                "p95 ms/feed",
                "max ms/feed",
                "dated from the feed",
            ],
            [
                [
                    len(datas) - len(rejected),
                    len(rejected),
                    entries,
                    articles,
                    f"{articles / total_ours:,.0f}" if total_ours else "-",
                    f"{statistics.median(ours) * 1e3:.2f}",
                    f"{pct(ours, 0.95) * 1e3:.2f}",
                    f"{max(ours) * 1e3:.2f}",
                    f"{dated / articles:.1%} ({dated}/{articles})" if articles else "-",
                ]
            ],
        ),
        "",
        "Date sources (`ParsedFeed.date_sources`; *dated* = entry + channel): "
        + ", ".join(f"{k} {v}" for k, v in sorted(sources.items()))
        + ". Formats: "
        + ", ".join(f"{k} {v}" for k, v in sorted(formats.items()))
        + ".\n",
        "Our layer against feedparser alone (same bytes, same run):\n",
        md_table(
            ["folder", "feeds", "articles", "parse_feed ms (sum of medians)", "feedparser ms", "ratio"],
            [
                [
                    g,
                    len(v),
                    sum(c for _, _, c in v),
                    f"{sum(a for a, _, _ in v) * 1e3:.1f}",
                    f"{sum(b for _, b, _ in v) * 1e3:.1f}",
                    f"{sum(a for a, _, _ in v) / sum(b for _, b, _ in v):.2f}x",
                ]
                for g, v in sorted(groups.items())
            ]
            + [
                [
                    "**all**",
                    len(datas),
                    articles,
                    f"{total_ours * 1e3:.1f}",
                    f"{total_fp * 1e3:.1f}",
                    f"**{total_ours / total_fp:.2f}x**",
                ]
            ],
        ),
        "",
        f"Per-feed ratio parse_feed / feedparser: median {statistics.median(ratios):.2f}x, "
        f"p95 {pct(ratios, 0.95):.2f}x. Slowest feeds: "
        + ", ".join(
            f"`{n}` {t * 1e3:.1f} ms" for t, n in sorted(zip(ours, (n for n, _ in datas), strict=True))[-3:][::-1]
        )
        + ".\n",
    ]
    if rejected:
        out.append("Rejected, with the reason `parse_feed` gives:\n")
        out += [f"- `{name}`: {reason}" for name, reason in rejected]
        out.append("")
    return "\n".join(out)


# ============================================================================ 2. extraction pages


@dataclass(frozen=True)
class Story:
    """An article with known text, to be laid out in a page."""

    key: str
    outlet: str
    host: str
    title: str
    standfirst: str | None
    paragraphs: tuple[str, ...]
    author: str
    credit: str
    appeal: tuple[str, ...]  # the donation appeal's own paragraphs (after "Dear readers,")


@dataclass(frozen=True)
class Page:
    """A page to extract, with the text a perfect extractor would return."""

    group: str
    name: str
    url: str
    html: bytes
    required: tuple[str, ...]  # standfirst + article paragraphs: counted in recall
    allowed: tuple[str, ...]  # also not an error when extracted: the headline


def sample_site_pages() -> tuple[list[Page], list[Story]]:
    """Every article page the bundled sample site serves, fetched from it on loopback."""
    site = SampleSite(NOW - timedelta(days=7), NOW)
    pages: list[Page] = []
    stories: list[Story] = []
    with SiteServer(site) as server:
        for article in site.articles:
            url = server.base_url + article.path
            with urllib.request.urlopen(url, timeout=10) as reply:  # 127.0.0.1 only
                body = reply.read()
            data, name = article.data, article.outlet["name"]
            pages.append(
                Page("sample site", data["slug"], url, body, (data["summary"], *data["paragraphs"]), (data["title"],))
            )
            stories.append(
                Story(
                    key=data["slug"],
                    outlet=name,
                    host=f"{article.outlet['slug']}.example",
                    title=data["title"],
                    standfirst=data["summary"],
                    paragraphs=tuple(data["paragraphs"]),
                    author=data["author"],
                    credit=f"Photo: {name}",
                    appeal=(
                        "Independent local journalism costs money, and we rely on readers like you. If you can, "
                        "please support us monthly starting from just $2. It's quick to set up, and every "
                        "contribution makes a significant impact.",
                        f"By supporting {name}, you're defending open, independent journalism. "
                        "Thank you for standing with us.",
                    ),
                )
            )
    return pages, stories


def seed_story(seed_dir: Path) -> Story | None:
    """The seed page's article and appeal, read from its text dump (None when absent or unexpected)."""
    files = sorted(seed_dir.glob("*.txt")) if seed_dir.is_dir() else []
    if not files:
        return None
    lines = [line.strip() for line in files[0].read_text(encoding="utf-8").splitlines() if line.strip()]
    try:
        newsletter = next(i for i, x in enumerate(lines) if x.lower().startswith("sign up for our"))
        dear = next(i for i, x in enumerate(lines) if re.match(r"dear readers", x, re.I))
        once = next(i for i, x in enumerate(lines) if x.lower() == "once" and i > dear)
    except StopIteration:
        return None
    outlet = re.sub(r"^support\s+|!$", "", lines[0], flags=re.I).strip() or "The Example Times"
    return Story(
        key="seed",
        outlet=outlet,
        host="seed.example",
        title=lines[1],
        standfirst=None,
        paragraphs=tuple(lines[3:newsletter]),
        author="Staff writer",
        credit=lines[2],
        appeal=tuple(lines[dear + 1 : once]),
    )


def _head(s: Story) -> str:
    """A <head> with the usual Open Graph metadata."""
    title = html.escape(s.title)
    return (
        f'<head><meta charset="utf-8"><title>{title} - {html.escape(s.outlet)}</title>'
        f'<meta name="viewport" content="width=device-width"><meta property="og:title" content="{title}">'
        f'<meta property="og:type" content="article"><meta property="og:site_name" content="{html.escape(s.outlet)}">'
        '<meta property="article:published_time" content="2023-12-07T16:34:00+03:00">'
        '<link rel="stylesheet" href="/static/site.css"><script>window.dataLayer=[];</script></head>'
    )


def _newsletter(s: Story, tag: str = "aside") -> str:
    """The seed's newsletter sign-up box."""
    return (
        f'<{tag} class="newsletter-box"><h3>Sign up for our free weekly newsletter</h3>'
        "<p>Our weekly newsletter contains a hand-picked selection of news, features, analysis and more from "
        f"{html.escape(s.outlet)}. You will receive it in your mailbox every Friday. Never miss the latest news. "
        '<a href="/newsletter/preview">Preview</a></p><form action="/subscribe"><input type="email" '
        'placeholder="Your email"><button>Subscribe</button></form>'
        f'<p class="small">Subscribers agree to the <a href="/privacy">Privacy Policy</a></p></{tag}>'
    )


def _appeal(s: Story, div: bool = False) -> str:
    """The seed's donation appeal, with its Once/Monthly/Annual toggles."""
    p = "div" if div else "p"
    return (
        f'<section class="contribute"><h3>A Message from {html.escape(s.outlet)}:</h3><{p}>Dear readers,</{p}>'
        + "".join(f"<{p}>{html.escape(x)}</{p}>" for x in s.appeal)
        + '<div class="amounts"><label><input type="radio" name="f">Once</label><label><input type="radio" '
        'name="f">Monthly</label><label><input type="radio" name="f">Annual</label></div>'
        '<a class="button" href="/donate">Continue</a><div class="methods">paiment methods</div>'
        f'<{p}>Not ready to support today?</{p}><{p}><a href="#later">Remind me later.</a></{p}></section>'
    )


def _paras(s: Story, tag: str = "p") -> list[str]:
    """The article paragraphs as elements."""
    return [f"<{tag}>{html.escape(x)}</{tag}>" for x in s.paragraphs]


def _standfirst(s: Story) -> str:
    """The standfirst in bold, as the sample site prints it."""
    return f'<p class="standfirst"><strong>{html.escape(s.standfirst)}</strong></p>' if s.standfirst else ""


def layout_semantic(s: Story) -> str:
    """<article> with the newsletter <aside> mid-text and the appeal inside the article, as on the seed."""
    paras = _paras(s)
    half = max(1, len(paras) // 2)
    return (
        f'<!doctype html><html lang="en">{_head(s)}<body>'
        f'<div class="top-banner"><a href="/support">Support {html.escape(s.outlet)}!</a></div>'
        '<header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>'
        '<li><a href="/business">Business</a></li><li><a href="/opinion">Opinion</a></li></ul></nav></header>'
        f'<main><article class="article"><h1>{html.escape(s.title)}</h1>'
        f'<div class="byline">By <a href="/authors/1">{html.escape(s.author)}</a> '
        '<time datetime="2023-12-07T16:34:00+03:00">Dec. 7, 2023</time></div>'
        f'<figure><img src="/img/lead.jpg" alt=""><figcaption>{html.escape(s.credit)}</figcaption></figure>'
        f'{_standfirst(s)}<div class="article__text">{"".join(paras[:half])}{_newsletter(s)}'
        f"{''.join(paras[half:])}</div>{_appeal(s)}</article>"
        '<div class="read-more"><h3>Read more</h3><ul><li><a href="/a">Council approves budget</a></li>'
        '<li><a href="/b">Ferry timetable changes</a></li></ul></div></main>'
        f'<footer><p>&copy; 2023 {html.escape(s.outlet)}</p><a href="/privacy">Privacy</a></footer></body></html>'
    )


def layout_divs(s: Story) -> str:
    """Div soup: no semantic tags, paragraphs as bare <div>s, boxes inside the same content div."""
    paras = _paras(s, "div")
    cut = max(1, len(paras) - 2)
    sidebar = "".join(f'<div class="mr-item"><a href="/mr/{i}">Most read story number {i}</a></div>' for i in range(6))
    return (
        f'<!doctype html><html lang="en">{_head(s)}<body><div id="page"><div class="hdr">'
        f'<div class="logo"><a href="/">{html.escape(s.outlet)}</a></div><div class="menu"><a href="/news">News</a> '
        f'<a href="/sport">Sport</a> <a href="/support">Support {html.escape(s.outlet)}!</a></div></div>'
        '<div class="container"><div class="row"><div class="col-8">'
        f'<div class="article-header"><div class="h1 title">{html.escape(s.title)}</div>'
        f'<div class="meta"><span class="author">{html.escape(s.author)}</span> <span class="date">Dec. 7, 2023'
        f'</span></div></div><div class="image"><img src="/img/lead.jpg"><div class="caption">'
        f'{html.escape(s.credit)}</div></div><div class="article-body">'
        + (f'<div class="lead"><b>{html.escape(s.standfirst)}</b></div>' if s.standfirst else "")
        + "".join(paras[:cut])
        + _newsletter(s, "div")
        + "".join(paras[cut:])
        + _appeal(s, div=True)
        + f'</div></div><div class="col-4"><div class="mr-title">Most read</div>{sidebar}</div></div></div>'
        f'<div class="ftr"><div>&copy; 2023 {html.escape(s.outlet)}</div><div><a href="/about">About us</a></div>'
        "</div></div></body></html>"
    )


_COMMENTERS = ("harbourwatcher", "J. Lindqvist", "oldmillresident", "Marta K.", "ferryfan77", "A reader", "Tomas")
_COMMENT_BITS = (
    "I have lived here for thirty years and I have never seen anything like this.",
    "Typical of the council, they announce it and then nobody hears another word for months.",
    "Good reporting, thank you for covering this properly instead of just repeating the press release.",
    "Does anyone know whether the buses will still stop at the old depot during the works?",
    "This was obvious from the start and nobody listened to the people who raised it.",
    "The article could have mentioned what happened the last time a plan like this was tried.",
    "Completely agree with the previous comment.",
    "Will there be a public meeting before any of this goes ahead?",
)


def layout_long(s: Story) -> str:
    """A long page: big navigation, breadcrumbs, related teasers, a comment thread and a fat footer."""
    rng = random.Random(f"{SEED}:{s.key}")
    nav = "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(40))
    related = "".join(
        f'<li><a href="/related/{i}"><h4>Related story {i}</h4><p>{rng.choice(_COMMENT_BITS)}</p></a></li>'
        for i in range(8)
    )
    comments = "".join(
        f'<div class="comment"><div class="who">{rng.choice(_COMMENTERS)}</div><div class="when">{rng.randint(1, 23)}'
        f" hours ago</div><p>{' '.join(rng.sample(_COMMENT_BITS, rng.randint(1, 3)))}</p>"
        '<a href="#reply">Reply</a> <span class="likes">12</span></div>'
        for _ in range(12)
    )
    columns = "".join(
        f'<div class="col"><h5>Column {c}</h5>'
        + "".join(f'<a href="/f/{c}/{i}">Footer link {c}.{i}</a>' for i in range(8))
        + "</div>"
        for c in range(4)
    )
    paras = _paras(s)
    return (
        f'<!doctype html><html lang="en">{_head(s)}<body><header><div class="skip"><a href="#main">Skip to content'
        f'</a></div><nav class="mega"><ul>{nav}</ul></nav><div class="promo"><a href="/support">Support '
        f"{html.escape(s.outlet)}!</a></div></header>"
        '<div class="breadcrumbs"><a href="/">Home</a> &rsaquo; <a href="/news">News</a> &rsaquo; '
        '<a href="/news/local">Local</a></div>'
        f'<main id="main"><article><header><h1>{html.escape(s.title)}</h1><p class="byline">By '
        f"{html.escape(s.author)}, 7 December 2023</p></header>"
        f'<figure><img src="/img/lead.jpg" alt=""><figcaption>{html.escape(s.credit)}</figcaption></figure>'
        f"{_standfirst(s)}{''.join(paras[:2])}{_newsletter(s, 'div')}{''.join(paras[2:])}"
        '<div class="share"><a href="#fb">Share on Facebook</a> <a href="#x">Share on X</a> '
        '<a href="#mail">Email</a></div></article>'
        f'{_appeal(s)}<section class="related"><h3>More on this story</h3><ul>{related}</ul></section>'
        f'<section id="comments"><h3>Comments (12)</h3>{comments}</section></main>'
        f'<footer><div class="columns">{columns}</div><p class="legal">&copy; 2023 {html.escape(s.outlet)}. All '
        "rights reserved. Reproduction in whole or in part without permission is prohibited. Registered in "
        "Norvania, company number 0123456.</p></footer></body></html>"
    )


def layout_flat(s: Story) -> str:
    """Every line of the page its own <p> in one content div, in the seed's order."""
    lines = [
        f"Support {s.outlet}!",
        s.title,
        s.credit,
        *([s.standfirst] if s.standfirst else []),
        *s.paragraphs,
        "Sign up for our free weekly newsletter",
        "Our weekly newsletter contains a hand-picked selection of news, features, analysis and more. Preview",
        "Subscribers agree to the Privacy Policy",
        f"A Message from {s.outlet}:",
        "Dear readers,",
        *s.appeal,
        "Once",
        "Monthly",
        "Annual",
        "Continue",
        "paiment methods",
        "Not ready to support today?",
        "Remind me later.",
        "Read more",
    ]
    body = '<div class="content">' + "".join(f"<p>{html.escape(x)}</p>" for x in lines) + "</div>"
    return f'<!doctype html><html lang="en">{_head(s)}<body>{body}</body></html>'


LAYOUTS: dict[str, Callable[[Story], str]] = {
    "semantic + aside": layout_semantic,
    "div soup": layout_divs,
    "long page": layout_long,
    "flat <p> lines": layout_flat,
}


def layout_pages(stories: Sequence[Story]) -> list[Page]:
    """Every story in every layout."""
    pages: list[Page] = []
    for layout, render in LAYOUTS.items():
        for s in stories:
            url = f"https://{s.host}/2023/12/07/{s.key}"
            required = ((s.standfirst,) if s.standfirst else ()) + s.paragraphs
            pages.append(Page(layout, f"{layout}/{s.key}", url, render(s).encode(), required, (s.title,)))
    return pages


# ---------------------------------------------------------------------------- extraction quality

_TOKEN_RE = re.compile(r"\w+")


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def tokens(texts: Iterable[str]) -> Counter[str]:
    """Case-folded word tokens, counted."""
    return Counter(t for x in texts for t in _TOKEN_RE.findall(_norm(x).casefold()))


def leaks(text: str) -> set[str]:
    """Which LEAK_LINES markers stand as lines of ``text`` (donation toggles also when run together)."""
    found: set[str] = set()
    wanted = {m.casefold(): m for m in LEAK_LINES}
    for raw in text.splitlines():
        line = _norm(raw).strip(" .,:;!").casefold()
        if line in wanted:
            found.add(wanted[line])
        words = line.split()
        if words and all(w in _DONATION_WORDS for w in words):
            found |= {wanted[w] for w in words if w in wanted}
    return found


def other_leaks(text: str) -> set[str]:
    """Which LEAK_TEXT markers occur anywhere in ``text``."""
    folded = text.casefold()
    return {m for m in LEAK_TEXT if m.casefold() in folded}


@dataclass
class Score:
    precision: float
    recall: float
    all_kept: bool
    empty: bool
    leaked: set[str]
    other: set[str]

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score(page: Page, text: str) -> Score:
    """Token precision (against standfirst + paragraphs + headline) and recall (against standfirst + paragraphs)."""
    got = tokens([text])
    required = tokens(page.required)
    allowed = required + tokens(page.allowed)
    n_got = sum(got.values())
    precision = sum((got & allowed).values()) / n_got if n_got else 0.0
    recall = sum((got & required).values()) / sum(required.values())
    flat = _norm(text.replace("\n", " "))
    return Score(
        precision,
        recall,
        all(_norm(p) in flat for p in page.required),
        not text.strip(),
        leaks(text),
        other_leaks(text),
    )


# extract_page's trafilatura options (comments, tables, images and links off), so that the plain
# trafilatura row below differs from extract_page only by the boilerplate rules.
_PROJECT_OPTIONS: dict[str, Any] = dict(getattr(extract_module, "_EXTRACTION_OPTIONS", {}))
_TEXT_OPTIONS = {k: v for k, v in _PROJECT_OPTIONS.items() if k not in ("with_metadata", "date_extraction_params")}

EXTRACTORS: dict[str, Callable[[Page], str]] = {
    "extract_page (ours)": lambda p: extract_page(p.html, url=p.url).text,
    "trafilatura favor_precision": lambda p: trafilatura.extract(p.html, url=p.url, favor_precision=True) or "",
    "trafilatura defaults": lambda p: trafilatura.extract(p.html, url=p.url) or "",
    "trafilatura favor_precision, our options": lambda p: (
        trafilatura.extract(p.html, url=p.url, favor_precision=True, **_TEXT_OPTIONS) or ""
    ),
}
TIMING_ONLY: dict[str, Callable[[Page], Any]] = {
    # The call extract_page makes (metadata included), to show how much of its time is trafilatura's.
    "trafilatura.bare_extraction as extract_page calls it": lambda p: trafilatura.bare_extraction(
        p.html, url=p.url, favor_precision=True, **_PROJECT_OPTIONS
    ),
}


def bench_extraction(pages: Sequence[Page], reps: int, seed_found: bool, n_layout_stories: int) -> str:
    """Time and score every extractor on every page."""
    methods = {**EXTRACTORS, **TIMING_ONLY}
    for fn in methods.values():  # warm-up
        fn(pages[0])
    ms: dict[str, dict[str, list[float]]] = {m: defaultdict(list) for m in methods}
    scores: dict[str, dict[str, list[Score]]] = {m: defaultdict(list) for m in EXTRACTORS}
    for page in pages:
        for name, fn in methods.items():
            t, text = timed(partial(fn, page), reps)
            ms[name][page.group].append(t * 1e3)
            if name in EXTRACTORS:
                scores[name][page.group].append(score(page, text))
    groups = list(dict.fromkeys(p.group for p in pages))
    layout_groups = [g for g in groups if g != "sample site"]
    n_sample = sum(p.group == "sample site" for p in pages)
    out = [
        f"{len(pages)} pages: {n_sample} article pages served by the bundled sample site "
        "(`digest.local.site`, with its newsletter box and donation appeal), and "
        f"{len(pages) - n_sample} pages in {len(LAYOUTS)} layouts modelled on the seed page, each filled with "
        + (
            "the seed's own article and appeal (read from `shared/seed/*.txt`) and "
            f"{n_layout_stories - 1} sample-site articles"
            if seed_found
            else f"{n_layout_stories} sample-site articles (the seed text was not found, so no seed article)"
        )
        + f". trafilatura {trafilatura.__version__}; "
        f"each call timed {reps}x, median per page. Extractors: `extract_page(html, url=...)`; "
        "`trafilatura.extract(html, url=..., favor_precision=True)` and with defaults (which include comments); "
        "and `trafilatura.extract` with the options `extract_page` passes (favor_precision, comments, tables, "
        "images and links off; metadata left out), so that the last row differs from `extract_page` only by its "
        "boilerplate rules. The layouts: *semantic + aside* puts the newsletter `<aside>` mid-text and the appeal "
        "inside `<article>`; *div soup* has no semantic tags and paragraphs as bare `<div>`s; *long page* adds a "
        "40-link menu, related teasers, a 12-comment thread and a fat footer; *flat <p> lines* is every line of "
        "the seed page as its own `<p>` in one content `<div>`.\n",
        "#### Speed (ms per page)\n",
    ]
    rows: list[list[object]] = []
    for name in methods:
        every = [x for g in groups for x in ms[name][g]]
        sample = ms[name].get("sample site", [])
        layout = [x for g in layout_groups for x in ms[name][g]]
        rows.append(
            [
                name,
                f"{statistics.median(every):.1f}",
                f"{pct(every, 0.95):.1f}",
                f"{statistics.median(sample):.1f}" if sample else "-",
                f"{statistics.median(layout):.1f}" if layout else "-",
            ]
        )
    out += [
        md_table(["extractor", "median", "p95", "median, sample site", "median, seed layouts"], rows),
        "",
        "`extract_page` = DOM pruning by the boilerplate rules + `bare_extraction` with metadata (and a "
        "favor_recall retry when precision mode finds nothing) + the rules again on the paragraphs + page "
        "metadata (date, language, kind); the last row is the trafilatura call alone.\n",
    ]
    out += [
        "#### Quality\n",
        "Token (`\\w+`, case-folded, multiset) precision and recall against the known text. **True text = the "
        "standfirst (the feed summary, printed in bold above the body) + the article paragraphs**; recall is "
        "measured against that; the headline is tolerated (not counted as an error in precision) but not "
        "required, since plain trafilatura repeats it as the first line and `extract_page` drops it. "
        "*All kept*: every true paragraph found verbatim (whitespace-normalised). *Boilerplate lines*: pages "
        "where one of " + ", ".join(f'"{m}"' for m in LEAK_LINES) + " stands as a line of the text (run-together "
        "Once/Monthly/Annual toggles count too). *Other boilerplate*: pages containing any of "
        + ", ".join(f'"{m}"' for m in LEAK_TEXT)
        + ". P/R/F1 are means over pages.\n",
    ]
    rows = []
    for group in groups:
        for name in EXTRACTORS:
            s = scores[name][group]
            marker_counts = Counter(m for x in s for m in x.leaked)
            rows.append(
                [
                    group,
                    name,
                    len(s),
                    f"{statistics.fmean(x.precision for x in s):.3f}",
                    f"{statistics.fmean(x.recall for x in s):.3f}",
                    f"{statistics.fmean(x.f1 for x in s):.3f}",
                    f"{min(x.recall for x in s):.3f}",
                    f"{sum(x.all_kept for x in s)}/{len(s)}",
                    f"{sum(bool(x.leaked) for x in s)}/{len(s)}",
                    ", ".join(f"{m} {c}" for m, c in marker_counts.most_common()) or "-",
                    f"{sum(bool(x.other) for x in s)}/{len(s)}",
                    sum(x.empty for x in s),
                ]
            )
    out.append(
        md_table(
            [
                "pages",
                "extractor",
                "n",
                "P",
                "R",
                "F1",
                "min R",
                "all kept",
                "boilerplate lines",
                "which lines (pages)",
                "other boilerplate",
                "empty",
            ],
            rows,
        )
    )
    out.append("")
    totals = []
    for name in EXTRACTORS:
        s = [x for g in groups for x in scores[name][g]]
        totals.append(
            [
                name,
                len(s),
                f"{statistics.fmean(x.precision for x in s):.3f}",
                f"{statistics.fmean(x.recall for x in s):.3f}",
                f"{statistics.fmean(x.f1 for x in s):.3f}",
                f"{sum(x.all_kept for x in s)}/{len(s)}",
                f"{sum(bool(x.leaked) for x in s)}/{len(s)}",
                f"{sum(bool(x.other) for x in s)}/{len(s)}",
            ]
        )
    out += [
        "All pages together:\n",
        md_table(["extractor", "n", "P", "R", "F1", "all kept", "boilerplate lines", "other boilerplate"], totals),
        "",
    ]
    return "\n".join(out)


# ============================================================================ 3. fetch run


@dataclass(frozen=True)
class Route:
    """A canned response."""

    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    extra_delay: float = 0.0


class _SimServer(ThreadingHTTPServer):
    """The routes and latency range the handler serves."""

    daemon_threads = True
    request_queue_size = 512  # 32 workers x 4 page threads connect at once
    routes: dict[str, Route]
    latency: tuple[float, float]


class _SimHandler(BaseHTTPRequestHandler):
    """Serves a precomputed route after its seeded delay."""

    protocol_version = "HTTP/1.0"  # one connection per request, as Fetcher does anyway
    server_version = "BenchNews/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        server = cast(_SimServer, self.server)
        path = self.path.split("?", 1)[0]
        route = server.routes.get(path) or Route(404, "text/plain", b"not found")
        low, high = server.latency
        # Seeded per path, so every run (1, 8, 32 workers) sees the same latencies.
        time.sleep(random.Random(f"{SEED}:{path}").uniform(low, high) + route.extra_delay)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client timed out
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(route.body)))
            for name, value in route.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(route.body)


# Source behaviours, repeating every 50 sources; everything else is a healthy feed.
SPECIAL_KINDS: dict[int, str] = {
    5: "feed HTTP 500",
    11: "feed HTTP 429",
    17: "feed too slow",
    23: "feed is an HTML page",
    29: "3 pages HTTP 404",
    35: "page HTTP 503",
}


@dataclass(frozen=True)
class SimSource:
    """One simulated publisher."""

    index: int
    behaviour: str
    feed_url: str


def build_routes(
    n: int, base: str, pool: Sequence[bytes], titles: Sequence[str]
) -> tuple[dict[str, Route], list[SimSource]]:
    """One RSS feed of ITEMS_PER_FEED items per source, each item's page taken round-robin from ``pool``."""
    routes: dict[str, Route] = {}
    sources: list[SimSource] = []
    for i in range(n):
        behaviour = SPECIAL_KINDS.get(i % 50, "healthy")
        prefix = f"/s{i:03d}"
        items = []
        for j in range(ITEMS_PER_FEED):
            k = (i * 7 + j) % len(pool)
            path = f"{prefix}/2026/04/{j:02d}-story-{k}"
            published = NOW - timedelta(hours=3 * j + i % 24)
            items.append(
                f"<item><title>{html.escape(titles[k])}</title>"
                f"<link>{base}{path}?utm_source=rss&amp;utm_medium=feed</link>"
                f'<guid isPermaLink="false">s{i}-{j}</guid><pubDate>{format_datetime(published)}</pubDate>'
                f"<dc:creator>Reporter {j}</dc:creator><category>News</category>"
                f"<description>Summary of story {k} from source {i}.</description></item>"
            )
            if behaviour == "3 pages HTTP 404" and j in (2, 5, 8):
                continue  # not routed: 404
            if behaviour == "page HTTP 503" and j == 3:
                routes[path] = Route(503, "text/plain", b"busy", (("Retry-After", "60"),))
            else:
                routes[path] = Route(200, "text/html; charset=utf-8", pool[k])
        feed = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<channel><title>Source {i}</title><link>{base}{prefix}/</link><description>Bench source {i}"
            f"</description><language>en</language>{''.join(items)}</channel></rss>"
        ).encode()
        feed_path = f"{prefix}/rss.xml"
        routes[feed_path] = {
            "feed HTTP 500": Route(500, "text/plain", b"Internal Server Error"),
            "feed HTTP 429": Route(429, "text/plain", b"slow down", (("Retry-After", "120"),)),
            "feed too slow": Route(200, "application/rss+xml", feed, extra_delay=SLOW_S),
            "feed is an HTML page": Route(200, "text/html; charset=utf-8", pool[i % len(pool)]),
        }.get(behaviour, Route(200, "application/rss+xml", feed, (("Cache-Control", "max-age=300"),)))
        sources.append(SimSource(i, behaviour, f"{base}{feed_path}"))
    return routes, sources


def error_kind(stage: str, message: str) -> str:
    """A short class for an error message ("page: HTTP 404", "feed: timeout", ...)."""
    if "back-off" in message:
        return f"{stage}: skipped, host in back-off after 429/503"
    code = re.search(r"HTTP (\d{3})", message)
    if code:
        return f"{stage}: HTTP {code.group(1)}"
    if "timed out" in message:
        return f"{stage}: timeout"
    return f"{stage}: {message.split(':', 1)[-1].strip()[:60]}"


@dataclass
class PollResult:
    """What one source's poll did."""

    seconds: float
    articles: int = 0
    pages_ok: int = 0
    with_text: int = 0
    errors: list[str] = field(default_factory=list)


def poll(source: SimSource) -> PollResult:
    """``ingest_source`` without the store: feed, parse, then each article's page on PAGE_WORKERS threads."""
    t0 = time.perf_counter()
    result = PollResult(0.0)
    # One Fetcher per poll, as ingest_source builds one per call (its back-off is per instance).
    fetcher = Fetcher(
        default_user_agent(),
        allow_private=True,
        connect_timeout=1.0,
        total_timeout=FETCH_TIMEOUT_S,
        max_bytes=5_000_000,
    )
    try:
        reply = fetcher.fetch(source.feed_url)
        parsed = parse_feed(reply.body, url=reply.url, source_name=f"Source {source.index}", now=datetime.now(UTC))
    except FetchError as error:  # RetryLater included: "HTTP 429 Too Many Requests; retry after 120 s"
        result.errors.append(error_kind("feed", str(error)))
    except FeedError as error:
        result.errors.append(f"feed: FeedError ({str(error).split(' (')[0][:50]})")
    else:
        fresh = parsed.articles  # an empty store: every article is new
        has_page = {a.id for a in fresh if a.id == article_id(a.url)}
        rules = tuple(DEFAULT_BOILERPLATE)

        def one(a: Article) -> tuple[Article, bytes | None, Exception | None]:
            return _with_page(a, fetcher, rules) if a.id in has_page else (a, None, None)

        with ThreadPoolExecutor(PAGE_WORKERS) as pool:
            for article, page, problem in pool.map(one, fresh):
                result.articles += 1
                if problem:
                    result.errors.append(error_kind("page", str(problem)))
                if page is not None:
                    result.pages_ok += 1
                    result.with_text += bool(article.text)
    result.seconds = time.perf_counter() - t0
    return result


@dataclass
class RunStats:
    """One run at one worker count."""

    workers: int
    sources: int
    wall: float
    cpu: float
    results: list[PollResult]

    @property
    def busy(self) -> float:
        return sum(r.seconds for r in self.results)


def run_fetch(sources: Sequence[SimSource], workers: int) -> RunStats:
    """Poll every source on a pool of ``workers`` threads; wall and CPU time of the whole run."""
    t0, c0 = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(poll, sources))
    return RunStats(workers, len(sources), time.perf_counter() - t0, time.process_time() - c0, results)


def bench_fetch(pages: Sequence[Page], n_sources: int, n_serial: int) -> str:
    """The simulated ingest run at each worker count; the server lives only inside this function."""
    pool = [p.html for p in pages]
    titles = [p.allowed[0] if p.allowed else p.name for p in pages]
    server = _SimServer(("127.0.0.1", 0), _SimHandler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    server.routes, sources = build_routes(n_sources, base, pool, titles)
    server.latency = LATENCY_S
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    runs: list[RunStats] = []
    try:
        for workers in WORKER_COUNTS:
            subset = sources[: min(n_serial, n_sources)] if workers == 1 else sources
            log(f"fetch run: {len(subset)} sources, {workers} worker(s)")
            runs.append(run_fetch(subset, workers))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    behaviours = Counter(s.behaviour for s in sources)
    out = [
        f"{n_sources} sources on one `ThreadingHTTPServer` (127.0.0.1, a thread of this process), each an RSS 2.0 "
        f"feed of {ITEMS_PER_FEED} items whose pages are served too ({len(pool)} distinct pages from part 2, "
        f"round-robin). Every response waits a seeded {LATENCY_S[0] * 1e3:.0f}-{LATENCY_S[1] * 1e3:.0f} ms "
        f"(same delay per URL in every run). Source mix: "
        + ", ".join(f"{k} {v}" for k, v in behaviours.most_common())
        + f". Client: the real `Fetcher` (allow_private, {FETCH_TIMEOUT_S:g} s total timeout; one per source "
        "poll, as `ingest_source` builds one per call), `parse_feed`, and `digest.ingest.service._with_page` "
        f"(fetch + `extract_page`) on a pool of `PAGE_WORKERS` = {PAGE_WORKERS} threads per source, as in "
        "`_store_feed`; the store is left out (every article counts as new) and so is the store-backed host "
        "hold. Sources run on a thread pool of 1, 8 or 32 workers, standing in for parallel Lambda "
        "invocations"
        + (
            f"; the 1-worker run polls only the first {min(n_serial, n_sources)} sources (all {n_sources} "
            "would take minutes; rates stay comparable)"
            if n_serial < n_sources
            else ""
        )
        + ".\n",
    ]
    rows: list[list[object]] = []
    for run in runs:
        pages_ok = sum(r.pages_ok for r in run.results)
        secs = [r.seconds for r in run.results]
        rows.append(
            [
                run.workers,
                run.sources,
                f"{run.wall:.1f}",
                f"{run.sources / run.wall:.1f}",
                pages_ok,
                f"{pages_ok / run.wall:.1f}",
                f"{statistics.median(secs):.2f}",
                f"{pct(secs, 0.95):.2f}",
                f"{run.busy / run.wall:.1f}",
                f"{run.cpu / run.wall:.2f}",
                f"{sum(r.with_text for r in run.results)}/{pages_ok}",
            ]
        )
    out += [
        md_table(
            [
                "workers",
                "sources",
                "wall s",
                "sources/s",
                "pages extracted",
                "pages/s",
                "median s/source",
                "p95 s/source",
                "effective concurrency",
                "CPU cores used",
                "pages with text",
            ],
            rows,
        ),
        "",
        "*Effective concurrency* = sum of the sources' poll times / wall time. *CPU cores used* = process CPU "
        f"time / wall time (server included), on {os.cpu_count()} CPU(s): where it approaches the core count "
        "(or ~1 under the GIL) the run is CPU-bound on parsing and extraction, not waiting on the network.\n",
        "Errors by kind (count per run):\n",
    ]
    kinds = sorted({e for run in runs for r in run.results for e in r.errors})
    counts = [Counter(e for r in run.results for e in r.errors) for run in runs]
    out.append(
        md_table(
            ["error", *(f"{run.workers} worker(s), {run.sources} sources" for run in runs)],
            [[k, *(c.get(k, 0) for c in counts)] for k in kinds] + [["**total**", *(sum(c.values()) for c in counts)]],
        )
    )
    out.append(
        "\nThe failures are deterministic except the back-off skips: after a page's 503 the source's `Fetcher` "
        "refuses that host, and how many of its other pages were already in flight depends on thread timing.\n"
    )
    return "\n".join(out)


# ============================================================================ main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the three parts and print the section."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions and sources (a smoke run)")
    ap.add_argument("--sources", type=int, help="sources in the fetch run (default 200, quick 60)")
    ap.add_argument("--serial", type=int, help="sources polled by the 1-worker run (default 50, quick 15)")
    args = ap.parse_args(argv)
    n_sources = args.sources or (60 if args.quick else 200)
    n_serial = args.serial or (15 if args.quick else 50)
    feed_reps, page_reps = (3, 1) if args.quick else (7, 3)

    command = "python benchmarks/bench_ingest.py" + (" --quick" if args.quick else "")
    command += f" --sources {args.sources}" if args.sources else ""
    command += f" --serial {args.serial}" if args.serial else ""
    if "DIGEST_SHARED_DATA" in os.environ:
        command = f"DIGEST_SHARED_DATA={os.environ['DIGEST_SHARED_DATA']} {command}"
    started = time.perf_counter()
    print("## Ingest (benchmarks/bench_ingest.py)\n")
    print(
        f"Reproduce: `{command}` (from the repository root). Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPU(s), feedparser {feedparser.__version__}, trafilatura {trafilatura.__version__}.\n"
    )

    print("### 1. Feed parsing (`parse_feed` on real-world feeds)\n")
    root = shared_data() / "feeds-dev"
    if root.is_dir():
        log(f"feeds: {root}")
        print(bench_feeds(root, feed_reps))
    else:
        print(
            f"Skipped: the real-world feed fixtures were not found at `{root}`. Set `DIGEST_SHARED_DATA` to the "
            "folder holding `feeds-dev/` (the project's `../shared/data`) to run this part.\n"
        )

    print("### 2. Article extraction (`extract_page` vs trafilatura)\n")
    log("extraction: building pages")
    site_pages, site_stories = sample_site_pages()
    seed = seed_story(shared_data().parent / "seed")
    chosen = [site_stories[i] for i in range(0, len(site_stories), max(1, len(site_stories) // 4))][:4]
    stories = ([seed] if seed else []) + chosen
    pages = site_pages + layout_pages(stories)
    log(f"extraction: {len(pages)} pages")
    print(bench_extraction(pages, page_reps, seed is not None, len(stories)))

    print("### 3. Fetch run (loopback server, real Fetcher + parse + extract, no AWS)\n")
    print(bench_fetch(pages, n_sources, n_serial))
    print(f"Whole benchmark: {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
