"""Screenshots of rendered HTML in headless Chromium: how an edition looks on a phone (375 px) and
on a desktop mail client (600 px), full page height.

CLI and tests only (never imported by the Lambda functions).  It drives Debian's ``chromium``
package — ``$CHROMIUM`` if set, else ``chromium`` on ``PATH``, else ``/usr/bin/chromium`` — and
never downloads a browser.  The browser is spoken to over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: commands go in on the child's fd 3, replies come out on its fd 4,
each message one JSON document ended by a NUL byte), so the standard library is all it takes: no
Playwright, no WebSocket client.  Every read from the browser has a deadline, and the browser
process and its throw-away profile are removed however the call ends.

Determinism: light colour scheme, sRGB, device scale factor 1, no scrollbars, and by default no
network at all (every host name fails to resolve, so remote images show as broken and no tracking
pixel ever fires); pass ``network=True`` to load remote images.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

PREVIEW_WIDTHS: tuple[int, ...] = (375, 600)
DEFAULT_TIMEOUT = 60.0  # seconds for a whole screenshot job (start-up, load, capture, shut-down)
MAX_HEIGHT = 30_000  # CSS px; taller pages are cut (a 90 KB email is far shorter)
_FIRST_HEIGHT = 800  # viewport height while the page loads
_DEFAULT_EXECUTABLES: tuple[str, ...] = ("/usr/bin/chromium",)

NOT_FOUND = "headless Chromium not found: install Debian's chromium package"

# Headless, unsandboxed (we run as root in containers), and quiet: no background requests, no
# component updates, no first-run or sync, no extensions.
CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-default-browser-check",
    "--mute-audio",
    "--hide-scrollbars",
    "--force-color-profile=srgb",
    "--force-device-scale-factor=1",
)
_OFFLINE_FLAGS: tuple[str, ...] = ("--host-resolver-rules=MAP * ~NOTFOUND",)


_SETTLE = """
Promise.all([
  document.fonts.ready,
  ...Array.from(document.images, (img) => img.complete ? null : new Promise((done) => {
    img.addEventListener('load', done, { once: true });
    img.addEventListener('error', done, { once: true });
  })),
]).then(() => true)
"""


class PreviewError(RuntimeError):
    """Chromium is missing, failed to start, timed out or could not take the screenshot."""


def find_chromium() -> str:
    """The Chromium executable: ``$CHROMIUM`` (when set it must be executable), else ``chromium`` on
    ``PATH``, else ``/usr/bin/chromium``.  Raises :class:`PreviewError` when there is none."""
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        found = shutil.which(explicit)
        if found:
            return found
        raise PreviewError(f"{NOT_FOUND} (CHROMIUM={explicit!r} is not an executable)")
    found = shutil.which("chromium")
    if found:
        return found
    for candidate in _DEFAULT_EXECUTABLES:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise PreviewError(NOT_FOUND)


def screenshot(
    html: str,
    path: Path,
    *,
    width: int,
    network: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Render ``html`` in a ``width`` CSS-px wide viewport and write a full-page PNG to ``path``."""
    return _capture(html, [(width, Path(path))], network=network, timeout=timeout)[0]


