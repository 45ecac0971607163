"""The editor's review page: a signed link to one edition's draft, its preview and its controls.

Authorisation a browser can carry without cookies or headers: the link itself.  ``review_link``
signs the edition id for the ``review`` purpose (three days), the CLI prints it, and the page's
forms post back to the same URL, so whoever holds the link can review that edition and no other.
"""

from __future__ import annotations

from dataclasses import dataclass

from digest.api.admin import get_edition, preview
from digest.models import Action, Decision, Edition, EditionStatus, Section
from digest.settings import Settings
from digest.store.secrets import token_keys
from digest.stories.service import edit_edition, set_status
from digest.tokens import Purpose, issue, read_token

REVIEWER = "review-page"


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
    action: str  # pin, unpin, drop, restore, approve, reopen
    target: str | None = None
    section: Section | None = None
    position: int | None = None


def apply(settings: Settings, token: str, change: ReviewAction) -> tuple[Edition, str]:
    """Apply one control of the page; returns the edition and what happened, in words."""
    edition = edition_for(settings, token)
    if change.action == "approve":
        return set_status(settings, edition.id, EditionStatus.approved, who=REVIEWER), "Approved for sending."
    if change.action == "reopen":
        return set_status(settings, edition.id, EditionStatus.draft, who=REVIEWER), "Back to draft."
    if not change.target:
        raise ValueError("choose a story")
    decision = Decision(
        action=Action(change.action),
        target=change.target,
        section=change.section,
        position=change.position,
        who=REVIEWER,
    )
    edited = edit_edition(settings, edition.id, decision)
    return edited, f"{change.action.capitalize()}: done."


def page_context(settings: Settings, edition: Edition) -> dict[str, object]:
    """What the review template shows: the rendered email and every story with its place."""
    rendered = preview(settings, edition) if edition.sections else None
    dropped: dict[str, bool] = {}
    for decision in edition.decisions:  # replayed in order: a later restore undoes a drop
        if decision.action in {Action.drop, Action.restore}:
            dropped[decision.target] = decision.action is Action.drop
    return {
        "edition": edition,
        "preview_html": rendered.html if rendered else "",
        "subject": rendered.subject if rendered else "",
        "section_keys": list(Section),
        "draft": edition.status is EditionStatus.draft,
        "approved": edition.status is EditionStatus.approved,
        "dropped": sorted(target for target, gone in dropped.items() if gone),
    }
