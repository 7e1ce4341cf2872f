"""Recording activity from Python: ``aws.record_access``, ``aws.record_accesses`` and reading it
back with ``aws.last_access`` and through IAM (RoleLastUsed, GetAccessKeyLastUsed)."""

from __future__ import annotations

import threading
from collections import namedtuple
from datetime import date, datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from support import ACCOUNT, ALICE, ROOT, TRUST_EC2

from iam_access_mock import MockConfigurationError
from iam_access_mock.activity import UnknownPrincipalError
from iam_access_mock.handle import AccessMock
from iam_access_mock.services.iam.store import IamStore

APP_ROLE = f"arn:aws:iam::{ACCOUNT}:role/service/app"
APP_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/deploy-42"
T0 = datetime(2026, 9, 11, 15, 26, 19, 123456, tzinfo=timezone.utc)


@pytest.fixture
def iam(access_mock: AccessMock) -> Any:
    client = boto3.client("iam")
    client.create_user(UserName="alice", Path="/team/")
    client.create_role(RoleName="app", Path="/service/", AssumeRolePolicyDocument=TRUST_EC2)
    return client


# ---- record_access --------------------------------------------------------------------------------


def test_user_access_is_kept_per_service_and_per_action(access_mock: AccessMock, iam: Any) -> None:
    access_mock.record_access(ALICE, "s3:GetObject", at=T0, region="eu-west-1")

    by_service = access_mock.last_access(ALICE, "s3")
    by_action = access_mock.last_access(ALICE, "s3:GetObject")
    assert by_service is not None and by_action is not None
    assert by_service.when == T0  # full precision, microseconds included
    assert by_service.region == "eu-west-1"
    assert by_action == by_service
    assert access_mock.last_access(ALICE, "s3:PutObject") is None
    assert access_mock.last_access(ALICE, "ec2") is None


def test_action_lookup_ignores_case_like_iam(access_mock: AccessMock, iam: Any) -> None:
    access_mock.record_access(ALICE, "iam:GetUser", at=T0)
    found = access_mock.last_access(ALICE, "iam:getuser")
    assert found is not None and found.when == T0


def test_user_arn_path_is_ignored(access_mock: AccessMock, iam: Any) -> None:
    """alice's path is /team/; ARNs with no path or another path name the same user."""
    access_mock.record_access(f"arn:aws:iam::{ACCOUNT}:user/other/path/alice", "s3", at=T0)
    found = access_mock.last_access(f"arn:aws:iam::{ACCOUNT}:user/team/alice", "s3")
    assert found is not None and found.when == T0


def test_naive_datetime_is_utc(access_mock: AccessMock, iam: Any) -> None:
    access_mock.record_access(ALICE, "s3", at=datetime(2026, 9, 11, 15, 26, 19))
    found = access_mock.last_access(ALICE, "s3")
    assert found is not None
    assert found.when == datetime(2026, 9, 11, 15, 26, 19, tzinfo=timezone.utc)


def test_other_time_zones_are_converted(access_mock: AccessMock, iam: Any) -> None:
    paris_summer = timezone(timedelta(hours=2))
    access_mock.record_access(
        ALICE, "s3", at=datetime(2026, 9, 11, 17, 26, 19, tzinfo=paris_summer)
    )
    found = access_mock.last_access(ALICE, "s3")
    assert found is not None and found.when == datetime(
        2026, 9, 11, 15, 26, 19, tzinfo=timezone.utc
    )


def test_default_time_is_the_mock_clock_and_default_region_us_east_1(
    access_mock: AccessMock, iam: Any
) -> None:
    access_mock.clock.set(T0)
    access_mock.record_access(ALICE, "s3:ListAllMyBuckets")
    found = access_mock.last_access(ALICE, "s3:ListAllMyBuckets")
    assert found is not None and found.when == T0 and found.region == "us-east-1"


def test_the_latest_access_wins_whatever_the_recording_order(
    access_mock: AccessMock, iam: Any
) -> None:
    access_mock.record_access(ALICE, "s3:GetObject", at=T0, region="eu-west-1")
    access_mock.record_access(ALICE, "s3:GetObject", at=T0 - timedelta(days=1), region="us-west-2")
    access_mock.record_access(
        ALICE, "s3:PutObject", at=T0 + timedelta(hours=1), region="ap-south-1"
    )

    get_object = access_mock.last_access(ALICE, "s3:GetObject")
    service = access_mock.last_access(ALICE, "s3")
    assert get_object == (T0.timestamp(), "eu-west-1")
    assert service is not None
    assert service.when == T0 + timedelta(hours=1) and service.region == "ap-south-1"


