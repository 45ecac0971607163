"""Progress of a long CLI operation on standard error: counts, rate and time left.

On a terminal one line is redrawn in place; otherwise (a pipe, a log file, CI) plain lines are
written, at most one every ``every`` seconds, plus the last one.  Standard output is never touched:
it carries the commands' results, which users script.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class Progress:
    """``Progress("sending", 2000, "readers")``, then ``update(done)`` as work ends and ``finish()``."""

    def __init__(
        self,
        label: str,
        total: int | None = None,
        unit: str = "",
        *,
        stream: TextIO | None = None,
        every: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        enabled: bool = True,
    ) -> None:
        self.label, self.total, self.unit = label, total, unit
        self.stream = stream if stream is not None else sys.stderr
        self.every, self.clock, self.enabled = every, clock, enabled
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = clock()
        self.done = 0
        self.extra = ""
        self._last_shown: float | None = None
        self._drawn = 0  # width of the line drawn in place (terminal only)

    def line(self) -> str:
        elapsed = self.clock() - self.started
        unit = f" {self.unit}" if self.unit else ""
        counted = f"{self.done}/{self.total}{unit}" if self.total is not None else f"{self.done}{unit}"
        parts = [f"{self.label}: {counted}"]
        if self.total:
            parts[0] += f" ({100 * self.done // self.total}%)"
        if elapsed > 0 and self.done:
            rate = self.done / elapsed
            parts.append(f"{rate:.1f}/s" if rate < 100 else f"{rate:.0f}/s")
            if self.total is not None and self.done < self.total:
                parts.append(f"about {_duration((self.total - self.done) / rate)} left")
        parts.append(f"{_duration(elapsed)} elapsed")
        if self.extra:
            parts.append(self.extra)
        return ", ".join(parts)

    def update(self, done: int, *, extra: str = "", force: bool = False) -> None:
        self.done, self.extra = done, extra
        if not self.enabled:
            return
        now = self.clock()
        if not force and self._last_shown is not None and now - self._last_shown < (0.2 if self.tty else self.every):
            return
        self._last_shown = now
        self._show(self.line())

    def _show(self, text: str) -> None:
        try:
            if self.tty:
                self.stream.write("\r" + text.ljust(self._drawn))
                self._drawn = len(text)
            else:
                self.stream.write(text + "\n")
            self.stream.flush()
        except (OSError, ValueError):  # standard error closed: progress is not worth failing for
            self.enabled = False

    def finish(self, done: int | None = None, *, extra: str = "") -> None:
        """The last line, always shown (even when the previous update was a moment ago)."""
        if done is not None:
            self.done = done
        self.extra = extra or self.extra
        if not self.enabled:
            return
        self._show(self.line())
        if self.tty:
            try:
                self.stream.write("\n")
                self.stream.flush()
            except (OSError, ValueError):
                pass
        self.enabled = False
