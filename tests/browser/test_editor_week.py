"""The editor's whole week, and the reader pages' error and empty states, in headless Chromium.

Against `digest serve` (digest.local.serve) on this module's moto server, at a phone's width (375 px)
and a desktop's (1280 px): the weekly build through the real build handler → the "Draft ready" mail
(read from what moto's SES received) → its review link → edit the subject and a summary → send a test
→ approve (through the thin-edition warning) → send → the stats page and its figures.  Then each
reader page's way of saying no: a bad address at sign-up, broken and expired links, a mistyped time
zone, the erase confirmation, the way back after unsubscribing.  At 375 px no page is wider than the
window.  Skips, saying why, when Playwright for Python or Chromium is missing (never downloads a browser).
"""

from __future__ import annotations

import email
import os
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path
from typing import Any

import pytest

from digest.handlers import build_edition
from digest.local.context import invoke
from digest.local.motoserver import LocalAws, ReceivedMessage, received_messages
from digest.local.run import send_all
from digest.models import EditionStatus, Subscriber, SubscriberStatus
from digest.readers import subscriber_id
from digest.settings import get_settings
from digest.store.aws import table, to_item
from digest.store.editions import EditionStore
from digest.store.secrets import token_keys
from digest.store.subscribers import SubscriberStore
from digest.stories.window import edition_window
from digest.tokens import Purpose, issue, make_token, reader_subject

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
EDITORS = ["week.editor@example.com", "second.editor@example.com"]
READERS = [f"week.reader{n}@example.com" for n in range(3)]
WIDTHS = {375: 3, 1280: 4}  # viewport width → how many weeks back its edition is built (one edition each)