def test_on_equal_times_the_access_recorded_last_wins(access_mock: AccessMock, iam: Any) -> None:
    access_mock.record_access(ALICE, "s3:GetObject", at=T0, region="eu-west-1")
    access_mock.record_access(ALICE, "s3:GetObject", at=T0, region="us-west-2")
    assert access_mock.last_access(ALICE, "s3:GetObject") == (T0.timestamp(), "us-west-2")


def test_bare_namespace_records_the_service_only(access_mock: AccessMock, iam: Any) -> None:
    access_mock.record_access(ALICE, "dynamodb", at=T0)
    assert access_mock.last_access(ALICE, "dynamodb") is not None
    assert access_mock.world.activity.actions_of(ACCOUNT, _user_id(iam, "alice")) == {}


def test_session_arn_counts_for_its_role_and_shows_in_role_last_used(
    access_mock: AccessMock, iam: Any
) -> None:
    access_mock.record_access(APP_SESSION, "ec2:DescribeInstances", at=T0, region="eu-central-1")
    access_mock.record_access(APP_ROLE, "s3:ListBucket", at=T0 - timedelta(days=2))

    last_used = iam.get_role(RoleName="app")["Role"]["RoleLastUsed"]
    assert last_used["LastUsedDate"] == _wire(T0)
    assert last_used["Region"] == "eu-central-1"
    found = access_mock.last_access(f"arn:aws:iam::{ACCOUNT}:role/app", "ec2:DescribeInstances")
    assert found is not None and found.when == T0


def test_root_of_any_account_can_be_recorded(access_mock: AccessMock) -> None:
    access_mock.record_access(ROOT, "organizations:ListAccounts", at=T0)
    access_mock.record_access("arn:aws:iam::111122223333:root", "s3", at=T0 - timedelta(days=1))

    found = access_mock.last_access(ROOT)
    assert found is not None and found.when == T0
    other = access_mock.last_access("arn:aws:iam::111122223333:root", "s3")
    assert other is not None and other.when == T0 - timedelta(days=1)
    assert access_mock.last_access("arn:aws:iam::111122223333:root", "organizations") is None


def test_last_access_without_action_is_the_latest_of_any_service(
    access_mock: AccessMock, iam: Any
) -> None:
    assert access_mock.last_access(ALICE) is None
    access_mock.record_access(ALICE, "s3", at=T0)
    access_mock.record_access(ALICE, "ec2", at=T0 + timedelta(minutes=5), region="us-west-2")
    access_mock.record_access(ALICE, "iam", at=T0 - timedelta(minutes=5))
    assert access_mock.last_access(ALICE) == ((T0 + timedelta(minutes=5)).timestamp(), "us-west-2")


def test_activity_follows_a_renamed_user_and_not_a_recreated_one(
    access_mock: AccessMock, iam: Any
) -> None:
    access_mock.record_access(ALICE, "s3", at=T0)
    iam.update_user(UserName="alice", NewUserName="alicia")
    assert access_mock.last_access(f"arn:aws:iam::{ACCOUNT}:user/alicia", "s3") is not None

    iam.delete_user(UserName="alicia")
    iam.create_user(UserName="alicia")
    assert access_mock.last_access(f"arn:aws:iam::{ACCOUNT}:user/alicia", "s3") is None


def test_calls_under_the_mock_and_record_access_feed_the_same_index(
    access_mock: AccessMock, iam: Any
) -> None:
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    as_alice = boto3.client(
        "iam", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )
    access_mock.clock.set(T0)
    as_alice.get_user()
    # An older recorded access does not hide the call; a newer one is seen next to it.
    access_mock.record_access(ALICE, "iam:GetUser", at=T0 - timedelta(days=1))
    access_mock.clock.advance(timedelta(seconds=30))
    access_mock.record_access(ALICE, "iam:ListRoles", at=T0 + timedelta(seconds=30))

    get_user = access_mock.last_access(ALICE, "iam:GetUser")
    assert get_user is not None and get_user.when == T0
    service = access_mock.last_access(ALICE, "iam")
    assert service is not None and service.when == T0 + timedelta(seconds=30)
    used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
    assert used["LastUsedDate"] == _wire(T0) and used["ServiceName"] == "iam"


