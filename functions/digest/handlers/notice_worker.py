"""Notices from the public API's queue: confirmation mails, sent here so that a sign-up's request
does the same work whatever the address's state (issue #14: its timing told states apart)."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from digest.api.subscriptions import send_confirmation
from digest.handlers.messages import NoticeMessage
from digest.observability import logger, metrics, tracer
from digest.settings import get_settings

# every failed record is reported (not the whole batch raised), so SQS retries exactly those and a
# message that never parses ends in the dead-letter queue, where the alarm shows it
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@tracer.capture_method
def notice_record(record: SQSRecord) -> bool:
    notice = NoticeMessage.model_validate_json(record.body)
    mailed = send_confirmation(get_settings(), notice)
    metrics.add_metric(name="ConfirmationsMailed" if mailed else "ConfirmationsNotDue", unit="Count", value=1)
    return mailed


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=notice_record, processor=processor, context=context)
