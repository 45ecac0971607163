"""Running the queue-driven stages in this process against a local endpoint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from digest.ingest.schedule import fan_out
from digest.local.pump import PumpReport, drain
from digest.mail.service import dispatch, resend_failed, settle_edition
from digest.settings import Settings
from digest.store.queues import queue_url


def ingest_all(
    settings: Settings,
    on_batch: Callable[[PumpReport], None] | None = None,
    *,
    on_queued: Callable[[int], None] | None = None,
) -> tuple[int, PumpReport]:
    """The hourly fan-out, then the ingest workers until the queue is empty (``on_queued`` hears how
    many sources were queued before the workers start; ``on_batch`` after each batch)."""
    from digest.handlers import ingest_worker

    queued, _ = fan_out(settings)
    if on_queued:
        on_queued(queued)
    report = drain(
        queue_url(settings.ingest_queue_url, "ingest"),
        ingest_worker.handler,
        function_name="IngestWorkerFunction",
        batch_size=5,
        on_batch=on_batch,
    )
    return queued, report


def send_all(
    settings: Settings,
    edition_id: str,
    on_batch: Callable[[PumpReport], None] | None = None,
    *,
    resume: bool = False,
    failed_only: bool = False,
    on_queued: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Dispatch (or, with ``failed_only``, queue the failures again), then the send workers until the
    queue is empty; returns the send log's counts and the readers left in doubt.  ``on_queued``
    hears how many readers were queued before the workers start."""
    from digest.handlers import send_worker

    if failed_only:
        queued, waiting = resend_failed(settings, edition_id), 0
    else:
        queued, waiting = dispatch(settings, edition_id, resume=resume)
    if on_queued:
        on_queued(queued)
    drain(queue_url(settings.send_queue_url, "send"), send_worker.handler, function_name="SendWorkerFunction",
          on_batch=on_batch)  # fmt: skip
    return {"queued": queued, **settle_edition(settings, edition_id, waiting=waiting)}


def deliver_notices(settings: Settings) -> PumpReport:
    """The notice worker on every queued notice (the confirmation mails sign-ups queued), as Lambda
    would run it; returns once the queue is empty."""
    from digest.handlers import notice_worker

    return drain(queue_url(settings.notices_queue_url, "notices"), notice_worker.handler,
                 function_name="NoticeWorkerFunction")  # fmt: skip
