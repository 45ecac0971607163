"""What every command group shares: user errors, settings, progress and reading inputs."""

from __future__ import annotations

import argparse
import gzip
import json
import os
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

from pydantic import ValidationError

EXIT_USER_ERROR = 1
# How a group adds one command: (subparsers, name, function, help) -> its parser.
AddCommand = Callable[
    [argparse._SubParsersAction, str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser
]


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text[:40]!r}") from None
    if not 0 < value < 1e7:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text[:40]!r}")
    return value


class UserError(Exception):
    """A problem the user can fix; printed as one line, without a traceback."""


def quiet_powertools() -> None:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")  # the handlers' warnings reach the user as summaries
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")


def current_settings():
    from digest.settings import get_settings

    return get_settings()


def require_local(what: str) -> None:
    if not os.environ.get("AWS_ENDPOINT_URL"):
        raise UserError(f"{what} needs a local endpoint: set AWS_ENDPOINT_URL (e.g. http://127.0.0.1:5000)")


def read_input(name: str, fetcher: Any) -> tuple[bytes, str]:
    """The bytes of a file (``.gz`` decompressed) or URL, and the URL they came from ('' for files)."""
    if name.startswith(("http://", "https://")):
        reply = fetcher.fetch(name)
        return reply.body, str(reply.url)
    path = Path(name)
    if not path.is_file():
        raise UserError(f"no such file: {name}")
    data = path.read_bytes()
    if name.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise UserError(f"not a gzip file: {error}") from error
    return data, ""


def each_input(inputs: list[str], work: Callable[[str], list[dict[str, Any]]]) -> int:
    """Run ``work`` on every input, printing its JSON lines; a failing input prints its error and sets exit 1."""
    failed = False
    for name in inputs:
        try:
            lines = work(name)
        except Exception as error:  # any input may fail in its own way; the others still run
            failed = True
            lines = [{"input": name, "error": one_sentence(error)}]
        for line in lines:
            print(json.dumps(line, ensure_ascii=False))
    return EXIT_USER_ERROR if failed else 0


def one_sentence(error: BaseException) -> str:
    if isinstance(error, ValidationError):
        first = error.errors(include_url=False)[0]
        return f"invalid {'.'.join(map(str, first['loc']))}: {first['msg']}"
    text = " ".join(str(error).split()) or type(error).__name__
    return text[:300]


def iso(moment: Any) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def start_progress(args: argparse.Namespace, label: str, unit: str, total: int | None = None) -> Any:
    from digest.progress import Progress

    return Progress(label, total, unit, enabled=not getattr(args, "quiet", False))
