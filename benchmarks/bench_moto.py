"""Side by side with moto: what recording activity costs a call moto answers, against a call
the mock answers.

Run: ``python benchmarks/bench_moto.py [--rounds N] [--calls N]`` (needs ``moto[s3,sqs]``).

Both paths record through one function, ``dispatch.identify_and_record``: ``dispatch.handle``
calls it for a call the mock answers, ``transport.sync.settle_operation`` for a call moto
answered. Figures, per call, in thread CPU time (as bench_engine), medians with the min-max
of the per-round medians:

* ``in calls``: that function timed where it runs inside real boto3 calls, signed with the
  key of a user the mock made: ``iam.get_user`` (the mock answers), ``s3.list_buckets`` and
  ``sqs.list_queues`` (moto answers);
  ``iam.get_user (mock) after moto's work``: the same served call, each one preceded by an
  ``s3.list_buckets`` that moto answers with the mock switched off (so nothing records in
  between): the mock's own path with as much foreign work between two recordings as a
  moto-answered call has, which is what leaves the CPU's caches cold;
* ``warm loop``: the recording step of each path alone (the note, taking it, recording),
  cache-warm, so that only the code differs;
* ``mock on a moto call``: moto active throughout, the mock switched on and off call by call:
  all the mock adds to a call moto answers (the note, moto's handler asking the registry,
  the recording).
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

from iam_access_mock import dispatch, mock_access
from iam_access_mock.transport import active, sync

try:
    import moto
    from moto import mock_aws
except ImportError:  # pragma: no cover
    sys.exit("bench_moto needs moto: pip install 'moto[s3,sqs]'")

_CLOCK = time.thread_time_ns
_record = dispatch.identify_and_record


def _signed_clients(iam: Any) -> dict[str, Any]:
    """A user made by the mock, and clients signing with its key."""
    iam.create_user(UserName="bench")
    key = iam.create_access_key(UserName="bench")["AccessKey"]
    signed = {
        "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"],
    }
    return {service: boto3.client(service, **signed) for service in ("iam", "s3", "sqs")}


def _calls(clients: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    clients["s3"].create_bucket(Bucket="bench-bucket")
    clients["sqs"].create_queue(QueueName="bench-queue")
    return {
        "iam.get_user (mock)": lambda: clients["iam"].get_user(UserName="bench"),
        "s3.list_buckets (moto)": clients["s3"].list_buckets,
        "sqs.list_queues (moto)": clients["sqs"].list_queues,
    }


def measure_in_calls(rounds: int, calls: int) -> dict[str, list[float]]:
    """``identify_and_record`` timed in place: per call kind, the median us of each round."""
    spent: list[float] = []

    def timed(*args: Any) -> Any:
        begin = _CLOCK()
        try:
            return _record(*args)
        finally:
            spent.append((_CLOCK() - begin) / 1000)

    results: dict[str, list[float]] = {}
    dispatch.identify_and_record = timed  # type: ignore[assignment]
    sync.identify_and_record = timed  # type: ignore[assignment]
    try:
        with mock_aws(), mock_access():
            clients = _signed_clients(boto3.client("iam"))
            kinds = _calls(clients)
            world = active.world

            def get_user_after_moto_work() -> None:
                active.world = None
                clients["s3"].list_buckets()
                active.world = world
                clients["iam"].get_user(UserName="bench")

            kinds["iam.get_user (mock) after moto's work"] = get_user_after_moto_work
            for _ in range(rounds + 1):  # the first round warms up
                for name, call in kinds.items():
                    # One kind at a time: what runs between two recordings (and so how
                    # warm the caches are) is then that kind's own call, on both paths.
                    spent.clear()
                    for _ in range(calls):
                        call()
                    results.setdefault(name, []).append(statistics.median(spent))
    finally:
        dispatch.identify_and_record = _record
        sync.identify_and_record = _record
    return {name: values[1:] for name, values in results.items()}


def measure_mock_on_moto_calls(rounds: int, calls: int) -> dict[str, list[float]]:
    """Median per round of (moto call with the mock on - the same call with it off), us."""
    results: dict[str, list[float]] = {}
    with mock_aws(), mock_access():
        world = active.world
        kinds = _calls(_signed_clients(boto3.client("iam")))
        for _ in range(rounds + 1):
            for name, call in kinds.items():
                if "(moto)" not in name:
                    continue
                differences = []
                for _ in range(calls):
                    begin = _CLOCK()
                    call()
                    on = _CLOCK() - begin
                    active.world = None
                    begin = _CLOCK()
                    call()
                    differences.append((on - (_CLOCK() - begin)) / 1000)
                    active.world = world
                results.setdefault(name, []).append(statistics.median(differences))
    return {name: values[1:] for name, values in results.items()}


def _captured_request(client: Any, call: Callable[[], Any]) -> tuple[Any, Any]:
    """The prepared request and operation model of one call, captured at ``before-send``."""
    captured: dict[str, Any] = {}

    def capture(request: Any, event_name: str, **_: Any) -> None:
        captured["request"] = request
        operation = event_name.rsplit(".", 1)[-1]
        captured["operation"] = client.meta.service_model.operation_model(operation)

    client.meta.events.register_first("before-send", capture)
    call()
    client.meta.events.unregister("before-send", capture)
    return captured["request"], captured["operation"]


def measure_warm(rounds: int, loops: int) -> dict[str, list[float]]:
    """The recording step alone, per path, cache-warm: median us per call for each round."""
    results: dict[str, list[float]] = {}
    with mock_aws(), mock_access():
        world = active.world
        clients = _signed_clients(boto3.client("iam"))
        iam, s3 = clients["iam"], clients["s3"]
        iam_request, iam_operation = _captured_request(iam, lambda: iam.get_user(UserName="bench"))
        s3_request, s3_operation = _captured_request(s3, s3.list_buckets)
        context = {"client_region": "us-east-1"}

        def mock_path() -> None:
            # What a served call pays: the note, serve taking it and recording, the settle.
            request, operation, region = sync.note_operation(
                (iam_request, iam_operation, context), {}
            )
            request.__dict__.pop("_iam_access_mock_operation")
            dispatch.identify_and_record(
                world, request.headers.get("Authorization"), operation, region
            )
            sync.settle_operation(world, request, operation, region)

        def moto_path() -> None:
            # What a moto-answered call pays: the note, then the settle that records.
            request, operation, region = sync.note_operation(
                (s3_request, s3_operation, context), {}
            )
            sync.settle_operation(world, request, operation, region)

        steps = {
            "mock answers (iam GetUser)": mock_path,
            "moto answers (s3 ListBuckets)": moto_path,
        }
        for name, step in steps.items():
            step()
            for _ in range(rounds):
                begin = _CLOCK()
                for _ in range(loops):
                    step()
                results.setdefault(name, []).append((_CLOCK() - begin) / loops / 1000)
    return results


def _row(name: str, values: list[float]) -> str:
    return (
        f"  {name:<40} {statistics.median(values):7.2f} us  "
        f"(rounds: {min(values):.2f} - {max(values):.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--calls", type=int, default=100, help="calls of each kind per round")
    parser.add_argument("--loops", type=int, default=5000, help="warm-loop steps per round")
    options = parser.parse_args()
    print(
        f"bench_moto (python {sys.version.split()[0]}, boto3 {boto3.__version__}, "
        f"moto {moto.__version__}); {options.rounds} rounds"
    )
    sections = (
        (
            f"in calls: identify_and_record, {options.calls} calls a round",
            measure_in_calls(options.rounds, options.calls),
        ),
        (
            f"warm loop: the recording step, {options.loops} loops a round",
            measure_warm(options.rounds, options.loops),
        ),
        (
            f"mock on a moto call: on - off, {options.calls} pairs a round",
            measure_mock_on_moto_calls(options.rounds, options.calls),
        ),
    )
    for title, rows in sections:
        print(title)
        for name, values in rows.items():
            print(_row(name, values))


if __name__ == "__main__":
    main()