def preview(
    html: str,
    out_dir: Path,
    stem: str = "edition",
    *,
    network: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[Path]:
    """Full-page PNGs of ``html`` at phone and desktop widths: ``{stem}-375.png`` and
    ``{stem}-600.png`` in ``out_dir`` (created if needed), in one browser session."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(width, out / f"{stem}-{width}.png") for width in PREVIEW_WIDTHS]
    return _capture(html, jobs, network=network, timeout=timeout)


def _capture(html: str, jobs: Sequence[tuple[int, Path]], *, network: bool, timeout: float) -> list[Path]:
    for width, _ in jobs:
        if not 100 <= width <= 4000:
            raise ValueError(f"width must be between 100 and 4000 CSS px, not {width}")
    executable = find_chromium()
    with tempfile.TemporaryDirectory(prefix="digest-preview-", ignore_cleanup_errors=True) as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(html, encoding="utf-8")
        flags = CHROMIUM_FLAGS if network else (*CHROMIUM_FLAGS, *_OFFLINE_FLAGS)
        with _Chromium(executable, Path(tmp) / "profile", flags, deadline=time.monotonic() + timeout) as browser:
            written = []
            for width, path in jobs:
                png = browser.screenshot(page.as_uri(), width)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(png)
                written.append(path)
    return written


class _Chromium:
    """One headless Chromium process spoken to over ``--remote-debugging-pipe``."""

    def __init__(self, executable: str, profile: Path, flags: Iterable[str], *, deadline: float) -> None:
        self.deadline = deadline
        self._next_id = 0
        self._buffer = b""
        self._events: list[dict[str, Any]] = []
        self._log = profile.parent / "chromium.log"
        profile.mkdir(parents=True, exist_ok=True)
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire_pipes() -> None:  # in the child, before exec: its fd 3 reads commands, fd 4 writes replies
            # via fds >= 10 first, so that neither dup2 overwrites the other pipe end, and so that
            # dup2 never gets the same fd twice (which would leave close-on-exec set)
            commands = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
            replies = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(commands, 3)
            os.dup2(replies, 4)

        args = [executable, *flags, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"]
        try:
            with open(self._log, "wb") as log:
                self.process = subprocess.Popen(
                    args,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    pass_fds=(3, 4),
                    preexec_fn=wire_pipes,
                    start_new_session=True,
                )
        except (OSError, subprocess.SubprocessError) as exc:
            os.close(self._to_child)
            os.close(self._from_child)
            raise PreviewError(f"could not start {executable}: {exc}") from exc
        finally:
            os.close(to_child_r)
            os.close(from_child_w)

    def __enter__(self) -> _Chromium:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.close(graceful=kind is None)

    # -- protocol ------------------------------------------------------------------------------

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Send one command and wait (until the deadline) for its reply; return its ``result``."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode("utf-8") + b"\0"
        try:
            while data:
                _, writable, _ = select.select([], [self._to_child], [], self._remaining(method))
                if not writable:
                    raise self._timeout(method)
                data = data[os.write(self._to_child, data) :]
        except BrokenPipeError as exc:
            raise self._died(method) from exc
        while True:
            reply = self._read(method)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise PreviewError(f"Chromium: {method} failed: {reply['error'].get('message', reply['error'])}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            if "method" in reply:
                self._events.append(reply)

    def wait_for(self, event: str, session: str) -> dict[str, Any]:
        """Wait (until the deadline) for ``event`` on ``session``."""
        while True:
            for i, message in enumerate(self._events):
                if message.get("method") == event and message.get("sessionId") == session:
                    del self._events[: i + 1]
                    return message
            self._events.append(self._read(event))

    def _read(self, waiting_for: str) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            readable, _, _ = select.select([self._from_child], [], [], self._remaining(waiting_for))
            if not readable:
                raise self._timeout(waiting_for)
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise self._died(waiting_for)
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def _remaining(self, waiting_for: str) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self._timeout(waiting_for)
        return left

    def _timeout(self, waiting_for: str) -> PreviewError:
        return PreviewError(f"Chromium timed out waiting for {waiting_for}{self._log_tail()}")

    def _died(self, waiting_for: str) -> PreviewError:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=2)
        return PreviewError(
            f"Chromium exited (status {self.process.returncode}) while waiting for {waiting_for}{self._log_tail()}"
        )

    def _log_tail(self) -> str:
        try:
            lines = [line for line in self._log.read_text(errors="replace").splitlines() if line.strip()]
        except OSError:
            return ""
        return (": " + " | ".join(lines[-5:])) if lines else ""

    # -- pages ---------------------------------------------------------------------------------

    def screenshot(self, url: str, width: int) -> bytes:
        """PNG bytes of ``url`` laid out ``width`` CSS px wide, as tall as its content."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        try:
            self.send("Page.enable", session=session)
            self._viewport(session, width, _FIRST_HEIGHT)
            self.send(
                "Emulation.setEmulatedMedia",
                {
                    "media": "screen",
                    "features": [
                        {"name": "prefers-color-scheme", "value": "light"},
                        {"name": "prefers-reduced-motion", "value": "reduce"},
                    ],
                },
                session,
            )
            navigation = self.send("Page.navigate", {"url": url}, session)
            if navigation.get("errorText"):
                raise PreviewError(f"Chromium could not open the page: {navigation['errorText']}")
            self.wait_for("Page.loadEventFired", session)
            # Fit the viewport to the content.  The document is never shorter than the viewport, so
            # it is measured in a 1 px tall one; then, at full height, lazy images come into view:
            # wait for them (and fonts), and measure again until the height settles.
            height = self._measure(session, width)
            for _ in range(3):
                self._viewport(session, width, height)
                self._settle(session)
                again = self._measure(session, width)
                if again == height:
                    break
                height = again
            self._viewport(session, width, height)
            shot = self.send(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
                    "captureBeyondViewport": False,
                },
                session,
            )
            return base64.b64decode(shot["data"])
        finally:
            with contextlib.suppress(PreviewError):
                self.send("Target.closeTarget", {"targetId": target})

    def _viewport(self, session: str, width: int, height: int) -> None:
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session,
        )

    def _settle(self, session: str) -> None:
        """Wait for every image to load or fail, and for fonts."""
        self.send("Runtime.evaluate", {"expression": _SETTLE, "awaitPromise": True}, session)

    def _measure(self, session: str, width: int) -> int:
        """The content's height in CSS px (at most MAX_HEIGHT), laid out ``width`` px wide."""
        self._viewport(session, width, 1)
        metrics = self.send("Page.getLayoutMetrics", session=session)
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        return max(1, min(MAX_HEIGHT, int(-(-size["height"] // 1))))  # ceil

    def close(self, *, graceful: bool = True) -> None:
        """Ask the browser to quit (``graceful``), then kill whatever is left of it: the process
        group it leads (``start_new_session``), i.e. its renderer and helper processes too."""
        try:
            if graceful and self.process.poll() is None:
                self.deadline = time.monotonic() + 5  # a fresh, short budget for shutting down
                with contextlib.suppress(PreviewError, OSError):
                    self.send("Browser.close")
                self._exited(within=5)
            # The leader is not reaped yet (a zombie at worst), so its group id is still ours.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
        finally:
            for fd in (self._to_child, self._from_child):
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _exited(self, within: float) -> bool:
        """Wait up to ``within`` seconds for the browser to exit, without reaping it."""
        end = time.monotonic() + within
        while True:
            try:
                status = os.waitid(os.P_PID, self.process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:  # already reaped
                return True
            if status is not None:
                return True
            if time.monotonic() >= end:
                return False
            time.sleep(0.02)
