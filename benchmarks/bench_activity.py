"""Activity benchmark: recording accesses and loading CloudTrail into the activity index.

Run: ``.venv/bin/python benchmarks/bench_activity.py [--accesses N] [--principals N] [--records N]``

Prints, on one workload (N accesses spread over P principals, half users and half roles
through assumed-role session ARNs, 1,000 distinct actions in 40 services, 5 regions, times
over 90 days):

* ``aws.record_access`` rate (one call per access);
* ``aws.record_accesses`` (bulk) rate, tuples and dicts;
* retained memory per recorded access after the bulk run (tracemalloc, separate run);
* ``aws.load_cloudtrail`` rate from .json.gz files laid out like S3 delivery (reading,
  gunzip and JSON decoding included) and from an in-memory list of record dicts.

Targets: bulk >= 200,000 accesses/s; < 200 bytes per access for 1,000,000 accesses over
10,000 principals. Principals are put in the IAM store directly: this measures recording,
not CreateUser.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import random
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from iam_access_mock import mock_access
from iam_access_mock.handle import AccessMock
from iam_access_mock.identity import new_id
from iam_access_mock.policy import catalogue
from iam_access_mock.services.iam.store import Role, User

ACCOUNT = "123456789012"
BULK_TARGET = 200_000.0
BYTES_TARGET = 200.0
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2")
START = datetime(2026, 6, 1, tzinfo=timezone.utc)


def add_principals(aws: AccessMock, count: int) -> list[str]:
    """``count`` principals in the store; returns ARNs to record with (roles via sessions)."""
    store = aws.world.iam(ACCOUNT)
    created = aws.clock.now()
    arns = []
    for i in range(count):
        if i % 2:
            name = f"role-{i:05d}"
            arn = f"arn:aws:iam::{ACCOUNT}:role/{name}"
            store.add(Role(name, "/", new_id("AROA"), arn, created))
            arns.append(f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/session-{i}")
        else:
            name = f"user-{i:05d}"
            arn = f"arn:aws:iam::{ACCOUNT}:user/{name}"
            store.add(User(name, "/", new_id("AIDA"), arn, created))
            arns.append(arn)
    return arns


def workload(arns: list[str], count: int, seed: int = 7) -> list[tuple[str, str, datetime, str]]:
    rng = random.Random(seed)
    # Real catalogue actions: recording checks action names against the catalogue.
    namespaces = [ns for ns in sorted(catalogue.service_names()) if len(catalogue.actions(ns)) >= 25]
    actions = [f"{ns}:{name}" for ns in namespaces[:40] for name in catalogue.actions(ns)[:25]]
    times = [START + timedelta(seconds=rng.randrange(90 * 86400)) for _ in range(10_000)]
    return [
        (rng.choice(arns), rng.choice(actions), rng.choice(times), rng.choice(REGIONS))
        for _ in range(count)
    ]


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>12,.0f}/s  ({count:,} in {seconds:.2f} s)"


def bench_record_access(items: list[tuple[str, str, datetime, str]], principals: int) -> None:
    with mock_access() as aws:
        add_principals(aws, principals)
        record = aws.record_access
        started = time.perf_counter()
        for arn, action, at, region in items:
            record(arn, action, at=at, region=region)
        elapsed = time.perf_counter() - started
    print(f"record_access           {rate(len(items), elapsed)}")


def bench_bulk(items: list[tuple[str, str, datetime, str]], principals: int) -> float:
    with mock_access() as aws:
        add_principals(aws, principals)
        started = time.perf_counter()
        aws.record_accesses(items)
        elapsed = time.perf_counter() - started
    print(f"record_accesses tuples  {rate(len(items), elapsed)}")
    dicts = [{"principal_arn": a, "action": b, "at": c, "region": d} for a, b, c, d in items]
    with mock_access() as aws:
        add_principals(aws, principals)
        started = time.perf_counter()
        aws.record_accesses(dicts)
        dict_elapsed = time.perf_counter() - started
    print(f"record_accesses dicts   {rate(len(items), dict_elapsed)}")
    return len(items) / elapsed


def bench_memory(items: list[tuple[str, str, datetime, str]], principals: int) -> float:
    """Bytes the index retains per recorded access (the input list is not counted)."""
    with mock_access() as aws:
        add_principals(aws, principals)
        aws.record_access(items[0][0], "sts:GetCallerIdentity")  # the index's fixed structures exist first
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        aws.record_accesses(items)
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        activity = aws.world.activity
        entries = sum(len(e.services) + len(e.actions) for e in activity._entities.values())
    per_access = (current - before) / len(items)
    print(
        f"memory                  {per_access:>12.1f} bytes/access retained "
        f"({(current - before) / 1e6:.1f} MB; peak {(peak - before) / 1e6:.1f} MB; "
        f"{entries:,} index entries, {(current - before) / entries:.1f} bytes/entry)"
    )
    return per_access


def cloudtrail_records(items: list[tuple[str, str, datetime, str]]) -> list[dict[str, Any]]:
    """Realistic CloudTrail records (IAMUser / AssumedRole with sessionIssuer) for ``items``."""
    records = []
    for i, (arn, action, at, region) in enumerate(items):
        namespace, name = action.split(":")
        if ":assumed-role/" in arn:
            role = arn.split("/")[1]
            identity: dict[str, Any] = {
                "type": "AssumedRole",
                "principalId": f"AROAEXAMPLE:{arn.rsplit('/', 1)[1]}",
                "arn": arn,
                "accountId": ACCOUNT,
                "accessKeyId": "ASIAEXAMPLE",
                "sessionContext": {
                    "sessionIssuer": {
                        "type": "Role",
                        "principalId": "AROAEXAMPLE",
                        "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
                        "accountId": ACCOUNT,
                        "userName": role,
                    },
                    "attributes": {
                        "creationDate": "2026-06-01T00:00:00Z",
                        "mfaAuthenticated": "false",
                    },
                },
            }
        else:
            identity = {
                "type": "IAMUser",
                "principalId": "AIDAEXAMPLE",
                "arn": arn,
                "accountId": ACCOUNT,
                "accessKeyId": "AKIAEXAMPLE",
                "userName": arn.rsplit("/", 1)[1],
            }
        records.append(
            {
                "eventVersion": "1.09",
                "userIdentity": identity,
                "eventTime": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "eventSource": f"{namespace}.amazonaws.com",
                "eventName": name,
                "awsRegion": region,
                "sourceIPAddress": "192.0.2.1",
                "userAgent": "aws-cli/2.15.0",
                "requestParameters": None,
                "responseElements": None,
                "requestID": f"req-{i}",
                "eventID": f"evt-{i}",
                "readOnly": True,
                "eventType": "AwsApiCall",
                "managementEvent": True,
                "recipientAccountId": ACCOUNT,
                "eventCategory": "Management",
            }
        )
    return records


def bench_cloudtrail(
    items: list[tuple[str, str, datetime, str]], principals: int, per_file: int
) -> None:
    records = cloudtrail_records(items)
    with tempfile.TemporaryDirectory() as folder:
        day = Path(folder, "AWSLogs", ACCOUNT, "CloudTrail", "us-east-1", "2026", "06", "01")
        day.mkdir(parents=True)
        for start in range(0, len(records), per_file):
            name = f"{ACCOUNT}_CloudTrail_us-east-1_20260601T0000Z_{start:08d}.json.gz"
            payload = json.dumps({"Records": records[start : start + per_file]}).encode()
            (day / name).write_bytes(gzip.compress(payload, compresslevel=6))
        size = sum(p.stat().st_size for p in day.iterdir())
        first = gzip.decompress(next(iter(sorted(day.iterdir()))).read_bytes())
        started = time.perf_counter()
        json.loads(first)
        decode = time.perf_counter() - started
        with mock_access() as aws:
            add_principals(aws, principals)
            started = time.perf_counter()
            result = aws.load_cloudtrail(folder)
            elapsed = time.perf_counter() - started
        assert result == len(records), repr(result)
        print(
            f"load_cloudtrail files   {rate(len(records), elapsed)}  "
            f"[{result.files} .json.gz files, {size / 1e6:.0f} MB compressed]"
        )
        print(
            f"  of which json.loads   {rate(min(per_file, len(records)), decode)}  [one file, stdlib json]"
        )
    with mock_access() as aws:
        add_principals(aws, principals)
        started = time.perf_counter()
        result = aws.load_cloudtrail(records)
        elapsed = time.perf_counter() - started
    assert result == len(records), repr(result)
    print(f"load_cloudtrail dicts   {rate(len(records), elapsed)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accesses", type=int, default=1_000_000)
    parser.add_argument("--principals", type=int, default=10_000)
    parser.add_argument("--single", type=int, default=200_000, help="accesses for record_access")
    parser.add_argument("--records", type=int, default=1_000_000, help="CloudTrail records")
    parser.add_argument("--per-file", type=int, default=5_000, help="records per log file")
    args = parser.parse_args()
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

    items = workload(add_principals_arns(args.principals), args.accesses)
    print(f"{args.accesses:,} accesses over {args.principals:,} principals\n")
    bench_record_access(items[: args.single], args.principals)
    bulk = bench_bulk(items, args.principals)
    per_access = bench_memory(items, args.principals)
    bench_cloudtrail(items[: args.records], args.principals, args.per_file)
    print()
    print(f"bulk target   >= {BULK_TARGET:,.0f}/s: {'met' if bulk >= BULK_TARGET else 'MISSED'}")
    print(
        f"memory target <  {BYTES_TARGET:.0f} B/access: {'met' if per_access < BYTES_TARGET else 'MISSED'}"
    )


def add_principals_arns(count: int) -> list[str]:
    """The ARNs ``add_principals`` will create, without a mock."""
    return [
        f"arn:aws:sts::{ACCOUNT}:assumed-role/role-{i:05d}/session-{i}"
        if i % 2
        else f"arn:aws:iam::{ACCOUNT}:user/user-{i:05d}"
        for i in range(count)
    ]


if __name__ == "__main__":
    main()
