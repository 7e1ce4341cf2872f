"""SSH public keys through boto3: upload checks, fingerprints, both encodings, listing and its
pages, status, delete, the per-user quota and DeleteUser's conflict. SSH_RSA's fingerprint is
what ssh-keygen printed (key_material.py); the keys built here are checked by hand against
the MD5 of their OpenSSH blob, which is what ``ssh-keygen -l -E md5`` digests."""

from __future__ import annotations

import base64
import hashlib
import struct
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from key_material import SSH_ED25519, SSH_FINGERPRINT, SSH_PEM, SSH_RSA, SSH_RSA_1024
from support import client_for, error_and_status, raw_client

from iam_access_mock.handle import AccessMock

NOW = datetime(2027, 6, 1, 9, 30, tzinfo=timezone.utc)
ID_ALPHABET = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
INVALID = ("InvalidPublicKey", "The request was rejected because the public key is malformed.", 400)
UNRECOGNIZED = (
    "UnrecognizedPublicKeyEncoding",
    "The request was rejected because the public key encoding format is unsupported or unrecognized.",
    400,
)


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _mpint(number: int) -> bytes:
    return _string(number.to_bytes(number.bit_length() // 8 + 1, "big"))


def _blob(modulus: int, exponent: int = 65537) -> bytes:
    return _string(b"ssh-rsa") + _mpint(exponent) + _mpint(modulus)


def _ssh_rsa(seed: int, bits: int = 2048, comment: str = "made-in-test") -> str:
    """An ssh-rsa line for a modulus of ``bits`` bits (IAM reads its size, not its factors)."""
    modulus = (1 << (bits - 1)) | (seed << 8) | 1
    return f"ssh-rsa {base64.b64encode(_blob(modulus)).decode()} {comment}"


def _md5(body: str) -> str:
    digest = hashlib.md5(base64.b64decode(body.split()[1]), usedforsecurity=False).hexdigest()
    return ":".join(digest[at : at + 2] for at in range(0, 32, 2))


@pytest.fixture
def iam(access_mock: AccessMock) -> Any:
    access_mock.clock.set(NOW)
    client = boto3.client("iam")
    client.create_user(UserName="alice")
    client.create_user(UserName="bob")
    return client


def _upload(iam: Any, body: str = SSH_RSA, user: str = "alice") -> dict[str, Any]:
    return iam.upload_ssh_public_key(UserName=user, SSHPublicKeyBody=body)["SSHPublicKey"]  # type: ignore[no-any-return]


def _ids(iam: Any, user: str = "alice") -> list[str]:
    return [
        key["SSHPublicKeyId"] for key in iam.list_ssh_public_keys(UserName=user)["SSHPublicKeys"]
    ]


# ---- UploadSSHPublicKey -----------------------------------------------------------------------


def test_upload_answers_the_key_with_ssh_keygens_fingerprint(iam: Any) -> None:
    assert _md5(SSH_RSA) == SSH_FINGERPRINT  # the rule, checked on ssh-keygen's own output
    key = _upload(iam)
    key_id = key.pop("SSHPublicKeyId")
    assert key == {
        "UserName": "alice",
        "Fingerprint": SSH_FINGERPRINT,
        "SSHPublicKeyBody": SSH_RSA,
        "Status": "Active",
        "UploadDate": NOW,
    }
    assert key_id.startswith("APKA") and len(key_id) == 20 and set(key_id[4:]) <= ID_ALPHABET


def test_fingerprints_of_other_keys_are_the_md5_of_their_blob(iam: Any) -> None:
    for seed in (1, 2, 3):
        body = _ssh_rsa(seed, bits=2048 + 512 * seed)
        assert _upload(iam, body)["Fingerprint"] == _md5(body)


def test_a_pem_key_has_the_same_fingerprint_and_reads_back_in_both_encodings(iam: Any) -> None:
    key = _upload(iam, SSH_PEM)
    assert key["Fingerprint"] == SSH_FINGERPRINT
    assert key["SSHPublicKeyBody"] == SSH_PEM
    key_id = key["SSHPublicKeyId"]
    as_pem = iam.get_ssh_public_key(UserName="alice", SSHPublicKeyId=key_id, Encoding="PEM")[
        "SSHPublicKey"
    ]
    assert as_pem["SSHPublicKeyBody"] == SSH_PEM
    as_ssh = iam.get_ssh_public_key(UserName="alice", SSHPublicKeyId=key_id, Encoding="SSH")[
        "SSHPublicKey"
    ]
    assert as_ssh["SSHPublicKeyBody"] == " ".join(SSH_RSA.split()[:2])  # no comment to give back
    assert as_ssh["Fingerprint"] == SSH_FINGERPRINT


def test_an_ssh_key_reads_back_as_uploaded_or_as_pem(iam: Any) -> None:
    key_id = _upload(iam, "  " + SSH_RSA + "\n")["SSHPublicKeyId"]
    as_ssh = iam.get_ssh_public_key(UserName="ALICE", SSHPublicKeyId=key_id, Encoding="SSH")[
        "SSHPublicKey"
    ]
    assert as_ssh["SSHPublicKeyBody"] == "  " + SSH_RSA + "\n"
    assert (
        as_ssh["UserName"] == "alice"
        and as_ssh["Status"] == "Active"
        and as_ssh["UploadDate"] == NOW
    )
    as_pem = iam.get_ssh_public_key(UserName="alice", SSHPublicKeyId=key_id, Encoding="PEM")[
        "SSHPublicKey"
    ]
    assert as_pem["SSHPublicKeyBody"] == SSH_PEM  # ssh-keygen -e -m PKCS8, line for line


@pytest.mark.parametrize(
    "body",
    [
        SSH_RSA_1024,
        _ssh_rsa(7, bits=2047),
        "ssh-rsa " + base64.b64encode(_blob((1 << 2047) | 1, exponent=1)).decode(),
        "ssh-rsa !!!! comment",
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQAB cut-short",
        "ssh-rsa " + base64.b64encode(_string(b"ssh-dss") + _mpint(3) + _mpint(1 << 2047)).decode(),
        "ssh-rsa " + base64.b64encode(_blob(1 << 2047) + _string(b"extra")).decode(),
        "-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\n@@@@\n-----END PUBLIC KEY-----\n",
        SSH_PEM.replace("-----END PUBLIC KEY-----", ""),
    ],
    ids=[
        "1024-bits",
        "2047-bits",
        "exponent-1",
        "not-base64",
        "cut-short",
        "dss-blob",
        "extra-field",
        "pem-empty",
        "pem-not-base64",
        "pem-no-end",
    ],
)
def test_a_malformed_or_short_rsa_key_is_invalid(iam: Any, body: str) -> None:
    with pytest.raises(ClientError) as raised:
        _upload(iam, body)
    code, _, status = error_and_status(raised)
    assert (code, status) == ("InvalidPublicKey", 400)
    assert _ids(iam) == []


@pytest.mark.parametrize(
    "body",
    [
        SSH_ED25519,
        "ssh-dss AAAAB3NzaC1kc3MAAACBAP= dss",
        "hello",
        "ssh-rsa",  # the type alone: no key to read
        "-----BEGIN RSA PUBLIC KEY-----\nMAA=\n-----END RSA PUBLIC KEY-----\n",
        "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY= ecdsa",
    ],
    ids=["ed25519", "dss", "text", "type-alone", "pkcs1-pem", "ecdsa"],
)
def test_another_encoding_or_algorithm_is_unrecognized(iam: Any, body: str) -> None:
    with pytest.raises(ClientError) as raised:
        _upload(iam, body)
    assert error_and_status(raised) == UNRECOGNIZED
    assert _ids(iam) == []


def test_the_short_key_message_names_the_minimum(iam: Any) -> None:
    with pytest.raises(ClientError) as raised:
        _upload(iam, SSH_RSA_1024)
    assert error_and_status(raised) == (
        "InvalidPublicKey",
        "The request was rejected because the public key is shorter than 2048 bits.",
        400,
    )


def test_five_per_user_then_limit_exceeded(iam: Any) -> None:
    for seed in range(5):
        _upload(iam, _ssh_rsa(seed))
    with pytest.raises(ClientError) as raised:
        _upload(iam, SSH_RSA)
    assert error_and_status(raised) == (
        "LimitExceeded",
        "Cannot exceed quota for KeysPerUser: 5",
        409,
    )
    _upload(iam, SSH_RSA, user="bob")  # the quota is per user
    iam.delete_ssh_public_key(UserName="alice", SSHPublicKeyId=_ids(iam)[0])
    _upload(iam, SSH_RSA)
    assert len(_ids(iam)) == 5


def test_the_same_key_twice_for_a_user_in_either_encoding_is_a_duplicate(iam: Any) -> None:
    _upload(iam, SSH_RSA)
    for body in (SSH_RSA, SSH_PEM, " ".join(SSH_RSA.split()[:2]) + " another-comment"):
        with pytest.raises(ClientError) as raised:
            _upload(iam, body)
        assert error_and_status(raised) == (
            "DuplicateSSHPublicKey",
            (
                "The request was rejected because the SSH public key is already associated with the "
                "specified IAM user."
            ),
            400,
        )
    assert len(_ids(iam)) == 1
    _upload(iam, SSH_RSA, user="bob")  # another user may hold the same key


def test_upload_for_a_missing_user(iam: Any) -> None:
    with pytest.raises(ClientError) as raised:
        _upload(iam, user="nobody")
    assert error_and_status(raised) == (
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
        404,
    )


# ---- GetSSHPublicKey ----------------------------------------------------------------------------


def test_get_errors(iam: Any) -> None:
    key_id = _upload(iam)["SSHPublicKeyId"]
    not_found = ("NoSuchEntity", f"The Public Key with id {key_id} cannot be found.", 404)
    with pytest.raises(ClientError) as raised:
        iam.get_ssh_public_key(UserName="bob", SSHPublicKeyId=key_id, Encoding="SSH")
    assert error_and_status(raised) == not_found
    with pytest.raises(ClientError) as raised:
        iam.get_ssh_public_key(UserName="alice", SSHPublicKeyId="APKA" + "A" * 16, Encoding="SSH")
    assert error_and_status(raised) == (
        "NoSuchEntity",
        f"The Public Key with id APKA{'A' * 16} cannot be found.",
        404,
    )
    with pytest.raises(ClientError) as raised:
        iam.get_ssh_public_key(UserName="nobody", SSHPublicKeyId=key_id, Encoding="PEM")
    assert error_and_status(raised) == (
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
        404,
    )
    with pytest.raises(ClientError) as raised:
        raw_client("iam").get_ssh_public_key(
            UserName="alice", SSHPublicKeyId=key_id, Encoding="DER"
        )
    assert error_and_status(raised) == (
        "ValidationError",
        (
            "1 validation error detected: Value at 'encoding' failed to satisfy constraint: Member "
            "must satisfy enum value set: [SSH, PEM]"
        ),
        400,
    )


# ---- ListSSHPublicKeys --------------------------------------------------------------------------


def test_list_in_upload_order_without_bodies_and_through_botocores_paginator(
    access_mock: AccessMock, iam: Any
) -> None:
    uploaded = []
    for seed in range(5):
        uploaded.append(_upload(iam, _ssh_rsa(seed)))
        access_mock.clock.advance(timedelta(minutes=1))
    listed = iam.list_ssh_public_keys(UserName="alice")
    assert listed["IsTruncated"] is False
    assert listed["SSHPublicKeys"] == [
        {
            "UserName": "alice",
            "SSHPublicKeyId": key["SSHPublicKeyId"],
            "Status": "Active",
            "UploadDate": key["UploadDate"],
        }
        for key in uploaded
    ]
    assert uploaded[4]["UploadDate"] == NOW + timedelta(minutes=4)
    pages = list(
        iam.get_paginator("list_ssh_public_keys").paginate(
            UserName="alice", PaginationConfig={"PageSize": 2}
        )
    )
    assert [len(page["SSHPublicKeys"]) for page in pages] == [2, 2, 1]
    assert [key["SSHPublicKeyId"] for page in pages for key in page["SSHPublicKeys"]] == [
        key["SSHPublicKeyId"] for key in uploaded
    ]
    assert iam.list_ssh_public_keys(UserName="bob")["SSHPublicKeys"] == []


def test_without_user_name_the_calling_users_keys(iam: Any) -> None:
    key_id = _upload(iam)["SSHPublicKeyId"]
    as_alice = client_for("iam", iam.create_access_key(UserName="alice")["AccessKey"])
    assert [key["SSHPublicKeyId"] for key in as_alice.list_ssh_public_keys()["SSHPublicKeys"]] == [
        key_id
    ]
    assert iam.list_ssh_public_keys()["SSHPublicKeys"] == []  # the account root has none


def test_list_for_a_missing_user(iam: Any) -> None:
    with pytest.raises(ClientError) as raised:
        iam.list_ssh_public_keys(UserName="nobody")
    assert error_and_status(raised) == (
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
        404,
    )


def test_keys_follow_a_renamed_user(iam: Any) -> None:
    key_id = _upload(iam)["SSHPublicKeyId"]
    iam.update_user(UserName="alice", NewUserName="alicia")
    key = iam.get_ssh_public_key(UserName="alicia", SSHPublicKeyId=key_id, Encoding="SSH")[
        "SSHPublicKey"
    ]
    assert key["UserName"] == "alicia"


# ---- UpdateSSHPublicKey / DeleteSSHPublicKey ----------------------------------------------------


def test_status_goes_inactive_and_back(iam: Any) -> None:
    key_id = _upload(iam)["SSHPublicKeyId"]
    iam.update_ssh_public_key(UserName="alice", SSHPublicKeyId=key_id, Status="Inactive")
    key = iam.get_ssh_public_key(UserName="alice", SSHPublicKeyId=key_id, Encoding="SSH")[
        "SSHPublicKey"
    ]
    assert key["Status"] == "Inactive"
    iam.update_ssh_public_key(UserName="alice", SSHPublicKeyId=key_id, Status="Active")
    assert iam.list_ssh_public_keys(UserName="alice")["SSHPublicKeys"][0]["Status"] == "Active"
    with pytest.raises(ClientError) as raised:
        iam.update_ssh_public_key(UserName="alice", SSHPublicKeyId=key_id, Status="Expired")
    assert error_and_status(raised)[0] == "InvalidInput"


def test_update_and_delete_errors(iam: Any) -> None:
    key_id = _upload(iam)["SSHPublicKeyId"]
    not_found = ("NoSuchEntity", f"The Public Key with id {key_id} cannot be found.", 404)
    no_user = ("NoSuchEntity", "The user with name nobody cannot be found.", 404)
    for user, expected in (("bob", not_found), ("nobody", no_user)):
        with pytest.raises(ClientError) as raised:
            iam.update_ssh_public_key(UserName=user, SSHPublicKeyId=key_id, Status="Inactive")
        assert error_and_status(raised) == expected
        with pytest.raises(ClientError) as raised:
            iam.delete_ssh_public_key(UserName=user, SSHPublicKeyId=key_id)
        assert error_and_status(raised) == expected
    iam.delete_ssh_public_key(UserName="alice", SSHPublicKeyId=key_id)
    for call in (
        lambda: iam.delete_ssh_public_key(UserName="alice", SSHPublicKeyId=key_id),
        lambda: iam.get_ssh_public_key(UserName="alice", SSHPublicKeyId=key_id, Encoding="SSH"),
        lambda: iam.update_ssh_public_key(UserName="alice", SSHPublicKeyId=key_id, Status="Active"),
    ):
        with pytest.raises(ClientError) as raised:
            call()
        assert error_and_status(raised) == not_found
    _upload(iam)  # deleted: no longer a duplicate


def test_delete_user_is_refused_while_the_user_has_one(iam: Any) -> None:
    key_id = _upload(iam)["SSHPublicKeyId"]
    with pytest.raises(ClientError) as raised:
        iam.delete_user(UserName="alice")
    assert error_and_status(raised) == (
        "DeleteConflict",
        "Cannot delete entity, must delete SSH public keys first.",
        409,
    )
    assert len(iam.get_account_authorization_details(Filter=["User"])["UserDetailList"]) == 2
    iam.delete_ssh_public_key(UserName="alice", SSHPublicKeyId=key_id)
    iam.delete_user(UserName="alice")
