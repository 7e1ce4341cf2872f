"""Nothing under the mock opens a network connection or resolves a host name."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.utils import InstanceMetadataFetcher

from iam_access_mock import mock_access

NO_RETRIES = Config(retries={"max_attempts": 0})


class NetworkGuard:
    """Records every attempt to connect or resolve, and refuses it."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def refuse(self, what: str) -> Any:
        def refused(*args: Any, **kwargs: Any) -> Any:
            self.attempts.append(f"{what}{args[1:] if what.startswith('socket.') else args}")
            raise ConnectionRefusedError(f"network disabled in this test: {what}")

        return refused


@pytest.fixture
def network_guard(monkeypatch: pytest.MonkeyPatch) -> NetworkGuard:
    guard = NetworkGuard()
    monkeypatch.setattr(socket.socket, "connect", guard.refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", guard.refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", guard.refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", guard.refuse("getaddrinfo"))
    return guard


def test_the_guard_sees_botocore_connect(network_guard: NetworkGuard) -> None:
    """Control: outside the mock botocore does try to connect, and the guard catches it."""
    sts = boto3.client("sts", endpoint_url="http://127.0.0.1:9", config=NO_RETRIES)
    with pytest.raises(EndpointConnectionError):
        sts.get_caller_identity()
    assert network_guard.attempts


def _call(client: Any, operation: str, **kwargs: Any) -> Any:
    """Make a call; a service error is an answer too (the service may not be served yet)."""
    try:
        return getattr(client, operation)(**kwargs)
    except ClientError as error:
        return error.response


def test_representative_workload_makes_no_connection(
    network_guard: NetworkGuard, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No credentials anywhere and instance metadata left enabled: only the mock's
    # environment keeps botocore from asking the metadata service for credentials.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED", raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    early = boto3.client("iam", config=NO_RETRIES)  # created before activation, no credentials

    with mock_access():
        session = boto3.Session()
        assert session.get_credentials().access_key == "AKIAIOSFODNN7EXAMPLE"
        iam = session.client("iam")
        sts = session.client("sts")
        user = iam.create_user(UserName="worker")["User"]
        keys = iam.create_access_key(UserName="worker")["AccessKey"]
        as_user = boto3.Session(
            aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"]
        )
        assert as_user.client("sts").get_caller_identity()["Arn"] == user["Arn"]
        assert [u["UserName"] for u in early.list_users()["Users"]] == ["worker"]
        assert sts.get_caller_identity()["Account"] == "123456789012"
        job = _call(iam, "generate_service_last_accessed_details", Arn=user["Arn"])
        if "JobId" in job:
            _call(iam, "get_service_last_accessed_details", JobId=job["JobId"])
        _call(session.client("s3"), "list_buckets")
        _call(session.client("s3"), "put_object", Bucket="b", Key="k", Body=b"data")
        _call(session.client("organizations"), "describe_organization")
        _call(session.client("organizations"), "list_accounts")
        _call(session.client("accessanalyzer"), "list_analyzers")
        _call(session.client("accessanalyzer"), "list_policy_generations")
        _call(session.client("ec2", region_name="eu-west-1"), "describe_regions")
        # botocore's own metadata client is refused before it reaches a socket
        assert InstanceMetadataFetcher(num_attempts=1).retrieve_iam_role_credentials() == {}

    assert network_guard.attempts == []
