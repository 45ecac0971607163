"""Running locally: the demo, the local server and stack, functions invoked by hand, the doctor."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from digest.cli.common import EXIT_USER_ERROR, AddCommand, UserError, current_settings, require_local


def _port(value: str) -> int:
    """A TCP port number, checked when the arguments are read (not after a whole demo has run)."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0 to 65535)")
    return port


def cmd_demo(args: argparse.Namespace) -> int:
    from digest.local.demo import DemoError, main

    try:
        return main(Path(args.out), serve=args.serve, api_port=args.port, archive_port=args.archive_port)
    except DemoError as error:
        raise UserError(str(error)) from None


def cmd_stack_create(args: argparse.Namespace) -> int:
    require_local("digest stack create")
    from digest.local.stack import create_stack

    for line in create_stack(current_settings()):
        print(f"created {line}")
    return 0


def _parameter_overrides(pairs: list[str]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UserError(f"a parameter override is Name=Value, not {pair[:60]!r}")
        overrides[name] = value
    return overrides


def cmd_stack_env_vars(args: argparse.Namespace) -> int:
    """The --env-vars file for `sam local invoke` (the local stack's names, as the container sees them)."""
    from digest.local.invoke import sam_env_vars
    from digest.local.stack import create_secrets

    if os.environ.get("AWS_ENDPOINT_URL"):
        create_secrets(current_settings())  # the secrets' ARNs go in the file
    endpoint = args.endpoint or os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        raise UserError("say where the local stack is: --endpoint http://host.docker.internal:PORT")
    if not args.endpoint and "127.0.0.1" in endpoint and not args.docker_network_host:
        # a container's loopback is its own: host.docker.internal is the host, unless the container
        # shares the host's network (sam local invoke --docker-network host)
        endpoint = endpoint.replace("127.0.0.1", "host.docker.internal")
    text = json.dumps(sam_env_vars(current_settings(), endpoint, api_url=args.api_url), indent=2) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}: sam local invoke FUNCTION -e events/EVENT.json --env-vars {args.out}",
              file=sys.stderr)  # fmt: skip
    return 0


def cmd_stack_seed(args: argparse.Namespace) -> int:
    require_local("digest stack seed")
    from digest.local.seed import seed

    for line in seed(current_settings(), site_url=args.site, edition=not args.no_edition):
        print(line)
    return 0


def cmd_invoke(args: argparse.Namespace) -> int:
    """One function of the template, its handler run here on an event, as `sam local invoke` would."""
    from digest.local.invoke import event_function, invoke_function, read_event

    function = args.function
    if function.endswith(".json") and args.event is None:  # `digest invoke events/picks.json`
        function, args.event = event_function(Path(function)), function
    event = read_event(args.event)
    try:
        result = invoke_function(function, event, overrides=_parameter_overrides(args.parameter_overrides))
    except (UserError, LookupError):
        raise
    except Exception as error:  # as Lambda reports a function error
        print(json.dumps({"errorMessage": str(error), "errorType": type(error).__name__}))
        return EXIT_USER_ERROR
    print(json.dumps(result, default=str))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from digest.local.serve import serve

    serve(port=args.port, host=args.host)
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from digest.ops.doctor import run_checks

    checks = run_checks(current_settings(), stack=args.stack, resolver=args.dns_server)
    if args.json:
        print(json.dumps([{"check": c.name, "outcome": c.outcome, "detail": c.detail} for c in checks]))
    else:
        marks = {"pass": "PASS", "fail": "FAIL", "skip": "skip", "warn": "warn"}
        for check in checks:
            print(f"{marks[check.outcome]}  {check.name:<22} {check.detail}")
    return EXIT_USER_ERROR if any(c.outcome == "fail" for c in checks) else 0


def add_commands(commands: argparse._SubParsersAction, add: AddCommand) -> None:
    """This group's commands, on the top-level parser."""

    serve = add(commands, "serve", cmd_serve, "run the API and pages on 127.0.0.1 (the local AWS if none is set)")
    serve.add_argument("--port", type=_port, default=3000)
    serve.add_argument("--host", default="127.0.0.1")
    demo = add(commands, "demo", cmd_demo, "run the whole pipeline locally on the sample site")
    demo.add_argument("--out", default="out", help="where to write the edition (default: out)")
    demo.add_argument(
        "--serve",
        action="store_true",
        help="then keep serving the archive, the review, sign-up and preferences pages until Ctrl-C",
    )
    demo.add_argument("--port", type=_port, default=3000, help="with --serve: the pages' port (default 3000)")
    demo.add_argument(
        "--archive-port",
        type=_port,
        default=8000,
        help="with --serve: the archive's port (default 8000, as ARCHIVE_BASE_URL's default)",
    )
    stack = commands.add_parser("stack", help="local stack resources").add_subparsers(dest="action", required=True)
    add(stack, "create", cmd_stack_create, "create the template's tables, queues and buckets on AWS_ENDPOINT_URL")
    env_vars = add(
        stack,
        "env-vars",
        cmd_stack_env_vars,
        "write the --env-vars file for `sam local invoke` (every function, the local stack's names)",
    )
    env_vars.add_argument("--out", default="env.local.json", help="file to write, - for standard output")
    env_vars.add_argument(
        "--endpoint",
        help="the local AWS as the SAM container reaches it "
        "(default: AWS_ENDPOINT_URL with 127.0.0.1 as host.docker.internal)",
    )
    env_vars.add_argument(
        "--docker-network-host",
        action="store_true",
        help="keep 127.0.0.1 (for sam local invoke --docker-network host, Linux)",
    )
    env_vars.add_argument(
        "--api-url", default="http://127.0.0.1:3000", help="base of reader links (sam local start-api)"
    )
    seed = add(stack, "seed", cmd_stack_seed, "fill the local stack so every file in events/ means something")
    seed.add_argument("--site", help="base URL of a running sample site (the sources' feeds); default: none")
    seed.add_argument("--no-edition", action="store_true", help="leave edition 2026-W48 to be built")
    invoke = add(
        commands,
        "invoke",
        cmd_invoke,
        "run one function's handler on an event against the local stack "
        "(sam local invoke without Docker); prints its JSON result",
    )
    invoke.add_argument("function", metavar="FUNCTION", help="logical id in template.yaml, or an events/*.json file")
    invoke.add_argument("event", nargs="?", metavar="EVENT.json", help="the event (default: {})")
    invoke.add_argument(
        "--parameter-overrides",
        nargs="+",
        default=[],
        metavar="NAME=VALUE",
        help="template parameters, as sam local invoke --parameter-overrides",
    )
    doctor = add(commands, "doctor", cmd_doctor, "check that the stack is ready to send (pass/fail list)")
    doctor.add_argument("--stack", default=os.environ.get("STACK_NAME"), help="CloudFormation stack name")
    doctor.add_argument("--json", action="store_true")
    doctor.add_argument("--dns-server", help="resolver for the DMARC lookup, HOST[:PORT] (default: the system's)")
