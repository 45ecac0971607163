"""The CLI's newer commands (issue 16): progress on standard error, an honest ingest summary, editions
listed and reopened, readers added / unsubscribed / erased, sources imported from OPML and CSV,
stats as a table, `stack create` twice; and every bad input as one line and a non-zero exit."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

import pytest

from digest.cli import main
from digest.local.motoserver import LocalAws
from digest.models import Edition, EditionSection, EditionStatus, Section, Source, SubscriberStatus
from digest.progress import Progress
from digest.readers import subscriber_id
from digest.settings import get_settings
from digest.store.editions import EditionStore
from digest.store.sources import SourceStore
from digest.store.subscribers import SubscriberStore
from local_http import serving


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_cli(stack: LocalAws, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ENDPOINT_URL": stack.endpoint}
    return subprocess.run([sys.executable, "-m", "digest.cli", *args], capture_output=True, text=True, env=env,
                          timeout=120)  # fmt: skip


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("digest: error:"), lines[0]
    return lines[0]


def edition(edition_id: str, status: EditionStatus, number: int = 1) -> Edition:
    end = datetime(2026, 1, 2, 8, tzinfo=UTC) + timedelta(weeks=number)
    top = EditionSection(key=Section.top, title="Top stories", stories=[])
    return Edition(id=edition_id, number=number, status=status, window_start=end - timedelta(days=7),
                   window_end=end, sections=[top])  # fmt: skip


# ------------------------------------------------------------------ progress


class TestProgress:
    def test_plain_lines_off_a_terminal_with_rate_and_time_left(self) -> None:
        stream, now = io.StringIO(), [0.0]
        progress = Progress("sending", 100, "readers", stream=stream, every=2.0, clock=lambda: now[0])
        for done in range(0, 101, 10):
            now[0] += 1.0
            progress.update(done)
        progress.finish(100)
        lines = stream.getvalue().splitlines()
        assert "\r" not in stream.getvalue()
        assert lines[0].startswith("sending: 0/100 readers (0%)")
        assert any("/s, about" in line and "left" in line for line in lines[1:-1]), lines
        assert lines[-1].startswith("sending: 100/100 readers (100%)") and "left" not in lines[-1]
        assert len(lines) <= 8  # throttled: not one line per update

    def test_redrawn_in_place_on_a_terminal(self) -> None:
        class Tty(io.StringIO):
            def isatty(self) -> bool:
                return True

        stream = Tty()
        progress = Progress("importing", 3, "readers", stream=stream, clock=lambda: 1.0)
        progress.update(1, force=True)
        progress.finish(3)
        assert stream.getvalue().count("\r") == 2 and stream.getvalue().endswith("\n")

    def test_disabled_writes_nothing(self) -> None:
        stream = io.StringIO()
        progress = Progress("x", 1, stream=stream, enabled=False)
        progress.update(1, force=True)
        progress.finish()
        assert stream.getvalue() == ""


# ------------------------------------------------------------------ stack, ingest


def test_stack_create_twice(stack: LocalAws, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "stack", "create")[0] == 0
    code, _, err = cli(capsys, "stack", "create")
    assert code == 0 and "error" not in err


@pytest.fixture
def feed_site(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "feed.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Works</title><link>http://x/</link>'
        "<item><title>Harbour bridge reopens after repairs</title><link>{base}/a.html</link>"
        f"<pubDate>{datetime.now(UTC):%a, %d %b %Y %H:%M:%S} +0000</pubDate>"
        "<description>The bridge is open again.</description></item></channel></rss>"
    )
    (tmp_path / "a.html").write_text("<html><body><article><h1>Bridge</h1><p>Open again.</p></article></body></html>")
    with serving(partial(SimpleHTTPRequestHandler, directory=str(tmp_path))) as base:
        (tmp_path / "feed.xml").write_text((tmp_path / "feed.xml").read_text().replace("{base}", base))
        yield base


def test_ingest_names_the_failed_sources_and_exits_non_zero(
    stack: LocalAws, feed_site: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = SourceStore(get_settings().sources_table)
    for source in store.all():
        store.delete(source.id)
    store.put(Source(id="works", name="Works", feed_url=f"{feed_site}/feed.xml"))  # type: ignore[arg-type]
    store.put(Source(id="gone", name="Gone", feed_url=f"{feed_site}/missing.xml"))  # type: ignore[arg-type]
    code, out, err = cli(capsys, "ingest")
    summary = json.loads(out)
    assert code == 1
    assert summary["queued"] == 2 and summary["ok"] == 1 and summary["failed"] == 1
    assert summary["failures"][0]["source"] == "gone" and "404" in summary["failures"][0]["error"]
    assert "failed: gone:" in err and "ingesting: 2/2 sources" in err
    assert len(out.splitlines()) == 1  # the summary alone: logs never reach standard output
    code, out, err = cli(capsys, "ingest", "--quiet")  # nothing due: nothing failed
    assert code == 0 and json.loads(out)["failed"] == 0 and err == ""


# ------------------------------------------------------------------ editions


def test_edition_list_reopen_and_stats(stack: LocalAws, capsys: pytest.CaptureFixture[str]) -> None:
    store = EditionStore(get_settings().editions_table, get_settings().archive_bucket)
    store.save(edition("2026-W02", EditionStatus.sent, 1))
    store.save(edition("2026-W03", EditionStatus.approved, 2))
    code, out, _ = cli(capsys, "edition", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["EDITION", "NO.", "STATUS"]
    assert lines[1].split()[:3] == ["2026-W03", "2", "approved"] and lines[2].split()[:3] == ["2026-W02", "1", "sent"]
    rows = [json.loads(line) for line in cli(capsys, "edition", "list", "--json")[1].splitlines()]
    assert [r["id"] for r in rows] == ["2026-W03", "2026-W02"] and rows[0]["status"] == "approved"

    code, out, _ = cli(capsys, "edition", "reopen", "2026-W03", "--who", "ann")
    assert code == 0 and "draft" in out
    reopened = store.get("2026-W03")
    assert reopened is not None and reopened.status is EditionStatus.draft
    assert reopened.history[-1]["who"] == "ann"
    code, _, err = cli(capsys, "edition", "reopen", "2026-W02")
    assert code == 1 and err.startswith("digest: error: edition 2026-W02 is sent")

    code, out, _ = cli(capsys, "edition", "stats", "2026-W02")
    assert code == 0 and "Readers" in out and "delivered" in out and "%" in out
    code, out, _ = cli(capsys, "edition", "stats", "2026-W02", "--json")
    report = json.loads(out)
    assert report["edition"] == "2026-W02" and set(report) == {"edition", "status", "readers", "feedback", "rates",
                                                                 "in_doubt"}  # fmt: skip


# ------------------------------------------------------------------ readers


def test_subscribers_add_unsubscribe_erase(stack: LocalAws, capsys: pytest.CaptureFixture[str]) -> None:
    readers = SubscriberStore(get_settings().subscribers_table)
    code, out, _ = cli(capsys, "subscribers", "add", "ada@Example.ORG", "--name", "Ada", "--sections", "top;analysis")
    added = json.loads(out)
    assert code == 0 and added["email"] == "ada@example.org" and added["status"] == "confirmed"
    assert added["sections"] == ["top", "analysis"]
    code, out, _ = cli(capsys, "subscribers", "unsubscribe", "ada@example.org", "--who", "desk")
    assert code == 0 and json.loads(out)["status"] == "unsubscribed"
    reader = readers.get(subscriber_id("ada@example.org"))
    assert reader is not None and reader.consents[-1].event == "unsubscribe" and "desk" in reader.consents[-1].source
    # an import (or add) never brings back a reader who left
    code, _, err = cli(capsys, "subscribers", "add", "ada@example.org")
    assert code == 1 and "unsubscribed" in err
    code, _, err = cli(capsys, "subscribers", "erase", "ada@example.org")
    assert code == 1 and "--yes" in err
    code, out, _ = cli(capsys, "subscribers", "erase", "ada@example.org", "--yes")
    assert code == 0 and json.loads(out) == {"erased": subscriber_id("ada@example.org")}
    erased = readers.get(subscriber_id("ada@example.org"))
    assert erased is not None and erased.status is SubscriberStatus.erased and erased.email == ""


def test_subscribers_import_shows_progress(
    stack: LocalAws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "readers.csv"
    csv.write_text("email,name\n" + "".join(f"r{n}@example.org,R{n}\n" for n in range(30)))
    code, out, err = cli(capsys, "subscribers", "import", str(csv))
    assert code == 0 and json.loads(out) == {"imported": 30, "rejected": 0}
    assert err.strip().splitlines()[-1].startswith("importing: 30/30 readers (100%)")
    code, out, err = cli(capsys, "subscribers", "import", str(csv), "--quiet")
    assert code == 0 and err == ""



def test_subscribers_export_round_trips_through_import(
    stack: LocalAws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI exports what the admin API does: the import's columns with the consent record, no
    erased reader, formulas neutralised; importing the file back changes nothing."""
    for address, extra in (("grace@example.org", ["--name", "=SUM(A1)", "--sections", "top"]),
                           ("gone@example.org", [])):  # fmt: skip
        assert cli(capsys, "subscribers", "add", address, *extra)[0] == 0
    assert cli(capsys, "subscribers", "erase", "gone@example.org", "--yes")[0] == 0
    exported = tmp_path / "readers.csv"
    code, out, _ = cli(capsys, "subscribers", "export", "--out", str(exported))
    assert code == 0 and out == ""
    rows = exported.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "email,name,sections,timezone,status,consent_at,consent_source,policy_version"
    (grace,) = [row for row in rows if row.startswith("grace@")]
    assert grace.startswith("grace@example.org,'=SUM(A1),top,,confirmed,20")
    assert not any("gone@" in row for row in rows)
    before = SubscriberStore(get_settings().subscribers_table).get(subscriber_id("grace@example.org"))
    code, out, _ = cli(capsys, "subscribers", "import", str(exported), "--quiet")
    assert code == 0 and json.loads(out)["rejected"] == 0
    after = SubscriberStore(get_settings().subscribers_table).get(subscriber_id("grace@example.org"))
    assert before is not None and after is not None
    assert after.model_dump(exclude={"updated"}) == before.model_dump(exclude={"updated"})


