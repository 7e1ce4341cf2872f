"""IAM's Organizations access reports over an organization built with boto3.

The organization (every expectation below is read off this picture):

    root (FullAWSAccess)
    |- management account M (FullAWSAccess)
    |- OU Prod (FullAWSAccess)
    |  |- account P (FullAWSAccess)
    |  `- OU Web (FullAWSAccess + DenyS3: Deny s3:*)
    |     `- account W (FullAWSAccess)
    `- OU Sandbox (NoEc2 only: Allow NotAction ec2:*)
       `- account S (FullAWSAccess)

Activity, each by the account's OrganizationAccountAccessRole:
    W: s3 at NOW-5d (us-east-1), ec2 at NOW-4d (eu-west-1)
    P: ec2 at NOW-2d (us-west-2), dynamodb at NOW-1d (us-east-1)
    S: ec2 at NOW-3d (us-east-1, an attempt the SCP denies), sqs at NOW-6d (eu-central-1)
and M's own calls to organizations and iam, at NOW.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from support import ACCOUNT, NOW

from iam_access_mock import AccessMock

SCP = "SERVICE_CONTROL_POLICY"
DENY_S3 = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}
)
NO_EC2 = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "NotAction": "ec2:*", "Resource": "*"}],
    }
)


@dataclass
class Org:
    id: str
    root: str
    prod: str
    web: str
    sandbox: str
    P: str
    W: str
    S: str
    deny_s3: str
    no_ec2: str

    def path(self, *ids: str) -> str:
        return "/".join([self.id, self.root, *ids])


def role(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole"


@pytest.fixture
def org(access_mock: AccessMock) -> Org:
    access_mock.clock.set(NOW)
    client = boto3.client("organizations", region_name="us-east-1")
    org_id = client.create_organization()["Organization"]["Id"]
    root = client.list_roots()["Roots"][0]["Id"]

    def ou(parent: str, name: str) -> str:
        return client.create_organizational_unit(ParentId=parent, Name=name)["OrganizationalUnit"][
            "Id"
        ]

    def account(name: str, parent: str) -> str:
        account_id = client.create_account(Email=f"{name}@example.com", AccountName=name)[
            "CreateAccountStatus"
        ]["AccountId"]
        client.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=parent)
        return account_id

    def policy(name: str, content: str) -> str:
        created = client.create_policy(Content=content, Description=name, Name=name, Type=SCP)
        return created["Policy"]["PolicySummary"]["Id"]

    prod = ou(root, "Prod")
    web = ou(prod, "Web")
    sandbox = ou(root, "Sandbox")
    built = Org(
        org_id,
        root,
        prod,
        web,
        sandbox,
        account("P", prod),
        account("W", web),
        account("S", sandbox),
        policy("DenyS3", DENY_S3),
        policy("NoEc2", NO_EC2),
    )
    client.attach_policy(PolicyId=built.deny_s3, TargetId=web)
    client.attach_policy(PolicyId=built.no_ec2, TargetId=sandbox)
    client.detach_policy(PolicyId="p-FullAWSAccess", TargetId=sandbox)
    days = timedelta(days=1)
    access_mock.record_accesses(
        [
            (role(built.W), "s3:GetObject", NOW - 5 * days, "us-east-1"),
            (role(built.W), "ec2:DescribeInstances", NOW - 4 * days, "eu-west-1"),
            (role(built.P), "ec2:DescribeInstances", NOW - 2 * days, "us-west-2"),
            (role(built.P), "dynamodb:GetItem", NOW - 1 * days, "us-east-1"),
            (role(built.S), "ec2:RunInstances", NOW - 3 * days, "us-east-1"),
            (role(built.S), "sqs:SendMessage", NOW - 6 * days, "eu-central-1"),
        ]
    )
    return built


@pytest.fixture
def iam(access_mock: AccessMock) -> Any:
    return boto3.client("iam")


def report(iam: Any, path: str, policy_id: str | None = None, **get: Any) -> dict[str, Any]:
    """Generate a report and read all of it in one page."""
    params = {"EntityPath": path, **({"OrganizationsPolicyId": policy_id} if policy_id else {})}
    job_id = iam.generate_organizations_access_report(**params)["JobId"]
    return iam.get_organizations_access_report(JobId=job_id, MaxItems=1000, **get)


def accessed(answer: dict[str, Any]) -> dict[str, tuple[str, str, datetime, int]]:
    """namespace -> (EntityPath, Region, LastAuthenticatedTime, TotalAuthenticatedEntities)."""
    return {
        row["ServiceNamespace"]: (
            row["EntityPath"],
            row["Region"],
            row["LastAuthenticatedTime"],
            row["TotalAuthenticatedEntities"],
        )
        for row in answer["AccessDetails"]
        if row["TotalAuthenticatedEntities"]
    }


def listed(answer: dict[str, Any]) -> set[str]:
    return {row["ServiceNamespace"] for row in answer["AccessDetails"]}


@pytest.fixture
def every_service(iam: Any, org: Org) -> set[str]:
    """What a report on the management account lists: every service IAM reports on."""
    return listed(report(iam, org.path(ACCOUNT)))


D = timedelta(days=1)


# ---- which services, whose data -----------------------------------------------------------


def test_root_report_lists_what_the_root_allows_with_every_member_account(
    iam: Any, org: Org, every_service: set[str]
) -> None:
    answer = report(iam, org.path())
    assert answer["JobStatus"] == "COMPLETED"
    assert listed(answer) == every_service
    assert accessed(answer) == {
        "dynamodb": (org.path(org.prod, org.P), "us-east-1", NOW - 1 * D, 1),
        "ec2": (org.path(org.prod, org.P), "us-west-2", NOW - 2 * D, 3),
        "s3": (org.path(org.prod, org.web, org.W), "us-east-1", NOW - 5 * D, 1),
        "sqs": (org.path(org.sandbox, org.S), "eu-central-1", NOW - 6 * D, 1),
    }
    assert answer["NumberOfServicesAccessible"] == len(every_service)
    assert answer["NumberOfServicesNotAccessed"] == len(every_service) - 4


def test_ou_report_counts_its_subtree(iam: Any, org: Org, every_service: set[str]) -> None:
    answer = report(iam, org.path(org.prod))
    assert listed(answer) == every_service
    assert accessed(answer) == {
        "dynamodb": (org.path(org.prod, org.P), "us-east-1", NOW - 1 * D, 1),
        "ec2": (org.path(org.prod, org.P), "us-west-2", NOW - 2 * D, 2),
        "s3": (org.path(org.prod, org.web, org.W), "us-east-1", NOW - 5 * D, 1),
    }


def test_an_ou_under_a_deny_lists_everything_but_the_denied_service(
    iam: Any, org: Org, every_service: set[str]
) -> None:
    answer = report(iam, org.path(org.prod, org.web))
    assert listed(answer) == every_service - {"s3"}
    assert accessed(answer) == {
        "ec2": (org.path(org.prod, org.web, org.W), "eu-west-1", NOW - 4 * D, 1)
    }
    assert answer["NumberOfServicesNotAccessed"] == len(every_service) - 2


def test_a_member_account_inherits_its_parents_scps(
    iam: Any, org: Org, every_service: set[str]
) -> None:
    answer = report(iam, org.path(org.prod, org.web, org.W))
    assert listed(answer) == every_service - {"s3"}
    assert accessed(answer) == {
        "ec2": (org.path(org.prod, org.web, org.W), "eu-west-1", NOW - 4 * D, 1)
    }


def test_not_action_allow_lists_every_service_but_one(
    iam: Any, org: Org, every_service: set[str]
) -> None:
    for path in (org.path(org.sandbox), org.path(org.sandbox, org.S)):
        answer = report(iam, path)
        assert listed(answer) == every_service - {"ec2"}
        assert accessed(answer) == {
            "sqs": (org.path(org.sandbox, org.S), "eu-central-1", NOW - 6 * D, 1)
        }


def test_the_management_account_report_has_every_service_and_only_its_own_data(
    iam: Any, org: Org, every_service: set[str]
) -> None:
    answer = report(iam, org.path(ACCOUNT))
    assert listed(answer) == every_service
    # M's own calls at NOW: Organizations to build the organization, IAM for the reports.
    assert accessed(answer) == {
        "iam": (org.path(ACCOUNT), "us-east-1", NOW, 1),
        "organizations": (org.path(ACCOUNT), "us-east-1", NOW, 1),
    }
    # A policy id is ignored for the management account.
    assert report(iam, org.path(ACCOUNT), org.deny_s3)["AccessDetails"] == answer["AccessDetails"]


def test_never_used_rows(iam: Any, org: Org) -> None:
    rows = {
        row["ServiceNamespace"]: row
        for row in report(iam, org.path(org.prod, org.web))["AccessDetails"]
    }
    assert rows["sqs"] == {
        "ServiceName": "Amazon SQS",
        "ServiceNamespace": "sqs",
        "TotalAuthenticatedEntities": 0,
    }
    # observed: iam alone carries a Region (us-east-1) before any use
    assert rows["iam"] == {
        "ServiceName": "AWS Identity and Access Management",
        "ServiceNamespace": "iam",
        "Region": "us-east-1",
        "TotalAuthenticatedEntities": 0,
    }


# ---- with a policy id -----------------------------------------------------------------------


def test_a_policy_id_lists_what_that_scp_allows_for_the_accounts_it_applies_to(
    iam: Any, org: Org, every_service: set[str]
) -> None:
    answer = report(iam, org.path(), org.no_ec2)
    assert listed(answer) == every_service - {"ec2"}
    # NoEc2 applies to S only (attached to Sandbox)
    assert accessed(answer) == {
        "sqs": (org.path(org.sandbox, org.S), "eu-central-1", NOW - 6 * D, 1)
    }


def test_a_deny_only_scp_allows_nothing(iam: Any, org: Org) -> None:
    answer = report(iam, org.path(), org.deny_s3)
    assert answer["AccessDetails"] == []
    assert (answer["NumberOfServicesAccessible"], answer["NumberOfServicesNotAccessed"]) == (0, 0)


def test_an_scp_not_attached_in_the_subtree_gives_no_data(
    iam: Any, org: Org, every_service: set[str]
) -> None:
    answer = report(iam, org.path(org.prod), org.no_ec2)
    assert listed(answer) == every_service - {"ec2"}
    assert accessed(answer) == {}


def test_full_aws_access_applies_where_it_is_attached_directly(iam: Any, org: Org) -> None:
    # Detached from Sandbox, but still on account S itself: S's data counts.
    answer = report(iam, org.path(), "p-FullAWSAccess")
    assert accessed(answer)["sqs"][3] == 1
    assert accessed(answer)["ec2"][3] == 3


# ---- sorting and pages ------------------------------------------------------------------------


def namespaces(answer: dict[str, Any]) -> list[str]:
    return [row["ServiceNamespace"] for row in answer["AccessDetails"]]


def test_the_four_sort_keys(iam: Any, org: Org) -> None:
    job_id = iam.generate_organizations_access_report(EntityPath=org.path(org.prod))["JobId"]

    def order(sort_key: str) -> list[str]:
        return namespaces(
            iam.get_organizations_access_report(JobId=job_id, MaxItems=1000, SortKey=sort_key)
        )

    ascending = order("SERVICE_NAMESPACE_ASCENDING")
    assert ascending == sorted(ascending)
    assert namespaces(iam.get_organizations_access_report(JobId=job_id, MaxItems=1000)) == ascending
    assert order("SERVICE_NAMESPACE_DESCENDING") == ascending[::-1]
    unused = [name for name in ascending if name not in ("dynamodb", "ec2", "s3")]
    # rule chosen: never-used services sort below every time, ties by namespace
    assert order("LAST_AUTHENTICATED_TIME_ASCENDING") == [*unused, "s3", "ec2", "dynamodb"]
    assert order("LAST_AUTHENTICATED_TIME_DESCENDING") == ["dynamodb", "ec2", "s3", *unused[::-1]]


def test_pages_carry_both_counts_and_join_up(iam: Any, org: Org) -> None:
    job_id = iam.generate_organizations_access_report(EntityPath=org.path())["JobId"]
    whole = iam.get_organizations_access_report(
        JobId=job_id, MaxItems=1000, SortKey="LAST_AUTHENTICATED_TIME_DESCENDING"
    )
    first = iam.get_organizations_access_report(JobId=job_id)
    assert len(first["AccessDetails"]) == 100 and first["IsTruncated"] is True  # default page
    rows, marker, pages = [], None, 0
    while True:
        params = {"Marker": marker} if marker else {}
        page = iam.get_organizations_access_report(
            JobId=job_id, MaxItems=7, SortKey="LAST_AUTHENTICATED_TIME_DESCENDING", **params
        )
        pages += 1
        assert page["NumberOfServicesAccessible"] == whole["NumberOfServicesAccessible"]
        assert page["NumberOfServicesNotAccessed"] == whole["NumberOfServicesNotAccessed"]
        rows += page["AccessDetails"]
        if not page["IsTruncated"]:
            assert "Marker" not in page
            break
        marker = page["Marker"]
    assert rows == whole["AccessDetails"]
    assert pages == -(-len(rows) // 7)


def test_a_marker_is_bound_to_its_job_and_sort_key(iam: Any, org: Org) -> None:
    job_id = iam.generate_organizations_access_report(EntityPath=org.path())["JobId"]
    other = iam.generate_organizations_access_report(EntityPath=org.path(org.prod))["JobId"]
    marker = iam.get_organizations_access_report(JobId=job_id, MaxItems=5)["Marker"]
    for params in ({"JobId": other}, {"JobId": job_id, "SortKey": "SERVICE_NAMESPACE_DESCENDING"}):
        with pytest.raises(ClientError) as caught:
            iam.get_organizations_access_report(Marker=marker, **params)
        assert caught.value.response["Error"]["Code"] == "InvalidInput"


# ---- the job ----------------------------------------------------------------------------------


def error_code(call: Any, **params: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"], caught.value.response["ResponseMetadata"][
        "HTTPStatusCode"
    ]


def failed(iam: Any, path: str, policy_id: str | None = None, client: Any = None) -> dict[str, Any]:
    answer = report(client or iam, path, policy_id)
    assert answer["JobStatus"] == "FAILED"
    for absent in ("AccessDetails", "NumberOfServicesAccessible", "NumberOfServicesNotAccessed"):
        assert absent not in answer
    assert answer["JobCompletionDate"] >= answer["JobCreationDate"]
    return answer["ErrorDetails"]


def test_paths_that_do_not_follow_the_hierarchy_fail_the_job(iam: Any, org: Org) -> None:
    for path in (
        org.path() + "/",  # observed: a trailing slash is accepted, then fails
        org.path(org.web),  # Web is not in the root
        org.path(org.prod, org.S),  # S is not in Prod
        org.path(f"ou-{org.root[2:]}-zzzzzzzz"),  # no such OU
        f"{org.id}/r-zzzz",  # another root id
        org.path("111111111111"),  # not an account of the organization
    ):
        assert failed(iam, path)["Code"] == "INVALID_ORGANIZATIONS_ENTITY_PATH", path


def test_a_policy_id_that_is_no_scp_of_the_organization_fails_the_job(iam: Any, org: Org) -> None:
    assert failed(iam, org.path(), "p-zzzzzzzz")["Code"] == "INVALID_ORGANIZATIONS_POLICY"


def test_a_member_account_may_not_generate_a_report(iam: Any, org: Org) -> None:
    sts = boto3.client("sts")
    credentials = sts.assume_role(RoleArn=role(org.P), RoleSessionName="admin")["Credentials"]
    member_iam = boto3.client(
        "iam",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    assert (
        failed(iam, org.path(org.prod, org.P), client=member_iam)["Code"]
        == "ORGANIZATIONS_REPORT_ACCESS_DENIED"
    )


def test_scps_disabled_fail_the_job(iam: Any, org: Org) -> None:
    boto3.client("organizations", region_name="us-east-1").disable_policy_type(
        RootId=org.root, PolicyType=SCP
    )
    assert failed(iam, org.path())["Code"] == "ORGANIZATIONS_REPORT_ACCESS_DENIED"


def test_a_path_in_another_organization_is_access_denied(iam: Any, org: Org) -> None:
    assert error_code(
        iam.generate_organizations_access_report, EntityPath="o-zzzzzzzzzz/r-zzzz"
    ) == ("AccessDenied", 403)


def test_outside_any_organization_it_is_access_denied(iam: Any, access_mock: AccessMock) -> None:
    assert error_code(
        iam.generate_organizations_access_report, EntityPath="o-zzzzzzzzzz/r-zzzz"
    ) == ("AccessDenied", 403)


@pytest.mark.parametrize(
    "path", ["o-short/r-zzzzzzzzzzzz", "not an entity path at all", "O-ABCDEFGHIJ/r-abcd"]
)
def test_a_path_off_the_pattern_is_a_validation_error(iam: Any, org: Org, path: str) -> None:
    assert error_code(iam.generate_organizations_access_report, EntityPath=path) == (
        "ValidationError",
        400,
    )


def test_a_segment_that_is_no_ou_or_account_is_invalid_input(iam: Any, org: Org) -> None:
    assert error_code(iam.generate_organizations_access_report, EntityPath=org.path("zzzz")) == (
        "InvalidInput",
        400,
    )
    assert error_code(
        iam.generate_organizations_access_report, EntityPath=org.path(org.P, org.prod)
    ) == ("InvalidInput", 400)


def test_the_same_report_within_a_minute_is_the_same_job(
    iam: Any, org: Org, access_mock: AccessMock
) -> None:
    first = iam.generate_organizations_access_report(EntityPath=org.path())["JobId"]
    access_mock.clock.advance(timedelta(seconds=59))
    assert iam.generate_organizations_access_report(EntityPath=org.path())["JobId"] == first
    access_mock.clock.advance(timedelta(seconds=2))
    assert iam.generate_organizations_access_report(EntityPath=org.path())["JobId"] != first


def test_one_report_at_a_time(iam: Any, org: Org, access_mock: AccessMock) -> None:
    access_mock.jobs.complete_after(duration=timedelta(minutes=2))
    running = iam.generate_organizations_access_report(EntityPath=org.path())["JobId"]
    with pytest.raises(ClientError) as caught:
        iam.generate_organizations_access_report(EntityPath=org.path(org.prod))
    error = caught.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (
        "ReportGenerationLimitExceeded",
        409,
    )
    assert error["Error"]["Message"] == "Maximum number of concurrent jobs exceeded"
    access_mock.clock.advance(timedelta(seconds=90))  # still running, past the 60 s
    assert iam.generate_organizations_access_report(EntityPath=org.path())["JobId"] == running
    in_progress = iam.get_organizations_access_report(JobId=running)
    assert {k for k in in_progress if k != "ResponseMetadata"} == {
        "JobStatus",
        "JobCreationDate",
        "IsTruncated",
    }
    assert in_progress["JobStatus"] == "IN_PROGRESS"
    access_mock.clock.advance(timedelta(seconds=30))
    assert iam.get_organizations_access_report(JobId=running)["JobStatus"] == "COMPLETED"
    assert iam.generate_organizations_access_report(EntityPath=org.path(org.prod))["JobId"] != running


def test_a_job_held_by_polls_does_not_block_others(iam: Any, org: Org, access_mock: AccessMock) -> None:
    access_mock.jobs.complete_after(polls=3)
    first = iam.generate_organizations_access_report(EntityPath=org.path())["JobId"]
    second = iam.generate_organizations_access_report(EntityPath=org.path(org.prod))["JobId"]
    assert first != second
    assert iam.get_organizations_access_report(JobId=first)["JobStatus"] == "IN_PROGRESS"


def test_scps_intersect_per_action_across_levels(iam: Any, org: Org) -> None:
    """The root allows only s3:GetObject (plus all of dynamodb); an OU under it allows only
    s3:PutObject and dynamodb:GetItem: no S3 action is allowed at both levels."""
    client = boto3.client("organizations", region_name="us-east-1")

    def scp(name: str, actions: list[str]) -> str:
        content = json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
        )
        return client.create_policy(Content=content, Description=name, Name=name, Type=SCP)["Policy"][
            "PolicySummary"
        ]["Id"]

    root_only = scp("RootOnly", ["s3:GetObject", "dynamodb:*"])
    ou_only = scp("OuOnly", ["s3:PutObject", "dynamodb:GetItem"])
    strict = client.create_organizational_unit(ParentId=org.root, Name="Strict")["OrganizationalUnit"]["Id"]
    client.attach_policy(PolicyId=root_only, TargetId=org.root)
    client.detach_policy(PolicyId="p-FullAWSAccess", TargetId=org.root)
    client.attach_policy(PolicyId=ou_only, TargetId=strict)
    client.detach_policy(PolicyId="p-FullAWSAccess", TargetId=strict)
    assert listed(report(iam, org.path())) == {"s3", "dynamodb"}
    assert listed(report(iam, org.path(strict))) == {"dynamodb"}


def test_fail_next_fails_the_report(iam: Any, org: Org, access_mock: AccessMock) -> None:
    access_mock.jobs.fail_next("ServiceFailure", "it broke")
    assert failed(iam, org.path()) == {"Code": "ServiceFailure", "Message": "it broke"}


def test_unknown_job(iam: Any, org: Org) -> None:
    assert error_code(
        iam.get_organizations_access_report, JobId="0" * 8 + "-0000-0000-0000-" + "0" * 12
    ) == ("NoSuchEntity", 404)


def test_a_report_is_fixed_when_generated(iam: Any, org: Org, access_mock: AccessMock) -> None:
    access_mock.jobs.complete_after(polls=1)
    job_id = iam.generate_organizations_access_report(EntityPath=org.path(org.prod, org.P))["JobId"]
    access_mock.record_access(role(org.P), "lambda:InvokeFunction")
    iam.get_organizations_access_report(JobId=job_id)
    answer = iam.get_organizations_access_report(JobId=job_id, MaxItems=1000)
    assert "lambda" not in accessed(answer)


def test_activity_older_than_400_days_is_not_reported(
    iam: Any, org: Org, access_mock: AccessMock
) -> None:
    access_mock.record_access(role(org.P), "kms:Decrypt", at=NOW - timedelta(days=401))
    access_mock.record_access(role(org.P), "lambda:InvokeFunction", at=NOW - timedelta(days=399))
    found = accessed(report(iam, org.path(org.prod, org.P)))
    assert "kms" not in found and "lambda" in found


def test_calls_made_in_a_member_account_are_its_activity(iam: Any, org: Org) -> None:
    sts = boto3.client("sts")
    credentials = sts.assume_role(RoleArn=role(org.W), RoleSessionName="admin")["Credentials"]
    session = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="ap-south-1",
    )
    session.client("iam").create_user(UserName="bob")
    session.client("sts").get_caller_identity()
    found = accessed(report(iam, org.path(org.prod, org.web, org.W)))
    # IAM is global (signed for us-east-1); STS answers in the client's region.
    assert found["iam"] == (org.path(org.prod, org.web, org.W), "us-east-1", NOW, 1)
    assert found["sts"] == (org.path(org.prod, org.web, org.W), "ap-south-1", NOW, 1)


def test_times_are_to_the_second(iam: Any, org: Org, access_mock: AccessMock) -> None:
    at = datetime(2026, 2, 27, 8, 30, 15, 987654, tzinfo=timezone.utc)
    access_mock.record_access(role(org.P), "lambda:InvokeFunction", at=at)
    found = accessed(report(iam, org.path(org.prod, org.P)))
    assert found["lambda"][2] == at.replace(microsecond=0)


def test_the_aws_cli_runs_the_report(aws_cli: Any, access_mock: AccessMock) -> None:
    access_mock.clock.set(NOW)
    created = aws_cli("organizations", "create-organization")["Organization"]
    root = aws_cli("organizations", "list-roots")["Roots"][0]["Id"]
    job = aws_cli(
        "iam",
        "generate-organizations-access-report",
        "--entity-path",
        f"{created['Id']}/{root}/{ACCOUNT}",
    )
    answer = aws_cli(
        "iam",
        "get-organizations-access-report",
        "--job-id",
        job["JobId"],
        "--sort-key",
        "SERVICE_NAMESPACE_ASCENDING",
        "--max-items",
        "1000",
    )
    assert answer["JobStatus"] == "COMPLETED"
    rows = answer["AccessDetails"]
    assert [row["ServiceNamespace"] for row in rows] == sorted(
        row["ServiceNamespace"] for row in rows
    )
    used = {row["ServiceNamespace"]: row for row in rows if row["TotalAuthenticatedEntities"]}
    assert set(used) == {"iam", "organizations"}
    assert used["organizations"]["EntityPath"] == f"{created['Id']}/{root}/{ACCOUNT}"
    assert answer["NumberOfServicesNotAccessed"] == answer["NumberOfServicesAccessible"] - 2
