"""The README's `digest` command blocks, command by command where no other test ran them (issue 18):
sources add / list / remove, edition build / show / pin / drop / restore / summary / render /
review-link, and subscribers add / unsubscribe / list --status; on this module's moto server, through
the CLI's own entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from digest.cli import main
from digest.local.motoserver import LocalAws
from digest.readers import subscriber_id
from digest.settings import get_settings
from digest.tokens import Purpose, read_token
from local_http import serving

WEEK = "2026-W45"  # sent Friday 6 November 2026, 07:00 in London: the window is the 7 days before


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def show(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    edition: dict[str, Any] = json.loads(cli(capsys, "edition", "show", WEEK, "--json"))
    return edition


def placed(edition: dict[str, Any]) -> dict[str, list[str]]:
    return {s["key"]: [story["id"] for story in s["stories"]] for s in edition["sections"]}


def in_edition(edition: dict[str, Any]) -> set[str]:
    return {story for stories in placed(edition).values() for story in stories}


def test_sources_add_list_and_remove(stack: LocalAws, capsys: pytest.CaptureFixture[str]) -> None:
    cli(capsys, "sources", "add", "herald", "The Herald", "https://example.org/rss.xml", "--authority", "0.8",
        "--boilerplate", "cut:^Advertisement$")  # fmt: skip
    listed = [json.loads(line) for line in cli(capsys, "sources", "list").splitlines()]  # JSON lines
    herald = next(s for s in listed if s["id"] == "herald")
    assert (herald["name"], herald["feed_url"], herald["authority"], herald["boilerplate"]) == (
        "The Herald", "https://example.org/rss.xml", 0.8, ["cut:^Advertisement$"])  # fmt: skip
    assert main(["sources", "add", "bad", "Bad", "https://example.org/b.xml", "--boilerplate", "cut:("]) == 1
    assert "is not a valid pattern" in capsys.readouterr().err
    cli(capsys, "sources", "remove", "herald")
    assert "herald" not in {json.loads(line)["id"] for line in cli(capsys, "sources", "list").splitlines()}


def test_an_editor_builds_shows_edits_renders_and_links_a_draft(
    stack: LocalAws, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stories = {
        "ferry": ["Ferry strike halts island crossings for a second day",
                  "Second day of ferry strike halts crossings to the islands"],
        "museum": ["City museum reopens after two years of roof repairs"],
        "library": ["Library budget cut by a fifth in the council's new plan"],
    }  # fmt: skip
    lines = [json.dumps({"url": f"https://{n}.example.org/{key}", "title": title, "source": f"Outlet {n}",
                         "text": f"{title}. More about it in a second sentence.",
                         "published": f"2026-11-0{2 + n}T09:00:00Z"})
             for key, titles in stories.items() for n, title in enumerate(titles)]  # fmt: skip
    articles = tmp_path / "articles.jsonl"
    articles.write_text("\n".join(lines) + "\n")
    assert json.loads(cli(capsys, "ingest", "--file", str(articles), "--quiet").splitlines()[-1])
    built = cli(capsys, "edition", "build", "--week", WEEK)
    assert built.splitlines()[-1] == WEEK  # "prints the edition id last"

    edition = show(capsys)
    assert edition["status"] == "draft" and edition["article_count"] == 4
    headlines = {story["headline"]: story["id"] for s in edition["sections"] for story in s["stories"]}
    ids = {key: next(i for h, i in headlines.items() if key in h.lower()) for key in ("ferry", "museum", "library")}
    assert len(headlines) == 3  # the two ferry articles are one story
    cli(capsys, "edition", "pin", WEEK, ids["library"], "--section", "lead", "--who", "ed")
    cli(capsys, "edition", "drop", WEEK, ids["museum"], "--who", "ed")
    cli(capsys, "edition", "summary", WEEK, ids["ferry"], "A better summary.", "--who", "ed")
    edited = show(capsys)
    assert placed(edited)["lead"] == [ids["library"]]
    assert ids["museum"] not in in_edition(edited)
    ferry = next(story for s in edited["sections"] for story in s["stories"] if story["id"] == ids["ferry"])
    assert ferry["summary"] == "A better summary."
    edits = [h for h in edited["history"] if h["what"].split()[0] in {"pin", "drop", "summary"}]
    assert [(h["who"], h["what"].split()[0]) for h in edits] == [("ed", "pin"), ("ed", "drop"), ("ed", "summary")]
    assert edits[0]["what"] == f"pin {edits[0]['what'].split()[1]} to lead"
    assert all(h["at"].startswith("20") for h in edits)  # "recorded in the edition's history with who and when"
    cli(capsys, "edition", "restore", WEEK, ids["museum"], "--who", "ed")  # "restore undoes it"
    assert ids["museum"] in in_edition(show(capsys))

    rendered = json.loads(cli(capsys, "edition", "render", WEEK, "--out", str(tmp_path / "out")))
    assert sorted(Path(f).name for f in rendered["files"]) == ["edition.html", "edition.txt", "web.html"]
    assert "A better summary." in (tmp_path / "out" / "edition.txt").read_text()

    link = cli(capsys, "edition", "review-link", WEEK).strip()
    path = urlsplit(link).path
    assert path.startswith("/review/")
    assert read_token([get_settings().token_secret], path.removeprefix("/review/"), Purpose.review) == WEEK


def test_subscribers_add_unsubscribe_and_list_by_status(stack: LocalAws, capsys: pytest.CaptureFixture[str]) -> None:
    cli(capsys, "subscribers", "add", "ada@example.org", "--name", "Ada", "--sections", "top;analysis")
    cli(capsys, "subscribers", "add", "bob@example.org", "--name", "Bob")
    cli(capsys, "subscribers", "unsubscribe", subscriber_id("bob@example.org"))  # "by address or id"
    confirmed = [json.loads(line) for line in cli(capsys, "subscribers", "list", "--status", "confirmed").splitlines()]
    assert [(r["email"], r["name"], r["sections"]) for r in confirmed] == [
        ("ada@example.org", "Ada", ["top", "analysis"])
    ]
    left = [
        json.loads(line)["email"]
        for line in cli(capsys, "subscribers", "list", "--status", "unsubscribed").splitlines()
    ]
    assert left == ["bob@example.org"]


def test_ingest_against_aws_hands_the_sources_to_the_deployed_queue(stack: LocalAws) -> None:
    """README: "Against AWS (no AWS_ENDPOINT_URL), `ingest` ... hand[s] the work to the deployed queues"
    — the CLI queues each due source for the ingest workers and fetches nothing itself."""
    from digest.models import Source
    from digest.store.aws import client
    from digest.store.queues import queue_url
    from digest.store.sources import SourceStore

    settings = get_settings()
    SourceStore(settings.sources_table).put(Source(id="remote-herald", name="Remote Herald",
                                                   feed_url="https://herald.example.org/rss.xml"))  # fmt: skip
    ingest = queue_url(settings.ingest_queue_url, "ingest")
    sqs = client("sqs")
    sqs.purge_queue(QueueUrl=ingest)
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    for service in ("DYNAMODB", "SQS", "S3", "SES", "SESV2", "SECRETSMANAGER"):
        env[f"AWS_ENDPOINT_URL_{service}"] = stack.endpoint  # AWS, as far as the CLI can tell
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", INGEST_QUEUE_URL=ingest)
    done = subprocess.run([sys.executable, "-m", "digest.cli", "ingest"], capture_output=True, text=True, env=env,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    queued = json.loads(done.stdout)
    assert queued["queued"] >= 1 and set(queued) == {"queued", "failing_24h"}
    bodies = []
    while batch := sqs.receive_message(QueueUrl=ingest, MaxNumberOfMessages=10).get("Messages", []):
        bodies += [json.loads(m["Body"]) for m in batch]
    assert {"source_id": "remote-herald"} in bodies and len(bodies) == queued["queued"]
    source = SourceStore(settings.sources_table).get("remote-herald")
    assert source is not None and source.last_fetched is None  # nothing fetched here


def test_a_picked_pages_html_is_kept_in_s3(stack: LocalAws, capsys: pytest.CaptureFixture[str]) -> None:
    """README: "Page HTML is kept in S3" — `digest pick URL` fetches the page, and its HTML is stored
    beside the article's record, under the article's id."""
    from http.server import BaseHTTPRequestHandler

    from digest.store.articles import ArticleStore
    from digest.store.aws import client

    sentences = " ".join(f"The harbour board met for the {n}th time and agreed the budget." for n in range(4, 30))
    page = (f"<html lang='en'><head><title>Harbour board agrees budget</title></head><body><article>"
            f"<h1>Harbour board agrees budget</h1><p>{sentences}</p></article></body></html>").encode()  # fmt: skip

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serving(Page) as base:
        picked = json.loads(cli(capsys, "pick", f"{base}/2026/11/03/harbour-budget", "--pin", "features"))
    settings = get_settings()
    stored = client("s3").get_object(Bucket=settings.articles_bucket, Key=ArticleStore.page_key(picked["id"]))
    assert stored["Body"].read() == page