def test_subscribers_import_never_brings_back_a_reader_who_left(
    stack: LocalAws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "subscribers", "add", "left@example.org")[0] == 0
    assert cli(capsys, "subscribers", "unsubscribe", "left@example.org")[0] == 0
    csv = tmp_path / "old-list.csv"
    csv.write_text("email,name,status\nleft@example.org,Left,confirmed\nnew@example.org,New,confirmed\n")
    code, out, err = cli(capsys, "subscribers", "import", str(csv), "--quiet")
    assert code == 1 and json.loads(out) == {"imported": 1, "rejected": 1}
    assert err == "skipped left@example.org: the reader is unsubscribed; not changed by an import\n"
    readers = SubscriberStore(get_settings().subscribers_table)
    left, new = readers.get(subscriber_id("left@example.org")), readers.get(subscriber_id("new@example.org"))
    assert left is not None and left.status is SubscriberStatus.unsubscribed
    assert new is not None and new.status is SubscriberStatus.confirmed

# ------------------------------------------------------------------ sources import

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>My feeds</title></head><body>
  <outline text="News">
    <outline type="rss" text="Harbour Herald" title="Harbour Herald" xmlUrl="https://herald.example.org/feed.xml"/>
    <outline type="rss" text="Coast Courier" xmlUrl="https://courier.example.org/rss"/>
  </outline>
  <outline type="rss" text="Broken" xmlUrl="not a url"/>
