"""Send workers: mail each batch of readers exactly once, reporting partial batch failures."""

import gc

gc.disable()  # no collection while the cold start imports (re-enabled at the end; docs/benchmarks.md)

import time
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from digest.handlers.batch import PartialBatchResponse, process_sqs_batch
from digest.handlers.messages import SendMessage
from digest.mail.service import BatchReport, TransientSendError, send_batch
from digest.observability import logger, metrics, tracer
from digest.settings import get_settings


@tracer.capture_method
def send_record(record: dict[str, Any], lambda_context: LambdaContext) -> dict[str, int]:
    message = SendMessage.model_validate_json(record["body"])
    logger.append_keys(edition_id=message.edition_id)
    logger.set_correlation_id(message.edition_id)
    settings = get_settings()
    # stop starting sends while one more SES call and its bookkeeping still fit in the time left
    deadline = time.time() + lambda_context.get_remaining_time_in_millis() / 1000 - settings.ses_timeout_seconds - 5
    try:
        report = send_batch(settings, message.edition_id, message.subscriber_ids, deadline=deadline)
    except TransientSendError as error:
        _record(error.report)
        raise
    _record(report)
    return {"sent": report.sent, "skipped": report.skipped, "failed": report.failed}


def _record(report: BatchReport) -> None:
    metrics.add_metric(name="MessagesSent", unit="Count", value=report.sent)
    metrics.add_metric(name="MessagesFailed", unit="Count", value=report.failed)
    metrics.add_metric(name="MessagesInDoubt", unit="Count", value=len(report.in_doubt))
    for doubt in report.in_doubt:  # an operator settles these: `digest edition settle`
        logger.warning("reader in doubt: SES may or may not have accepted the message", extra=doubt)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialBatchResponse:
    return process_sqs_batch(event, lambda record: send_record(record, context))


gc.freeze()  # what the cold start allocated lives as long as the process: later collections skip it
gc.enable()
