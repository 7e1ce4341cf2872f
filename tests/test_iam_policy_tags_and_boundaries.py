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
    # Policy tag keys are case-sensitive (as CreatePolicy's): "TEAM" is not "team".
    iam.untag_policy(PolicyArn=arn, TagKeys=["TEAM"])
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "Env", "Value": "dev"}])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [
        {"Key": "team", "Value": "a"},
        {"Key": "env", "Value": "prod"},
        {"Key": "Env", "Value": "dev"},
    ]
    iam.untag_policy(PolicyArn=arn, TagKeys=["team", "Env", "absent"])
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
    assert code_of(iam.untag_policy, PolicyArn=missing, TagKeys=["k"]) == ("NoSuchEntity", 404)
    assert code_of(iam.list_policy_tags, PolicyArn=missing) == ("NoSuchEntity", 404)
    for tags in (
        [],
        [{"Key": "aws:x", "Value": "v"}],
        [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}],
    ):
        assert code_of(iam.tag_policy, PolicyArn=arn, Tags=tags) == ("InvalidInput", 400), tags
    assert code_of(iam.untag_policy, PolicyArn=arn, TagKeys=[]) == ("InvalidInput", 400)
    many = [{"Key": f"k{i}", "Value": "v"} for i in range(50)]
    assert code_of(iam.tag_policy, PolicyArn=arn, Tags=many) == ("LimitExceeded", 409)
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [{"Key": "env", "Value": "prod"}]


def test_aws_managed_policies_take_no_tags(iam: Any) -> None:
    aws_policy = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    for call, params in (
        (iam.tag_policy, {"Tags": [{"Key": "k", "Value": "v"}]}),
        (iam.untag_policy, {"TagKeys": ["k"]}),
        (iam.list_policy_tags, {}),
    ):
        with pytest.raises(ClientError) as caught:
            call(PolicyArn=aws_policy, **params)
        assert caught.value.response["Error"]["Code"] == "InvalidInput"
        assert caught.value.response["Error"]["Message"] == (
            "Tags not supported for policies in this domain"
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
    assert code_of(
        iam.put_user_permissions_boundary, UserName="none", PermissionsBoundary=boundary
    ) == ("NoSuchEntity", 404)
    assert code_of(iam.delete_role_permissions_boundary, RoleName="r") == ("NoSuchEntity", 404)
    assert code_of(iam.delete_role_permissions_boundary, RoleName="none") == (
        "NoSuchEntity",
        404,
    )
    assert code_of(iam.delete_user_permissions_boundary, UserName="none") == (
        "NoSuchEntity",
        404,
    )
    other_account = "arn:aws:iam::210987654321:policy/boundary"
    assert code_of(
        iam.put_role_permissions_boundary, RoleName="r", PermissionsBoundary=other_account
    ) == ("NoSuchEntity", 404)


def test_a_boundary_counts_and_limits(iam: Any) -> None:
    """A boundary shows in GetPolicy's usage count and blocks DeletePolicy; replacing it moves
    the count."""
    first = iam.create_policy(PolicyName="b1", PolicyDocument=DOC)["Policy"]["Arn"]
    second = iam.create_policy(PolicyName="b2", PolicyDocument=DOC)["Policy"]["Arn"]
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST_ROOT)
    iam.put_role_permissions_boundary(RoleName="r", PermissionsBoundary=first)
    assert iam.get_policy(PolicyArn=first)["Policy"]["PermissionsBoundaryUsageCount"] == 1
    assert code_of(iam.delete_policy, PolicyArn=first) == ("DeleteConflict", 409)
    iam.put_role_permissions_boundary(RoleName="r", PermissionsBoundary=second)
    assert iam.get_policy(PolicyArn=first)["Policy"]["PermissionsBoundaryUsageCount"] == 0
    assert iam.get_policy(PolicyArn=second)["Policy"]["PermissionsBoundaryUsageCount"] == 1
    details = iam.get_account_authorization_details(Filter=["Role"])["RoleDetailList"][0]
    assert details["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": second,
    }
    iam.delete_policy(PolicyArn=first)
