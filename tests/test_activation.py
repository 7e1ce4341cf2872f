"""The activation contract: decorator, context manager, start/stop, nesting, environment."""

from __future__ import annotations

import asyncio
import inspect
import io
import os
import sys
import unittest
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError

from iam_access_mock import AccessMock, MockConfigurationError, mock_access

FAKE_KEY = "AKIAIOSFODNN7EXAMPLE"
UNREACHABLE = "http://127.0.0.1:9"  # the discard port on loopback: connection refused


def is_mocked() -> bool:
    """Whether a call made now is answered by the mock (else loopback refuses the connection)."""
    sts = boto3.client("sts", endpoint_url=UNREACHABLE, config=Config(retries={"max_attempts": 0}))
    try:
        sts.get_caller_identity()
    except EndpointConnectionError:
        return False
    return True


def user_exists(name: str) -> bool:
    try:
        boto3.client("iam").get_user(UserName=name)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "NoSuchEntity"
        return False
    return True


# ---- the decorator forms -----------------------------------------------------------------


@mock_access
def create_and_read_user(name: str) -> str:
    """Create a user and read it back."""
    iam = boto3.client("iam")
    iam.create_user(UserName=name)
    return iam.get_user(UserName=name)["User"]["Arn"]


def test_bare_decorator_serves_boto3_inside_and_deactivates_after() -> None:
    assert create_and_read_user("alice") == "arn:aws:iam::123456789012:user/alice"
    assert not is_mocked()


def test_decorator_with_parentheses() -> None:
    @mock_access()
    def run() -> tuple[bool, str]:
        return is_mocked(), boto3.client("sts").get_caller_identity()["Account"]

    assert run() == (True, "123456789012")
    assert not is_mocked()


def test_decorated_function_keeps_name_doc_and_signature() -> None:
    def original(name: str, *, count: int = 3) -> str:
        """Doc."""
        return name * count

    decorated = mock_access(original)
    assert decorated.__name__ == "original"
    assert decorated.__doc__ == "Doc."
    assert inspect.signature(decorated) == inspect.signature(original)
    assert decorated("ab", count=2) == "abab"


@mock_access
def test_decorated_test_receives_pytest_fixtures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tmp_path.is_dir()
    assert is_mocked()
    boto3.client("iam").create_user(UserName="with-fixtures")
    assert user_exists("with-fixtures")


def test_async_function_stays_a_coroutine_function_and_runs_inside() -> None:
    async def original(name: str) -> tuple[bool, str]:
        await asyncio.sleep(0)
        iam = boto3.client("iam")
        iam.create_user(UserName=name)
        return is_mocked(), iam.get_user(UserName=name)["User"]["UserName"]

    decorated = mock_access(original)
    assert inspect.iscoroutinefunction(decorated)
    assert inspect.signature(decorated) == inspect.signature(original)
    assert asyncio.run(decorated("async-user")) == (True, "async-user")
    assert not is_mocked()


def test_async_decorator_with_parentheses_and_async_with() -> None:
    @mock_access()
    async def decorated() -> str:
        return boto3.client("sts").get_caller_identity()["Account"]

    async def with_block() -> bool:
        async with mock_access(account_id="210987654321") as aws:
            assert isinstance(aws, AccessMock)
            return boto3.client("sts").get_caller_identity()["Account"] == "210987654321"

    assert inspect.iscoroutinefunction(decorated)
    assert asyncio.run(decorated()) == "123456789012"
    assert asyncio.run(with_block())
    assert not is_mocked()


def test_async_function_enters_only_when_awaited() -> None:
    @mock_access
    async def decorated() -> bool:
        return is_mocked()

    coroutine = decorated()
    assert not is_mocked()
    assert asyncio.run(coroutine) is True
    assert not is_mocked()


class Helpers:
    """A mixin whose test method the decorated class inherits."""

    def test_inherited(self) -> bool:
        return is_mocked()


def test_class_decorator_wraps_every_test_method_including_inherited_and_static() -> None:
    @mock_access
    class Suite(Helpers):
        def test_instance(self) -> bool:
            return is_mocked()

        @staticmethod
        def test_static() -> bool:
            return is_mocked()

        @classmethod
        def test_class(cls) -> bool:
            return is_mocked()

        def helper(self) -> bool:
            return is_mocked()

    suite = Suite()
    assert suite.test_instance() is True
    assert suite.test_inherited() is True
    assert Suite.test_static() is True
    assert Suite.test_class() is True
    assert suite.helper() is False  # not a test method: left alone
    assert Helpers().test_inherited() is False  # the base class itself is untouched
    assert not is_mocked()