def test_reset_forgets_activity(access_mock: AccessMock, iam: Any) -> None:
    access_mock.record_access(ALICE, "s3", at=T0)
    access_mock.reset()
    assert access_mock.last_access(ROOT) is None
    with pytest.raises(UnknownPrincipalError):
        access_mock.last_access(ALICE)


# ---- record_access errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arn", "message"),
    [
        (f"arn:aws:iam::{ACCOUNT}:user/bob", "no IAM user named 'bob' in account 123456789012"),
        (
            f"arn:aws:iam::{ACCOUNT}:role/worker",
            "no IAM role named 'worker' in account 123456789012",
        ),
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/worker/s1", "no IAM role named 'worker'"),
        (
            "arn:aws:iam::111122223333:user/alice",
            "no IAM user named 'alice' in account 111122223333",
        ),
        (f"arn:aws-cn:iam::{ACCOUNT}:user/alice", "the mock serves the 'aws' partition only"),
    ],
)
def test_unknown_principals_raise(
    access_mock: AccessMock, iam: Any, arn: str, message: str
) -> None:
    with pytest.raises(UnknownPrincipalError, match=message):
        access_mock.record_access(arn, "s3", at=T0)
    assert isinstance(UnknownPrincipalError("x"), ValueError)


@pytest.mark.parametrize(
    "arn",
    [
        "alice",
        f"arn:aws:iam::{ACCOUNT}:group/admins",
        f"arn:aws:iam::{ACCOUNT}:policy/p",
        f"arn:aws:iam::{ACCOUNT}:user/",
        f"arn:aws:iam::{ACCOUNT}:user",
        f"arn:aws:sts::{ACCOUNT}:federated-user/bob",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/app",
        f"arn:aws:iam::{ACCOUNT}:role/app/",
        "arn:aws:iam::12345:user/alice",
        f"arn:aws:s3::{ACCOUNT}:user/alice",
        f"arn:aws:iam::{ACCOUNT}:user/al ice",
    ],
)
def test_malformed_principal_arns_raise(access_mock: AccessMock, iam: Any, arn: str) -> None:
    with pytest.raises(MockConfigurationError) as error:
        access_mock.record_access(arn, "s3", at=T0)
    assert not isinstance(error.value, UnknownPrincipalError)
    assert repr(arn) in str(error.value) or "invalid" in str(error.value)


@pytest.mark.parametrize(
    "action", ["", "s3:", ":GetObject", "s3:Get*", "s3:Get:Object", "s 3", "s3:Get Object"]
)
def test_malformed_actions_raise(access_mock: AccessMock, iam: Any, action: str) -> None:
    with pytest.raises(
        ValueError,
        match=r"action must be 'service:Action' .* got " + repr(action).replace("*", r"\*"),
    ):
        access_mock.record_access(ALICE, action, at=T0)
    assert access_mock.last_access(ALICE) is None


