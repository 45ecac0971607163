"""Per-source ingest from the ingest queue, with partial batch failures."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from digest.handlers.messages import IngestMessage
from digest.ingest.service import ingest_source
from digest.observability import logger, metrics, tracer
from digest.settings import get_settings

# every failed record is reported (not the whole batch raised), so SQS retries exactly those
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@tracer.capture_method
def ingest_record(record: SQSRecord) -> dict[str, Any]:
    message = IngestMessage.model_validate_json(record.body)
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
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=ingest_record, processor=processor, context=context)