@pytest.fixture(scope="module")
def server(stack: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """`digest serve` on a free port, on this module's moto server, with editors to mail."""
    from digest.local.serve import LocalServer

    saved = {name: os.environ.get(name) for name in ("API_BASE_URL", "EDITOR_ADDRESSES")}
    os.environ["EDITOR_ADDRESSES"] = ", ".join(EDITORS)
    local = LocalServer(port=0, out_dir=tmp_path_factory.mktemp("serve") / "out").start()
    with table(get_settings().subscribers_table).batch_writer() as batch:  # the readers the week is sent to
        for address in READERS:
            batch.put_item(Item=to_item(Subscriber(id=subscriber_id(address), email=address,
                                                   status=SubscriberStatus.confirmed)))  # fmt: skip
    yield local
    local.stop()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium through Playwright (skips when either is missing)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (install Debian's chromium, or set CHROMIUM)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def fits(page: Any, width: int) -> None:
    """Nothing wider than the window: no sideways scrolling at a phone's width."""
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert inner == width
    assert scroll <= inner, f"{page.url} is {scroll} px wide in a {inner} px window"


def press(button: Any) -> None:
    """Scroll to a button, then click it.  (At 375 px, under the preview iframe, Playwright's own
    scroll-and-click on the review page's first form sometimes submitted nothing.)"""
    button.scroll_into_view_if_needed()
    button.click()


def new_mail(endpoint: str, before: int, to: str) -> list[ReceivedMessage]:
    return [m for m in received_messages(endpoint)[before:] if to in m.destinations]


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_the_editors_week_from_build_to_stats(
    server: Any, browser: Any, stack: LocalAws, thin_week: Callable[[int], str], width: int
) -> None:
    settings = get_settings()
    week = thin_week(WIDTHS[width])

    # Build: the real weekly handler, which mails the editors.
    before = len(received_messages(stack.endpoint))
    built = invoke(build_edition.handler, {"week": week}, "build")
    assert built["edition_id"] == week and built["stories"] == 4
    drafts = new_mail(stack.endpoint, before, EDITORS[0])
    assert len(drafts) == 1 and len(new_mail(stack.endpoint, before, EDITORS[1])) == 1
    draft_ready = email.message_from_string(drafts[0].raw, policy=policy.default)
    assert draft_ready["Subject"] == f"Draft ready: {built['subject']}"
    text = draft_ready.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"http://\S+/review/\S+", text)
    assert link and link.group(0).startswith(server.url), text

    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(link.group(0))
    page.get_by_title("Email preview").wait_for()
    assert page.get_by_test_id("status").inner_text() == "draft"
    fits(page, width)

    # Edit the subject, then one story's summary.
    subject = f"Strikes, storms and a museum ({width})"
    page.get_by_role("textbox", name=re.compile("^Subject")).fill(subject)
    press(page.get_by_role("button", name="Save subject and note"))
    page.get_by_text("Saved the subject, preheader and editor's note.").wait_for()
    assert page.get_by_role("textbox", name=re.compile("^Subject")).input_value() == subject
    storm = page.locator("li.story", has_text="Storm floods the west coast")
    storm.get_by_text("Edit the summary").click()
    summary = "Rivers burst their banks overnight; the coast road is shut."
    storm.get_by_role("textbox", name="Summary").fill(summary)
    storm.get_by_role("button", name="Save summary").click()
    page.get_by_title("Email preview").wait_for()
    assert summary in (page.get_by_title("Email preview").get_attribute("srcdoc") or "")
    edition = EditionStore(settings.editions_table, settings.archive_bucket).get(week)
    assert edition and edition.subject == subject
    assert any(s.summary == summary for s in edition.stories())
    fits(page, width)

    # A test copy to the editor, with the new subject.
    tester = f"test.copy.{width}@example.com"
    before = len(received_messages(stack.endpoint))
    page.get_by_label("Test address").fill(tester)
    page.get_by_role("button", name="Send a test").click()
    page.get_by_text(f"A test copy is on its way to {tester}.").wait_for()
    copies = new_mail(stack.endpoint, before, tester)
    assert len(copies) == 1
    copy = email.message_from_string(copies[0].raw, policy=policy.default)
    assert copy["Subject"] == f"[TEST] {subject}"

    # Approve: four stories make a thin edition, so the page asks first.
    page.get_by_role("button", name="Approve for sending").click()
    page.get_by_test_id("warnings").get_by_text("A thin edition").wait_for()
    fits(page, width)
    page.get_by_role("button", name="Approve anyway").click()
    page.get_by_test_id("status").filter(has_text="approved").wait_for()
    page.get_by_role("button", name="Back to draft").wait_for()  # approved: reopening is offered, editing not
    assert page.get_by_role("textbox", name=re.compile("^Subject")).count() == 0

    # Send (what the Friday schedule does), then the numbers.
    before = len(received_messages(stack.endpoint))
    # READERS, and whoever else this module's other tests left confirmed before this one ran
    confirmed = {r.email for r in SubscriberStore(settings.subscribers_table).with_status(SubscriberStatus.confirmed)}
    assert set(READERS) <= confirmed
    result = send_all(settings, week)
    assert result["queued"] == len(confirmed) and result["sent"] == len(confirmed), result
    for address in READERS:
        [received] = new_mail(stack.endpoint, before, address)
        assert email.message_from_string(received.raw, policy=policy.default)["Subject"] == subject
    page.get_by_role("link", name="Numbers for this edition").click()
    page.get_by_role("heading", name="Readers").wait_for()
    assert page.get_by_text(re.compile(r"Status: sent")).count() == 1
    figures = page.get_by_test_id("readers")
    assert re.search(rf"\b{len(confirmed)}\s*sent\b", figures.inner_text()), figures.inner_text()
    assert re.search(r"\b0\s*failed\b", figures.inner_text())
    assert page.locator('[data-counter="opened"]').inner_text().split()[0] == "0"
    assert page.get_by_text("No clicks yet.").count() == 2  # top stories and top links: empty, and saying so
    assert page.get_by_test_id("chart").count() == 1  # this edition among the past editions
    assert page.locator("table").last.get_by_text(week).count() == 1
    fits(page, width)
    if width == 375:
        shot = page.screenshot(full_page=True)
        assert shot.startswith(b"\x89PNG")
    page.get_by_role("link", name="Back to the review page").click()
    page.get_by_test_id("status").filter(has_text="sent").wait_for()
    context.close()


def confirmed_reader(address: str, **fields: Any) -> Subscriber:
    reader = Subscriber(id=subscriber_id(address), email=address, status=SubscriberStatus.confirmed, **fields)
    table(get_settings().subscribers_table).put_item(Item=to_item(reader))
    return reader


def reader_token(reader: Subscriber, purpose: Purpose) -> str:
    return issue(token_keys(get_settings())[0], purpose, reader_subject(reader.id, reader.token_version))


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_reader_pages_say_no_plainly_and_keep_what_was_typed(server: Any, browser: Any, width: int) -> None:
    readers = SubscriberStore(get_settings().subscribers_table)
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()

    # Sign-up with an address the browser lets through but that cannot be mailed: said plainly, form kept.
    page.goto(f"{server.url}/subscribe")
    fits(page, width)
    page.get_by_label("Email address").fill("someone@localhost")
    page.get_by_label("Name (optional)").fill("Sam")
    page.get_by_label("Features").check()
    page.get_by_label(re.compile("I agree")).check()
    page.get_by_role("button", name="Subscribe").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text().startswith("That address cannot be used: ") and ".." not in alert.inner_text()
    assert "String should" not in page.content() and "value_error" not in page.content()
    assert page.get_by_label("Email address").input_value() == "someone@localhost"
    assert page.get_by_label("Name (optional)").input_value() == "Sam"
    assert page.get_by_label("Features").is_checked()
    fits(page, width)

    # Broken and expired links: a plain page, no field names.
    for broken in ("/unsubscribe/short", "/preferences/not-a-real-token-at-all", "/data/aaaaaaaaaa.bbbbbbbbbb"):
        page.goto(server.url + broken)
        words = page.get_by_role("alert").or_(page.locator("main p").first).first.inner_text()
        assert "link" in words.lower(), (broken, words)
        assert "path.token" not in page.content() and "Traceback" not in page.content()
        fits(page, width)
    reader = confirmed_reader(f"pages.{width}@example.com", name="Pat")
    expired = make_token(token_keys(get_settings())[0], Purpose.data, reader_subject(reader.id, reader.token_version),
                         ttl_seconds=-60)  # fmt: skip
    page.goto(f"{server.url}/data/{expired}")
    assert re.search(r"expired|no longer|broken", page.locator("main").inner_text(), re.IGNORECASE)
    assert reader.email not in page.content()

    # Preferences: a mistyped time zone is refused, and stays in the field to correct.
    page.goto(f"{server.url}/preferences/{reader_token(reader, Purpose.preferences)}")
    page.get_by_role("heading", name="Your preferences").wait_for()
    fits(page, width)
    page.get_by_label(re.compile("Time zone")).fill("Europe/Londn")
    page.get_by_role("button", name="Save preferences").click()
    page.get_by_role("alert").get_by_text("Please choose a time zone from the list").wait_for()
    assert page.get_by_label(re.compile("Time zone")).input_value() == "Europe/Londn"
    assert page.get_by_label("Name").input_value() == "Pat"
    assert readers.get(reader.id).timezone is None  # type: ignore[union-attr]
    page.get_by_label(re.compile("Time zone")).fill("Europe/London")
    page.get_by_role("button", name="Save preferences").click()
    page.get_by_text("Saved.").wait_for()
    assert readers.get(reader.id).timezone == "Europe/London"  # type: ignore[union-attr]

    # Erase asks first; "no" keeps everything, "yes" erases.
    page.goto(f"{server.url}/data/{reader_token(reader, Purpose.data)}")
    page.get_by_role("button", name="Erase my data and unsubscribe…").click()
    page.get_by_role("heading", name="Erase your data?").wait_for()
    assert "cannot be undone" in page.locator("main").inner_text()
    fits(page, width)
    page.get_by_role("link", name="No, keep my data").click()
    page.get_by_role("button", name="Erase my data and unsubscribe…").wait_for()
    assert readers.get(reader.id).email == reader.email  # type: ignore[union-attr]
    page.get_by_role("button", name="Erase my data and unsubscribe…").click()
    page.get_by_role("button", name="Yes, erase my data").click()
    page.locator("main h1").wait_for()
    assert readers.get(reader.id).email == ""  # type: ignore[union-attr]
    fits(page, width)

    # Unsubscribing says so, and shows the way back to the sign-up page.
    leaver = confirmed_reader(f"leaver.{width}@example.com")
    page.goto(f"{server.url}/unsubscribe/{reader_token(leaver, Purpose.unsubscribe)}")
    page.get_by_role("button", name="Unsubscribe").click()
    page.get_by_role("heading", name="You are unsubscribed").wait_for()
    assert readers.get(leaver.id).status is SubscriberStatus.unsubscribed  # type: ignore[union-attr]
    fits(page, width)
    page.get_by_role("link", name="Sign up again").click()
    page.get_by_role("button", name="Subscribe").wait_for()
    assert page.get_by_label("Email address").input_value() == ""
    context.close()


def built_sections(week: str) -> list[str]:
    settings = get_settings()
    edition = EditionStore(settings.editions_table, settings.archive_bucket).get(week)
    assert edition
    return [section.title for section in edition.sections]


def test_an_empty_week_says_so_on_the_review_and_stats_pages(server: Any, browser: Any) -> None:
    """A week built from nothing: the review page and the stats say so instead of showing blanks."""
    from digest.api.review import review_link

    settings = get_settings()
    then = datetime.now(UTC) - timedelta(weeks=10)
    week, _, _ = edition_window(None, timezone=settings.newsroom_timezone, send_day=settings.send_day,
                                send_hour=settings.send_hour, now=then)  # fmt: skip
    built = invoke(build_edition.handler, {"week": week}, "build")
    assert built["stories"] == 0
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(review_link(settings, week))
    assert page.get_by_test_id("status").inner_text() == EditionStatus.skipped.value
    assert "nothing will be sent" in page.get_by_test_id("empty").inner_text()
    assert page.get_by_text("No stories in this section.").count() == len(built_sections(week))
    fits(page, 375)
    page.goto(review_link(settings, week) + "/stats")
    assert page.get_by_text("No clicks yet.").count() == 2
    fits(page, 375)
    page.close()


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_the_desk_imports_readers_from_a_chosen_csv_file(
    server: Any, browser: Any, width: int, tmp_path: Path
) -> None:
    """The readers page's file input, as an editor uses it: choose a file, press Import (no JavaScript)."""
    from digest.api.desk import desk_link

    upload = tmp_path / "readers.csv"
    upload.write_text(f"email,name\nfile.{width}@example.com,=Formula\nnot-an-address,x\n", encoding="utf-8-sig")
    context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{desk_link(get_settings())}/subscribers")
    page.get_by_label("A CSV file (UTF-8, up to 5 MB)").set_input_files(str(upload))
    press(page.get_by_role("button", name="Import"))
    page.get_by_role("status").filter(has_text="Imported 1, unchanged 0, not imported 1.").wait_for()
    fits(page, width)
    reader = SubscriberStore(get_settings().subscribers_table).get(subscriber_id(f"file.{width}@example.com"))
    assert reader and reader.name == "=Formula" and reader.status is SubscriberStatus.confirmed
    # nothing chosen and nothing pasted: a plain error on the same page, which stays usable
    press(page.get_by_role("button", name="Import"))
    page.locator(".error").wait_for()
    assert "email" in page.locator(".error").inner_text()
    context.close()
