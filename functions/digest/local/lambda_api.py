"""Lambda's Invoke API for the stack's functions on loopback, like `sam local start-lambda`.

Against AWS, `digest edition send` runs the deployed dispatch through Lambda's Invoke API.  With
``AWS_ENDPOINT_URL_LAMBDA`` pointing here, boto3 sends that same call to this server, which runs the
real handler named in template.yaml in this process, so the CLI's AWS path runs without Docker or
an account (moto's Lambda needs Docker to run code).  Functions are named by their logical id, or
by an ARN ending in it.
"""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from digest.local.cfn_yaml import load_template
from digest.local.context import invoke
from digest.local.stack import TEMPLATE

MAX_PAYLOAD = 6 * 1024 * 1024  # Lambda's synchronous payload limit
PATH_PREFIX = "/2015-03-31/functions/"


def template_handlers(template_path: Path = TEMPLATE) -> dict[str, str]:
    """Logical id -> "module.function" for every function in the template."""
    resources = load_template(template_path)["Resources"]
    return {
        name: str(resource["Properties"]["Handler"])
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def _load(handler: str) -> Callable[[Any, Any], Any]:
    module, _, function = handler.rpartition(".")
    return getattr(importlib.import_module(module), function)


class LocalLambda:
    """The Invoke API on 127.0.0.1; ``url`` is what AWS_ENDPOINT_URL_LAMBDA takes."""

    def __init__(self, template_path: Path = TEMPLATE) -> None:
        self.handlers = template_handlers(template_path)
        self.invocations: list[tuple[str, Any]] = []  # (function, event), for whoever started it
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _request_handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> LocalLambda:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def invoke(self, name: str, event: Any) -> tuple[int, dict[str, str], bytes]:
        """(HTTP status, headers, body) as Lambda's Invoke API answers."""
        function = name.rpartition(":function:")[2].split(":")[0] if ":function:" in name else name
        if function not in self.handlers:
            body = {"Type": "User", "message": f"Function not found: {name[:200]}"}
            return 404, {"x-amzn-ErrorType": "ResourceNotFoundException"}, json.dumps(body).encode()
        self.invocations.append((function, event))
        headers = {"X-Amz-Executed-Version": "$LATEST"}
        try:
            answer = invoke(_load(self.handlers[function]), event, function)
        except Exception as error:  # Lambda reports any exception as the function's error
            headers["X-Amz-Function-Error"] = "Unhandled"
            return 200, headers, json.dumps({"errorMessage": str(error), "errorType": type(error).__name__}).encode()
        return 200, headers, json.dumps(answer).encode()


def _request_handler(server: LocalLambda) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for key, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            path = self.path.split("?")[0]
            if not (path.startswith(PATH_PREFIX) and path.endswith("/invocations")):
                return self._reply(404, {"x-amzn-ErrorType": "UnknownOperationException"}, b"{}")
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_PAYLOAD:
                return self._reply(413, {"x-amzn-ErrorType": "RequestTooLargeException"}, b"{}")
            raw = self.rfile.read(length)
            try:
                event = json.loads(raw) if raw else {}
            except ValueError:
                return self._reply(400, {"x-amzn-ErrorType": "InvalidRequestContentException"}, b"{}")
            name = path[len(PATH_PREFIX) : -len("/invocations")]
            self._reply(*server.invoke(name, event))

    return Handler
