"""A polite, defensive HTTP client for feeds and article pages.

Polite: conditional GETs (ETag / Last-Modified), compression, an honest User-Agent, and a
per-host back-off after 429/503 so a struggling publisher is not hammered.  Defensive: the
addresses a name resolves to are checked before connecting (no fetching of internal services
through a feed URL or a redirect), the connection goes to exactly the address that was checked
(no DNS rebinding between check and use), bodies are capped while streaming, and every failure
becomes a ``FetchError`` whose message can be shown to an editor.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

try:  # urllib3 decodes br only when a brotli module is importable
    import brotli  # noqa: F401

    ACCEPT_ENCODING = "gzip, deflate, br"
except ImportError:  # pragma: no cover - brotli is a declared dependency
    ACCEPT_ENCODING = "gzip, deflate"

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "text/html;q=0.8, */*;q=0.5"
)
USER_AGENT_TEMPLATE = "FridayDigest/0.1 (+{contact})"
DEFAULT_CONTACT = "https://github.com/friday-digest/friday-digest"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_LATER_STATUSES = frozenset({429, 503})
DEFAULT_BACKOFF_SECONDS = 300.0  # a 429/503 without Retry-After
MAX_BACKOFF_SECONDS = 24 * 3600.0  # a Retry-After of a month is not taken literally
_CHUNK = 64 * 1024


def default_user_agent(contact: str = DEFAULT_CONTACT) -> str:
    """The User-Agent publishers see: who we are and where to complain."""
    return USER_AGENT_TEMPLATE.format(contact=contact)


class FetchError(Exception):
    """A fetch failed; the message says why in a few words ("HTTP 404 Not Found")."""


class RetryLater(FetchError):
    """The host asked us to slow down (429/503), or is still in its back-off period."""

    def __init__(self, retry_after: float | None, message: str | None = None) -> None:
        self.retry_after = retry_after
        wait = f"; retry after {retry_after:.0f} s" if retry_after is not None else ""
        super().__init__((message or "the host asked us to retry later") + wait)


@dataclass
class FetchResult:
    status: int
    url: str  # after redirects
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    max_age: int | None = None
    retry_after: float | None = None


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = datetime.fromtimestamp(now if now is not None else time.time(), UTC)
    return max(0.0, (when - current).total_seconds())


def parse_max_age(cache_control: str | None) -> int | None:
    """``max-age`` from a Cache-Control header (None when absent; 0 for no-cache/no-store)."""
    if not cache_control:
        return None
    directives = [d.strip().lower() for d in cache_control.split(",")]
    if "no-store" in directives or "no-cache" in directives:
        return 0
    for directive in directives:
        match = re.fullmatch(r"max-age\s*=\s*\"?(\d+)\"?", directive)
        if match:
            return int(match.group(1))
    return None


def is_public_address(address: str) -> bool:
    """True for a globally routable address; False for private, loopback, link-local, reserved, ...

    IPv6 addresses that carry an IPv4 one (mapped, 6to4, Teredo, NAT64) are judged by that IPv4
    address: ``2002:7f00:1::`` is 127.0.0.1 through a 6to4 relay.
    """
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            ip = embedded
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]  # the client's address
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


class _Deadline:
    """Ends a request at its deadline whatever the peer does.

    Socket timeouts restart with every byte, so a server that drips one byte a second never trips
    them.  A timer shuts down the request's sockets when the deadline passes (through a duplicate
    of each, so the descriptor cannot be reused under us); the blocked read then returns at once.
    """

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        timer = threading.Timer(max(0.0, seconds), self._expire)
        timer.daemon = True
        self._timer: threading.Timer | None = timer
        timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            if self._timer is None:
                return
            self._sockets.append(sock.dup())
            if self.expired:
                self._shut(self._sockets[-1])

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):  # already closed by the peer
            sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()


class _WatchedHTTPConnection(HTTPConnection):
    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = deadline

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        self._deadline.watch(sock)  # before TLS: a dripped handshake is bounded too
        return sock


class _WatchedHTTPSConnection(HTTPSConnection):
    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = deadline

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        self._deadline.watch(sock)
        return sock


class _Pool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _TLSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class Fetcher:
    """Fetches URLs politely and safely; one instance may be shared by several threads."""

    def __init__(
        self,
        user_agent: str,
        *,
        allow_private: bool,
        connect_timeout: float,
        total_timeout: float,
        max_bytes: int,
        max_redirects: int = 5,
    ) -> None:
        self.user_agent = user_agent or default_user_agent()
        self.allow_private = allow_private
        self.connect_timeout = connect_timeout
        self.total_timeout = total_timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self._backoff: dict[str, float] = {}  # host -> time.monotonic() until which we wait
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Any) -> Fetcher:
        """A fetcher configured from ``digest.settings.Settings``."""
        return cls(
            default_user_agent(settings.user_agent_contact),
            allow_private=settings.allow_private_fetch,
            connect_timeout=min(5.0, settings.fetch_timeout_seconds),
            total_timeout=settings.fetch_timeout_seconds,
            max_bytes=settings.fetch_max_bytes,
        )

    # ----------------------------------------------------------------------------------- back-off

    def backoff_remaining(self, host: str) -> float | None:
        """Seconds until ``host`` may be asked again, or None when it is not in back-off."""
        key = host.lower()
        with self._lock:
            until = self._backoff.get(key)
            if until is None:
                return None
            remaining = until - time.monotonic()
            if remaining <= 0:
                del self._backoff[key]
                return None
            return remaining

    def _back_off(self, host: str, seconds: float | None) -> float:
        wait = min(MAX_BACKOFF_SECONDS, seconds if seconds is not None else DEFAULT_BACKOFF_SECONDS)
        with self._lock:
            self._backoff[host.lower()] = max(self._backoff.get(host.lower(), 0.0), time.monotonic() + wait)
        return wait

    # ----------------------------------------------------------------------------------- fetching

    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET ``url`` following up to ``max_redirects`` redirects; raises ``FetchError`` on failure.

        A 304 answer gives ``not_modified=True`` and an empty body.
        """
        deadline = time.monotonic() + self.total_timeout
        current = url
        for _hop in range(self.max_redirects + 1):
            response_or_location = self._request(current, etag, last_modified, deadline)
            if isinstance(response_or_location, FetchResult):
                return response_or_location
            current = response_or_location
        raise FetchError(f"too many redirects (more than {self.max_redirects})")

    def _target(self, url: str) -> tuple[str, str, int, str]:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise FetchError(f"invalid URL {url!r}: {exc}") from exc
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise FetchError(f"only http and https URLs can be fetched, not {url!r}")
        host = parts.hostname
        if not host:
            raise FetchError(f"URL has no host: {url!r}")
        try:
            host = host.encode("idna").decode("ascii") if not host.isascii() else host
        except UnicodeError as exc:
            raise FetchError(f"invalid host name in {url!r}") from exc
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        return scheme, host, port or (443 if scheme == "https" else 80), path

    def _resolve(self, host: str, port: int) -> str:
        """The address to connect to, after checking every address the name resolves to."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError(f"could not resolve host {host!r}") from exc
        addresses = [str(info[4][0]) for info in infos]
        if not addresses:
            raise FetchError(f"could not resolve host {host!r}")
        if not self.allow_private:
            for address in addresses:
                if not is_public_address(address):
                    raise FetchError(
                        f"refusing to fetch {host!r}: it resolves to the non-public address {address} "
                        "(private, loopback, link-local or reserved)"
                    )
        return addresses[0]

    def _request(self, url: str, etag: str | None, modified: str | None, until: float) -> FetchResult | str:
        scheme, host, port, path = self._target(url)
        waiting = self.backoff_remaining(host)
        if waiting is not None:
            raise RetryLater(waiting, f"{host} is in back-off after an earlier 429/503")
        address = self._resolve(host, port)
        remaining = until - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"timed out after {self.total_timeout:g} s")

        default_port = (scheme, port) in (("http", 80), ("https", 443))
        host_header = host if ":" not in host else f"[{host}]"
        headers = {
            "Host": host_header if default_port else f"{host_header}:{port}",
            "User-Agent": self.user_agent,
            "Accept-Encoding": ACCEPT_ENCODING,
            "Accept": ACCEPT,
        }
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        timeout = urllib3.Timeout(connect=min(self.connect_timeout, remaining), read=remaining)
        deadline = _Deadline(remaining)
        pool: urllib3.HTTPConnectionPool
        if scheme == "https":
            # Connect to the checked address; TLS still verifies the certificate for the host name.
            pool = _TLSPool(
                address, port, timeout=timeout, retries=False, maxsize=1, cert_reqs="CERT_REQUIRED",
                server_hostname=host, assert_hostname=host, deadline=deadline,
            )  # fmt: skip
        else:
            pool = _Pool(address, port, timeout=timeout, retries=False, maxsize=1, deadline=deadline)
        timed_out = FetchError(f"timed out after {self.total_timeout:g} s")
        try:
            outcome = self._exchange(pool, url, path, headers, host, etag, modified, until)
        except Exception as exc:
            if deadline.expired:  # whatever the cut connection looked like to urllib3
                raise timed_out from exc
            failure = None if isinstance(exc, FetchError) else self._failure(exc, host)
            if failure is None:
                raise
            raise failure from exc
        finally:
            deadline.close()
            pool.close()
        if deadline.expired:  # a body read to "end of file" that was really the cut
            raise timed_out
        return outcome

    def _failure(self, exc: Exception, host: str) -> FetchError | None:
        """The FetchError a transport exception means (None for anything else: a bug)."""
        timed_out = FetchError(f"timed out after {self.total_timeout:g} s")
        if isinstance(exc, NewConnectionError):  # first: urllib3 makes it a subclass of ConnectTimeoutError
            return FetchError(f"could not connect to {host}: {_reason(exc)}")
        if isinstance(exc, ConnectTimeoutError | ReadTimeoutError | TimeoutError):
            return timed_out
        if isinstance(exc, SSLError):
            return FetchError(f"TLS error talking to {host}: {_reason(exc)}")
        if isinstance(exc, DecodeError):
            return FetchError(f"could not decode the response body: {_reason(exc)}")
        if isinstance(exc, ProtocolError):
            if _is_timeout(exc):
                return timed_out
            return FetchError(f"connection to {host} broken: {_reason(exc)}")
        if isinstance(exc, HTTPError | OSError):
            return FetchError(f"request to {host} failed: {_reason(exc)}")
        return None

    def _exchange(
        self,
        pool: urllib3.HTTPConnectionPool,
        url: str,
        path: str,
        headers: dict[str, str],
        host: str,
        etag: str | None,
        last_modified: str | None,
        deadline: float,
    ) -> FetchResult | str:
        response = pool.urlopen(
            "GET", path, headers=headers, redirect=False, assert_same_host=False, preload_content=False,
            decode_content=True,
        )  # fmt: skip
        try:
            status = response.status
            names = {name.lower() for name in response.headers}
            resp_headers = {name: response.headers.get(name, "") for name in names}
            if status in REDIRECT_STATUSES:
                location = resp_headers.get("location")
                if not location:
                    raise FetchError(f"HTTP {status} redirect without a Location header")
                return urljoin(url, location.strip())
            retry_after = parse_retry_after(resp_headers.get("retry-after"))
            if status in RETRY_LATER_STATUSES:
                wait = self._back_off(host, retry_after)
                phrase = _phrase(status, response.reason)
                raise RetryLater(retry_after if retry_after is not None else wait, f"HTTP {status} {phrase}")
            result = FetchResult(
                status=status,
                url=url,
                headers=resp_headers,
                etag=resp_headers.get("etag") or (etag if status == 304 else None),
                last_modified=resp_headers.get("last-modified") or (last_modified if status == 304 else None),
                max_age=parse_max_age(resp_headers.get("cache-control")),
                retry_after=retry_after,
            )
            if status == 304:
                result.not_modified = True
                return result
            if not 200 <= status < 300:
                raise FetchError(f"HTTP {status} {_phrase(status, response.reason)}")
            declared = resp_headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise FetchError(f"response larger than {self.max_bytes} bytes (Content-Length {declared})")
            result.body = self._read_body(response, deadline)
            return result
        finally:
            response.close()  # one connection per request: never hand a half-read one back

    def _read_body(self, response: Any, deadline: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.stream(_CHUNK, decode_content=True):
            size += len(chunk)
            if size > self.max_bytes:  # decoded size: a small gzip bomb is caught too
                raise FetchError(f"response larger than {self.max_bytes} bytes")
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise FetchError(f"timed out after {self.total_timeout:g} s")
        return b"".join(chunks)


def _phrase(status: int, reason: str | None) -> str:
    if reason:
        return reason
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "error"


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__


def _is_timeout(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, TimeoutError | ReadTimeoutError):
            return True
        seen.add(id(current))
        current = (
            current.__cause__
            or current.__context__
            or next((a for a in getattr(current, "args", ()) if isinstance(a, BaseException)), None)
        )
    return False
