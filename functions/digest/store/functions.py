"""Lambda: invoking the deployed stack's functions from the CLI."""

from __future__ import annotations

import json
from typing import Any

from digest.store.aws import client

# A dispatch may run for its whole timeout (300 s): wait a little longer for its answer, and never
# retry the call (a retried dispatch is harmless, but the caller should see the first failure).
INVOKE_READ_TIMEOUT = 330


class FunctionFailed(RuntimeError):
    """The function ran and raised; the message is its error."""


def invoke(function_name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Run a function synchronously with ``payload``; its JSON answer, or FunctionFailed."""
    lambda_client = client("lambda", read_timeout=INVOKE_READ_TIMEOUT, retries=False)
    request = json.dumps(payload).encode()
    reply = lambda_client.invoke(FunctionName=function_name, InvocationType="RequestResponse", Payload=request)
    body = reply["Payload"].read().decode("utf-8", "replace")
    if reply.get("FunctionError"):
        try:
            error = json.loads(body)
            message = f"{error.get('errorType', 'Error')}: {error.get('errorMessage', body)}"
        except (ValueError, AttributeError):
            message = body[:500]
        raise FunctionFailed(f"{function_name} failed: {message}")
    answer = json.loads(body) if body else {}
    return answer if isinstance(answer, dict) else {"result": answer}
