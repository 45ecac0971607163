"""The public API behind API Gateway: readers' sign-up, confirmation, preferences, unsubscribe,
export and erase, and their pages (digest.api.public).  The admin API, review page and desk are
AdminApiFunction's (digest.handlers.admin_api)."""

import gc

gc.disable()  # no collection while the cold start imports (re-enabled at the end; docs/benchmarks.md)

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from digest.api.public import resolve
from digest.observability import logger, metrics, tracer


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve(event, context)


gc.freeze()  # what the cold start allocated lives as long as the process: later collections skip it
gc.enable()
