"""Server-mode benchmark: per-call latency of boto3 ``iam.get_user`` over HTTP, against
iam-access-mock's server and moto's ``ThreadedMotoServer``, in one run.

Run: ``.venv/bin/python benchmarks/bench_server.py [--runs 7] [--calls 300]``
(moto's server needs its extras: ``pip install 'moto[server]'``, kept out of pyproject.)

Both servers run in this process, each on its own loopback port, as their Python objects
are meant to be used in a test suite (``AccessMockServer``, ``ThreadedMotoServer``); the
client is the same boto3 client code for both. Calls alternate in blocks between the two
within each run, so changes in machine load fall on both alike. Per-call figures are
wall-clock medians (the time includes the server's thread, so CPU time of one thread would
not do). The ratio is moto / iam-access-mock; the spread is over runs.

Target: a ratio of 2 or more.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import boto3

from iam_access_mock import AccessMockServer

TARGET = 2.0
BLOCK = 20  # calls per block; blocks of the two servers alternate


def _client(endpoint_url: str) -> Any:
    return boto3.client("iam", endpoint_url=endpoint_url, region_name="us-east-1")


def _moto_server() -> Any:
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as error:
        sys.exit(f"moto's server needs its extras: pip install 'moto[server]' ({error})")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    return server


def _moto_url(server: Any) -> str:
    host, port = server.get_host_and_port()
    return f"http://{host}:{port}"


def _timed_block(call: Callable[[], Any], count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter_ns()
        call()
        times.append((time.perf_counter_ns() - start) / 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--calls", type=int, default=300, help="calls per server per run")
    arguments = parser.parse_args()

    moto = _moto_server()
    with AccessMockServer() as ours:
        clients = {"iam-access-mock": _client(str(ours.endpoint_url)), "moto": _client(_moto_url(moto))}
        for client in clients.values():
            client.create_user(UserName="alice")
            for _ in range(30):  # warm both: connections, caches, lazy imports
                client.get_user(UserName="alice")
        medians: dict[str, list[float]] = {name: [] for name in clients}
        ratios = []
        for _ in range(arguments.runs):
            times: dict[str, list[float]] = {name: [] for name in clients}
            for _ in range(arguments.calls // BLOCK):
                for name, client in clients.items():
                    times[name] += _timed_block(lambda c=client: c.get_user(UserName="alice"), BLOCK)
            run = {name: statistics.median(values) for name, values in times.items()}
            for name, value in run.items():
                medians[name].append(value)
            ratios.append(run["moto"] / run["iam-access-mock"])
    moto.stop()

    import botocore
    import moto as moto_package

    print(f"get_user over HTTP, {arguments.runs} runs x {arguments.calls} calls per server; "
          f"Python {sys.version.split()[0]}, botocore {botocore.__version__}, "
          f"moto {moto_package.__version__}")
    print(f"{'server':<18}{'median us':>12}{'min':>10}{'max':>10}")
    for name, values in medians.items():
        print(f"{name:<18}{statistics.median(values):>12.0f}{min(values):>10.0f}{max(values):>10.0f}")
    verdict = "meets" if statistics.median(ratios) >= TARGET else "MISSES"
    print(f"ratio moto / iam-access-mock: median {statistics.median(ratios):.2f}, "
          f"min {min(ratios):.2f}, max {max(ratios):.2f} ({verdict} the target of {TARGET})")


if __name__ == "__main__":
    main()
