"""Service-specific credentials through boto3: CodeCommit and Amazon Keyspaces passwords,
Bedrock API keys, the per-user per-service quota, listing (a user, the caller, every user)
and its pages, reset, status, delete and DeleteUser's conflict."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from support import ACCOUNT, client_for, error_and_status

from iam_access_mock.handle import AccessMock

NOW = datetime(2027, 6, 1, 9, 30, tzinfo=timezone.utc)
ID_ALPHABET = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
CODECOMMIT, KEYSPACES, BEDROCK = (
    "codecommit.amazonaws.com",
    "cassandra.amazonaws.com",
    "bedrock.amazonaws.com",
)


@pytest.fixture
def iam(access_mock: AccessMock) -> Any:
    access_mock.clock.set(NOW)
    client = boto3.client("iam")
    client.create_user(UserName="alice")
    client.create_user(UserName="bob")
    return client


def _create(
    iam: Any, service: str = CODECOMMIT, user: str = "alice", **extra: Any
) -> dict[str, Any]:
    answer = iam.create_service_specific_credential(UserName=user, ServiceName=service, **extra)
    return answer["ServiceSpecificCredential"]  # type: ignore[no-any-return]


def _listed(iam: Any, **params: Any) -> list[dict[str, Any]]:
    return iam.list_service_specific_credentials(**params)["ServiceSpecificCredentials"]  # type: ignore[no-any-return]


def _no_credential(credential_id: str) -> tuple[str, str, int]:
    return ("NoSuchEntity", f"No such credential {credential_id} exists", 404)


# ---- CreateServiceSpecificCredential ---------------------------------------------------------------


@pytest.mark.parametrize("service", [CODECOMMIT, KEYSPACES])
def test_a_password_credential_answers_its_user_name_and_password(iam: Any, service: str) -> None:
    credential = _create(iam, service)
    password = credential.pop("ServicePassword")
    credential_id = credential.pop("ServiceSpecificCredentialId")
    assert credential == {
        "CreateDate": NOW,
        "ServiceName": service,
        "ServiceUserName": f"alice-at-{ACCOUNT}",
        "UserName": "alice",
        "Status": "Active",
    }
    assert len(password) == 44 and len(base64.b64decode(password)) == 33
    assert (
        credential_id.startswith("ACCA")
        and len(credential_id) == 21
        and set(credential_id) <= ID_ALPHABET
    )


def test_a_bedrock_api_key_answers_an_alias_and_a_secret(iam: Any) -> None:
    credential = _create(iam, BEDROCK)
    assert credential["ServiceCredentialAlias"] == f"alice-at-{ACCOUNT}"
    assert credential["ServiceCredentialSecret"].startswith("ABSK")
    assert not {"ServiceUserName", "ServicePassword", "ExpirationDate"} & set(credential)


def test_a_bedrock_api_key_with_an_age_expires_on_the_mock_clock(
    access_mock: AccessMock, iam: Any
) -> None:
    credential = _create(iam, BEDROCK, CredentialAgeDays=30)
    assert credential["ExpirationDate"] == NOW + timedelta(days=30)
    access_mock.clock.set(NOW + timedelta(days=30) - timedelta(seconds=1))
    assert _listed(iam, UserName="alice")[0]["Status"] == "Active"
    access_mock.clock.set(NOW + timedelta(days=30))
    listed = _listed(iam, UserName="alice")[0]
    assert (listed["Status"], listed["ExpirationDate"]) == ("Expired", NOW + timedelta(days=30))


def test_an_unsupported_service(iam: Any) -> None:
    for service in ("s3.amazonaws.com", "codecommit", "CODECOMMIT.amazonaws.com"):
        with pytest.raises(ClientError) as raised:
            _create(iam, service)
        assert error_and_status(raised) == (
            "NotSupportedService",
            f"The service {service} is not supported.",
            404,
        )
    assert _listed(iam, UserName="alice") == []


def test_two_per_user_per_service_then_limit_exceeded(iam: Any) -> None:
    first = _create(iam, CODECOMMIT)
    _create(iam, CODECOMMIT)
    with pytest.raises(ClientError) as raised:
        _create(iam, CODECOMMIT)
    assert error_and_status(raised) == (
        "LimitExceeded",
        "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2",
        409,
    )
    _create(iam, KEYSPACES)  # another service
    _create(iam, CODECOMMIT, user="bob")  # another user
    iam.delete_service_specific_credential(
        UserName="alice", ServiceSpecificCredentialId=first["ServiceSpecificCredentialId"]
    )
    _create(iam, CODECOMMIT)
    assert [c["ServiceName"] for c in _listed(iam, UserName="alice")] == [
        CODECOMMIT,
        KEYSPACES,
        CODECOMMIT,
    ]


def test_create_for_a_missing_user(iam: Any) -> None:
    with pytest.raises(ClientError) as raised:
        _create(iam, user="nobody")
    assert error_and_status(raised) == (
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
        404,
    )


# ---- ListServiceSpecificCredentials ---------------------------------------------------------------


def test_list_in_creation_order_without_secrets_and_by_service(
    access_mock: AccessMock, iam: Any
) -> None:
    made = []
    for service in (KEYSPACES, CODECOMMIT, BEDROCK):
        made.append(_create(iam, service))
        access_mock.clock.advance(timedelta(minutes=1))
    listed = _listed(iam, UserName="alice")
    assert [c["ServiceSpecificCredentialId"] for c in listed] == [
        c["ServiceSpecificCredentialId"] for c in made
    ]
    assert listed[0] == {
        "UserName": "alice",
        "Status": "Active",
        "ServiceUserName": f"alice-at-{ACCOUNT}",
        "CreateDate": NOW,
        "ServiceSpecificCredentialId": made[0]["ServiceSpecificCredentialId"],
        "ServiceName": KEYSPACES,
    }
    assert listed[2]["ServiceCredentialAlias"] == f"alice-at-{ACCOUNT}"
    assert not any({"ServicePassword", "ServiceCredentialSecret"} & set(c) for c in listed)
    assert [c["ServiceName"] for c in _listed(iam, UserName="alice", ServiceName=CODECOMMIT)] == [
        CODECOMMIT
    ]
    assert _listed(iam, UserName="bob") == []
    with pytest.raises(ClientError) as raised:
        _listed(iam, UserName="alice", ServiceName="s3.amazonaws.com")
    assert error_and_status(raised) == (
        "NotSupportedService",
        "The service s3.amazonaws.com is not supported.",
        404,
    )


def test_without_user_name_the_callers_and_with_all_users_everyones(iam: Any) -> None:
    mine = _create(iam, CODECOMMIT)["ServiceSpecificCredentialId"]
    _create(iam, KEYSPACES, user="bob")
    as_alice = client_for("iam", iam.create_access_key(UserName="alice")["AccessKey"])
    assert [c["ServiceSpecificCredentialId"] for c in _listed(as_alice)] == [mine]
    assert _listed(iam) == []  # the account root has none
    everyone = _listed(iam, AllUsers=True)
    assert [(c["UserName"], c["ServiceName"]) for c in everyone] == [
        ("alice", CODECOMMIT),
        ("bob", KEYSPACES),
    ]
    assert [c["UserName"] for c in _listed(iam, AllUsers=True, ServiceName=KEYSPACES)] == ["bob"]


def test_list_pages_by_marker(iam: Any) -> None:
    for user in ("alice", "bob"):
        _create(iam, CODECOMMIT, user=user)
        _create(iam, KEYSPACES, user=user)
    seen, marker, pages = [], None, 0
    while True:
        answer = iam.list_service_specific_credentials(
            AllUsers=True, MaxItems=3, **({"Marker": marker} if marker else {})
        )
        seen += [(c["UserName"], c["ServiceName"]) for c in answer["ServiceSpecificCredentials"]]
        pages += 1
        if not answer["IsTruncated"]:
            assert "Marker" not in answer
            break
        marker = answer["Marker"]
    assert pages == 2
    assert seen == [
        ("alice", CODECOMMIT),
        ("alice", KEYSPACES),
        ("bob", CODECOMMIT),
        ("bob", KEYSPACES),
    ]
    first = iam.list_service_specific_credentials(UserName="alice", MaxItems=1)
    with pytest.raises(ClientError) as raised:  # a marker of another listing
        iam.list_service_specific_credentials(UserName="bob", Marker=first["Marker"])
    assert error_and_status(raised)[0] == "ValidationError"


def test_list_for_a_missing_user(iam: Any) -> None:
    with pytest.raises(ClientError) as raised:
        _listed(iam, UserName="nobody")
    assert error_and_status(raised) == (
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
        404,
    )


# ---- ResetServiceSpecificCredential -------------------------------------------------------------


def test_reset_gives_a_new_password_and_keeps_the_rest(access_mock: AccessMock, iam: Any) -> None:
    made = _create(iam, CODECOMMIT)
    access_mock.clock.advance(timedelta(days=1))
    reset = iam.reset_service_specific_credential(
        UserName="alice", ServiceSpecificCredentialId=made["ServiceSpecificCredentialId"]
    )["ServiceSpecificCredential"]
    assert (
        reset["ServicePassword"] != made["ServicePassword"] and len(reset["ServicePassword"]) == 44
    )
    assert {k: v for k, v in reset.items() if k != "ServicePassword"} == {
        k: v for k, v in made.items() if k != "ServicePassword"
    }


def test_reset_a_bedrock_key_and_reset_as_the_caller(iam: Any) -> None:
    made = _create(iam, BEDROCK)
    as_alice = client_for("iam", iam.create_access_key(UserName="alice")["AccessKey"])
    reset = as_alice.reset_service_specific_credential(
        ServiceSpecificCredentialId=made["ServiceSpecificCredentialId"]
    )
    secret = reset["ServiceSpecificCredential"]["ServiceCredentialSecret"]
    assert secret.startswith("ABSK") and secret != made["ServiceCredentialSecret"]


def test_reset_errors(iam: Any) -> None:
    credential_id = _create(iam)["ServiceSpecificCredentialId"]
    with pytest.raises(ClientError) as raised:  # alice's credential is not bob's
        iam.reset_service_specific_credential(
            UserName="bob", ServiceSpecificCredentialId=credential_id
        )
    assert error_and_status(raised) == _no_credential(credential_id)
    with pytest.raises(ClientError) as raised:
        iam.reset_service_specific_credential(
            ServiceSpecificCredentialId=credential_id
        )  # the root's
    assert error_and_status(raised) == _no_credential(credential_id)
    with pytest.raises(ClientError) as raised:
        iam.reset_service_specific_credential(
            UserName="nobody", ServiceSpecificCredentialId=credential_id
        )
    assert error_and_status(raised) == (
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
        404,
    )


# ---- UpdateServiceSpecificCredential / DeleteServiceSpecificCredential ------------------------------


def test_status_goes_inactive_and_back_but_not_expired(iam: Any) -> None:
    credential_id = _create(iam)["ServiceSpecificCredentialId"]
    iam.update_service_specific_credential(
        UserName="alice", ServiceSpecificCredentialId=credential_id, Status="Inactive"
    )
    assert _listed(iam, UserName="alice")[0]["Status"] == "Inactive"
    iam.update_service_specific_credential(
        UserName="alice", ServiceSpecificCredentialId=credential_id, Status="Active"
    )
    assert _listed(iam, UserName="alice")[0]["Status"] == "Active"
    with pytest.raises(ClientError) as raised:
        iam.update_service_specific_credential(
            UserName="alice", ServiceSpecificCredentialId=credential_id, Status="Expired"
        )
    assert error_and_status(raised)[0] == "InvalidInput"
    assert _listed(iam, UserName="alice")[0]["Status"] == "Active"


def test_update_and_delete_errors(iam: Any) -> None:
    credential_id = _create(iam)["ServiceSpecificCredentialId"]
    for user, expected in (
        ("bob", _no_credential(credential_id)),
        ("nobody", ("NoSuchEntity", "The user with name nobody cannot be found.", 404)),
    ):
        with pytest.raises(ClientError) as raised:
            iam.update_service_specific_credential(
                UserName=user, ServiceSpecificCredentialId=credential_id, Status="Inactive"
            )
        assert error_and_status(raised) == expected
        with pytest.raises(ClientError) as raised:
            iam.delete_service_specific_credential(
                UserName=user, ServiceSpecificCredentialId=credential_id
            )
        assert error_and_status(raised) == expected
    iam.delete_service_specific_credential(
        UserName="alice", ServiceSpecificCredentialId=credential_id
    )
    assert _listed(iam, UserName="alice") == []
    with pytest.raises(ClientError) as raised:
        iam.delete_service_specific_credential(
            UserName="alice", ServiceSpecificCredentialId=credential_id
        )
    assert error_and_status(raised) == _no_credential(credential_id)


def test_update_and_delete_as_the_caller(iam: Any) -> None:
    credential_id = _create(iam)["ServiceSpecificCredentialId"]
    as_alice = client_for("iam", iam.create_access_key(UserName="alice")["AccessKey"])
    as_alice.update_service_specific_credential(
        ServiceSpecificCredentialId=credential_id, Status="Inactive"
    )
    assert _listed(iam, UserName="alice")[0]["Status"] == "Inactive"
    as_alice.delete_service_specific_credential(ServiceSpecificCredentialId=credential_id)
    assert _listed(iam, UserName="alice") == []


def test_delete_user_is_refused_while_the_user_has_one(iam: Any) -> None:
    credential_id = _create(iam, KEYSPACES)["ServiceSpecificCredentialId"]
    with pytest.raises(ClientError) as raised:
        iam.delete_user(UserName="alice")
    assert error_and_status(raised) == (
        "DeleteConflict",
        "Cannot delete entity, must delete service specific credentials first.",
        409,
    )
    assert len(iam.get_account_authorization_details(Filter=["User"])["UserDetailList"]) == 2
    iam.delete_service_specific_credential(
        UserName="alice", ServiceSpecificCredentialId=credential_id
    )
    iam.delete_user(UserName="alice")
    assert [user["UserName"] for user in iam.list_users()["Users"]] == ["bob"]
