"""IAM access keys through boto3: create, list, update, delete, last used, and calls signed with them."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from support import ACCOUNT, NOW, client_for, error_of

from iam_access_mock import AccessMock

INVALID_TOKEN = ("InvalidClientTokenId", "The security token included in the request is invalid.")


# ---- CreateAccessKey and attribution ---------------------------------------------------


def test_create_access_key_returns_an_active_key(iam: Any) -> None:
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="ALICE")["AccessKey"]
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", key["AccessKeyId"])
    assert len(key["SecretAccessKey"]) == 40
    assert key["UserName"] == "alice"
    assert key["Status"] == "Active"
    assert key["CreateDate"] == NOW


def test_calls_signed_with_a_new_key_act_as_the_user(iam: Any) -> None:
    user = iam.create_user(UserName="alice", Path="/eng/")["User"]
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    identity = client_for("sts", key).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/eng/alice"
    assert identity["UserId"] == user["UserId"]
    assert identity["Account"] == ACCOUNT
    assert client_for("iam", key).get_user()["User"]["UserName"] == "alice"


def test_create_access_key_quota_is_two(iam: Any) -> None:
    iam.create_user(UserName="alice")
    iam.create_access_key(UserName="alice")
    iam.create_access_key(UserName="alice")
    with pytest.raises(ClientError) as excinfo:
        iam.create_access_key(UserName="alice")
    assert error_of(excinfo) == ("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert len(iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]) == 2


def test_create_access_key_for_unknown_user(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.create_access_key(UserName="ghost")
    assert error_of(excinfo) == ("NoSuchEntity", "The user with name ghost cannot be found.")


def test_create_access_key_without_name_is_for_the_calling_user(iam: Any) -> None:
    iam.create_user(UserName="alice")
    first = iam.create_access_key(UserName="alice")["AccessKey"]
    second = client_for("iam", first).create_access_key()["AccessKey"]
    assert second["UserName"] == "alice"
    assert (
        client_for("sts", second).get_caller_identity()["Arn"]
        == f"arn:aws:iam::{ACCOUNT}:user/alice"
    )


def test_create_access_key_without_name_from_root_or_a_role(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.create_access_key()
    assert error_of(excinfo) == (
        "ValidationError",
        "Must specify userName when calling with non-User credentials",
    )
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
    role = iam.create_role(RoleName="worker", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    session = boto3.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="job")[
        "Credentials"
    ]
    with pytest.raises(ClientError) as excinfo:
        client_for("iam", session).create_access_key()
    assert error_of(excinfo) == (
        "ValidationError",
        "Must specify userName when calling with non-User credentials",
    )


# ---- ListAccessKeys ---------------------------------------------------------------------


def test_list_access_keys_in_creation_order(access_mock: AccessMock, iam: Any) -> None:
    iam.create_user(UserName="alice")
    first = iam.create_access_key(UserName="alice")["AccessKey"]
    access_mock.clock.advance(timedelta(seconds=1))
    second = iam.create_access_key(UserName="alice")["AccessKey"]
    listed = iam.list_access_keys(UserName="alice")
    assert listed["AccessKeyMetadata"] == [
        {
            "UserName": "alice",
            "AccessKeyId": first["AccessKeyId"],
            "Status": "Active",
            "CreateDate": NOW,
        },
        {
            "UserName": "alice",
            "AccessKeyId": second["AccessKeyId"],
            "Status": "Active",
            "CreateDate": NOW + timedelta(seconds=1),
        },
    ]
    assert listed["IsTruncated"] is False
    pages = list(
        iam.get_paginator("list_access_keys").paginate(
            UserName="alice", PaginationConfig={"PageSize": 1}
        )
    )
    assert [p["AccessKeyMetadata"][0]["AccessKeyId"] for p in pages] == [
        first["AccessKeyId"],
        second["AccessKeyId"],
    ]
    with pytest.raises(ClientError) as excinfo:
        iam.list_access_keys(UserName="alice", Marker="garbage")
    assert error_of(excinfo) == ("ValidationError", "Invalid Marker.")


def test_list_access_keys_without_name(iam: Any) -> None:
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    mine = client_for("iam", key).list_access_keys()["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in mine] == [key["AccessKeyId"]]
    # The account root has no access keys in the mock.
    assert iam.list_access_keys()["AccessKeyMetadata"] == []


def test_list_access_keys_for_unknown_user(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.list_access_keys(UserName="ghost")
    assert error_of(excinfo) == ("NoSuchEntity", "The user with name ghost cannot be found.")


# ---- UpdateAccessKey / DeleteAccessKey ---------------------------------------------------


def test_inactive_key_is_refused_and_active_again_works(iam: Any) -> None:
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    iam.update_access_key(UserName="alice", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"][0]["Status"] == "Inactive"
    with pytest.raises(ClientError) as excinfo:
        client_for("sts", key).get_caller_identity()
    assert error_of(excinfo) == INVALID_TOKEN
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    iam.update_access_key(UserName="alice", AccessKeyId=key["AccessKeyId"], Status="Active")
    assert (
        client_for("sts", key).get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/alice"
    )


def test_update_access_key_to_expired_is_invalid_input(iam: Any) -> None:
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    with pytest.raises(ClientError) as excinfo:
        iam.update_access_key(UserName="alice", AccessKeyId=key["AccessKeyId"], Status="Expired")
    assert error_of(excinfo) == (
        "InvalidInput",
        "Invalid status Expired: an access key can only be made Active or Inactive.",
    )
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"][0]["Status"] == "Active"


def test_update_access_key_of_another_user_or_unknown(iam: Any) -> None:
    iam.create_user(UserName="alice")
    iam.create_user(UserName="bob")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    for user, key_id in (("bob", key["AccessKeyId"]), ("alice", "AKIAIOSFODNN7EXAMPLE")):
        with pytest.raises(ClientError) as excinfo:
            iam.update_access_key(UserName=user, AccessKeyId=key_id, Status="Inactive")
        assert error_of(excinfo) == (
            "NoSuchEntity",
            f"The Access Key with id {key_id} cannot be found.",
        )
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"][0]["Status"] == "Active"


def test_update_own_key_without_user_name(iam: Any) -> None:
    iam.create_user(UserName="alice")
    first = iam.create_access_key(UserName="alice")["AccessKey"]
    second = iam.create_access_key(UserName="alice")["AccessKey"]
    client_for("iam", first).update_access_key(AccessKeyId=second["AccessKeyId"], Status="Inactive")
    statuses = {
        k["AccessKeyId"]: k["Status"]
        for k in iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]
    }
    assert statuses == {first["AccessKeyId"]: "Active", second["AccessKeyId"]: "Inactive"}


def test_deleted_key_is_refused(iam: Any) -> None:
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    iam.delete_access_key(UserName="alice", AccessKeyId=key["AccessKeyId"])
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"] == []
    with pytest.raises(ClientError) as excinfo:
        client_for("iam", key).list_users()
    assert error_of(excinfo) == INVALID_TOKEN
    with pytest.raises(ClientError) as excinfo:
        iam.delete_access_key(UserName="alice", AccessKeyId=key["AccessKeyId"])
    assert error_of(excinfo) == (
        "NoSuchEntity",
        f"The Access Key with id {key['AccessKeyId']} cannot be found.",
    )
    # The quota counts live keys only.
    iam.create_access_key(UserName="alice")
    iam.create_access_key(UserName="alice")


def test_delete_access_key_for_unknown_user(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.delete_access_key(UserName="ghost", AccessKeyId="AKIAIOSFODNN7EXAMPLE")
    assert error_of(excinfo) == ("NoSuchEntity", "The user with name ghost cannot be found.")


# ---- GetAccessKeyLastUsed ---------------------------------------------------------------


def test_unused_key_reports_not_applicable(iam: Any) -> None:
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    answer = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
    assert answer["UserName"] == "alice"
    assert answer["AccessKeyLastUsed"] == {"ServiceName": "N/A", "Region": "N/A"}


def test_last_used_reports_the_latest_call(access_mock: AccessMock, iam: Any) -> None:
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    access_mock.clock.advance(timedelta(minutes=1))
    client_for("sts", key, region="eu-west-1").get_caller_identity()
    access_mock.clock.advance(timedelta(minutes=1))
    assert iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"] == {
        "LastUsedDate": NOW + timedelta(minutes=1),
        "ServiceName": "sts",
        "Region": "eu-west-1",
    }
    client_for("iam", key).list_users()
    assert iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"] == {
        "LastUsedDate": NOW + timedelta(minutes=2),
        "ServiceName": "iam",
        "Region": "us-east-1",
    }


def test_last_used_follows_a_renamed_user(iam: Any) -> None:
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    iam.update_user(UserName="alice", NewUserName="alicia")
    assert iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["UserName"] == "alicia"


def test_last_used_of_an_unknown_or_deleted_key_is_access_denied(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.get_access_key_last_used(AccessKeyId="AKIAIOSFODNN7EXAMPLE")
    assert error_of(excinfo) == (
        "AccessDenied",
        (
            f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform iam:GetAccessKeyLastUsed "
            "on resource: access key AKIAIOSFODNN7EXAMPLE"
        ),
    )
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    iam.delete_access_key(UserName="alice", AccessKeyId=key["AccessKeyId"])
    with pytest.raises(ClientError) as excinfo:
        iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
    assert error_of(excinfo)[0] == "AccessDenied"
