"""The ``iam-access-mock`` console script: ``iam-access-mock serve`` runs the server."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from typing import Any

from ..errors import MockConfigurationError

DESCRIPTION = """\
Serve the mock over HTTP, for the AWS CLI v2, other SDKs and child processes.

It prints a comment line with the endpoint URL, then a line a shell can eval:
    export AWS_ENDPOINT_URL=http://127.0.0.1:<port>
Clients sign with any key (the fake AKIAIOSFODNN7EXAMPLE acts as the account root; keys
made with CreateAccessKey or AssumeRole act as their user or role session). The control
API (record accesses, CloudTrail, clock, jobs, reset, health) is under /_iam_access_mock/.
Ctrl-C or SIGTERM stops it (exit status 0).
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="iam-access-mock", description="iam-access-mock")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve the mock on a loopback HTTP endpoint",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=0, help="port to bind; 0, the default, picks a free one"
    )
    serve.add_argument(
        "--account-id",
        help="the default account, 12 digits (default 123456789012, or "
        "$IAM_ACCESS_MOCK_ACCOUNT_ID)",
    )
    serve.add_argument(
        "--allow-non-loopback",
        action="store_true",
        help="allow a --host outside 127.0.0.0/8 and ::1 (the server has no authentication)",
    )
    return parser


def _stop(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    from . import AccessMockServer, is_loopback

    try:
        server = AccessMockServer(
            host=arguments.host,
            port=arguments.port,
            account_id=arguments.account_id,
            allow_non_loopback=arguments.allow_non_loopback,
        )
    except (MockConfigurationError, TypeError) as error:
        print(f"iam-access-mock: error: {error}", file=sys.stderr)
        return 2
    if not is_loopback(arguments.host):
        print(
            f"iam-access-mock: warning: serving on {arguments.host}, which is not loopback: "
            "anyone who can reach it can read and change the mock's state (no authentication)",
            file=sys.stderr,
            flush=True,
        )
    # SIGINT too: a shell starts background jobs with SIGINT ignored, and Python then installs
    # no KeyboardInterrupt handler of its own.
    # All workers busy is normal under a test suite's load, not worth a warning per request.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        server.serve_forever(on_ready=_announce)
    except KeyboardInterrupt:
        pass
    except OSError as error:  # the port is taken, the address is not this machine's...
        print(f"iam-access-mock: error: cannot serve on {arguments.host}:{arguments.port}: {error}",
              file=sys.stderr)
        return 1
    return 0


def _announce(server: Any) -> None:
    print(f"# iam-access-mock serving {server.endpoint_url} (account {server.account_id})")
    print(f"export AWS_ENDPOINT_URL={server.endpoint_url}", flush=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
