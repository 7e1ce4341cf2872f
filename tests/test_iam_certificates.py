"""Server certificates and signing certificates through boto3, checked by hand against the
key material in key_material.py (its validity dates are in its docstring)."""

from __future__ import annotations

import csv
import io
import time
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from key_material import (
    CERTIFICATE,
    KEY,
    LATER_CERTIFICATE,
    OTHER_CERTIFICATE,
    OTHER_KEY,
    SHORT_CERTIFICATE,
)
from support import ACCOUNT, error_of

from iam_access_mock.handle import AccessMock

NOW = datetime(2027, 6, 1, tzinfo=timezone.utc)
NOT_AFTER = datetime(2040, 1, 1, 12, 30, tzinfo=timezone.utc)


@pytest.fixture
def iam(access_mock: AccessMock) -> Any:
    access_mock.clock.set(NOW)
    return boto3.client("iam")



def _upload(iam: Any, name: str = "web", **extra: Any) -> dict[str, Any]:
    kwargs = {"ServerCertificateName": name, "CertificateBody": CERTIFICATE, "PrivateKey": KEY}
    return iam.upload_server_certificate(**{**kwargs, **extra})  # type: ignore[no-any-return]


# ---- server certificates -----------------------------------------------------------------------


def test_an_uploaded_server_certificate_reads_back_with_its_expiration(iam: Any) -> None:
    answer = _upload(iam, "web", Path="/cdn/", Tags=[{"Key": "team", "Value": "edge"}])
    metadata = answer["ServerCertificateMetadata"]
    assert metadata["ServerCertificateName"] == "web"
    assert metadata["Path"] == "/cdn/"
    assert metadata["Arn"] == f"arn:aws:iam::{ACCOUNT}:server-certificate/cdn/web"
    assert metadata["ServerCertificateId"].startswith("ASCA") and len(metadata["ServerCertificateId"]) == 21
    assert metadata["UploadDate"] == NOW
    assert metadata["Expiration"] == NOT_AFTER
    assert answer["Tags"] == [{"Key": "team", "Value": "edge"}]
    found = iam.get_server_certificate(ServerCertificateName="WEB")["ServerCertificate"]
    assert found["ServerCertificateMetadata"] == metadata
    assert found["CertificateBody"] == CERTIFICATE
    assert "CertificateChain" not in found
    assert found["Tags"] == [{"Key": "team", "Value": "edge"}]


def test_a_chain_is_kept_and_given_back(iam: Any) -> None:
    _upload(iam, "chained", CertificateChain=OTHER_CERTIFICATE)
    found = iam.get_server_certificate(ServerCertificateName="chained")["ServerCertificate"]
    assert found["CertificateChain"] == OTHER_CERTIFICATE


def test_listing_by_name_with_path_prefix_and_pages(iam: Any) -> None:
    for name, path in (("b", "/x/"), ("A", "/x/y/"), ("c", "/")):
        _upload(iam, name, Path=path)
    listed = iam.list_server_certificates()["ServerCertificateMetadataList"]
    assert [m["ServerCertificateName"] for m in listed] == ["A", "b", "c"]
    under = iam.list_server_certificates(PathPrefix="/x/")["ServerCertificateMetadataList"]
    assert [m["ServerCertificateName"] for m in under] == ["A", "b"]
    pages = iam.get_paginator("list_server_certificates").paginate(PaginationConfig={"PageSize": 1})
    assert [[m["ServerCertificateName"] for m in p["ServerCertificateMetadataList"]] for p in pages] == [["A"], ["b"], ["c"]]


def test_update_renames_and_moves_and_refuses_a_taken_name(iam: Any) -> None:
    _upload(iam, "old")
    _upload(iam, "taken")
    with pytest.raises(ClientError) as raised:
        iam.update_server_certificate(ServerCertificateName="old", NewServerCertificateName="TAKEN")
    assert error_of(raised)[0] == "EntityAlreadyExists"
    iam.update_server_certificate(ServerCertificateName="old", NewServerCertificateName="new", NewPath="/p/")
    metadata = iam.get_server_certificate(ServerCertificateName="new")["ServerCertificate"]["ServerCertificateMetadata"]
    assert metadata["Arn"] == f"arn:aws:iam::{ACCOUNT}:server-certificate/p/new"
    with pytest.raises(ClientError) as raised:
        iam.get_server_certificate(ServerCertificateName="old")
    assert error_of(raised)[0] == "NoSuchEntity"
    assert raised.value.response["Error"]["Message"] == "The Server Certificate with name old cannot be found."


