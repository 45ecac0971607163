"""One sender per edition: the lease on moto's DynamoDB."""

from __future__ import annotations

import subprocess
import sys
import time

from digest.local.motoserver import LocalAws
from digest.settings import get_settings
from digest.store.aws import table
from digest.store.leases import Lease


def lease(name: str, ttl: float = 60) -> Lease:
    return Lease(get_settings().idempotency_table, name, ttl=ttl)


def test_a_held_lease_names_its_holder_and_is_free_once_released(stack: LocalAws) -> None:
    first, second = lease("a"), lease("a")
    assert first.try_acquire() is None
    holder = second.try_acquire()
    assert holder is not None and holder.pid == first.me.pid and holder.host == first.me.host
    assert holder.describe().startswith(f"process {first.me.pid} on {first.me.host}, since ")
    first.release()
    assert second.try_acquire() is None
    second.release()


def test_a_dead_holder_on_this_machine_frees_the_lease_at_once(stack: LocalAws) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)  # a process that has exited
    first = lease("b")
    assert first.try_acquire() is None
    first._stop.set()  # stands for the holder's death: no more renewals ...
    table(get_settings().idempotency_table).update_item(Key=first.key, UpdateExpression="SET pid = :p",
                                                         ExpressionAttributeValues={":p": pid})  # fmt: skip
    taker = lease("b")
    assert taker.try_acquire() is None  # ... and its pid is gone: taken over without waiting for expiry
    alive = lease("b")
    assert alive.try_acquire() is not None  # the new holder is alive: no take-over
    taker.release()


def test_a_lease_nobody_renews_expires(stack: LocalAws) -> None:
    first = lease("c", ttl=1)
    assert first.try_acquire() is None
    first._stop.set()  # a holder on another machine that went away: no renewals, pid unknown here
    table(get_settings().idempotency_table).update_item(Key=first.key, UpdateExpression="SET host = :h",
                                                         ExpressionAttributeValues={":h": "elsewhere"})  # fmt: skip
    other = lease("c", ttl=1)
    assert other.try_acquire() is not None
    time.sleep(2.1)
    assert other.try_acquire() is None
    other.release()


def test_a_holder_renews_its_lease_while_it_runs(stack: LocalAws) -> None:
    first = lease("d", ttl=1)
    assert first.try_acquire() is None
    table(get_settings().idempotency_table).update_item(Key=first.key, UpdateExpression="SET host = :h",
                                                         ExpressionAttributeValues={":h": "elsewhere"})  # fmt: skip
    time.sleep(2.1)  # past the first expiry: only the renewals keep it
    assert lease("d", ttl=1).try_acquire() is not None
    first.release()
