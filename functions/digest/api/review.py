"""The editor's review page: a signed link to one edition's draft, its preview and its controls.

Authorisation a browser can carry without cookies or headers: the link itself.  ``review_link``
signs the edition id for the ``review`` purpose (three days), the CLI prints it, and the page's
forms post back to the same URL, so whoever holds the link can review that edition and no other.

Every control answers with a redirect back to the page carrying what was done (``?done=pin&story=ID``);
the page turns that into a sentence (never echoing text from the query), so a reload repeats nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from digest.api.admin import approve, get_edition, preview, test_send
from digest.models import SECTION_TITLES, Action, Decision, Edition, EditionStatus, Section, Story
from digest.render.edition import (
    MAX_HTML_BYTES,
    PREFERENCES_URL,
    READER_NAME,
    UNSUBSCRIBE_URL,
    EditionTooLarge,
    RenderedEdition,
)
from digest.settings import Settings
from digest.store.articles import ArticleStore
from digest.store.secrets import token_keys
from digest.stories.service import COPY_LIMITS, EditionError, edit_edition, set_copy, set_status
from digest.stories.window import send_time
from digest.tokens import Purpose, issue, read_token

REVIEWER = "review-page"
SAMPLE_READER = "Alex"  # the preview's greeting: "Dear Alex," (each reader sees their own name)
THIN_EDITION = 5  # fewer stories than this and the editor is asked before approving
MUST_HAVE = (Section.lead, Section.top)  # sections an edition should not go out without
ACTIONS = ("pin", "unpin", "drop", "restore", "up", "down", "summary", "copy", "test", "approve", "reopen")


def review_token(settings: Settings, edition_id: str) -> str:
    return issue(token_keys(settings)[0], Purpose.review, edition_id)


def review_link(settings: Settings, edition_id: str) -> str:
    """The review page of ``edition_id`` (valid three days), for `digest edition review-link ID`."""
    return f"{settings.api_base_url.rstrip('/')}/review/{review_token(settings, edition_id)}"


def edition_for(settings: Settings, token: str) -> Edition:
    """The edition a review token names; TokenError or LookupError otherwise."""
    return get_edition(settings, read_token(token_keys(settings), token, Purpose.review))


@dataclass(frozen=True)
class ReviewAction:
    action: str  # one of ACTIONS
    target: str | None = None
    section: Section | None = None
    position: int | None = None
    text: str | None = None  # a story's new summary
    subject: str | None = None
    preheader: str | None = None
    note: str | None = None
    address: str | None = None  # where a test goes
    confirm: bool = False  # approve despite the warnings


@dataclass(frozen=True)
class Outcome:
    """What the page should say next: ``done`` (a key of NOTICES) and the story or address concerned."""

    done: str
    story: str | None = None
    to: str | None = None

    def query(self) -> dict[str, str]:
        return {k: v for k, v in {"done": self.done, "story": self.story, "to": self.to}.items() if v}


NOTICES = {
    "pin": "Pinned {story}.",
    "unpin": "Unpinned {story}: the ranking places it again.",
    "drop": "Dropped {story}. It is listed under 'Dropped' if you want it back.",
    "restore": "Restored {story}.",
    "up": "Moved {story} up.",
    "down": "Moved {story} down.",
    "summary": "Saved the new summary of {story}.",
    "copy": "Saved the subject, preheader and editor's note.",
    "test": "A test copy is on its way to {to}.",
    "approve": "Approved for sending.",
    "reopen": "Back to draft: edit, then approve again.",
    "ask": "Please look at the warnings below before approving.",
}


def _place(edition: Edition, target: str) -> tuple[Section, int, int]:
    """(section, 1-based position, stories in that section) of the story that holds article ``target``."""
    for section in edition.sections:
        for index, story in enumerate(section.stories, start=1):
            if target == story.id or target in story.article_ids:
                return section.key, index, len(section.stories)
    raise EditionError("that story is not placed in this edition (dropped, or gone in a rebuild)")


def apply(settings: Settings, token: str, change: ReviewAction) -> tuple[Edition, Outcome]:
    """Apply one control of the page; returns the edition and what the page should say."""
    edition = edition_for(settings, token)
    if change.action == "approve":
        if not change.confirm and warnings(settings, edition):
            return edition, Outcome("ask")
        return approve(settings, edition.id, who=REVIEWER), Outcome("approve")
    if change.action == "reopen":
        return set_status(settings, edition.id, EditionStatus.draft, who=REVIEWER), Outcome("reopen")
    if change.action == "copy":
        copy = {"subject": change.subject, "preheader": change.preheader, "note": change.note}
        return set_copy(settings, edition.id, copy, who=REVIEWER), Outcome("copy")
    if change.action == "test":
        address = (change.address or "").strip()
        if not address:
            raise ValueError("Type the address the test should go to.")
        sent = test_send(settings, edition.id, [address])
        return edition, Outcome("test", to=sent[0]["address"] if sent else address)
    if not change.target:
        raise ValueError("Choose a story.")
    action, section, position = Action(change.action if change.action not in {"up", "down"} else "pin"), None, None
    if change.action in {"up", "down"}:
        section, index, count = _place(edition, change.target)
        position = max(1, index - 1) if change.action == "up" else min(count, index + 1)
    elif change.action == "pin":
        section, position = change.section, change.position
    decision = Decision(
        action=action,
        target=change.target,
        section=section,
        position=position,
        text=(change.text or "").strip() or None if change.action == "summary" else None,
        who=REVIEWER,
    )
    edited = edit_edition(settings, edition.id, decision)
    return edited, Outcome(change.action, story=change.target)


# ---------------------------------------------------------------- what the page shows


def sample_preview(rendered: RenderedEdition) -> str:
    """The email as a reader called SAMPLE_READER sees it (links in the footer go nowhere)."""
    return (
        rendered.html.replace(READER_NAME, SAMPLE_READER)
        .replace(UNSUBSCRIBE_URL, "#unsubscribe")
        .replace(PREFERENCES_URL, "#preferences")
    )


def warnings(settings: Settings, edition: Edition, rendered: RenderedEdition | None = None) -> list[str]:
    """What an editor should know before approving: empty sections, a thin edition, the size gate."""
    found = []
    present = {section.key for section in edition.sections if section.stories}
    for key in MUST_HAVE:
        if key not in present:
            found.append(f"'{SECTION_TITLES[key]}' is empty: readers get no {SECTION_TITLES[key].lower()} this week.")
    count = len(edition.stories())
    if count < THIN_EDITION:
        stories = "story" if count == 1 else "stories"
        found.append(f"A thin edition: {count} {stories} (usually {THIN_EDITION} or more).")
    if edition.stories():
        try:
            rendered = rendered or preview(settings, edition)
        except EditionTooLarge as error:
            found.append(f"Too large to send: {error}. Drop some stories.")
        else:
            if rendered.dropped:
                n = len(rendered.dropped)
                found.append(
                    f"Over the size gate ({MAX_HTML_BYTES // 1024} KB, where Gmail clips): {n} "
                    f"{'brief' if n == 1 else 'briefs'} from 'More this week' will be left out."
                )
    return found


def _outlets(story: Story) -> str:
    names = list(dict.fromkeys([story.lead.source, *(a.source for a in story.also)]))
    return ", ".join(n for n in names if n)


def dropped_stories(settings: Settings, edition: Edition) -> list[dict[str, str]]:
    """The stories an editor dropped, by headline and outlet (the article each drop names)."""
    dropped: dict[str, bool] = {}
    for decision in edition.decisions:  # replayed in order: a later restore undoes a drop
        if decision.action in {Action.drop, Action.restore}:
            dropped[decision.target] = decision.action is Action.drop
        elif decision.action is Action.pin:
            dropped[decision.target] = False
    placed = {article for story in edition.stories() for article in story.article_ids}
    gone = [target for target, is_gone in dropped.items() if is_gone and target not in placed]
    articles = ArticleStore(settings.articles_table, settings.articles_bucket)
    listed = []
    for target in gone:
        article = articles.get(target)
        listed.append(
            {
                "target": target,
                "headline": article.title if article else "(an article no longer stored)",
                "outlet": article.source if article else "",
            }
        )
    return listed


def notice_for(edition: Edition, query: dict[str, str]) -> str | None:
    """The sentence for ``?done=…`` (None when there is nothing, or nothing known, to say)."""
    template = NOTICES.get(query.get("done", ""))
    if template is None:
        return None
    story = query.get("story", "")
    headline = next(
        (s.headline for s in edition.stories() if story and (story == s.id or story in s.article_ids)), None
    )
    to = query.get("to", "")
    return template.format(story=f"“{headline}”" if headline else "the story", to=to or "the address")


def page_context(settings: Settings, edition: Edition) -> dict[str, Any]:
    """What the review template shows: the rendered email and every story with its place."""
    rendered: RenderedEdition | None = None
    problem = None
    if edition.sections:
        try:
            rendered = preview(settings, edition)
        except EditionTooLarge as error:
            problem = str(error)
    due: datetime | None = None
    try:
        due = send_time(
            edition.id, timezone=settings.newsroom_timezone, send_day=settings.send_day, send_hour=settings.send_hour
        )
    except ValueError:
        due = None
    return {
        "edition": edition,
        "preview_html": sample_preview(rendered) if rendered else "",
        "preview_problem": problem,
        "sample_reader": SAMPLE_READER,
        "subject": rendered.subject if rendered else "",
        "preheader": rendered.preheader if rendered else "",
        "html_kb": round(rendered.html_bytes / 1000) if rendered else 0,
        "section_choices": [(key.value, title) for key, title in SECTION_TITLES.items()],
        "section_titles": {key.value: title for key, title in SECTION_TITLES.items()},
        "draft": edition.status is EditionStatus.draft,
        "approved": edition.status is EditionStatus.approved,
        "dropped": dropped_stories(settings, edition),
        "warnings": warnings(settings, edition, rendered) if edition.status is EditionStatus.draft else [],
        "outlets": _outlets,
        "limits": COPY_LIMITS,
        "due": due,
        "timezone": settings.newsroom_timezone,
    }
