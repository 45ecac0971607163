"""boto3 clients, made once per process.

boto3 honours ``AWS_ENDPOINT_URL`` itself, so the same code reaches a deployed stack or a
local moto server.  Local runs without credentials get harmless test ones.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from pydantic import BaseModel

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=30)
# DynamoDB: botocore's legacy retries back off from 50 ms (DynamoDB's own advice) where the standard
# mode waits up to 2 s on the first throttle, in series: 10 % throttled calls made a send 4x slower.
_DYNAMODB_CONFIG = Config(retries={"mode": "legacy", "max_attempts": 10}, connect_timeout=5, read_timeout=30)


def _ensure_local_credentials() -> None:
    if os.environ.get("AWS_ENDPOINT_URL"):
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", os.environ.get("AWS_REGION", "eu-west-1"))


@cache
def client(service: str, *, read_timeout: float | None = None, retries: bool = True) -> Any:
    """A shared client for ``service`` (clients are thread-safe); a long ``read_timeout`` for calls
    that wait on work (a synchronous Lambda invoke), ``retries=False`` where the caller decides."""
    _ensure_local_credentials()
    config = _DYNAMODB_CONFIG if service == "dynamodb" else _CONFIG
    if read_timeout is not None or not retries:
        attempts = 5 if retries else 1
        config = config.merge(Config(read_timeout=read_timeout or _CONFIG.read_timeout,
                                     retries={"mode": "standard", "total_max_attempts": attempts}))  # fmt: skip
    return boto3.session.Session().client(service, config=config)


@cache
def table(name: str) -> Any:
    _ensure_local_credentials()
    return boto3.session.Session().resource("dynamodb", config=_DYNAMODB_CONFIG).Table(name)


def reset_clients() -> None:
    """Forget cached clients (tests switch endpoints between runs)."""
    client.cache_clear()
    table.cache_clear()


def to_item(model: BaseModel, **extra: Any) -> dict[str, Any]:
    """A pydantic model as a DynamoDB item (floats become Decimals, None values are left out)."""
    data = json.loads(model.model_dump_json(exclude_none=True), parse_float=Decimal)
    data.update(extra)
    return data


def plain(value: Any) -> Any:
    """A DynamoDB value with Decimals turned back into ints and floats."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def items(call: Callable[..., dict[str, Any]], **request: Any) -> Iterator[dict[str, Any]]:
    """Every item of a DynamoDB scan or query, following LastEvaluatedKey across pages."""
    while True:
        page = call(**request)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
