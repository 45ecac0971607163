"""Notices from the public API's queue: confirmation mails, sent here so that a sign-up's request
does the same work whatever the address's state (issue #14: its timing told states apart)."""

import gc

gc.disable()  # no collection while the cold start imports (re-enabled at the end; docs/benchmarks.md)

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from digest.api.subscriptions import send_confirmation
from digest.handlers.batch import PartialBatchResponse, process_sqs_batch
from digest.handlers.messages import NoticeMessage
from digest.observability import logger, metrics, tracer
from digest.settings import get_settings


@tracer.capture_method
def notice_record(record: dict[str, Any]) -> bool:
    notice = NoticeMessage.model_validate_json(record["body"])
    mailed = send_confirmation(get_settings(), notice)
    metrics.add_metric(name="ConfirmationsMailed" if mailed else "ConfirmationsNotDue", unit="Count", value=1)
    return mailed


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialBatchResponse:
    # every failed record is reported (not the whole batch raised), so SQS retries exactly those and a
    # message that never parses ends in the dead-letter queue, where the alarm shows it
    return process_sqs_batch(event, notice_record)


gc.freeze()  # what the cold start allocated lives as long as the process: later collections skip it
gc.enable()
