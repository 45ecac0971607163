"""Weekly: build the edition draft and render its preview."""

import gc

gc.disable()  # no collection while the cold start imports (re-enabled at the end; docs/benchmarks.md)

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from digest.handlers.messages import BuildEvent
from digest.mail.editors import draft_ready
from digest.observability import logger, metrics, tracer
from digest.render.publish import publish
from digest.settings import get_settings
from digest.stories.service import build_edition


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = BuildEvent.model_validate(event)
    settings = get_settings()
    edition = build_edition(settings, request.week)
    logger.append_keys(edition_id=edition.id)
    logger.set_correlation_id(edition.id)
    email, _ = publish(settings, edition)
    metrics.add_metric(name="StoriesBuilt", unit="Count", value=len(edition.stories()))
    if email.dropped:  # the size gate (Gmail clips at ~102 KB) left these briefs out
        logger.warning("briefs dropped to keep the email under 90 KB", extra={"dropped": email.dropped})
    if edition.stories():
        try:
            told = draft_ready(settings, edition, email.subject)
        except Exception:  # the draft is built and published: a mail that fails must not undo that
            logger.exception("the draft-ready mail to the editors failed")
        else:
            logger.info("draft-ready mail sent", extra={"editors": len(told)})
    logger.info("edition built", extra={"stories": len(edition.stories()), "articles": edition.article_count,
                                        "status": edition.status.value})  # fmt: skip
    return {"edition_id": edition.id, "status": edition.status.value, "stories": len(edition.stories()),
            "subject": email.subject, "dropped": email.dropped}  # fmt: skip


gc.freeze()  # what the cold start allocated lives as long as the process: later collections skip it
gc.enable()
