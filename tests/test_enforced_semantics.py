"""Rules AWS enforces that the mock once let through (issue 8, item 4), through boto3.

RoleLastUsed covers the trailing 400 days only; AssumeRole refuses a session policy that is
not JSON, a chained session longer than an hour and a duration past the role's
MaxSessionDuration; IAM policies take only ASCII letters and digits in a Sid; a rejected
access key gets the error of the protocol of the service called.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from support import (
    ACCOUNT,
    ALICE,
    NOW,
    TRUST_ANYONE,
    allow,
    client_error,
    client_for,
    error_and_status,
)

from iam_access_mock import AccessMock

ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/worker"

# ---- RoleLastUsed: the trailing 400 days ---------------------------------------------------


def _role_last_used(iam: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """RoleLastUsed of the role "worker" in GetRole and in GetAccountAuthorizationDetails."""
    from_get = iam.get_role(RoleName="worker")["Role"]["RoleLastUsed"]
    details = iam.get_account_authorization_details(Filter=["Role"])["RoleDetailList"]
    return from_get, details[0]["RoleLastUsed"]


def test_role_last_used_keeps_a_use_for_400_days_then_drops_it(
    iam: Any, access_mock: AccessMock
) -> None:
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_ANYONE)
    session = boto3.client("sts").assume_role(RoleArn=ROLE_ARN, RoleSessionName="job")
    client_for("iam", session["Credentials"]).list_users()
    used = {"LastUsedDate": NOW, "Region": "us-east-1"}

    access_mock.clock.advance(timedelta(days=400))
    assert _role_last_used(iam) == (used, used)
    access_mock.clock.advance(timedelta(microseconds=1))
    # "Activity is only reported for the trailing 400 days" (RoleLastUsed, IAM API reference).
    assert _role_last_used(iam) == ({}, {})


def test_role_last_used_ignores_a_recorded_access_older_than_400_days(
    iam: Any, access_mock: AccessMock
) -> None:
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_ANYONE)
    access_mock.record_access(ROLE_ARN, "s3:ListAllMyBuckets", at=NOW - timedelta(days=401))
    assert _role_last_used(iam) == ({}, {})
    # ListRoles never carries RoleLastUsed, used or not.
    assert "RoleLastUsed" not in iam.list_roles()["Roles"][0]
    recent = NOW - timedelta(days=3)
    access_mock.record_access(ROLE_ARN, "s3:ListAllMyBuckets", at=recent, region="us-west-2")
    expected = {"LastUsedDate": recent, "Region": "us-west-2"}
    assert _role_last_used(iam) == (expected, expected)


# ---- AssumeRole ------------------------------------------------------------------------------


@pytest.fixture
def sts(iam: Any) -> Any:
    """An STS client; the role "worker" (trusting anyone) allows 12-hour sessions."""
    iam.create_role(
        RoleName="worker", AssumeRolePolicyDocument=TRUST_ANYONE, MaxSessionDuration=43200
    )
    return boto3.client("sts")


@pytest.mark.parametrize("policy", ["{not json", "   ", '{"Version": "2012-10-17",', "[" * 5000])
def test_assume_role_refuses_a_session_policy_that_is_not_json(sts: Any, policy: str) -> None:
    with pytest.raises(sts.exceptions.MalformedPolicyDocumentException) as excinfo:
        sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="job", Policy=policy)
    assert error_and_status(excinfo) == (
        "MalformedPolicyDocument",
        "The policy is not in the valid JSON format.",
        400,
    )


def test_assume_role_takes_a_json_session_policy(sts: Any) -> None:
    session = sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="job", Policy=allow("s3:GetObject"))
    assert session["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/worker/job"


CHAINED = (
    "ValidationError",
    (
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
        "role chaining."
    ),
    400,
)


def test_a_chained_session_is_limited_to_one_hour(sts: Any, iam: Any) -> None:
    first = sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="first", DurationSeconds=7200)
    chained = client_for("sts", first["Credentials"])
    assert (
        client_error(
            lambda: chained.assume_role(
                RoleArn=ROLE_ARN, RoleSessionName="second", DurationSeconds=7200
            )
        )
        == CHAINED
    )
    assert (
        client_error(
            lambda: chained.assume_role(
                RoleArn=ROLE_ARN, RoleSessionName="second", DurationSeconds=3601
            )
        )
        == CHAINED
    )
    second = chained.assume_role(RoleArn=ROLE_ARN, RoleSessionName="second", DurationSeconds=3600)
    assert second["Credentials"]["Expiration"] == NOW + timedelta(hours=1)
    # A user (not a session) may take the role's whole MaxSessionDuration.
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    long = client_for("sts", key).assume_role(
        RoleArn=ROLE_ARN, RoleSessionName="long", DurationSeconds=43200
    )
    assert long["Credentials"]["Expiration"] == NOW + timedelta(hours=12)


def test_duration_past_the_role_max_session_duration_is_refused(iam: Any) -> None:
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_ANYONE)
    sts = boto3.client("sts")
    assert client_error(
        lambda: sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="job", DurationSeconds=3601)
    ) == (
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        400,
    )
    iam.update_role(RoleName="worker", MaxSessionDuration=7200)
    session = sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="job", DurationSeconds=7200)
    assert session["Credentials"]["Expiration"] == NOW + timedelta(hours=2)


# ---- Statement ids ---------------------------------------------------------------------------

SID_NOT_ALPHANUMERIC = (
    "MalformedPolicyDocument",
    (
        "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the "
        "regular expression [0-9A-Za-z]*"
    ),
    400,
)


def _with_sids(*sids: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": sid, "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
                for sid in sids
            ],
        }
    )


@pytest.mark.parametrize("sid", ["with_underscore", "café", "has space", "dash-ed", "１２３"])
def test_identity_policies_refuse_a_sid_that_is_not_ascii_letters_and_digits(
    iam: Any, sid: str
) -> None:
    iam.create_user(UserName="alice")
    calls = {
        "CreatePolicy": lambda: iam.create_policy(PolicyName="p", PolicyDocument=_with_sids(sid)),
        "PutUserPolicy": lambda: iam.put_user_policy(
            UserName="alice", PolicyName="p", PolicyDocument=_with_sids(sid)
        ),
    }
    for name, call in calls.items():
        assert client_error(call) == SID_NOT_ALPHANUMERIC, name
    assert iam.list_policies(Scope="Local")["Policies"] == []
    assert iam.list_user_policies(UserName="alice")["PolicyNames"] == []


def test_a_bad_sid_is_reported_before_a_repeated_one(iam: Any) -> None:
    # AWS answered the alphanumeric error for two statements both named "autogenerated-id".
    document = _with_sids("autogenerated-id", "autogenerated-id")
    assert (
        client_error(lambda: iam.create_policy(PolicyName="p", PolicyDocument=document))
        == SID_NOT_ALPHANUMERIC
    )


def test_ascii_letters_and_digits_and_empty_sids_are_accepted(iam: Any) -> None:
    policy = iam.create_policy(PolicyName="p", PolicyDocument=_with_sids("Allow2Read", "", ""))
    assert policy["Policy"]["PolicyName"] == "p"


# ---- a rejected access key: the error of the protocol called ---------------------------------

INVALID = "The security token included in the request is invalid."
EXPIRED = "The security token included in the request is expired"


def _revoke(iam: Any, key: dict[str, Any], how: str) -> None:
    if how == "deleted":
        iam.delete_access_key(UserName="alice", AccessKeyId=key["AccessKeyId"])
    else:
        iam.update_access_key(UserName="alice", AccessKeyId=key["AccessKeyId"], Status="Inactive")


@pytest.mark.parametrize("how", ["deleted", "inactive"])
def test_a_rejected_key_gets_each_protocol_s_own_error(
    iam: Any, access_mock: AccessMock, how: str
) -> None:
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    _revoke(iam, key, how)
    # DynamoDB speaks json, Lambda rest-json: the mock serves neither, and still
    # identifies the caller before saying so.
    assert client_error(lambda: client_for("dynamodb", key).list_tables()) == (
        "UnrecognizedClientException",
        INVALID,
        400,
    )
    assert client_error(lambda: client_for("lambda", key).list_functions()) == (
        "UnrecognizedClientException",
        INVALID,
        403,
    )
    # The query protocol (IAM, STS) keeps InvalidClientTokenId.
    for call in (
        lambda: client_for("sts", key).get_caller_identity(),
        lambda: client_for("iam", key).list_users(),
    ):
        assert client_error(call) == ("InvalidClientTokenId", INVALID, 403)
    assert access_mock.last_access(ALICE) is None


def test_an_expired_session_gets_each_protocol_s_own_error(
    iam: Any, access_mock: AccessMock
) -> None:
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_ANYONE)
    session = boto3.client("sts").assume_role(RoleArn=ROLE_ARN, RoleSessionName="job")
    access_mock.clock.advance(timedelta(hours=1))
    credentials = session["Credentials"]
    assert client_error(lambda: client_for("dynamodb", credentials).list_tables()) == (
        "ExpiredTokenException",
        EXPIRED,
        400,
    )
    assert client_error(lambda: client_for("lambda", credentials).list_functions()) == (
        "ExpiredTokenException",
        EXPIRED,
        403,
    )
    assert client_error(lambda: client_for("sts", credentials).get_caller_identity()) == (
        "ExpiredToken",
        EXPIRED,
        400,
    )


def test_a_live_key_on_a_json_service_is_still_told_the_service_is_not_served(
    iam: Any,
) -> None:
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    with pytest.raises(ClientError) as excinfo:
        client_for("dynamodb", key).list_tables()
    code, message, status = error_and_status(excinfo)
    assert (code, status) == ("NotImplemented", 501)
    assert "DynamoDB" in message and "ListTables" in message
