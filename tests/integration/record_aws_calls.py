"""Run the digest CLI and write down every AWS call the invoked handler makes: ``python
record_aws_calls.py OUT.jsonl invoke events/X.json ...``.

Each line names the IAM action's parts (signing name and operation) and the resource by the
environment variable that held its name (``SEND_LOG_TABLE``, ``ARCHIVE_BUCKET``, ...), so a test can
map it to the template's resource and compare it with the function's role.  Only calls made while
the handler runs are written (not the CLI's own lookups of the local stack).  The calls still go
to the local stack: this only watches them.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from botocore.client import BaseClient

import digest.local.invoke as local_invoke
from digest.cli import main

# The request parameter that names the resource, and the ending of the variables that hold such names
# (locally the articles table and bucket share a name).
RESOURCE_PARAMETERS = {"TableName": "_TABLE", "RequestItems": "_TABLE", "Bucket": "_BUCKET",
                       "QueueUrl": "_QUEUE_URL", "SecretId": "_ARN"}  # fmt: skip
out_path, *cli_args = sys.argv[1:]
recording = False
make_api_call = BaseClient._make_api_call


def _resource(params: dict[str, Any]) -> str | None:
    for parameter, ending in RESOURCE_PARAMETERS.items():
        if parameter in params:
            value = params[parameter]
            names = list(value) if isinstance(value, dict) else [str(value)]  # RequestItems: table -> keys
            held_by = sorted(k for k, v in os.environ.items() if v in names and k.endswith(ending))
            return held_by[0] if held_by else names[0]
    return None


def _recording_call(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
    if recording:
        model = self.meta.service_model
        line = {"service": model.signing_name or model.endpoint_prefix, "operation": operation,
                "resource": _resource(params)}  # fmt: skip
        with open(out_path, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")
    return make_api_call(self, operation, params)


def _recorded_handler(handler: str) -> Any:
    run = original_handler(handler)

    def handle(event: Any, context: Any) -> Any:
        global recording
        recording = True
        try:
            return run(event, context)
        finally:
            recording = False

    return handle


original_handler = local_invoke._handler
local_invoke._handler = _recorded_handler
BaseClient._make_api_call = _recording_call  # type: ignore[method-assign]
sys.exit(main(cli_args))
