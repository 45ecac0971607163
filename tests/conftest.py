"""Shared fixtures: a real moto server per test session, and the shared data path."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "friday-digest")


def shared_data() -> Path:
    """Where ../shared/data is (override with DIGEST_SHARED_DATA)."""
    return Path(os.environ.get("DIGEST_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def local_aws() -> Iterator[object]:
    """A moto server on loopback, with this process's boto3 pointed at it."""
    from digest.local.motoserver import LocalAws

    os.environ["ALLOW_PRIVATE_FETCH"] = "true"
    aws = LocalAws().start()
    yield aws
    aws.stop()


@pytest.fixture(scope="module")
def stack(local_aws: object) -> object:
    """An empty stack, created from template.yaml, for one test module (moto's state is reset first).

    Modules share their worker's moto server, so `make test` keeps each module on one worker
    (``--dist loadfile``): another module's reset cannot land between two tests of this one.
    """
    from digest.local.motoserver import reset
    from digest.local.stack import create_stack
    from digest.settings import get_settings

    reset(local_aws.endpoint)  # type: ignore[attr-defined]
    create_stack(get_settings())
    return local_aws
