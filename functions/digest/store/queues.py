"""SQS: the ingest, send and notices queues."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from digest.store.aws import client

# Names `digest stack create` gives the queues on a local endpoint.
LOCAL_QUEUE_NAMES = {"ingest": "digest-ingest", "send": "digest-send", "notices": "digest-notices"}


@cache
def queue_url(configured: str, purpose: str) -> str:
    """The configured queue URL, or the local queue's when none is configured."""
    if configured:
        return configured
    return client("sqs").get_queue_url(QueueName=LOCAL_QUEUE_NAMES[purpose])["QueueUrl"]


def send_messages(url: str, bodies: list[dict[str, Any]]) -> int:
    """Enqueue JSON bodies in batches of ten; raises if SQS refuses any of them."""
    sqs = client("sqs")
    for start in range(0, len(bodies), 10):
        chunk = bodies[start : start + 10]
        reply = sqs.send_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(n), "MessageBody": json.dumps(body)} for n, body in enumerate(chunk)],
        )
        if reply.get("Failed"):
            raise RuntimeError(f"SQS refused {len(reply['Failed'])} messages: {reply['Failed'][0].get('Message')}")
    return len(bodies)


def queue_depth(url: str) -> int:
    """Messages waiting, in flight or delayed (SQS's approximate counts)."""
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    attributes = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes.get(name, 0)) for name in names)
