"""The hourly fan-out: which sources are due.  Kept apart from fetching and parsing so the fan-out
function does not import trafilatura and feedparser it never uses (cold start)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digest.settings import Settings
from digest.store.queues import queue_url, send_messages
from digest.store.sources import SourceStore

FAILING_ALARM = timedelta(hours=24)  # a source failing this long raises the SourcesFailing24h alarm


def fan_out(settings: Settings, now: datetime | None = None) -> tuple[int, int]:
    """Enqueue one ingest message per source that is due.

    Returns (sources queued, active sources that have failed every poll for a day or more).
    """
    now = now or datetime.now(UTC)
    sources = SourceStore(settings.sources_table).all()
    due = [s for s in sources if s.active and (s.next_poll is None or s.next_poll <= now)]
    failing = sum(1 for s in sources if s.active and s.failing_since and now - s.failing_since >= FAILING_ALARM)
    send_messages(queue_url(settings.ingest_queue_url, "ingest"), [{"source_id": s.id} for s in due])
    return len(due), failing
