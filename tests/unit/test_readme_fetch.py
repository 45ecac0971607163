"""The fetcher a deployment gets, held to the README's numbers (issue 18): "a 5 MB cap, 5 redirects at
most, connect and total timeouts, a User-Agent with a contact URL" — from the settings' defaults,
against a real HTTP server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import ClassVar

import pytest

from digest.ingest.fetch import Fetcher, FetchError
from digest.settings import Settings
from local_http import serving

CONTACT = "https://github.com/friday-digest/friday-digest"  # UserAgentContact's default


class Redirects(BaseHTTPRequestHandler):
    """``/hops/N`` redirects N times before it answers with a feed; every User-Agent is kept."""

    agents: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Redirects.agents.append(self.headers.get("User-Agent", ""))
        left = int(self.path.rsplit("/", 1)[1])
        if left:
            self.send_response(302)
            self.send_header("Location", f"/hops/{left - 1}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"<rss version='2.0'><channel><title>t</title></channel></rss>"
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serving(Redirects) as url:
        yield url


def deployed_fetcher() -> Fetcher:
    """As the ingest workers build it, from the defaults (private addresses allowed for loopback)."""
    return Fetcher.from_settings(Settings(allow_private_fetch=True))


def test_the_defaults_are_a_5_mb_cap_and_10_s_in_all_with_a_shorter_connect_timeout() -> None:
    fetcher = deployed_fetcher()
    assert (fetcher.max_bytes, fetcher.total_timeout, fetcher.connect_timeout) == (5_000_000, 10.0, 5.0)
    assert Fetcher.from_settings(Settings()).allow_private is False  # ALLOW_PRIVATE_FETCH defaults to false


def test_five_redirects_are_followed_and_a_sixth_is_refused(server: str) -> None:
    result = deployed_fetcher().fetch(f"{server}/hops/5")
    assert (result.status, result.url) == (200, f"{server}/hops/0")
    with pytest.raises(FetchError, match=r"^too many redirects \(more than 5\)$"):
        deployed_fetcher().fetch(f"{server}/hops/6")


def test_every_request_names_the_contact_url(server: str) -> None:
    Redirects.agents.clear()
    deployed_fetcher().fetch(f"{server}/hops/1")
    assert len(Redirects.agents) == 2 and all(CONTACT in agent for agent in Redirects.agents)
    Redirects.agents.clear()
    Fetcher.from_settings(Settings(allow_private_fetch=True, user_agent_contact="https://news.example.org/bots")).fetch(
        f"{server}/hops/0"
    )
    assert "https://news.example.org/bots" in Redirects.agents[0] and CONTACT not in Redirects.agents[0]
