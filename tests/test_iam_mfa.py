"""MFA devices through boto3: virtual devices with real TOTP codes, hardware serials, the
root's device, listings, tags and errors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from support import ACCOUNT, NOW

from iam_access_mock import AccessMock


def code_of(call: Any, **params: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"], caught.value.response["ResponseMetadata"][
        "HTTPStatusCode"
    ]


def rfc6238(seed_base32: bytes, step: int) -> str:
    """A TOTP code computed here from the device's base32 seed, independently of the mock."""
    key = base64.b32decode(seed_base32)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 15
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**6:06d}"


def test_virtual_device_enabled_with_its_own_codes(iam: Any, access_mock: AccessMock) -> None:
    iam.create_user(UserName="alice")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-phone", Path="/team/")[
        "VirtualMFADevice"
    ]
    serial = device["SerialNumber"]
    assert serial == f"arn:aws:iam::{ACCOUNT}:mfa/team/alice-phone"
    assert device["QRCodePNG"].startswith(b"\x89PNG\r\n\x1a\n")
    assert len(base64.b32decode(device["Base32StringSeed"])) == 20
    step = int(NOW.timestamp()) // 30
    expected = (
        rfc6238(device["Base32StringSeed"], step - 1),
        rfc6238(device["Base32StringSeed"], step),
    )
    assert access_mock.mfa_codes(serial) == expected
    wrong = {"AuthenticationCode1": expected[1], "AuthenticationCode2": expected[0]}  # not in order
    assert code_of(iam.enable_mfa_device, UserName="alice", SerialNumber=serial, **wrong) == (
        "InvalidAuthenticationCode",
        403,
    )
    iam.enable_mfa_device(
        UserName="alice",
        SerialNumber=serial,
        AuthenticationCode1=expected[0],
        AuthenticationCode2=expected[1],
    )
    assert iam.list_mfa_devices(UserName="alice")["MFADevices"] == [
        {"UserName": "alice", "SerialNumber": serial, "EnableDate": NOW}
    ]
    assert iam.get_mfa_device(SerialNumber=serial, UserName="alice") | {
        "ResponseMetadata": None
    } == {
        "UserName": "alice",
        "SerialNumber": serial,
        "EnableDate": NOW,
        "ResponseMetadata": None,
    }
    listed = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert [(d["SerialNumber"], d["User"]["UserName"], d["EnableDate"]) for d in listed] == [
        (serial, "alice", NOW)
    ]
    assert "Base32StringSeed" not in listed[0] and "QRCodePNG" not in listed[0]
    assert iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"] == []
    assert code_of(
        iam.enable_mfa_device,
        UserName="alice",
        SerialNumber=serial,
        AuthenticationCode1=expected[0],
        AuthenticationCode2=expected[1],
    ) == ("EntityAlreadyExists", 409)
    assert code_of(iam.delete_virtual_mfa_device, SerialNumber=serial) == ("DeleteConflict", 409)
    assert code_of(iam.delete_user, UserName="alice") == ("DeleteConflict", 409)
    iam.deactivate_mfa_device(UserName="alice", SerialNumber=serial)
    assert iam.list_mfa_devices(UserName="alice")["MFADevices"] == []
    assert [
        d["SerialNumber"]
        for d in iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]
    ] == [serial]
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    assert code_of(iam.delete_virtual_mfa_device, SerialNumber=serial) == ("NoSuchEntity", 404)


def test_codes_from_a_step_ago_still_count_but_not_older(iam: Any, access_mock: AccessMock) -> None:
    iam.create_user(UserName="alice")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="d")["VirtualMFADevice"][
        "SerialNumber"
    ]
    first, second = access_mock.mfa_codes(serial)
    access_mock.clock.advance(timedelta(seconds=95))  # three steps on
    assert (
        code_of(
            iam.enable_mfa_device,
            UserName="alice",
            SerialNumber=serial,
            AuthenticationCode1=first,
            AuthenticationCode2=second,
        )[0]
        == "InvalidAuthenticationCode"
    )
    access_mock.clock.set(NOW + timedelta(seconds=30))  # one step on: within the drift allowed
    iam.enable_mfa_device(
        UserName="alice", SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second
    )
    now_codes = access_mock.mfa_codes(serial)
    iam.resync_mfa_device(
        UserName="alice",
        SerialNumber=serial,
        AuthenticationCode1=now_codes[0],
        AuthenticationCode2=now_codes[1],
    )
    assert (
        code_of(
            iam.resync_mfa_device,
            UserName="alice",
            SerialNumber=serial,
            AuthenticationCode1="000000",
            AuthenticationCode2="000000",
        )[0]
        == "InvalidAuthenticationCode"
    )


