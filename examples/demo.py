"""A short tour of iam-access-mock: build an account, produce activity, ask Access Advisor.

Run: python examples/demo.py
"""

import json
from datetime import datetime, timedelta, timezone

import boto3

from iam_access_mock import mock_access

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListAllMyBuckets"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["dynamodb:*", "iam:GetUser"], "Resource": "*"},
    ],
}

with mock_access() as aws:
    aws.clock.set(datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc))
    iam = boto3.client("iam")
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="app", PolicyDocument=json.dumps(POLICY))

    # Activity, two ways: a call made with alice's own access key is recorded automatically...
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    as_alice = boto3.client(
        "iam", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )
    as_alice.get_user()
    # ...and an access can be recorded directly, at any time and region.
    aws.record_access(
        "arn:aws:iam::123456789012:user/alice", "s3:GetObject", at=aws.clock.now() - timedelta(days=3),
        region="eu-west-1",
    )

    job_id = iam.generate_service_last_accessed_details(
        Arn="arn:aws:iam::123456789012:user/alice", Granularity="ACTION_LEVEL"
    )["JobId"]
    report = iam.get_service_last_accessed_details(JobId=job_id)
    print(f"Job {report['JobStatus']}, {len(report['ServicesLastAccessed'])} services allowed:")
    for row in report["ServicesLastAccessed"]:
        when = row.get("LastAuthenticated")
        used = f"last used {when:%Y-%m-%d %H:%M} in {row['LastAuthenticatedRegion']}" if when else "never used"
        print(f"  {row['ServiceNamespace']:<10} {row['ServiceName']:<40} {used}")
    unused = [r["ServiceNamespace"] for r in report["ServicesLastAccessed"] if not r["TotalAuthenticatedEntities"]]
    print("Candidates for removal:", ", ".join(unused) or "none")
