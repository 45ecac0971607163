"""The fleet-wide sending pace, on moto's DynamoDB with a controlled clock."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sending_helpers import Clock

from digest.local.faults import max_in_window
from digest.local.motoserver import LocalAws
from digest.settings import get_settings
from digest.store.aws import table
from digest.store.pacing import GRACE, MARGIN, Pacer, account_rate


def pacers(name: str, rate: float, clock: Clock, count: int = 1) -> list[Pacer]:
    return [Pacer(get_settings().idempotency_table, rate, name=name, clock=clock.time, sleep=clock.sleep)
            for _ in range(count)]  # fmt: skip


def fleet_rate(name: str) -> float:
    item = table(get_settings().idempotency_table).get_item(Key={"id": f"pace#{name}"}, ConsistentRead=True)["Item"]
    return float(item["fleet_rate"])


def test_workers_together_keep_to_the_rate_in_every_sliding_second(stack: LocalAws) -> None:
    """Four workers taking turns share one pace: no window of one second, wherever it starts, holds
    more than the rate, and the rate is used (not just respected).

    They take turns rather than run in threads: moto's DynamoDB does not make a conditional update
    atomic against a concurrent one the way DynamoDB does, and that atomicity is what the pacer
    relies on; what is ours to test is that every worker counts against the same pace.
    """
    clock = Clock()
    workers = pacers("t1", 14, clock, 4)
    moments = [workers[n % 4].acquire() for n in range(140)]
    assert all(m is not None for m in moments)
    times = [float(m) for m in moments if m is not None]
    assert max_in_window(times) == 13  # 14 would need moments closer than (1 + MARGIN) / 14 s
    assert all(b - a == pytest.approx((1 + MARGIN) / 14, abs=1e-6) for a, b in itertools.pairwise(times))
    assert times[-1] - times[0] == pytest.approx(139 * (1 + MARGIN) / 14, rel=1e-3)


def test_a_worker_that_wakes_too_late_gives_its_moment_up(stack: LocalAws) -> None:
    """A send that starts more than GRACE after its moment could crowd the next second: take another."""
    clock = Clock()
    first, late = pacers("late", 5, clock, 2)
    assert first.acquire() == pytest.approx(clock.now)
    clock.overshoot = [GRACE + 0.2]  # the next sleep overshoots
    moment = late.acquire()
    given_up = 1_000_000.25 + (1 + MARGIN) / 5
    woke = given_up + GRACE + 0.2
    assert moment == pytest.approx(woke, abs=1e-6)  # a fresh moment (the pace was idle by then), not the old one
    assert clock.time() <= moment + GRACE


def test_a_throttle_slows_every_worker_and_successes_raise_the_rate_again(stack: LocalAws) -> None:
    clock = Clock()
    one, two = pacers("aimd", 20, clock, 2)
    one.acquire()
    one.throttled()
    one.throttled()  # the same second: one cut, not two ...
    two.throttled()  # ... whichever worker noticed
    assert fleet_rate("aimd") == pytest.approx(18)
    two.acquire()  # the other worker learns the fleet's rate from its next moment
    assert two.rate == pytest.approx(18)
    assert two.spacing() == pytest.approx((1 + MARGIN) / 18)
    clock.now += 1.5
    one.throttled()
    assert fleet_rate("aimd") == pytest.approx(16.2)
    clock.now += 1.5
    two.acquire()
    two.succeeded()
    two.succeeded()  # the same second: one raise
    assert fleet_rate("aimd") == pytest.approx(18.2)
    for _ in range(5):
        clock.now += 1.1
        two.acquire()
        two.succeeded()
    assert fleet_rate("aimd") == pytest.approx(20)  # never above the configured rate


def test_a_pace_left_idle_starts_again_at_the_configured_rate(stack: LocalAws) -> None:
    clock = Clock()
    (worker,) = pacers("idle", 10, clock)
    worker.acquire()
    worker.throttled()
    assert fleet_rate("idle") == pytest.approx(9)
    clock.now += 120  # next Friday, as far as the pace is concerned
    (fresh,) = pacers("idle", 10, clock)
    fresh.rate = 9  # as if it had seen the cut
    fresh.acquire()
    assert fleet_rate("idle") == pytest.approx(10) and fresh.rate == pytest.approx(10)


def test_no_moment_past_the_deadline(stack: LocalAws) -> None:
    clock = Clock()
    (worker,) = pacers("deadline", 1, clock)
    assert worker.acquire(deadline=clock.now + 5) is not None
    before = clock.time()
    assert worker.acquire(deadline=clock.now + 0.5) is None  # the next moment is 1.1 s away
    assert clock.time() == before  # and nobody waited for it


def test_rate_comes_from_the_account(stack: LocalAws) -> None:
    assert account_rate() > 0


def test_a_slow_pace_table_still_gives_moments_in_time(stack: LocalAws) -> None:
    """When the round trip to the pace item takes longer than GRACE (a slow or throttled DynamoDB),
    a moment of "now" would always come back stale: moments are asked for a round trip ahead."""
    clock = Clock()
    (worker,) = pacers("slow", 20, clock)
    real_update = worker.table.update_item

    def slow_update(**request: object) -> object:
        clock.now += 0.2  # four times GRACE on every DynamoDB call
        return real_update(**request)

    worker.table = type("SlowTable", (), {"update_item": staticmethod(slow_update)})()
    moments = []
    for _ in range(5):
        moment = worker.acquire(deadline=clock.now + 30)
        assert moment is not None, "the worker never got a moment it could use"
        assert clock.time() <= moment + GRACE
        moments.append(moment)
    assert clock.time() - 1_000_000.25 < 5  # a few round trips each, not an endless chase
    assert max_in_window(moments) <= 20


@pytest.mark.parametrize("rate", [0, -1, float("inf"), float("nan")])
def test_the_rate_must_be_a_positive_number(stack: LocalAws, rate: float) -> None:
    with pytest.raises(ValueError, match="the sending rate must be a positive number"):
        Pacer(get_settings().idempotency_table, rate)


def test_a_slow_rate_below_one_a_second_is_kept(stack: LocalAws) -> None:
    clock = Clock()
    (worker,) = pacers("half", 0.5, clock)
    first, second = worker.acquire(), worker.acquire()
    assert first is not None and second is not None
    assert second - first == pytest.approx(2.2, abs=1e-6)  # (1 + MARGIN) / 0.5


def test_a_moment_at_the_deadline_is_still_given(stack: LocalAws) -> None:
    clock = Clock()
    (worker,) = pacers("at-deadline", 2, clock)
    assert worker.acquire(deadline=clock.now) == clock.now  # an idle pace: the moment is now


def test_the_pace_item_expires_a_day_after_its_last_idle_start(stack: LocalAws) -> None:
    clock = Clock()
    (worker,) = pacers("ttl", 3, clock)
    worker.acquire()
    item = table(get_settings().idempotency_table).get_item(Key={"id": "pace#ttl"}, ConsistentRead=True)["Item"]
    assert item["expiration"] == 1_000_000 + 86_400


def test_moments_are_asked_for_at_most_two_seconds_ahead(stack: LocalAws) -> None:
    """However slow the pace table is, a worker does not book moments further ahead than 2 s."""
    clock = Clock()
    (worker,) = pacers("far", 20, clock)
    real_update = worker.table.update_item
    leads: list[float] = []

    def slow_update(**request: Any) -> object:
        soonest = request["ExpressionAttributeValues"].get(":soonest")  # a moment is being taken
        if soonest is not None:
            leads.append(float(soonest) - clock.time())
        clock.now += 2.0  # every DynamoDB call takes two seconds
        return real_update(**request)

    worker.table = type("SlowTable", (), {"update_item": staticmethod(slow_update)})()
    for _ in range(3):
        assert worker.acquire() is not None
    assert max(leads) == pytest.approx(2.0, abs=1e-6)


def test_cuts_and_raises_count_once_a_second_across_the_fleet(stack: LocalAws) -> None:
    """A second worker noticing the same throttle half a second later does not cut again; a worker
    that has not yet seen a cut does not undo it by 'raising' back to the configured rate."""
    clock = Clock()
    one, two = pacers("fleet-second", 10, clock, 2)
    one.acquire()
    two.acquire()
    one.throttled()
    assert fleet_rate("fleet-second") == pytest.approx(9)
    two.succeeded()  # two still believes the rate is 10: nothing to raise, nothing written
    assert fleet_rate("fleet-second") == pytest.approx(9)
    clock.now += 0.5
    two.acquire()  # now two has seen the cut to 9 ...
    assert two.rate == pytest.approx(9)
    two.throttled()
    assert fleet_rate("fleet-second") == pytest.approx(9)  # ... and no second cut within a second of the first
    clock.now += 0.6
    one.throttled()
    assert fleet_rate("fleet-second") == pytest.approx(8.1)  # 1.1 s after it: a new cut
    clock.now += 2
    one.acquire()
    one.succeeded()
    assert fleet_rate("fleet-second") == pytest.approx(9.1)
    clock.now += 0.5
    two.acquire()
    two.succeeded()
    assert fleet_rate("fleet-second") == pytest.approx(9.1)  # within the second of the first raise


def test_moments_are_whole_microseconds_apart(stack: LocalAws) -> None:
    """The pace item holds decimals of six places (DynamoDB numbers, not floats): at 14 a second the
    spacing 1.1 / 14 = 0.0785714… is stored, and kept, as 0.078571."""
    clock = Clock()
    (worker,) = pacers("micro", 14, clock)
    moments = [worker.acquire() for _ in range(4)]
    assert all(m is not None for m in moments)
    gaps = [b - a for a, b in itertools.pairwise(float(m) for m in moments if m is not None)]
    assert gaps == [pytest.approx(0.078571, abs=1e-8)] * 3
