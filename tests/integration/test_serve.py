"""`digest serve` (digest.local.serve) stops cleanly: no request outlives it to talk to a moto that is gone."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from digest.local.motoserver import LocalAws
from digest.local.serve import LocalServer
from digest.settings import get_settings


def _dead_endpoint() -> str:
    with socket.socket() as probe:  # a port that was free a moment ago, with nobody listening
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_a_request_in_flight_at_stop_reads_no_mail_afterwards(
    stack: LocalAws, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The noise's source: a request still running when the server stops read moto after it was gone
    ("could not read the sent mail from moto: Connection refused", once per such request)."""
    before = os.environ.get("API_BASE_URL")
    server = LocalServer(port=0, out_dir=tmp_path / "out").start()
    try:
        body = b'{"email": "late@example.org", "consent": true}'
        client = socket.create_connection((server.host, server.port))
        head = (
            f"POST /subscriptions HTTP/1.1\r\nHost: {server.host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        client.sendall(head.encode())  # the body is held back: the request is in flight
        started = time.monotonic()
        while not vars(server.httpd).get("_threads") and time.monotonic() - started < 10:
            time.sleep(0.05)  # until the server has taken the connection (socketserver keeps its threads there)
        stopping = threading.Thread(target=server.stop)
        stopping.start()
        stopping.join(0.5)
        assert server.mail is not None
        server.mail.endpoint = _dead_endpoint()  # moto stops (as at the end of the test session)
        client.sendall(body)
        reply = b""
        with contextlib.suppress(OSError):
            reply = client.recv(4096)
        client.close()
        stopping.join(10)
        time.sleep(0.5)  # (the old server let the request go on after stop() had returned)
        assert "could not read the sent mail" not in capfd.readouterr().err
        assert not stopping.is_alive()
        assert reply.startswith(b"HTTP/1.1 202")
    finally:
        server.stop()
        if before is None:
            os.environ.pop("API_BASE_URL", None)
        else:
            os.environ["API_BASE_URL"] = before
        get_settings.cache_clear()
