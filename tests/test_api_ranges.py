"""The Python API checks its arguments at the call (issue 8, item 5): times within the range
the mock represents, durations, counts and error codes raise ValueError or TypeError naming
the argument and what it allows, and nothing breaks later inside an unrelated call."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from support import ACCOUNT, ALICE, NOW, TRUST_ANYONE, allow, generate

from iam_access_mock import AccessMock, MockConfigurationError
from iam_access_mock.clock import EARLIEST, LATEST

RANGE = "1970-01-01T00:00:00Z to 2254-12-31T23:59:59.999999Z"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/worker"


def _outside(name: str, shown: str) -> str:
    return re.escape(f"{name}={shown} is outside the range the mock represents ({RANGE})")


@pytest.mark.parametrize(
    ("when", "shown"),
    [
        (datetime(1, 1, 1, tzinfo=timezone.utc), "0001-01-01T00:00:00Z"),
        (datetime(1969, 12, 31, 23, 59, 59, 999999), "1969-12-31T23:59:59.999999Z"),
        (datetime(2255, 1, 1, tzinfo=timezone.utc), "2255-01-01T00:00:00Z"),
        (datetime(9999, 1, 1, tzinfo=timezone.utc), "9999-01-01T00:00:00Z"),
        (datetime.max, "9999-12-31T23:59:59.999999Z"),
    ],
)
def test_clock_set_refuses_a_time_outside_the_range(
    access_mock: AccessMock, when: datetime, shown: str
) -> None:
    access_mock.clock.set(NOW)
    with pytest.raises(MockConfigurationError, match=_outside("when", shown)):
        access_mock.clock.set(when)
    assert access_mock.clock.now() == NOW


def test_advance_past_either_end_of_the_range_raises_and_changes_nothing(
    access_mock: AccessMock,
) -> None:
    access_mock.clock.set(LATEST)
    message = re.escape(f"moves it out of range: the mock represents {RANGE}")
    with pytest.raises(ValueError, match=message):
        access_mock.clock.advance(timedelta(microseconds=1))
    access_mock.clock.set(EARLIEST)
    with pytest.raises(ValueError, match=message):
        access_mock.clock.advance(timedelta(microseconds=-1))
    with pytest.raises(ValueError, match=message):
        access_mock.clock.advance(timedelta.max)
    assert access_mock.clock.now() == EARLIEST
    access_mock.clock.follow_real_time()
    with pytest.raises(ValueError, match=message):
        access_mock.clock.advance(timedelta(days=-60 * 366))  # before 1970
    assert abs(access_mock.clock.now() - datetime.now(timezone.utc)) < timedelta(minutes=1)


@pytest.mark.parametrize("edge", [EARLIEST, LATEST], ids=["earliest", "latest"])
def test_every_operation_works_at_either_end_of_the_range(
    access_mock: AccessMock, edge: datetime
) -> None:
    """At the ends of the range nothing overflows later: reports look 400 days back,
    sessions expire up to 12 hours ahead, a job waits on the clock."""
    access_mock.clock.set(edge)
    iam = boto3.client("iam")
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="s3", PolicyDocument=allow("s3:GetObject"))
    access_mock.record_access(ALICE, "s3:GetObject", at=edge)
    [row] = iam.get_service_last_accessed_details(JobId=generate(iam))["ServicesLastAccessed"]
    assert row["LastAuthenticated"] == edge.replace(second=0, microsecond=0)
    iam.create_role(
        RoleName="worker", AssumeRolePolicyDocument=TRUST_ANYONE, MaxSessionDuration=43200
    )
    session = boto3.client("sts").assume_role(
        RoleArn=ROLE_ARN, RoleSessionName="job", DurationSeconds=43200
    )
    assert session["Credentials"]["Expiration"] == (edge + timedelta(hours=12)).replace(
        microsecond=edge.microsecond // 1000 * 1000
    )
    assert iam.get_role(RoleName="worker")["Role"]["RoleLastUsed"] == {}
    access_mock.jobs.complete_after(duration=timedelta(days=365 * 100))
    job = generate(iam)
    status = iam.get_service_last_accessed_details(JobId=job)["JobStatus"]
    assert status == "IN_PROGRESS"


def test_complete_after_refuses_a_duration_past_the_clock_range(
    iam: Any, access_mock: AccessMock
) -> None:
    iam.create_user(UserName="alice")
    message = re.escape(
        f"duration must be from 0 to 104094 days (the span of the range the mock represents, "
        f"{RANGE}), got {timedelta.max}"
    )
    with pytest.raises(MockConfigurationError, match=message):
        access_mock.jobs.complete_after(duration=timedelta.max)
    with pytest.raises(MockConfigurationError, match="duration must be from 0 to 104094 days"):
        access_mock.jobs.complete_after(duration=timedelta(seconds=-1))
    # The refused setting changed nothing: jobs still complete at once.
    assert iam.get_service_last_accessed_details(JobId=generate(iam))["JobStatus"] == "COMPLETED"


def test_a_job_whose_duration_outlasts_the_clock_stays_in_progress(
    iam: Any, access_mock: AccessMock
) -> None:
    iam.create_user(UserName="alice")
    access_mock.jobs.complete_after(duration=timedelta(days=104094))
    job = generate(iam)
    access_mock.clock.set(LATEST)
    assert iam.get_service_last_accessed_details(JobId=job)["JobStatus"] == "IN_PROGRESS"


@pytest.mark.parametrize(
    ("polls", "error", "message"),
    [
        (-1, ValueError, "polls must be 0 or more, got -1"),
        ("2", TypeError, "polls must be an int or None, got str"),
        (True, TypeError, "polls must be an int or None, got bool"),
        (1.0, TypeError, "polls must be an int or None, got float"),
    ],
)
def test_complete_after_checks_polls(
    access_mock: AccessMock, polls: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        access_mock.jobs.complete_after(polls=polls)


def test_complete_after_checks_the_duration_type(access_mock: AccessMock) -> None:
    with pytest.raises(TypeError, match="duration must be a datetime.timedelta or None, got int"):
        access_mock.jobs.complete_after(duration=60)  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["", "a b", "bad\x01code", "Ünicode", "x" * 129])
def test_fail_next_refuses_a_code_aws_could_not_send(access_mock: AccessMock, code: str) -> None:
    message = "code must be 1 to 128 characters from A-Z a-z 0-9 _ . : - "
    with pytest.raises(MockConfigurationError, match=re.escape(message)):
        access_mock.jobs.fail_next(code=code)


def test_fail_next_code_must_be_a_str(access_mock: AccessMock) -> None:
    with pytest.raises(TypeError, match="code must be a str, got int"):
        access_mock.jobs.fail_next(code=500)  # type: ignore[arg-type]


def test_fail_next_takes_aws_style_codes(iam: Any, access_mock: AccessMock) -> None:
    iam.create_user(UserName="alice")
    access_mock.jobs.fail_next(code="INVALID_ORGANIZATIONS_ENTITY_PATH", message="simulated")
    report = iam.get_service_last_accessed_details(JobId=generate(iam))
    assert report["JobStatus"] == "FAILED"
    assert report["Error"] == {"Code": "INVALID_ORGANIZATIONS_ENTITY_PATH", "Message": "simulated"}


def test_record_access_refuses_a_time_before_the_range(iam: Any, access_mock: AccessMock) -> None:
    iam.create_user(UserName="alice")
    before = re.escape(
        f"at=1969-12-31T23:59:59Z is before the earliest time the mock represents ({RANGE})"
    )
    with pytest.raises(MockConfigurationError, match=before):
        access_mock.record_access(ALICE, "s3:GetObject", at=datetime(1969, 12, 31, 23, 59, 59))
    with pytest.raises(MockConfigurationError, match="record_accesses item 1: at=0001-01-01"):
        access_mock.record_accesses(
            [
                (ALICE, "s3:GetObject", NOW),
                (ALICE, "s3:PutObject", datetime(1, 1, 1, tzinfo=timezone.utc)),
            ]
        )
    assert access_mock.last_access(ALICE, "s3:PutObject") is None
    access_mock.record_access(ALICE, "s3:GetObject", at=EARLIEST)
    assert access_mock.last_access(ALICE, "s3:GetObject").when == NOW  # type: ignore[union-attr]
