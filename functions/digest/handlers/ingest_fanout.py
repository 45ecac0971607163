"""Hourly: queue one ingest job per due source."""

import gc

gc.disable()  # no collection while the cold start imports (re-enabled at the end; docs/benchmarks.md)

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from digest.ingest.schedule import fan_out
from digest.observability import logger, metrics, tracer
from digest.settings import get_settings


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    queued, failing = fan_out(get_settings())
    metrics.add_metric(name="SourcesQueued", unit="Count", value=queued)
    metrics.add_metric(name="SourcesFailing24h", unit="Count", value=failing)
    logger.info("queued sources", extra={"queued": queued, "failing_24h": failing})
    return {"queued": queued, "failing_24h": failing}


gc.freeze()  # what the cold start allocated lives as long as the process: later collections skip it
gc.enable()
