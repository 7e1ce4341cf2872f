"""IAM groups through boto3: create, get, list, update, delete, memberships, and their errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from support import ACCOUNT, NOW, error_of

from iam_access_mock import AccessMock


def test_create_group_returns_the_group(iam: Any) -> None:
    group = iam.create_group(GroupName="Devs", Path="/eng/")["Group"]
    assert group["GroupName"] == "Devs"
    assert group["Path"] == "/eng/"
    assert group["Arn"] == f"arn:aws:iam::{ACCOUNT}:group/eng/Devs"
    assert group["GroupId"].startswith("AGPA") and len(group["GroupId"]) == 21
    assert group["CreateDate"] == NOW


def test_create_group_name_clash_is_case_insensitive(iam: Any) -> None:
    iam.create_group(GroupName="devs")
    with pytest.raises(ClientError) as excinfo:
        iam.create_group(GroupName="DEVS")
    assert error_of(excinfo) == ("EntityAlreadyExists", "Group with name DEVS already exists.")


def test_get_group_returns_group_and_members_sorted(iam: Any) -> None:
    created = iam.create_group(GroupName="devs")["Group"]
    for name in ("carol", "Bob", "alice"):
        iam.create_user(UserName=name, Tags=[{"Key": "k", "Value": "v"}])
        iam.add_user_to_group(GroupName="devs", UserName=name)
    answer = iam.get_group(GroupName="DEVS")
    assert answer["Group"] == created
    assert [u["UserName"] for u in answer["Users"]] == ["alice", "Bob", "carol"]
    assert answer["Users"][0]["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/alice"
    assert all("Tags" not in u for u in answer["Users"])
    assert answer["IsTruncated"] is False


def test_get_group_without_members(iam: Any) -> None:
    iam.create_group(GroupName="devs")
    answer = iam.get_group(GroupName="devs")
    assert answer["Users"] == [] and answer["IsTruncated"] is False


def test_get_group_paginator_walks_members(iam: Any) -> None:
    iam.create_group(GroupName="devs")
    for i in range(4):
        iam.create_user(UserName=f"u{i}")
        iam.add_user_to_group(GroupName="devs", UserName=f"u{i}")
    pages = list(
        iam.get_paginator("get_group").paginate(GroupName="devs", PaginationConfig={"PageSize": 1})
    )
    assert [[u["UserName"] for u in page["Users"]] for page in pages] == [
        ["u0"],
        ["u1"],
        ["u2"],
        ["u3"],
    ]
    assert all(page["Group"]["GroupName"] == "devs" for page in pages)


def test_get_group_garbage_marker_is_invalid(iam: Any) -> None:
    iam.create_group(GroupName="devs")
    with pytest.raises(ClientError) as excinfo:
        iam.get_group(GroupName="devs", Marker="garbage")
    assert error_of(excinfo) == ("ValidationError", "Invalid Marker.")


def test_get_group_unknown_is_no_such_entity(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.get_group(GroupName="nope")
    assert error_of(excinfo) == ("NoSuchEntity", "The group with name nope cannot be found.")


def test_list_groups_sorted_and_filtered_by_path(iam: Any) -> None:
    iam.create_group(GroupName="ops", Path="/eng/")
    iam.create_group(GroupName="Admins")
    iam.create_group(GroupName="devs", Path="/eng/")
    assert [g["GroupName"] for g in iam.list_groups()["Groups"]] == ["Admins", "devs", "ops"]
    assert [g["GroupName"] for g in iam.list_groups(PathPrefix="/eng/")["Groups"]] == [
        "devs",
        "ops",
    ]


def test_list_groups_paginator_walks_every_group_once(iam: Any) -> None:
    for i in range(5):
        iam.create_group(GroupName=f"g{i}")
    pages = list(iam.get_paginator("list_groups").paginate(PaginationConfig={"PageSize": 1}))
    assert [page["Groups"][0]["GroupName"] for page in pages] == ["g0", "g1", "g2", "g3", "g4"]


def test_update_group_renames_keeping_id_and_members(iam: Any) -> None:
    created = iam.create_group(GroupName="devs")["Group"]
    iam.create_user(UserName="alice")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    iam.update_group(GroupName="devs", NewGroupName="builders", NewPath="/eng/")
    answer = iam.get_group(GroupName="builders")
    assert answer["Group"]["GroupId"] == created["GroupId"]
    assert answer["Group"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:group/eng/builders"
    assert [u["UserName"] for u in answer["Users"]] == ["alice"]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="alice")["Groups"]] == [
        "builders"
    ]
    with pytest.raises(ClientError) as excinfo:
        iam.get_group(GroupName="devs")
    assert error_of(excinfo) == ("NoSuchEntity", "The group with name devs cannot be found.")


def test_update_group_errors(iam: Any) -> None:
    iam.create_group(GroupName="devs")
    iam.create_group(GroupName="ops")
    with pytest.raises(ClientError) as excinfo:
        iam.update_group(GroupName="devs", NewGroupName="Ops")
    assert error_of(excinfo) == ("EntityAlreadyExists", "Group with name Ops already exists.")
    with pytest.raises(ClientError) as excinfo:
        iam.update_group(GroupName="ghost", NewGroupName="x")
    assert error_of(excinfo) == ("NoSuchEntity", "The group with name ghost cannot be found.")


def test_delete_group(iam: Any) -> None:
    iam.create_group(GroupName="devs")
    iam.delete_group(GroupName="devs")
    assert iam.list_groups()["Groups"] == []
    with pytest.raises(ClientError) as excinfo:
        iam.delete_group(GroupName="devs")
    assert error_of(excinfo) == ("NoSuchEntity", "The group with name devs cannot be found.")


def test_delete_group_conflicts(access_mock: AccessMock, iam: Any) -> None:
    iam.create_group(GroupName="devs")
    iam.create_user(UserName="alice")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    group = access_mock.world.iam(ACCOUNT).group("devs")
    group.inline_policies["p"] = '{"Version":"2012-10-17","Statement":[]}'
    group.attached_policies["arn:aws:iam::aws:policy/ReadOnlyAccess"] = None

    def conflict() -> tuple[str, str]:
        with pytest.raises(ClientError) as excinfo:
            iam.delete_group(GroupName="devs")
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
        return error_of(excinfo)

    assert conflict() == (
        "DeleteConflict",
        "Cannot delete entity, must remove users from group first.",
    )
    iam.remove_user_from_group(GroupName="devs", UserName="alice")
    assert conflict() == ("DeleteConflict", "Cannot delete entity, must delete policies first.")
    group.inline_policies.clear()
    assert conflict() == ("DeleteConflict", "Cannot delete entity, must detach all policies first.")
    group.attached_policies.clear()
    iam.delete_group(GroupName="devs")


def test_add_user_to_group_is_idempotent(iam: Any) -> None:
    iam.create_group(GroupName="devs")
    iam.create_user(UserName="alice")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    iam.add_user_to_group(GroupName="DEVS", UserName="ALICE")
    assert [u["UserName"] for u in iam.get_group(GroupName="devs")["Users"]] == ["alice"]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="alice")["Groups"]] == [
        "devs"
    ]


def test_add_user_to_group_unknown_user_or_group(iam: Any) -> None:
    iam.create_group(GroupName="devs")
    iam.create_user(UserName="alice")
    with pytest.raises(ClientError) as excinfo:
        iam.add_user_to_group(GroupName="devs", UserName="ghost")
    assert error_of(excinfo) == ("NoSuchEntity", "The user with name ghost cannot be found.")
    with pytest.raises(ClientError) as excinfo:
        iam.add_user_to_group(GroupName="nope", UserName="alice")
    assert error_of(excinfo) == ("NoSuchEntity", "The group with name nope cannot be found.")


def test_add_user_to_more_than_ten_groups_is_limit_exceeded(iam: Any) -> None:
    iam.create_user(UserName="alice")
    for i in range(11):
        iam.create_group(GroupName=f"g{i:02d}")
    for i in range(10):
        iam.add_user_to_group(GroupName=f"g{i:02d}", UserName="alice")
    with pytest.raises(ClientError) as excinfo:
        iam.add_user_to_group(GroupName="g10", UserName="alice")
    assert error_of(excinfo) == ("LimitExceeded", "Cannot exceed quota for GroupsPerUser: 10")
    assert len(iam.list_groups_for_user(UserName="alice")["Groups"]) == 10


def test_remove_user_from_group(iam: Any) -> None:
    iam.create_group(GroupName="devs")
    iam.create_user(UserName="alice")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    iam.remove_user_from_group(GroupName="devs", UserName="alice")
    assert iam.get_group(GroupName="devs")["Users"] == []
    assert iam.list_groups_for_user(UserName="alice")["Groups"] == []
    # Observed: removing a user that is not a member succeeds.
    iam.remove_user_from_group(GroupName="devs", UserName="alice")


def test_remove_user_from_group_unknown_user_or_group(iam: Any) -> None:
    iam.create_user(UserName="alice")
    with pytest.raises(ClientError) as excinfo:
        iam.remove_user_from_group(GroupName="nope", UserName="alice")
    assert error_of(excinfo) == ("NoSuchEntity", "The group with name nope cannot be found.")
    # Observed: with both missing, the user is reported.
    with pytest.raises(ClientError) as excinfo:
        iam.remove_user_from_group(GroupName="nope", UserName="any-user")
    assert error_of(excinfo) == ("NoSuchEntity", "The user with name any-user cannot be found.")


def test_list_groups_for_user_sorted_and_paginated(iam: Any) -> None:
    iam.create_user(UserName="alice")
    for name in ("ops", "Admins", "devs"):
        iam.create_group(GroupName=name)
        iam.add_user_to_group(GroupName=name, UserName="alice")
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="alice")["Groups"]] == [
        "Admins",
        "devs",
        "ops",
    ]
    pages = list(
        iam.get_paginator("list_groups_for_user").paginate(
            UserName="alice", PaginationConfig={"PageSize": 1}
        )
    )
    assert [page["Groups"][0]["GroupName"] for page in pages] == ["Admins", "devs", "ops"]


def test_list_groups_for_unknown_user(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.list_groups_for_user(UserName="ghost")
    assert error_of(excinfo) == ("NoSuchEntity", "The user with name ghost cannot be found.")
