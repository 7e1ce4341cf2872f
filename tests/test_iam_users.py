"""IAM users through boto3: create, get, list, update, delete, tags, and their errors."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from support import ACCOUNT, NOW, TRUST_ANYONE, client_for, error_of, raw_client

from iam_access_mock import AccessMock

# ---- CreateUser -------------------------------------------------------------------------


def test_create_user_returns_the_user_with_path_arn_and_tags(iam: Any) -> None:
    user = iam.create_user(UserName="Alice", Path="/eng/", Tags=[{"Key": "team", "Value": "blue"}])[
        "User"
    ]
    assert user["UserName"] == "Alice"
    assert user["Path"] == "/eng/"
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/eng/Alice"
    assert user["UserId"].startswith("AIDA") and len(user["UserId"]) == 21
    assert user["CreateDate"] == NOW
    assert user["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert "PermissionsBoundary" not in user


def test_create_user_defaults_to_root_path_and_no_tags(iam: Any) -> None:
    user = iam.create_user(UserName="bob")["User"]
    assert user["Path"] == "/"
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/bob"
    assert "Tags" not in user


def test_create_user_name_clash_is_case_insensitive(iam: Any) -> None:
    iam.create_user(UserName="bob")
    with pytest.raises(ClientError) as excinfo:
        iam.create_user(UserName="BOB")
    assert error_of(excinfo) == ("EntityAlreadyExists", "User with name BOB already exists.")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_create_user_rejects_a_malformed_path(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.create_user(UserName="bob", Path="/team")
    assert error_of(excinfo) == (
        "ValidationError",
        (
            "1 validation error detected: Value at 'path' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"
        ),
    )


def test_create_user_rejects_a_non_ascii_name(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.create_user(UserName="bob\u00e9")
    assert error_of(excinfo) == (
        "ValidationError",
        (
            "1 validation error detected: Value at 'userName' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: [\\w+=,.@-]+"
        ),
    )
    with pytest.raises(ClientError) as excinfo:
        iam.get_user(UserName="bob\u00e9")
    assert error_of(excinfo)[0] == "ValidationError"


def test_create_user_with_an_aws_managed_permissions_boundary(iam: Any) -> None:
    boundary = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    created = iam.create_user(UserName="bob", PermissionsBoundary=boundary)["User"]
    expected = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary}
    assert created["PermissionsBoundary"] == expected
    assert iam.get_user(UserName="bob")["User"]["PermissionsBoundary"] == expected
    assert "PermissionsBoundary" not in iam.list_users()["Users"][0]


def test_create_user_with_a_missing_boundary_policy_is_refused(iam: Any) -> None:
    boundary = f"arn:aws:iam::{ACCOUNT}:policy/missing"
    with pytest.raises(ClientError) as excinfo:
        iam.create_user(UserName="bob", PermissionsBoundary=boundary)
    assert error_of(excinfo) == (
        "NoSuchEntity",
        f"Scope ARN: {boundary} does not exist or is not attachable.",
    )
    assert iam.list_users()["Users"] == []


def test_create_user_with_51_tags_is_a_validation_error(iam: Any) -> None:
    tags = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    with pytest.raises(ClientError) as excinfo:
        iam.create_user(UserName="bob", Tags=tags)
    assert error_of(excinfo) == (
        "ValidationError",
        (
            "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have "
            "length less than or equal to 50"
        ),
    )


def test_create_user_with_duplicate_tag_keys_is_refused(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.create_user(
            UserName="bob", Tags=[{"Key": "team", "Value": "a"}, {"Key": "TEAM", "Value": "b"}]
        )
    assert error_of(excinfo) == (
        "InvalidInput",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    )
    assert iam.list_users()["Users"] == []


# ---- GetUser ----------------------------------------------------------------------------


def test_get_user_by_name_ignores_case_and_answers_the_stored_case(iam: Any) -> None:
    created = iam.create_user(UserName="Alice", Tags=[{"Key": "a", "Value": ""}])["User"]
    user = iam.get_user(UserName="ALICE")["User"]
    assert user["UserName"] == "Alice"
    assert user["UserId"] == created["UserId"]
    assert user["Arn"] == created["Arn"]
    assert user["Tags"] == [{"Key": "a", "Value": ""}]


def test_get_user_unknown_is_no_such_entity(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.get_user(UserName="nobody")
    assert error_of(excinfo) == ("NoSuchEntity", "The user with name nobody cannot be found.")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_get_user_without_name_as_root_answers_the_root_user(iam: Any) -> None:
    user = iam.get_user()["User"]
    assert user["UserId"] == ACCOUNT
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert "UserName" not in user and "Path" not in user


def test_get_user_without_name_answers_the_calling_user(iam: Any) -> None:
    created = iam.create_user(UserName="alice", Path="/p/")["User"]
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    user = client_for("iam", key).get_user()["User"]
    assert user["UserName"] == "alice"
    assert user["Arn"] == created["Arn"]
    assert user["UserId"] == created["UserId"]


def test_get_user_without_name_from_a_role_session_is_a_validation_error(iam: Any) -> None:
    role = iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_ANYONE)["Role"]
    session = boto3.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="job")[
        "Credentials"
    ]
    with pytest.raises(ClientError) as excinfo:
        client_for("iam", session).get_user()
    assert error_of(excinfo) == (
        "ValidationError",
        "Must specify userName when calling with non-User credentials",
    )


# ---- ListUsers --------------------------------------------------------------------------


def test_list_users_sorts_by_name_case_insensitively_and_omits_tags(iam: Any) -> None:
    for name in ("carol", "Bob", "alice"):
        iam.create_user(UserName=name, Tags=[{"Key": "k", "Value": "v"}])
    users = iam.list_users()["Users"]
    assert [user["UserName"] for user in users] == ["alice", "Bob", "carol"]
    assert all("Tags" not in user for user in users)
    assert iam.list_users()["IsTruncated"] is False


def test_list_users_filters_by_path_prefix(iam: Any) -> None:
    iam.create_user(UserName="a", Path="/eng/backend/")
    iam.create_user(UserName="b", Path="/eng/")
    iam.create_user(UserName="c", Path="/sales/")
    assert [u["UserName"] for u in iam.list_users(PathPrefix="/eng/")["Users"]] == ["a", "b"]
    assert [u["UserName"] for u in iam.list_users(PathPrefix="/eng/b")["Users"]] == ["a"]
    assert iam.list_users(PathPrefix="/none/")["Users"] == []


def test_list_users_paginator_walks_every_user_once(iam: Any) -> None:
    names = [f"user{i:02d}" for i in range(7)]
    for name in reversed(names):
        iam.create_user(UserName=name)
    pages = list(iam.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 1}))
    assert len(pages) == 7
    assert [page["Users"][0]["UserName"] for page in pages] == names
    assert [page["IsTruncated"] for page in pages] == [True] * 6 + [False]


def test_list_users_max_items_and_marker(iam: Any) -> None:
    for name in ("a", "b", "c"):
        iam.create_user(UserName=name)
    first = iam.list_users(MaxItems=2)
    assert [u["UserName"] for u in first["Users"]] == ["a", "b"]
    assert first["IsTruncated"] is True
    second = iam.list_users(MaxItems=2, Marker=first["Marker"])
    assert [u["UserName"] for u in second["Users"]] == ["c"]
    assert second["IsTruncated"] is False and "Marker" not in second


def test_list_users_garbage_marker_is_invalid(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.list_users(Marker="not-a-marker")
    assert error_of(excinfo) == ("ValidationError", "Invalid Marker.")


def test_list_users_max_items_out_of_range(access_mock: AccessMock) -> None:
    raw = raw_client()
    with pytest.raises(ClientError) as excinfo:
        raw.list_users(MaxItems=0)
    assert error_of(excinfo) == (
        "ValidationError",
        (
            "1 validation error detected: Value at 'maxItems' failed to satisfy constraint: Member must "
            "have value greater than or equal to 1"
        ),
    )


# ---- UpdateUser -------------------------------------------------------------------------


def test_update_user_renames_and_moves_keeping_id_groups_and_keys(iam: Any) -> None:
    created = iam.create_user(UserName="alice")["User"]
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]

    iam.update_user(UserName="alice", NewUserName="alicia", NewPath="/staff/")

    user = iam.get_user(UserName="alicia")["User"]
    assert user["UserId"] == created["UserId"]
    assert user["Path"] == "/staff/"
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/staff/alicia"
    assert user["CreateDate"] == created["CreateDate"]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="alicia")["Groups"]] == [
        "devs"
    ]
    assert [u["UserName"] for u in iam.get_group(GroupName="devs")["Users"]] == ["alicia"]
    keys = iam.list_access_keys(UserName="alicia")["AccessKeyMetadata"]
    assert [(k["AccessKeyId"], k["UserName"]) for k in keys] == [(key["AccessKeyId"], "alicia")]
    assert client_for("sts", key).get_caller_identity()["Arn"] == user["Arn"]
    with pytest.raises(ClientError) as excinfo:
        iam.get_user(UserName="alice")
    assert error_of(excinfo) == ("NoSuchEntity", "The user with name alice cannot be found.")


def test_update_user_can_change_only_the_case_of_the_name(iam: Any) -> None:
    iam.create_user(UserName="alice")
    iam.update_user(UserName="alice", NewUserName="Alice")
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["Alice"]


def test_update_user_to_an_existing_name_is_refused(iam: Any) -> None:
    iam.create_user(UserName="alice")
    iam.create_user(UserName="bob")
    with pytest.raises(ClientError) as excinfo:
        iam.update_user(UserName="alice", NewUserName="BOB")
    assert error_of(excinfo) == ("EntityAlreadyExists", "User with name BOB already exists.")
    assert iam.get_user(UserName="alice")["User"]["UserName"] == "alice"


def test_update_user_unknown_is_no_such_entity(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.update_user(UserName="ghost", NewPath="/x/")
    assert error_of(excinfo) == ("NoSuchEntity", "The user with name ghost cannot be found.")


# ---- DeleteUser -------------------------------------------------------------------------


def test_delete_user_removes_it(iam: Any) -> None:
    iam.create_user(UserName="alice")
    iam.delete_user(UserName="ALICE")
    assert iam.list_users()["Users"] == []
    with pytest.raises(ClientError) as excinfo:
        iam.delete_user(UserName="alice")
    assert error_of(excinfo) == ("NoSuchEntity", "The user with name alice cannot be found.")


def _conflict_on_delete(iam: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        iam.delete_user(UserName="alice")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    return error_of(excinfo)


def test_delete_user_with_access_keys_is_a_conflict(iam: Any) -> None:
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    assert _conflict_on_delete(iam) == (
        "DeleteConflict",
        "Cannot delete entity, must delete access keys first.",
    )
    iam.delete_access_key(UserName="alice", AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName="alice")


def test_delete_user_in_a_group_is_a_conflict(iam: Any) -> None:
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    assert _conflict_on_delete(iam) == (
        "DeleteConflict",
        "Cannot delete entity, must remove users from group first.",
    )
    iam.remove_user_from_group(GroupName="devs", UserName="alice")
    iam.delete_user(UserName="alice")


def test_delete_user_with_inline_or_attached_policies_is_a_conflict(
    access_mock: AccessMock, iam: Any
) -> None:
    iam.create_user(UserName="alice")
    # Policy operations belong to another module: state is set on the store directly.
    user = access_mock.world.iam(ACCOUNT).user("alice")
    user.inline_policies["p"] = '{"Version":"2012-10-17","Statement":[]}'
    user.attached_policies["arn:aws:iam::aws:policy/ReadOnlyAccess"] = None
    assert _conflict_on_delete(iam) == (
        "DeleteConflict",
        "Cannot delete entity, must delete policies first.",
    )
    user.inline_policies.clear()
    assert _conflict_on_delete(iam) == (
        "DeleteConflict",
        "Cannot delete entity, must detach all policies first.",
    )
    user.attached_policies.clear()
    iam.delete_user(UserName="alice")


# ---- Tags -------------------------------------------------------------------------------


def test_tag_user_adds_and_replaces_case_insensitively(iam: Any) -> None:
    iam.create_user(UserName="alice", Tags=[{"Key": "Team", "Value": "blue"}])
    iam.tag_user(
        UserName="alice", Tags=[{"Key": "team", "Value": "red"}, {"Key": "env", "Value": "prod"}]
    )
    assert iam.list_user_tags(UserName="alice")["Tags"] == [
        {"Key": "Team", "Value": "red"},
        {"Key": "env", "Value": "prod"},
    ]
    assert iam.get_user(UserName="alice")["User"]["Tags"] == [
        {"Key": "Team", "Value": "red"},
        {"Key": "env", "Value": "prod"},
    ]


def test_untag_user_matches_keys_case_insensitively_and_ignores_unknown(iam: Any) -> None:
    iam.create_user(
        UserName="alice", Tags=[{"Key": "Team", "Value": "blue"}, {"Key": "env", "Value": "x"}]
    )
    iam.untag_user(UserName="alice", TagKeys=["TEAM", "missing"])
    assert iam.list_user_tags(UserName="alice")["Tags"] == [{"Key": "env", "Value": "x"}]
    iam.untag_user(UserName="alice", TagKeys=["env"])
    listed = iam.list_user_tags(UserName="alice")
    assert listed["Tags"] == [] and listed["IsTruncated"] is False
    assert "Tags" not in iam.get_user(UserName="alice")["User"]


def test_list_user_tags_paginates(iam: Any) -> None:
    iam.create_user(UserName="alice", Tags=[{"Key": k, "Value": "v"} for k in ("a", "b", "c")])
    first = iam.list_user_tags(UserName="alice", MaxItems=2)
    assert [t["Key"] for t in first["Tags"]] == ["a", "b"] and first["IsTruncated"] is True
    second = iam.list_user_tags(UserName="alice", MaxItems=2, Marker=first["Marker"])
    assert [t["Key"] for t in second["Tags"]] == ["c"] and second["IsTruncated"] is False


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        (
            [{"Key": "aws:team", "Value": "x"}],
            "Tag keys beginning with aws: are reserved for system use.",
        ),
        (
            [{"Key": "aws:a", "Value": "x"}, {"Key": "aws:a", "Value": "y"}],
            "Tag keys beginning with aws: are reserved for system use.",
        ),
        (
            [{"Key": "team", "Value": "x"}, {"Key": "team", "Value": "y"}],
            "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
        ),
        (
            [{"Key": "team", "Value": "x"}, {"Key": "TEAM", "Value": "y"}],
            "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
        ),
        ([], "Error occurred while validating input. "),
    ],
)
def test_tag_user_invalid_input(iam: Any, tags: list[dict[str, str]], message: str) -> None:
    iam.create_user(UserName="alice")
    with pytest.raises(ClientError) as excinfo:
        iam.tag_user(UserName="alice", Tags=tags)
    assert error_of(excinfo) == ("InvalidInput", message)
    assert iam.list_user_tags(UserName="alice")["Tags"] == []


def test_tag_user_bad_characters_are_a_validation_error(iam: Any) -> None:
    iam.create_user(UserName="alice")
    with pytest.raises(ClientError) as excinfo:
        iam.tag_user(UserName="alice", Tags=[{"Key": "<team>", "Value": "bad\nvalue"}])
    assert error_of(excinfo) == (
        "ValidationError",
        (
            "2 validation errors detected: Value at 'tags.1.member.value' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*; "
            "Value at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular "
            "expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+"
        ),
    )


def test_tag_user_accepts_unicode_letters_and_separators(iam: Any) -> None:
    iam.create_user(UserName="alice")
    iam.tag_user(UserName="alice", Tags=[{"Key": "équipe 1", "Value": "a.b:c/d=e+f-g@h_i"}])
    assert iam.list_user_tags(UserName="alice")["Tags"] == [
        {"Key": "équipe 1", "Value": "a.b:c/d=e+f-g@h_i"}
    ]


def test_tag_user_beyond_50_tags_is_limit_exceeded(iam: Any) -> None:
    iam.create_user(UserName="alice", Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(49)])
    # Replacing an existing key does not count against the quota.
    iam.tag_user(UserName="alice", Tags=[{"Key": "K0", "Value": "w"}, {"Key": "new", "Value": "v"}])
    with pytest.raises(ClientError) as excinfo:
        iam.tag_user(UserName="alice", Tags=[{"Key": "one-more", "Value": "v"}])
    assert error_of(excinfo) == ("LimitExceeded", "Cannot exceed quota for TagsPerUser: 50")
    assert len(iam.list_user_tags(UserName="alice")["Tags"]) == 50


def test_untag_user_invalid_keys(iam: Any) -> None:
    iam.create_user(UserName="alice")
    with pytest.raises(ClientError) as excinfo:
        iam.untag_user(UserName="alice", TagKeys=[])
    assert error_of(excinfo) == ("InvalidInput", "Error occurred while validating input. ")
    with pytest.raises(ClientError) as excinfo:
        iam.untag_user(UserName="alice", TagKeys=["<bad>"])
    assert error_of(excinfo) == (
        "ValidationError",
        (
            "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must "
            "satisfy constraint: [Member must have length less than or equal to 128, Member must have "
            "length greater than or equal to 1, Member must satisfy regular expression pattern: "
            "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+, Member must not be null]"
        ),
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda iam: iam.tag_user(UserName="ghost", Tags=[{"Key": "a", "Value": "b"}]),
        lambda iam: iam.untag_user(UserName="ghost", TagKeys=["a"]),
        lambda iam: iam.list_user_tags(UserName="ghost"),
    ],
)
def test_user_tag_operations_on_unknown_user(iam: Any, call: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        call(iam)
    assert error_of(excinfo) == ("NoSuchEntity", "The user with name ghost cannot be found.")
