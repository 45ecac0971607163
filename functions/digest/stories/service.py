"""Building the week's edition from the stack: the articles in its window, clustered and ranked."""

from __future__ import annotations

from datetime import UTC, datetime

from digest.models import Edition, EditionStatus
from digest.settings import Settings
from digest.store.articles import ArticleStore
from digest.store.editions import EditionStore
from digest.store.sources import SourceStore
from digest.stories.draft import build_draft
from digest.stories.window import edition_window


class EditionError(ValueError):
    """An edition that cannot be built or changed as asked."""


def build_edition(settings: Settings, week: str | None = None, *, now: datetime | None = None) -> Edition:
    """Build (or rebuild) the draft for ``week``; an edition already approved or sent is left alone."""
    now = now or datetime.now(UTC)
    edition_id, start, end = edition_window(
        week, timezone=settings.newsroom_timezone, send_day=settings.send_day, send_hour=settings.send_hour, now=now
    )
    editions = EditionStore(settings.editions_table, settings.archive_bucket)
    existing = editions.get(edition_id)
    if existing and existing.status is not EditionStatus.draft:
        raise EditionError(f"edition {edition_id} is already {existing.status.value}; it cannot be rebuilt")
    articles = list(ArticleStore(settings.articles_table, settings.articles_bucket).between(start, end))
    authority = {s.name: s.authority for s in SourceStore(settings.sources_table).all()}
    earlier = [e for e in editions.all() if e.window_end < end and e.id != edition_id]
    number = existing.number if existing else len(earlier) + 1
    edition = build_draft(articles, edition_id=edition_id, number=number, window=(start, end), authority=authority)
    edition.history = [
        *(existing.history if existing else []),
        {"at": now.isoformat(), "who": "system", "what": f"built from {len(articles)} articles"},
    ]
    editions.save(edition)
    return edition


def set_status(settings: Settings, edition_id: str, status: EditionStatus, *, who: str) -> Edition:
    editions = EditionStore(settings.editions_table, settings.archive_bucket)
    edition = editions.get(edition_id)
    if edition is None:
        raise EditionError(f"no edition {edition_id}")
    edition.history.append(
        {"at": datetime.now(UTC).isoformat(), "who": who, "what": f"{edition.status.value} -> {status.value}"}
    )
    edition.status = status
    editions.save(edition)
    return edition
