"""Access Advisor at scale: an account with 10,000 users and roles and 1,000,000 accesses.

Measures, in one run: the bulk record rate and memory per recorded access, and the time to
generate a report and read every page of it, for a group with 1,000 members and for a role whose
policy allows every service (AdministratorAccess), at service and action level.

Run: python benchmarks/bench_reports.py [--accesses N] [--principals N]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import time
import tracemalloc
from datetime import timedelta

import boto3

from iam_access_mock import mock_access
from iam_access_mock.policy import catalogue

ACCOUNT = "123456789012"
NAMESPACES = [
    "s3", "ec2", "iam", "lambda", "dynamodb", "sqs", "sns", "kms", "logs", "cloudwatch",
    "sts", "ecr", "ecs", "eks", "rds", "secretsmanager", "ssm", "cloudformation", "events", "states",
]
# Real catalogue actions: recording checks action names against the catalogue.
ACTIONS = {namespace: catalogue.actions(namespace) for namespace in NAMESPACES}


def build_account(iam, principals: int) -> tuple[list[str], list[str]]:
    users, roles = [], []
    trust = json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}],
    })
    for index in range(principals // 2):
        users.append(iam.create_user(UserName=f"user-{index:05d}")["User"]["Arn"])
        roles.append(iam.create_role(RoleName=f"role-{index:05d}", AssumeRolePolicyDocument=trust)["Role"]["Arn"])
    return users, roles


def read_all_pages(iam, job_id: str) -> int:
    rows, marker = 0, None
    while True:
        kwargs = {"JobId": job_id, **({"Marker": marker} if marker else {})}
        page = iam.get_service_last_accessed_details(**kwargs)
        rows += len(page["ServicesLastAccessed"])
        if not page["IsTruncated"]:
            return rows
        marker = page["Marker"]


def read_all_entities(iam, job_id: str, namespace: str) -> int:
    rows, marker = 0, None
    while True:
        kwargs = {"JobId": job_id, "ServiceNamespace": namespace, **({"Marker": marker} if marker else {})}
        page = iam.get_service_last_accessed_details_with_entities(**kwargs)
        rows += len(page["EntityDetailsList"])
        if not page["IsTruncated"]:
            return rows
        marker = page["Marker"]


def timed(label: str, func, *args) -> float:
    started = time.perf_counter()
    result = func(*args)
    elapsed = time.perf_counter() - started
    print(f"  {label:<58} {elapsed * 1000:9.1f} ms   ({result})")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accesses", type=int, default=1_000_000)
    parser.add_argument("--principals", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(7)

    with mock_access() as aws:
        iam = boto3.client("iam", region_name="us-east-1")
        started = time.perf_counter()
        users, roles = build_account(iam, args.principals)
        print(f"account: {len(users)} users + {len(roles)} roles created through boto3 in "
              f"{time.perf_counter() - started:.1f} s")

        iam.create_group(GroupName="big")
        iam.put_group_policy(GroupName="big", PolicyName="work", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": [f"{ns}:*" for ns in NAMESPACES[:10]], "Resource": "*"}],
        }))
        for arn in users[:1000]:
            iam.add_user_to_group(GroupName="big", UserName=arn.rsplit("/", 1)[-1])
        iam.attach_role_policy(RoleName="role-00000", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")

        principals = users + roles
        now = aws.clock.now()
        accesses = [
            (
                rng.choice(principals),
                f"{(_ns := rng.choice(NAMESPACES))}:{rng.choice(ACTIONS[_ns])}",
                now - timedelta(minutes=rng.randrange(500_000)),
                rng.choice(("us-east-1", "eu-west-1", "ap-southeast-2")),
            )
            for _ in range(args.accesses)
        ]
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        started = time.perf_counter()
        recorded = aws.record_accesses(accesses)
        elapsed = time.perf_counter() - started
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
        print(f"recorded {recorded:,} accesses in {elapsed:.2f} s: {recorded / elapsed:,.0f} accesses/s "
              f"(tracemalloc slows this run; see bench_activity.py for the untraced rate); "
              f"index grew {grown / 1e6:.1f} MB = {grown / recorded:.0f} bytes per access")

        print("report timings (generate + read every page):")
        for label, arn, granularity in (
            ("group with 1,000 members, SERVICE_LEVEL", f"arn:aws:iam::{ACCOUNT}:group/big", "SERVICE_LEVEL"),
            ("group with 1,000 members, ACTION_LEVEL", f"arn:aws:iam::{ACCOUNT}:group/big", "ACTION_LEVEL"),
            ("role allowing every service, SERVICE_LEVEL", roles[0], "SERVICE_LEVEL"),
            ("role allowing every service, ACTION_LEVEL", roles[0], "ACTION_LEVEL"),
        ):
            def run(arn: str = arn, granularity: str = granularity) -> str:
                job = iam.generate_service_last_accessed_details(Arn=arn, Granularity=granularity)["JobId"]
                return f"{read_all_pages(iam, job)} rows"
            timed(label, run)
        job = iam.generate_service_last_accessed_details(Arn=f"arn:aws:iam::{ACCOUNT}:group/big")["JobId"]
        timed("group: WithEntities for s3, every page (1,000 members)",
              lambda: f"{read_all_entities(iam, job, 's3')} entities")


if __name__ == "__main__":
    main()