@mock_access
class TestDecoratedClassCollectedByPytest:
    def test_method_is_inside_the_mock(self) -> None:
        assert is_mocked()

    def test_each_method_gets_a_fresh_world(self) -> None:
        boto3.client("iam").create_user(UserName="per-method")
        assert user_exists("per-method")


def test_unittest_testcase_runs_setup_test_and_teardown_inside_the_mock() -> None:
    seen: list[str] = []

    @mock_access(account_id="210987654321")
    class Case(unittest.TestCase):
        def setUp(self) -> None:
            self.iam = boto3.client("iam")
            self.iam.create_user(UserName="from-setup")

        def tearDown(self) -> None:
            # still inside the mock: the user created in setUp is there
            seen.append(self.iam.get_user(UserName="from-setup")["User"]["Arn"])

        def test_user_from_setup_is_visible(self) -> None:
            self.assertEqual(
                self.iam.get_user(UserName="from-setup")["User"]["UserName"], "from-setup"
            )

        def test_account(self) -> None:
            self.assertEqual(boto3.client("sts").get_caller_identity()["Account"], "210987654321")

    result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(
        unittest.defaultTestLoader.loadTestsFromTestCase(Case)
    )
    assert result.testsRun == 2
    assert result.wasSuccessful(), result.failures + result.errors
    assert seen == ["arn:aws:iam::210987654321:user/from-setup"] * 2
    assert not is_mocked()


def test_unittest_failure_inside_the_mock_is_reported_as_a_failure() -> None:
    @mock_access
    class Case(unittest.TestCase):
        def test_missing_user(self) -> None:
            boto3.client("iam").get_user(UserName="nobody")

    result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(
        unittest.defaultTestLoader.loadTestsFromTestCase(Case)
    )
    assert len(result.errors) == 1
    assert "The user with name nobody cannot be found." in result.errors[0][1]
    assert not is_mocked()


def test_generator_function_is_inside_the_mock_while_it_runs() -> None:
    @mock_access
    def produce() -> Iterator[bool]:
        boto3.client("iam").create_user(UserName="generated")
        yield is_mocked()
        yield user_exists("generated")

    generator = produce()
    assert not is_mocked()  # nothing runs before the first next()
    assert next(generator) is True
    assert is_mocked()  # suspended at a yield: still active, like a yield fixture
    assert list(generator) == [True]
    assert not is_mocked()


@pytest.fixture
@mock_access
def mocked_iam() -> Iterator[Any]:
    iam = boto3.client("iam")
    iam.create_user(UserName="from-fixture")
    yield iam
    # teardown still inside the mock
    iam.delete_user(UserName="from-fixture")


def test_yield_fixture_decorated_with_mock_access(mocked_iam: Any) -> None:
    assert mocked_iam.get_user(UserName="from-fixture")["User"]["UserName"] == "from-fixture"


def test_async_generator_function_is_inside_the_mock_while_it_runs() -> None:
    @mock_access
    async def produce() -> Any:
        yield is_mocked()

    async def consume() -> list[bool]:
        return [item async for item in produce()]

    assert asyncio.run(consume()) == [True]
    assert not is_mocked()


def test_decorating_something_not_callable_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        mock_access()(42)


# ---- context manager and start/stop ------------------------------------------------------


def test_context_manager_gives_the_handle() -> None:
    with mock_access() as aws:
        assert isinstance(aws, AccessMock)
        assert aws.account_id == "123456789012"
        assert is_mocked()
    assert not is_mocked()


def test_start_and_stop() -> None:
    activator = mock_access()
    aws = activator.start()
    try:
        assert isinstance(aws, AccessMock)
        boto3.client("iam").create_user(UserName="started")
        assert user_exists("started")
    finally:
        activator.stop()
    assert not is_mocked()


def test_stop_without_start_raises() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        mock_access().stop()


def test_stop_twice_after_one_start_raises_and_leaves_nothing_active() -> None:
    activator = mock_access()
    activator.start()
    activator.stop()
    with pytest.raises(RuntimeError, match="not started"):
        activator.stop()
    assert not is_mocked()


