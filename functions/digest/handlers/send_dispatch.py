"""Friday: queue the approved edition's readers for the send workers."""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from digest.handlers.messages import DispatchEvent
from digest.mail.service import scheduled_dispatch
from digest.observability import logger, metrics, tracer
from digest.settings import get_settings
from digest.stories.window import week_of


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    edition_id = DispatchEvent.model_validate(event).edition_id or week_of(
        datetime.now(UTC), settings.newsroom_timezone
    )
    logger.append_keys(edition_id=edition_id)
    queued, unapproved = scheduled_dispatch(settings, edition_id)
    if unapproved:  # the EditionNotApproved alarm watches this
        metrics.add_metric(name="EditionNotApproved", unit="Count", value=1)
        logger.warning(unapproved)
    metrics.add_metric(name="ReadersQueued", unit="Count", value=queued)
    return {"edition_id": edition_id, "queued": queued, "note": unapproved or ""}
