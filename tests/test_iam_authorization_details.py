"""GetAccountAuthorizationDetails through boto3: sections, details, filters, paging, markers."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from support import ACCOUNT, NOW, TRUST_EC2_DOC, client_error, raw_client

from iam_access_mock import AccessMock

DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Action": "s3:ListBucket", "Resource": "*", "Effect": "Allow"}],
}
DOC2 = {
    "Version": "2012-10-17",
    "Statement": [{"Action": "sqs:*", "Resource": "*", "Effect": "Deny"}],
}
S3_READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"


def details(iam: Any, **kwargs: Any) -> dict[str, Any]:
    return (
        iam.get_paginator("get_account_authorization_details")
        .paginate(**kwargs)
        .build_full_result()
    )


def test_an_empty_account(iam: Any) -> None:
    answer = iam.get_account_authorization_details()
    assert (
        answer["UserDetailList"],
        answer["GroupDetailList"],
        answer["RoleDetailList"],
        answer["Policies"],
    ) == ([], [], [], [])
    assert answer["IsTruncated"] is False
    assert "Marker" not in answer


def test_sections_appear_in_aws_order_even_when_empty(iam: Any) -> None:
    bodies: list[bytes] = []
    iam.meta.events.register(
        "before-parse.iam.GetAccountAuthorizationDetails",
        lambda response_dict, **_: bodies.append(response_dict["body"]),
    )
    iam.get_account_authorization_details()
    body = bodies[0].decode()
    sections = re.findall(r"<(Policies|UserDetailList|RoleDetailList|GroupDetailList)\b", body)
    assert sections == ["Policies", "UserDetailList", "RoleDetailList", "GroupDetailList"]
    assert "<Marker>" not in body


def test_user_details(iam: Any) -> None:
    user = iam.create_user(UserName="alice", Path="/staff/")["User"]
    iam.create_user(UserName="bare")
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    arn = iam.create_policy(PolicyName="p", PolicyDocument=json.dumps(DOC))["Policy"]["Arn"]
    iam.attach_user_policy(UserName="alice", PolicyArn=arn)
    iam.put_user_policy(UserName="alice", PolicyName="inline", PolicyDocument=json.dumps(DOC))
    iam.tag_user(UserName="alice", Tags=[{"Key": "team", "Value": "blue"}])
    users = details(iam, Filter=["User"])["UserDetailList"]
    assert users == [
        {
            "Path": "/staff/",
            "UserName": "alice",
            "UserId": user["UserId"],
            "Arn": "arn:aws:iam::123456789012:user/staff/alice",
            "CreateDate": NOW,
            "UserPolicyList": [{"PolicyName": "inline", "PolicyDocument": DOC}],
            "GroupList": ["devs"],
            "AttachedManagedPolicies": [{"PolicyName": "p", "PolicyArn": arn}],
            "Tags": [{"Key": "team", "Value": "blue"}],
        },
        {
            # A user without inline policies has no UserPolicyList at all (recorded from AWS).
            "Path": "/",
            "UserName": "bare",
            "UserId": users[1]["UserId"],
            "Arn": "arn:aws:iam::123456789012:user/bare",
            "CreateDate": NOW,
            "GroupList": [],
            "AttachedManagedPolicies": [],
            "Tags": [],
        },
    ]


def test_group_details(iam: Any) -> None:
    group = iam.create_group(GroupName="devs")["Group"]
    iam.create_group(GroupName="empty")
    iam.put_group_policy(GroupName="devs", PolicyName="inline", PolicyDocument=json.dumps(DOC))
    iam.attach_group_policy(GroupName="devs", PolicyArn=S3_READ_ONLY)
    groups = details(iam, Filter=["Group"])["GroupDetailList"]
    assert groups[0] == {
        "Path": "/",
        "GroupName": "devs",
        "GroupId": group["GroupId"],
        "Arn": "arn:aws:iam::123456789012:group/devs",
        "CreateDate": NOW,
        "GroupPolicyList": [{"PolicyName": "inline", "PolicyDocument": DOC}],
        "AttachedManagedPolicies": [
            {"PolicyName": "AmazonS3ReadOnlyAccess", "PolicyArn": S3_READ_ONLY}
        ],
    }
    assert (
        groups[1]["GroupName"],
        groups[1]["GroupPolicyList"],
        groups[1]["AttachedManagedPolicies"],
    ) == ("empty", [], [])


def test_role_details(iam: Any, access_mock: AccessMock) -> None:
    boundary = iam.create_policy(PolicyName="boundary", PolicyDocument=json.dumps(DOC))["Policy"][
        "Arn"
    ]
    role = iam.create_role(
        RoleName="worker",
        Path="/apps/",
        AssumeRolePolicyDocument=json.dumps(TRUST_EC2_DOC),
        PermissionsBoundary=boundary,
        Tags=[{"Key": "env", "Value": "test"}],
    )["Role"]
    iam.put_role_policy(RoleName="worker", PolicyName="inline", PolicyDocument=json.dumps(DOC))
    iam.attach_role_policy(RoleName="worker", PolicyArn=boundary)
    (detail,) = details(iam, Filter=["Role"])["RoleDetailList"]
    assert detail == {
        "Path": "/apps/",
        "RoleName": "worker",
        "RoleId": role["RoleId"],
        "Arn": "arn:aws:iam::123456789012:role/apps/worker",
        "CreateDate": NOW,
        "AssumeRolePolicyDocument": TRUST_EC2_DOC,
        "InstanceProfileList": [],
        "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": DOC}],
        "AttachedManagedPolicies": [{"PolicyName": "boundary", "PolicyArn": boundary}],
        "PermissionsBoundary": {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": boundary,
        },
        "Tags": [{"Key": "env", "Value": "test"}],
        "RoleLastUsed": {},  # never used (recorded from AWS)
    }


def test_role_last_used(iam: Any, access_mock: AccessMock) -> None:
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=json.dumps(TRUST_EC2_DOC))
    used_at = NOW - timedelta(days=3)
    access_mock.record_access(
        f"arn:aws:iam::{ACCOUNT}:role/worker", "s3:GetObject", at=used_at, region="eu-west-1"
    )
    (detail,) = details(iam, Filter=["Role"])["RoleDetailList"]
    assert detail["RoleLastUsed"] == {"LastUsedDate": used_at, "Region": "eu-west-1"}


def test_managed_policy_details(iam: Any, access_mock: AccessMock) -> None:
    created = iam.create_policy(PolicyName="p", PolicyDocument=json.dumps(DOC), Description="d")[
        "Policy"
    ]
    access_mock.clock.advance(timedelta(minutes=1))
    iam.create_policy_version(
        PolicyArn=created["Arn"], PolicyDocument=json.dumps(DOC2), SetAsDefault=True
    )
    iam.create_user(UserName="alice")
    iam.attach_user_policy(UserName="alice", PolicyArn=created["Arn"])
    (policy,) = details(iam, Filter=["LocalManagedPolicy"])["Policies"]
    later = NOW + timedelta(minutes=1)
    assert policy == {
        "PolicyName": "p",
        "PolicyId": created["PolicyId"],
        "Arn": "arn:aws:iam::123456789012:policy/p",
        "Path": "/",
        "DefaultVersionId": "v2",
        "AttachmentCount": 1,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": True,
        "Description": "d",
        "CreateDate": NOW,
        "UpdateDate": later,
        "PolicyVersionList": [
            {"Document": DOC2, "VersionId": "v2", "IsDefaultVersion": True, "CreateDate": later},
            {"Document": DOC, "VersionId": "v1", "IsDefaultVersion": False, "CreateDate": NOW},
        ],
    }


def test_aws_managed_policies_are_listed_when_in_use(iam: Any) -> None:
    assert details(iam, Filter=["AWSManagedPolicy"])["Policies"] == []
    iam.create_user(UserName="alice")
    iam.attach_user_policy(UserName="alice", PolicyArn=S3_READ_ONLY)
    (policy,) = details(iam, Filter=["AWSManagedPolicy"])["Policies"]
    assert (
        policy["PolicyName"],
        policy["Arn"],
        policy["AttachmentCount"],
        policy["DefaultVersionId"],
    ) == ("AmazonS3ReadOnlyAccess", S3_READ_ONLY, 1, "v3")
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in policy["PolicyVersionList"]] == [
        ("v3", True),
        ("v2", False),
        ("v1", False),
    ]
    assert policy["PolicyVersionList"][2]["Document"] == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}],
    }
    assert details(iam, Filter=["LocalManagedPolicy"])["Policies"] == []


def populate(iam: Any) -> None:
    for name in ("bob", "Alice"):
        iam.create_user(UserName=name)
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=json.dumps(TRUST_EC2_DOC))
    iam.create_group(GroupName="devs")
    iam.create_policy(PolicyName="local", PolicyDocument=json.dumps(DOC))
    iam.attach_group_policy(GroupName="devs", PolicyArn=S3_READ_ONLY)


def names_of(page: dict[str, Any]) -> list[str]:
    return (
        [u["UserName"] for u in page["UserDetailList"]]
        + [r["RoleName"] for r in page["RoleDetailList"]]
        + [g["GroupName"] for g in page["GroupDetailList"]]
        + [p["PolicyName"] for p in page["Policies"]]
    )


def test_paging_walks_users_roles_groups_then_policies(iam: Any) -> None:
    populate(iam)
    pages = list(
        iam.get_paginator("get_account_authorization_details").paginate(
            PaginationConfig={"PageSize": 1}
        )
    )
    assert [names_of(page) for page in pages] == [
        ["Alice"],
        ["bob"],
        ["worker"],
        ["devs"],
        ["local"],
        ["AmazonS3ReadOnlyAccess"],
    ]
    assert [page["IsTruncated"] for page in pages] == [True] * 5 + [False]


@pytest.mark.parametrize(
    "empty_filter", [[], ["User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"]]
)
def test_an_empty_or_full_filter_means_everything(iam: Any, empty_filter: list[str]) -> None:
    populate(iam)
    assert names_of(details(iam, Filter=empty_filter)) == names_of(details(iam))


def test_filter_order_and_duplicates_do_not_matter(iam: Any) -> None:
    populate(iam)
    answer = details(iam, Filter=["Group", "User", "Group"])
    assert names_of(answer) == ["Alice", "bob", "devs"]


class TestMarkers:
    @pytest.fixture
    def filled(self, iam: Any) -> Any:
        populate(iam)
        return iam

    def test_a_marker_accepts_another_max_items_and_filter_order(self, filled: Any) -> None:
        marker = filled.get_account_authorization_details(Filter=["Group", "User"], MaxItems=1)[
            "Marker"
        ]
        answer = filled.get_account_authorization_details(
            Filter=["User", "Group"], MaxItems=5, Marker=marker
        )
        assert names_of(answer) == ["bob", "devs"]

    def test_a_marker_of_another_filter_set(self, filled: Any) -> None:
        marker = filled.get_account_authorization_details(
            Filter=["Group", "User", "LocalManagedPolicy"], MaxItems=1
        )["Marker"]
        assert client_error(
            lambda: filled.get_account_authorization_details(Filter=["Group"], Marker=marker)
        ) == ("ValidationError", "Marker and Filter do not match", 400)
        assert client_error(lambda: filled.get_account_authorization_details(Marker=marker)) == (
            "ValidationError",
            "Invalid Marker.",
            400,
        )

    def test_an_unfiltered_marker(self, filled: Any) -> None:
        marker = filled.get_account_authorization_details(MaxItems=1)["Marker"]
        all_five = ["User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"]
        answer = filled.get_account_authorization_details(
            Filter=all_five, MaxItems=1, Marker=marker
        )
        assert names_of(answer) == ["bob"]
        assert client_error(
            lambda: filled.get_account_authorization_details(Filter=all_five[:4], Marker=marker)
        ) == ("ValidationError", "Invalid Marker.", 400)

    def test_an_unreadable_marker(self, filled: Any) -> None:
        assert client_error(
            lambda: filled.get_account_authorization_details(
                Filter=["User"], Marker="not-an-aws-marker"
            )
        ) == ("ValidationError", "Marker and Filter do not match", 400)
        assert client_error(
            lambda: filled.get_account_authorization_details(Marker="not-an-aws-marker")
        ) == (
            "ValidationError",
            "Invalid Marker.",
            400,
        )


def test_filter_values_are_an_enum(access_mock: AccessMock) -> None:
    raw = raw_client()
    assert client_error(lambda: raw.get_account_authorization_details(Filter=["user"])) == (
        "ValidationError",
        (
            "1 validation error detected: Value at 'filter' failed to satisfy constraint: Member must satisfy "
            "constraint: [Member must satisfy enum value set: [LocalManagedPolicy, User, AWSManagedPolicy, Role, Group]]"
        ),
        400,
    )


def test_max_items_above_1000_is_refused(access_mock: AccessMock) -> None:
    raw = raw_client()
    assert client_error(lambda: raw.get_account_authorization_details(MaxItems=1001)) == (
        "ValidationError",
        (
            "1 validation error detected: Value at 'maxItems' failed to satisfy constraint: "
            "Member must have value less than or equal to 1000"
        ),
        400,
    )
