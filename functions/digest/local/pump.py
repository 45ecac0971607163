"""Draining an SQS queue through a handler in this process, as Lambda's event source mapping does.

Messages are received in batches, handed to the real handler as an SQS event, deleted when the
handler succeeds and left to come back (and reach the dead-letter queue after maxReceiveCount)
when it reports them in ``batchItemFailures``.  As under Lambda, a batch stays invisible for the
queue's own visibility timeout (the template sets it well above the function's timeout) and the
handler's context counts down from the function's Timeout in the template, so a slow batch is
never received twice while it runs.
"""

from __future__ import annotations

import hashlib
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from digest.local.context import invoke
from digest.store.aws import client

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class PumpReport:
    batches: int = 0
    processed: int = 0
    failed: int = 0


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(m["Body"].encode()).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


def drain(
    queue_url: str,
    handler: Handler,
    *,
    function_name: str,
    batch_size: int = 10,
    max_batches: int = 100_000,
    on_batch: Callable[[PumpReport], None] | None = None,
) -> PumpReport:
    from digest.local.stack import function_timeout

    timeout = function_timeout(function_name)
    sqs = client("sqs")
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    report = PumpReport()
    while report.batches < max_batches:
        reply = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=batch_size,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
        )
        messages = reply.get("Messages", [])
        if not messages:
            break
        result = invoke(handler, sqs_event(messages, arn, sqs.meta.region_name), function_name, timeout) or {}
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        for message in messages:
            if message["MessageId"] in failed:
                # visible again at once, so a local run retries now rather than after the timeout
                sqs.change_message_visibility(
                    QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        report.batches += 1
        report.processed += len(messages) - len(failed)
        report.failed += len(failed)
        if on_batch:
            on_batch(report)
    return report


class BackgroundDrain:
    """Drains a queue through its handler in a thread of its own, as Lambda's poller would: soon
    after ``wake()`` (a request that may have queued something) and at least every ``interval``
    seconds.  ``after`` runs after each drain that handled anything."""

    def __init__(
        self,
        queue_url: str,
        handler: Handler,
        *,
        function_name: str,
        after: Callable[[], object] | None = None,
        interval: float = 5.0,
    ) -> None:
        self.queue_url, self.handler, self.function_name = queue_url, handler, function_name
        self.after, self.interval = after, interval
        self.woken, self.stopping = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"drain-{function_name}", daemon=True)

    def start(self) -> BackgroundDrain:
        self.thread.start()
        return self

    def wake(self) -> None:
        self.woken.set()

    def stop(self) -> None:
        """Returns once the drain in progress (if any) has ended."""
        self.stopping.set()
        self.woken.set()
        self.thread.join()

    def _run(self) -> None:
        while not self.stopping.is_set():
            self.woken.wait(self.interval)
            self.woken.clear()
            if self.stopping.is_set():
                return
            try:
                report = drain(self.queue_url, self.handler, function_name=self.function_name)
                if report.batches and self.after:
                    self.after()
            except Exception as error:  # the endpoint went away or refused: say so, try again later
                print(f"{self.function_name}: could not drain its queue: {error}", file=sys.stderr)
