"""The pace's numbers as the README states them (issue 18): moments 1.1 / rate seconds apart, a
worker that wakes more than 50 ms after its moment gives it up (the 90 % cut and the raise by a tenth:
test_pacing.py).
On moto's DynamoDB with a controlled clock; the numbers are written out, not read from the module."""

from __future__ import annotations

import pytest

from digest.local.motoserver import LocalAws
from digest.settings import get_settings
from digest.store.pacing import Pacer


class Clock:
    """Time that moves only when a worker sleeps; ``late`` is how far the next sleep oversleeps."""

    def __init__(self) -> None:
        self.now = 2_000_000.0
        self.late = 0.0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds + self.late
        self.late = 0.0


def pacer(name: str, rate: float, clock: Clock) -> Pacer:
    return Pacer(get_settings().idempotency_table, rate, name=name, clock=clock.time, sleep=clock.sleep)


def test_moments_are_1_1_over_the_rate_apart(stack: LocalAws) -> None:
    clock = Clock()
    worker = pacer("readme-spacing", 10, clock)
    moments = [worker.acquire() for _ in range(3)]
    assert moments == [pytest.approx(2_000_000.0 + n * 0.11, abs=1e-6) for n in range(3)]


@pytest.mark.parametrize(("late", "kept"), [(0.049, True), (0.051, False)])
def test_a_worker_more_than_50_ms_late_gives_its_moment_up(stack: LocalAws, late: float, kept: bool) -> None:
    clock = Clock()
    worker = pacer(f"readme-grace-{kept}", 10, clock)
    first = worker.acquire()
    clock.late = late  # the sleep until the second moment oversleeps
    second = worker.acquire()
    assert first is not None and second is not None
    if kept:
        assert second == pytest.approx(first + 0.11, abs=1e-6)
    else:  # given up: it takes the next free moment and sleeps until then
        assert second == pytest.approx(first + 0.22, abs=1e-6) == clock.now
