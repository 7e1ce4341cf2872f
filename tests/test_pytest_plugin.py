"""The ``access_mock`` fixture, loaded through the ``pytest11`` entry point with no import."""

from __future__ import annotations

import os
from importlib import metadata

import pytest

pytest_plugins = ["pytester"]


def test_plugin_is_registered_as_a_pytest11_entry_point() -> None:
    entry_points = metadata.entry_points(group="pytest11")
    assert {(e.name, e.value) for e in entry_points} >= {
        ("iam_access_mock", "iam_access_mock.pytest_plugin")
    }


def test_fixture_is_available_without_an_import(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import boto3
        import pytest
        from botocore.exceptions import ClientError

        def test_serves_boto3(access_mock):
            assert type(access_mock).__name__ == "AccessMock"
            assert access_mock.account_id == "123456789012"
            iam = boto3.client("iam")
            iam.create_user(UserName="alice")
            assert iam.get_user(UserName="alice")["User"]["Arn"] == "arn:aws:iam::123456789012:user/alice"
            assert boto3.client("sts").get_caller_identity()["Account"] == "123456789012"

        def test_state_does_not_leak_between_tests(access_mock):
            with pytest.raises(ClientError) as info:
                boto3.client("iam").get_user(UserName="alice")
            assert info.value.response["Error"]["Code"] == "NoSuchEntity"

        def test_reset_through_the_fixture(access_mock):
            iam = boto3.client("iam")
            iam.create_user(UserName="bob")
            access_mock.reset()
            assert iam.list_users()["Users"] == []
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_fixture_is_listed_by_pytest_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest("--fixtures")
    result.stdout.fnmatch_lines(["access_mock*", "*An active ``mock_access()``*"])


def test_fixture_honours_the_account_environment_variable(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(
        """
        import boto3

        def test_account(access_mock):
            assert access_mock.account_id == "210987654321"
            assert boto3.client("sts").get_caller_identity()["Account"] == "210987654321"
        """
    )
    monkeypatch.setenv("IAM_ACCESS_MOCK_ACCOUNT_ID", "210987654321")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_environment_is_restored_whatever_the_fixture_order(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_PROFILE", "outer-profile")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAOUTERKEY00000000")
    before = aws_environment()
    pytester.makepyfile(
        """
        import os

        FAKE_KEY = "AKIAIOSFODNN7EXAMPLE"

        def test_monkeypatch_first(monkeypatch, access_mock):
            assert os.environ["AWS_ACCESS_KEY_ID"] == FAKE_KEY
            assert "AWS_PROFILE" not in os.environ
            monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
            monkeypatch.setenv("AWS_PROFILE", "set-by-the-test")

        def test_fixture_first(access_mock, monkeypatch):
            assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
            monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
            monkeypatch.delenv("AWS_ACCESS_KEY_ID")

        def test_after(request):
            assert "AWS_DEFAULT_REGION" not in os.environ
            assert os.environ["AWS_PROFILE"] == "outer-profile"
            assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAOUTERKEY00000000"
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=3)
    assert aws_environment() == before


def aws_environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name.startswith("AWS_")}
