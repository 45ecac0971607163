"""Extraction quality on real pages nobody here wrote: ``extract_page`` against trafilatura direct.

    python benchmarks/bench_extract.py

Reads ``$DIGEST_SHARED_DATA/extraction-dev/`` (default ``<repo>/../shared/data``): 130 pages from
Mozilla Readability's test suite, each with the text Readability extracts (``expected.html``) and
its metadata. Scores, per page, token precision and recall of the text against that reference, and
agreement of title, author, date, site name and language; prints one Markdown section. The same
pages go through trafilatura called directly (defaults, and with the options ``extract_page`` uses)
and through ``extract_page`` without boilerplate rules, so what the rules cost or gain shows alone.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "functions"))

import lxml.html  # noqa: E402
import trafilatura  # noqa: E402

import digest.ingest.extract as extract_module  # noqa: E402
from digest.ingest.extract import extract_page  # noqa: E402
from digest.ingest.feeds import normalize_lang  # noqa: E402

URL = "http://fakehost/test/page.html"  # what Readability's test suite gives its pages
_TOKEN_RE = re.compile(r"\w+")
# extract_page's own trafilatura options, so that row differs from extract_page only by its rules
# and its metadata code.
_TEXT_OPTIONS = {k: v for k, v in extract_module._EXTRACTION_OPTIONS.items() if k != "with_metadata"}


def log(message: str) -> None:
    """Progress on stderr; stdout carries only the Markdown."""
    print(f"[bench_extract] {message}", file=sys.stderr, flush=True)


def shared_data() -> Path:
    """$DIGEST_SHARED_DATA, or the project's ../shared/data."""
    return Path(os.environ.get("DIGEST_SHARED_DATA", REPO.parent / "shared" / "data"))


@dataclass(frozen=True)
class Page:
    name: str
    html: bytes
    reference: Counter[str]
    meta: dict[str, Any]


@dataclass(frozen=True)
class Output:
    text: str
    title: str | None
    author: str | None
    date: str | None  # YYYY-MM-DD
    sitename: str | None
    lang: str | None


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def tokens(text: str) -> Counter[str]:
    """Case-folded word tokens, counted (a multiset: repeated boilerplate counts every time)."""
    return Counter(_TOKEN_RE.findall(_norm(text)))


def load_pages(root: Path) -> list[Page]:
    pages = []
    for folder in sorted(p for p in root.iterdir() if (p / "source.html").is_file()):
        expected = lxml.html.fromstring((folder / "expected.html").read_bytes())
        meta_path = folder / "expected-metadata.json"
        meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
        pages.append(Page(folder.name, (folder / "source.html").read_bytes(), tokens(expected.text_content()), meta))
    return pages


def ours(page: Page, rules: bool = True) -> Output:
    kwargs: dict[str, Any] = {} if rules else {"boilerplate": ()}
    got = extract_page(page.html, url=URL, **kwargs)
    date = got.published.date().isoformat() if got.published else None
    return Output(got.text, got.title, got.author, date, got.site_name, got.lang)


def trafilatura_direct(page: Page, **options: Any) -> Output:
    doc = trafilatura.bare_extraction(page.html.decode("utf-8", "replace"), url=URL, with_metadata=True, **options)
    if doc is None:
        return Output("", None, None, None, None, None)
    return Output(doc.text or "", doc.title, doc.author, (doc.date or "")[:10] or None, doc.sitename, doc.language)


EXTRACTORS: dict[str, Callable[[Page], Output]] = {
    "extract_page (ours)": ours,
    "extract_page, no boilerplate rules": lambda p: ours(p, rules=False),
    "trafilatura direct, defaults": trafilatura_direct,
    "trafilatura direct, extract_page's options": lambda p: trafilatura_direct(p, **_TEXT_OPTIONS),
    "trafilatura direct, favor_precision": lambda p: trafilatura_direct(p, favor_precision=True, **_TEXT_OPTIONS),
}


def text_scores(page: Page, text: str) -> tuple[float, float]:
    """Token precision and recall of ``text`` against the page's reference text."""
    got = tokens(text)
    hit = sum((got & page.reference).values())
    n_got, n_ref = sum(got.values()), sum(page.reference.values())
    return (hit / n_got if n_got else 0.0), (hit / n_ref if n_ref else 0.0)


def _same_text(a: str | None, b: str | None) -> bool:
    return bool(a and b) and _norm(a or "") == _norm(b or "")


def _same_author(got: str | None, byline: str | None) -> bool:
    """The reference byline ("By Jo Doe, BBC News") names our author, or the other way round."""
    if not got or not byline:
        return False
    a, b = set(tokens(got)), set(tokens(byline))
    return bool(a) and (a <= b or b <= a)


def _same_lang(got: str | None, ref: str | None) -> bool:
    a, b = normalize_lang(got), normalize_lang(ref)
    return bool(a and b) and a == b


METADATA: dict[str, tuple[str, Callable[[Output], str | None], Callable[[Any, Any], bool]]] = {
    "title": ("title", lambda o: o.title, _same_text),
    "author": ("byline", lambda o: o.author, _same_author),
    "date": ("publishedTime", lambda o: o.date, lambda a, b: bool(a and b) and a == str(b)[:10]),
    "site name": ("siteName", lambda o: o.sitename, _same_text),
    "language": ("lang", lambda o: o.lang, _same_lang),
}