def test_delete_and_the_account_summary_count(iam: Any) -> None:
    _upload(iam, "one")
    _upload(iam, "two")
    assert iam.get_account_summary()["SummaryMap"]["ServerCertificates"] == 2
    iam.delete_server_certificate(ServerCertificateName="one")
    assert iam.get_account_summary()["SummaryMap"]["ServerCertificates"] == 1
    with pytest.raises(ClientError) as raised:
        iam.delete_server_certificate(ServerCertificateName="one")
    assert error_of(raised)[0] == "NoSuchEntity"


def test_tags_of_a_server_certificate(iam: Any) -> None:
    _upload(iam, "tagged")
    iam.tag_server_certificate(ServerCertificateName="tagged", Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    iam.untag_server_certificate(ServerCertificateName="tagged", TagKeys=["A"])
    assert iam.list_server_certificate_tags(ServerCertificateName="tagged")["Tags"] == [{"Key": "b", "Value": "2"}]
    with pytest.raises(ClientError) as raised:
        iam.list_server_certificate_tags(ServerCertificateName="missing")
    assert error_of(raised)[0] == "NoSuchEntity"


@pytest.mark.parametrize(
    ("body", "key", "chain", "code"),
    [
        ("not a certificate", KEY, None, "MalformedCertificate"),
        ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", KEY, None, "MalformedCertificate"),
        ("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----", KEY, None, "MalformedCertificate"),
        (CERTIFICATE + OTHER_CERTIFICATE, KEY, None, "MalformedCertificate"),
        (SHORT_CERTIFICATE, KEY, None, "MalformedCertificate"),  # expired on 2021-01-01
        (LATER_CERTIFICATE, KEY, None, "MalformedCertificate"),  # valid from 2030-01-01
        (CERTIFICATE, "not a key", None, "MalformedCertificate"),
        (CERTIFICATE, "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----", None, "MalformedCertificate"),
        (CERTIFICATE, KEY, "junk", "MalformedCertificate"),
        (CERTIFICATE, OTHER_KEY, None, "KeyPairMismatch"),
    ],
    ids=["text", "short-der", "not-base64", "two-certificates", "expired", "not-yet-valid", "key-text", "key-der", "chain", "mismatch"],
)
def test_what_upload_refuses_changes_nothing(iam: Any, body: str, key: str, chain: str | None, code: str) -> None:
    extra = {} if chain is None else {"CertificateChain": chain}
    with pytest.raises(ClientError) as raised:
        iam.upload_server_certificate(ServerCertificateName="bad", CertificateBody=body, PrivateKey=key, **extra)
    assert error_of(raised)[0] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert iam.list_server_certificates()["ServerCertificateMetadataList"] == []


def test_a_certificate_not_yet_valid_is_refused(iam: Any) -> None:
    with pytest.raises(ClientError) as raised:  # valid from 2030
        iam.upload_signing_certificate(UserName="nobody-needed", CertificateBody=LATER_CERTIFICATE)
    assert error_of(raised)[0] == "NoSuchEntity"
    iam.create_user(UserName="alice")
    with pytest.raises(ClientError) as raised:
        iam.upload_signing_certificate(UserName="alice", CertificateBody=LATER_CERTIFICATE)
    assert error_of(raised)[0] == "InvalidCertificate"
    assert "Not Before" in raised.value.response["Error"]["Message"]


def test_the_name_is_unique_regardless_of_case_and_the_quota_is_20(iam: Any) -> None:
    _upload(iam, "Web")
    with pytest.raises(ClientError) as raised:
        _upload(iam, "wEB")
    assert error_of(raised)[0] == "EntityAlreadyExists"
    for index in range(19):
        _upload(iam, f"c{index}")
    with pytest.raises(ClientError) as raised:
        _upload(iam, "one-more")
    assert error_of(raised)[0] == "LimitExceeded"


# ---- signing certificates ------------------------------------------------------------------------


def test_a_users_signing_certificates_upload_list_update_delete(iam: Any) -> None:
    iam.create_user(UserName="alice")
    first = iam.upload_signing_certificate(UserName="alice", CertificateBody=CERTIFICATE)["Certificate"]
    assert first["UserName"] == "alice" and first["Status"] == "Active"
    assert first["CertificateBody"] == CERTIFICATE and first["UploadDate"] == NOW
    assert len(first["CertificateId"]) == 24
    second = iam.upload_signing_certificate(UserName="alice", CertificateBody=OTHER_CERTIFICATE)["Certificate"]
    listed = iam.list_signing_certificates(UserName="alice")["Certificates"]
    assert [c["CertificateId"] for c in listed] == [first["CertificateId"], second["CertificateId"]]
    iam.update_signing_certificate(UserName="alice", CertificateId=first["CertificateId"], Status="Inactive")
    assert iam.list_signing_certificates(UserName="alice")["Certificates"][0]["Status"] == "Inactive"
    with pytest.raises(ClientError) as raised:
        iam.delete_user(UserName="alice")
    assert error_of(raised)[0] == "DeleteConflict"
    for certificate in (first, second):
        iam.delete_signing_certificate(UserName="alice", CertificateId=certificate["CertificateId"])
    assert iam.list_signing_certificates(UserName="alice")["Certificates"] == []
    iam.delete_user(UserName="alice")


def test_signing_certificate_errors(iam: Any) -> None:
    iam.create_user(UserName="alice")
    iam.create_user(UserName="bob")
    with pytest.raises(ClientError) as raised:
        iam.upload_signing_certificate(UserName="nobody", CertificateBody=CERTIFICATE)
    assert error_of(raised)[0] == "NoSuchEntity"
    with pytest.raises(ClientError) as raised:
        iam.upload_signing_certificate(UserName="alice", CertificateBody="junk")
    assert error_of(raised)[0] == "MalformedCertificate"
    with pytest.raises(ClientError) as raised:
        iam.upload_signing_certificate(UserName="alice", CertificateBody=SHORT_CERTIFICATE)
    assert error_of(raised)[0] == "InvalidCertificate"
    iam.upload_signing_certificate(UserName="alice", CertificateBody=CERTIFICATE)
    with pytest.raises(ClientError) as raised:  # the same certificate, anywhere in the account
        iam.upload_signing_certificate(UserName="bob", CertificateBody=CERTIFICATE)
    assert error_of(raised)[0] == "DuplicateCertificate"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    iam.upload_signing_certificate(UserName="alice", CertificateBody=OTHER_CERTIFICATE)
    with pytest.raises(ClientError) as raised:
        iam.upload_signing_certificate(UserName="alice", CertificateBody=SHORT_CERTIFICATE)
    assert error_of(raised)[0] == "LimitExceeded"  # the quota, 2, is checked first
    with pytest.raises(ClientError) as raised:
        iam.update_signing_certificate(UserName="bob", CertificateId="A" * 24, Status="Active")
    assert error_of(raised)[0] == "NoSuchEntity"
    assert raised.value.response["Error"]["Message"] == f"The Certificate with id {'A' * 24} cannot be found."


def test_the_credential_report_shows_signing_certificates(access_mock: AccessMock, iam: Any) -> None:
    iam.create_user(UserName="alice")
    first = iam.upload_signing_certificate(UserName="alice", CertificateBody=CERTIFICATE)["Certificate"]
    iam.upload_signing_certificate(UserName="alice", CertificateBody=OTHER_CERTIFICATE)
    iam.update_signing_certificate(UserName="alice", CertificateId=first["CertificateId"], Status="Inactive")
    iam.generate_credential_report()
    for _ in range(50):
        try:
            content = iam.get_credential_report()["Content"]
            break
        except ClientError:
            time.sleep(0.01)
    rows = {row["user"]: row for row in csv.DictReader(io.StringIO(content.decode()))}
    alice = rows["alice"]
    assert alice["cert_1_active"] == "false" and alice["cert_2_active"] == "true"
    assert alice["cert_1_last_rotated"] == alice["cert_2_last_rotated"] == "2027-06-01T00:00:00+00:00"


def _certificate(not_before: datetime, not_after: datetime) -> str:
    """A self-signed certificate made here (cryptography comes with moto, in the test extra)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dates.example.com")])
    built = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(not_before).not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    return built.public_bytes(serialization.Encoding.PEM).decode()


def test_two_digit_years_are_read_as_rfc_5280_says(iam: Any) -> None:
    """UTCTime holds years 1950 to 2049: "50" is 1950, "49" is 2049."""
    iam.create_user(UserName="alice")
    current = _certificate(datetime(1950, 1, 1, tzinfo=timezone.utc), datetime(2049, 12, 31, tzinfo=timezone.utc))
    assert iam.upload_signing_certificate(UserName="alice", CertificateBody=current)["Certificate"]["Status"] == "Active"
    long_gone = _certificate(datetime(1951, 1, 1, tzinfo=timezone.utc), datetime(1955, 1, 1, tzinfo=timezone.utc))
    with pytest.raises(ClientError) as raised:
        iam.upload_signing_certificate(UserName="alice", CertificateBody=long_gone)
    assert "no longer valid" in raised.value.response["Error"]["Message"]


def test_a_chain_of_unfinished_blocks_is_malformed(iam: Any) -> None:
    with pytest.raises(ClientError) as raised:
        _upload(iam, CertificateChain="-----BEGIN CERTIFICATE-----\n" * 5000)
    assert error_of(raised)[0] == "MalformedCertificate"
