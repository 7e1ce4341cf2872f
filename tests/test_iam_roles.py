"""IAM roles through boto3: create, get (RoleLastUsed), list, update, delete, tags, and errors."""

from __future__ import annotations

import json
import urllib.parse
from datetime import timedelta
from typing import Any

import boto3
import botocore.config
import botocore.handlers
import pytest
from botocore.exceptions import ClientError
from support import (
    ACCOUNT,
    NOW,
    TRUST_ANYONE,
    TRUST_ANYONE_DOC,
    TRUST_EC2_DOC,
    client_for,
    error_of,
    raw_client,
)

from iam_access_mock import AccessMock

# ---- CreateRole / GetRole ---------------------------------------------------------------


def test_create_role_answers_what_aws_answers(iam: Any) -> None:
    role = iam.create_role(
        RoleName="Worker",
        Path="/svc/",
        AssumeRolePolicyDocument=TRUST_ANYONE,
        Description="runs jobs",
        MaxSessionDuration=7200,
        Tags=[{"Key": "team", "Value": "blue"}],
    )["Role"]
    assert role["RoleName"] == "Worker"
    assert role["Path"] == "/svc/"
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/svc/Worker"
    assert role["RoleId"].startswith("AROA") and len(role["RoleId"]) == 21
    assert role["CreateDate"] == NOW
    assert role["AssumeRolePolicyDocument"] == TRUST_ANYONE_DOC
    assert role["Tags"] == [{"Key": "team", "Value": "blue"}]
    # Recorded against AWS: CreateRole's answer has no Description, MaxSessionDuration or RoleLastUsed.
    assert not {"Description", "MaxSessionDuration", "RoleLastUsed"} & role.keys()


def test_get_role_returns_everything_with_empty_role_last_used(iam: Any) -> None:
    created = iam.create_role(
        RoleName="worker",
        AssumeRolePolicyDocument=json.dumps(TRUST_EC2_DOC),
        Description="runs jobs",
    )["Role"]
    role = iam.get_role(RoleName="WORKER")["Role"]
    assert role["RoleName"] == "worker"
    assert role["RoleId"] == created["RoleId"]
    assert role["AssumeRolePolicyDocument"] == TRUST_EC2_DOC
    assert role["Description"] == "runs jobs"
    assert role["MaxSessionDuration"] == 3600
    assert role["RoleLastUsed"] == {}
    assert "Tags" not in role and "PermissionsBoundary" not in role


def test_trust_policy_text_is_returned_verbatim_url_encoded(iam: Any) -> None:
    text = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, '
        '"Action": "sts:AssumeRole", "Sid": "a b&c%d+e"}]}'
    )
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=text)
    raw = boto3.client("iam")
    raw.meta.events.unregister("after-call.iam", botocore.handlers.json_decode_policies)
    wire = raw.get_role(RoleName="worker")["Role"]["AssumeRolePolicyDocument"]
    assert wire.startswith("%7B%22Version%22%3A%20%222012-10-17%22")
    assert urllib.parse.unquote(wire) == text
    assert iam.get_role(RoleName="worker")["Role"]["AssumeRolePolicyDocument"] == json.loads(text)


def test_create_role_with_boundary(iam: Any) -> None:
    boundary = "arn:aws:iam::aws:policy/PowerUserAccess"
    role = iam.create_role(
        RoleName="worker", AssumeRolePolicyDocument=TRUST_ANYONE, PermissionsBoundary=boundary
    )["Role"]
    expected = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary}
    assert role["PermissionsBoundary"] == expected
    assert iam.get_role(RoleName="worker")["Role"]["PermissionsBoundary"] == expected
    assert "PermissionsBoundary" not in iam.list_roles()["Roles"][0]


def test_create_role_duplicate_name(iam: Any) -> None:
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_ANYONE)
    with pytest.raises(ClientError) as excinfo:
        iam.create_role(RoleName="WORKER", AssumeRolePolicyDocument=TRUST_ANYONE)
    assert error_of(excinfo) == ("EntityAlreadyExists", "Role with name WORKER already exists.")


