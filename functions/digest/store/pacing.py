"""One sending rate for the whole fleet of send workers, lowered when SES throttles.

The pace is one item in the idempotency table (``pace#<name>``) holding the next free moment
(``next_at``, a theoretical arrival time) and the fleet's current rate.  Each message takes the
moment ``next_at`` and moves it on by one spacing with a conditional update, so moments are at least
``(1 + MARGIN) / max_rate`` apart however many workers run.  A worker sends only within ``GRACE``
of its moment (later, it gives the moment up and takes another), so every sliding second holds at
most ``max_rate`` sends, not just every calendar second, with ``MARGIN - GRACE`` left for the
request's trip to SES.

The rate itself follows SES: a throttled call cuts it for every worker (multiplicative decrease,
at most once per second), calls that go through raise it again (additive increase, at most once
per second) up to the configured rate.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any

from botocore.exceptions import ClientError

from digest.store.aws import client, table

MARGIN = 0.10  # moments are (1 + MARGIN) / rate apart ...
GRACE = 0.05  # ... and a send starts within GRACE of its moment
# A cut of 10 % and a raise of 10 % of the configured rate, each at most once a second: when SES's
# real limit is below the configured rate the fleet settles just around it; when throttling comes
# at random whatever the rate (another sender sharing the account), the rate stays near the
# configured one instead of collapsing, since waiting would not make SES take more.
DECREASE = 0.90
INCREASE = 0.10
MIN_RATE = 0.5
LEAD_FACTOR = 1.25  # moments are asked for this many (average) round trips ahead ...
MAX_LEAD = 2.0  # ... but never more than this many seconds
ROUND_TRIP_WEIGHT = 0.2  # the average round trip follows each new one by this much
IDLE_RESET = 60.0  # a pace unused this long starts again at the configured rate
STATE_TTL = 86_400


@cache
def account_rate() -> float:
    """SES's MaxSendRate for this account (messages per second)."""
    return float(client("ses").get_send_quota()["MaxSendRate"])


def _number(value: float) -> Decimal:
    return Decimal(str(round(value, 6)))


