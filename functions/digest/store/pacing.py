"""One sending rate for the whole fleet of send workers.

Each second of wall-clock time is a slot item in the idempotency table (``pace#<name>#<second>``)
whose counter the workers raise with a conditional update: at most ``rate`` messages in any
second, however many workers run.  Items expire through the table's TTL.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import cache

from botocore.exceptions import ClientError

from digest.store.aws import client, table

SLOT_TTL = 120


@cache
def account_rate() -> float:
    """SES's MaxSendRate for this account (messages per second)."""
    return float(client("ses").get_send_quota()["MaxSendRate"])


class Pacer:
    def __init__(
        self,
        table_name: str,
        rate: float,
        name: str = "send",
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("the sending rate must be positive")
        self.table = table(table_name)
        self.per_second = max(1, math.floor(rate))
        self.name = name
        self.clock = clock
        self.sleep = sleep

    def acquire(self) -> int:
        """Wait until this worker may send one message; returns the second (epoch) it was given."""
        while True:
            now = self.clock()
            second = int(now)
            if self._take(second):
                if int(self.clock()) == second:
                    return second
                continue  # the second ended during the round trip: a message sent now would count in none
            self.sleep(second + 1 - now)  # this second is full: try at the start of the next

    def _take(self, second: int) -> bool:
        try:
            self.table.update_item(
                Key={"id": f"pace#{self.name}#{second}"},
                UpdateExpression="ADD used :one SET expiration = if_not_exists(expiration, :ttl)",
                ConditionExpression="attribute_not_exists(used) OR used < :limit",
                ExpressionAttributeValues={":one": 1, ":limit": self.per_second, ":ttl": second + SLOT_TTL},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