def test_create_role_with_malformed_trust_policy(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.create_role(RoleName="worker", AssumeRolePolicyDocument="{not json")
    assert excinfo.value.response["Error"]["Code"] == "MalformedPolicyDocument"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert iam.list_roles()["Roles"] == []


def test_create_role_with_oversized_trust_policy(iam: Any) -> None:
    doc = dict(TRUST_ANYONE_DOC, Statement=[dict(TRUST_ANYONE_DOC["Statement"][0], Sid="x" * 2000)])
    with pytest.raises(ClientError) as excinfo:
        iam.create_role(RoleName="worker", AssumeRolePolicyDocument=json.dumps(doc))
    assert error_of(excinfo) == ("LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048")


def test_create_role_max_session_duration_out_of_range(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.create_role(
            RoleName="worker", AssumeRolePolicyDocument=TRUST_ANYONE, MaxSessionDuration=43201
        )
    assert error_of(excinfo) == (
        "ValidationError",
        (
            "1 validation error detected: Value at 'maxSessionDuration' failed to satisfy constraint: "
            "Member must have value less than or equal to 43200"
        ),
    )
    raw = raw_client()
    with pytest.raises(ClientError) as excinfo:
        raw.create_role(
            RoleName="worker", AssumeRolePolicyDocument=TRUST_ANYONE, MaxSessionDuration=3599
        )
    assert error_of(excinfo)[0] == "ValidationError"


def test_get_role_unknown(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.get_role(RoleName="ghost")
    assert error_of(excinfo) == ("NoSuchEntity", "The role with name ghost cannot be found.")


def test_role_last_used_follows_the_sessions_calls(access_mock: AccessMock, iam: Any) -> None:
    role = iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_ANYONE)["Role"]
    credentials = boto3.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="job")[
        "Credentials"
    ]
    # Assuming the role is the caller's call, not the role's.
    assert iam.get_role(RoleName="worker")["Role"]["RoleLastUsed"] == {}

    access_mock.clock.advance(timedelta(minutes=5))
    identity = client_for("sts", credentials, "eu-west-1").get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/worker/job"
    access_mock.clock.advance(timedelta(minutes=5))

    last_used = iam.get_role(RoleName="worker")["Role"]["RoleLastUsed"]
    assert last_used == {"LastUsedDate": NOW + timedelta(minutes=5), "Region": "eu-west-1"}
    assert "RoleLastUsed" not in iam.list_roles()["Roles"][0]


# ---- ListRoles --------------------------------------------------------------------------


def test_list_roles_sorted_with_list_fields_only(iam: Any) -> None:
    iam.create_role(
        RoleName="b", AssumeRolePolicyDocument=TRUST_ANYONE, Tags=[{"Key": "k", "Value": "v"}]
    )
    iam.create_role(
        RoleName="A", AssumeRolePolicyDocument=TRUST_ANYONE, Description="first", Path="/x/"
    )
    iam.create_role(RoleName="c", AssumeRolePolicyDocument=TRUST_ANYONE, MaxSessionDuration=7200)
    roles = iam.list_roles()["Roles"]
    assert [r["RoleName"] for r in roles] == ["A", "b", "c"]
    assert roles[0]["Description"] == "first" and "Description" not in roles[1]
    assert [r["MaxSessionDuration"] for r in roles] == [3600, 3600, 7200]
    assert all(not {"Tags", "RoleLastUsed", "PermissionsBoundary"} & r.keys() for r in roles)
    assert roles[0]["AssumeRolePolicyDocument"] == TRUST_ANYONE_DOC
    assert [r["RoleName"] for r in iam.list_roles(PathPrefix="/x/")["Roles"]] == ["A"]


def test_list_roles_paginator_and_bad_marker(iam: Any) -> None:
    for i in range(4):
        iam.create_role(RoleName=f"r{i}", AssumeRolePolicyDocument=TRUST_ANYONE)
    pages = list(iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 1}))
    assert [page["Roles"][0]["RoleName"] for page in pages] == ["r0", "r1", "r2", "r3"]
    with pytest.raises(ClientError) as excinfo:
        iam.list_roles(Marker="garbage")
    assert error_of(excinfo) == ("ValidationError", "Invalid Marker.")


# ---- Updates ----------------------------------------------------------------------------


def test_update_role_changes_only_what_is_given(iam: Any) -> None:
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_ANYONE, Description="old")
    iam.update_role(RoleName="worker", MaxSessionDuration=7200)
    role = iam.get_role(RoleName="worker")["Role"]
    assert (role["Description"], role["MaxSessionDuration"]) == ("old", 7200)
    iam.update_role(RoleName="worker", Description="new")
    role = iam.get_role(RoleName="worker")["Role"]
    assert (role["Description"], role["MaxSessionDuration"]) == ("new", 7200)
    iam.update_role(RoleName="worker")
    assert iam.get_role(RoleName="worker")["Role"]["Description"] == "new"
    iam.update_role(RoleName="worker", Description="")
    assert "Description" not in iam.get_role(RoleName="worker")["Role"]


def test_update_role_description_returns_the_role(iam: Any) -> None:
    created = iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_ANYONE)["Role"]
    role = iam.update_role_description(RoleName="worker", Description="described")["Role"]
    assert role["Description"] == "described"
    assert role["RoleId"] == created["RoleId"]
    assert "RoleLastUsed" not in role
    assert iam.get_role(RoleName="worker")["Role"]["Description"] == "described"


def test_update_role_errors(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.update_role(RoleName="ghost", Description="x")
    assert error_of(excinfo) == ("NoSuchEntity", "The role with name ghost cannot be found.")
    with pytest.raises(ClientError) as excinfo:
        iam.update_role_description(RoleName="ghost", Description="x")
    assert error_of(excinfo) == ("NoSuchEntity", "The role with name ghost cannot be found.")
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_ANYONE)
    with pytest.raises(ClientError) as excinfo:
        iam.update_role(RoleName="worker", Description="x" * 1001)
    assert error_of(excinfo) == (
        "ValidationError",
        (
            "1 validation error detected: Value at 'description' failed to satisfy constraint: Member "
            "must have length less than or equal to 1000"
        ),
    )