@pytest.mark.parametrize("action", ["s3x:GetObject", "notaservice"])
def test_unknown_service_namespaces_raise(access_mock: AccessMock, iam: Any, action: str) -> None:
    with pytest.raises(ValueError, match="unknown service namespace"):
        access_mock.record_access(ALICE, action, at=T0)
    assert access_mock.last_access(ALICE) is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"principal_arn": 12, "action": "s3"}, "principal_arn must be a str, got int"),
        ({"principal_arn": ALICE, "action": None}, "action must be a str, got NoneType"),
        (
            {"principal_arn": ALICE, "action": "s3", "at": "2026-09-11"},
            "at must be a datetime or None, got str",
        ),
        (
            {"principal_arn": ALICE, "action": "s3", "at": date(2026, 9, 11)},
            "at must be a datetime or None, got date",
        ),
        (
            {"principal_arn": ALICE, "action": "s3", "at": 1789140379},
            "at must be a datetime or None, got int",
        ),
        (
            {"principal_arn": ALICE, "action": "s3", "region": None},
            "region must be a str, got NoneType",
        ),
    ],
)
def test_wrong_types_raise_type_error(
    access_mock: AccessMock, iam: Any, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        access_mock.record_access(**kwargs)
    assert access_mock.last_access(ALICE) is None


@pytest.mark.parametrize("region", ["", "us-east", "US-EAST-1", "useast1", "us-east-1 "])
def test_malformed_regions_raise(access_mock: AccessMock, iam: Any, region: str) -> None:
    with pytest.raises(ValueError, match="region must be a code like 'us-east-1'"):
        access_mock.record_access(ALICE, "s3", at=T0, region=region)
    assert access_mock.last_access(ALICE) is None


def test_last_access_errors(access_mock: AccessMock, iam: Any) -> None:
    with pytest.raises(UnknownPrincipalError):
        access_mock.last_access(f"arn:aws:iam::{ACCOUNT}:user/bob")
    with pytest.raises(ValueError, match="action must be"):
        access_mock.last_access(ALICE, "s3:*")
    with pytest.raises(TypeError, match="action must be a str or None, got int"):
        access_mock.last_access(ALICE, 3)  # type: ignore[arg-type]


# ---- record_accesses (bulk) ----------------------------------------------------------------------------


def test_bulk_accepts_tuples_lists_named_tuples_and_dicts(
    access_mock: AccessMock, iam: Any
) -> None:
    Access = namedtuple("Access", "principal_arn action at region")
    access_mock.clock.set(T0)
    count = access_mock.record_accesses(
        [
            (ALICE, "s3:GetObject"),  # at: clock now; region: us-east-1
            (ALICE, "ec2", T0 - timedelta(days=3)),
            [APP_SESSION, "lambda:InvokeFunction", T0 - timedelta(hours=1), "eu-west-1"],
            Access(ROOT, "s3", T0 - timedelta(days=1), "us-west-2"),
            {"principal_arn": APP_ROLE, "action": "sqs:SendMessage", "region": "ap-south-1"},
            {"principal_arn": ALICE, "action": "iam", "at": None, "region": None},
        ]
    )
    assert count == 6
    assert access_mock.last_access(ALICE, "s3:GetObject") == (T0.timestamp(), "us-east-1")
    assert access_mock.last_access(ALICE, "ec2") == (
        (T0 - timedelta(days=3)).timestamp(),
        "us-east-1",
    )
    assert access_mock.last_access(APP_ROLE, "lambda:InvokeFunction") == (
        (T0 - timedelta(hours=1)).timestamp(),
        "eu-west-1",
    )
    assert access_mock.last_access(ROOT, "s3") == (
        (T0 - timedelta(days=1)).timestamp(),
        "us-west-2",
    )
    assert access_mock.last_access(APP_ROLE, "sqs") == (T0.timestamp(), "ap-south-1")
    assert access_mock.last_access(ALICE, "iam") == (T0.timestamp(), "us-east-1")


def test_bulk_takes_generators_and_keeps_the_latest(access_mock: AccessMock, iam: Any) -> None:
    accesses = ((ALICE, "s3:GetObject", T0 - timedelta(minutes=m), "us-west-2") for m in range(100))
    assert access_mock.record_accesses(accesses) == 100
    assert access_mock.last_access(ALICE, "s3:GetObject") == (T0.timestamp(), "us-west-2")
    assert access_mock.record_accesses([]) == 0


def test_bulk_resolves_each_distinct_principal_once(
    access_mock: AccessMock, iam: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[str] = []
    original_user, original_role = IamStore.user, IamStore.role

    def user(self: IamStore, name: str) -> Any:
        looked_up.append(name)
        return original_user(self, name)

    def role(self: IamStore, name: str) -> Any:
        looked_up.append(name)
        return original_role(self, name)

    monkeypatch.setattr(IamStore, "user", user)
    monkeypatch.setattr(IamStore, "role", role)
    accesses = [(ALICE, "s3", T0), (APP_SESSION, "s3", T0), (APP_ROLE, "ec2", T0)] * 1000
    assert access_mock.record_accesses(accesses) == 3000
    # The session ARN and the role ARN are two distinct principal strings naming one role.
    assert sorted(looked_up) == ["alice", "app", "app"]


@pytest.mark.parametrize(
    ("item", "error", "message"),
    [
        (
            (ALICE,),
            TypeError,
            r"item 1: expected \(principal_arn, action\[, at\[, region\]\]\), got 1 values",
        ),
        ((ALICE, "s3", T0, "us-east-1", "x"), TypeError, "item 1: expected .* got 5 values"),
        (
            "arn:aws:iam::123456789012:root",
            TypeError,
            "item 1: expected a tuple or a dict, got str",
        ),
        ({"principal_arn": ALICE}, TypeError, "item 1: missing key 'action'"),
        (
            {"principal_arn": ALICE, "action": "s3", "when": T0},
            TypeError,
            r"item 1: unexpected keys \['when'\]",
        ),
        ((f"arn:aws:iam::{ACCOUNT}:user/bob", "s3"), ValueError, "item 1: no IAM user named 'bob'"),
        ((ALICE, "s3:*"), ValueError, "item 1: action must be"),
        ((ALICE, "s3", "yesterday"), TypeError, "item 1: at must be a datetime or None, got str"),
        ((ALICE, "s3", T0, "mars-1"), ValueError, "item 1: region must be a code like 'us-east-1'"),
        ((ALICE, "s3", T0, 5), TypeError, "item 1: region must be a str, got int"),
    ],
)
def test_bulk_bad_item_raises_naming_it_and_keeps_the_items_before(
    access_mock: AccessMock, iam: Any, item: Any, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        access_mock.record_accesses([(ALICE, "ec2:RunInstances", T0), item, (ALICE, "sqs", T0)])
    assert access_mock.last_access(ALICE, "ec2:RunInstances") is not None
    assert access_mock.last_access(ALICE, "sqs") is None


@pytest.mark.parametrize(
    "accesses", [5, None, "arn:aws:iam::123456789012:root", b"x", {"principal_arn": ALICE}]
)
def test_bulk_needs_an_iterable_of_items(access_mock: AccessMock, accesses: Any) -> None:
    with pytest.raises(TypeError, match="accesses must be an iterable of"):
        access_mock.record_accesses(accesses)


def test_recording_from_many_threads_loses_nothing(access_mock: AccessMock, iam: Any) -> None:
    users = [f"u{i}" for i in range(8)]
    for name in users:
        iam.create_user(UserName=name)

    def work(name: str) -> None:
        arn = f"arn:aws:iam::{ACCOUNT}:user/{name}"
        for minute in range(200):
            access_mock.record_access(arn, "s3:GetObject", at=T0 + timedelta(minutes=minute))
        access_mock.record_accesses((arn, "ec2", T0 - timedelta(minutes=m)) for m in range(200))

    threads = [threading.Thread(target=work, args=(name,)) for name in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name in users:
        arn = f"arn:aws:iam::{ACCOUNT}:user/{name}"
        assert access_mock.last_access(arn, "s3:GetObject") == (
            (T0 + timedelta(minutes=199)).timestamp(),
            "us-east-1",
        )
        assert access_mock.last_access(arn, "ec2") == (T0.timestamp(), "us-east-1")


# ---- the index itself (what reports read) --------------------------------------------------------------


def test_index_reads_for_reports(access_mock: AccessMock, iam: Any) -> None:
    alice_id = _user_id(iam, "alice")
    access_mock.record_access(ALICE, "s3:GetObject", at=T0, region="eu-west-1")
    access_mock.record_access(ALICE, "s3:listbucket", at=T0 - timedelta(days=1))
    access_mock.record_access(ALICE, "ec2:DescribeInstances", at=T0 - timedelta(days=2))
    index = access_mock.world.activity

    assert set(index.services_of(ACCOUNT, alice_id)) == {"s3", "ec2"}
    assert index.services_of(ACCOUNT, alice_id)["s3"].when == T0
    # Stored in the catalogue's casing, whatever the spelling recorded.
    assert sorted(index.actions_of(ACCOUNT, alice_id)) == [
        "ec2:DescribeInstances",
        "s3:GetObject",
        "s3:ListBucket",
    ]
    assert sorted(index.actions_of(ACCOUNT, alice_id, "S3")) == ["s3:GetObject", "s3:ListBucket"]
    seen = index.action_access(ACCOUNT, alice_id, "s3:ListBucket")
    assert seen is not None and seen.when == T0 - timedelta(days=1) and seen.region == "us-east-1"
    assert index.service_access(ACCOUNT, "AIDANOBODY", "s3") is None
    assert index.last_any(ACCOUNT, "AIDANOBODY") is None
    assert index.services_of(ACCOUNT, "AIDANOBODY") == {}


def _wire(when: datetime) -> datetime:
    """``when`` as IAM's XML timestamps carry it: milliseconds."""
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


def _user_id(iam: Any, name: str) -> str:
    return iam.get_user(UserName=name)["User"]["UserId"]
