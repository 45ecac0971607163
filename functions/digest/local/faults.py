"""An HTTP fault proxy in front of the local moto server, for tests and benchmarks.

moto answers every call at once and never fails on its own, so the paths that matter most when
sending mail — SES throttling us, a connection lost after SES took the message, a reply so late the
client gave up on it, DynamoDB throttling the pacer — would go untested. Mocking botocore would
test a guess at what botocore does; this proxy instead sits on the network path the real boto3
clients take (point ``endpoint_url`` or ``AWS_ENDPOINT_URL`` at ``proxy.endpoint``), forwards every
request to moto, and injects faults with byte-exact AWS error shapes, so botocore's own parsers,
retry handlers and exception mapping run exactly as they would against AWS.

Its record of every SES send (``proxy.log``) is the ground truth a test or benchmark checks the
sender against: what reached SES and when, independent of what the client believes happened.

Only the standard library is used, so it runs wherever moto does. Run it standalone with::

    python -m digest.local.faults --upstream http://127.0.0.1:5000 --port 5001 --ses-throttle 0.3
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import random
import re
import signal
import socket
import struct
import threading
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

CONTROL_PATH = "/__faults__"
"""Requests to this path are answered by the proxy itself: GET reads the knobs and counts, POST sets knobs."""

OUTCOMES = ("forwarded", "throttled", "dropped", "delayed")
REACHED_SES = ("forwarded", "dropped", "delayed")
"""The outcomes of sends that moto (standing in for SES) saw; a throttled send never left the proxy."""

_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "expect"}
)
_CREDENTIAL = re.compile(r"Credential=[^/,\s]+/[^/,\s]+/[^/,\s]+/([^/,\s]+)/aws4_request")
_SES_V1_SENDS = frozenset({"SendEmail", "SendRawEmail"})


@dataclass
class Faults:
    """The knobs, read afresh for every request, so a running test or benchmark can turn them.

    Each probability is drawn from the proxy's seeded generator, one draw per SES send and per
    DynamoDB call. The three SES faults share that draw: the first ``ses_throttle`` of [0, 1) throttles,
    the next ``ses_drop_after`` drops, the next ``ses_delay_after`` delays — so each knob is the plain
    probability of its fault as long as they add up to at most 1 (past that the later ones get less).
    """

    ses_throttle: float = 0.0
    """Answer an SES send with SES's own throttling error instead of forwarding it (SES never sees it)."""
    ses_drop_after: float = 0.0
    """Forward an SES send (SES accepts it), then cut the client's connection without a byte of reply."""
    ses_delay_after: float = 0.0
    """Forward an SES send (SES accepts it), then hold the reply ``ses_delay_seconds``: a late success."""
    ses_delay_seconds: float = 5.0
    dynamodb_throttle: float = 0.0
    """Answer a DynamoDB call with ThrottlingException instead of forwarding it."""
    latency_seconds: float = 0.0
    """Added before every proxied request, as a slow network or a far-away region would."""

    def update(self, values: Mapping[str, Any]) -> None:
        """Set knobs from a mapping (the control endpoint's JSON), refusing unknown names and bad values
        before changing any, so a typo in a benchmark script fails loudly instead of running fault-free."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown fault knobs: {', '.join(unknown)}")
        checked: dict[str, float] = {}
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} must be a number, not {value!r}")
            if value < 0 or (not name.endswith("_seconds") and value > 1):
                raise ValueError(f"{name} out of range: {value!r}")
            checked[name] = float(value)
        for name, value in checked.items():
            setattr(self, name, value)


@dataclass(frozen=True)
class SesCall:
    """One SES send as the proxy saw it."""

    at: float
    """``time.time()`` when the proxy had received the whole request."""
    outcome: str
    """One of ``OUTCOMES``."""
    status: int | None
    """The HTTP status moto answered (for dropped and delayed sends too, though the client never saw
    it), the proxy's own error status for a throttled one, None when moto could not be reached."""


@dataclass(frozen=True)
class Call:
    """What a request is, by the AWS service and operation it addresses."""

    service: str
    operation: str

    @property
    def key(self) -> str:
        if not self.operation:
            return self.service or "unknown"
        return f"{self.service}.{self.operation}"

    @property
    def is_ses_send(self) -> bool:
        return (self.service == "sesv2" and self.operation == "SendEmail") or (
            self.service == "ses" and self.operation in _SES_V1_SENDS
        )


