"""Hostile-input benchmark: the work bounded by issue 8 stays small.

Run: ``.venv/bin/python benchmarks/bench_hostile.py [--rounds N]``

Prints, each over N rounds (median, and the fastest and slowest round), in thread CPU time:

* matching a 1,000-character pattern of alternating ``*`` and ``?`` against a 1,000-character
  action (``policy.wildcard``): compiled afresh each round (cold) and once (warm); a variant
  whose last piece fails, and one whose pieces are letters that must be searched for;
* a report over a policy with 100 such patterns: ``compile_policy`` plus ``allowed_services``
  and ``allowed_tracked_actions`` on one document (each round a new document, so no cache
  answers), and through boto3, GenerateServiceLastAccessedDetails and reading the report at
  action level for a user whose 17 managed policies (10 attached, 7 through a group; IAM's
  quotas allow 6 such patterns per 6,144-character policy) hold 100 patterns, new each round;
* refusing a policy nested 3,000 deep (CreatePolicy) and a CloudTrail file nested 100,000
  deep (``load_cloudtrail``).

Targets: each match and each report under 10 ms. A regex of ``.*`` runs, as the evaluator
used before, takes 170 ms to refuse 7 alternations (``*?`` x 7, then ``x``) against one
40-character action name, five to six times longer for each alternation more; a report
weighing ``s3:`` and 8 alternations against the s3 actions took 34 s.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import boto3
from botocore.exceptions import ClientError

from iam_access_mock import mock_access
from iam_access_mock.cloudtrail import CloudTrailFileError
from iam_access_mock.policy.evaluator import (
    allowed_services,
    allowed_tracked_actions,
    compile_policy,
)
from iam_access_mock.policy.wildcard import Wildcard

TARGET_MS = 10.0
ALTERNATING = "*?" * 500  # 1,000 characters
ACTION = "s3:" + "GetObject" * 110 + "GetList"  # 1,000 characters
_CLOCK = time.thread_time_ns  # a mocked call does no I/O: CPU time is its latency


def measure(rounds: int, run: Callable[[int], Any]) -> list[float]:
    """Milliseconds of each round; ``run(i)`` does round ``i`` (set-up belongs outside it)."""
    times = []
    for i in range(rounds):
        started = _CLOCK()
        run(i)
        times.append((_CLOCK() - started) / 1e6)
    return times


def line(label: str, times: list[float], target: float | None = TARGET_MS) -> None:
    median = statistics.median(times)
    verdict = "" if target is None else ("ok" if median < target else "MISSED")
    spread = f"[{min(times):8.3f} - {max(times):8.3f}]"
    shown = "-" if target is None else f"< {target:g} ms"
    print(f"{label:58s} {median:9.3f} ms {spread}  {shown:9s} {verdict}")


def bench_matching(rounds: int) -> None:
    cases = [
        ("(*?) x 500 vs 1,000 chars: matches", ALTERNATING, ACTION, True),
        ("(*?) x 499 then *x vs 1,000 chars: last piece fails", "*?" * 499 + "*x", ACTION, False),
        (
            "(*a) x 500 vs a x 400, b x 599, a: a piece not found",
            "*a" * 500,
            "a" * 400 + "b" * 599 + "a",
            False,
        ),
        (
            "s3:(*?) x 497 then *?t vs 1,000 chars: matches",
            "s3:" + "*?" * 497 + "*?t",
            ACTION,
            True,
        ),
    ]
    for label, pattern, text, expected in cases:
        assert len(pattern) == len(text) == 1000, (len(pattern), len(text))
        assert Wildcard(pattern, ignore_case=True).matches(text) is expected
        cold = measure(rounds, lambda i, p=pattern, t=text: Wildcard(p, True).matches(t))
        line(f"{label}, cold", cold)
        warm = Wildcard(pattern, True)
        line(f"{label}, warm", measure(rounds, lambda i, w=warm, t=text: w.matches(t)))


def hostile_patterns(count: int, tag: str) -> list[str]:
    """``count`` distinct 1,000-character ``s3:`` patterns of alternating ``*`` and ``?``."""
    return [f"s3:{'*?' * 496}*{tag}{i:03d}"[:1000] for i in range(count)]


def hostile_document(patterns: list[str], tag: str, *, plain_allow: bool = True) -> str:
    """A policy allowing ``patterns`` (and, with ``plain_allow``, s3:ListAllMyBuckets)."""
    statements = [{"Sid": f"s{tag}", "Effect": "Allow", "Action": patterns, "Resource": "*"}]
    if plain_allow:
        statements.append({"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"})
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, separators=(",", ":"))


def bench_evaluator(rounds: int) -> None:
    documents = [hostile_document(hostile_patterns(100, f"e{i}"), str(i)) for i in range(rounds)]
    warm = [compile_policy(hostile_document(["s3:Get*"], "warm"))]
    allowed_tracked_actions(warm, "s3") and allowed_services(warm)  # loads the catalogue

    def report(i: int) -> None:
        policies = [compile_policy(documents[i])]
        assert allowed_services(policies) == ["s3"]
        assert allowed_tracked_actions(policies, "s3") == ("ListAllMyBuckets",)

    line("evaluator: compile + report, 100 patterns, one document", measure(rounds, report))


def bench_generate(rounds: int) -> None:
    with mock_access():
        iam = boto3.client("iam")
        iam.create_user(UserName="alice")
        iam.create_group(GroupName="g")
        iam.add_user_to_group(GroupName="g", UserName="alice")
        arn = iam.get_user(UserName="alice")["User"]["Arn"]
        times = []
        for i in range(rounds):
            patterns = hostile_patterns(100, f"g{i}")
            for attached in iam.list_attached_user_policies(UserName="alice")["AttachedPolicies"]:
                iam.detach_user_policy(UserName="alice", PolicyArn=attached["PolicyArn"])
            for attached in iam.list_attached_group_policies(GroupName="g")["AttachedPolicies"]:
                iam.detach_group_policy(GroupName="g", PolicyArn=attached["PolicyArn"])
            for n, start in enumerate(range(0, 100, 6)):
                chunk = patterns[start : start + 6]
                text = hostile_document(chunk, f"{i}x{n}", plain_allow=len(chunk) < 6)
                policy = iam.create_policy(PolicyName=f"p{i}-{n}", PolicyDocument=text)
                if n < 10:
                    iam.attach_user_policy(UserName="alice", PolicyArn=policy["Policy"]["Arn"])
                else:
                    iam.attach_group_policy(GroupName="g", PolicyArn=policy["Policy"]["Arn"])
            started = _CLOCK()
            job = iam.generate_service_last_accessed_details(Arn=arn, Granularity="ACTION_LEVEL")
            rows = iam.get_service_last_accessed_details(JobId=job["JobId"])
            times.append((_CLOCK() - started) / 1e6)
            assert [row["ServiceNamespace"] for row in rows["ServicesLastAccessed"]] == ["s3"]
            tracked = rows["ServicesLastAccessed"][0]["TrackedActionsLastAccessed"]
            assert [action["ActionName"] for action in tracked] == ["ListAllMyBuckets"]
    line("boto3: Generate + Get (ACTION_LEVEL), 100 patterns", times)


def bench_depth(rounds: int) -> None:
    deep_policy = '{"Version":"2012-10-17","Statement":' + "[" * 3000 + "]" * 3000 + "}"
    deep_log = '{"Records":[' + "[" * 100_000 + "]" * 100_000 + "]}"
    with mock_access() as aws, tempfile.TemporaryDirectory() as folder:
        iam = boto3.client("iam")

        def create(i: int) -> None:
            try:
                iam.create_policy(PolicyName=f"deep{i}", PolicyDocument=deep_policy)
            except ClientError as error:
                assert error.response["Error"]["Code"] == "MalformedPolicyDocument"
            else:
                raise AssertionError("a deep policy was stored")

        line("boto3: CreatePolicy nested 3,000 deep, refused", measure(rounds, create), None)
        path = Path(folder, "deep.json.gz")
        path.write_bytes(gzip.compress(deep_log.encode()))

        def load(i: int) -> None:
            try:
                aws.load_cloudtrail(path)
            except CloudTrailFileError:
                return
            raise AssertionError("a deep CloudTrail file was loaded")

        line("load_cloudtrail: .json.gz nested 100,000 deep, refused", measure(rounds, load), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    print(f"{'':58s} {'median':>12s} {'[fastest - slowest]':>23s}  target")
    print()
    bench_matching(args.rounds)
    bench_evaluator(args.rounds)
    bench_generate(args.rounds)
    bench_depth(args.rounds)


if __name__ == "__main__":
    main()
