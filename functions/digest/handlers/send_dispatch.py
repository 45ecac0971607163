"""Friday: queue the approved edition's readers for the send workers.

Its callers: the weekly schedule (``{}``: this week's edition, with the unapproved-at-send policy),
the local-time waves (``{"waves": true}``, every half hour around the send day when
READER_LOCAL_TIME is on), the hourly approval check (``{"approval_check": true}``: an alert an hour
before the send if the edition is still a draft) and `digest edition send ID [--resume]` /
`resend-failed ID` against AWS.
"""

import gc

gc.disable()  # no collection while the cold start imports (re-enabled at the end; docs/benchmarks.md)

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from digest.handlers.messages import DispatchEvent
from digest.mail.service import approval_reminder, dispatch, resend_failed, scheduled_dispatch, wave_dispatch
from digest.observability import logger, metrics, tracer
from digest.settings import Settings, get_settings
from digest.store.editions import EditionStore
from digest.stories.window import wave_week, week_of


def _remind_editors(settings: Settings, reminder: str) -> None:
    """Mail the editors too (the alarm reaches whoever watches alarms, not necessarily them)."""
    from digest.mail.editors import approval_reminder as remind_editors  # the composer: only for a reminder

    week = wave_week(datetime.now(UTC), timezone=settings.newsroom_timezone, send_day=settings.send_day,
                     send_hour=settings.send_hour)  # fmt: skip
    edition = EditionStore(settings.editions_table, settings.archive_bucket).get(week) if week else None
    if edition is None:
        return
    try:
        told = remind_editors(settings, edition, reminder)
    except Exception:  # the alarm still fires
        logger.exception("the reminder to the editors failed")
    else:
        logger.info("approval reminder mailed", extra={"editors": len(told)})


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    request = DispatchEvent.model_validate(event)
    if request.approval_check:
        reminder = approval_reminder(settings)
        if reminder:  # the EditionNotApprovedSoon alarm watches this
            metrics.add_metric(name="EditionNotApprovedSoon", unit="Count", value=1)
            logger.warning(reminder)
            _remind_editors(settings, reminder)
        return {"approval_check": reminder or "nothing due within the hour, or approved"}
    note = ""
    if request.waves:
        edition_id, result = wave_dispatch(settings)
        queued, waiting = result
    elif request.edition_id and (request.manual or request.resume or request.failed_only):
        edition_id = request.edition_id  # an editor's explicit send: a draft is refused, never auto-approved
        queued, waiting = (
            (resend_failed(settings, edition_id), 0)
            if request.failed_only
            else dispatch(settings, edition_id, resume=request.resume)
        )
    else:
        edition_id = request.edition_id or week_of(datetime.now(UTC), settings.newsroom_timezone)
        (queued, waiting), unapproved = scheduled_dispatch(settings, edition_id)
        if unapproved:  # the EditionNotApproved alarm watches this
            metrics.add_metric(name="EditionNotApproved", unit="Count", value=1)
            logger.warning(unapproved)
            note = unapproved
    logger.append_keys(edition_id=edition_id)
    logger.set_correlation_id(edition_id)
    metrics.add_metric(name="ReadersQueued", unit="Count", value=queued)
    logger.info("dispatched", extra={"queued": queued, "waiting": waiting, "waves": request.waves})
    return {"edition_id": edition_id, "queued": queued, "waiting": waiting, "note": note}


gc.freeze()  # what the cold start allocated lives as long as the process: later collections skip it
gc.enable()
