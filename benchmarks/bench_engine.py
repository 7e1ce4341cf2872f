"""Engine benchmark: the mock's per-call cost against botocore answering from a canned response.

Run: ``.venv/bin/python benchmarks/bench_engine.py [--rounds N] [--pairs N] [--profile OP]``

Everything is measured in one process and one run, so the ratios compare like with like:

* per-call median latency of boto3 ``iam.get_user``, ``list_users`` (100 users) and
  ``create_user`` under the mock, against a FLOOR: the same client answered by a
  ``before-send`` handler returning a prebuilt ``AWSResponse`` with a valid XML body
  (botocore still validates, serializes, signs and parses; no backend runs), alternating
  call by call with the mock. mock/floor is the cost of the mock itself; the mock answers
  on its parsed-response fast path, and again (in activations of their own, with
  ``IAM_ACCESS_MOCK_BYTES=1``) on the bytes path, as the "bytes/floor" column;
* the median cost of entering and exiting ``mock_access()``;
* the median time of ``import iam_access_mock`` in a fresh interpreter (alone, and after
  ``import boto3``), and of a cold first activation plus one call (import of botocore's
  client machinery excluded).

Targets (issue 11): get_user and create_user ratio <= 0.90, list_users (100) <= 0.40,
enter+exit <= 40 us, import after boto3 <= 30 ms.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import boto3
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from iam_access_mock import mock_access
from iam_access_mock.transport.sync import _OPERATION_ATTR

TARGETS = {"get_user": 0.90, "list_users": 0.40, "create_user": 0.90}
ENTER_EXIT_TARGET_US = 40.0
IMPORT_TARGET_MS = 30.0  # after boto3
LIST_SIZE = 100
BYTES_ENV = "IAM_ACCESS_MOCK_BYTES"

# CPU time of this thread: a call does no I/O, so this is its latency minus the time the
# scheduler gave to other processes, which on a shared machine is most of the noise.
_CLOCK = time.thread_time_ns

_NS = 'xmlns="https://iam.amazonaws.com/doc/2010-05-08/"'
# AWS sends query-protocol timestamps with milliseconds (shared/data/observed-aws-facts.md),
# and botocore parses those more slowly than whole seconds: the floor carries them too.
_USER = (
    "<Path>/</Path><UserName>{name}</UserName><UserId>AIDAEXAMPLEEXAMPLE{index:03d}</UserId>"
    "<Arn>arn:aws:iam::123456789012:user/{name}</Arn>"
    "<CreateDate>2026-09-11T15:26:19.516Z</CreateDate>"
)
_REQUEST_ID = "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE"
_METADATA = f"<ResponseMetadata><RequestId>{_REQUEST_ID}</RequestId></ResponseMetadata>"


def _canned_body(operation: str) -> bytes:
    """A valid IAM XML response for ``operation``, as AWS would send it."""
    if operation == "ListUsers":
        members = "".join(
            f"<member>{_USER.format(name=f'user-{i:03d}', index=i)}</member>"
            for i in range(LIST_SIZE)
        )
        result = f"<Users>{members}</Users><IsTruncated>false</IsTruncated>"
    else:
        result = f"<User>{_USER.format(name='bench', index=0)}</User>"
    text = (
        f"<{operation}Response {_NS}><{operation}Result>{result}</{operation}Result>"
        f"{_METADATA}</{operation}Response>"
    )
    return text.encode("utf-8")


class _CannedRaw:
    """The ``raw`` of a canned AWSResponse: the body already in memory."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data


def _canned_responder(body: bytes) -> Callable[..., AWSResponse]:
    headers = {
        "Content-Type": "text/xml",
        "x-amzn-RequestId": "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE",
    }

    def respond(request: Any, **_: Any) -> AWSResponse:
        # The floor is botocore alone: taking the mock's note off the request keeps the
        # mock from recording this canned answer as activity, as it records any call a
        # before-send handler (moto's) answers.
        request.__dict__.pop(_OPERATION_ATTR, None)
        # A fresh response per call, built the way the mock's transport builds its own.
        response = AWSResponse(request.url, 200, headers, _CannedRaw(body))
        response._content = body
        return response

    return respond


class _Switch:
    """A ``before-send`` handler, registered once, that answers canned only while switched on.

    Registering and unregistering handlers between calls would empty botocore's handler
    cache and slow the next call down; a switch costs both sides the same function call.
    """

    def __init__(self) -> None:
        self.responders: dict[str, Callable[..., AWSResponse]] = {}
        self.on = False

    def __call__(self, request: Any, **kwargs: Any) -> AWSResponse | None:
        if not self.on:
            return None
        operation = kwargs["event_name"].rsplit(".", 1)[-1]
        return self.responders[operation](request)


