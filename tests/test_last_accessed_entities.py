"""GetServiceLastAccessedDetailsWithEntities through boto3: who is listed, order, snapshot, pages.

Facts come from /work/shared/data/observed-aws-facts.md ("GetServiceLastAccessedDetailsWithEntities",
"Snapshot semantics", "Page size and pagination"); each test names the capture case it reproduces.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from botocore.exceptions import ClientError
from support import ACCOUNT, NOW, TRUST_ROOT, error_and_status, generate

from iam_access_mock import AccessMock

S3_AND_SQS = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "sqs:SendMessage"], "Resource": "*"}
        ],
    }
)


def user_arn(name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{ACCOUNT}:user{path}{name}"


def entities(iam: Any, job_id: str, namespace: str = "s3", **extra: Any) -> list[dict[str, Any]]:
    details: list[dict[str, Any]] = iam.get_service_last_accessed_details_with_entities(
        JobId=job_id, ServiceNamespace=namespace, **extra
    )["EntityDetailsList"]
    return details


def names(details: list[dict[str, Any]]) -> list[str]:
    return [entry["EntityInfo"]["Name"] for entry in details]


def group_with_members(iam: Any, *members: str, group: str = "devs") -> str:
    iam.create_group(GroupName=group)
    iam.put_group_policy(GroupName=group, PolicyName="p", PolicyDocument=S3_AND_SQS)
    for name in members:
        iam.create_user(UserName=name)
        iam.add_user_to_group(GroupName=group, UserName=name)
    return f"arn:aws:iam::{ACCOUNT}:group/{group}"


# ---- EntityInfo ---------------------------------------------------------------------------------


def test_entity_info_fields_and_no_last_authenticated_when_unused(iam: Any) -> None:
    # Case: entity_snapshot_initial_user (EntityInfo {Arn, Name, Type, Id, Path}).
    user = iam.create_user(UserName="target", Path="/stackd/")["User"]
    iam.put_user_policy(UserName="target", PolicyName="p", PolicyDocument=S3_AND_SQS)
    assert entities(iam, generate(iam, user["Arn"])) == [
        {
            "EntityInfo": {
                "Arn": user_arn("target", "/stackd/"),
                "Name": "target",
                "Type": "USER",
                "Id": user["UserId"],
                "Path": "/stackd/",
            }
        }
    ]


def test_used_entity_carries_last_authenticated_to_the_minute(
    iam: Any, access_mock: AccessMock
) -> None:
    iam.create_user(UserName="target")
    iam.put_user_policy(UserName="target", PolicyName="p", PolicyDocument=S3_AND_SQS)
    access_mock.record_access(
        user_arn("target"), "s3:GetObject", at=datetime(2026, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    )
    (entry,) = entities(iam, generate(iam, user_arn("target")))
    assert entry["LastAuthenticated"] == datetime(2026, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert "LastAuthenticated" not in entities(iam, generate(iam, user_arn("target")), "sqs")[0]


# ---- who is listed, per job type --------------------------------------------------------------------


def test_user_job_lists_the_user(iam: Any) -> None:
    # Case: main-phase entities cases (user job).
    iam.create_user(UserName="target")
    iam.put_user_policy(UserName="target", PolicyName="p", PolicyDocument=S3_AND_SQS)
    assert names(entities(iam, generate(iam, user_arn("target")))) == ["target"]


def test_role_job_lists_the_role(iam: Any) -> None:
    # Case: main-phase entities cases (role job).
    role = iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST_ROOT)["Role"]
    iam.put_role_policy(RoleName="app", PolicyName="p", PolicyDocument=S3_AND_SQS)
    (entry,) = entities(iam, generate(iam, role["Arn"]))
    assert entry["EntityInfo"] == {
        "Arn": role["Arn"],
        "Name": "app",
        "Type": "ROLE",
        "Id": role["RoleId"],
        "Path": "/",
    }


def test_group_job_lists_its_members_alphabetically_not_the_group(iam: Any) -> None:
    # Case: entity_snapshot_initial_group.
    arn = group_with_members(iam, "target", "member", "Bob")
    details = entities(iam, generate(iam, arn))
    assert names(details) == ["Bob", "member", "target"]
    assert {entry["EntityInfo"]["Type"] for entry in details} == {"USER"}


def test_policy_job_lists_users_then_roles_with_groups_expanded(iam: Any) -> None:
    # Case: entity_snapshot_initial_policy (attached users, then roles; groups expanded).
    arn = iam.create_policy(PolicyName="shared", PolicyDocument=S3_AND_SQS)["Policy"]["Arn"]
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST_ROOT)
    iam.attach_role_policy(RoleName="app", PolicyArn=arn)
    iam.create_user(UserName="zed")
    iam.attach_user_policy(UserName="zed", PolicyArn=arn)
    iam.create_group(GroupName="devs")
    iam.attach_group_policy(GroupName="devs", PolicyArn=arn)
    iam.create_user(UserName="member")
    iam.add_user_to_group(GroupName="devs", UserName="member")
    iam.add_user_to_group(GroupName="devs", UserName="zed")  # reached twice, listed once
    iam.create_user(UserName="outsider")
    details = entities(iam, generate(iam, arn))
    assert [(entry["EntityInfo"]["Name"], entry["EntityInfo"]["Type"]) for entry in details] == [
        ("member", "USER"),
        ("zed", "USER"),
        ("app", "ROLE"),
    ]


def test_unused_policy_job_lists_nobody(iam: Any) -> None:
    # Case: main-phase entities cases (unused policy).
    arn = iam.create_policy(PolicyName="unused", PolicyDocument=S3_AND_SQS)["Policy"]["Arn"]
    assert entities(iam, generate(iam, arn)) == []


def test_namespace_the_report_does_not_list_gives_an_empty_list(iam: Any) -> None:
    # Rule chosen (AWS not observed): a valid namespace outside the report lists nobody.
    iam.create_user(UserName="target")
    iam.put_user_policy(UserName="target", PolicyName="p", PolicyDocument=S3_AND_SQS)
    response = iam.get_service_last_accessed_details_with_entities(
        JobId=generate(iam, user_arn("target")), ServiceNamespace="ec2"
    )
    assert response["EntityDetailsList"] == []
    assert response["IsTruncated"] is False


# ---- order ---------------------------------------------------------------------------------------


def test_most_recent_first_then_never_used(iam: Any, access_mock: AccessMock) -> None:
    # API reference: "sorted by date, with the most recent access listed first"; the
    # never-used ones follow in the observed order (users alphabetical).
    arn = group_with_members(iam, "ann", "ben", "cat", "dan")
    access_mock.record_access(user_arn("dan"), "s3:GetObject", at=NOW - timedelta(days=3))
    access_mock.record_access(user_arn("ben"), "s3:GetObject", at=NOW - timedelta(days=1))
    details = entities(iam, generate(iam, arn))
    assert names(details) == ["ben", "dan", "ann", "cat"]
    assert [entry.get("LastAuthenticated") for entry in details] == [
        NOW - timedelta(days=1),
        NOW - timedelta(days=3),
        None,
        None,
    ]


def test_order_uses_full_time_though_shown_to_the_minute(iam: Any, access_mock: AccessMock) -> None:
    arn = group_with_members(iam, "ann", "ben")
    access_mock.record_access(user_arn("ann"), "s3:GetObject", at=NOW - timedelta(seconds=50))
    access_mock.record_access(user_arn("ben"), "s3:GetObject", at=NOW - timedelta(seconds=10))
    details = entities(iam, generate(iam, arn))
    assert names(details) == ["ben", "ann"]
    assert [entry["LastAuthenticated"] for entry in details] == [NOW - timedelta(minutes=1)] * 2


# ---- snapshot of the entities ---------------------------------------------------------------------


def test_renamed_user_shows_its_current_name_and_path(iam: Any) -> None:
    # Case: entity_snapshot_renamed_group, entity_snapshot_renamed_user (same Id, new name/path/ARN).
    group_job = generate(iam, group_with_members(iam, "target"))
    user_id = iam.get_user(UserName="target")["User"]["UserId"]
    iam.put_user_policy(UserName="target", PolicyName="own", PolicyDocument=S3_AND_SQS)
    user_job = generate(iam, user_arn("target"))
    iam.update_user(UserName="target", NewUserName="renamed", NewPath="/moved/")
    for job_id in (group_job, user_job):
        assert [entry["EntityInfo"] for entry in entities(iam, job_id)] == [
            {
                "Arn": user_arn("renamed", "/moved/"),
                "Name": "renamed",
                "Type": "USER",
                "Id": user_id,
                "Path": "/moved/",
            }
        ]


def test_member_removed_after_the_job_is_still_listed(iam: Any) -> None:
    # Case: entity_snapshot_removed_group_member.
    arn = group_with_members(iam, "member", "target")
    job_id = generate(iam, arn)
    iam.remove_user_from_group(GroupName="devs", UserName="member")
    assert names(entities(iam, job_id)) == ["member", "target"]


def test_member_added_after_the_job_is_not_listed(iam: Any) -> None:
    # Case: entity_snapshot_added_group_member.
    arn = group_with_members(iam, "target")
    job_id = generate(iam, arn)
    iam.create_user(UserName="newcomer")
    iam.add_user_to_group(GroupName="devs", UserName="newcomer")
    assert names(entities(iam, job_id)) == ["target"]


def test_user_detached_after_a_policy_job_is_still_listed(iam: Any) -> None:
    # Case: entity_snapshot_detached_policy.
    arn = iam.create_policy(PolicyName="shared", PolicyDocument=S3_AND_SQS)["Policy"]["Arn"]
    iam.create_user(UserName="target")
    iam.attach_user_policy(UserName="target", PolicyArn=arn)
    job_id = generate(iam, arn)
    iam.detach_user_policy(UserName="target", PolicyArn=arn)
    assert names(entities(iam, job_id)) == ["target"]


def test_user_attached_after_a_policy_job_is_not_listed(iam: Any) -> None:
    # Case: entity_snapshot_new_policy_attachment.
    arn = iam.create_policy(PolicyName="shared", PolicyDocument=S3_AND_SQS)["Policy"]["Arn"]
    iam.create_user(UserName="target")
    iam.attach_user_policy(UserName="target", PolicyArn=arn)
    job_id = generate(iam, arn)
    iam.create_user(UserName="late")
    iam.attach_user_policy(UserName="late", PolicyArn=arn)
    assert names(entities(iam, job_id)) == ["target"]


def test_user_job_keeps_its_entity_after_the_permission_is_removed(iam: Any) -> None:
    # Case: entity_snapshot_removed_source_user_permission.
    iam.create_user(UserName="target")
    iam.put_user_policy(UserName="target", PolicyName="p", PolicyDocument=S3_AND_SQS)
    job_id = generate(iam, user_arn("target"))
    iam.delete_user_policy(UserName="target", PolicyName="p")
    assert names(entities(iam, job_id)) == ["target"]


def test_deleted_user_is_dropped(iam: Any) -> None:
    # Case: entity_snapshot_deleted_user, entities_completed_after_source_deleted.
    iam.create_user(UserName="target")
    iam.put_user_policy(UserName="target", PolicyName="p", PolicyDocument=S3_AND_SQS)
    job_id = generate(iam, user_arn("target"))
    iam.delete_user_policy(UserName="target", PolicyName="p")
    iam.delete_user(UserName="target")
    response = iam.get_service_last_accessed_details_with_entities(
        JobId=job_id, ServiceNamespace="s3"
    )
    assert response["JobStatus"] == "COMPLETED"
    assert response["EntityDetailsList"] == []


def test_deleted_member_is_dropped_from_a_group_job(iam: Any) -> None:
    arn = group_with_members(iam, "gone", "target")
    job_id = generate(iam, arn)
    iam.remove_user_from_group(GroupName="devs", UserName="gone")
    iam.delete_user(UserName="gone")
    assert names(entities(iam, job_id)) == ["target"]


def test_deleted_group_lists_nobody(iam: Any) -> None:
    # Case: entity_snapshot_deleted_group (the member user still exists).
    arn = group_with_members(iam, "target")
    job_id = generate(iam, arn)
    iam.remove_user_from_group(GroupName="devs", UserName="target")
    iam.delete_group_policy(GroupName="devs", PolicyName="p")
    iam.delete_group(GroupName="devs")
    assert entities(iam, job_id) == []


def test_deleted_customer_policy_lists_nobody(iam: Any) -> None:
    # Rule chosen, as for a deleted group.
    arn = iam.create_policy(PolicyName="shared", PolicyDocument=S3_AND_SQS)["Policy"]["Arn"]
    iam.create_user(UserName="target")
    iam.attach_user_policy(UserName="target", PolicyArn=arn)
    job_id = generate(iam, arn)
    iam.detach_user_policy(UserName="target", PolicyArn=arn)
    iam.delete_policy(PolicyArn=arn)
    iam.create_policy(PolicyName="shared", PolicyDocument=S3_AND_SQS)  # same ARN, another policy
    assert entities(iam, job_id) == []


def test_later_activity_does_not_change_the_entities(iam: Any, access_mock: AccessMock) -> None:
    arn = group_with_members(iam, "target")
    job_id = generate(iam, arn)
    access_mock.record_access(user_arn("target"), "s3:GetObject")
    (old,) = entities(iam, job_id)
    assert "LastAuthenticated" not in old
    (new,) = entities(iam, generate(iam, arn))
    assert new["LastAuthenticated"] == NOW


# ---- pages -----------------------------------------------------------------------------------------


def test_max_items_1_pages_through_the_entities(iam: Any) -> None:
    arn = group_with_members(iam, "ann", "ben", "cat")
    job_id = generate(iam, arn)
    seen, marker = [], None
    while True:
        response = iam.get_service_last_accessed_details_with_entities(
            JobId=job_id,
            ServiceNamespace="s3",
            MaxItems=1,
            **({"Marker": marker} if marker else {}),
        )
        seen += names(response["EntityDetailsList"])
        if not response["IsTruncated"]:
            assert "Marker" not in response
            break
        marker = response["Marker"]
    assert seen == ["ann", "ben", "cat"]


def test_default_page_is_100_entities(iam: Any) -> None:
    # Documented default (AWS's was never reached: limitations).
    arn = group_with_members(iam, *(f"user{index:03d}" for index in range(101)))
    response = iam.get_service_last_accessed_details_with_entities(
        JobId=generate(iam, arn), ServiceNamespace="s3"
    )
    assert len(response["EntityDetailsList"]) == 100
    assert response["IsTruncated"] is True


def test_entities_marker_carries_over_to_another_namespace_of_the_same_job(iam: Any) -> None:
    # Case: marker cross-use cases, main phase (accepted; returned the next entity).
    arn = group_with_members(iam, "ann", "ben")
    job_id = generate(iam, arn)
    marker = iam.get_service_last_accessed_details_with_entities(
        JobId=job_id, ServiceNamespace="s3", MaxItems=1
    )["Marker"]
    assert names(entities(iam, job_id, "sqs", Marker=marker)) == ["ben"]


def test_entities_marker_of_another_job_is_invalid_input(iam: Any) -> None:
    # Case: marker cross-use cases, main phase.
    arn = group_with_members(iam, "ann", "ben")
    marker = iam.get_service_last_accessed_details_with_entities(
        JobId=generate(iam, arn), ServiceNamespace="s3", MaxItems=1
    )["Marker"]
    with pytest.raises(ClientError) as excinfo:
        entities(iam, generate(iam, arn), Marker=marker)
    assert error_and_status(excinfo) == (
        "InvalidInput",
        "The marker passed in the request was invalid.",
        400,
    )


def test_services_marker_is_invalid_input_for_with_entities(iam: Any) -> None:
    # Case: marker cross-use cases, main phase (a GetServiceLastAccessedDetails marker).
    arn = group_with_members(iam, "ann", "ben")
    job_id = generate(iam, arn)
    marker = iam.get_service_last_accessed_details(JobId=job_id, MaxItems=1)["Marker"]
    with pytest.raises(ClientError) as excinfo:
        entities(iam, job_id, Marker=marker)
    assert error_and_status(excinfo) == (
        "InvalidInput",
        "The marker passed in the request was invalid.",
        400,
    )


def test_garbage_marker_is_invalid_marker(iam: Any) -> None:
    # Case: Marker "invalid" on WithEntities.
    arn = group_with_members(iam, "ann")
    with pytest.raises(ClientError) as excinfo:
        entities(iam, generate(iam, arn), Marker="invalid")
    assert error_and_status(excinfo) == ("ValidationError", "Invalid Marker.", 400)


def test_empty_marker_is_not_printable_ascii(raw_iam: Any) -> None:
    # Case: raw_entities_empty_marker.
    arn = group_with_members(raw_iam, "ann")
    with pytest.raises(ClientError) as excinfo:
        entities(raw_iam, generate(raw_iam, arn), Marker="")
    assert error_and_status(excinfo) == (
        "ValidationError",
        "The specified value for marker is invalid. It must contain only printable ASCII characters.",
        400,
    )


@pytest.mark.parametrize(
    ("max_items", "rule"),
    [(0, "greater than or equal to 1"), (1001, "less than or equal to 1000")],
)
def test_max_items_outside_1_to_1000_is_a_validation_error(
    raw_iam: Any, max_items: int, rule: str
) -> None:
    # Case: raw_entities_max_zero and the max-1001 case.
    arn = group_with_members(raw_iam, "ann")
    with pytest.raises(ClientError) as excinfo:
        entities(raw_iam, generate(raw_iam, arn), MaxItems=max_items)
    assert error_and_status(excinfo) == (
        "ValidationError",
        f"1 validation error detected: Value at 'maxItems' failed to satisfy constraint: Member must have value {rule}",
        400,
    )


# ---- namespace errors ---------------------------------------------------------------------------


@pytest.mark.parametrize("namespace", ["stackdunmodeled", "S3"])
def test_unknown_or_upper_case_namespace_is_invalid_input(iam: Any, namespace: str) -> None:
    # Case: WithEntities with stackdunmodeled / S3 ("namepace" is AWS's own typo).
    arn = group_with_members(iam, "ann")
    with pytest.raises(ClientError) as excinfo:
        entities(iam, generate(iam, arn), namespace)
    assert error_and_status(excinfo) == (
        "InvalidInput",
        f"Service namepace {namespace} is either invalid or unsupported.",
        400,
    )


@pytest.mark.parametrize(
    ("namespace", "rule"),
    [
        ("s3:GetObject", "Member must satisfy regular expression pattern: [\\w-]*"),
        ("x" * 65, "Member must have length less than or equal to 64"),
        ("", "Member must have length greater than or equal to 1"),
    ],
)
def test_malformed_namespace_is_a_validation_error(raw_iam: Any, namespace: str, rule: str) -> None:
    # Case: raw_entities_empty_namespace and the regex / 65-character cases.
    arn = group_with_members(raw_iam, "ann")
    with pytest.raises(ClientError) as excinfo:
        entities(raw_iam, generate(raw_iam, arn), namespace)
    assert error_and_status(excinfo) == (
        "ValidationError",
        f"1 validation error detected: Value at 'serviceNamespace' failed to satisfy constraint: {rule}",
        400,
    )
