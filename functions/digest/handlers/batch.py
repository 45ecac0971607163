"""SQS partial batch responses for the queue workers: every record handled, the failed ones reported.

What Powertools' ``process_partial_response`` with ``BatchProcessor(EventType.SQS,
raise_on_entire_batch_failure=False)`` returns, without importing its batch utilities, which load
every event data class and parser model it knows and cost a worker more at cold start than its own
code (docs/benchmarks.md, "Lambda budgets").
"""

from collections.abc import Callable
from typing import Any, TypedDict

from digest.observability import logger


class ItemFailure(TypedDict):
    itemIdentifier: str


class PartialBatchResponse(TypedDict):
    batchItemFailures: list[ItemFailure]


def process_sqs_batch(event: dict[str, Any], handle: Callable[[dict[str, Any]], object]) -> PartialBatchResponse:
    """``handle`` each SQS record of ``event``; SQS retries only the records it raised on."""
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list):
        raise ValueError("Invalid event format. Please ensure batch event is a valid SQS event.")
    failures: list[ItemFailure] = []
    for record in records:
        try:
            handle(record)
        except Exception:
            logger.warning("Record processing exception; skipping this record", exc_info=True)
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
