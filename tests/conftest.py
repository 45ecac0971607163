"""Shared fixtures: a moto server per test module, environment restored after every test, the
shared data path, and CI's policy on skipped quality gates.

Isolation does not depend on how pytest distributes tests: every module that needs AWS gets a moto
server of its own (started on a free port, emptied, the stack created), and whatever a test or a
module changes in ``os.environ`` is put back afterwards.  So ``pytest -n 4`` with xdist's default
(load) distribution is as safe as ``--dist loadfile``.
"""

from __future__ import annotations

import os
import re
import sys
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
def shared_dir() -> Path:
    """shared_data() for tests (a test module cannot import this conftest by name: tests/browser has one too)."""
    return shared_data()


def _forget_cached_configuration() -> None:
    """Settings and boto3 clients are cached per process: after an environment change they must go."""
    from digest.settings import get_settings
    from digest.store.aws import reset_clients

    get_settings.cache_clear()
    reset_clients()
    # functions that cache a client (or what a client answered) on first use: bound to the old endpoint
    # (a local queue's URL names the moto server that answered, whose port the next module's lacks)
    cached_per_endpoint = (
        ("digest.handlers.ses_events", "recorder"),
        ("digest.store.pacing", "account_rate"),
        ("digest.store.queues", "queue_url"),
    )
    for module, name in cached_per_endpoint:
        cached = getattr(sys.modules.get(module), name, None)
        if cached is not None:
            cached.cache_clear()


PYTEST_OWN = frozenset({"PYTEST_CURRENT_TEST"})  # pytest's own bookkeeping, not a test's change


class restored_environment:
    """``with restored_environment(): ...`` puts ``os.environ`` back as it was, whatever happened inside."""

    def __enter__(self) -> restored_environment:
        self.saved = dict(os.environ)
        return self

    def __exit__(self, *exc: object) -> None:
        now = dict(os.environ)
        changed = {k for k in now.keys() | self.saved.keys() if now.get(k) != self.saved.get(k)} - PYTEST_OWN
        if changed:
            for name in changed:
                if name in self.saved:
                    os.environ[name] = self.saved[name]
                else:
                    del os.environ[name]
            _forget_cached_configuration()


@pytest.fixture(autouse=True)
def _environment_restored_after_each_test() -> Iterator[None]:
    """Every test leaves ``os.environ`` (and the settings built from it) as it found them."""
    with restored_environment():
        yield


@pytest.fixture(scope="module")
def local_aws() -> Iterator[object]:
    """A moto server on loopback for this module alone, with this process's boto3 pointed at it.

    The environment it sets (endpoint, credentials, ``ALLOW_PRIVATE_FETCH`` for the loopback test
    sites) is restored when the module ends.
    """
    from digest.local.motoserver import LocalAws, reset

    with restored_environment():
        os.environ["ALLOW_PRIVATE_FETCH"] = "true"
        aws = LocalAws().start()
        _forget_cached_configuration()
        # moto's backends are per process, not per server: start from an empty account
        reset(aws.endpoint)
        try:
            yield aws
        finally:
            aws.stop()


@pytest.fixture(scope="module")
def stack(local_aws: object) -> object:
    """An empty stack, created from template.yaml, on this module's own moto server."""
    from digest.local.stack import create_stack
    from digest.settings import get_settings

    create_stack(get_settings())
    return local_aws


# ------------------------------------------------------------------------------------ CI skip policy
#
# Quality gates skip when what they need is missing (the shared data, npm's mjml, Chromium, a dev
# dependency).  Locally that is fine.  With CI=true a skip is a failure, unless its reason names
# something outside the project's control: a system package or network install that the machine
# could not provide (Chromium from apt, Node.js, npm's mjml).  The shared data sits beside the
# clone in CI (../shared), and the Python dev dependencies are the project's own: missing, they fail.

OUTSIDE_OUR_CONTROL = re.compile(r"chromium|node not found|npm mjml not installed", re.IGNORECASE)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = _skip_reason(report)
    allowed = bool(OUTSIDE_OUR_CONTROL.search(reason))
    report.user_properties.append(("skip_reason", reason))
    report.user_properties.append(("skip_allowed_in_ci", allowed))
    if in_ci() and not allowed:
        report.outcome = "failed"
        report.longrepr = f"CI=true: a quality gate may not skip for a reason inside the project's control: {reason}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say what was skipped and why, and, in CI, which skips were accepted."""
    lines = []
    for status in ("skipped", "failed"):
        for report in terminalreporter.stats.get(status, []):
            props = dict(getattr(report, "user_properties", []) or [])
            if "skip_reason" in props:
                verdict = "accepted (outside the project's control)" if props["skip_allowed_in_ci"] else "not accepted"
                lines.append(f"{report.nodeid}: {props['skip_reason']}" + (f" [CI: {verdict}]" if in_ci() else ""))
    if lines:
        terminalreporter.write_sep("-", "skipped quality gates and why")
        for line in lines:
            terminalreporter.write_line(line)
