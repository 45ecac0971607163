"""Running the queue-driven stages in this process against a local endpoint."""

from __future__ import annotations

from collections.abc import Callable

from digest.ingest.service import fan_out
from digest.local.pump import PumpReport, drain
from digest.mail.service import dispatch
from digest.models import EditionStatus
from digest.settings import Settings
from digest.store.editions import EditionStore
from digest.store.queues import queue_url
from digest.store.sendlog import SendLog
from digest.stories.service import set_status


def ingest_all(settings: Settings, on_batch: Callable[[PumpReport], None] | None = None) -> tuple[int, PumpReport]:
    """The hourly fan-out, then the ingest workers until the queue is empty."""
    from digest.handlers import ingest_worker

    queued = fan_out(settings)
    report = drain(
        queue_url(settings.ingest_queue_url, "ingest"),
        ingest_worker.handler,
        function_name="IngestWorkerFunction",
        batch_size=5,
        on_batch=on_batch,
    )
    return queued, report


def send_all(
    settings: Settings, edition_id: str, on_batch: Callable[[PumpReport], None] | None = None
) -> dict[str, int]:
    """Dispatch, then the send workers until the queue is empty; returns the send log's counts."""
    from digest.handlers import send_worker

    queued = dispatch(settings, edition_id)
    drain(
        queue_url(settings.send_queue_url, "send"),
        send_worker.handler,
        function_name="SendWorkerFunction",
        on_batch=on_batch,
    )
    counts = SendLog(settings.send_log_table).counts(edition_id)
    edition = EditionStore(settings.editions_table, settings.archive_bucket).get(edition_id)
    finished = not counts.get("claimed") and not counts.get("failed")
    if edition and edition.status is EditionStatus.sending and finished:
        set_status(settings, edition_id, EditionStatus.sent, who="send")
    return {"queued": queued, **counts}
