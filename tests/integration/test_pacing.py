"""The fleet-wide sending rate, on moto's DynamoDB with a controlled clock."""

from __future__ import annotations

import threading

from digest.local.motoserver import LocalAws
from digest.settings import get_settings
from digest.store.pacing import Pacer, account_rate


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.25
        self.lock = threading.Lock()
        self.slept = 0.0

    def time(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds
            self.slept += seconds


def test_workers_together_keep_to_the_rate(stack: LocalAws) -> None:
    """Four workers taking turns share one per-second budget.

    They take turns rather than run in threads: moto's DynamoDB does not make a conditional update
    atomic against a concurrent one the way DynamoDB does, and that atomicity is what the pacer
    relies on; what is ours to test is that every worker counts against the same slots.
    """
    clock = Clock()
    table = get_settings().idempotency_table
    workers = [Pacer(table, 14, name="t1", clock=clock.time, sleep=clock.sleep) for _ in range(4)]
    granted = [workers[n % 4].acquire() for n in range(60)]
    per_second: dict[int, int] = {}
    for second in granted:
        per_second[second] = per_second.get(second, 0) + 1
    assert sorted(per_second.values(), reverse=True) == [14, 14, 14, 14, 4]
    assert clock.slept >= 3.5  # the workers waited for the next second four times (from 0.25 s in)


def test_a_slot_whose_second_ends_during_the_round_trip_is_not_used(stack: LocalAws) -> None:
    """The slot is taken for the second read before the DynamoDB call; if that second is over when
    the call returns, the message would land in the next second uncounted: take one there instead."""
    clock = Clock()
    clock.now = 2_000_000.999
    reads = iter([2_000_000.999, 2_000_001.001, 2_000_001.002, 2_000_001.003])

    def late_clock() -> float:
        return next(reads, 2_000_001.5)

    pacer = Pacer(get_settings().idempotency_table, 5, name="late", clock=late_clock, sleep=clock.sleep)
    assert pacer.acquire() == 2_000_001  # not 2_000_000, whose slot went unused


def test_rate_comes_from_the_account(stack: LocalAws) -> None:
    assert account_rate() > 0
