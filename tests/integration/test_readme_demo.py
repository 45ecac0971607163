"""`make demo` as the README's Quick start describes it (issue 18): what it runs and what it writes to
out/, checked file by file against the README's table, from one run of `digest demo` as CI runs it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from digest.local.site import SampleSite

SRC = re.compile(r'src="([^"]*)"')


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One `digest demo --out DIR` run on its own embedded local AWS (no endpoint in the environment)."""
    out = tmp_path_factory.mktemp("demo") / "out"
    env = {k: v for k, v in os.environ.items() if k not in {"AWS_ENDPOINT_URL", "API_BASE_URL", "ARCHIVE_BASE_URL"}}
    result = subprocess.run([sys.executable, "-m", "digest.cli", "demo", "--out", str(out)], capture_output=True,
                            text=True, env=env, timeout=600)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    return out, result.stdout + result.stderr


def messages(out: Path) -> dict[str, EmailMessage]:
    parsed = {}
    for path in sorted(out.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        parsed[path.stem] = message
    return parsed


def part(message: EmailMessage, kind: str) -> str:
    body = message.get_body((kind,))
    assert body is not None
    return str(body.get_content())


def test_the_sample_site_has_eight_outlets_in_three_feed_formats_and_77_articles(demo: tuple[Path, str]) -> None:
    """README: "a bundled sample news site (8 outlets; RSS 2.0, Atom and JSON Feed; 77 articles over one
    week)", ingested over HTTP: every article reaches the edition."""
    out, log = demo
    summary = json.loads((out / "summary.json").read_text())
    assert summary["stages"]["sources"] == 8 and summary["stages"]["ingest_polls"] == 8
    assert summary["stages"]["articles"] == 77
    site = SampleSite(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 8, tzinfo=UTC))
    assert len(site.outlets) == 8 and len(site.articles) == 77
    assert {o["format"] for o in site.outlets.values()} == {"rss", "atom", "json"}
    assert "0 failed" in log  # "8 sources queued, 8 polled, 0 failed"


def test_one_message_per_recipient_as_ses_received_it(demo: tuple[Path, str]) -> None:
    out, _ = demo
    summary = json.loads((out / "summary.json").read_text())
    sent = summary["stages"]["send"]
    parsed = messages(out)
    assert sent["sent"] == sent["queued"] == summary["emails"] == len(parsed) == 7
    assert sent["failed"] == sent["pending"] == 0 and sent["in_doubt"] == []
    for name, message in parsed.items():
        assert message["To"].addresses[0].addr_spec.lower() == name.lower()  # out/<address>.eml
        assert message.get_content_type() == "multipart/alternative"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_edition_html_and_txt_are_the_parts_a_reader_received(demo: tuple[Path, str]) -> None:
    """The text part byte for byte; the HTML part too, except that its images point at the copies in
    out/archive/img/ (README: "not hot-linked from the sample site") and its lines end in LF."""
    out, _ = demo
    text, html = ((out / name).read_bytes().decode() for name in ("edition.txt", "edition.html"))  # CRLF kept
    same_text = [m for m in messages(out).values() if part(m, "plain") == text]
    assert len(same_text) == 1  # one reader's copy: the name and the signed links are that reader's
    received = part(same_text[0], "html")
    # the image rewrite reads and writes the page as text, so its line ends are the platform's
    assert SRC.sub('src=""', received).replace("\r\n", "\n") == SRC.sub('src=""', html)
    images = SRC.findall(html)
    assert images and all(src.startswith("archive/img/") and (out / src).is_file() for src in images)
    assert all(src.startswith("http") for src in SRC.findall(received))


def test_the_web_archive_is_the_editions_page_the_index_and_the_feed(demo: tuple[Path, str]) -> None:
    out, _ = demo
    edition = json.loads((out / "summary.json").read_text())["edition"]
    archive = out / "archive"
    assert sorted(p.relative_to(archive).as_posix() for p in archive.rglob("*.*") if p.parent.name != "img") == [
        f"{edition}/index.html", "feed.xml", "index.html"]  # fmt: skip
    page = (archive / edition / "index.html").read_text()
    images = SRC.findall(page)
    assert images and all(src.startswith("../img/") and (archive / "img" / src.removeprefix("../img/")).is_file()
                          for src in images)  # fmt: skip
    assert f"{edition}/" in (archive / "index.html").read_text()
    feed = ElementTree.fromstring((archive / "feed.xml").read_bytes())
    assert feed.tag == "rss" and [i.findtext("link") for i in feed.iter("item")] == [
        f"http://127.0.0.1:8000/archive/{edition}/"]  # fmt: skip


def test_summary_counts_each_stage_and_times_it(demo: tuple[Path, str]) -> None:
    out, _ = demo
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["stages"]) == {"sources", "ingest_polls", "articles", "stories", "send"}
    assert summary["stages"]["stories"] > 0
    timings = summary["timings_seconds"]
    assert timings["total"] >= sum(v for k, v in timings.items() if k != "total") - 0.05
    assert any(k.startswith("Ingesting over HTTP") for k in timings)
    assert any(k.startswith("Sending through SES") for k in timings)
