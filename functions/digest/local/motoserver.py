"""The embedded local AWS: a moto server on loopback, and what SES received there."""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from moto.server import ThreadedMotoServer

from digest.settings import get_settings
from digest.store.aws import reset_clients


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalAws:
    """A moto server in a background thread; ``start`` points this process's boto3 at it."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def start(self) -> LocalAws:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request drowns the progress
        self.server.start()
        point_at(self.endpoint)
        return self

    def stop(self) -> None:
        self.server.stop()


def point_at(endpoint: str) -> None:
    """Point this process's boto3 (and its settings) at a local endpoint, with harmless credentials."""
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_REGION", "eu-west-1")
    os.environ.setdefault("AWS_DEFAULT_REGION", os.environ["AWS_REGION"])
    reset_clients()
    get_settings.cache_clear()


@dataclass(frozen=True)
class ReceivedMessage:
    message_id: str
    source: str
    destinations: list[str]
    raw: str


def reset(endpoint: str) -> None:
    """Forget every resource of the moto server (tests start each module from an empty account)."""
    request = urllib.request.Request(f"{endpoint.rstrip('/')}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=30):
        pass


def received_messages(endpoint: str, attempts: int = 5) -> list[ReceivedMessage]:
    """Every raw message the moto server's SES accepted, through moto's own inspection API.

    That API serialises every backend at once, and fails (500) when a request running meanwhile
    changes one under it (a send in progress): such a read is tried again.
    """
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(f"{endpoint.rstrip('/')}/moto-api/data.json", timeout=60) as reply:
                data: dict[str, Any] = json.load(reply)
            break
        except urllib.error.HTTPError as error:
            if error.code < 500 or attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    return [
        ReceivedMessage(m["id"], m["source"], list(m["destinations"]), m["raw_data"])
        for m in data.get("ses", {}).get("RawMessage", [])
    ]
