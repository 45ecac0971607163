"""Helpers the sending tests share: an approved edition with its readers, what SES (moto) received, and a
clock that moves only when the code under test sleeps (so no test depends on how busy the machine is)."""

from __future__ import annotations

import threading
from collections import Counter

from digest.local.motoserver import received_messages
from digest.local.seed import approved_edition

__all__ = ["Clock", "approved_edition", "mailed"]


def mailed(endpoint: str, edition_id: str) -> Counter[str]:
    return Counter(m.destinations[0] for m in received_messages(endpoint) if f"X-Digest-Edition: {edition_id}" in m.raw)


class Clock:
    def __init__(self, now: float = 1_000_000.25) -> None:
        self.now = now
        self.lock = threading.Lock()
        self.slept = 0.0
        self.overshoot: list[float] = []  # extra seconds the next sleeps oversleep (a busy machine)

    def time(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            extra = self.overshoot.pop(0) if self.overshoot else 0.0
            self.now += seconds + extra
            self.slept += seconds + extra
