"""Access Advisor at scale: an account with 10,000 users and roles and 1,000,000 accesses.

Measures, in one run: the bulk record rate and memory per recorded access, and the time to
generate a report and read every page of it, for a group with 1,000 members and for a role whose
policy allows every service (AdministratorAccess), at service and action level.

Run: python benchmarks/bench_reports.py [--accesses N] [--principals N] [--rounds N] [--only reports]

``--rounds N`` times the reports N times on the one account and prints each one's median and
[fastest - slowest]. Every round is the first of its kind, as in a single run: before each
round after the first, the policy layer's process-wide caches that were empty when the first
round began are cleared (the action lists the setup loaded stay loaded); with ``--warm`` they
are kept, which times a report's repeats. ``--only reports`` records the accesses without
tracemalloc and prints no memory figure.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import time
import tracemalloc
from datetime import timedelta

import boto3

from iam_access_mock import mock_access
from iam_access_mock.policy import catalogue, evaluator, wildcard

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


class CollectorPauses:
    """Time spent in the garbage collector's full collections (generation 2) while on."""

    def __init__(self) -> None:
        self.total = 0.0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._started


PAUSES = CollectorPauses()


# The request's limit: at most 200 namespaces.
GRANT_NAMESPACES = list(catalogue.service_names())[:200]


def list_grants(iam, user_arn: str, namespaces: list[str]) -> int:
    entries, marker = 0, None
    while True:
        kwargs = {"Arn": user_arn, "ServiceNamespaces": namespaces, **({"Marker": marker} if marker else {})}
        page = iam.list_policies_granting_service_access(**kwargs)
        entries += sum(len(row["Policies"]) for row in page["PoliciesGrantingServiceAccess"])
        if not page["IsTruncated"]:
            return entries
        marker = page["Marker"]


def timed(label: str, func, *args) -> tuple[float, float]:
    """Wall-clock and thread CPU time of ``func``; the line says when a full collection ran."""
    paused = PAUSES.total
    started, started_cpu = time.perf_counter(), time.thread_time()
    result = func(*args)
    elapsed, cpu = time.perf_counter() - started, time.thread_time() - started_cpu
    collector = PAUSES.total - paused
    note = f", of it {collector * 1000:.1f} ms full gc" if collector else ""
    print(f"  {label:<58} {elapsed * 1000:9.1f} ms  cpu {cpu * 1000:6.1f} ms   ({result}{note})")
    return elapsed, cpu


def empty_policy_caches() -> list:
    """The policy layer's process-wide caches that hold nothing yet (what a report warms)."""
    found = []
    for module in (catalogue, evaluator, wildcard):
        for value in vars(module).values():
            info = getattr(value, "cache_info", None)
            if info is not None and info().currsize == 0:
                found.append(value)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accesses", type=int, default=1_000_000)
    parser.add_argument("--principals", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--only", choices=("reports",), default=None)
    parser.add_argument("--warm", action="store_true", help="keep the caches between rounds")
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
        if args.only == "reports":
            started = time.perf_counter()
            recorded = aws.record_accesses(accesses)
            print(f"recorded {recorded:,} accesses in {time.perf_counter() - started:.2f} s")
        else:
            gc.collect()
            tracemalloc.start()
            before = tracemalloc.take_snapshot()
            started = time.perf_counter()
            recorded = aws.record_accesses(accesses)
            elapsed = time.perf_counter() - started
            after = tracemalloc.take_snapshot()
            tracemalloc.stop()
            grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
            print(f"recorded {recorded:,} accesses in {elapsed:.2f} s: {recorded / elapsed:,.0f} "
                  f"accesses/s (tracemalloc slows this run; see bench_activity.py for the untraced "
                  f"rate); index grew {grown / 1e6:.1f} MB = {grown / recorded:.0f} bytes per access")
        # The million access tuples are the benchmark's input, not the mock's state: kept, they
        # made each full collection during a report cost ~70 ms more (the line says when one ran).
        del accesses
        gc.collect()

        reports = [
            ("group with 1,000 members, SERVICE_LEVEL", f"arn:aws:iam::{ACCOUNT}:group/big", "SERVICE_LEVEL"),
            ("group with 1,000 members, ACTION_LEVEL", f"arn:aws:iam::{ACCOUNT}:group/big", "ACTION_LEVEL"),
            ("role allowing every service, SERVICE_LEVEL", roles[0], "SERVICE_LEVEL"),
            ("role allowing every service, ACTION_LEVEL", roles[0], "ACTION_LEVEL"),
        ]
        entities_label = "group: WithEntities for s3, every page (1,000 members)"
        grants_label = "member: ListPoliciesGrantingServiceAccess, 200 services"
        times: dict[str, list[tuple[float, float]]] = {}
        cold = empty_policy_caches()
        for round_number in range(1, args.rounds + 1):
            if round_number > 1 and not args.warm:
                for cached in cold:
                    cached.cache_clear()
            print(f"report timings (generate + read every page){f', round {round_number}' if args.rounds > 1 else ''}:")
            for label, arn, granularity in reports:
                def run(arn: str = arn, granularity: str = granularity) -> str:
                    job = iam.generate_service_last_accessed_details(Arn=arn, Granularity=granularity)["JobId"]
                    return f"{read_all_pages(iam, job)} rows"
                times.setdefault(label, []).append(timed(label, run))
            times.setdefault(grants_label, []).append(
                timed(grants_label, lambda: f"{list_grants(iam, users[0], GRANT_NAMESPACES)} entries")
            )
            job = iam.generate_service_last_accessed_details(Arn=f"arn:aws:iam::{ACCOUNT}:group/big")["JobId"]
            times.setdefault(entities_label, []).append(
                timed(entities_label, lambda job=job: f"{read_all_entities(iam, job, 's3')} entities")
            )
        if args.rounds > 1:
            print(f"over {args.rounds} rounds: median [fastest - slowest], wall-clock then thread CPU")
            for label, runs in times.items():
                walls = [wall * 1000 for wall, _ in runs]
                cpus = [cpu * 1000 for _, cpu in runs]
                print(f"  {label:<58} {statistics.median(walls):7.1f} ms [{min(walls):.1f} - {max(walls):.1f}]"
                      f"  cpu {statistics.median(cpus):.1f} ms [{min(cpus):.1f} - {max(cpus):.1f}]")

if __name__ == "__main__":
    main()
