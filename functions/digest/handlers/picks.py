"""Editors' picks uploaded to the articles bucket (S3 "Object Created" events through EventBridge)."""

import gc

gc.disable()  # no collection while the cold start imports (re-enabled at the end; docs/benchmarks.md)

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from digest.ingest.service import ingest_upload
from digest.observability import logger, metrics, tracer
from digest.settings import get_settings


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    key = str(event.detail.get("object", {}).get("key", ""))
    if not key.startswith("picks/") or len(key) > 1024:
        raise ValueError(f"not an upload under picks/: {key[:200]!r}")
    results = ingest_upload(get_settings(), key)
    stored = [r for r in results if "id" in r]
    metrics.add_metric(name="PicksStored", unit="Count", value=len(stored))
    errors = [r for r in results if "error" in r]
    if errors:
        logger.warning("some picks were refused", extra={"key": key, "errors": errors[:20]})
    return {"key": key, "stored": len(stored), "errors": errors}


gc.freeze()  # what the cold start allocated lives as long as the process: later collections skip it
gc.enable()