def fmt(x: float) -> str:
    return f"{x:.3f}"


def md_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> int:
    root = shared_data() / "extraction-dev"
    command = "python benchmarks/bench_extract.py"
    if "DIGEST_SHARED_DATA" in os.environ:
        command = f"DIGEST_SHARED_DATA={os.environ['DIGEST_SHARED_DATA']} {command}"
    print("## Extraction on real pages (benchmarks/bench_extract.py)\n")
    if not root.is_dir():
        print(f"Skipped: `{root}` not found; set `DIGEST_SHARED_DATA` to the folder holding `extraction-dev/`.\n")
        return 0
    pages = load_pages(root)
    log(f"{len(pages)} pages from {root}")
    outputs: dict[str, list[Output]] = {}
    seconds: dict[str, float] = {}
    for name, extractor in EXTRACTORS.items():
        started = time.perf_counter()
        outputs[name] = [extractor(page) for page in pages]
        seconds[name] = time.perf_counter() - started
        log(f"{name}: {seconds[name]:.1f} s")
    scores = {
        name: [text_scores(p, o.text) for p, o in zip(pages, outs, strict=True)] for name, outs in outputs.items()
    }

    print(
        f"Reproduce: `{command}` (from the repository root). Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPU(s), trafilatura {trafilatura.__version__}.\n\n"
        f"{len(pages)} pages of `extraction-dev` (Mozilla Readability's test pages: news sites, blogs, a few "
        "synthetic edge cases). Reference text: the text of `expected.html` (what Readability.js extracts: "
        "a strong reference, not human gold). Token (`\\w+`, case-folded, multiset) precision and recall per "
        "page, then averaged; *micro* pools every page's tokens. *R < 0.5*: pages where most of the "
        "reference text was missed. Every extractor gets the raw page and the same URL.\n"
    )
    rows = []
    for name, per_page in scores.items():
        ps, rs = [s[0] for s in per_page], [s[1] for s in per_page]
        hit = sum(sum((tokens(o.text) & p.reference).values()) for p, o in zip(pages, outputs[name], strict=True))
        n_got = sum(sum(tokens(o.text).values()) for o in outputs[name])
        n_ref = sum(sum(p.reference.values()) for p in pages)
        f1s = [2 * p * r / (p + r) if p + r else 0.0 for p, r in per_page]
        rows.append(
            [name, fmt(statistics.mean(ps)), fmt(statistics.mean(rs)), fmt(statistics.mean(f1s)),
             fmt(hit / n_got), fmt(hit / n_ref), sum(1 for r in rs if r < 0.5),
             sum(1 for o in outputs[name] if not o.text.strip()), f"{1000 * seconds[name] / len(pages):.0f}"]
        )  # fmt: skip
    print("### Text\n")
    header = ["extractor", "P", "R", "F1", "micro P", "micro R", "R < 0.5", "empty", "ms/page"]
    print(md_table(header, rows) + "\n")
    print(
        "`extract_page` drops the headline when the page repeats it as the first line of the text (the title "
        "is stored apart); on a few synthetic pages (e.g. `title-and-h1-discrepancy`) Readability's reference "
        "keeps it, which counts as lost recall here. Timings are wall clock on a 2-core machine shared with "
        "other jobs: compare them only within one run.\n"
    )

    ours_scores, bare_scores = scores["extract_page (ours)"], scores["extract_page, no boilerplate rules"]
    changed = [
        (p.name, bare, mine)
        for p, bare, mine, a, b in zip(
            pages, bare_scores, ours_scores, outputs["extract_page, no boilerplate rules"],
            outputs["extract_page (ours)"], strict=True,
        )
        if a.text != b.text
    ]  # fmt: skip
    print("### What the boilerplate rules changed\n")
    print(
        f"The rules changed the text of {len(changed)} of {len(pages)} pages "
        f"({sum(1 for _, b, m in changed if m[1] < b[1] - 1e-9)} lost recall, "
        f"{sum(1 for _, b, m in changed if m[0] > b[0] + 1e-9)} gained precision).\n"
    )
    if changed:
        print(md_table(
            ["page", "P without rules", "P with rules", "R without rules", "R with rules"],
            [[n, fmt(b[0]), fmt(m[0]), fmt(b[1]), fmt(m[1])] for n, b, m in changed],
        ) + "\n")  # fmt: skip

    print("### Metadata agreement with the reference\n")
    print(
        "Share of pages, among those whose reference has the field, where the extractor agrees: title and "
        "site name equal after case and whitespace folding; author when one of ours and Readability's byline "
        "holds all the other's words; date the same day; language the same primary tag.\n"
    )
    meta_rows = []
    for field, (key, getter, same) in METADATA.items():
        having = [i for i, p in enumerate(pages) if p.meta.get(key)]
        row: list[object] = [field, len(having)]
        for name in ("extract_page (ours)", "trafilatura direct, defaults"):
            agree = sum(1 for i in having if same(getter(outputs[name][i]), pages[i].meta[key]))
            row.append(f"{agree}/{len(having)} ({agree / len(having):.0%})" if having else "-")
        meta_rows.append(row)
    print(md_table(["field", "pages with it", "extract_page (ours)", "trafilatura direct, defaults"], meta_rows))
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
