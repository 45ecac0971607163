"""The editors' API behind API Gateway: /admin/* (x-api-key), the review page (/review/*), the desk
(/desk/*) and the OpenAPI document (digest.api.editorial)."""

import gc

gc.disable()  # no collection while the cold start imports (re-enabled at the end; docs/benchmarks.md)

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from digest.api.editorial import resolve
from digest.observability import logger, metrics, tracer


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve(event, context)


gc.freeze()  # what the cold start allocated lives as long as the process: later collections skip it
gc.enable()
