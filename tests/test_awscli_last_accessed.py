"""The AWS CLI v1 driver, in process, runs the last-accessed commands unchanged against the mock.

In this pytest process botocore is imported before awscli, so the CLI uses the installed
botocore (not the copy awscli ships); see tests/test_awscli.py for both import orders.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from support import ALICE

from iam_access_mock import AccessMock

clidriver = pytest.importorskip("awscli.clidriver")

NOW = datetime(2026, 3, 1, 12, 0, 7, 123456, tzinfo=timezone.utc)
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "iam:GetUser"], "Resource": "*"}
        ],
    }
)


@pytest.fixture
def cli(aws_cli: Any, access_mock: AccessMock) -> Any:
    """The in-process CLI (conftest's ``aws_cli``) with the clock pinned at NOW."""
    access_mock.clock.set(NOW)
    return aws_cli


def test_cli_generates_and_reads_a_report(cli: Any, access_mock: AccessMock) -> None:
    iam = boto3.client("iam")
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="p", PolicyDocument=POLICY)
    access_mock.record_access(
        ALICE,
        "s3:GetObject",
        at=datetime(2026, 2, 14, 9, 30, 45, tzinfo=timezone.utc),
        region="eu-west-1",
    )

    generated = cli(
        "iam",
        "generate-service-last-accessed-details",
        "--arn",
        ALICE,
        "--granularity",
        "ACTION_LEVEL",
    )
    assert list(generated) == ["JobId"]
    job_id = generated["JobId"]

    report = cli("iam", "get-service-last-accessed-details", "--job-id", job_id)
    assert report["JobStatus"] == "COMPLETED"
    assert report["JobType"] == "ACTION_LEVEL"
    assert report["IsTruncated"] is False
    # awscli v1 prints timestamps as received: the Query wire form, to the millisecond
    # (observed wire form: 2026-09-11T15:26:19.516Z; pending_query_* cases).
    assert report["JobCreationDate"] == "2026-03-01T12:00:07.123Z"
    assert report["JobCompletionDate"] == "2026-03-01T12:00:07.123Z"
    iam_row, s3_row = report["ServicesLastAccessed"]
    assert iam_row == {
        "ServiceName": "AWS Identity and Access Management",
        "ServiceNamespace": "iam",
        "TotalAuthenticatedEntities": 0,
        "TrackedActionsLastAccessed": [{"ActionName": "GetUser"}],
    }
    assert s3_row == {
        "ServiceName": "Amazon S3",
        "ServiceNamespace": "s3",
        "LastAuthenticated": "2026-02-14T09:30:00.000Z",
        "LastAuthenticatedEntity": ALICE,
        "LastAuthenticatedRegion": "eu-west-1",
        "TotalAuthenticatedEntities": 1,
    }

    entities = cli(
        "iam",
        "get-service-last-accessed-details-with-entities",
        "--job-id",
        job_id,
        "--service-namespace",
        "s3",
    )
    assert entities["JobStatus"] == "COMPLETED"
    assert "JobType" not in entities
    (entry,) = entities["EntityDetailsList"]
    assert entry["EntityInfo"] == {
        "Arn": ALICE,
        "Name": "alice",
        "Type": "USER",
        "Id": iam.get_user(UserName="alice")["User"]["UserId"],
        "Path": "/",
    }
    assert entry["LastAuthenticated"] == "2026-02-14T09:30:00.000Z"


def test_cli_sees_an_in_progress_job(cli: Any, access_mock: AccessMock) -> None:
    boto3.client("iam").create_user(UserName="alice")
    access_mock.jobs.complete_after(polls=1)
    job_id = cli("iam", "generate-service-last-accessed-details", "--arn", ALICE)["JobId"]
    report = cli("iam", "get-service-last-accessed-details", "--job-id", job_id)
    assert set(report) == {"JobStatus", "JobCreationDate", "IsTruncated"}
    assert report["JobStatus"] == "IN_PROGRESS"
    assert (
        cli("iam", "get-service-last-accessed-details", "--job-id", job_id)["ServicesLastAccessed"]
        == []
    )
