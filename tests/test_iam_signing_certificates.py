"""Users' signing certificates through boto3: upload, list (named user or the caller), status,
delete, the per-user quota, the account-wide duplicate check, the credential report's cert
columns and DeleteUser's conflict. Key material and its validity: key_material.py."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from key_material import (
    CERTIFICATE,
    EC_CERTIFICATE,
    KEY,
    LATER_CERTIFICATE,
    OTHER_CERTIFICATE,
    SHORT_CERTIFICATE,
)
from support import client_for, error_and_status

from iam_access_mock.handle import AccessMock

NOW = datetime(2027, 6, 1, 9, 30, tzinfo=timezone.utc)
ID_ALPHABET = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
MALFORMED = (
    "MalformedCertificate",
    "Unable to parse certificate. Please ensure the certificate is in PEM format.",
    400,
)


@pytest.fixture
def iam(access_mock: AccessMock) -> Any:
    access_mock.clock.set(NOW)
    client = boto3.client("iam")
    client.create_user(UserName="alice")
    client.create_user(UserName="bob")
    return client


def _upload(iam: Any, body: str = CERTIFICATE, user: str = "alice") -> dict[str, Any]:
    return iam.upload_signing_certificate(UserName=user, CertificateBody=body)["Certificate"]  # type: ignore[no-any-return]


def _ids(iam: Any, user: str = "alice") -> list[str]:
    return [
        c["CertificateId"] for c in iam.list_signing_certificates(UserName=user)["Certificates"]
    ]


def _report(iam: Any) -> dict[str, dict[str, str]]:
    assert iam.generate_credential_report()["State"] == "STARTED"
    content = iam.get_credential_report()["Content"].decode("utf-8")
    return {row["user"]: row for row in csv.DictReader(io.StringIO(content))}


# ---- UploadSigningCertificate -------------------------------------------------------------------


def test_upload_answers_the_certificate(iam: Any) -> None:
    certificate = _upload(iam)
    certificate_id = certificate.pop("CertificateId")
    assert certificate == {
        "UserName": "alice",
        "CertificateBody": CERTIFICATE,
        "Status": "Active",
        "UploadDate": NOW,
    }
    assert len(certificate_id) == 24 and set(certificate_id) <= ID_ALPHABET


def test_the_user_name_is_found_in_any_case_and_answered_as_created(iam: Any) -> None:
    assert _upload(iam, user="ALICE")["UserName"] == "alice"
    assert len(_ids(iam, "Alice")) == 1


def test_without_user_name_the_calling_user_uploads_lists_updates_and_deletes(iam: Any) -> None:
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    as_alice = client_for("iam", key)
    uploaded = as_alice.upload_signing_certificate(CertificateBody=CERTIFICATE)["Certificate"]
    assert uploaded["UserName"] == "alice"
    assert [c["CertificateId"] for c in as_alice.list_signing_certificates()["Certificates"]] == [
        uploaded["CertificateId"]
    ]
    as_alice.update_signing_certificate(CertificateId=uploaded["CertificateId"], Status="Inactive")
    assert (
        iam.list_signing_certificates(UserName="alice")["Certificates"][0]["Status"] == "Inactive"
    )
    as_alice.delete_signing_certificate(CertificateId=uploaded["CertificateId"])
    assert _ids(iam) == []


def test_the_account_root_without_user_name(iam: Any) -> None:
    """Deviation (documented on the handler): the mock keeps no root signing certificates."""
    with pytest.raises(ClientError) as raised:
        iam.upload_signing_certificate(CertificateBody=CERTIFICATE)
    assert error_and_status(raised) == (
        "ValidationError",
        "Must specify userName when calling with non-User credentials",
        400,
    )
    answer = iam.list_signing_certificates()
    assert answer["Certificates"] == [] and answer["IsTruncated"] is False
    with pytest.raises(ClientError) as raised:
        iam.delete_signing_certificate(CertificateId="A" * 24)
    assert error_and_status(raised)[0] == "NoSuchEntity"


@pytest.mark.parametrize(
    "body",
    [
        "hello",
        KEY,
        CERTIFICATE + OTHER_CERTIFICATE,
        "-----BEGIN CERTIFICATE-----\n####\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n",
        CERTIFICATE.replace("-----END CERTIFICATE-----", ""),
    ],
    ids=["text", "a-key", "two-certificates", "not-base64", "empty-sequence", "no-end-line"],
)
def test_a_body_that_is_not_one_certificate_is_malformed(iam: Any, body: str) -> None:
    with pytest.raises(ClientError) as raised:
        _upload(iam, body)
    assert error_and_status(raised) == MALFORMED
    assert _ids(iam) == []


@pytest.mark.parametrize(
    ("body", "restriction"),
    [
        (SHORT_CERTIFICATE, "'Not After' date restriction"),
        (LATER_CERTIFICATE, "'Not Before' date restriction"),
    ],
    ids=["expired-2021", "valid-from-2030"],
)
def test_a_certificate_outside_its_validity_is_invalid(
    iam: Any, body: str, restriction: str
) -> None:
    with pytest.raises(ClientError) as raised:
        _upload(iam, body)
    code, message, status = error_and_status(raised)
    assert (code, status) == ("InvalidCertificate", 400)
    assert restriction in message
    assert _ids(iam) == []


def test_validity_follows_the_mock_clock(access_mock: AccessMock, iam: Any) -> None:
    access_mock.clock.set(datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert _upload(iam, LATER_CERTIFICATE)["UploadDate"] == datetime(
        2030, 1, 1, tzinfo=timezone.utc
    )
    access_mock.clock.set(
        datetime(2040, 1, 1, 12, 30, tzinfo=timezone.utc)
    )  # CERTIFICATE's notAfter
    with pytest.raises(ClientError) as raised:
        _upload(iam, CERTIFICATE)
    assert error_and_status(raised)[0] == "InvalidCertificate"


def test_two_per_user_then_limit_exceeded(iam: Any) -> None:
    _upload(iam, CERTIFICATE)
    second = _upload(iam, OTHER_CERTIFICATE)
    with pytest.raises(ClientError) as raised:
        _upload(iam, EC_CERTIFICATE)
    assert error_and_status(raised) == (
        "LimitExceeded",
        "Cannot exceed quota for CertificatesPerUser: 2",
        409,
    )
    _upload(iam, EC_CERTIFICATE, user="bob")  # the quota is per user
    iam.delete_signing_certificate(UserName="alice", CertificateId=second["CertificateId"])
    _upload(iam, OTHER_CERTIFICATE)


def test_the_same_certificate_twice_in_the_account_is_a_duplicate(iam: Any) -> None:
    _upload(iam, CERTIFICATE)
    duplicate = (
        "DuplicateCertificate",
        (
            "The request was rejected because the same certificate is associated with an IAM user "
            "in the account."
        ),
        409,
    )
    for user in ("alice", "bob"):
        with pytest.raises(ClientError) as raised:
            _upload(iam, CERTIFICATE, user=user)
        assert error_and_status(raised) == duplicate
    # The same DER in other PEM line breaks is the same certificate.
    rewrapped = CERTIFICATE.replace("\n", "\r\n")
    with pytest.raises(ClientError) as raised:
        _upload(iam, rewrapped, user="bob")
    assert error_and_status(raised) == duplicate
    assert _ids(iam, "bob") == []


def test_upload_for_a_missing_user(iam: Any) -> None:
    with pytest.raises(ClientError) as raised:
        _upload(iam, user="nobody")
    assert error_and_status(raised) == (
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
        404,
    )


# ---- ListSigningCertificates ------------------------------------------------------------------


def test_list_in_upload_order_and_through_botocores_paginator(
    access_mock: AccessMock, iam: Any
) -> None:
    first = _upload(iam, OTHER_CERTIFICATE)
    access_mock.clock.advance(timedelta(minutes=5))
    second = _upload(iam, CERTIFICATE)
    listed = iam.list_signing_certificates(UserName="alice")
    assert listed["IsTruncated"] is False
    assert listed["Certificates"] == [first, second]
    assert listed["Certificates"][1]["UploadDate"] == NOW + timedelta(minutes=5)
    pages = list(
        iam.get_paginator("list_signing_certificates").paginate(
            UserName="alice", PaginationConfig={"PageSize": 1}
        )
    )
    assert [[c["CertificateId"] for c in page["Certificates"]] for page in pages] == [
        [first["CertificateId"]],
        [second["CertificateId"]],
    ]
    assert iam.list_signing_certificates(UserName="bob")["Certificates"] == []


def test_list_for_a_missing_user_and_a_foreign_marker(iam: Any) -> None:
    with pytest.raises(ClientError) as raised:
        iam.list_signing_certificates(UserName="nobody")
    assert error_and_status(raised) == (
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
        404,
    )
    _upload(iam, CERTIFICATE)
    _upload(iam, OTHER_CERTIFICATE)
    marker = iam.list_signing_certificates(UserName="alice", MaxItems=1)["Marker"]
    with pytest.raises(ClientError) as raised:
        iam.list_signing_certificates(UserName="bob", Marker=marker)
    assert error_and_status(raised)[0] == "ValidationError"


def test_certificates_follow_a_renamed_user(iam: Any) -> None:
    uploaded = _upload(iam)
    iam.update_user(UserName="alice", NewUserName="alicia")
    listed = iam.list_signing_certificates(UserName="alicia")["Certificates"]
    assert [(c["CertificateId"], c["UserName"]) for c in listed] == [
        (uploaded["CertificateId"], "alicia")
    ]


# ---- UpdateSigningCertificate / DeleteSigningCertificate ---------------------------------------


def test_status_goes_inactive_and_back(iam: Any) -> None:
    certificate_id = _upload(iam)["CertificateId"]
    iam.update_signing_certificate(
        UserName="alice", CertificateId=certificate_id, Status="Inactive"
    )
    assert (
        iam.list_signing_certificates(UserName="alice")["Certificates"][0]["Status"] == "Inactive"
    )
    iam.update_signing_certificate(UserName="alice", CertificateId=certificate_id, Status="Active")
    assert iam.list_signing_certificates(UserName="alice")["Certificates"][0]["Status"] == "Active"
    with pytest.raises(ClientError) as raised:
        iam.update_signing_certificate(
            UserName="alice", CertificateId=certificate_id, Status="Expired"
        )
    assert error_and_status(raised)[0] == "InvalidInput"
    assert iam.list_signing_certificates(UserName="alice")["Certificates"][0]["Status"] == "Active"


def test_update_and_delete_errors(iam: Any) -> None:
    certificate_id = _upload(iam)["CertificateId"]
    not_found = ("NoSuchEntity", f"The Certificate with id {certificate_id} cannot be found.", 404)
    for call in (
        lambda: iam.update_signing_certificate(
            UserName="bob", CertificateId=certificate_id, Status="Inactive"
        ),
        lambda: iam.delete_signing_certificate(UserName="bob", CertificateId=certificate_id),
    ):
        with pytest.raises(ClientError) as raised:  # alice's certificate is not bob's
            call()
        assert error_and_status(raised) == not_found
    for call in (
        lambda: iam.update_signing_certificate(
            UserName="nobody", CertificateId=certificate_id, Status="Inactive"
        ),
        lambda: iam.delete_signing_certificate(UserName="nobody", CertificateId=certificate_id),
    ):
        with pytest.raises(ClientError) as raised:
            call()
        assert error_and_status(raised) == (
            "NoSuchEntity",
            "The user with name nobody cannot be found.",
            404,
        )
    iam.delete_signing_certificate(UserName="alice", CertificateId=certificate_id)
    with pytest.raises(ClientError) as raised:
        iam.delete_signing_certificate(UserName="alice", CertificateId=certificate_id)
    assert error_and_status(raised) == not_found
    _upload(iam, CERTIFICATE, user="bob")  # deleted: no longer a duplicate


# ---- what else reads them -----------------------------------------------------------------------


def test_the_credential_report_cert_columns(access_mock: AccessMock, iam: Any) -> None:
    first = _upload(iam, CERTIFICATE)
    access_mock.clock.advance(timedelta(hours=1, seconds=30, microseconds=250))
    _upload(iam, OTHER_CERTIFICATE)
    iam.update_signing_certificate(
        UserName="alice", CertificateId=first["CertificateId"], Status="Inactive"
    )
    _upload(iam, EC_CERTIFICATE, user="bob")
    report = _report(iam)
    cert_columns = ("cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated")
    assert [report["alice"][column] for column in cert_columns] == [
        "false",
        "2027-06-01T09:30:00+00:00",
        "true",
        "2027-06-01T10:30:30+00:00",
    ]
    assert [report["bob"][column] for column in cert_columns] == [
        "true",
        "2027-06-01T10:30:30+00:00",
        "false",
        "N/A",
    ]
    assert [report["<root_account>"][column] for column in cert_columns] == [
        "false",
        "N/A",
        "false",
        "N/A",
    ]


def test_delete_user_is_refused_while_the_user_has_one(iam: Any) -> None:
    certificate_id = _upload(iam)["CertificateId"]
    with pytest.raises(ClientError) as raised:
        iam.delete_user(UserName="alice")
    assert error_and_status(raised) == (
        "DeleteConflict",
        "Cannot delete entity, must delete signing certificates first.",
        409,
    )
    details = iam.get_account_authorization_details(Filter=["User"])["UserDetailList"]
    assert sorted(user["UserName"] for user in details) == ["alice", "bob"]
    iam.delete_signing_certificate(UserName="alice", CertificateId=certificate_id)
    iam.delete_user(UserName="alice")
    assert [user["UserName"] for user in iam.list_users()["Users"]] == ["bob"]


def test_get_account_summary_counts_no_root_certificates(iam: Any) -> None:
    _upload(iam)
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["AccountSigningCertificatesPresent"] == 0
    assert summary["SigningCertificatesPerUserQuota"] == 2
