"""The `digest` command: every stage of the pipeline against the AWS endpoint the environment names.

With ``AWS_ENDPOINT_URL`` set (a local moto server) the queue-driven stages run their workers in
this process until the queue is empty; against AWS they hand work to the deployed functions.
Resource names come from the environment, a stack-outputs file (``DIGEST_STACK_OUTPUTS``) or, on
a local endpoint, the fixed names `digest stack create` uses.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from digest.cli import editions, local, sources, subscribers
from digest.cli.common import EXIT_USER_ERROR, UserError, one_sentence, quiet_powertools


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors as the same single line as every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"digest: error: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="digest", description="Friday Digest: the weekly newsletter pipeline.")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        group: argparse._SubParsersAction,
        name: str,
        func: Callable[[argparse.Namespace], int],
        help: str,
    ) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = group.add_parser(name, help=help, description=help)
        sub.set_defaults(func=func)
        return sub

    for group in (local, sources, editions, subscribers):
        group.add_commands(commands, add)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    quiet_powertools()
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except UserError as error:
        message = str(error)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        message = f"invalid {'.'.join(map(str, first['loc']))}: {first['msg']}"
    except ClientError as error:
        message = f"AWS said {error.response['Error'].get('Code')}: {error.response['Error'].get('Message')}"
    except BotoCoreError as error:
        message = f"cannot reach AWS: {error}"
    except (ValueError, LookupError, OSError) as error:
        message = str(error)
    except KeyboardInterrupt:
        print("digest: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug: still one line (DIGEST_DEBUG=1 shows the traceback)
        if os.environ.get("DIGEST_DEBUG") == "1":
            raise
        message = f"unexpected {type(error).__name__}: {one_sentence(error)} (DIGEST_DEBUG=1 shows the traceback)"
    print(f"digest: error: {' '.join(message.split())[:500]}", file=sys.stderr)
    return EXIT_USER_ERROR
