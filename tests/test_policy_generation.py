"""IAM Access Analyzer policy generation through boto3: the generated policy, the window, the
trails' Regions, placeholders, the service-level template, splitting, jobs, quotas, errors.

Facts come from /work/shared/reference/aws-semantics.md §3 (the two published outputs, the
model, the quotas page); rules the mock chose are in docs/fidelity.md.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from support import ACCOUNT, client_for, document

from iam_access_mock import AccessMock, mock_access
from iam_access_mock.policy import catalogue

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=timezone.utc)
WEEK_AGO = NOW - timedelta(days=7)
APP = f"arn:aws:iam::{ACCOUNT}:role/app"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
ACCESS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AccessAnalyzerMonitorServiceRole"
TRAIL = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/main"
TRUST_ACCESS_ANALYZER = document(
    {
        "Effect": "Allow",
        "Principal": {"Service": "access-analyzer.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
)
TRUST_EC2 = document(
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
)


@pytest.fixture
def aa(access_mock: AccessMock) -> Any:
    """An Access Analyzer client in us-east-1; the clock pinned at NOW; the principals alice
    and app and the access role exist."""
    access_mock.clock.set(NOW)
    iam = boto3.client("iam")
    iam.create_user(UserName="alice")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST_EC2)
    iam.create_role(
        RoleName="AccessAnalyzerMonitorServiceRole",
        Path="/service-role/",
        AssumeRolePolicyDocument=TRUST_ACCESS_ANALYZER,
    )
    return boto3.client("accessanalyzer", region_name="us-east-1")


def trail(arn: str = TRAIL, regions: list[str] | None = None) -> dict[str, Any]:
    return (
        {"cloudTrailArn": arn, "allRegions": True}
        if regions is None
        else {"cloudTrailArn": arn, "regions": regions}
    )


def start(
    aa: Any,
    principal: str = APP,
    since: datetime = WEEK_AGO,
    until: datetime | None = None,
    trails: list[dict[str, Any]] | None = None,
    access_role: str = ACCESS_ROLE,
    **extra: Any,
) -> str:
    details: dict[str, Any] = {
        "accessRole": access_role,
        "startTime": since,
        "trails": [trail()] if trails is None else trails,
    }
    if until is not None:
        details["endTime"] = until
    response = aa.start_policy_generation(
        policyGenerationDetails={"principalArn": principal}, cloudTrailDetails=details, **extra
    )
    return str(response["jobId"])


def policies(aa: Any, job_id: str, **flags: bool) -> list[dict[str, Any]]:
    """The generated policy documents of a SUCCEEDED job, parsed."""
    result = aa.get_generated_policy(jobId=job_id, **flags)
    assert result["jobDetails"]["status"] == "SUCCEEDED", result["jobDetails"]
    return [
        json.loads(entry["policy"])
        for entry in result["generatedPolicyResult"]["generatedPolicies"]
    ]


def actions_of(aa: Any, job_id: str, **flags: bool) -> list[str]:
    """Every Action of the job's single default-form statement (Resource "*"); [] if no
    policy was generated."""
    found = policies(aa, job_id, **flags)
    if not found:
        return []
    (policy,) = found
    (only,) = policy["Statement"]
    assert only["Resource"] == "*"
    return [only["Action"]] if isinstance(only["Action"], str) else only["Action"]


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> dict[str, Any]:
    response = excinfo.value.response
    return {
        "code": response["Error"]["Code"],
        "status": response["ResponseMetadata"]["HTTPStatusCode"],
        "message": response["Error"]["Message"],
        **{
            key: value
            for key, value in response.items()
            if key not in ("Error", "ResponseMetadata")
        },
    }


def at(days: float = 0, **delta: float) -> datetime:
    """NOW minus ``days`` (and other timedelta arguments)."""
    return NOW - timedelta(days=days, **delta)


# ---- the generated policy ------------------------------------------------------------------


def test_a_roles_calls_across_services_and_regions_give_one_statement(
    aa: Any, access_mock: AccessMock
) -> None:
    sts = boto3.client("sts")
    credentials = sts.assume_role(RoleArn=APP, RoleSessionName="deploy")["Credentials"]
    client_for("sts", credentials).get_caller_identity()
    client_for("iam", credentials).get_role(RoleName="app")
    for service, region, call in (
        ("s3", "us-east-1", "list_buckets"),
        ("ec2", "eu-west-1", "describe_regions"),
        ("kms", "eu-west-1", "list_aliases"),
        ("secretsmanager", "ap-southeast-2", "list_secrets"),
    ):
        with pytest.raises(ClientError):  # not served, but recorded as the session's attempt
            getattr(client_for(service, credentials, region), call)()

    job_id = start(aa)

    result = aa.get_generated_policy(jobId=job_id)
    assert result["jobDetails"]["status"] == "SUCCEEDED"
    (entry,) = result["generatedPolicyResult"]["generatedPolicies"]
    # Compact JSON, keys in Access Analyzer's order, actions sorted (published output).
    assert entry["policy"] == (
        '{"Version":"2012-10-17","Statement":[{"Sid":"SupportedServiceSid0","Effect":"Allow",'
        '"Action":["ec2:DescribeRegions","iam:GetRole","kms:ListAliases","s3:ListAllMyBuckets",'
        '"secretsmanager:ListSecrets","sts:GetCallerIdentity"],"Resource":"*"}]}'
    )
    properties = result["generatedPolicyResult"]["properties"]
    assert properties["principalArn"] == APP
    assert properties["isComplete"] is True


def test_the_job_details_and_properties(aa: Any, access_mock: AccessMock) -> None:
    access_mock.record_access(APP, "iam:GetUser", at=at(1))
    job_id = start(aa, since=at(3))
    result = aa.get_generated_policy(jobId=job_id)
    del result["ResponseMetadata"], result["generatedPolicyResult"]["generatedPolicies"]
    # endTime, omitted, is the time of the request; regions [] with allRegions (published).
    assert result == {
        "jobDetails": {
            "jobId": job_id,
            "status": "SUCCEEDED",
            "startedOn": NOW,
            "completedOn": NOW,
        },
        "generatedPolicyResult": {
            "properties": {
                "isComplete": True,
                "principalArn": APP,
                "cloudTrailProperties": {
                    "trailProperties": [
                        {"cloudTrailArn": TRAIL, "regions": [], "allRegions": True}
                    ],
                    "startTime": at(3),
                    "endTime": NOW,
                },
            }
        },
    }


def test_a_user_and_a_roles_sessions_each_get_their_own_actions(
    aa: Any, access_mock: AccessMock
) -> None:
    access_mock.record_access(ALICE, "iam:ListUsers", at=at(1))
    access_mock.record_access(
        f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1", "iam:ListRoles", at=at(1)
    )
    access_mock.record_access(
        f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s2", "iam:GetRole", at=at(2)
    )
    assert actions_of(aa, start(aa, principal=ALICE)) == ["iam:ListUsers"]
    assert actions_of(aa, start(aa)) == ["iam:GetRole", "iam:ListRoles"]


def test_a_principal_with_no_activity_gets_no_policy(aa: Any) -> None:
    result = aa.get_generated_policy(jobId=start(aa))
    assert result["generatedPolicyResult"]["generatedPolicies"] == []
    assert result["generatedPolicyResult"]["properties"]["isComplete"] is True


def test_a_path_in_the_principal_arn_is_ignored_and_echoed(
    aa: Any, access_mock: AccessMock
) -> None:
    access_mock.record_access(APP, "iam:GetRole", at=at(1))
    arn = f"arn:aws:iam::{ACCOUNT}:role/some/path/app"
    job_id = start(aa, principal=arn)
    assert actions_of(aa, job_id) == ["iam:GetRole"]
    assert (
        aa.get_generated_policy(jobId=job_id)["generatedPolicyResult"]["properties"]["principalArn"]
        == arn
    )


# ---- the window ----------------------------------------------------------------------------


def test_the_window_includes_both_ends_to_the_microsecond(aa: Any, access_mock: AccessMock) -> None:
    since, until = at(5), at(2)
    micro = timedelta(microseconds=1)
    access_mock.record_access(APP, "iam:ListUsers", at=since - micro)  # before: left out
    access_mock.record_access(APP, "iam:GetUser", at=since)  # first instant: in
    access_mock.record_access(APP, "iam:GetRole", at=until)  # last instant: in
    access_mock.record_access(APP, "iam:ListRoles", at=until + micro)  # after: left out
    assert actions_of(aa, start(aa, since=since, until=until)) == ["iam:GetRole", "iam:GetUser"]


def test_an_action_used_in_the_window_and_again_after_it_is_kept(
    aa: Any, access_mock: AccessMock
) -> None:
    # The latest access (after the window) alone would hide the one inside it.
    access_mock.record_access(APP, "iam:GetUser", at=at(20), region="us-east-1")
    access_mock.record_access(APP, "iam:GetUser", at=at(1), region="us-east-1")
    access_mock.record_access(APP, "ec2:DescribeRegions", at=at(30), region="eu-west-1")
    access_mock.record_access(APP, "ec2:DescribeRegions", at=at(20), region="us-west-2")
    access_mock.record_access(APP, "ec2:DescribeRegions", at=at(1), region="eu-west-1")
    window = {"since": at(25), "until": at(15)}
    assert actions_of(aa, start(aa, **window)) == ["ec2:DescribeRegions", "iam:GetUser"]
    # ... and only in the Region it was used in then.
    only_eu = start(aa, **window, trails=[trail(regions=["eu-west-1"])])
    assert actions_of(aa, only_eu) == []
    assert (
        aa.get_generated_policy(jobId=only_eu)["generatedPolicyResult"]["generatedPolicies"] == []
    )


def test_accesses_recorded_out_of_order_are_all_kept(aa: Any, access_mock: AccessMock) -> None:
    for days in (1, 9, 5, 30, 5, 12):
        access_mock.record_access(APP, "iam:GetUser", at=at(days))
    assert actions_of(aa, start(aa, since=at(6), until=at(4))) == ["iam:GetUser"]
    assert actions_of(aa, start(aa, since=at(29), until=at(13))) == []


# ---- trails and Regions --------------------------------------------------------------------


def test_only_the_regions_asked_for_count(aa: Any, access_mock: AccessMock) -> None:
    access_mock.record_access(APP, "ec2:DescribeInstances", at=at(1), region="eu-west-1")
    access_mock.record_access(APP, "ec2:DescribeVolumes", at=at(1), region="us-west-2")
    access_mock.record_access(APP, "iam:GetRole", at=at(1), region="us-east-1")
    job_id = start(aa, trails=[trail(regions=["eu-west-1", "us-east-1"])])
    assert actions_of(aa, job_id) == ["ec2:DescribeInstances", "iam:GetRole"]
    properties = aa.get_generated_policy(jobId=job_id)["generatedPolicyResult"]["properties"]
    assert properties["cloudTrailProperties"]["trailProperties"] == [
        {"cloudTrailArn": TRAIL, "regions": ["eu-west-1", "us-east-1"], "allRegions": False}
    ]


def test_a_declared_trail_logs_only_its_regions_and_trails_add_up(
    aa: Any, access_mock: AccessMock
) -> None:
    west = f"arn:aws:cloudtrail:us-west-2:{ACCOUNT}:trail/west"
    access_mock.add_trail(TRAIL, regions=["us-east-1"])
    access_mock.add_trail(west, regions=["us-west-2"])
    access_mock.record_access(APP, "ec2:DescribeInstances", at=at(1), region="eu-west-1")
    access_mock.record_access(APP, "ec2:DescribeVolumes", at=at(1), region="us-west-2")
    access_mock.record_access(APP, "iam:GetRole", at=at(1), region="us-east-1")
    assert actions_of(aa, start(aa)) == ["iam:GetRole"]
    assert actions_of(aa, start(aa, trails=[trail(), trail(west)])) == [
        "ec2:DescribeVolumes",
        "iam:GetRole",
    ]
    # Asking a trail for a Region it does not log finds nothing there.
    assert actions_of(aa, start(aa, trails=[trail(regions=["eu-west-1"])])) == []


def test_an_organization_trail_of_another_account_must_be_declared(
    aa: Any, access_mock: AccessMock
) -> None:
    org_trail = "arn:aws:cloudtrail:us-east-1:999988887777:trail/org"
    access_mock.record_access(APP, "iam:GetRole", at=at(1))
    failed = aa.get_generated_policy(jobId=start(aa, trails=[trail(org_trail)]))
    assert failed["jobDetails"]["status"] == "FAILED"
    assert failed["jobDetails"]["jobError"] == {
        "code": "RESOURCE_NOT_FOUND_ERROR",
        "message": f"The trail {org_trail} was not found.",
    }
    access_mock.add_trail(org_trail)
    assert actions_of(aa, start(aa, trails=[trail(org_trail)])) == ["iam:GetRole"]


def test_once_an_account_declares_a_trail_only_its_trails_exist(
    aa: Any, access_mock: AccessMock
) -> None:
    access_mock.add_trail(f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/declared")
    result = aa.get_generated_policy(jobId=start(aa))  # TRAIL was not declared
    assert result["jobDetails"]["jobError"]["code"] == "RESOURCE_NOT_FOUND_ERROR"
    assert "generatedPolicies" not in result["generatedPolicyResult"]


# ---- placeholders --------------------------------------------------------------------------


def test_resource_placeholders_follow_the_required_resource_types(
    aa: Any, access_mock: AccessMock
) -> None:
    for action in (
        "s3:CreateBucket",  # requires a bucket
        "s3:PutBucketPolicy",  # requires a bucket
        "s3:ListAllMyBuckets",  # no resource type: "*"
        "ec2:StartInstances",  # requires an instance
        "ec2:DescribeInstances",  # no resource type: "*"
        "sts:GetCallerIdentity",
    ):
        access_mock.record_access(APP, action, at=at(1))
    (policy,) = policies(aa, start(aa), includeResourcePlaceholders=True)
    # Actions that take only "*" first; then one statement per ARN template, sorted; the
    # partition written, ${Region}, ${Account} and the names left as placeholders; one
    # action is a string.
    assert policy == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "SupportedServiceSid0",
                "Effect": "Allow",
                "Action": ["ec2:DescribeInstances", "s3:ListAllMyBuckets", "sts:GetCallerIdentity"],
                "Resource": "*",
            },
            {
                "Sid": "SupportedServiceSid1",
                "Effect": "Allow",
                "Action": "ec2:StartInstances",
                "Resource": "arn:aws:ec2:${Region}:${Account}:instance/${InstanceId}",
            },
            {
                "Sid": "SupportedServiceSid2",
                "Effect": "Allow",
                "Action": ["s3:CreateBucket", "s3:PutBucketPolicy"],
                "Resource": "arn:aws:s3:::${BucketName}",
            },
        ],
    }


def test_an_action_requiring_several_resource_types_is_in_each_statement(
    aa: Any, access_mock: AccessMock
) -> None:
    access_mock.record_access(APP, "ec2:RunInstances", at=at(1))
    (policy,) = policies(aa, start(aa), includeResourcePlaceholders=True)
    required = catalogue.action_required_arn_templates("ec2", "RunInstances")
    assert required  # the catalogue lists RunInstances' required resource types
    resources = [item["Resource"] for item in policy["Statement"]]
    assert resources == sorted(template.replace("${Partition}", "aws") for template in required)
    assert all(item["Action"] == "ec2:RunInstances" for item in policy["Statement"])
    assert [item["Sid"] for item in policy["Statement"]] == [
        f"SupportedServiceSid{n}" for n in range(len(required))
    ]


def test_the_flags_are_read_per_request(aa: Any, access_mock: AccessMock) -> None:
    access_mock.record_access(APP, "ec2:StartInstances", at=at(1))
    job_id = start(aa)
    assert actions_of(aa, job_id) == ["ec2:StartInstances"]
    (with_placeholders,) = policies(aa, job_id, includeResourcePlaceholders=True)
    assert with_placeholders["Statement"][0]["Resource"].startswith("arn:aws:ec2:${Region}")
    assert actions_of(aa, job_id, includeResourcePlaceholders=False) == ["ec2:StartInstances"]


# ---- data events, unmapped names and the service-level template ----------------------------


def test_s3_data_events_are_not_identified_at_action_level(
    aa: Any, access_mock: AccessMock
) -> None:
    for action in ("s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:GetBucketLocation"):
        access_mock.record_access(APP, action, at=at(1))
    job_id = start(aa)
    assert actions_of(aa, job_id) == ["s3:GetBucketLocation"]
    properties = aa.get_generated_policy(jobId=job_id)["generatedPolicyResult"]["properties"]
    assert properties["isComplete"] is False


def test_the_service_level_template_covers_services_with_no_identified_action(
    aa: Any, access_mock: AccessMock
) -> None:
    access_mock.record_access(APP, "s3:GetObject", at=at(1))  # data event only
    access_mock.record_access(APP, "iam:GetRole", at=at(1))
    access_mock.record_access(APP, "kms:Decrypt", at=at(200))  # before the window
    access_mock.record_access(APP, "sqs:ListQueues", at=at(401))  # past IAM's 400 days
    job_id = start(aa)
    assert actions_of(aa, job_id) == ["iam:GetRole"]
    (policy,) = policies(aa, job_id, includeServiceLevelTemplate=True)
    assert policy["Statement"] == [
        {
            "Sid": "SupportedServiceSid0",
            "Effect": "Allow",
            "Action": "iam:GetRole",
            "Resource": "*",
        },
        {
            "Sid": "ServiceLevelTemplateSid0",
            "Effect": "Allow",
            "Action": ["kms:*", "s3:*"],
            "Resource": "*",
        },
    ]


def test_cloudtrail_events_that_map_to_no_action_are_reported(
    aa: Any, access_mock: AccessMock
) -> None:
    role = {
        "type": "AssumedRole",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s",
        "accountId": ACCOUNT,
        "sessionContext": {"sessionIssuer": {"type": "Role", "arn": APP, "accountId": ACCOUNT}},
    }
    when = at(1).strftime("%Y-%m-%dT%H:%M:%SZ")
    loaded = access_mock.load_cloudtrail(
        [
            {
                "eventTime": when,
                "eventSource": "apigateway.amazonaws.com",
                "eventName": "GetRestApis",
                "awsRegion": "us-east-1",
                "userIdentity": role,
                "eventType": "AwsApiCall",
            },
            {
                "eventTime": when,
                "eventSource": "iam.amazonaws.com",
                "eventName": "GetRole",
                "awsRegion": "us-east-1",
                "userIdentity": role,
                "eventType": "AwsApiCall",
            },
        ]
    )
    assert loaded == 2
    job_id = start(aa)
    # apigateway's GetRestApis is authorized as an HTTP verb: no action can be written for it.
    assert actions_of(aa, job_id) == ["iam:GetRole"]
    result = aa.get_generated_policy(jobId=job_id, includeServiceLevelTemplate=True)
    assert result["generatedPolicyResult"]["properties"]["isComplete"] is False
    (policy,) = (
        json.loads(p["policy"]) for p in result["generatedPolicyResult"]["generatedPolicies"]
    )
    assert policy["Statement"][-1]["Action"] == "apigateway:*"


def test_without_cloudtrail_details_only_the_service_level_data_is_used(
    aa: Any, access_mock: AccessMock
) -> None:
    access_mock.record_access(APP, "iam:GetRole", at=at(1))
    job_id = aa.start_policy_generation(policyGenerationDetails={"principalArn": APP})["jobId"]
    result = aa.get_generated_policy(jobId=job_id, includeServiceLevelTemplate=True)
    assert "cloudTrailProperties" not in result["generatedPolicyResult"]["properties"]
    (entry,) = result["generatedPolicyResult"]["generatedPolicies"]
    assert json.loads(entry["policy"])["Statement"] == [
        {"Sid": "ServiceLevelTemplateSid0", "Effect": "Allow", "Action": "iam:*", "Resource": "*"}
    ]
    assert aa.get_generated_policy(jobId=job_id)["generatedPolicyResult"]["generatedPolicies"] == []


# ---- splitting -----------------------------------------------------------------------------


def test_a_large_policy_is_split_into_policies_of_at_most_6144_characters(
    aa: Any, access_mock: AccessMock
) -> None:
    used = sorted(f"ec2:{name}" for name in catalogue.actions("ec2") if name.startswith("Describe"))
    assert len(used) > 150  # enough to need more than one policy
    access_mock.record_accesses((APP, action, at(1)) for action in used)
    result = aa.get_generated_policy(jobId=start(aa))
    texts = [entry["policy"] for entry in result["generatedPolicyResult"]["generatedPolicies"]]
    assert len(texts) >= 2
    assert all(len(text) <= 6144 for text in texts)
    statements = [item for text in texts for item in json.loads(text)["Statement"]]
    assert [item["Sid"] for item in statements] == [
        f"SupportedServiceSid{n}" for n in range(len(statements))
    ]
    assert [action for item in statements for action in item["Action"]] == used
    assert all(item["Resource"] == "*" for item in statements)
    # The first policy is filled up before the next one starts.
    assert len(texts[0]) > 6144 - len(max(used, key=len)) - 10


# ---- the same activity from CloudTrail logs ------------------------------------------------


def _calls(credentials: dict[str, Any]) -> None:
    client_for("sts", credentials).get_caller_identity()
    client_for("iam", credentials).list_roles()
    for service, region, call, kwargs in (
        ("s3", "us-east-1", "list_buckets", {}),
        ("s3", "us-east-1", "get_object", {"Bucket": "reports", "Key": "q1.csv"}),
        ("ec2", "eu-west-1", "describe_regions", {}),
        ("lambda", "eu-west-1", "list_functions", {}),
    ):
        with pytest.raises(ClientError):
            getattr(client_for(service, credentials, region), call)(**kwargs)


def _cloudtrail_log(root: Path) -> None:
    """The same calls, as CloudTrail delivers them: gzipped, under AWSLogs/ACCOUNT/CloudTrail."""
    identity = {
        "type": "AssumedRole",
        "principalId": "AROAEXAMPLEID:deploy",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/app/deploy",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAEXAMPLE",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAEXAMPLEID",
                "arn": APP,
                "accountId": ACCOUNT,
                "userName": "app",
            },
            "attributes": {"creationDate": "2026-06-10T11:00:00Z", "mfaAuthenticated": "false"},
        },
    }
    events = [
        ("us-east-1", "sts.amazonaws.com", "GetCallerIdentity", "Management"),
        ("us-east-1", "iam.amazonaws.com", "ListRoles", "Management"),
        ("us-east-1", "s3.amazonaws.com", "ListBuckets", "Management"),
        ("us-east-1", "s3.amazonaws.com", "GetObject", "Data"),
        ("eu-west-1", "ec2.amazonaws.com", "DescribeRegions", "Management"),
        ("eu-west-1", "lambda.amazonaws.com", "ListFunctions20150331", "Management"),
    ]
    for region in ("us-east-1", "eu-west-1"):
        records = [
            {
                "eventVersion": "1.09",
                "userIdentity": identity,
                "eventTime": "2026-06-10T11:30:00Z",
                "eventSource": source,
                "eventName": name,
                "awsRegion": region,
                "sourceIPAddress": "192.0.2.10",
                "userAgent": "Boto3/1.40.15",
                "requestParameters": None,
                "responseElements": None,
                "requestID": f"req-{number}",
                "eventID": f"evt-{number}",
                "readOnly": True,
                "eventType": "AwsApiCall",
                "managementEvent": category == "Management",
                "recipientAccountId": ACCOUNT,
                "eventCategory": category,
            }
            for number, (where, source, name, category) in enumerate(events)
            if where == region
        ]
        folder = root / "AWSLogs" / ACCOUNT / "CloudTrail" / region / "2026" / "06" / "10"
        folder.mkdir(parents=True)
        name = f"{ACCOUNT}_CloudTrail_{region}_20260610T1130Z_EXAMPLE.json.gz"
        (folder / name).write_bytes(gzip.compress(json.dumps({"Records": records}).encode()))


def _generated(placeholders: bool) -> str:
    aa = boto3.client("accessanalyzer", region_name="us-east-1")
    job_id = start(aa)
    result = aa.get_generated_policy(
        jobId=job_id, includeResourcePlaceholders=placeholders, includeServiceLevelTemplate=True
    )
    return json.dumps(result["generatedPolicyResult"]["generatedPolicies"])


def _world(aws: AccessMock) -> None:
    aws.clock.set(NOW)
    iam = boto3.client("iam")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST_EC2)
    iam.create_role(
        RoleName="AccessAnalyzerMonitorServiceRole",
        Path="/service-role/",
        AssumeRolePolicyDocument=TRUST_ACCESS_ANALYZER,
    )


@pytest.mark.parametrize("placeholders", [False, True])
def test_a_cloudtrail_log_gives_the_same_policy_as_the_same_calls(
    tmp_path: Path, placeholders: bool
) -> None:
    with mock_access() as aws:
        _world(aws)
        aws.clock.set(NOW - timedelta(minutes=30))
        credentials = boto3.client("sts").assume_role(RoleArn=APP, RoleSessionName="deploy")[
            "Credentials"
        ]
        _calls(credentials)
        aws.clock.set(NOW)
        from_calls = _generated(placeholders)
    _cloudtrail_log(tmp_path)
    with mock_access() as aws:
        _world(aws)
        loaded = aws.load_cloudtrail(tmp_path)
        assert (loaded.taken, loaded.files) == (6, 2)
        from_logs = _generated(placeholders)
    assert from_logs == from_calls
    statements = [s for p in json.loads(from_logs) for s in json.loads(p["policy"])["Statement"]]
    actions = {
        a
        for s in statements
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert {
        "sts:GetCallerIdentity",
        "iam:ListRoles",
        "s3:ListAllMyBuckets",
        "ec2:DescribeRegions",
        "lambda:ListFunctions",
    } <= actions
    assert "s3:GetObject" not in actions


# ---- jobs ----------------------------------------------------------------------------------


def test_a_job_is_in_progress_until_its_reads_are_spent(aa: Any, access_mock: AccessMock) -> None:
    access_mock.record_access(APP, "iam:GetRole", at=at(1))
    access_mock.jobs.complete_after(polls=1)
    job_id = start(aa)
    first = aa.get_generated_policy(jobId=job_id)
    assert first["jobDetails"] == {"jobId": job_id, "status": "IN_PROGRESS", "startedOn": NOW}
    assert "generatedPolicies" not in first["generatedPolicyResult"]
    assert first["generatedPolicyResult"]["properties"]["principalArn"] == APP
    access_mock.clock.advance(timedelta(minutes=2))
    second = aa.get_generated_policy(jobId=job_id)
    assert second["jobDetails"]["status"] == "SUCCEEDED"
    assert second["jobDetails"]["completedOn"] == NOW + timedelta(minutes=2)
    assert len(second["generatedPolicyResult"]["generatedPolicies"]) == 1


def test_a_job_can_take_time_on_the_mock_clock(aa: Any, access_mock: AccessMock) -> None:
    access_mock.jobs.complete_after(duration=timedelta(minutes=5))
    job_id = start(aa)
    assert aa.get_generated_policy(jobId=job_id)["jobDetails"]["status"] == "IN_PROGRESS"
    access_mock.clock.advance(timedelta(minutes=6))
    details = aa.get_generated_policy(jobId=job_id)["jobDetails"]
    assert (details["status"], details["completedOn"]) == ("SUCCEEDED", NOW + timedelta(minutes=5))


@pytest.mark.parametrize(
    ("code", "answered"),
    [
        ("SERVICE_QUOTA_EXCEEDED_ERROR", "SERVICE_QUOTA_EXCEEDED_ERROR"),
        ("AUTHORIZATION_ERROR", "AUTHORIZATION_ERROR"),
        ("ServiceFailure", "SERVICE_ERROR"),  # not a JobErrorCode
    ],
)
def test_fail_next_sets_the_job_error(
    aa: Any, access_mock: AccessMock, code: str, answered: str
) -> None:
    access_mock.jobs.fail_next(code, "More than 100,000 log files.")
    result = aa.get_generated_policy(jobId=start(aa))
    assert result["jobDetails"]["status"] == "FAILED"
    assert result["jobDetails"]["completedOn"] == NOW
    assert result["jobDetails"]["jobError"] == {
        "code": answered,
        "message": "More than 100,000 log files.",
    }
    assert "generatedPolicies" not in result["generatedPolicyResult"]


def test_an_access_role_that_is_missing_or_does_not_trust_access_analyzer_fails_the_job(
    aa: Any,
) -> None:
    missing = f"arn:aws:iam::{ACCOUNT}:role/missing"
    boto3.client("iam").create_role(RoleName="ec2-only", AssumeRolePolicyDocument=TRUST_EC2)
    untrusting = f"arn:aws:iam::{ACCOUNT}:role/ec2-only"
    for role, why in (
        (missing, "the role does not exist"),
        (untrusting, "its trust policy does not allow"),
    ):
        error = aa.get_generated_policy(jobId=start(aa, access_role=role))["jobDetails"]["jobError"]
        assert error["code"] == "AUTHORIZATION_ERROR"
        assert role in error["message"] and why in error["message"]


def test_a_trust_policy_with_a_wildcard_action_or_a_list_of_services_is_enough(aa: Any) -> None:
    trust = document(
        {
            "Effect": "Allow",
            "Principal": {"Service": ["ec2.amazonaws.com", "access-analyzer.amazonaws.com"]},
            "Action": ["sts:Assume*"],
        }
    )
    boto3.client("iam").create_role(RoleName="shared", AssumeRolePolicyDocument=trust)
    job_id = start(aa, access_role=f"arn:aws:iam::{ACCOUNT}:role/shared")
    assert aa.get_generated_policy(jobId=job_id)["jobDetails"]["status"] == "SUCCEEDED"


def test_cancel_a_running_job(aa: Any, access_mock: AccessMock) -> None:
    access_mock.jobs.complete_after(polls=5)
    job_id = start(aa)
    access_mock.clock.advance(timedelta(seconds=30))
    response = aa.cancel_policy_generation(jobId=job_id)
    assert list(response) == ["ResponseMetadata"]
    details = aa.get_generated_policy(jobId=job_id)["jobDetails"]
    assert details == {
        "jobId": job_id,
        "status": "CANCELED",
        "startedOn": NOW,
        "completedOn": NOW + timedelta(seconds=30),
    }
    aa.cancel_policy_generation(jobId=job_id)  # again: idempotent
    # Canceled, it no longer blocks a new generation.
    start(aa)


def test_a_finished_or_unknown_job_cannot_be_canceled(aa: Any) -> None:
    job_id = start(aa)  # jobs complete at once by default
    with pytest.raises(ClientError) as excinfo:
        aa.cancel_policy_generation(jobId=job_id)
    error = error_of(excinfo)
    assert (error["code"], error["status"], error["reason"]) == (
        "ValidationException",
        400,
        "fieldValidationFailed",
    )
    assert (
        error["message"]
        == f"The policy generation job {job_id} is SUCCEEDED and cannot be canceled."
    )
    with pytest.raises(ClientError) as excinfo:
        aa.cancel_policy_generation(jobId="c557dc4a-0338-4489-95dd-739014860ff9")
    assert error_of(excinfo)["code"] == "ValidationException"


def test_an_unknown_or_expired_job_is_a_validation_exception(
    aa: Any, access_mock: AccessMock
) -> None:
    job_id = start(aa)
    with pytest.raises(ClientError) as excinfo:
        aa.get_generated_policy(jobId="no-such-job")
    error = error_of(excinfo)
    assert (error["code"], error["status"]) == ("ValidationException", 400)
    assert error["fieldList"] == [
        {"name": "jobId", "message": "no such job in this account and Region"}
    ]
    access_mock.clock.advance(timedelta(days=7, seconds=1))
    with pytest.raises(ClientError):
        aa.get_generated_policy(jobId=job_id)


def test_generations_are_regional(aa: Any) -> None:
    job_id = start(aa)
    europe = boto3.client("accessanalyzer", region_name="eu-west-1")
    with pytest.raises(ClientError) as excinfo:
        europe.get_generated_policy(jobId=job_id)
    assert error_of(excinfo)["code"] == "ValidationException"
    assert europe.list_policy_generations()["policyGenerations"] == []
    start(europe)  # the other Region's running generation does not count here


# ---- idempotency ---------------------------------------------------------------------------


def test_a_retry_with_the_same_client_token_returns_the_same_job(
    aa: Any, access_mock: AccessMock
) -> None:
    access_mock.jobs.complete_after(polls=3)
    first = start(aa, clientToken="retry-1")
    again = start(aa, clientToken="retry-1")  # the first is still running: no quota error
    assert again == first
    assert [row["jobId"] for row in aa.list_policy_generations()["policyGenerations"]] == [first]


def test_the_same_client_token_with_another_request_is_a_conflict(aa: Any) -> None:
    first = start(aa, clientToken="token-a", since=at(3))
    with pytest.raises(ClientError) as excinfo:
        start(aa, clientToken="token-a", since=at(4))
    error = error_of(excinfo)
    assert (error["code"], error["status"]) == ("ConflictException", 409)
    assert (error["resourceId"], error["resourceType"]) == (first, "PolicyGeneration")


def test_each_sdk_call_gets_its_own_token(aa: Any) -> None:
    # botocore fills clientToken with a fresh UUID, so two calls are two generations.
    assert start(aa) != start(aa)


# ---- quotas --------------------------------------------------------------------------------


def test_one_generation_at_a_time(aa: Any, access_mock: AccessMock) -> None:
    access_mock.jobs.complete_after(polls=1)
    running = start(aa)
    with pytest.raises(ClientError) as excinfo:
        start(aa, principal=ALICE)
    error = error_of(excinfo)
    assert (error["code"], error["status"]) == ("ServiceQuotaExceededException", 402)
    assert error["resourceId"] == running
    assert excinfo.value.response["ResponseMetadata"]["RetryAttempts"] == 0
    aa.get_generated_policy(jobId=running)  # its one read in progress: it completes at the next
    start(aa, principal=ALICE)


def test_fifty_generations_a_day_canceled_ones_included(aa: Any, access_mock: AccessMock) -> None:
    access_mock.jobs.complete_after(polls=1)
    aa.cancel_policy_generation(jobId=start(aa))
    access_mock.jobs.complete_after(polls=0)
    for _ in range(49):
        start(aa)
    with pytest.raises(ClientError) as excinfo:
        start(aa)
    error = error_of(excinfo)
    assert (error["code"], error["status"]) == ("ServiceQuotaExceededException", 402)
    assert "50 policy generations per day" in error["message"]
    access_mock.clock.advance(timedelta(days=1))  # the trailing 24 hours have passed
    start(aa)


def test_five_a_day_in_the_smaller_regions(aa: Any) -> None:
    cape_town = boto3.client("accessanalyzer", region_name="af-south-1")
    for _ in range(5):
        start(cape_town)
    with pytest.raises(ClientError) as excinfo:
        start(cape_town)
    assert error_of(excinfo)["code"] == "ServiceQuotaExceededException"


# ---- ListPolicyGenerations -----------------------------------------------------------------


def test_list_newest_first_filtered_and_for_seven_days(aa: Any, access_mock: AccessMock) -> None:
    old = start(aa)
    access_mock.clock.advance(timedelta(days=3))
    by_alice = start(aa, principal=ALICE)
    access_mock.clock.advance(timedelta(hours=1))
    newest = start(aa)
    rows = aa.list_policy_generations()["policyGenerations"]
    assert [row["jobId"] for row in rows] == [newest, by_alice, old]
    assert rows[0] == {
        "jobId": newest,
        "principalArn": APP,
        "status": "SUCCEEDED",
        "startedOn": NOW + timedelta(days=3, hours=1),
        "completedOn": NOW + timedelta(days=3, hours=1),
    }
    filtered = aa.list_policy_generations(principalArn=f"arn:aws:iam::{ACCOUNT}:role/path/app")
    assert [row["jobId"] for row in filtered["policyGenerations"]] == [newest, old]
    access_mock.clock.advance(timedelta(days=4))  # old is now more than seven days old
    assert [row["jobId"] for row in aa.list_policy_generations()["policyGenerations"]] == [
        newest,
        by_alice,
    ]


def test_list_through_the_paginator_one_per_page(aa: Any, access_mock: AccessMock) -> None:
    started = []
    for _ in range(4):
        started.append(start(aa))
        access_mock.clock.advance(timedelta(minutes=1))
    pages = list(
        aa.get_paginator("list_policy_generations").paginate(PaginationConfig={"PageSize": 1})
    )
    assert [len(page["policyGenerations"]) for page in pages] == [1, 1, 1, 1]
    assert [page["policyGenerations"][0]["jobId"] for page in pages] == started[::-1]
    assert "nextToken" not in pages[-1]


def test_a_job_started_between_pages_is_neither_repeated_nor_skipped(aa: Any) -> None:
    first, second = start(aa), start(aa)
    page = aa.list_policy_generations(maxResults=1)
    assert [row["jobId"] for row in page["policyGenerations"]] == [second]
    start(aa)
    rest = aa.list_policy_generations(maxResults=5, nextToken=page["nextToken"])
    assert [row["jobId"] for row in rest["policyGenerations"]] == [first]


def test_list_shows_running_and_canceled_jobs(aa: Any, access_mock: AccessMock) -> None:
    access_mock.jobs.complete_after(polls=5)
    job_id = start(aa)
    (row,) = aa.list_policy_generations()["policyGenerations"]
    assert row["status"] == "IN_PROGRESS" and "completedOn" not in row
    aa.cancel_policy_generation(jobId=job_id)
    (row,) = aa.list_policy_generations()["policyGenerations"]
    assert (row["status"], row["completedOn"]) == ("CANCELED", NOW)


def test_list_refuses_a_foreign_or_garbage_token(aa: Any) -> None:
    start(aa)
    start(aa)
    token = aa.list_policy_generations(maxResults=1)["nextToken"]
    for bad in ("garbage", token):
        with pytest.raises(ClientError) as excinfo:
            aa.list_policy_generations(
                maxResults=1, nextToken=bad, principalArn=ALICE if bad == token else APP
            )
        assert error_of(excinfo)["code"] == "ValidationException"


# ---- validation and request errors ---------------------------------------------------------


def _start_error(aa: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as excinfo:
        start(aa, **kwargs)
    return error_of(excinfo)


def test_a_principal_arn_that_is_not_a_user_or_role_fails_the_pattern(aa: Any) -> None:
    error = _start_error(aa, principal=f"arn:aws:iam::{ACCOUNT}:root")
    assert (error["code"], error["status"], error["reason"]) == (
        "ValidationException",
        400,
        "fieldValidationFailed",
    )
    assert error["fieldList"] == [
        {
            "name": "policyGenerationDetails.principalArn",
            "message": "Member must satisfy regular expression pattern: arn:[^:]*:iam::[^:]*:(role|user)/.{1,576}",
        }
    ]
    assert error["message"].startswith(
        f"1 validation error detected: Value 'arn:aws:iam::{ACCOUNT}:root' at "
        "'policyGenerationDetails.principalArn' failed to satisfy constraint"
    )


def test_a_missing_principal_is_resource_not_found(aa: Any) -> None:
    arn = f"arn:aws:iam::{ACCOUNT}:role/ghost"
    error = _start_error(aa, principal=arn)
    assert (error["code"], error["status"]) == ("ResourceNotFoundException", 404)
    assert (error["resourceId"], error["resourceType"]) == (arn, "AWS::IAM::Role")
    assert error["message"] == f"The principal {arn} does not exist."


def test_another_accounts_principal_or_access_role_is_access_denied(aa: Any) -> None:
    error = _start_error(aa, principal="arn:aws:iam::999988887777:role/app")
    assert (error["code"], error["status"]) == ("AccessDeniedException", 403)
    error = _start_error(
        aa, access_role="arn:aws:iam::999988887777:role/AccessAnalyzerMonitorServiceRole"
    )
    assert (error["code"], error["status"]) == ("AccessDeniedException", 403)
    assert "iam:PassRole" in error["message"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"since": NOW - timedelta(days=91), "until": NOW}, "cloudTrailDetails.endTime"),
        (
            {"since": NOW - timedelta(days=2), "until": NOW - timedelta(days=3)},
            "cloudTrailDetails.endTime",
        ),
        ({"since": NOW + timedelta(seconds=1)}, "cloudTrailDetails.startTime"),
        ({"trails": []}, "cloudTrailDetails.trails"),
        ({"trails": [{"cloudTrailArn": TRAIL}]}, "cloudTrailDetails.trails.1.member.regions"),
        (
            {"trails": [trail(), trail(regions=["Mars-1"])]},
            "cloudTrailDetails.trails.2.member.regions",
        ),
        (
            {"principal": "arn:aws-cn:iam::123456789012:role/app"},
            "policyGenerationDetails.principalArn",
        ),
        ({"access_role": "arn:aws:iam::12345:role/x"}, "cloudTrailDetails.accessRole"),
    ],
)
def test_invalid_requests_name_the_field(aa: Any, kwargs: dict[str, Any], field: str) -> None:
    error = _start_error(aa, **kwargs)
    assert (error["code"], error["status"], error["reason"]) == (
        "ValidationException",
        400,
        "fieldValidationFailed",
    )
    assert [entry["name"] for entry in error["fieldList"]] == [field]
    assert aa.list_policy_generations()["policyGenerations"] == []  # nothing was started


def test_exactly_ninety_days_is_accepted(aa: Any) -> None:
    start(aa, since=NOW - timedelta(days=90), until=NOW)


def test_a_malformed_trail_arn_fails_the_pattern(aa: Any) -> None:
    error = _start_error(aa, trails=[trail("arn:aws:s3:::bucket")])
    assert error["code"] == "ValidationException"
    assert [entry["name"] for entry in error["fieldList"]] == [
        "cloudTrailDetails.trails.1.member.cloudTrailArn"
    ]


def test_max_results_below_one_is_refused(access_mock: AccessMock) -> None:
    raw = boto3.client(
        "accessanalyzer",
        region_name="us-east-1",
        config=boto3.session.Config(parameter_validation=False),
    )
    with pytest.raises(ClientError) as excinfo:
        raw.list_policy_generations(maxResults=0)
    error = error_of(excinfo)
    assert error["code"] == "ValidationException"
    assert error["fieldList"][0]["name"] == "maxResults"


# ---- add_trail ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arn", "regions", "error", "names"),
    [
        (42, None, TypeError, "arn"),
        ("arn:aws:cloudtrail:us-east-1:123:trail/x", None, ValueError, "arn"),
        ("arn:aws:s3:::bucket", None, ValueError, "arn"),
        (TRAIL, "us-east-1", TypeError, "regions"),
        (TRAIL, [], ValueError, "regions"),
        (TRAIL, ["moon-1"], ValueError, "regions"),
        (TRAIL, [1], TypeError, "regions"),
    ],
)
def test_add_trail_checks_its_arguments(
    access_mock: AccessMock, arn: Any, regions: Any, error: type[Exception], names: str
) -> None:
    with pytest.raises(error, match=names):
        access_mock.add_trail(arn, regions=regions)


def test_reset_forgets_declared_trails(aa: Any, access_mock: AccessMock) -> None:
    access_mock.add_trail(f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/declared")
    access_mock.reset()
    access_mock.clock.set(NOW)
    iam = boto3.client("iam")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST_EC2)
    iam.create_role(
        RoleName="AccessAnalyzerMonitorServiceRole",
        Path="/service-role/",
        AssumeRolePolicyDocument=TRUST_ACCESS_ANALYZER,
    )
    assert aa.get_generated_policy(jobId=start(aa))["jobDetails"]["status"] == "SUCCEEDED"
