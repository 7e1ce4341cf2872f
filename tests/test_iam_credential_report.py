"""The credential report through boto3: the job, and the CSV read column by column for a
world with the root, a user with a password and MFA, one with two keys of which one was used,
and one with nothing."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from support import ACCOUNT, NOW

from iam_access_mock import AccessMock

COLUMNS = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
]
T0 = "2026-03-01T12:00:00+00:00"  # NOW, as the report writes it


def code_of(call: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["ResponseMetadata"][
        "HTTPStatusCode"
    ]


def rows(iam: Any) -> dict[str, dict[str, str]]:
    content = iam.get_credential_report()["Content"].decode("utf-8")
    reader = csv.DictReader(io.StringIO(content))
    assert reader.fieldnames == COLUMNS
    return {row["user"]: row for row in reader}


@pytest.fixture
def world(iam: Any, access_mock: AccessMock) -> dict[str, str]:
    """carol: password (used 2 days ago) and a virtual MFA; dave: two keys, the second used
    from eu-west-1 on S3 an hour ago, the first made Inactive; erin: nothing."""
    iam.update_account_password_policy(MinimumPasswordLength=8, MaxPasswordAge=90)
    for name in ("erin", "dave", "carol"):
        iam.create_user(UserName=name)
    iam.create_login_profile(UserName="carol", Password="Carol-pass-1")
    access_mock.record_sign_in(f"arn:aws:iam::{ACCOUNT}:user/carol", at=NOW - timedelta(days=2))
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="carol")["VirtualMFADevice"][
        "SerialNumber"
    ]
    first, second = access_mock.mfa_codes(serial)
    iam.enable_mfa_device(
        UserName="carol", SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second
    )
    key1 = iam.create_access_key(UserName="dave")["AccessKey"]
    access_mock.clock.set(NOW + timedelta(minutes=10))
    key2 = iam.create_access_key(UserName="dave")["AccessKey"]
    iam.update_access_key(UserName="dave", AccessKeyId=key1["AccessKeyId"], Status="Inactive")
    access_mock.clock.set(NOW + timedelta(hours=2))
    return {"key1": key1["AccessKeyId"], "key2": key2["AccessKeyId"]}


def test_the_report_row_by_row(iam: Any, access_mock: AccessMock, world: dict[str, str]) -> None:
    key = iam.list_access_keys(UserName="dave")["AccessKeyMetadata"][1]
    assert key["AccessKeyId"] == world["key2"]
    # A call with dave's second key, answered NotImplemented, is still a use of the key.
    s3 = boto3.client(
        "s3",
        region_name="eu-west-1",
        aws_access_key_id=world["key2"],
        aws_secret_access_key="x" * 40,
    )
    with pytest.raises(ClientError):
        s3.list_buckets()
    access_mock.clock.set(NOW + timedelta(hours=3))
    assert iam.generate_credential_report()["State"] == "STARTED"
    report = rows(iam)
    assert list(report) == ["<root_account>", "carol", "dave", "erin"]
    root = report["<root_account>"]
    assert root["arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert [
        root[c]
        for c in (
            "password_enabled",
            "password_last_used",
            "password_last_changed",
            "password_next_rotation",
            "mfa_active",
        )
    ] == [
        "not_supported",
        "no_information",
        "not_supported",
        "not_supported",
        "false",
    ]
    assert [root[c] for c in COLUMNS[8:]] == ["false", "N/A", "N/A", "N/A", "N/A"] * 2 + [
        "false",
        "N/A",
    ] * 2
    carol = report["carol"]
    assert carol["arn"] == f"arn:aws:iam::{ACCOUNT}:user/carol"
    assert carol["user_creation_time"] == T0
    assert carol["password_enabled"] == "true"
    assert carol["password_last_used"] == "2026-02-27T12:00:00+00:00"
    assert carol["password_last_changed"] == T0
    assert carol["password_next_rotation"] == "2026-05-30T12:00:00+00:00"  # + 90 days
    assert carol["mfa_active"] == "true"
    assert carol["access_key_1_active"] == "false" and carol["access_key_1_last_rotated"] == "N/A"
    dave = report["dave"]
    assert (
        dave["password_enabled"],
        dave["password_last_used"],
        dave["password_next_rotation"],
        dave["mfa_active"],
    ) == ("false", "N/A", "N/A", "false")
    assert [
        dave[f"access_key_1_{c}"]
        for c in (
            "active",
            "last_rotated",
            "last_used_date",
            "last_used_region",
            "last_used_service",
        )
    ] == [
        "false",
        T0,
        "N/A",
        "N/A",
        "N/A",
    ]
    assert [
        dave[f"access_key_2_{c}"]
        for c in (
            "active",
            "last_rotated",
            "last_used_date",
            "last_used_region",
            "last_used_service",
        )
    ] == [
        "true",
        "2026-03-01T12:10:00+00:00",
        "2026-03-01T14:00:00+00:00",
        "eu-west-1",
        "s3",
    ]
    erin = report["erin"]
    assert [erin[c] for c in COLUMNS[3:]] == ["false", "N/A", "N/A", "N/A", "false"] + [
        "false",
        "N/A",
        "N/A",
        "N/A",
        "N/A",
    ] * 2 + ["false", "N/A"] * 2


def test_report_lifecycle_under_the_job_controls(iam: Any, access_mock: AccessMock) -> None:
    assert code_of(iam.get_credential_report) == ("ReportNotPresent", 410)
    access_mock.jobs.complete_after(polls=1)
    assert iam.generate_credential_report()["State"] == "STARTED"
    assert code_of(iam.get_credential_report) == ("ReportInProgress", 404)
    answer = iam.get_credential_report()
    assert answer["ReportFormat"] == "text/csv" and answer["GeneratedTime"] == NOW
    assert iam.generate_credential_report()["State"] == "COMPLETE"  # under four hours old
    access_mock.clock.advance(timedelta(hours=4))
    assert code_of(iam.get_credential_report) == ("ReportExpired", 410)
    assert iam.generate_credential_report()["State"] == "STARTED"
    assert iam.generate_credential_report()["State"] == "INPROGRESS"
    assert iam.get_credential_report()["GeneratedTime"] == NOW + timedelta(hours=4)


def test_the_report_is_fixed_when_generated(iam: Any) -> None:
    iam.generate_credential_report()
    iam.create_user(UserName="late")
    assert "late" not in rows(iam)


def test_a_failed_generation_leaves_no_report(iam: Any, access_mock: AccessMock) -> None:
    access_mock.jobs.fail_next("ServiceFailure")
    iam.generate_credential_report()
    assert code_of(iam.get_credential_report) == ("ReportNotPresent", 410)
    assert iam.generate_credential_report()["State"] == "STARTED"
    assert "<root_account>" in rows(iam)


def test_root_sign_in_and_mfa_show_in_its_row(iam: Any, access_mock: AccessMock) -> None:
    access_mock.record_sign_in(f"arn:aws:iam::{ACCOUNT}:root", at=NOW - timedelta(hours=5))
    access_mock.enable_root_mfa()
    iam.generate_credential_report()
    root = rows(iam)["<root_account>"]
    assert (root["password_last_used"], root["mfa_active"]) == ("2026-03-01T07:00:00+00:00", "true")