def classify(method: str, target: str, headers: Mapping[str, str], body: bytes) -> Call:
    """The service and operation of a request, as AWS would route it.

    The service comes from the SigV4 credential scope (header or presigned query). SES v2 signs as
    ``ses`` like SES v1, so the REST path (``/v2/...``) is what tells the two apart. The operation is
    the ``X-Amz-Target`` suffix for JSON protocols, the ``Action`` field for the query protocol, and
    for SES v2 (REST) only the one this proxy acts on: SendEmail.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    path, _, query = target.partition("?")
    match = _CREDENTIAL.search(lowered.get("authorization", ""))
    service = match.group(1) if match else ""
    if not service and query:
        credential = parse_qs(query).get("X-Amz-Credential", [""])[0]
        parts = credential.split("/")
        service = parts[3] if len(parts) == 5 else ""
    if service in ("ses", "sesv2"):
        service = "sesv2" if path.startswith("/v2/") else "ses"
    if service == "sesv2":
        operation = "SendEmail" if method == "POST" and path.startswith("/v2/email/outbound-emails") else ""
        return Call(service, operation)
    amz_target = lowered.get("x-amz-target", "")
    if amz_target:
        return Call(service, amz_target.rpartition(".")[2])
    action = ""
    if "x-www-form-urlencoded" in lowered.get("content-type", ""):
        action = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
    if not action and query:
        action = parse_qs(query).get("Action", [""])[0]
    return Call(service, action)


def max_in_window(times: Iterable[float], window: float = 1.0) -> int:
    """The most events in any half-open window ``[t, t + window)``: two events exactly ``window`` apart
    fall in different windows, as two sends in consecutive seconds do against a per-second SES quota."""
    if window <= 0:
        raise ValueError("window must be positive")
    ordered = sorted(times)
    best = left = 0
    for right, t in enumerate(ordered):
        while t - ordered[left] >= window:
            left += 1
        best = max(best, right - left + 1)
    return best


class _UpstreamPool:
    """Upstream connections, kept alive and reused where the upstream allows it. moto's server (werkzeug)
    answers every request with ``Connection: close``, so against it each request opens a fresh connection
    (moto closes first, so the TIME_WAIT sockets are its, not ours); the pool pays off against upstreams
    that keep connections, and costs nothing against moto."""

    def __init__(self, host: str, port: int, timeout: float, keep: int = 32) -> None:
        self.host, self.port, self.timeout, self.keep = host, port, timeout, keep
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def forward(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        """One request upstream; the whole reply read. A pooled connection moto had already closed
        fails before moto saw the request, so that one case is retried once on a fresh connection."""
        while True:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            reused = conn is not None
            if conn is None:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
                for name, value in headers:
                    conn.putheader(name, value)
                conn.endheaders(body if body else None)
                reply = conn.getresponse()
                data = reply.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                if reused:
                    continue
                raise
            except BaseException:
                conn.close()
                raise
            if reply.will_close:
                conn.close()
            else:
                with self._lock:
                    if len(self._idle) < self.keep:
                        self._idle.append(conn)
                        conn = None
                if conn is not None:
                    conn.close()
            return reply.status, reply.reason, reply.getheaders(), data

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() cuts open connections itself; joining would wait on held replies
    request_queue_size = 128  # botocore opens up to 10 connections per client at once: no SYN backlog drops

    def __init__(self, address: tuple[str, int], proxy: FaultProxy) -> None:
        self.proxy = proxy
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Peers that hang up (a client's read timeout, a stop) are expected here, not news."""