def _operations(iam: Any) -> dict[str, tuple[str, Callable[[int], Any]]]:
    return {
        "get_user": ("GetUser", lambda i: iam.get_user(UserName="bench")),
        "list_users": ("ListUsers", lambda i: iam.list_users()),
        "create_user": ("CreateUser", lambda i: iam.create_user(UserName=f"created-{i}")),
    }


def _seed(iam: Any) -> None:
    """The state every mocked operation reads: one user "bench" and LIST_SIZE users in all."""
    iam.create_user(UserName="bench")
    for i in range(LIST_SIZE - 1):
        iam.create_user(UserName=f"user-{i:03d}")


def _paired_times(
    call: Callable[[int], Any], switch: _Switch, pairs: int, start: int
) -> tuple[list[float], list[float]]:
    """Per-call microseconds (mock, floor), alternating call by call on the same client."""
    clock = _CLOCK
    mock, floor = [], []
    for index in range(start, start + 2 * pairs, 2):
        switch.on = False
        begin = clock()
        call(index)
        mock.append((clock() - begin) / 1000)
        switch.on = True
        begin = clock()
        call(index + 1)
        floor.append((clock() - begin) / 1000)
    switch.on = False
    return mock, floor


def _floor_off_times(
    call: Callable[[int], Any], switch: _Switch, count: int, start: int
) -> list[float]:
    """Per-call microseconds of the canned floor with no mock active at all."""
    clock = _CLOCK
    switch.on = True
    times = []
    for index in range(start, start + count):
        begin = clock()
        call(index)
        times.append((clock() - begin) / 1000)
    switch.on = False
    return times


Row = tuple[str, float | None, float, float, float | None]


