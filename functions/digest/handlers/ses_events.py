"""SES feedback through EventBridge: suppress bounced and complaining readers, count the rest."""

import gc

gc.disable()  # no collection while the cold start imports (re-enabled at the end; docs/benchmarks.md)

from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from digest.mail.feedback import STAT_OF_EVENT, SesEvent, apply_event
from digest.observability import logger, metrics, tracer
from digest.settings import get_settings
from digest.store.aws import client

config = IdempotencyConfig(event_key_jmespath="id", expires_after_seconds=14 * 24 * 3600)


@cache
def recorder() -> Callable[..., str]:
    """Applies one SES event once, however often EventBridge delivers it.

    Built on first use, not at import, so its DynamoDB client is the process's own (endpoint and
    credentials as configured when the first event arrives).
    """
    persistence = DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table, boto3_client=client("dynamodb"))

    @idempotent_function(data_keyword_argument="event", persistence_store=persistence, config=config)
    def record_event(event: dict[str, Any]) -> str:
        return apply_event(get_settings(), SesEvent.model_validate(event["detail"]))

    return record_event


def _correlation_id(event: dict[str, Any]) -> str:
    """The edition the event is about (its SES message tag), else the event's own id."""
    mail = event["detail"].get("mail")
    tags = mail.get("tags") if isinstance(mail, dict) else None
    edition = tags.get("edition_id") if isinstance(tags, dict) else None
    if isinstance(edition, list) and edition and isinstance(edition[0], str):
        return edition[0][:40]
    return str(event["id"])[:80]


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    config.register_lambda_context(context)
    if not isinstance(event, dict) or not isinstance(event.get("detail"), dict) or not event.get("id"):
        logger.warning("skipped an event that is not an SES event", extra={"event_type": type(event).__name__})
        return {"result": "skipped: not an SES event"}
    logger.set_correlation_id(_correlation_id(event))
    try:
        action = recorder()(event=event)
    except ValidationError as error:
        logger.warning("skipped a malformed SES event", extra={"errors": error.errors(include_url=False)[:5]})
        return {"result": "skipped: malformed"}
    stat = STAT_OF_EVENT.get(str(event["detail"].get("eventType")), "unknown")
    metrics.add_metric(name=f"Ses_{stat}", unit="Count", value=1)
    return {"result": action}


gc.freeze()  # what the cold start allocated lives as long as the process: later collections skip it
gc.enable()
