"""Editions from the stack: build the week's draft, let editors change it, move it through its states.

An edition moves draft -> approved -> sending -> sent (or draft -> skipped when the week brought
nothing new).  Every change is recorded in its history: who, when, what.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from digest.models import Article, Decision, Edition, EditionStatus
from digest.settings import Settings
from digest.store.articles import ArticleStore
from digest.store.editions import EditionStore
from digest.store.sources import SourceStore
from digest.stories.draft import build_draft, group_stories
from digest.stories.editing import EditError, check
from digest.stories.window import edition_window

# Which state may follow which: anything else is refused.
TRANSITIONS: dict[EditionStatus, set[EditionStatus]] = {
    EditionStatus.draft: {EditionStatus.approved, EditionStatus.skipped},
    EditionStatus.approved: {EditionStatus.draft, EditionStatus.sending},
    EditionStatus.sending: {EditionStatus.sent},
    EditionStatus.sent: {EditionStatus.sending},  # resend-failed reopens the send until it settles again
    EditionStatus.skipped: {EditionStatus.draft},
}


class EditionError(ValueError):
    """An edition that cannot be built or changed as asked."""


def _stores(settings: Settings) -> tuple[EditionStore, ArticleStore]:
    return (
        EditionStore(settings.editions_table, settings.archive_bucket),
        ArticleStore(settings.articles_table, settings.articles_bucket),
    )


def _week_articles(settings: Settings, edition: Edition | None, start: datetime, end: datetime) -> list[Article]:
    """The window's articles, plus any article an editor pinned from outside the window."""
    _, articles = _stores(settings)
    found = {a.id: a for a in articles.between(start, end)}
    for decision in edition.decisions if edition else []:
        if decision.target not in found and (extra := articles.get(decision.target)):
            found[extra.id] = extra
    return list(found.values())


def _earlier_article_ids(editions: Sequence[Edition], before: datetime) -> set[str]:
    return {i for e in editions if e.window_end < before for s in e.stories() for i in s.article_ids}


def build_edition(
    settings: Settings, week: str | None = None, *, now: datetime | None = None, who: str = "system"
) -> Edition:
    """Build (or rebuild) the draft for ``week``, keeping editors' decisions.

    An edition already approved or sent is left alone.  A week with nothing no earlier edition
    carried is marked skipped, so nothing is sent.
    """
    now = now or datetime.now(UTC)
    edition_id, start, end = edition_window(
        week, timezone=settings.newsroom_timezone, send_day=settings.send_day, send_hour=settings.send_hour, now=now
    )
    editions, _ = _stores(settings)
    existing = editions.get(edition_id)
    if existing and existing.status not in {EditionStatus.draft, EditionStatus.skipped}:
        raise EditionError(f"edition {edition_id} is already {existing.status.value}; it cannot be rebuilt")
    articles = _week_articles(settings, existing, start, end)
    authority = {s.name: s.authority for s in SourceStore(settings.sources_table).all()}
    earlier = [e for e in editions.all() if e.window_end < end and e.id != edition_id]
    edition = build_draft(
        articles,
        edition_id=edition_id,
        number=existing.number if existing else len(earlier) + 1,
        window=(start, end),
        authority=authority,
        decisions=existing.decisions if existing else [],
    )
    seen = _earlier_article_ids(earlier, end)
    edition.new_articles = sum(1 for a in articles if a.id not in seen)
    edition.created = existing.created if existing else now
    if existing:  # the editor's subject, preheader and note outlive a rebuild, as decisions do
        edition.subject, edition.preheader, edition.note = existing.subject, existing.preheader, existing.note
    edition.history = [*(existing.history if existing else [])]
    if edition.new_articles == 0:
        edition.status = EditionStatus.skipped
        note = "nothing new since the last edition: skipped, nothing will be sent"
    else:
        note = f"built from {len(articles)} articles ({edition.new_articles} new): {len(edition.stories())} stories"
    edition.history.append({"at": now.isoformat(), "who": who, "what": note})
    editions.save(edition)
    return edition


def _draft(settings: Settings, edition_id: str) -> tuple[EditionStore, Edition]:
    """The edition store and the draft an editor is changing; EditError unless it is a draft."""
    editions, _ = _stores(settings)
    edition = editions.get(edition_id)
    if edition is None:
        raise EditionError(f"no edition {edition_id}")
    if edition.status is not EditionStatus.draft:
        raise EditError(f"edition {edition_id} is {edition.status.value}; only a draft can be edited")
    return editions, edition


def edit_edition(settings: Settings, edition_id: str, decision: Decision) -> Edition:
    """Apply one editor's decision to a draft and rebuild it; EditError if the decision cannot apply."""
    editions, edition = _draft(settings, edition_id)
    articles = _week_articles(settings, edition, edition.window_start, edition.window_end)
    pinned_from_outside = decision.target not in {a.id for a in articles}
    if pinned_from_outside and (
        extra := ArticleStore(settings.articles_table, settings.articles_bucket).get(decision.target)
    ):
        articles.append(extra)
    authority = {s.name: s.authority for s in SourceStore(settings.sources_table).all()}
    stories = group_stories(articles, authority, (edition.window_start, edition.window_end))
    decision = check(decision, stories)
    edition.decisions.append(decision)
    what = f"{decision.action.value} {decision.target}"
    if decision.section:
        what += f" to {decision.section.value}" + (f" #{decision.position}" if decision.position else "")
    edition.history.append({"at": decision.at.isoformat(), "who": decision.who, "what": what})
    editions.save(edition)
    return build_edition(settings, edition_id, now=decision.at, who=decision.who)


COPY_LIMITS = {"subject": 90, "preheader": 110, "note": 1000}  # the renderer's subject and preheader limits


def set_copy(settings: Settings, edition_id: str, changes: dict[str, str | None], *, who: str) -> Edition:
    """Set a draft's subject, preheader or editor's note (empty text: back to the default)."""
    editions, edition = _draft(settings, edition_id)
    changed = []
    for field, value in changes.items():
        if field not in COPY_LIMITS:
            raise ValueError(f"{field} cannot be edited")
        text = " ".join((value or "").split()) or None
        if text and len(text) > COPY_LIMITS[field]:
            raise EditError(f"the {field} is {len(text)} characters long; at most {COPY_LIMITS[field]} fit")
        if text != getattr(edition, field):
            setattr(edition, field, text)
            changed.append(f"{field} {'set' if text else 'reset to the default'}")
    if changed:
        edition.history.append({"at": datetime.now(UTC).isoformat(), "who": who, "what": "; ".join(changed)})
        editions.save(edition)
    return edition


def set_status(settings: Settings, edition_id: str, status: EditionStatus, *, who: str) -> Edition:
    """Move an edition to ``status`` if its current state allows it, and record who did."""
    editions, _ = _stores(settings)
    edition = editions.get(edition_id)
    if edition is None:
        raise EditionError(f"no edition {edition_id}")
    if status not in TRANSITIONS[edition.status]:
        raise EditionError(f"edition {edition_id} is {edition.status.value}; it cannot become {status.value}")
    edition.history.append(
        {"at": datetime.now(UTC).isoformat(), "who": who, "what": f"{edition.status.value} -> {status.value}"}
    )
    edition.status = status
    editions.save(edition)
    return edition
