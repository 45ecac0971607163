"""Per-source ingest from the ingest queue, with partial batch failures."""

import gc

gc.disable()  # no collection while the cold start imports (re-enabled at the end; docs/benchmarks.md)

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from digest.handlers.batch import PartialBatchResponse, process_sqs_batch
from digest.handlers.messages import IngestMessage
from digest.ingest.service import ingest_source
from digest.observability import logger, metrics, tracer
from digest.settings import get_settings


@tracer.capture_method
def ingest_record(record: dict[str, Any]) -> dict[str, Any]:
    message = IngestMessage.model_validate_json(record["body"])
    logger.append_keys(source_id=message.source_id)
    logger.set_correlation_id(message.source_id)
    report = ingest_source(message.source_id, get_settings())
    metrics.add_metric(name="ArticlesIngested", unit="Count", value=report.new)
    if report.errors:
        metrics.add_metric(name="IngestErrors", unit="Count", value=len(report.errors))
        logger.warning("source had errors", extra={"errors": report.errors[:10]})
    return {"source_id": report.source_id, "new": report.new, "updated": report.updated}


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialBatchResponse:
    return process_sqs_batch(event, ingest_record)


gc.freeze()  # what the cold start allocated lives as long as the process: later collections skip it
gc.enable()