</body></opml>
"""


def test_sources_import_opml_and_csv(stack: LocalAws, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = SourceStore(get_settings().sources_table)
    for source in store.all():
        store.delete(source.id)
    opml = tmp_path / "feeds.opml"
    opml.write_text(OPML)
    code, out, err = cli(capsys, "sources", "import", str(opml))
    assert code == 1  # one outline was rejected, and said so
    assert json.loads(out) == {"added": 2, "updated": 0, "unchanged": 0, "rejected": 1}
    assert "skipped outline" in err and "not a url" in err
    assert {s.id for s in store.all()} == {"harbour-herald", "coast-courier"}
    code, out, _ = cli(capsys, "sources", "import", str(opml))  # again: nothing new
    assert json.loads(out) == {"added": 0, "updated": 0, "unchanged": 2, "rejected": 1}

    table = tmp_path / "feeds.csv"
    table.write_text("id,name,feed_url,authority,kind\n"
                     "herald,Harbour Herald,https://herald.example.org/feed.xml,0.9,news\n"
                     "gazette,Gazette,https://gazette.example.org/atom,0.7,analysis\n")  # fmt: skip
    code, out, err = cli(capsys, "sources", "import", str(table))
    assert code == 0, err
    assert json.loads(out) == {"added": 1, "updated": 0, "unchanged": 1, "rejected": 0}
    assert "already followed as harbour-herald" in err
    gazette = store.get("gazette")
    assert gazette is not None and gazette.authority == 0.7 and gazette.default_kind.value == "analysis"


# ------------------------------------------------------------------ bad input: one line, exit != 0


@pytest.mark.parametrize(
    "args",
    [
        ["edition", "reopen", "1999-W01"],
        ["edition", "stats", "1999-W01"],
        ["edition", "stats", "1999-W01", "--json"],
        ["edition", "list", "--bogus"],
        ["subscribers", "add", "not-an-address"],
        ["subscribers", "add", "x@example.org", "--sections", "nonsense"],
        ["subscribers", "add", "x@example.org", "--timezone", "Mars/Olympus"],
        ["subscribers", "unsubscribe", "nobody@example.org"],
        ["subscribers", "unsubscribe", "bad@@address"],
        ["subscribers", "erase", "nobody@example.org", "--yes"],
        ["sources", "import", "/no/such.opml"],
        ["ingest", "--source", "no-such-source"],
        ["demo", "--serve", "--port", "70000"],
    ],
)
def test_bad_input_is_one_line(stack: LocalAws, args: list[str]) -> None:
    one_line_error(run_cli(stack, *args))


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("broken.opml", "<opml><body><outline", "not OPML"),
        ("page.xml", "<html><body>hi</body></html>", "not OPML"),
        ("feeds.csv", "name,url\nx,y\n", "feed_url"),
        ("empty.opml", "<opml><body></body></opml>", "no feeds"),
        ("bomb.opml", '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                      '<opml><body><outline xmlUrl="&b;"/></body></opml>', ""),
    ],
)
def test_bad_source_files_are_one_line(stack: LocalAws, tmp_path: Path, name: str, content: str, says: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    result = run_cli(stack, "sources", "import", str(path))
    assert "Traceback" not in result.stderr and result.returncode != 0
    if says:
        assert says in one_line_error(result)
