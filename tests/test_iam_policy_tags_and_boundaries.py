"""Tags on customer managed policies and the permissions boundary operations, through boto3."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from support import ACCOUNT, TRUST_ROOT

DOC = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)


def code_of(call: Any, **params: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"], caught.value.response["ResponseMetadata"][
        "HTTPStatusCode"
    ]


def test_policy_tags(iam: Any) -> None:
    arn = iam.create_policy(
        PolicyName="p", PolicyDocument=DOC, Tags=[{"Key": "team", "Value": "a"}]
    )["Policy"]["Arn"]
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "env", "Value": "prod"}])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [
        {"Key": "team", "Value": "a"},
        {"Key": "env", "Value": "prod"},
    ]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Tags"] == [
        {"Key": "team", "Value": "a"},
        {"Key": "env", "Value": "prod"},
    ]
    iam.untag_policy(PolicyArn=arn, TagKeys=["TEAM"])  # keys match regardless of case
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [{"Key": "env", "Value": "prod"}]
    pages = list(
        iam.get_paginator("list_policy_tags").paginate(
            PolicyArn=arn, PaginationConfig={"PageSize": 1}
        )
    )
    assert [t["Key"] for page in pages for t in page["Tags"]] == ["env"]
    missing = f"arn:aws:iam::{ACCOUNT}:policy/none"
    assert code_of(iam.tag_policy, PolicyArn=missing, Tags=[{"Key": "k", "Value": "v"}]) == (
        "NoSuchEntity",
        404,
    )
    assert (
        code_of(iam.list_policy_tags, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")[0]
        == "AccessDenied"
    )
    assert (
        code_of(iam.tag_policy, PolicyArn=arn, Tags=[{"Key": "aws:x", "Value": "v"}])[0]
        == "InvalidInput"
    )


def test_user_and_role_boundaries(iam: Any) -> None:
    boundary = iam.create_policy(PolicyName="boundary", PolicyDocument=DOC)["Policy"]["Arn"]
    iam.create_user(UserName="alice")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST_ROOT)
    iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=boundary)
    iam.put_role_permissions_boundary(
        RoleName="r", PermissionsBoundary="arn:aws:iam::aws:policy/ReadOnlyAccess"
    )
    assert iam.get_user(UserName="alice")["User"]["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": boundary,
    }
    assert iam.get_role(RoleName="r")["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == (
        "arn:aws:iam::aws:policy/ReadOnlyAccess"
    )
    iam.delete_user_permissions_boundary(UserName="alice")
    iam.delete_role_permissions_boundary(RoleName="r")
    assert "PermissionsBoundary" not in iam.get_user(UserName="alice")["User"]
    assert "PermissionsBoundary" not in iam.get_role(RoleName="r")["Role"]
    assert code_of(iam.delete_user_permissions_boundary, UserName="alice") == ("NoSuchEntity", 404)
    missing = f"arn:aws:iam::{ACCOUNT}:policy/none"
    assert code_of(
        iam.put_user_permissions_boundary, UserName="alice", PermissionsBoundary=missing
    ) == ("NoSuchEntity", 404)
    assert code_of(
        iam.put_role_permissions_boundary, RoleName="none", PermissionsBoundary=boundary
    ) == ("NoSuchEntity", 404)
