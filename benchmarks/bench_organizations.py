"""Organizations benchmark: a large organization and its access reports, through boto3.

Run: ``.venv/bin/python benchmarks/bench_organizations.py [--rounds 5] [--accounts 1000]``

Builds, each round in a fresh activation:

* an organization of ``--accounts`` member accounts (default 1,000) in 50 OUs (10 in the root,
  4 under each of them), through boto3: 1,000 ``CreateAccount`` calls, timed on their own
  (target <= 2 s), then one ``MoveAccount`` each; three SCPs (Deny s3, Deny ec2:Run*, Allow
  NotAction dynamodb) on OUs;
* 1,000,000 accesses (``record_accesses``) by each account's OrganizationAccountAccessRole
  and root, over 300 actions of 60 services, in 12 regions, across the last 300 days;

then times, through boto3, ``GenerateOrganizationsAccessReport`` plus every page of
``GetOrganizationsAccessReport`` (default page of 100) for the root (target <= 200 ms) and
for one member account in a nested OU (target <= 50 ms).

Prints the median and the range over the rounds (wall-clock, ``perf_counter``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from datetime import timedelta
from typing import Any

os.environ.setdefault("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import boto3

from iam_access_mock import mock_access
from iam_access_mock.policy import catalogue

ACCESSES = 1_000_000
REGIONS = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "eu-west-2",
    "eu-central-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-southeast-1",
    "ca-central-1",
    "sa-east-1",
]
SCPS = {
    "DenyS3": {"Effect": "Deny", "Action": "s3:*", "Resource": "*"},
    "DenyRun": {"Effect": "Deny", "Action": "ec2:Run*", "Resource": "*"},
    "NoDynamo": {"Effect": "Allow", "NotAction": "dynamodb:*", "Resource": "*"},
}


def actions(count_services: int = 60, per_service: int = 5) -> list[str]:
    """300 catalogue actions of 60 services (the first names of each, deterministic)."""
    chosen = []
    for namespace in sorted(catalogue.service_names()):
        names = catalogue.actions(namespace)
        if len(names) >= per_service:
            chosen.extend(f"{namespace}:{name}" for name in names[:per_service])
        if len(chosen) >= count_services * per_service:
            break
    return chosen


def build(org: Any, accounts: int) -> tuple[str, str, list[str], list[str], float]:
    """The organization; returns (org id, root id, OU ids, account ids, CreateAccount seconds)."""
    org_id = org.create_organization()["Organization"]["Id"]
    root = org.list_roots()["Roots"][0]["Id"]
    ous = []
    for top in range(10):
        parent = org.create_organizational_unit(ParentId=root, Name=f"top{top}")[
            "OrganizationalUnit"
        ]["Id"]
        ous.append(parent)
        for child in range(4):
            ous.append(
                org.create_organizational_unit(ParentId=parent, Name=f"c{child}")[
                    "OrganizationalUnit"
                ]["Id"]
            )
    started = time.perf_counter()
    created = [
        org.create_account(Email=f"a{index}@example.com", AccountName=f"a{index}")[
            "CreateAccountStatus"
        ]["AccountId"]
        for index in range(accounts)
    ]
    create_seconds = time.perf_counter() - started
    for index, account_id in enumerate(created):
        org.move_account(
            AccountId=account_id, SourceParentId=root, DestinationParentId=ous[index % len(ous)]
        )
    for position, (name, statement) in enumerate(SCPS.items()):
        content = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        policy_id = org.create_policy(
            Content=content, Description=name, Name=name, Type="SERVICE_CONTROL_POLICY"
        )["Policy"]["PolicySummary"]["Id"]
        org.attach_policy(PolicyId=policy_id, TargetId=ous[position * 5])
    return org_id, root, ous, created, create_seconds


def accesses(accounts: list[str], now: Any) -> list[tuple[str, str, Any, str]]:
    rng = random.Random(7)
    names = actions()
    principals = [
        arn
        for account_id in accounts
        for arn in (
            f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
            f"arn:aws:iam::{account_id}:root",
        )
    ]
    seconds = 300 * 86400
    return [
        (
            rng.choice(principals),
            rng.choice(names),
            now - timedelta(seconds=rng.randrange(seconds)),
            rng.choice(REGIONS),
        )
        for _ in range(ACCESSES)
    ]


def whole_report(iam: Any, path: str) -> float:
    """Seconds for Generate plus every page of the report."""
    started = time.perf_counter()
    job_id = iam.generate_organizations_access_report(EntityPath=path)["JobId"]
    marker = None
    while True:
        page = iam.get_organizations_access_report(
            JobId=job_id, **({"Marker": marker} if marker else {})
        )
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    return time.perf_counter() - started


def one_round(accounts: int) -> dict[str, float]:
    with mock_access() as aws:
        org = boto3.client("organizations", region_name="us-east-1")
        iam = boto3.client("iam")
        org_id, root, ous, created, create_seconds = build(org, accounts)
        now = aws.clock.now()
        batch = accesses(created, now)
        started = time.perf_counter()
        aws.record_accesses(batch)
        record_seconds = time.perf_counter() - started
        nested = ous[1]  # the first OU under a top-level OU
        member = next(a for a in org.list_accounts_for_parent(ParentId=nested)["Accounts"])["Id"]
        aws.clock.advance(timedelta(seconds=61))  # no "same report within 60 s" reuse
        root_seconds = whole_report(iam, f"{org_id}/{root}")
        aws.clock.advance(timedelta(seconds=61))
        account_seconds = whole_report(iam, f"{org_id}/{root}/{ous[0]}/{nested}/{member}")
        return {
            "CreateAccount x accounts": create_seconds,
            "record_accesses 1,000,000": record_seconds,
            "root report, all pages": root_seconds,
            "account report, all pages": account_seconds,
        }


TARGETS = {
    "CreateAccount x accounts": 2.0,
    "root report, all pages": 0.200,
    "account report, all pages": 0.050,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--accounts", type=int, default=1000)
    options = parser.parse_args()
    rounds = [one_round(options.accounts) for _ in range(options.rounds)]
    print(f"{options.accounts} accounts in 50 OUs, {ACCESSES:,} accesses; {options.rounds} rounds")
    print(f"{'figure':28} {'median':>10} {'min':>10} {'max':>10}  target")
    for figure in rounds[0]:
        values = [found[figure] for found in rounds]
        target = TARGETS.get(figure)
        verdict = (
            ""
            if target is None
            else f"<= {target * 1000:.0f} ms "
            + ("ok" if statistics.median(values) <= target else "MISSED")
        )
        print(
            f"{figure:28} {statistics.median(values) * 1000:8.1f}ms {min(values) * 1000:8.1f}ms "
            f"{max(values) * 1000:8.1f}ms  {verdict}"
        )


if __name__ == "__main__":
    main()
