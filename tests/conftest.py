"""Shared test set-up: every test runs with fake credentials and a region, offline; the
``iam`` and ``raw_iam`` clients serve the modules that do not define their own."""

import json
import socket
from typing import Any

import boto3
import pytest
from support import NOW, raw_client

from iam_access_mock import AccessMock


@pytest.fixture(autouse=True)
def _fake_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reaches the network: connects and lookups fail at once with an OSError
    (botocore reports EndpointConnectionError), so an unintercepted request never reaches AWS."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionRefusedError("network disabled in tests (see tests/conftest.py)")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture
def iam(access_mock: AccessMock) -> Any:
    """An IAM client under the mock, with the clock pinned to ``support.NOW``; a module that
    needs other set-up defines its own ``iam``, which overrides this one."""
    access_mock.clock.set(NOW)
    return boto3.client("iam")


@pytest.fixture
def raw_iam(access_mock: AccessMock) -> Any:
    """An IAM client under the mock that sends what botocore would refuse client-side."""
    return raw_client("iam")


@pytest.fixture
def aws_cli(
    access_mock: AccessMock,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    capsys: pytest.CaptureFixture[str],
) -> Any:
    """Run one AWS CLI v1 command in process (``aws_cli("iam", "list-users")``) and return its
    parsed JSON output; the command must succeed."""
    clidriver = pytest.importorskip("awscli.clidriver")
    monkeypatch.setenv("AWS_DEFAULT_OUTPUT", "json")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))

    def run(*arguments: str) -> Any:
        capsys.readouterr()
        code = clidriver.create_clidriver().main(list(arguments))
        captured = capsys.readouterr()
        assert code == 0, captured.err
        return json.loads(captured.out)

    return run
