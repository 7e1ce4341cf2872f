"""GetServiceLastAccessedDetails through boto3: rows, which services, activity, snapshot, pages.

Facts come from /work/shared/data/observed-aws-facts.md ("Page size and pagination",
"Snapshot semantics", "ServicesLastAccessed rows", "Which services a report lists"); each
test names the capture case it reproduces. The last section shows that GetAccessKeyLastUsed
and RoleLastUsed read the same activity as the reports.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from support import (
    ACCOUNT,
    ALICE,
    NOW,
    TRUST_ROOT,
    allow,
    client_for,
    document,
    error_and_status,
    generate,
    rows_of,
    services_of,
    statement,
)

from iam_access_mock import AccessMock

ALL_SERVICES = 456  # namespaces in IAM's service table (iam-service-names.tsv)


ALLOW_ALL = allow("*")


def row_for(rows: list[dict[str, Any]], namespace: str) -> dict[str, Any]:
    return next(row for row in rows if row["ServiceNamespace"] == namespace)


def user_with(iam: Any, name: str, *documents: str) -> str:
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    for index, text in enumerate(documents):
        iam.put_user_policy(UserName=name, PolicyName=f"p{index}", PolicyDocument=text)
    return str(arn)


# ---- ServicesLastAccessed rows ---------------------------------------------------------------


def test_never_used_row_has_only_name_namespace_and_zero(iam: Any) -> None:
    # Case: get_user_first (no LastAuthenticated, LastAuthenticatedEntity or LastAuthenticatedRegion).
    user_with(iam, "alice", allow("s3:GetObject"))
    assert rows_of(iam) == [
        {"ServiceName": "Amazon S3", "ServiceNamespace": "s3", "TotalAuthenticatedEntities": 0}
    ]


def test_rows_are_sorted_by_namespace(iam: Any) -> None:
    # Case: get_user_first (ec2, iam, lambda, s3).
    user_with(
        iam,
        "alice",
        allow("s3:GetObject", "lambda:ListFunctions", "iam:GetUser", "ec2:DescribeInstances"),
    )
    assert services_of(iam) == ["ec2", "iam", "lambda", "s3"]


def test_service_names_are_iams_own_strings(iam: Any) -> None:
    # Case: pending_policy_completed_poll_2 (apigateway and execute-api display names).
    user_with(iam, "alice", allow("apigateway:GET", "execute-api:Invoke"))
    assert [(row["ServiceNamespace"], row["ServiceName"]) for row in rows_of(iam)] == [
        ("apigateway", "Manage - Amazon API Gateway"),
        ("execute-api", "Amazon API Gateway"),
    ]


def test_used_row_carries_time_entity_region_and_count(iam: Any, access_mock: AccessMock) -> None:
    user_with(iam, "alice", allow("s3:GetObject", "sqs:SendMessage"))
    access_mock.record_access(
        ALICE,
        "s3:GetObject",
        at=datetime(2026, 2, 20, 8, 30, tzinfo=timezone.utc),
        region="eu-west-1",
    )
    assert rows_of(iam) == [
        {
            "ServiceName": "Amazon S3",
            "ServiceNamespace": "s3",
            "LastAuthenticated": datetime(2026, 2, 20, 8, 30, tzinfo=timezone.utc),
            "LastAuthenticatedEntity": ALICE,
            "LastAuthenticatedRegion": "eu-west-1",
            "TotalAuthenticatedEntities": 1,
        },
        {"ServiceName": "Amazon SQS", "ServiceNamespace": "sqs", "TotalAuthenticatedEntities": 0},
    ]


def test_last_authenticated_is_truncated_to_the_minute(iam: Any, access_mock: AccessMock) -> None:
    # Inferred from AWS's examples: every published LastAuthenticated ends in :00.
    user_with(iam, "alice", allow("s3:GetObject"))
    access_mock.record_access(
        ALICE, "s3:GetObject", at=datetime(2026, 2, 20, 8, 30, 59, 999999, tzinfo=timezone.utc)
    )
    assert rows_of(iam)[0]["LastAuthenticated"] == datetime(2026, 2, 20, 8, 30, tzinfo=timezone.utc)


def test_latest_access_wins(iam: Any, access_mock: AccessMock) -> None:
    user_with(iam, "alice", allow("s3:GetObject"))
    access_mock.record_access(
        ALICE, "s3:GetObject", at=datetime(2026, 2, 20, tzinfo=timezone.utc), region="eu-west-1"
    )
    access_mock.record_access(
        ALICE, "s3:PutObject", at=datetime(2026, 2, 25, tzinfo=timezone.utc), region="us-west-2"
    )
    access_mock.record_access(
        ALICE, "s3:ListBucket", at=datetime(2026, 2, 22, tzinfo=timezone.utc), region="ap-south-1"
    )
    row = rows_of(iam)[0]
    assert (row["LastAuthenticated"], row["LastAuthenticatedRegion"]) == (
        datetime(2026, 2, 25, tzinfo=timezone.utc),
        "us-west-2",
    )


def test_calls_made_under_the_mock_are_activity(iam: Any) -> None:
    # A real call signed with alice's key counts, with the region it was signed for.
    user_with(iam, "alice", allow("sts:GetCallerIdentity"))
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    client_for("sts", key, region="eu-central-1").get_caller_identity()
    row = rows_of(iam)[0]
    assert row["ServiceNamespace"] == "sts"
    assert (
        row["LastAuthenticated"],
        row["LastAuthenticatedEntity"],
        row["LastAuthenticatedRegion"],
    ) == (
        NOW,
        ALICE,
        "eu-central-1",
    )


def test_activity_right_before_generate_is_visible_at_once(
    iam: Any, access_mock: AccessMock
) -> None:
    # Case: main-phase activity case. AWS did not show a GetUser made 1 s before the job
    # (it publishes within about four hours); the mock shows activity at once (deviation,
    # in the handler's docstring).
    user_with(iam, "alice", allow("iam:GetUser"))
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    client_for("iam", key).get_user()
    access_mock.clock.advance(timedelta(seconds=1))
    rows = rows_of(iam, granularity="ACTION_LEVEL")
    assert rows[0]["LastAuthenticated"] == NOW
    assert rows[0]["TrackedActionsLastAccessed"] == [
        {
            "ActionName": "GetUser",
            "LastAccessedEntity": ALICE,
            "LastAccessedTime": NOW,
            "LastAccessedRegion": "us-east-1",
        }
    ]


def test_activity_older_than_the_tracking_period_is_left_out(
    iam: Any, access_mock: AccessMock
) -> None:
    # The tracking period is 400 days (API reference).
    user_with(iam, "alice", allow("s3:GetObject", "sqs:SendMessage"))
    access_mock.record_access(ALICE, "s3:GetObject", at=NOW - timedelta(days=400))
    access_mock.record_access(ALICE, "sqs:SendMessage", at=NOW - timedelta(days=400, minutes=1))
    rows = rows_of(iam)
    assert row_for(rows, "s3")["LastAuthenticated"] == NOW - timedelta(days=400)
    assert row_for(rows, "sqs") == {
        "ServiceName": "Amazon SQS",
        "ServiceNamespace": "sqs",
        "TotalAuthenticatedEntities": 0,
    }


def test_access_dated_after_generate_time_still_counts(iam: Any, access_mock: AccessMock) -> None:
    # Rule chosen: the index keeps only the latest access, so one dated after now (recorded,
    # then the clock set back) is not dropped.
    user_with(iam, "alice", allow("s3:GetObject"))
    access_mock.clock.set(NOW + timedelta(days=1))
    access_mock.record_access(ALICE, "s3:GetObject")
    access_mock.clock.set(NOW)
    assert rows_of(iam)[0]["LastAuthenticated"] == NOW + timedelta(days=1)


def test_access_to_a_service_the_policies_do_not_allow_adds_no_row(
    iam: Any, access_mock: AccessMock
) -> None:
    user_with(iam, "alice", allow("s3:GetObject"))
    access_mock.record_access(ALICE, "sqs:SendMessage")
    assert services_of(iam) == ["s3"]


# ---- ACTION_LEVEL ---------------------------------------------------------------------------------


def test_tracked_actions_only_on_services_with_granted_tracked_actions(iam: Any) -> None:
    # Case: get_user_action_first (iam -> GetUser, not PassRole; lambda -> ListFunctions;
    # the ec2 and s3 rows lack the key: DescribeInstances and GetObject are not tracked).
    user_with(
        iam,
        "alice",
        allow(
            "iam:GetUser",
            "iam:PassRole",
            "lambda:ListFunctions",
            "ec2:DescribeInstances",
            "s3:GetObject",
        ),
    )
    rows = rows_of(iam, granularity="ACTION_LEVEL")
    assert [row["ServiceNamespace"] for row in rows] == ["ec2", "iam", "lambda", "s3"]
    assert row_for(rows, "iam")["TrackedActionsLastAccessed"] == [{"ActionName": "GetUser"}]
    assert row_for(rows, "lambda")["TrackedActionsLastAccessed"] == [
        {"ActionName": "ListFunctions"}
    ]
    assert "TrackedActionsLastAccessed" not in row_for(rows, "ec2")
    assert "TrackedActionsLastAccessed" not in row_for(rows, "s3")


def test_tracked_actions_are_alphabetical(iam: Any) -> None:
    # Case: get_role_first (4 iam actions sorted).
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST_ROOT)
    iam.put_role_policy(
        RoleName="app",
        PolicyName="p",
        PolicyDocument=allow("iam:ListUsers", "iam:GetRole", "iam:CreateUser", "iam:GetGroup"),
    )
    rows = rows_of(iam, f"arn:aws:iam::{ACCOUNT}:role/app", "ACTION_LEVEL")
    assert rows[0]["TrackedActionsLastAccessed"] == [
        {"ActionName": "CreateUser"},
        {"ActionName": "GetGroup"},
        {"ActionName": "GetRole"},
        {"ActionName": "ListUsers"},
    ]


def test_pass_role_only_lists_iam_without_tracked_actions(iam: Any) -> None:
    # Case: passrole_only (PassRole is not tracked).
    user_with(iam, "alice", allow("iam:PassRole"))
    assert rows_of(iam, granularity="ACTION_LEVEL") == [
        {
            "ServiceName": "AWS Identity and Access Management",
            "ServiceNamespace": "iam",
            "TotalAuthenticatedEntities": 0,
        }
    ]


def test_untracked_get_object_gives_an_s3_row_without_tracked_actions(iam: Any) -> None:
    # Case: report_controls_get_disjoint_resource_deny_poll_1, pending_query_completed_first.
    user_with(iam, "alice", allow("s3:GetObject"))
    assert rows_of(iam, granularity="ACTION_LEVEL") == [
        {"ServiceName": "Amazon S3", "ServiceNamespace": "s3", "TotalAuthenticatedEntities": 0}
    ]


def test_used_tracked_action_carries_entity_time_and_region(
    iam: Any, access_mock: AccessMock
) -> None:
    user_with(iam, "alice", allow("s3:CreateBucket", "s3:DeleteBucket"))
    access_mock.record_access(
        ALICE,
        "s3:CreateBucket",
        at=datetime(2026, 2, 1, 9, 15, 42, tzinfo=timezone.utc),
        region="eu-west-3",
    )
    row = rows_of(iam, granularity="ACTION_LEVEL")[0]
    assert row["TrackedActionsLastAccessed"] == [
        {
            "ActionName": "CreateBucket",
            "LastAccessedEntity": ALICE,
            "LastAccessedTime": datetime(2026, 2, 1, 9, 15, tzinfo=timezone.utc),
            "LastAccessedRegion": "eu-west-3",
        },
        {"ActionName": "DeleteBucket"},
    ]


def test_service_level_job_has_no_tracked_actions(iam: Any, access_mock: AccessMock) -> None:
    user_with(iam, "alice", allow("s3:CreateBucket"))
    access_mock.record_access(ALICE, "s3:CreateBucket")
    assert "TrackedActionsLastAccessed" not in rows_of(iam)[0]


# ---- whose activity counts ------------------------------------------------------------------------


def test_group_report_names_the_member_that_accessed_last(
    iam: Any, access_mock: AccessMock
) -> None:
    iam.create_group(GroupName="devs")
    iam.put_group_policy(
        GroupName="devs", PolicyName="p", PolicyDocument=allow("s3:GetObject", "sqs:SendMessage")
    )
    for name in ("bob", "carol", "dave"):
        iam.create_user(UserName=name)
        iam.add_user_to_group(GroupName="devs", UserName=name)
    access_mock.record_access(
        f"arn:aws:iam::{ACCOUNT}:user/carol", "s3:GetObject", at=NOW - timedelta(hours=2)
    )
    access_mock.record_access(
        f"arn:aws:iam::{ACCOUNT}:user/bob",
        "s3:GetObject",
        at=NOW - timedelta(hours=1),
        region="eu-west-1",
    )
    rows = rows_of(iam, f"arn:aws:iam::{ACCOUNT}:group/devs")
    assert rows == [
        {
            "ServiceName": "Amazon S3",
            "ServiceNamespace": "s3",
            "LastAuthenticated": NOW - timedelta(hours=1),
            "LastAuthenticatedEntity": f"arn:aws:iam::{ACCOUNT}:user/bob",
            "LastAuthenticatedRegion": "eu-west-1",
            "TotalAuthenticatedEntities": 2,
        },
        {"ServiceName": "Amazon SQS", "ServiceNamespace": "sqs", "TotalAuthenticatedEntities": 0},
    ]


def test_policy_report_names_the_user_or_role_that_used_it_last(
    iam: Any, access_mock: AccessMock
) -> None:
    arn = iam.create_policy(PolicyName="shared", PolicyDocument=allow("s3:GetObject"))["Policy"][
        "Arn"
    ]
    iam.create_user(UserName="direct")
    iam.attach_user_policy(UserName="direct", PolicyArn=arn)
    iam.create_group(GroupName="devs")
    iam.attach_group_policy(GroupName="devs", PolicyArn=arn)
    iam.create_user(UserName="member")
    iam.add_user_to_group(GroupName="devs", UserName="member")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST_ROOT)
    iam.attach_role_policy(RoleName="app", PolicyArn=arn)
    iam.create_user(UserName="outsider")
    access_mock.record_access(
        f"arn:aws:iam::{ACCOUNT}:user/direct", "s3:GetObject", at=NOW - timedelta(hours=3)
    )
    access_mock.record_access(
        f"arn:aws:iam::{ACCOUNT}:user/member", "s3:GetObject", at=NOW - timedelta(hours=2)
    )
    access_mock.record_access(
        f"arn:aws:iam::{ACCOUNT}:role/app", "s3:GetObject", at=NOW - timedelta(hours=1)
    )
    access_mock.record_access(f"arn:aws:iam::{ACCOUNT}:user/outsider", "s3:GetObject", at=NOW)
    row = rows_of(iam, arn)[0]
    assert row["LastAuthenticatedEntity"] == f"arn:aws:iam::{ACCOUNT}:role/app"
    assert row["LastAuthenticated"] == NOW - timedelta(hours=1)
    assert row["TotalAuthenticatedEntities"] == 3


def test_group_action_level_names_the_member_that_used_the_action(
    iam: Any, access_mock: AccessMock
) -> None:
    iam.create_group(GroupName="devs")
    iam.put_group_policy(
        GroupName="devs", PolicyName="p", PolicyDocument=allow("iam:GetUser", "iam:ListUsers")
    )
    for name in ("bob", "carol"):
        iam.create_user(UserName=name)
        iam.add_user_to_group(GroupName="devs", UserName=name)
    access_mock.record_access(
        f"arn:aws:iam::{ACCOUNT}:user/bob", "iam:GetUser", at=NOW - timedelta(hours=1)
    )
    access_mock.record_access(
        f"arn:aws:iam::{ACCOUNT}:user/carol", "iam:GetUser", at=NOW - timedelta(hours=2)
    )
    access_mock.record_access(
        f"arn:aws:iam::{ACCOUNT}:user/carol", "iam:ListUsers", at=NOW - timedelta(minutes=5)
    )
    row = rows_of(iam, f"arn:aws:iam::{ACCOUNT}:group/devs", "ACTION_LEVEL")[0]
    assert row["LastAuthenticatedEntity"] == f"arn:aws:iam::{ACCOUNT}:user/carol"
    assert row["TotalAuthenticatedEntities"] == 2
    assert row["TrackedActionsLastAccessed"] == [
        {
            "ActionName": "GetUser",
            "LastAccessedEntity": f"arn:aws:iam::{ACCOUNT}:user/bob",
            "LastAccessedTime": NOW - timedelta(hours=1),
            "LastAccessedRegion": "us-east-1",
        },
        {
            "ActionName": "ListUsers",
            "LastAccessedEntity": f"arn:aws:iam::{ACCOUNT}:user/carol",
            "LastAccessedTime": NOW - timedelta(minutes=5),
            "LastAccessedRegion": "us-east-1",
        },
    ]


def test_role_report_names_the_role_not_the_session(iam: Any) -> None:
    # API reference: LastAuthenticatedEntity is "the role ARN that you used to generate the report".
    iam.create_role(RoleName="app", Path="/svc/", AssumeRolePolicyDocument=TRUST_ROOT)
    iam.put_role_policy(
        RoleName="app", PolicyName="p", PolicyDocument=allow("sts:GetCallerIdentity")
    )
    session = boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/svc/app", RoleSessionName="s1"
    )
    client_for("sts", session["Credentials"], region="ap-southeast-2").get_caller_identity()
    row = rows_of(iam, f"arn:aws:iam::{ACCOUNT}:role/svc/app")[0]
    assert row["LastAuthenticatedEntity"] == f"arn:aws:iam::{ACCOUNT}:role/svc/app"
    assert row["LastAuthenticatedRegion"] == "ap-southeast-2"
    assert row["TotalAuthenticatedEntities"] == 1


# ---- which services a report lists ---------------------------------------------------------------


def test_user_report_covers_its_own_and_its_groups_policies(iam: Any) -> None:
    # Case: get_user_first (user inline + managed, group inline + managed; a Deny sqs:* in
    # another policy removes sqs although a managed policy allows it).
    user_with(iam, "alice", allow("s3:GetObject"), document(statement("Deny", "sqs:*")))
    managed = iam.create_policy(
        PolicyName="ec2-sqs", PolicyDocument=allow("ec2:DescribeInstances", "sqs:SendMessage")
    )
    iam.attach_user_policy(UserName="alice", PolicyArn=managed["Policy"]["Arn"])
    iam.create_group(GroupName="devs")
    iam.put_group_policy(GroupName="devs", PolicyName="iam", PolicyDocument=allow("iam:GetUser"))
    group_managed = iam.create_policy(
        PolicyName="lambda", PolicyDocument=allow("lambda:ListFunctions")
    )
    iam.attach_group_policy(GroupName="devs", PolicyArn=group_managed["Policy"]["Arn"])
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    assert services_of(iam) == ["ec2", "iam", "lambda", "s3"]


def test_group_report_covers_only_the_groups_policies(iam: Any) -> None:
    # Case: get_group_first.
    user_with(iam, "alice", allow("s3:GetObject"))
    iam.create_group(GroupName="devs")
    iam.put_group_policy(GroupName="devs", PolicyName="iam", PolicyDocument=allow("iam:GetUser"))
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    assert services_of(iam, f"arn:aws:iam::{ACCOUNT}:group/devs") == ["iam"]


def test_role_report_ignores_the_trust_policy(iam: Any) -> None:
    # Case: get_role_first (the trust policy does not add sts).
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST_ROOT)
    iam.put_role_policy(
        RoleName="app", PolicyName="p", PolicyDocument=allow("lambda:InvokeFunction")
    )
    assert services_of(iam, f"arn:aws:iam::{ACCOUNT}:role/app") == ["lambda"]


def test_permissions_boundary_is_ignored_by_the_report(iam: Any) -> None:
    # Case: get_user_boundary_poll_1.
    boundary = iam.create_policy(PolicyName="boundary", PolicyDocument=allow("s3:GetObject"))[
        "Policy"
    ]["Arn"]
    iam.create_user(UserName="alice", PermissionsBoundary=boundary)
    iam.put_user_policy(
        UserName="alice", PolicyName="p", PolicyDocument=allow("sqs:SendMessage", "sns:Publish")
    )
    assert (
        iam.get_user(UserName="alice")["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"]
        == boundary
    )
    assert services_of(iam) == ["sns", "sqs"]


def test_session_policy_does_not_change_the_role_report(iam: Any) -> None:
    # documented_semantics: session policies are not inputs of the report.
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST_ROOT)
    iam.put_role_policy(
        RoleName="app", PolicyName="p", PolicyDocument=allow("s3:GetObject", "sqs:SendMessage")
    )
    boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/app",
        RoleSessionName="narrow",
        Policy=allow("s3:GetObject"),
    )
    assert services_of(iam, f"arn:aws:iam::{ACCOUNT}:role/app") == ["s3", "sqs"]


def test_deny_only_policy_gives_an_empty_report(iam: Any) -> None:
    # Case: get_user_first notes ("A Deny-only policy gives []").
    user_with(iam, "alice", document(statement("Deny", "s3:*")))
    assert services_of(iam) == []


def test_deny_of_the_same_action_and_resource_removes_the_service(iam: Any) -> None:
    # Case: report_controls_get_same_exact_action_deny_poll_1.
    bucket = "arn:aws:s3:::bucket-a/*"
    user_with(
        iam,
        "alice",
        document(
            statement("Allow", "s3:GetObject", bucket), statement("Deny", "s3:GetObject", bucket)
        ),
    )
    assert services_of(iam) == []


def test_deny_of_all_s3_on_the_same_resource_removes_the_service(iam: Any) -> None:
    # Case: get_deny_edges_exact_poll_1.
    bucket = "arn:aws:s3:::bucket-a/*"
    user_with(
        iam,
        "alice",
        document(statement("Allow", "s3:GetObject", bucket), statement("Deny", "s3:*", bucket)),
    )
    assert services_of(iam) == []


def test_deny_on_a_disjoint_resource_keeps_the_service(iam: Any) -> None:
    # Case: report_controls_get_disjoint_resource_deny_poll_1.
    user_with(
        iam,
        "alice",
        document(
            statement("Allow", "s3:GetObject", "arn:aws:s3:::bucket-a/*"),
            statement("Deny", "s3:*", "arn:aws:s3:::bucket-b/*"),
        ),
    )
    assert services_of(iam) == ["s3"]


def test_conditional_deny_keeps_the_service(iam: Any) -> None:
    # Case: report_controls_get_conditional_service_deny_poll_1.
    condition = {"StringEquals": {"aws:username": "alice"}}
    user_with(
        iam,
        "alice",
        document(
            statement("Allow", "s3:GetObject"), statement("Deny", "s3:*", Condition=condition)
        ),
    )
    assert services_of(iam) == ["s3"]


def test_allow_with_an_unsatisfiable_condition_keeps_the_service(iam: Any) -> None:
    # Case: selection phase.
    condition = {"StringEquals": {"aws:username": "nobody-has-this-name"}}
    user_with(iam, "alice", document(statement("Allow", "sqs:SendMessage", Condition=condition)))
    assert services_of(iam) == ["sqs"]


def test_get_object_on_a_bucket_arn_lists_nothing(iam: Any) -> None:
    # Case: report_controls_get_bucket_only_poll_1 gave []; its document is not recorded, and
    # this is the evaluator's reading of it: GetObject acts on objects, never on a bucket ARN.
    user_with(iam, "alice", allow("s3:GetObject", resource="arn:aws:s3:::bucket-a"))
    assert services_of(iam) == []


def test_report_and_list_policies_disagree_on_a_same_resource_deny(iam: Any) -> None:
    # Case: deny_edges_resource_exact (the report drops s3, ListPolicies keeps the policy).
    bucket = "arn:aws:s3:::bucket-a/*"
    user_with(
        iam,
        "alice",
        document(statement("Allow", "s3:GetObject", bucket), statement("Deny", "s3:*", bucket)),
    )
    assert services_of(iam) == []
    listed = iam.list_policies_granting_service_access(Arn=ALICE, ServiceNamespaces=["s3"])
    assert [
        policy["PolicyName"] for policy in listed["PoliciesGrantingServiceAccess"][0]["Policies"]
    ] == ["p0"]


def test_unknown_action_of_a_known_service_lists_nothing(iam: Any) -> None:
    # Case: selection phase.
    user_with(iam, "alice", allow("s3:StackdUnmodeledAction"))
    assert services_of(iam) == []


def test_unknown_service_is_not_listed(iam: Any) -> None:
    # Case: selection phase.
    user_with(iam, "alice", allow("stackdunmodeled:Read", "sqs:SendMessage"))
    assert services_of(iam) == ["sqs"]


def test_allow_all_lists_every_service(iam: Any) -> None:
    user_with(iam, "alice", ALLOW_ALL)
    job_id = generate(iam)
    first = iam.get_service_last_accessed_details(JobId=job_id, MaxItems=1000)
    assert len(first["ServicesLastAccessed"]) == ALL_SERVICES
    assert first["IsTruncated"] is False


def test_not_action_lists_every_service_but_those(iam: Any) -> None:
    user_with(iam, "alice", document({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}))
    job_id = generate(iam)
    listed = [
        row["ServiceNamespace"]
        for row in iam.get_service_last_accessed_details(JobId=job_id, MaxItems=1000)[
            "ServicesLastAccessed"
        ]
    ]
    assert len(listed) == ALL_SERVICES - 1
    assert "s3" not in listed and "s3-object-lambda" in listed


def test_wildcard_in_the_action_vendor_is_rejected(iam: Any) -> None:
    # Case: selection phase (PutUserPolicy with "s*:Get*").
    iam.create_user(UserName="alice")
    with pytest.raises(ClientError) as excinfo:
        iam.put_user_policy(UserName="alice", PolicyName="p", PolicyDocument=allow("s*:Get*"))
    assert error_and_status(excinfo) == (
        "MalformedPolicyDocument",
        "Action vendors (e.g., aws, ec2, etc.) must not contain wildcards.",
        400,
    )


# ---- snapshot semantics -----------------------------------------------------------------------------


def test_policy_change_while_in_progress_does_not_change_the_result(
    iam: Any, access_mock: AccessMock
) -> None:
    # Case: pending_policy_new_default -> pending_policy_completed_poll_2, then
    # pending_policy_regenerated_poll_2.
    arn = iam.create_policy(PolicyName="everything", PolicyDocument=ALLOW_ALL)["Policy"]["Arn"]
    access_mock.jobs.complete_after(polls=1)
    job_id = generate(iam, arn)
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=allow("sns:Publish"), SetAsDefault=True)
    assert iam.get_service_last_accessed_details(JobId=job_id)["JobStatus"] == "IN_PROGRESS"
    report = iam.get_service_last_accessed_details(JobId=job_id, MaxItems=1000)
    assert report["JobStatus"] == "COMPLETED"
    assert len(report["ServicesLastAccessed"]) == ALL_SERVICES
    access_mock.jobs.complete_after(polls=0)
    assert services_of(iam, arn) == ["sns"]


def test_completed_job_does_not_see_a_later_put_user_policy(iam: Any) -> None:
    # Case: get_old_after_source_mutation, old_job_after_new_permission.
    user_with(iam, "alice", allow("s3:GetObject"))
    old = generate(iam)
    assert [
        row["ServiceNamespace"]
        for row in iam.get_service_last_accessed_details(JobId=old)["ServicesLastAccessed"]
    ] == ["s3"]
    iam.put_user_policy(
        UserName="alice", PolicyName="more", PolicyDocument=allow("sqs:SendMessage")
    )
    assert [
        row["ServiceNamespace"]
        for row in iam.get_service_last_accessed_details(JobId=old)["ServicesLastAccessed"]
    ] == ["s3"]
    assert services_of(iam) == ["s3", "sqs"]


def test_in_progress_job_does_not_see_a_later_put_user_policy(
    iam: Any, access_mock: AccessMock
) -> None:
    # Case: get_after_pending_source_mutation_first.
    user_with(iam, "alice", allow("s3:GetObject"))
    access_mock.jobs.complete_after(polls=1)
    job_id = generate(iam)
    iam.put_user_policy(
        UserName="alice", PolicyName="more", PolicyDocument=allow("sqs:SendMessage")
    )
    assert iam.get_service_last_accessed_details(JobId=job_id)["JobStatus"] == "IN_PROGRESS"
    rows = iam.get_service_last_accessed_details(JobId=job_id)["ServicesLastAccessed"]
    assert [row["ServiceNamespace"] for row in rows] == ["s3"]


def test_later_activity_does_not_change_a_job(iam: Any, access_mock: AccessMock) -> None:
    user_with(iam, "alice", allow("s3:GetObject"))
    access_mock.jobs.complete_after(polls=1)
    job_id = generate(iam)
    access_mock.record_access(ALICE, "s3:GetObject")
    iam.get_service_last_accessed_details(JobId=job_id)  # IN_PROGRESS
    row = iam.get_service_last_accessed_details(JobId=job_id)["ServicesLastAccessed"][0]
    assert row == {
        "ServiceName": "Amazon S3",
        "ServiceNamespace": "s3",
        "TotalAuthenticatedEntities": 0,
    }


def test_completed_job_stays_readable_after_its_user_is_deleted(iam: Any) -> None:
    # Case: get_completed_after_source_deleted.
    user_with(iam, "alice", allow("s3:GetObject"))
    job_id = generate(iam)
    iam.delete_user_policy(UserName="alice", PolicyName="p0")
    iam.delete_user(UserName="alice")
    report = iam.get_service_last_accessed_details(JobId=job_id)
    assert report["JobStatus"] == "COMPLETED"
    assert [row["ServiceNamespace"] for row in report["ServicesLastAccessed"]] == ["s3"]


# ---- pages --------------------------------------------------------------------------------------------


def allow_all_job(iam: Any) -> str:
    arn = iam.create_policy(PolicyName="everything", PolicyDocument=ALLOW_ALL)["Policy"]["Arn"]
    return generate(iam, arn)


def test_default_page_is_200_rows(iam: Any) -> None:
    # Case: pending_policy_completed_poll_2 (a2c ... healthlake, IsTruncated, Marker); limitations.
    job_id = allow_all_job(iam)
    first = iam.get_service_last_accessed_details(JobId=job_id)
    names = [row["ServiceNamespace"] for row in first["ServicesLastAccessed"]]
    assert len(names) == 200
    assert (names[0], names[1], names[2], names[-1]) == (
        "a2c",
        "a4b",
        "access-analyzer",
        "healthlake",
    )
    assert first["IsTruncated"] is True
    second = iam.get_service_last_accessed_details(JobId=job_id, Marker=first["Marker"])
    assert len(second["ServicesLastAccessed"]) == 200
    assert second["ServicesLastAccessed"][0]["ServiceNamespace"] == "honeycode"
    third = iam.get_service_last_accessed_details(JobId=job_id, Marker=second["Marker"])
    assert len(third["ServicesLastAccessed"]) == ALL_SERVICES - 400
    assert third["IsTruncated"] is False
    assert "Marker" not in third


def test_max_items_1_gives_a_marker(iam: Any) -> None:
    # Case: get_* MaxItems-1 paging cases, main phase.
    user_with(iam, "alice", allow("s3:GetObject", "iam:GetUser", "ec2:DescribeInstances"))
    job_id = generate(iam)
    first = iam.get_service_last_accessed_details(JobId=job_id, MaxItems=1)
    assert [row["ServiceNamespace"] for row in first["ServicesLastAccessed"]] == ["ec2"]
    assert first["IsTruncated"] is True
    assert first["Marker"]


def test_marker_can_be_reused_with_a_different_max_items(iam: Any) -> None:
    # Case: get_* MaxItems-1 paging cases (a marker encodes a position).
    user_with(
        iam,
        "alice",
        allow("s3:GetObject", "iam:GetUser", "ec2:DescribeInstances", "sqs:SendMessage"),
    )
    job_id = generate(iam)
    marker = iam.get_service_last_accessed_details(JobId=job_id, MaxItems=1)["Marker"]
    two = iam.get_service_last_accessed_details(JobId=job_id, MaxItems=2, Marker=marker)
    assert [row["ServiceNamespace"] for row in two["ServicesLastAccessed"]] == ["iam", "s3"]
    assert two["IsTruncated"] is True
    rest = iam.get_service_last_accessed_details(JobId=job_id, MaxItems=10, Marker=marker)
    assert [row["ServiceNamespace"] for row in rest["ServicesLastAccessed"]] == ["iam", "s3", "sqs"]
    assert rest["IsTruncated"] is False


@pytest.mark.parametrize(
    ("max_items", "rule"),
    [(0, "greater than or equal to 1"), (1001, "less than or equal to 1000")],
)
def test_max_items_outside_1_to_1000_is_a_validation_error(
    raw_iam: Any, max_items: int, rule: str
) -> None:
    # Case: raw_get_max_zero and the max-1001 case.
    user_with(raw_iam, "alice", allow("s3:GetObject"))
    job_id = generate(raw_iam)
    with pytest.raises(ClientError) as excinfo:
        raw_iam.get_service_last_accessed_details(JobId=job_id, MaxItems=max_items)
    assert error_and_status(excinfo) == (
        "ValidationError",
        f"1 validation error detected: Value at 'maxItems' failed to satisfy constraint: Member must have value {rule}",
        400,
    )


def test_max_items_1000_is_accepted(iam: Any) -> None:
    user_with(iam, "alice", allow("s3:GetObject"))
    report = iam.get_service_last_accessed_details(JobId=generate(iam), MaxItems=1000)
    assert report["IsTruncated"] is False


def test_garbage_marker_is_invalid_marker(iam: Any) -> None:
    # Case: Marker "invalid" on GetServiceLastAccessedDetails.
    user_with(iam, "alice", allow("s3:GetObject"))
    with pytest.raises(ClientError) as excinfo:
        iam.get_service_last_accessed_details(JobId=generate(iam), Marker="invalid")
    assert error_and_status(excinfo) == ("ValidationError", "Invalid Marker.", 400)


def test_empty_marker_is_not_printable_ascii(raw_iam: Any) -> None:
    # Case: raw_get_empty_marker.
    user_with(raw_iam, "alice", allow("s3:GetObject"))
    with pytest.raises(ClientError) as excinfo:
        raw_iam.get_service_last_accessed_details(JobId=generate(raw_iam), Marker="")
    assert error_and_status(excinfo) == (
        "ValidationError",
        "The specified value for marker is invalid. It must contain only printable ASCII characters.",
        400,
    )


def test_marker_of_another_job_is_invalid_input(iam: Any) -> None:
    # Case: marker cross-use cases, main phase.
    user_with(iam, "alice", allow("s3:GetObject", "sqs:SendMessage"))
    marker = iam.get_service_last_accessed_details(JobId=generate(iam), MaxItems=1)["Marker"]
    with pytest.raises(ClientError) as excinfo:
        iam.get_service_last_accessed_details(JobId=generate(iam), Marker=marker)
    assert error_and_status(excinfo) == (
        "InvalidInput",
        "The marker passed in the request was invalid.",
        400,
    )


def test_is_truncated_is_on_every_response(iam: Any, access_mock: AccessMock) -> None:
    # Case: all Get cases (IN_PROGRESS ones included).
    user_with(iam, "alice", allow("s3:GetObject"))
    access_mock.jobs.complete_after(polls=1)
    job_id = generate(iam)
    assert iam.get_service_last_accessed_details(JobId=job_id)["IsTruncated"] is False
    assert iam.get_service_last_accessed_details(JobId=job_id)["IsTruncated"] is False


# ---- the same index behind GetAccessKeyLastUsed and RoleLastUsed ----------------------------------


def test_access_key_last_used_and_the_report_read_the_same_call(
    iam: Any, access_mock: AccessMock
) -> None:
    user_with(iam, "alice", allow("sts:GetCallerIdentity"))
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    access_mock.clock.set(NOW + timedelta(seconds=42))
    client_for("sts", key, region="eu-west-2").get_caller_identity()
    last_used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
    assert last_used["UserName"] == "alice"
    assert last_used["AccessKeyLastUsed"] == {
        "LastUsedDate": NOW + timedelta(seconds=42),
        "ServiceName": "sts",
        "Region": "eu-west-2",
    }
    row = rows_of(iam)[0]
    assert (row["ServiceNamespace"], row["LastAuthenticated"], row["LastAuthenticatedRegion"]) == (
        "sts",
        NOW,
        "eu-west-2",
    )


def test_role_last_used_and_the_report_read_the_same_session_call(
    iam: Any, access_mock: AccessMock
) -> None:
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST_ROOT)
    iam.put_role_policy(
        RoleName="app", PolicyName="p", PolicyDocument=allow("sts:GetCallerIdentity")
    )
    assert iam.get_role(RoleName="app")["Role"]["RoleLastUsed"] == {}
    session = boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/app", RoleSessionName="s1"
    )
    access_mock.clock.set(NOW + timedelta(minutes=5))
    client_for("sts", session["Credentials"], region="ca-central-1").get_caller_identity()
    expected = {"LastUsedDate": NOW + timedelta(minutes=5), "Region": "ca-central-1"}
    assert iam.get_role(RoleName="app")["Role"]["RoleLastUsed"] == expected
    details = iam.get_account_authorization_details(Filter=["Role"])["RoleDetailList"]
    assert [role["RoleLastUsed"] for role in details if role["RoleName"] == "app"] == [expected]
    row = rows_of(iam, f"arn:aws:iam::{ACCOUNT}:role/app")[0]
    assert (
        row["LastAuthenticated"],
        row["LastAuthenticatedEntity"],
        row["LastAuthenticatedRegion"],
    ) == (
        NOW + timedelta(minutes=5),
        f"arn:aws:iam::{ACCOUNT}:role/app",
        "ca-central-1",
    )