class Pacer:
    def __init__(
        self,
        table_name: str,
        rate: float,
        name: str = "send",
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or not math.isfinite(rate):
            raise ValueError("the sending rate must be a positive number")
        self.table = table(table_name)
        self.max_rate = float(rate)
        self.rate = self.max_rate  # the fleet's current rate, as this worker last saw it
        self.key = {"id": f"pace#{name}"}
        self.clock = clock
        self.sleep = sleep
        self._last_raise = self._last_cut = 0.0
        self._busy = True  # which of _take's two updates to try first
        self._round_trip = 0.0  # how long taking a moment takes, as this worker has seen it

    def spacing(self) -> float:
        return (1 + MARGIN) / max(MIN_RATE, min(self.rate, self.max_rate))

    def acquire(self, deadline: float | None = None) -> float | None:
        """Wait for this worker's moment to send one message and return it (epoch seconds); None
        when the next moment comes after ``deadline`` (the caller leaves the message for later)."""
        while True:
            moment = self._take()
            if deadline is not None and moment > deadline:
                return None
            wait = moment - self.clock()
            if wait > 0:
                self.sleep(wait)
            if self.clock() <= moment + GRACE:
                return moment
            # woke too late: sending now could crowd the next moments' second; take another

    def _take(self) -> float:
        """The next free moment, moved on by one spacing.

        A moment is never earlier than ``lead`` from now, the time the round trip to the pace item
        is expected to take, so that it has not passed by the time the answer arrives (with a slow
        DynamoDB a moment of "now" would always come back stale, and the worker would take moments
        for ever).  The pace is either busy (the next moment lies beyond that: add one spacing to
        it) or idle (it does not: the moment is now + lead).  Each is a conditional update; the one
        that worked last time is tried first, so a steady send costs one update per message.
        """
        while True:
            started = self.clock()
            soonest = started + min(MAX_LEAD, LEAD_FACTOR * self._round_trip)
            spacing = _number(self.spacing())
            for busy in (self._busy, not self._busy):
                moment = self._take_busy(soonest, spacing) if busy else self._take_idle(soonest, spacing)
                if moment is not None:
                    self._busy = busy
                    took = self.clock() - started
                    # the average, not the worst: a lead of the worst round trip made a worker sleep it
                    # out before every message (half its throughput under load); a reply later than
                    # the lead allows costs one more take instead, never a send outside GRACE
                    self._round_trip += ROUND_TRIP_WEIGHT * (took - self._round_trip) if self._round_trip else took
                    return moment

    def _take_busy(self, soonest: float, spacing: Decimal) -> float | None:
        item = self._update_if("SET next_at = next_at + :s", "next_at >= :soonest",
                               {":s": spacing, ":soonest": _number(soonest)}, returns="ALL_NEW")  # fmt: skip
        if item is None:
            return None
        self._see(item)
        return float(item["next_at"]) - float(spacing)

    def _take_idle(self, soonest: float, spacing: Decimal) -> float | None:
        old = self._update_if(
            "SET next_at = :next, expiration = :ttl, fleet_rate = if_not_exists(fleet_rate, :max)",
            "attribute_not_exists(next_at) OR next_at < :soonest",
            {":next": _number(soonest) + spacing, ":soonest": _number(soonest), ":ttl": int(soonest) + STATE_TTL,
             ":max": _number(self.max_rate)},
            returns="ALL_OLD",
        )  # fmt: skip
        if old is None:
            return None
        if not old or soonest - float(old.get("next_at", 0)) > IDLE_RESET:
            self._set_rate(self.max_rate, condition="attribute_exists(next_at)", values={})
        else:
            self._see(old)
        return soonest

    def throttled(self) -> None:
        """SES throttled a call: cut the fleet's rate, once per second whoever notices first (and
        each worker tries at most once a second, so a burst of throttles costs no extra writes)."""
        seen = self.rate
        now = self.clock()
        if now - self._last_cut < 1:
            return
        self._last_cut = now
        self._set_rate(max(MIN_RATE, seen * DECREASE),
                       condition="attribute_not_exists(cut_at) OR cut_at < :recent",
                       values={":recent": _number(now - 1)}, stamp="cut_at")  # fmt: skip

    def succeeded(self) -> None:
        """A call went through: raise the fleet's rate towards the configured one, once per second."""
        now = self.clock()
        if self.rate >= self.max_rate or now - self._last_raise < 1:
            return
        self._last_raise = now
        self._set_rate(min(self.max_rate, self.rate + INCREASE * self.max_rate),
                       condition="attribute_not_exists(raised_at) OR raised_at < :recent",
                       values={":recent": _number(now - 1)}, stamp="raised_at")  # fmt: skip

    def _set_rate(self, rate: float, *, condition: str, values: dict[str, Any], stamp: str = "") -> None:
        sets = "SET fleet_rate = :rate" + (f", {stamp} = :now" if stamp else "")
        stamped = {":now": _number(self.clock())} if stamp else {}
        found = self._update_if(sets, condition, {":rate": _number(rate), **values, **stamped}, returns="ALL_NEW")
        if found is not None:
            self._see(found)

    def _see(self, item: dict[str, Any]) -> None:
        if "fleet_rate" in item:
            self.rate = min(self.max_rate, float(item["fleet_rate"]))

    def _update_if(
        self, expression: str, condition: str, values: dict[str, Any], *, returns: str
    ) -> dict[str, Any] | None:
        """One conditional update of the pace item: its attributes, or None if the condition failed."""
        try:
            reply = self.table.update_item(
                Key=self.key,
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
                ReturnValues=returns,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise
        return dict(reply.get("Attributes", {}))