@pytest.mark.parametrize(
    "bad", ["bad", "12345678901", "1234567890123", "12345678901a", "１２３４５６７８９０１２"]
)
def test_account_id_that_is_not_12_digits_is_a_value_error(bad: str) -> None:
    with pytest.raises(ValueError, match="12 digits") as info:
        mock_access(account_id=bad)
    assert isinstance(info.value, MockConfigurationError)


@pytest.mark.parametrize("bad", [123456789012, b"123456789012"])
def test_account_id_that_is_not_a_string_is_a_type_error(bad: Any) -> None:
    with pytest.raises(TypeError, match="string"):
        mock_access(account_id=bad)


def test_account_id_sets_the_default_account() -> None:
    with mock_access(account_id="210987654321") as aws:
        assert aws.account_id == "210987654321"
        identity = boto3.client("sts").get_caller_identity()
        assert identity["Account"] == "210987654321"
        assert identity["Arn"] == "arn:aws:iam::210987654321:root"
        user = boto3.client("iam").create_user(UserName="bob")["User"]
        assert user["Arn"] == "arn:aws:iam::210987654321:user/bob"


def test_environment_variable_sets_the_default_account(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IAM_ACCESS_MOCK_ACCOUNT_ID", "210987654321")
    with mock_access():
        assert boto3.client("sts").get_caller_identity()["Account"] == "210987654321"
    with mock_access(account_id="111122223333"):  # an explicit argument wins
        assert boto3.client("sts").get_caller_identity()["Account"] == "111122223333"


def test_invalid_environment_account_fails_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IAM_ACCESS_MOCK_ACCOUNT_ID", "not-an-account")
    monkeypatch.setenv("AWS_PROFILE", "kept")
    with pytest.raises(ValueError, match="IAM_ACCESS_MOCK_ACCOUNT_ID"), mock_access():
        pass  # pragma: no cover - never reached
    assert os.environ["AWS_PROFILE"] == "kept"
    monkeypatch.delenv("AWS_PROFILE")
    monkeypatch.delenv("IAM_ACCESS_MOCK_ACCOUNT_ID")
    assert not is_mocked()
    with mock_access():  # nothing half-started is left behind
        assert is_mocked()


# ---- nesting -------------------------------------------------------------------------------


def test_nested_activations_share_one_world() -> None:
    iam = boto3.client("iam")
    with mock_access() as outer:
        iam.create_user(UserName="outer")
        with mock_access() as inner:
            assert inner is outer
            assert inner.world is outer.world
            assert user_exists("outer")
            iam.create_user(UserName="inner")
        assert is_mocked()  # the outer one is still active
        assert user_exists("inner")
    assert not is_mocked()
    with mock_access():
        assert not user_exists("outer")
        assert not user_exists("inner")


def test_decorated_function_called_inside_an_active_mock_shares_its_world() -> None:
    with mock_access():
        create_and_read_user("made-by-decorated")
        assert user_exists("made-by-decorated")
    assert not is_mocked()


def test_nested_activation_with_the_same_account_is_allowed() -> None:
    with mock_access(account_id="210987654321"), mock_access(account_id="210987654321") as inner:
        assert inner.account_id == "210987654321"


def test_nested_activation_asking_for_another_account_is_refused() -> None:
    with mock_access() as outer:
        boto3.client("iam").create_user(UserName="survivor")
        with (
            pytest.raises(MockConfigurationError, match="210987654321"),
            mock_access(account_id="210987654321"),
        ):
            pass  # pragma: no cover - never reached
        assert active_world_unchanged(outer, "survivor")
    assert not is_mocked()


def active_world_unchanged(handle: AccessMock, user: str) -> bool:
    return is_mocked() and user_exists(user) and handle.account_id == "123456789012"


def test_activations_one_after_another_never_share_state() -> None:
    iam = boto3.client("iam")
    with mock_access() as first:
        iam.create_user(UserName="first")
        first_world = first.world
    with mock_access() as second:
        assert second.world is not first_world
        assert not user_exists("first")
        assert iam.list_users()["Users"] == []


# ---- exceptions ----------------------------------------------------------------------------


class Boom(Exception):
    pass


def test_exception_inside_the_block_propagates_unchanged_and_deactivates() -> None:
    error = Boom("raised inside")
    with pytest.raises(Boom) as info, mock_access():
        raise error
    assert info.value is error
    assert not is_mocked()


def test_client_error_inside_nested_blocks_propagates_and_deactivates_all() -> None:
    with pytest.raises(ClientError) as info, mock_access(), mock_access():
        boto3.client("iam").get_user(UserName="missing")
    assert info.value.response["Error"]["Code"] == "NoSuchEntity"
    assert info.value.response["Error"]["Message"] == "The user with name missing cannot be found."
    assert not is_mocked()


def test_exception_from_a_decorated_function_propagates_and_deactivates() -> None:
    error = Boom("from decorated")

    @mock_access
    def fails() -> None:
        raise error

    @mock_access
    async def fails_async() -> None:
        raise error

    with pytest.raises(Boom) as info:
        fails()
    assert info.value is error
    with pytest.raises(Boom) as info:
        asyncio.run(fails_async())
    assert info.value is error
    assert not is_mocked()


def test_keyboard_interrupt_is_not_swallowed() -> None:
    with pytest.raises(KeyboardInterrupt), mock_access():
        raise KeyboardInterrupt
    assert not is_mocked()


# ---- environment ---------------------------------------------------------------------------


def test_fake_credentials_and_region_while_active_restored_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = {
        "AWS_ACCESS_KEY_ID": "AKIAREALLOOKINGKEY01",
        "AWS_SECRET_ACCESS_KEY": "real-looking-secret",
        "AWS_SESSION_TOKEN": "real-looking-token",
        "AWS_SECURITY_TOKEN": "legacy-token",
        "AWS_PROFILE": "does-not-exist-anywhere",
        "AWS_DEFAULT_PROFILE": "also-missing",
    }
    for name, value in original.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    before = dict(os.environ)

    with mock_access():
        assert os.environ["AWS_ACCESS_KEY_ID"] == FAKE_KEY
        assert os.environ["AWS_SECRET_ACCESS_KEY"] != "real-looking-secret"
        for name in (
            "AWS_SESSION_TOKEN",
            "AWS_SECURITY_TOKEN",
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
        ):
            assert name not in os.environ
        assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
        # a fresh session works although AWS_PROFILE named a profile that does not exist
        session = boto3.Session()
        credentials = session.get_credentials()
        assert credentials.access_key == FAKE_KEY
        assert credentials.token is None
        assert session.region_name == "us-east-1"

    assert dict(os.environ) == before


def test_a_region_the_user_set_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_access():
        assert boto3.Session().region_name == "eu-west-1"
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", "ap-south-1")  # read by other SDKs, not by botocore
    with mock_access():
        assert boto3.Session().region_name == "ap-south-1"
    assert "AWS_DEFAULT_REGION" not in os.environ
    monkeypatch.delenv("AWS_REGION")
    with mock_access():
        assert boto3.Session().region_name == "us-east-1"
    assert "AWS_DEFAULT_REGION" not in os.environ


def test_real_credentials_are_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "credential_process_ran"
    credentials_file = tmp_path / "credentials"
    credentials_file.write_text(
        "[default]\naws_access_key_id = AKIAFROMTHEFILE00000\naws_secret_access_key = file-secret\n"
    )
    config_file = tmp_path / "config"
    process = f"{sys.executable} -c \"open({str(marker)!r}, 'w').close()\""
    config_file.write_text(f"[profile from-process]\ncredential_process = {process}\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials_file))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config_file))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    # outside the mock the file is where credentials come from
    assert boto3.Session().get_credentials().access_key == "AKIAFROMTHEFILE00000"

    monkeypatch.setenv("AWS_PROFILE", "from-process")
    with mock_access():
        assert boto3.Session().get_credentials().access_key == FAKE_KEY
        identity = boto3.client("sts").get_caller_identity()
        assert identity["Arn"] == "arn:aws:iam::123456789012:root"
    assert not marker.exists()
    assert os.environ["AWS_PROFILE"] == "from-process"
    assert "AWS_ACCESS_KEY_ID" not in os.environ


# ---- reset ---------------------------------------------------------------------------------


def test_reset_wipes_all_state() -> None:
    iam = boto3.client("iam")
    with mock_access() as aws:
        for name in ("one", "two"):
            iam.create_user(UserName=name)
        world = aws.world
        aws.reset()
        assert aws.world is world
        assert iam.list_users()["Users"] == []
        assert not user_exists("one")
        iam.create_user(UserName="one")  # the name is free again
        assert [u["UserName"] for u in iam.list_users()["Users"]] == ["one"]
