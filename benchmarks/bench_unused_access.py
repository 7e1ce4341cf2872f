"""Unused-access analysis benchmark: one analysis, and ListFindingsV2 page by page.

Run: ``.venv/bin/python benchmarks/bench_unused_access.py [--principals N] [--accesses N] [--runs N]``

Builds, through boto3, an account of N principals (default 10,000: half users, each with an
access key, half roles), created 200 days before the mock clock's now; 40 customer managed
policies, each allowing four to six services (wildcards such as ``s3:*`` and
``ec2:Describe*``), two attached to every principal; then records M accesses (default
1,000,000, ``record_accesses``) spread over the principals, their allowed actions and the
last 200 days. A tenth of the principals record nothing (unused roles, unused keys).

Figures, median and [min - max] over the runs:

* **analysis**: ``aws.run_unused_access_analysis()`` (the whole analysis of the account and
  the reconciliation with the findings kept), after a first analysis at CreateAnalyzer
  (reported on its own: it creates every finding);
* **ListFindingsV2 page**: each page of the paginator (100 findings a page), through boto3,
  the slowest page of each run;
* **GetFindingV2**: one UnusedPermission finding's details, through boto3.

Targets (issue 14): one analysis <= 200 ms; every ListFindingsV2 page <= 100 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3

from iam_access_mock import mock_access

ACCOUNT = "123456789012"
NOW = datetime(2026, 9, 1, tzinfo=timezone.utc)
CREATED = NOW - timedelta(days=200)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
# (policy action pattern, actions recorded for it)
GRANTS = [
    ("s3:*", ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:GetBucketAcl"]),
    ("dynamodb:*", ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:DescribeTable"]),
    ("ec2:Describe*", ["ec2:DescribeInstances", "ec2:DescribeVpcs", "ec2:DescribeSubnets"]),
    ("lambda:*", ["lambda:InvokeFunction", "lambda:GetFunction", "lambda:ListFunctions"]),
    ("sqs:*", ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:GetQueueAttributes"]),
    ("sns:Publish", ["sns:Publish"]),
    ("kms:Decrypt", ["kms:Decrypt"]),
    ("logs:*", ["logs:PutLogEvents", "logs:CreateLogStream", "logs:DescribeLogGroups"]),
    ("secretsmanager:GetSecretValue", ["secretsmanager:GetSecretValue"]),
    ("cloudwatch:PutMetricData", ["cloudwatch:PutMetricData"]),
    ("ssm:GetParameter*", ["ssm:GetParameter", "ssm:GetParametersByPath"]),
    ("sts:GetCallerIdentity", ["sts:GetCallerIdentity"]),
]
POLICIES = 40


def _span(values: list[float]) -> str:
    return f"{statistics.median(values):8.1f} ms  [{min(values):.1f} - {max(values):.1f}]"


def build(aws: Any, principals: int, accesses: int, rng: random.Random) -> list[str]:
    """The account; returns the principals' ARNs."""
    aws.clock.set(CREATED)
    iam = boto3.client("iam")
    policy_grants = []
    for number in range(POLICIES):
        grants = rng.sample(GRANTS, rng.randint(4, 6))
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": [pattern for pattern, _ in grants], "Resource": "*"}
            ],
        }
        iam.create_policy(PolicyName=f"policy-{number:02}", PolicyDocument=json.dumps(document))
        policy_grants.append([action for _, actions in grants for action in actions])
    arns: list[str] = []
    allowed: list[list[str]] = []
    for number in range(principals):
        chosen = rng.sample(range(POLICIES), 2)
        if number % 2 == 0:
            name = f"user-{number:05}"
            iam.create_user(UserName=name)
            iam.create_access_key(UserName=name)
            for policy in chosen:
                iam.attach_user_policy(
                    UserName=name, PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/policy-{policy:02}"
                )
            arns.append(f"arn:aws:iam::{ACCOUNT}:user/{name}")
        else:
            name = f"role-{number:05}"
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
            for policy in chosen:
                iam.attach_role_policy(
                    RoleName=name, PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/policy-{policy:02}"
                )
            arns.append(f"arn:aws:iam::{ACCOUNT}:role/{name}")
        allowed.append([action for policy in chosen for action in policy_grants[policy]])
    aws.clock.set(NOW)
    active = [index for index in range(principals) if index % 10 != 9]
    span = int((NOW - CREATED).total_seconds())

    def items() -> Any:
        for _ in range(accesses):
            index = rng.choice(active)
            yield (
                arns[index],
                rng.choice(allowed[index]),
                CREATED + timedelta(seconds=rng.randrange(span)),
            )

    aws.record_accesses(items())
    return arns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--principals", type=int, default=10_000)
    parser.add_argument("--accesses", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(14)
    with mock_access() as aws:
        started = time.perf_counter()
        build(aws, args.principals, args.accesses, rng)
        built = time.perf_counter() - started
        aa = boto3.client("accessanalyzer", region_name="us-east-1")
        started = time.perf_counter()
        arn = aa.create_analyzer(analyzerName="unused", type="ACCOUNT_UNUSED_ACCESS")["arn"]
        first = (time.perf_counter() - started) * 1000
        analyses, pages, details = [], [], []
        page_count = findings = 0
        for _ in range(args.runs):
            started = time.perf_counter()
            aws.run_unused_access_analysis()
            analyses.append((time.perf_counter() - started) * 1000)
            slowest, page_count, findings = 0.0, 0, 0
            paginator = aa.get_paginator("list_findings_v2").paginate(analyzerArn=arn)
            iterator = iter(paginator)
            while True:
                started = time.perf_counter()
                try:
                    page = next(iterator)
                except StopIteration:
                    break
                slowest = max(slowest, (time.perf_counter() - started) * 1000)
                page_count += 1
                findings += len(page["findings"])
            pages.append(slowest)
            permission = aa.list_findings_v2(
                analyzerArn=arn, filter={"findingType": {"eq": ["UnusedPermission"]}}, maxResults=1
            )["findings"][0]["id"]
            started = time.perf_counter()
            aa.get_finding_v2(analyzerArn=arn, id=permission)
            details.append((time.perf_counter() - started) * 1000)
    print(
        f"account: {args.principals:,} principals, {args.accesses:,} accesses "
        f"(built in {built:.0f} s); {findings:,} findings in {page_count} pages; {args.runs} runs"
    )
    print(f"first analysis (CreateAnalyzer, boto3)    {first:8.1f} ms")
    print(f"analysis (run_unused_access_analysis)     {_span(analyses)}  target <= 200 ms")
    print(f"ListFindingsV2, slowest page of each run  {_span(pages)}  target <= 100 ms")
    print(f"GetFindingV2 (UnusedPermission, boto3)    {_span(details)}")


if __name__ == "__main__":
    main()
