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
    clock = Clock()
    table = get_settings().idempotency_table
    workers = [Pacer(table, 14, name="t1", clock=clock.time, sleep=clock.sleep) for _ in range(4)]
    granted: list[int] = []
    lock = threading.Lock()

    def work(pacer: Pacer) -> None:
        for _ in range(15):
            second = pacer.acquire()
            with lock:
                granted.append(second)

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    per_second: dict[int, int] = {}
    for second in granted:
        per_second[second] = per_second.get(second, 0) + 1
    assert len(granted) == 60
    assert max(per_second.values()) <= 14  # so 60 messages took at least five seconds' slots


def test_rate_comes_from_the_account(stack: LocalAws) -> None:
    assert account_rate() > 0
