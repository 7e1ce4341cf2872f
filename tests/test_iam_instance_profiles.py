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
    # The same role again is LimitExceeded too, as AWS answers (tools match that text).
    assert code_of(
        iam.add_role_to_instance_profile, InstanceProfileName="web", RoleName="web-role"
    ) == ("LimitExceeded", 409)
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


def test_errors_name_what_is_missing(iam: Any) -> None:
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST_EC2)
    iam.create_instance_profile(InstanceProfileName="p")
    with pytest.raises(ClientError) as caught:
        iam.get_instance_profile(InstanceProfileName="none")
    assert caught.value.response["Error"] == {
        "Type": "Sender",
        "Code": "NoSuchEntity",
        "Message": "Instance Profile none cannot be found.",
    }
    with pytest.raises(ClientError) as caught:
        iam.add_role_to_instance_profile(InstanceProfileName="p", RoleName="r")
        iam.add_role_to_instance_profile(InstanceProfileName="p", RoleName="r")
    assert caught.value.response["Error"]["Message"] == (
        "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"
    )
    with pytest.raises(ClientError) as caught:
        iam.delete_instance_profile(InstanceProfileName="p")
    assert caught.value.response["Error"]["Message"] == (
        "Cannot delete entity, must remove roles from instance profile first."
    )
    with pytest.raises(ClientError) as caught:
        iam.create_instance_profile(InstanceProfileName="P")
    assert caught.value.response["Error"]["Message"] == "Instance Profile P already exists."
    missing_profile = {"InstanceProfileName": "none"}
    for call, params in (
        (iam.delete_instance_profile, missing_profile),
        (iam.add_role_to_instance_profile, {**missing_profile, "RoleName": "r"}),
        (iam.add_role_to_instance_profile, {"InstanceProfileName": "p", "RoleName": "none"}),
        (iam.remove_role_from_instance_profile, {**missing_profile, "RoleName": "r"}),
        (iam.remove_role_from_instance_profile, {"InstanceProfileName": "p", "RoleName": "none"}),
        (iam.tag_instance_profile, {**missing_profile, "Tags": [{"Key": "k", "Value": "v"}]}),
        (iam.untag_instance_profile, {**missing_profile, "TagKeys": ["k"]}),
    ):
        assert code_of(call, **params) == ("NoSuchEntity", 404), call
    # Names are unique and looked up regardless of case.
    assert (
        iam.get_instance_profile(InstanceProfileName="P")["InstanceProfile"]["Roles"][0]["RoleName"]
        == "r"
    )


def test_tag_rules(iam: Any) -> None:
    iam.create_instance_profile(
        InstanceProfileName="p", Tags=[{"Key": "Team", "Value": "a"}, {"Key": "env", "Value": "x"}]
    )
    assert iam.get_instance_profile(InstanceProfileName="p")["InstanceProfile"]["Tags"] == [
        {"Key": "Team", "Value": "a"},
        {"Key": "env", "Value": "x"},
    ]
    # Listings leave tags out, as AWS documents for ListInstanceProfiles.
    assert "Tags" not in iam.list_instance_profiles()["InstanceProfiles"][0]
    iam.tag_instance_profile(InstanceProfileName="p", Tags=[{"Key": "team", "Value": "b"}])
    assert iam.list_instance_profile_tags(InstanceProfileName="p")["Tags"] == [
        {"Key": "Team", "Value": "b"},
        {"Key": "env", "Value": "x"},
    ]
    for tags in (
        [],
        [{"Key": "aws:x", "Value": "v"}],
        [{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}],
    ):
        assert code_of(iam.tag_instance_profile, InstanceProfileName="p", Tags=tags) == (
            "InvalidInput",
            400,
        ), tags
    many = [{"Key": f"k{i}", "Value": "v"} for i in range(49)]
    assert code_of(iam.tag_instance_profile, InstanceProfileName="p", Tags=many) == (
        "LimitExceeded",
        409,
    )
    assert code_of(iam.untag_instance_profile, InstanceProfileName="p", TagKeys=[]) == (
        "InvalidInput",
        400,
    )
    iam.untag_instance_profile(InstanceProfileName="p", TagKeys=["TEAM", "absent"])
    pages = list(
        iam.get_paginator("list_instance_profile_tags").paginate(
            InstanceProfileName="p", PaginationConfig={"PageSize": 1}
        )
    )
    assert [t["Key"] for page in pages for t in page["Tags"]] == ["env"]
    iam.untag_instance_profile(InstanceProfileName="p", TagKeys=["env"])
    assert "Tags" not in iam.get_instance_profile(InstanceProfileName="p")["InstanceProfile"]
    assert iam.list_instance_profile_tags(InstanceProfileName="p")["Tags"] == []


def test_role_changes_show_in_the_profile(iam: Any) -> None:
    iam.create_role(RoleName="r", Path="/svc/", AssumeRolePolicyDocument=TRUST_EC2)
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/svc/r"
    for name in ("b", "a"):
        iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName="b", RoleName="r")
    iam.add_role_to_instance_profile(InstanceProfileName="a", RoleName="r")
    pages = list(
        iam.get_paginator("list_instance_profiles_for_role").paginate(
            RoleName="r", PaginationConfig={"PageSize": 1}
        )
    )
    listed = [p for page in pages for p in page["InstanceProfiles"]]
    assert [p["InstanceProfileName"] for p in listed] == ["a", "b"]
    assert [r["Arn"] for r in listed[0]["Roles"]] == [role_arn]
    details = iam.get_account_authorization_details(Filter=["Role"])["RoleDetailList"][0]
    assert [
        (p["InstanceProfileName"], [r["RoleName"] for r in p["Roles"]])
        for p in details["InstanceProfileList"]
    ] == [("a", ["r"]), ("b", ["r"])]
    iam.remove_role_from_instance_profile(InstanceProfileName="a", RoleName="r")
    iam.remove_role_from_instance_profile(InstanceProfileName="b", RoleName="r")
    assert iam.list_instance_profiles_for_role(RoleName="r")["InstanceProfiles"] == []
    iam.delete_role(RoleName="r")
    assert iam.get_instance_profile(InstanceProfileName="a")["InstanceProfile"]["Roles"] == []
