"""The AWS CLI v1 driver, in process, runs the Access Analyzer policy generation commands."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from support import ACCOUNT, document

from iam_access_mock import AccessMock

pytest.importorskip("awscli.clidriver")

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=timezone.utc)
APP = f"arn:aws:iam::{ACCOUNT}:role/app"
ACCESS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AccessAnalyzerMonitorServiceRole"
TRAIL = f"arn:aws:cloudtrail:us-west-2:{ACCOUNT}:trail/my-trail"


def test_cli_starts_a_generation_and_reads_the_policy(
    aws_cli: Any, access_mock: AccessMock
) -> None:
    access_mock.clock.set(NOW)
    iam = boto3.client("iam")
    trust = document(
        {
            "Effect": "Allow",
            "Principal": {"Service": "access-analyzer.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust)
    iam.create_role(
        RoleName="AccessAnalyzerMonitorServiceRole",
        Path="/service-role/",
        AssumeRolePolicyDocument=trust,
    )
    day = datetime(2026, 6, 9, 8, 0, tzinfo=timezone.utc)
    access_mock.record_access(APP, "kms:ListAliases", at=day, region="us-west-2")
    access_mock.record_access(APP, "s3:CreateBucket", at=day)

    # The CLI's own example (awscli/examples/accessanalyzer/start-policy-generation.rst).
    details = {
        "accessRole": ACCESS_ROLE,
        "startTime": "2026-06-01T00:30:00Z",
        "trails": [{"allRegions": True, "cloudTrailArn": TRAIL}],
    }
    started = aws_cli(
        "accessanalyzer",
        "start-policy-generation",
        "--region",
        "us-west-2",
        "--policy-generation-details",
        json.dumps({"principalArn": APP}),
        "--cloud-trail-details",
        json.dumps(details),
    )
    assert list(started) == ["jobId"]

    got = aws_cli(
        "accessanalyzer",
        "get-generated-policy",
        "--region",
        "us-west-2",
        "--job-id",
        started["jobId"],
        "--include-resource-placeholders",
    )
    # awscli v1 prints the body's iso8601 timestamps as received (the codec writes them to the
    # millisecond with a Z).
    assert got["jobDetails"] == {
        "jobId": started["jobId"],
        "status": "SUCCEEDED",
        "startedOn": "2026-06-10T12:00:00.000Z",
        "completedOn": "2026-06-10T12:00:00.000Z",
    }
    assert got["generatedPolicyResult"]["properties"] == {
        "isComplete": True,
        "principalArn": APP,
        "cloudTrailProperties": {
            "trailProperties": [{"cloudTrailArn": TRAIL, "regions": [], "allRegions": True}],
            "startTime": "2026-06-01T00:30:00.000Z",
            "endTime": "2026-06-10T12:00:00.000Z",
        },
    }
    (entry,) = got["generatedPolicyResult"]["generatedPolicies"]
    assert json.loads(entry["policy"])["Statement"] == [
        {
            "Sid": "SupportedServiceSid0",
            "Effect": "Allow",
            "Action": "kms:ListAliases",
            "Resource": "*",
        },
        {
            "Sid": "SupportedServiceSid1",
            "Effect": "Allow",
            "Action": "s3:CreateBucket",
            "Resource": "arn:aws:s3:::${BucketName}",
        },
    ]

    listed = aws_cli("accessanalyzer", "list-policy-generations", "--region", "us-west-2")
    assert [row["jobId"] for row in listed["policyGenerations"]] == [started["jobId"]]
