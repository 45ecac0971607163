"""Mail to the unsubscribe mailbox (an SES receipt rule's Lambda action): unsubscribe the sender.

SES invokes asynchronously and never reads the answer; a record that asks for nothing we honour is
logged and skipped, so only a failure of our own (DynamoDB) makes Lambda retry, and after its
retries the event lands in the dead-letter queue.  Unsubscribing twice changes nothing.
"""

import gc

gc.disable()  # no collection while the cold start imports (re-enabled at the end; docs/benchmarks.md)

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from digest.api.subscriptions import unsubscribe_by_mail
from digest.mail.inbound import Ignored, ReceiptRecord, unsubscribe_request
from digest.observability import logger, metrics, tracer
from digest.settings import get_settings
from digest.tokens import TokenError

MAX_RECORDS = 10  # SES sends one record per mail; anything longer is not SES


def _one(raw: object) -> str:
    try:
        record = ReceiptRecord.model_validate(raw)
    except ValidationError as error:
        logger.warning("skipped a record that is not an SES receipt",
                       extra={"errors": error.errors(include_url=False)[:5]})  # fmt: skip
        return "skipped: malformed"
    logger.set_correlation_id(record.ses.mail.messageId)
    try:
        request = unsubscribe_request(record)
        reader = unsubscribe_by_mail(get_settings(), request)
    except (Ignored, TokenError, LookupError) as error:
        logger.info("ignored a mail to the unsubscribe mailbox", extra={"message_id": record.ses.mail.messageId,
                                                                         "reason": str(error)})  # fmt: skip
        return f"ignored: {error}"
    metrics.add_metric(name="UnsubscribedByMail", unit="Count", value=1)
    logger.info("unsubscribed by mail", extra={"message_id": request.message_id, "subscriber_id": reader.id,
                                                "by": "token" if request.token else "sender"})  # fmt: skip
    return f"unsubscribed: {reader.id}"


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, list[str]]:
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list) or not records or len(records) > MAX_RECORDS:
        logger.warning("skipped an event that is not an SES receipt notification",
                       extra={"event_type": type(event).__name__})  # fmt: skip
        return {"results": ["skipped: not an SES receipt notification"]}
    return {"results": [_one(record) for record in records]}


gc.freeze()  # what the cold start allocated lives as long as the process: later collections skip it
gc.enable()
