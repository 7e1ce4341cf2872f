"""Console passwords through boto3: login profiles, ChangePassword, the account password
policy, and PasswordLastUsed from ``aws.record_sign_in``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from support import ACCOUNT, NOW, TRUST_ROOT, error_of

from iam_access_mock import AccessMock

GOOD = "Correct-Horse-9"


def code_of(call: Any, **params: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"], caught.value.response["ResponseMetadata"][
        "HTTPStatusCode"
    ]


def user_client(iam: Any, name: str) -> Any:
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return boto3.client(
        "iam", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )


def test_login_profile_lifecycle(iam: Any) -> None:
    iam.create_user(UserName="alice")
    assert code_of(iam.get_login_profile, UserName="alice") == ("NoSuchEntity", 404)
    created = iam.create_login_profile(UserName="alice", Password=GOOD, PasswordResetRequired=True)[
        "LoginProfile"
    ]
    assert created == {"UserName": "alice", "CreateDate": NOW, "PasswordResetRequired": True}
    assert iam.get_login_profile(UserName="alice")["LoginProfile"] == created
    assert code_of(iam.create_login_profile, UserName="alice", Password=GOOD) == (
        "EntityAlreadyExists",
        409,
    )
    iam.update_login_profile(UserName="alice", PasswordResetRequired=False)
    assert iam.get_login_profile(UserName="alice")["LoginProfile"]["PasswordResetRequired"] is False
    iam.delete_login_profile(UserName="alice")
    with pytest.raises(ClientError) as caught:
        iam.get_login_profile(UserName="alice")
    assert error_of(caught) == ("NoSuchEntity", "Login Profile for User alice cannot be found.")
    assert code_of(iam.delete_login_profile, UserName="alice") == ("NoSuchEntity", 404)
    assert code_of(iam.create_login_profile, UserName="nobody", Password=GOOD) == (
        "NoSuchEntity",
        404,
    )


@pytest.mark.parametrize("password", ["short1A", "alllowercaseletters", "lowercase-and-symbols"])
def test_without_a_policy_the_default_policy_applies(iam: Any, password: str) -> None:
    """At least 8 characters and three of uppercase, lowercase, numbers, symbols."""
    iam.create_user(UserName="alice")
    with pytest.raises(ClientError) as caught:
        iam.create_login_profile(UserName="alice", Password=password)
    assert error_of(caught) == (
        "PasswordPolicyViolation",
        "Password does not conform to the account password policy.",
    )
    assert (
        code_of(iam.get_login_profile, UserName="alice")[0] == "NoSuchEntity"
    )  # nothing half-made


def test_the_account_policy_decides(iam: Any) -> None:
    iam.create_user(UserName="alice")
    assert code_of(iam.get_account_password_policy) == ("NoSuchEntity", 404)
    iam.update_account_password_policy(MinimumPasswordLength=12, RequireNumbers=True)
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    assert policy == {
        "MinimumPasswordLength": 12,
        "RequireSymbols": False,
        "RequireNumbers": True,
        "RequireUppercaseCharacters": False,
        "RequireLowercaseCharacters": False,
        "AllowUsersToChangePassword": False,
        "ExpirePasswords": False,
    }
    assert (
        code_of(iam.create_login_profile, UserName="alice", Password="no-digits-at-all")[0]
        == "PasswordPolicyViolation"
    )
    assert (
        code_of(iam.create_login_profile, UserName="alice", Password="short1")[0]
        == "PasswordPolicyViolation"
    )
    # twelve lower-case letters and a digit: fine here, refused by the default policy
    iam.create_login_profile(UserName="alice", Password="abcdefghijkl1")


def test_update_is_not_partial_and_defaults_are_the_documented_ones(iam: Any) -> None:
    iam.update_account_password_policy(
        MinimumPasswordLength=20, RequireSymbols=True, MaxPasswordAge=90, PasswordReusePrevention=3
    )
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    assert (
        policy["ExpirePasswords"],
        policy["MaxPasswordAge"],
        policy["PasswordReusePrevention"],
    ) == (True, 90, 3)
    assert policy["HardExpiry"] is False
    iam.update_account_password_policy()
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 6
    assert policy["RequireSymbols"] is False
    assert "MaxPasswordAge" not in policy and "PasswordReusePrevention" not in policy
    iam.delete_account_password_policy()
    assert code_of(iam.delete_account_password_policy) == ("NoSuchEntity", 404)
    with pytest.raises(ClientError) as caught:
        iam.get_account_password_policy()
    assert error_of(caught)[1] == f"The Password Policy with domain name {ACCOUNT} cannot be found."


@pytest.mark.parametrize(
    "params",
    [{"MinimumPasswordLength": 5}, {"MaxPasswordAge": 1096}, {"PasswordReusePrevention": 25}],
)
def test_policy_ranges(raw_iam: Any, params: dict[str, int]) -> None:
    assert code_of(raw_iam.update_account_password_policy, **params)[0] == "ValidationError"


def test_change_password(iam: Any) -> None:
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password=GOOD, PasswordResetRequired=True)
    alice = user_client(iam, "alice")
    assert code_of(
        alice.change_password, OldPassword="wrong-Pass-1", NewPassword="Another-Pass-2"
    ) == ("AccessDenied", 403)
    assert (
        code_of(alice.change_password, OldPassword=GOOD, NewPassword="weak")[0]
        == "PasswordPolicyViolation"
    )
    alice.change_password(OldPassword=GOOD, NewPassword="Another-Pass-2")
    assert iam.get_login_profile(UserName="alice")["LoginProfile"]["PasswordResetRequired"] is False
    # the account root cannot change an IAM user's password this way
    assert (
        code_of(iam.change_password, OldPassword=GOOD, NewPassword="Another-Pass-3")[0]
        == "InvalidUserType"
    )


def test_password_reuse_prevention(iam: Any) -> None:
    iam.update_account_password_policy(MinimumPasswordLength=8, PasswordReusePrevention=2)
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="first-Pass-1")
    iam.update_login_profile(UserName="alice", Password="second-Pass-2")
    assert (
        code_of(iam.update_login_profile, UserName="alice", Password="first-Pass-1")[0]
        == "PasswordPolicyViolation"
    )
    iam.update_login_profile(UserName="alice", Password="third-Pass-3")
    iam.update_login_profile(UserName="alice", Password="first-Pass-1")  # three passwords ago


def test_password_last_used_comes_from_record_sign_in(iam: Any, access_mock: AccessMock) -> None:
    iam.create_user(UserName="alice")
    assert "PasswordLastUsed" not in iam.get_user(UserName="alice")["User"]
    with pytest.raises(ValueError, match="no password"):
        access_mock.record_sign_in(f"arn:aws:iam::{ACCOUNT}:user/alice")
    iam.create_login_profile(UserName="alice", Password=GOOD)
    access_mock.record_sign_in(f"arn:aws:iam::{ACCOUNT}:user/alice", at=NOW - timedelta(days=3))
    assert iam.get_user(UserName="alice")["User"]["PasswordLastUsed"] == NOW - timedelta(days=3)
    assert iam.list_users()["Users"][0]["PasswordLastUsed"] == NOW - timedelta(days=3)
    with pytest.raises(ValueError):
        access_mock.record_sign_in(f"arn:aws:iam::{ACCOUNT}:user/alice", at=NOW + timedelta(days=1))
    with pytest.raises(ValueError):
        access_mock.record_sign_in(f"arn:aws:iam::{ACCOUNT}:user/nobody")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST_ROOT)
    with pytest.raises(ValueError, match="only IAM users and the account root"):
        access_mock.record_sign_in(f"arn:aws:iam::{ACCOUNT}:role/r")
    with pytest.raises(TypeError):
        access_mock.record_sign_in(42)  # type: ignore[arg-type]


def test_a_user_with_a_password_or_mfa_cannot_be_deleted(iam: Any) -> None:
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password=GOOD)
    with pytest.raises(ClientError) as caught:
        iam.delete_user(UserName="alice")
    assert error_of(caught) == (
        "DeleteConflict",
        "Cannot delete entity, must delete login profile first.",
    )
    iam.delete_login_profile(UserName="alice")
    iam.delete_user(UserName="alice")