def test_a_hardware_serial_is_enabled_with_any_codes(iam: Any) -> None:
    iam.create_user(UserName="bob")
    iam.enable_mfa_device(
        UserName="bob",
        SerialNumber="GAHT12345678",
        AuthenticationCode1="111111",
        AuthenticationCode2="222222",
    )
    assert [d["SerialNumber"] for d in iam.list_mfa_devices(UserName="bob")["MFADevices"]] == [
        "GAHT12345678"
    ]
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    iam.deactivate_mfa_device(UserName="bob", SerialNumber="GAHT12345678")
    assert code_of(iam.get_mfa_device, SerialNumber="GAHT12345678", UserName="bob") == (
        "NoSuchEntity",
        404,
    )


def test_root_mfa_from_the_handle(iam: Any, access_mock: AccessMock) -> None:
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0
    serial = access_mock.enable_root_mfa()
    assert serial == f"arn:aws:iam::{ACCOUNT}:mfa/root-account-mfa-device"
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 1
    (listed,) = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
    assert listed["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    # the default credentials are the root's: ListMFADevices without UserName is the root's
    assert [d["SerialNumber"] for d in iam.list_mfa_devices()["MFADevices"]] == [serial]
    assert access_mock.enable_root_mfa() == serial  # one device


def test_a_hardware_root_device_is_not_virtual(iam: Any, access_mock: AccessMock) -> None:
    access_mock.enable_root_mfa(virtual=False)
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 1
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    with pytest.raises(ValueError, match="12-digit"):
        access_mock.enable_root_mfa(account_id="123")


def test_device_names_tags_and_pages(iam: Any) -> None:
    for name in ("c", "a", "b"):
        iam.create_virtual_mfa_device(
            VirtualMFADeviceName=name, Tags=[{"Key": "team", "Value": name}]
        )
    assert code_of(iam.create_virtual_mfa_device, VirtualMFADeviceName="a") == (
        "EntityAlreadyExists",
        409,
    )
    pages = list(
        iam.get_paginator("list_virtual_mfa_devices").paginate(PaginationConfig={"PageSize": 1})
    )
    assert [
        d["SerialNumber"].rsplit("/", 1)[1] for page in pages for d in page["VirtualMFADevices"]
    ] == ["a", "b", "c"]
    serial = f"arn:aws:iam::{ACCOUNT}:mfa/a"
    iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": "env", "Value": "prod"}])
    assert iam.list_mfa_device_tags(SerialNumber=serial)["Tags"] == [
        {"Key": "team", "Value": "a"},
        {"Key": "env", "Value": "prod"},
    ]
    iam.untag_mfa_device(SerialNumber=serial, TagKeys=["team"])
    assert iam.list_mfa_device_tags(SerialNumber=serial)["Tags"] == [
        {"Key": "env", "Value": "prod"}
    ]
    assert code_of(iam.list_mfa_device_tags, SerialNumber=f"arn:aws:iam::{ACCOUNT}:mfa/zzz") == (
        "NoSuchEntity",
        404,
    )


def test_eight_devices_per_user(iam: Any) -> None:
    iam.create_user(UserName="alice")
    for index in range(8):
        iam.enable_mfa_device(
            UserName="alice",
            SerialNumber=f"GAHT0000000{index}",
            AuthenticationCode1="123456",
            AuthenticationCode2="123456",
        )
    assert code_of(
        iam.enable_mfa_device,
        UserName="alice",
        SerialNumber="GAHT00000009",
        AuthenticationCode1="123456",
        AuthenticationCode2="123456",
    ) == ("LimitExceeded", 409)


def test_mfa_codes_argument_checks(access_mock: AccessMock) -> None:
    with pytest.raises(TypeError):
        access_mock.mfa_codes(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="virtual MFA device"):
        access_mock.mfa_codes("GAHT12345678")
    with pytest.raises(ValueError, match="no virtual MFA device"):
        access_mock.mfa_codes(f"arn:aws:iam::{ACCOUNT}:mfa/none")