class FaultProxy:
    """A fault-injecting HTTP proxy in front of ``upstream`` (the moto server's endpoint).

    Use it as a context manager or with ``start``/``stop``; point clients at ``endpoint``; turn the
    knobs on ``faults`` (or POST them to ``/__faults__``) while it runs; read what happened from
    ``log`` (SES sends) and ``counts()`` (every request, every fault).
    """

    def __init__(self, upstream: str, port: int | None = None, seed: int = 0, *, upstream_timeout: float = 60) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"upstream must be an http:// URL, not {upstream!r}")
        self.upstream = upstream
        self.faults = Faults()
        self._pool = _UpstreamPool(parts.hostname, parts.port or 80, upstream_timeout)
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._log: list[SesCall] = []
        self._counts: Counter[str] = Counter()
        self._clients: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", port or 0), self)
        self.port = int(self._server.server_address[1])
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._thread: threading.Thread | None = None

    def start(self) -> FaultProxy:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fault-proxy", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop promptly: held replies are abandoned (their connections cut), keep-alive connections closed."""
        self._stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
        with self._lock:
            clients = list(self._clients)
        for sock in clients:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._pool.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def configure(self, **knobs: float) -> None:
        """Set several knobs at once (all or none, and atomically for requests in flight)."""
        with self._lock:
            self.faults.update(knobs)

    def knobs(self) -> Faults:
        """A consistent copy of the knobs, as one request uses them."""
        with self._lock:
            return replace(self.faults)

    @property
    def log(self) -> list[SesCall]:
        """Every SES send the proxy saw, in the order it decided on them (a copy)."""
        with self._lock:
            return list(self._log)

    def counts(self) -> dict[str, int]:
        """Requests seen per ``service.Operation`` (or ``service`` where there is no operation), plus the
        faults injected: ``throttled``, ``dropped``, ``delayed`` in total and per ``service.Operation.fault``,
        ``requests`` in total and ``upstream_errors`` (moto unreachable)."""
        with self._lock:
            return dict(self._counts)

    def ses_send_times(self, outcomes: Iterable[str] = REACHED_SES) -> list[float]:
        """When the SES sends with these outcomes arrived; by default those that reached SES."""
        wanted = set(outcomes)
        return [c.at for c in self.log if c.outcome in wanted]

    def reset(self) -> None:
        """Forget the log and counts (the knobs and the random sequence stay as they are)."""
        with self._lock:
            self._log.clear()
            self._counts.clear()

    def open_connections(self) -> int:
        """Client connections whose handler has not finished: a held reply keeps its connection open until it
        is written or abandoned, so this falls to zero after ``stop`` only if nothing is left waiting."""
        with self._lock:
            return len(self._clients)

    def state(self) -> dict[str, Any]:
        """What the control endpoint's GET shows."""
        with self._lock:
            return {"faults": asdict(self.faults), "counts": dict(self._counts), "ses_calls": len(self._log)}

    # Used by the request handler.

    def _track(self, sock: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._clients.add(sock)
            else:
                self._clients.discard(sock)

    def _decide(self, call: Call, knobs: Faults) -> str:
        """Count the request and draw its fate."""
        with self._lock:
            self._counts["requests"] += 1
            self._counts[call.key] += 1
            if call.is_ses_send:
                draw = self._random.random()
                edges = (
                    ("throttled", knobs.ses_throttle),
                    ("dropped", knobs.ses_drop_after),
                    ("delayed", knobs.ses_delay_after),
                )
                total = 0.0
                for outcome, probability in edges:
                    total += probability
                    if draw < total:
                        return self._count_fault(call, outcome)
            elif call.service == "dynamodb" and self._random.random() < knobs.dynamodb_throttle:
                return self._count_fault(call, "throttled")
            return "forwarded"

    def _count_fault(self, call: Call, outcome: str) -> str:
        self._counts[outcome] += 1
        self._counts[f"{call.key}.{outcome}"] += 1
        return outcome

    def _record(self, call: Call, at: float, outcome: str, status: int | None) -> None:
        with self._lock:
            if status is None:
                self._counts["upstream_errors"] += 1
            if call.is_ses_send:
                self._log.append(SesCall(at, outcome, status))


def _aws_error(call: Call) -> tuple[int, list[tuple[str, str]], bytes]:
    """The error AWS itself answers when it throttles this call, as botocore parses it."""
    request_id = str(uuid.uuid4())
    if call.service == "sesv2":  # REST JSON: the code travels in x-amzn-ErrorType
        body = json.dumps({"message": "Maximum sending rate exceeded."}).encode()
        headers = [
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", "TooManyRequestsException"),
            ("x-amzn-RequestId", request_id),
        ]
        return 429, headers, body
    if call.service == "ses":  # query protocol: an XML ErrorResponse
        body = (
            '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">'
            "<Error><Type>Sender</Type><Code>Throttling</Code><Message>Maximum sending rate exceeded.</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        return 400, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body
    body = json.dumps(
        {
            "__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
            "message": "Rate of requests exceeds the allowed throughput.",
        }
    ).encode()
    headers = [
        ("Content-Type", "application/x-amz-json-1.0"),
        ("x-amzn-RequestId", request_id),
        ("x-amz-crc32", str(zlib.crc32(body) & 0xFFFFFFFF)),  # botocore checks DynamoDB bodies against it
    ]
    return 400, headers, body


class _Handler(BaseHTTPRequestHandler):
    """One client connection: HTTP/1.1 keep-alive, as botocore's pooled connections expect."""

    protocol_version = "HTTP/1.1"  # also makes the base class answer ``Expect: 100-continue``
    disable_nagle_algorithm = True  # headers and body go out in two writes; no 40 ms delayed-ACK stall
    timeout = 300  # idle keep-alive connections are let go eventually

    @property
    def proxy(self) -> FaultProxy:
        return cast(_Server, self.server).proxy

    def setup(self) -> None:
        super().setup()
        self.proxy._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.proxy._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a benchmark makes thousands of requests."""

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline(65537)
                if not size_line:
                    raise ConnectionError("client closed mid-body")
                size = int(size_line.split(b";", 1)[0].strip(), 16)
                if size == 0:
                    break
                chunk = self.rfile.read(size)
                if len(chunk) < size:
                    raise ConnectionError("client closed mid-body")
                chunks.append(chunk)
                self.rfile.readline()  # the CRLF after each chunk
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers: their content (checksums) travels in the body for aws-chunked anyway
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            raise ConnectionError("client closed mid-body")
        return body

    def _handle(self) -> None:
        try:
            self._proxy_one()
        except (OSError, ValueError):  # the client hung up, or sent what we cannot frame: end this connection
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _handle

    def _proxy_one(self) -> None:
        body = self._read_body()
        received = time.time()
        proxy = self.proxy
        if self.path.partition("?")[0] == CONTROL_PATH:
            self._control(body)
            return
        headers = dict(self.headers.items())
        call = classify(self.command, self.path, headers, body)
        knobs = proxy.knobs()
        if knobs.latency_seconds > 0 and proxy._stopping.wait(knobs.latency_seconds):
            self._abort()
            return
        outcome = proxy._decide(call, knobs)
        if outcome == "throttled":
            status, error_headers, error_body = _aws_error(call)
            proxy._record(call, received, outcome, status)
            self._reply(status, "", error_headers, error_body)
            return
        forward_headers = [(k, v) for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP]
        if "Content-Length" in self.headers or "Transfer-Encoding" in self.headers:
            forward_headers = [(k, v) for k, v in forward_headers if k.lower() != "content-length"]
            forward_headers.append(("Content-Length", str(len(body))))
        try:
            status, reason, reply_headers, data = proxy._pool.forward(self.command, self.path, forward_headers, body)
        except (OSError, http.client.HTTPException) as error:
            proxy._record(call, received, outcome, None)
            message = f"fault proxy: upstream {proxy.upstream} failed: {error!r}".encode()
            self._reply(502, "Bad Gateway", [("Content-Type", "text/plain")], message)
            return
        proxy._record(call, received, outcome, status)
        if outcome == "dropped":
            self._abort()
            return
        if outcome == "delayed" and proxy._stopping.wait(knobs.ses_delay_seconds):
            self._abort()
            return
        self._reply(status, reason, reply_headers, data)

    def _reply(self, status: int, reason: str, headers: list[tuple[str, str]], body: bytes) -> None:
        """Relay a whole reply, framed by Content-Length (upstream's chunking is already undone)."""
        self.send_response_only(status, reason or None)
        bodiless = self.command == "HEAD" or status in (204, 304) or 100 <= status < 200
        for name, value in headers:
            lowered = name.lower()
            if lowered in _HOP_BY_HOP or (lowered == "content-length" and not bodiless):
                continue
            self.send_header(name, value)
        if not bodiless:
            self.send_header("Content-Length", str(len(body)))
        if not any(name.lower() == "date" for name, _ in headers):
            self.send_header("Date", self.date_time_string())
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not bodiless and body:
            self.wfile.write(body)

    def _abort(self) -> None:
        """Cut the connection with no reply: a reset (SO_LINGER 0) once the server closes the socket,
        and at once an end of stream to the client, who sees the connection closed before any reply."""
        self.close_connection = True
        sock = self.connection
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _control(self, body: bytes) -> None:
        """GET reads the knobs and counts; POST sets knobs from a JSON object and answers like GET."""
        status, payload = 200, None
        if self.command == "POST":
            try:
                values = json.loads(body or b"{}")
                if not isinstance(values, dict):
                    raise ValueError("expected a JSON object of knobs")
                self.proxy.configure(**values)
            except (ValueError, TypeError) as error:
                status, payload = 400, {"error": str(error)}
        elif self.command != "GET":
            status, payload = 405, {"error": "GET reads the knobs, POST sets them"}
        reply = json.dumps(payload if payload is not None else self.proxy.state()).encode()
        self._reply(status, "", [("Content-Type", "application/json")], reply)


def main(argv: list[str] | None = None) -> None:
    """Run a proxy in the foreground until Ctrl-C or SIGTERM (a benchmark script stops its proxy that way)."""
    parser = argparse.ArgumentParser(
        prog="python -m digest.local.faults", description="A fault-injecting proxy in front of a moto server."
    )
    parser.add_argument("--upstream", required=True, help="the moto server, e.g. http://127.0.0.1:5000")
    parser.add_argument("--port", type=int, default=None, help="port to listen on (default: any free one)")
    parser.add_argument("--seed", type=int, default=0)
    for knob in fields(Faults):
        flag = "--" + knob.name.replace("_", "-")
        parser.add_argument(flag, type=float, default=knob.default, dest=knob.name)
    args = parser.parse_args(argv)
    proxy = FaultProxy(args.upstream, args.port, args.seed)
    try:
        proxy.configure(**{knob.name: getattr(args, knob.name) for knob in fields(Faults)})
    except ValueError as error:
        parser.error(str(error))
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    proxy.start()
    print(f"fault proxy on {proxy.endpoint} -> {args.upstream}; knobs at {proxy.endpoint}{CONTROL_PATH}", flush=True)
    try:
        while not done.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        proxy.stop()
        print(json.dumps(proxy.counts(), sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
