"""A reader and an editor in headless Chromium, against `digest serve` (digest.local.serve) on moto.

Reader: sign up → the confirmation mail in out/mail → the confirm page → one click → preferences →
RFC 8058 one-click unsubscribe.  Editor: the review page of a seeded draft → pin a story → approve.
Skips, saying why, when Playwright for Python or /usr/bin/chromium is missing (never downloads a browser).
"""

from __future__ import annotations

import email
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from email import policy
from pathlib import Path
from typing import Any

import pytest

from digest.api.review import review_link
from digest.local.motoserver import LocalAws
from digest.local.serve import LocalServer
from digest.mail.service import mail_reader
from digest.models import Edition, EditionStatus, SubscriberStatus
from digest.readers import subscriber_id
from digest.settings import get_settings
from digest.store.editions import EditionStore
from digest.store.subscribers import SubscriberStore
from digest.stories.service import build_edition

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def server(stack: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """`digest serve` on a free port, on this module's moto server (so the test can seed and inspect it)."""
    before = os.environ.get("API_BASE_URL")
    local = LocalServer(port=0, out_dir=tmp_path_factory.mktemp("serve") / "out").start()
    yield local
    local.stop()
    if before is None:
        os.environ.pop("API_BASE_URL", None)
    else:
        os.environ["API_BASE_URL"] = before
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def signup_browser() -> Iterator[Any]:
    """Headless Chromium through Playwright (this module's own fixture)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (install Debian's chromium, or set CHROMIUM)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def mail_for(server: LocalServer, address: str) -> email.message.EmailMessage:
    """The latest mail to ``address`` in out/mail, waiting (10 s at most) as a reader would: the
    confirmation mail is sent by the notice worker a moment after the sign-up's reply."""
    directory = server.out_dir / "mail"
    deadline = time.monotonic() + 10
    while not (files := sorted(directory.glob(f"*-{address}.eml"))) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert files, f"no mail to {address} in {directory}: {sorted(p.name for p in directory.glob('*'))}"
    return email.message_from_bytes(files[-1].read_bytes(), policy=policy.default)  # type: ignore[return-value]


def test_reader_signs_up_confirms_changes_preferences_and_unsubscribes(
    server: LocalServer, signup_browser: Any
) -> None:
    address = "browser.reader@example.com"
    reader_id = subscriber_id(address)
    readers = SubscriberStore(get_settings().subscribers_table)
    context = signup_browser.new_context()
    page = context.new_page()

    page.goto(f"{server.url}/subscribe")
    page.get_by_label("Email address").fill(address)
    page.get_by_label("Name (optional)").fill("Bea")
    page.get_by_label("Top news").check()
    page.get_by_label(re.compile("I agree")).check()
    page.get_by_role("button", name="Subscribe").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    reader = readers.get(reader_id)
    assert reader and reader.status is SubscriberStatus.pending and reader.consents[0].source == "subscribe-page"

    body = mail_for(server, address).get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"http://\S+/confirm\?token=\S+", body)
    assert link and link.group(0).startswith(server.url), body
    page.goto(link.group(0))
    page.get_by_role("heading", name="Confirm your subscription").wait_for()
    assert readers.get(reader_id).status is SubscriberStatus.pending  # type: ignore[union-attr]  # opening it is not enough
    page.get_by_role("button", name="Confirm my subscription").click()
    page.get_by_role("heading", name="You're subscribed").wait_for()
    reader = readers.get(reader_id)
    assert reader and reader.status is SubscriberStatus.confirmed
    assert [c.event for c in reader.consents] == ["subscribe", "confirm"]
    assert reader.consents[1].user_agent and "Chrome" in reader.consents[1].user_agent

    links = mail_reader(get_settings(), reader_id)  # the links every edition carries
    unsubscribe_url, preferences_url = links.unsubscribe_url, links.preferences_url
    page.goto(preferences_url)
    page.get_by_role("heading", name="Your preferences").wait_for()
    assert page.get_by_label("Top news").is_checked()
    page.get_by_label("Features").check()
    page.get_by_label(re.compile("Time zone")).fill("America/New_York")
    page.get_by_role("button", name="Save preferences").click()
    page.get_by_text("Saved.").wait_for()
    reader = readers.get(reader_id)
    assert reader and {s.value for s in reader.sections} == {"top", "features"}
    assert reader.timezone == "America/New_York"

    # What a mailbox provider does for RFC 8058 one-click: a POST with the form body, no redirects followed.
    reply = context.request.post(unsubscribe_url, form={"List-Unsubscribe": "One-Click"}, max_redirects=0)
    assert reply.status == 200
    assert "set-cookie" not in {k.lower() for k in reply.headers}
    assert readers.get(reader_id).status is SubscriberStatus.unsubscribed  # type: ignore[union-attr]
    context.close()


def seed_edition(thin_week: Callable[[int], str]) -> Edition:
    """A thin week three weeks ago, built (once per module)."""
    settings = get_settings()
    week = thin_week(3)
    existing = EditionStore(settings.editions_table, settings.archive_bucket).get(week)
    return existing or build_edition(settings, week)


def test_editor_pins_a_story_and_approves_on_the_review_page(
    server: LocalServer, signup_browser: Any, thin_week: Callable[[int], str]
) -> None:
    edition = seed_edition(thin_week)
    assert edition.status is EditionStatus.draft
    museum = next(s for s in edition.stories() if "Museum" in s.headline)
    url = review_link(get_settings(), edition.id)
    assert url.startswith(server.url)
    page = signup_browser.new_page()
    page.goto(url)
    page.get_by_title("Email preview").wait_for()
    story = page.locator(f'li[data-story="{museum.lead.id}"]')
    story.locator("select").select_option("lead")
    story.locator('input[name="position"]').fill("1")
    story.get_by_role("button", name="Pin").click()
    page.locator(f'li[data-story="{museum.lead.id}"] .pinned').wait_for()
    first_lead = page.locator("section[aria-label=Controls] ol").first.locator("li").first
    assert first_lead.get_attribute("data-story") == museum.lead.id
    assert "pinned" in first_lead.inner_text().lower()
    page.get_by_role("button", name="Approve for sending").click()
    page.get_by_test_id("warnings").get_by_text("A thin edition").wait_for()  # four stories: asked first
    page.get_by_role("button", name="Approve anyway").click()
    page.get_by_test_id("status").filter(has_text="approved").wait_for()
    stored = EditionStore(get_settings().editions_table, get_settings().archive_bucket).get(edition.id)
    assert stored and stored.status is EditionStatus.approved
    assert stored.sections[0].stories[0].lead.id == museum.lead.id
    page.close()
