"""The Lambda context object, for running handlers in this process the way Lambda runs them."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LocalContext:
    function_name: str
    memory_limit_in_mb: int = 512
    timeout_seconds: int = 900
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:local:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000))


def invoke(handler: Callable[[Any, Any], Any], event: Any, function_name: str, timeout_seconds: int = 900) -> Any:
    """Run ``handler`` on ``event`` as Lambda would, in this process.

    Powertools keeps metrics it was told not to publish (POWERTOOLS_METRICS_DISABLED, as local runs
    set it) and prints them to standard output anyway once 100 pile up, which would corrupt the
    CLI's JSON: each invocation starts clean, as a Lambda invocation does.
    """
    from digest.observability import metrics

    try:
        return handler(event, LocalContext(function_name, timeout_seconds=timeout_seconds))
    finally:
        metrics.clear_metrics()