def measure_calls(rounds: int, pairs: int) -> list[Row]:
    """Per operation: (name, mock median us or None if not served, floor median us, floor
    median us with the mock inactive).

    Mock and floor alternate call by call on one client inside one activation, so drift in
    machine load (other processes, frequency scaling) falls on both sides alike. The floor
    inside the activation also passes through the mock's (inert for it) endpoint wrapper;
    the third figure, taken with no mock active, shows what that costs.
    """
    iam = boto3.client("iam")
    operations = _operations(iam)
    switch = _Switch()
    for operation, _ in operations.values():
        switch.responders[operation] = _canned_responder(_canned_body(operation))
    iam.meta.events.register("before-send.iam", switch)
    mock_times: dict[str, list[float]] = {name: [] for name in operations}
    bytes_times: dict[str, list[float]] = {name: [] for name in operations}
    bytes_floor: dict[str, list[float]] = {name: [] for name in operations}
    floor_times: dict[str, list[float]] = {name: [] for name in operations}
    floor_off_times: dict[str, list[float]] = {name: [] for name in operations}
    unserved: set[str] = set()
    counter = 0
    with mock_access():  # warm-up: imports, model loading and caches on both paths
        _seed(iam)
        for name, (_, call) in operations.items():
            try:
                _paired_times(call, switch, 20, counter)
            except ClientError as error:
                if error.response["Error"]["Code"] != "NotImplemented":
                    raise
                unserved.add(name)
            counter += 40
    for _ in range(rounds):
        with mock_access():
            _seed(iam)
            for name, (_, call) in operations.items():
                if name in unserved:
                    floor_times[name] += _floor_off_times(call, switch, pairs, counter)
                else:
                    mock, floor = _paired_times(call, switch, pairs, counter)
                    mock_times[name] += mock
                    floor_times[name] += floor
                counter += 2 * pairs
        os.environ[BYTES_ENV] = "1"
        try:
            with mock_access():
                _seed(iam)
                for name, (_, call) in operations.items():
                    if name not in unserved:
                        mock, floor = _paired_times(call, switch, pairs // 2, counter)
                        bytes_times[name] += mock
                        bytes_floor[name] += floor
                    counter += pairs
        finally:
            del os.environ[BYTES_ENV]
        for name, (_, call) in operations.items():
            floor_off_times[name] += _floor_off_times(call, switch, pairs // 2, counter)
            counter += pairs
    return [
        (
            name,
            None if name in unserved else statistics.median(mock_times[name]),
            statistics.median(floor_times[name]),
            statistics.median(floor_off_times[name]),
            None
            if name in unserved
            else statistics.median(bytes_times[name]) / statistics.median(bytes_floor[name]),
        )
        for name in operations
    ]


def measure_enter_exit(count: int) -> float:
    """Median microseconds of ``with mock_access(): pass`` (outermost, so a new world each time)."""
    clock = _CLOCK
    for _ in range(100):
        with mock_access():
            pass
    times = []
    for _ in range(count):
        begin = clock()
        with mock_access():
            pass
        times.append((clock() - begin) / 1000)
    return statistics.median(times)


_IMPORT_PROBE = (
    "import time; t = time.perf_counter(); import iam_access_mock; print(time.perf_counter() - t)"
)
_IMPORT_AFTER_BOTO3_PROBE = (
    "import time, boto3; t = time.perf_counter(); import iam_access_mock; "
    "print(time.perf_counter() - t)"
)

_COLD_CALL_PROBE = """
import time, boto3
iam = boto3.client("iam")
import iam_access_mock
t = time.perf_counter()
with iam_access_mock.mock_access():
    iam.create_user(UserName="cold")
print(time.perf_counter() - t)
"""


def _subprocess_seconds(code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        output = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        )
        times.append(float(output.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def profile(operation: str, calls: int) -> None:
    """Print the top cProfile entries of ``calls`` mocked calls of one operation."""
    iam = boto3.client("iam")
    with mock_access():
        _seed(iam)
        _, call = _operations(iam)[operation]
        for index in range(50):
            call(index)
        profiler = cProfile.Profile()
        profiler.enable()
        for index in range(100, 100 + calls):
            call(index)
        profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def _verdict(value: float, target: float) -> str:
    return "ok" if value <= target else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="activations measured")
    parser.add_argument("--pairs", type=int, default=60, help="mock/floor call pairs per round")
    parser.add_argument("--imports", type=int, default=9, help="fresh interpreters for imports")
    parser.add_argument("--profile", choices=["get_user", "list_users", "create_user"])
    args = parser.parse_args()
    if args.profile:
        profile(args.profile, args.pairs * args.rounds)
        return

    rows = measure_calls(args.rounds, args.pairs)
    enter_exit = measure_enter_exit(5000)
    import_ms = _subprocess_seconds(_IMPORT_PROBE, args.imports) * 1000
    import_after_ms = _subprocess_seconds(_IMPORT_AFTER_BOTO3_PROBE, args.imports) * 1000
    cold_ms = _subprocess_seconds(_COLD_CALL_PROBE, max(3, args.imports // 2)) * 1000

    python = sys.version.split()[0]
    print(f"iam-access-mock engine benchmark (python {python}, boto3 {boto3.__version__})")
    print(f"{args.rounds} rounds x {args.pairs} mock/floor call pairs per operation; medians\n")
    header = f"{'operation':<14}{'mock us':>10}{'floor us':>10}{'ratio':>8}  {'target':<14}"
    print(header + f"{'floor, mock off':>16}{'bytes/floor':>13}")
    for name, mock_us, floor_us, floor_off_us, bytes_ratio in rows:
        if mock_us is None:
            print(f"{name:<14}{'n/a':>10}{floor_us:>10.1f}{'':>8}  {'not served':<14}", end="")
        else:
            ratio = mock_us / floor_us
            target = TARGETS.get(name)
            verdict = f"<= {target:.2f} {_verdict(ratio, target)}" if target else "-"
            print(
                f"{name:<14}{mock_us:>10.1f}{floor_us:>10.1f}{ratio:>8.3f}  {verdict:<14}", end=""
            )
        print(f"{floor_off_us:>16.1f}" + (f"{bytes_ratio:>13.3f}" if bytes_ratio else ""))
    print()
    enter = f"{enter_exit:>10.1f} us  target <= {ENTER_EXIT_TARGET_US:.0f} us"
    print(f"{'enter+exit mock_access()':<34}{enter} {_verdict(enter_exit, ENTER_EXIT_TARGET_US)}")
    print(f"{'import iam_access_mock (fresh)':<34}{import_ms:>10.1f} ms  (information)")
    imported = f"{import_after_ms:>10.1f} ms  target <= {IMPORT_TARGET_MS:.0f} ms"
    verdict = _verdict(import_after_ms, IMPORT_TARGET_MS)
    print(f"{'import iam_access_mock after boto3':<34}{imported} {verdict}")
    print(f"{'cold first activation + 1 call':<34}{cold_ms:>10.1f} ms  (information)")


if __name__ == "__main__":
    main()
