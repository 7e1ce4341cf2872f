"""A user's test file, written as under ``mypy --strict``: every public form of the mock.

pytest runs it like any test module, and tests/test_typing.py runs ``mypy --strict`` on it:
each ``assert_type`` fails the type check if a public type regresses (to ``Any``, say), and
each assertion fails the run if the behaviour does.
"""

from __future__ import annotations

import asyncio
import unittest
from collections.abc import AsyncIterator, Coroutine, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import boto3
import pytest

from iam_access_mock import (
    AccessMock,
    Activation,
    Clock,
    CloudTrailFileError,
    CloudTrailLoad,
    JobControls,
    LastAccess,
    MockConfigurationError,
    mock_access,
)

if TYPE_CHECKING:
    from typing_extensions import assert_type  # typing has it from Python 3.11 only
else:

    def assert_type(value: object, expected: object) -> object:
        return value


ACCOUNT = "123456789012"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def create_alice() -> str:
    arn: str = boto3.client("iam").create_user(UserName="alice")["User"]["Arn"]
    return arn


# ---- the decorator keeps the decorated callable's type -------------------------------------------


@mock_access
def arn_of_new_user(name: str, *, path: str = "/") -> str:
    user = boto3.client("iam").create_user(UserName=name, Path=path)["User"]
    return str(user["Arn"])


@mock_access(account_id="210987654321")
def account_of_caller() -> str:
    return str(boto3.client("sts").get_caller_identity()["Account"])


@mock_access
async def user_count(names: list[str]) -> int:
    iam = boto3.client("iam")
    for name in names:
        iam.create_user(UserName=name)
    return len(iam.list_users()["Users"])


@mock_access
def user_names(count: int) -> Iterator[str]:
    iam = boto3.client("iam")
    for index in range(count):
        yield str(iam.create_user(UserName=f"u{index}")["User"]["UserName"])


@mock_access
async def async_user_names(count: int) -> AsyncIterator[str]:
    iam = boto3.client("iam")
    for index in range(count):
        yield str(iam.create_user(UserName=f"a{index}")["User"]["UserName"])


def test_decorated_functions_keep_their_signatures() -> None:
    assert_type(arn_of_new_user("bob"), str)
    assert arn_of_new_user("bob", path="/team/") == f"arn:aws:iam::{ACCOUNT}:user/team/bob"
    assert_type(account_of_caller(), str)
    assert account_of_caller() == "210987654321"


def test_decorated_coroutine_and_generators_keep_their_types() -> None:
    coroutine = user_count(["a", "b"])
    _ = assert_type(coroutine, Coroutine[Any, Any, int])  # kept: an unused coroutine is an error
    assert asyncio.run(coroutine) == 2
    assert_type(user_names(2), Iterator[str])
    assert list(user_names(2)) == ["u0", "u1"]
    assert_type(async_user_names(1), AsyncIterator[str])

    async def collect() -> list[str]:
        return [name async for name in async_user_names(2)]

    assert asyncio.run(collect()) == ["a0", "a1"]


def test_calling_mock_access_on_a_function_returns_that_function_type() -> None:
    def plain(x: int) -> str:
        return str(x)

    decorated = mock_access(plain, account_id="210987654321")
    assert_type(decorated(3), str)
    assert decorated(3) == "3"


# ---- classes ------------------------------------------------------------------------------------------


@mock_access
class TestDecoratedClass:
    def test_every_test_method_is_inside_the_mock(self) -> None:
        assert create_alice() == ALICE


@mock_access
class DecoratedTestCase(unittest.TestCase):
    def setUp(self) -> None:
        self.arn = create_alice()

    def test_set_up_ran_inside_the_mock(self) -> None:
        self.assertEqual(self.arn, ALICE)


class StartedInSetUpClass(unittest.TestCase):
    activation: ClassVar[Activation]
    aws: ClassVar[AccessMock]

    @classmethod
    def setUpClass(cls) -> None:
        cls.activation = mock_access()
        cls.aws = cls.activation.start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.activation.stop()

    def test_the_handle_is_typed(self) -> None:
        assert_type(self.aws, AccessMock)
        self.assertEqual(self.aws.account_id, ACCOUNT)


def test_a_decorated_class_keeps_its_type() -> None:
    assert_type(TestDecoratedClass(), TestDecoratedClass)
    assert_type(mock_access(DecoratedTestCase), type[DecoratedTestCase])


# ---- context managers, start/stop and the handle's types --------------------------------------------


def test_context_manager_and_handle_types(tmp_path: Path) -> None:
    with mock_access() as aws:
        assert_type(aws, AccessMock)
        clock = aws.clock
        assert_type(clock, Clock)
        clock.set(T0)
        jobs = aws.jobs
        assert_type(jobs, JobControls)
        jobs.complete_after(polls=1)

        create_alice()
        aws.record_access(ALICE, "s3:GetObject", at=T0 - timedelta(hours=1), region="eu-west-1")
        recorded = aws.record_accesses([(ALICE, "ec2", T0), (ALICE, "iam:GetUser", None, None)])
        assert_type(recorded, int)
        assert recorded == 2

        found = aws.last_access(ALICE, "s3")
        assert_type(found, LastAccess | None)
        assert found is not None
        assert_type(found.when, datetime)
        assert_type(found.region, str)
        assert (found.when, found.region) == (T0 - timedelta(hours=1), "eu-west-1")

        loaded = aws.load_cloudtrail({"Records": []})
        assert_type(loaded, CloudTrailLoad)
        assert (loaded, loaded.malformed, loaded.files) == (0, 0, 0)

        broken = tmp_path / "broken.json"
        broken.write_text("{")
        with pytest.raises(CloudTrailFileError) as error:
            aws.load_cloudtrail(broken)
        assert_type(error.value.path, str)
        with pytest.raises(MockConfigurationError):
            aws.record_access(ALICE, "s3:GetObjet")


def test_start_and_stop() -> None:
    activation = mock_access(account_id="111122223333")
    assert_type(activation, Activation)
    aws = activation.start()
    try:
        assert_type(aws, AccessMock)
        assert aws.account_id == "111122223333"
    finally:
        activation.stop()


def test_async_context_manager() -> None:
    async def run() -> str:
        async with mock_access() as aws:
            assert_type(aws, AccessMock)
            return aws.account_id

    assert asyncio.run(run()) == ACCOUNT


# ---- the pytest plugin's fixture ------------------------------------------------------------------------


def test_access_mock_fixture(access_mock: AccessMock) -> None:
    access_mock.clock.set(T0)
    create_alice()
    access_mock.record_access(ALICE, "sts")
    assert access_mock.last_access(ALICE) == (T0.timestamp(), "us-east-1")
