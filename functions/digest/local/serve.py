"""`digest serve`: the API and its pages on a laptop, through the real Lambda handler.

Each HTTP request becomes an API Gateway REST (v1) proxy event — the shape of events/api_subscribe.json,
stage "local", with the caller's address and User-Agent in requestContext.identity — and goes to
the Lambda handler API Gateway routes that path to (``digest.handlers.api.handler`` for readers,
``digest.handlers.admin_api.handler`` for /admin, /review, /desk and /openapi.json: see
``digest.api.web.is_editorial``); its answer goes back as the HTTP response.  With ``AWS_ENDPOINT_URL``
set, that endpoint serves as AWS; otherwise an embedded moto server starts and the stack is created.
The notice worker drains the notices queue in the background, as Lambda's poller would, so a
sign-up's confirmation mail arrives a moment after its reply.  Every mail SES (moto) accepts is
written to ``out/mail/*.eml``, so the confirmation link can be read.
"""

from __future__ import annotations

import base64
import os
import re
import signal
import sys
import threading
import time
import uuid
import warnings
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from digest.local.context import invoke
from digest.local.motoserver import LocalAws, received_messages
from digest.local.pump import BackgroundDrain, Handler
from digest.settings import get_settings
from digest.store.queues import queue_url

MAX_REQUEST = 6_000_000  # API Gateway takes 10 MB; nothing of ours needs more than the import's 5 MB
HANDLER_LOCK = threading.Lock()
REQUEST_TIMEOUT = 30.0
TEXT_TYPES = ("text/", "application/json", "application/x-www-form-urlencoded", "application/xml")


def to_event(
    method: str, target: str, headers: dict[str, str], body: bytes, *, client_ip: str, stage: str = "local"
) -> dict[str, Any]:
    """An API Gateway REST proxy event for one HTTP request."""
    parts = urlsplit(target)
    query = parse_qs(parts.query, keep_blank_values=True)
    lowered = {k.lower(): v for k, v in headers.items()}
    content_type = lowered.get("content-type", "")
    textual = not body or content_type.startswith(TEXT_TYPES) or "charset" in content_type
    now = datetime.now(UTC)
    return {
        "resource": parts.path,
        "path": parts.path,
        "httpMethod": method,
        "headers": lowered,
        "multiValueHeaders": {k: [v] for k, v in lowered.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": parts.path,
            "httpMethod": method,
            "path": f"/{stage}{parts.path}",
            "stage": stage,
            "requestId": str(uuid.uuid4()),
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "protocol": "HTTP/1.1",
            "accountId": "000000000000",
            "apiId": "local",
            "identity": {"sourceIp": client_ip, "userAgent": lowered.get("user-agent")},
            "domainName": lowered.get("host", "127.0.0.1"),
        },
        "body": (body.decode("utf-8", errors="replace") if textual else base64.b64encode(body).decode()) or None,
        "isBase64Encoded": not textual,
    }


