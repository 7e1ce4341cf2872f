"""SSH public keys and service-specific credentials through boto3; fingerprints checked
against what ssh-keygen printed for the same key (key_material.py)."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from key_material import SSH_ED25519, SSH_FINGERPRINT, SSH_PEM, SSH_RSA, SSH_RSA_1024
from support import ACCOUNT, error_of

from iam_access_mock.handle import AccessMock

NOW = datetime(2027, 6, 1, tzinfo=timezone.utc)


@pytest.fixture
def iam(access_mock: AccessMock) -> Any:
    access_mock.clock.set(NOW)
    client = boto3.client("iam")
    client.create_user(UserName="alice")
    return client



# ---- SSH public keys ----------------------------------------------------------------------------


def test_an_ssh_key_uploads_with_ssh_keygens_fingerprint(iam: Any) -> None:
    key = iam.upload_ssh_public_key(UserName="alice", SSHPublicKeyBody=SSH_RSA)["SSHPublicKey"]
    assert key["Fingerprint"] == SSH_FINGERPRINT
    assert key["SSHPublicKeyId"].startswith("APKA") and len(key["SSHPublicKeyId"]) == 20
    assert key["Status"] == "Active" and key["UploadDate"] == NOW
    assert key["SSHPublicKeyBody"] == SSH_RSA and key["UserName"] == "alice"


def test_the_same_key_in_pem_has_the_same_fingerprint_and_converts_both_ways(iam: Any) -> None:
    key = iam.upload_ssh_public_key(UserName="alice", SSHPublicKeyBody=SSH_PEM)["SSHPublicKey"]
    assert key["Fingerprint"] == SSH_FINGERPRINT
    as_ssh = iam.get_ssh_public_key(UserName="alice", SSHPublicKeyId=key["SSHPublicKeyId"], Encoding="SSH")
    assert as_ssh["SSHPublicKey"]["SSHPublicKeyBody"].split()[:2] == SSH_RSA.split()[:2]
    as_pem = iam.get_ssh_public_key(UserName="alice", SSHPublicKeyId=key["SSHPublicKeyId"], Encoding="PEM")
    assert as_pem["SSHPublicKey"]["SSHPublicKeyBody"] == SSH_PEM  # ssh-keygen's PEM, line for line


def test_ssh_keys_list_update_delete_and_block_deleting_the_user(iam: Any) -> None:
    key = iam.upload_ssh_public_key(UserName="alice", SSHPublicKeyBody=SSH_RSA)["SSHPublicKey"]
    listed = iam.list_ssh_public_keys(UserName="alice")["SSHPublicKeys"]
    assert listed == [{"UserName": "alice", "SSHPublicKeyId": key["SSHPublicKeyId"], "Status": "Active", "UploadDate": NOW}]
    iam.update_ssh_public_key(UserName="alice", SSHPublicKeyId=key["SSHPublicKeyId"], Status="Inactive")
    assert iam.list_ssh_public_keys(UserName="alice")["SSHPublicKeys"][0]["Status"] == "Inactive"
    with pytest.raises(ClientError) as raised:
        iam.delete_user(UserName="alice")
    assert error_of(raised)[0] == "DeleteConflict"
    iam.delete_ssh_public_key(UserName="alice", SSHPublicKeyId=key["SSHPublicKeyId"])
    with pytest.raises(ClientError) as raised:
        iam.get_ssh_public_key(UserName="alice", SSHPublicKeyId=key["SSHPublicKeyId"], Encoding="SSH")
    assert error_of(raised)[0] == "NoSuchEntity"
    iam.delete_user(UserName="alice")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (SSH_RSA_1024, "InvalidPublicKey"),
        (SSH_ED25519, "UnrecognizedPublicKeyEncoding"),
        ("ssh-rsa !!!! x", "InvalidPublicKey"),
        ("ssh-rsa AAAAB3NzaC1yc2EAAAADAQAB x", "InvalidPublicKey"),  # cut short
        ("hello", "UnrecognizedPublicKeyEncoding"),
        ("-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----", "InvalidPublicKey"),
    ],
    ids=["1024-bits", "ed25519", "not-base64", "cut-short", "text", "pem-junk"],
)
def test_ssh_keys_upload_refuses(iam: Any, body: str, code: str) -> None:
    with pytest.raises(ClientError) as raised:
        iam.upload_ssh_public_key(UserName="alice", SSHPublicKeyBody=body)
    assert error_of(raised)[0] == code
    assert iam.list_ssh_public_keys(UserName="alice")["SSHPublicKeys"] == []


def test_a_duplicate_key_and_unknown_users(iam: Any) -> None:
    iam.upload_ssh_public_key(UserName="alice", SSHPublicKeyBody=SSH_RSA)
    with pytest.raises(ClientError) as raised:
        iam.upload_ssh_public_key(UserName="alice", SSHPublicKeyBody=SSH_PEM)  # the same key
    assert error_of(raised)[0] == "DuplicateSSHPublicKey"
    with pytest.raises(ClientError) as raised:
        iam.upload_ssh_public_key(UserName="nobody", SSHPublicKeyBody=SSH_RSA)
    assert error_of(raised)[0] == "NoSuchEntity"
    with pytest.raises(ClientError) as raised:
        iam.list_ssh_public_keys(UserName="nobody")
    assert error_of(raised)[0] == "NoSuchEntity"


# ---- service-specific credentials -----------------------------------------------------------------


def test_a_codecommit_credential_and_its_password_only_on_create_and_reset(iam: Any) -> None:
    made = iam.create_service_specific_credential(UserName="alice", ServiceName="codecommit.amazonaws.com")
    credential = made["ServiceSpecificCredential"]
    assert credential["ServiceUserName"] == f"alice-at-{ACCOUNT}"
    assert len(credential["ServicePassword"]) == 44
    assert credential["Status"] == "Active" and credential["CreateDate"] == NOW
    assert credential["ServiceSpecificCredentialId"].startswith("ACCA")
    listed = iam.list_service_specific_credentials(UserName="alice")["ServiceSpecificCredentials"]
    assert [c["ServiceSpecificCredentialId"] for c in listed] == [credential["ServiceSpecificCredentialId"]]
    assert "ServicePassword" not in listed[0]
    reset = iam.reset_service_specific_credential(
        UserName="alice", ServiceSpecificCredentialId=credential["ServiceSpecificCredentialId"]
    )["ServiceSpecificCredential"]
    assert reset["ServicePassword"] != credential["ServicePassword"]
    iam.update_service_specific_credential(
        UserName="alice", ServiceSpecificCredentialId=credential["ServiceSpecificCredentialId"], Status="Inactive"
    )
    assert iam.list_service_specific_credentials(UserName="alice")["ServiceSpecificCredentials"][0]["Status"] == "Inactive"
    with pytest.raises(ClientError) as raised:
        iam.delete_user(UserName="alice")
    assert error_of(raised)[0] == "DeleteConflict"
    iam.delete_service_specific_credential(
        UserName="alice", ServiceSpecificCredentialId=credential["ServiceSpecificCredentialId"]
    )
    assert iam.list_service_specific_credentials(UserName="alice")["ServiceSpecificCredentials"] == []
    iam.delete_user(UserName="alice")


def test_two_per_service_a_filter_by_service_and_unsupported_services(iam: Any) -> None:
    for service in ("codecommit.amazonaws.com", "codecommit.amazonaws.com", "cassandra.amazonaws.com"):
        iam.create_service_specific_credential(UserName="alice", ServiceName=service)
    with pytest.raises(ClientError) as raised:
        iam.create_service_specific_credential(UserName="alice", ServiceName="codecommit.amazonaws.com")
    assert error_of(raised)[0] == "LimitExceeded"
    keyspaces = iam.list_service_specific_credentials(UserName="alice", ServiceName="cassandra.amazonaws.com")
    assert [c["ServiceName"] for c in keyspaces["ServiceSpecificCredentials"]] == ["cassandra.amazonaws.com"]
    with pytest.raises(ClientError) as raised:
        iam.create_service_specific_credential(UserName="alice", ServiceName="s3.amazonaws.com")
    assert error_of(raised)[0] == "NotSupportedService"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as raised:
        iam.reset_service_specific_credential(UserName="alice", ServiceSpecificCredentialId="ACCA" + "X" * 17)
    assert error_of(raised)[0] == "NoSuchEntity"


def test_a_bedrock_api_key_expires_after_its_age(access_mock: AccessMock, iam: Any) -> None:
    made = iam.create_service_specific_credential(
        UserName="alice", ServiceName="bedrock.amazonaws.com", CredentialAgeDays=30
    )["ServiceSpecificCredential"]
    assert made["ExpirationDate"] == NOW + timedelta(days=30)
    assert made["ServiceCredentialAlias"] == f"alice-at-{ACCOUNT}"
    assert made["ServiceCredentialSecret"].startswith("ABSK")
    access_mock.clock.advance(timedelta(days=31))
    listed = iam.list_service_specific_credentials(UserName="alice")["ServiceSpecificCredentials"]
    assert listed[0]["Status"] == "Expired"


def test_all_users_lists_every_users_credentials(iam: Any) -> None:
    iam.create_user(UserName="bob")
    iam.create_service_specific_credential(UserName="bob", ServiceName="codecommit.amazonaws.com")
    iam.create_service_specific_credential(UserName="alice", ServiceName="codecommit.amazonaws.com")
    everyone = iam.list_service_specific_credentials(AllUsers=True)["ServiceSpecificCredentials"]
    assert [c["UserName"] for c in everyone] == ["alice", "bob"]


def test_all_users_and_a_user_name_together_are_refused(iam: Any) -> None:
    with pytest.raises(ClientError) as raised:
        iam.list_service_specific_credentials(AllUsers=True, UserName="alice")
    assert error_of(raised)[0] == "ValidationError"


def test_a_pem_key_whose_modulus_reads_as_negative_is_invalid(iam: Any) -> None:
    """DER integers are two's complement: a modulus written without its leading zero byte
    is negative, which is no RSA key (the SubjectPublicKeyInfo is built here by hand)."""
    blob = base64.b64decode(SSH_RSA.split()[1])
    modulus = blob[-256:]  # the ssh-rsa blob ends with the 2,048-bit modulus
    assert modulus[0] & 0x80

    def der(tag: int, content: bytes) -> bytes:
        size = len(content)
        head = bytes([size]) if size < 0x80 else bytes([0x82]) + size.to_bytes(2, "big")
        return bytes([tag]) + head + content

    rsa = der(0x30, der(0x02, modulus) + der(0x02, b"\x01\x00\x01"))
    algorithm = der(0x30, der(0x06, bytes.fromhex("2a864886f70d010101")) + b"\x05\x00")
    spki = der(0x30, algorithm + der(0x03, b"\x00" + rsa))
    body = "-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(spki).decode() + "\n-----END PUBLIC KEY-----\n"
    with pytest.raises(ClientError) as raised:
        iam.upload_ssh_public_key(UserName="alice", SSHPublicKeyBody=body)
    assert error_of(raised)[0] == "InvalidPublicKey"
