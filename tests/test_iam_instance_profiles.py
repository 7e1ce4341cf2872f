"""Instance profiles through boto3: create, roles, listings, tags, and what they block."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from support import ACCOUNT, NOW, TRUST_EC2


def code_of(call: Any, **params: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"], caught.value.response["ResponseMetadata"][
        "HTTPStatusCode"
    ]


def test_profile_with_a_role(iam: Any) -> None:
    profile = iam.create_instance_profile(InstanceProfileName="web", Path="/app/")[
        "InstanceProfile"
    ]
    assert profile["Arn"] == f"arn:aws:iam::{ACCOUNT}:instance-profile/app/web"
    assert profile["InstanceProfileId"].startswith("AIPA") and profile["Roles"] == []
    assert profile["CreateDate"] == NOW
    assert code_of(iam.create_instance_profile, InstanceProfileName="WEB") == (
        "EntityAlreadyExists",
        409,
    )
    iam.create_role(RoleName="web-role", AssumeRolePolicyDocument=TRUST_EC2)
    iam.create_role(RoleName="other", AssumeRolePolicyDocument=TRUST_EC2)
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="web-role")
    roles = iam.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]["Roles"]
    assert [r["RoleName"] for r in roles] == ["web-role"]
    assert roles[0]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "ec2.amazonaws.com"
    }
    assert code_of(
        iam.add_role_to_instance_profile, InstanceProfileName="web", RoleName="other"
    ) == ("LimitExceeded", 409)
    assert code_of(
        iam.add_role_to_instance_profile, InstanceProfileName="web", RoleName="web-role"
    ) == ("EntityAlreadyExists", 409)
    for_role = iam.list_instance_profiles_for_role(RoleName="web-role")["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in for_role] == ["web"]
    assert code_of(iam.delete_role, RoleName="web-role") == ("DeleteConflict", 409)
    assert code_of(iam.delete_instance_profile, InstanceProfileName="web") == (
        "DeleteConflict",
        409,
    )
    details = iam.get_account_authorization_details(Filter=["Role"])["RoleDetailList"]
    listed = {
        d["RoleName"]: [p["InstanceProfileName"] for p in d["InstanceProfileList"]] for d in details
    }
    assert listed == {"web-role": ["web"], "other": []}
    iam.remove_role_from_instance_profile(InstanceProfileName="web", RoleName="web-role")
    assert code_of(
        iam.remove_role_from_instance_profile, InstanceProfileName="web", RoleName="web-role"
    ) == ("NoSuchEntity", 404)
    iam.delete_instance_profile(InstanceProfileName="web")
    assert code_of(iam.get_instance_profile, InstanceProfileName="web") == ("NoSuchEntity", 404)
    iam.delete_role(RoleName="web-role")


def test_listing_pages_prefix_and_tags(iam: Any) -> None:
    for name, path in (("c", "/x/"), ("a", "/"), ("b", "/x/")):
        iam.create_instance_profile(
            InstanceProfileName=name, Path=path, Tags=[{"Key": "k", "Value": name}]
        )
    pages = list(
        iam.get_paginator("list_instance_profiles").paginate(PaginationConfig={"PageSize": 1})
    )
    assert [p["InstanceProfileName"] for page in pages for p in page["InstanceProfiles"]] == [
        "a",
        "b",
        "c",
    ]
    assert [
        p["InstanceProfileName"]
        for p in iam.list_instance_profiles(PathPrefix="/x/")["InstanceProfiles"]
    ] == ["b", "c"]
    iam.tag_instance_profile(InstanceProfileName="a", Tags=[{"Key": "env", "Value": "prod"}])
    iam.untag_instance_profile(InstanceProfileName="a", TagKeys=["k"])
    assert iam.list_instance_profile_tags(InstanceProfileName="a")["Tags"] == [
        {"Key": "env", "Value": "prod"}
    ]
    assert iam.get_account_summary()["SummaryMap"]["InstanceProfiles"] == 3
    assert code_of(iam.list_instance_profile_tags, InstanceProfileName="none") == (
        "NoSuchEntity",
        404,
    )
    assert code_of(iam.list_instance_profiles_for_role, RoleName="none") == ("NoSuchEntity", 404)
