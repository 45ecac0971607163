"""Leases: one holder at a time for a long job (a send of one edition), in the idempotency table.

A lease expires unless its holder renews it, so a holder that dies (kill -9, a lost laptop) frees
it within ``ttl`` seconds; on the same machine a holder whose process is gone frees it at once.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from types import TracebackType

from botocore.exceptions import ClientError

from digest.store.aws import table


@dataclass(frozen=True)
class Holder:
    host: str
    pid: int
    since: float

    def describe(self) -> str:
        started = time.strftime("%H:%M:%S", time.localtime(self.since))
        return f"process {self.pid} on {self.host}, since {started}"

    def gone(self) -> bool:
        """True when the holder ran on this machine and its process no longer exists."""
        if self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False


class Lease:
    def __init__(self, table_name: str, name: str, *, ttl: float = 60.0) -> None:
        self.table = table(table_name)
        self.key = {"id": f"lease#{name}"}
        self.ttl = ttl
        self.token = uuid.uuid4().hex
        self.me = Holder(socket.gethostname(), os.getpid(), time.time())
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def try_acquire(self) -> Holder | None:
        """Take the lease; None when taken, else who holds it now."""
        now = time.time()
        if self._put("attribute_not_exists(id) OR expires < :now OR #t = :token",
                     {":now": int(now), ":token": self.token}):  # fmt: skip
            return None
        item = self.table.get_item(Key=self.key, ConsistentRead=True).get("Item") or {}
        if not item:
            return self.try_acquire()  # released between the two calls
        holder = Holder(str(item.get("host", "?")), int(item.get("pid", 0)), float(item.get("since", now)))
        if holder.gone() and self._put("#t = :old", {":old": str(item.get("token", ""))}):
            return None  # a dead holder's lease, replaced only if it is still that holder's
        return holder

    def _put(self, condition: str, values: dict[str, object]) -> bool:
        """Write this holder's lease if ``condition`` holds, and keep it renewed; False if not."""
        now = time.time()
        try:
            self.table.put_item(
                Item={"id": self.key["id"], "token": self.token, "host": self.me.host, "pid": self.me.pid,
                      "since": int(now), "expires": int(now + self.ttl), "expiration": int(now + self.ttl + 3600)},
                ConditionExpression=condition,
                ExpressionAttributeNames={"#t": "token"},
                ExpressionAttributeValues=values,
            )  # fmt: skip
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        self._start_renewing()
        return True

    def _start_renewing(self) -> None:
        self._stop.clear()
        self._renewer = threading.Thread(target=self._renew, name="lease-renewer", daemon=True)
        self._renewer.start()

    def _renew(self) -> None:
        while not self._stop.wait(self.ttl / 4):
            try:
                self.table.update_item(
                    Key=self.key,
                    UpdateExpression="SET expires = :e",
                    ConditionExpression="#t = :token",
                    ExpressionAttributeNames={"#t": "token"},
                    ExpressionAttributeValues={":e": int(time.time() + self.ttl), ":token": self.token},
                )
            except ClientError:
                return  # lost it (taken over after an expiry): nothing more to renew
            except Exception:  # a passing network error: the next round tries again
                continue

    def release(self) -> None:
        self._stop.set()
        if self._renewer:
            self._renewer.join(timeout=5)
        try:
            self.table.delete_item(Key=self.key, ConditionExpression="#t = :token",
                                   ExpressionAttributeNames={"#t": "token"},
                                   ExpressionAttributeValues={":token": self.token})  # fmt: skip
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def __enter__(self) -> Lease:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()