def test_update_assume_role_policy(iam: Any) -> None:
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_ANYONE)
    iam.update_assume_role_policy(RoleName="worker", PolicyDocument=json.dumps(TRUST_EC2_DOC))
    assert iam.get_role(RoleName="worker")["Role"]["AssumeRolePolicyDocument"] == TRUST_EC2_DOC
    with pytest.raises(ClientError) as excinfo:
        iam.update_assume_role_policy(RoleName="worker", PolicyDocument="[]")
    assert excinfo.value.response["Error"]["Code"] == "MalformedPolicyDocument"
    assert iam.get_role(RoleName="worker")["Role"]["AssumeRolePolicyDocument"] == TRUST_EC2_DOC
    with pytest.raises(ClientError) as excinfo:
        iam.update_assume_role_policy(RoleName="ghost", PolicyDocument=TRUST_ANYONE)
    assert error_of(excinfo) == ("NoSuchEntity", "The role with name ghost cannot be found.")


# ---- DeleteRole -------------------------------------------------------------------------


def test_delete_role(iam: Any) -> None:
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_ANYONE)
    iam.delete_role(RoleName="Worker")
    with pytest.raises(ClientError) as excinfo:
        iam.get_role(RoleName="worker")
    assert error_of(excinfo) == ("NoSuchEntity", "The role with name worker cannot be found.")
    with pytest.raises(ClientError) as excinfo:
        iam.delete_role(RoleName="worker")
    assert error_of(excinfo) == ("NoSuchEntity", "The role with name worker cannot be found.")


def test_delete_role_with_policies_is_a_conflict(access_mock: AccessMock, iam: Any) -> None:
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_ANYONE)
    role = access_mock.world.iam(ACCOUNT).role("worker")
    role.inline_policies["p"] = '{"Version":"2012-10-17","Statement":[]}'
    role.attached_policies["arn:aws:iam::aws:policy/ReadOnlyAccess"] = None

    def conflict() -> tuple[str, str]:
        with pytest.raises(ClientError) as excinfo:
            iam.delete_role(RoleName="worker")
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
        return error_of(excinfo)

    assert conflict() == ("DeleteConflict", "Cannot delete entity, must delete policies first.")
    role.inline_policies.clear()
    assert conflict() == ("DeleteConflict", "Cannot delete entity, must detach all policies first.")
    role.attached_policies.clear()
    iam.delete_role(RoleName="worker")


# ---- Tags -------------------------------------------------------------------------------


def test_role_tags_lifecycle(iam: Any) -> None:
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_ANYONE)
    iam.tag_role(
        RoleName="worker", Tags=[{"Key": "Team", "Value": "a"}, {"Key": "env", "Value": ""}]
    )
    iam.tag_role(RoleName="worker", Tags=[{"Key": "TEAM", "Value": "b"}])
    assert iam.list_role_tags(RoleName="worker")["Tags"] == [
        {"Key": "Team", "Value": "b"},
        {"Key": "env", "Value": ""},
    ]
    assert iam.get_role(RoleName="worker")["Role"]["Tags"] == [
        {"Key": "Team", "Value": "b"},
        {"Key": "env", "Value": ""},
    ]
    iam.untag_role(RoleName="worker", TagKeys=["team"])
    assert iam.list_role_tags(RoleName="worker")["Tags"] == [{"Key": "env", "Value": ""}]
    first = iam.list_role_tags(RoleName="worker", MaxItems=1)
    assert first["IsTruncated"] is False


def test_role_tag_errors(iam: Any) -> None:
    iam.create_role(
        RoleName="worker", AssumeRolePolicyDocument=TRUST_ANYONE, Tags=[{"Key": "k0", "Value": "v"}]
    )
    cases = [
        (
            [{"Key": "aws:x", "Value": "v"}],
            "Tag keys beginning with aws: are reserved for system use.",
        ),
        (
            [{"Key": "a", "Value": "v"}, {"Key": "A", "Value": "w"}],
            "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
        ),
        ([], "Error occurred while validating input. "),
    ]
    for tags, message in cases:
        with pytest.raises(ClientError) as excinfo:
            iam.tag_role(RoleName="worker", Tags=tags)
        assert error_of(excinfo) == ("InvalidInput", message)
    iam.tag_role(RoleName="worker", Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(1, 50)])
    with pytest.raises(ClientError) as excinfo:
        iam.tag_role(RoleName="worker", Tags=[{"Key": "extra", "Value": "v"}])
    assert error_of(excinfo) == ("LimitExceeded", "Cannot exceed quota for TagsPerRole: 50")
    for call in (
        lambda: iam.tag_role(RoleName="ghost", Tags=[{"Key": "a", "Value": "b"}]),
        lambda: iam.untag_role(RoleName="ghost", TagKeys=["a"]),
        lambda: iam.list_role_tags(RoleName="ghost"),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == ("NoSuchEntity", "The role with name ghost cannot be found.")