def _reply_headers(reply: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = [(k, str(v)) for k, values in (reply.get("multiValueHeaders") or {}).items() for v in values]
    pairs += [(k, str(v)) for k, v in (reply.get("headers") or {}).items()]
    return pairs


class MailDrop:
    """Writes each message SES (moto) accepted to ``out/mail/<time>-<recipient>.eml``, once."""

    def __init__(self, endpoint: str, directory: Path) -> None:
        self.endpoint = endpoint
        self.directory = directory
        self.seen: set[str] = set()
        self.lock = threading.Lock()
        self.closed = False

    def close(self) -> None:
        """No more reading: the server is stopping, and moto may be gone before its last requests end."""
        with self.lock:
            self.closed = True

    def collect(self) -> list[Path]:
        with self.lock:
            written: list[Path] = []
            if self.closed:
                return written
            try:
                messages = received_messages(self.endpoint)
            except (OSError, ValueError) as error:  # moto's inspection API can fail on odd data; try next time
                print(f"digest serve: could not read the sent mail from moto: {error}", file=sys.stderr)
                return written
            for message in messages:
                if message.message_id in self.seen:
                    continue
                self.seen.add(message.message_id)
                self.directory.mkdir(parents=True, exist_ok=True)
                recipient = re.sub(r"[^A-Za-z0-9@._-]", "_", message.destinations[0] if message.destinations else "x")
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
                path = self.directory / f"{stamp}-{recipient}.eml"
                path.write_text(message.raw, encoding="utf-8")
                written.append(path)
            return written


def _handler_class(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    from digest.api.web import is_editorial
    from digest.handlers import admin_api, api

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "digest-serve"
        timeout = REQUEST_TIMEOUT  # an idle or trickling client cannot hold stop() for ever

        def log_message(self, format: str, *args: Any) -> None:
            if os.environ.get("DIGEST_SERVE_QUIET") != "1":
                super().log_message(format, *args)

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_REQUEST:
                self.send_error(413, "Request body too large")
                return
            body = self.rfile.read(length) if length else b""
            event = to_event(
                self.command, self.path, dict(self.headers.items()), body, client_ip=self.client_address[0]
            )
            try:
                with HANDLER_LOCK:  # Lambda runs one event per process at a time; the resolver relies on it
                    editorial = is_editorial(str(event.get("path") or ""))
                    reply = invoke(admin_api.handler if editorial else api.handler, event, "api")
            except Exception as error:  # a bug: answer as API Gateway does when the Lambda fails
                self.log_error("handler failed: %r", error)
                reply = {"statusCode": 502, "body": '{"message": "Internal server error"}', "headers": {}}
                reply["headers"]["Content-Type"] = "application/json"
            payload = reply.get("body") or ""
            data = base64.b64decode(payload) if reply.get("isBase64Encoded") else str(payload).encode("utf-8")
            self.send_response(int(reply["statusCode"]))
            for name, value in _reply_headers(reply):
                if name.lower() not in {"content-length", "connection", "transfer-encoding"}:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")  # one request per connection: simple and unambiguous
            self.close_connection = True
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            if server.mail is not None and self.command == "POST":  # only POSTs send mail
                server.mail.collect()
            if server.notices is not None and self.command == "POST":  # a sign-up queues its confirmation
                server.notices.wake()

        def __getattr__(self, name: str) -> Any:
            # every method (TRACE, QUERY, …) goes to the handler, which answers as API Gateway's Lambda would
            if name.startswith("do_"):
                return self._handle
            raise AttributeError(name)

    return Handler


def _one_at_a_time(handler: Handler) -> Handler:
    """The handler under HANDLER_LOCK: the worker shares this process's Powertools state with the API."""

    def locked(event: dict[str, Any], context: Any) -> Any:
        with HANDLER_LOCK:
            return handler(event, context)

    return locked


class LocalServer:
    """The API on ``host:port`` in background threads (``serve`` runs one in the foreground)."""

    def __init__(self, port: int = 3000, host: str = "127.0.0.1", *, out_dir: Path | str = "out") -> None:
        self.host, self.port = host, port
        self.out_dir = Path(out_dir)
        self.aws: LocalAws | None = None
        self.httpd: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None
        self.mail: MailDrop | None = None
        self.notices: BackgroundDrain | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> LocalServer:
        os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
        warnings.filterwarnings("ignore", "No application metrics to publish")
        # Bind first: with port 0 the system picks a free port, and links in mails must name it.
        self.httpd = ThreadingHTTPServer((self.host, self.port), _handler_class(self))
        self.httpd.daemon_threads = False  # so that stop() waits for the requests in flight
        self.port = int(self.httpd.server_address[1])
        if not os.environ.get("AWS_ENDPOINT_URL"):
            self.aws = LocalAws().start()
        os.environ["API_BASE_URL"] = self.url
        get_settings.cache_clear()
        if self.aws is not None:
            from digest.local.stack import create_stack

            create_stack(get_settings())
        self.mail = MailDrop(os.environ["AWS_ENDPOINT_URL"], self.out_dir / "mail")
        self.mail.seen = {m.message_id for m in received_messages(self.mail.endpoint)}  # only this server's mail
        from digest.handlers import notice_worker

        self.notices = BackgroundDrain(
            queue_url(get_settings().notices_queue_url, "notices"), _one_at_a_time(notice_worker.handler),
            function_name="NoticeWorkerFunction", after=self.mail.collect,
        ).start()  # fmt: skip
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="digest-serve", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; returns once the requests in flight have ended (nothing outlives the server)."""
        if self.notices is not None:
            self.notices.stop()
        if self.mail is not None:
            self.mail.close()
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()  # joins the request threads
        if self.aws is not None:
            self.aws.stop()


def until_interrupted() -> None:
    """Wait for Ctrl-C or a plain kill (SIGTERM), then return.

    The handlers are set here because a script that starts a server in the background leaves
    SIGINT ignored, and Python then never raises KeyboardInterrupt: Ctrl-C would do nothing.
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return


def serve(port: int = 3000, host: str = "127.0.0.1") -> None:
    """Serve the API and its pages until interrupted (Ctrl-C)."""
    server = LocalServer(port, host).start()
    print(f"Friday Digest API on {server.url} (pages: {server.url}/subscribe; docs: {server.url}/openapi.json)")
    print(f"mail that SES accepts is written to {server.mail.directory if server.mail else 'out/mail'}/")
    try:
        until_interrupted()
    finally:
        server.stop()
