"""Real clients in other processes against server mode: a Python child inside
``mock_access(server=True)``, the ``iam-access-mock serve`` console script, the AWS CLI v2
and the AWS SDK for JavaScript v3. Every child runs with the loopback guard inside it
(sitecustomize for Python, ``--require`` for node), so each test also proves that its child
contacted nothing but loopback."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from server_support import (
    ChildGuard,
    Contacts,
    client,
    control,
    loopback_guard_fixture,  # noqa: F401 - the module's loopback_guard fixture
)
from support import allow

from iam_access_mock import AccessMock, mock_access

ALICE = "arn:aws:iam::123456789012:user/alice"
PINNED = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)
AWS_CLI_V2 = Path("/usr/bin/aws")  # Debian's awscli; the test venv's `aws` is the v1 from pip
NODE_DIR = Path(os.environ.get("IAM_ACCESS_MOCK_NODE_DIR", "/tmp/iam-access-mock-node"))


@pytest.fixture(autouse=True)
def _no_network(loopback_guard: Contacts) -> None:
    """Replaces conftest's guard: loopback only, recorded for the whole module."""


@pytest.fixture
def guard(tmp_path: Path) -> ChildGuard:
    return ChildGuard(tmp_path)


def _alice_with_s3_activity(aws: AccessMock) -> None:
    """alice may use S3 and used it at PINNED, in eu-west-1 (set up in the test process)."""
    iam = boto3.client("iam")
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="s3", PolicyDocument=allow("s3:GetObject"))
    aws.clock.set(PINNED)
    aws.record_access(ALICE, "s3:GetObject", region="eu-west-1")


CHILD = textwrap.dedent(
    """
    import json, boto3
    iam = boto3.client("iam")
    users = sorted(user["UserName"] for user in iam.list_users()["Users"])
    try:
        boto3.client("s3").list_buckets()
    except Exception as error:
        unserved = error.response["Error"]["Code"]
    print(json.dumps({"users": users, "endpoint": iam.meta.endpoint_url, "s3": unserved}))
    """
)


def test_a_child_process_shares_the_world(guard: ChildGuard) -> None:
    with mock_access(server=True) as aws:
        assert aws.endpoint_url is not None
        assert os.environ["AWS_ENDPOINT_URL"] == aws.endpoint_url
        iam = boto3.client("iam")
        assert iam.meta.endpoint_url == "https://iam.amazonaws.com"  # in process: direct
        _alice_with_s3_activity(aws)
        key = iam.create_access_key(UserName="alice")["AccessKey"]
        aws.clock.set(datetime(2026, 11, 3, 8, 30, tzinfo=timezone.utc))
        child = subprocess.run(
            [sys.executable, "-c", CHILD], check=False, capture_output=True, text=True, timeout=60,
            env=guard.environ(AWS_ACCESS_KEY_ID=key["AccessKeyId"],
                              AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"]),
        )
        assert child.returncode == 0, child.stderr
        assert json.loads(child.stdout) == {
            "users": ["alice"], "endpoint": aws.endpoint_url, "s3": "NotImplemented",
        }
        # The child's calls, as alice, are activity in the parent's report.
        job = iam.generate_service_last_accessed_details(Arn=ALICE)["JobId"]
        rows = {row["ServiceNamespace"]: row for row in
                iam.get_service_last_accessed_details(JobId=job)["ServicesLastAccessed"]}
        assert rows["s3"]["LastAuthenticated"] == datetime(2026, 11, 3, 8, 30, tzinfo=timezone.utc)
        assert rows["s3"]["LastAuthenticatedRegion"] == "us-east-1"
    assert aws.endpoint_url is None
    assert "AWS_ENDPOINT_URL" not in os.environ
    guard.assert_loopback_only()


def test_server_true_nests_and_restores_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    with mock_access() as outer:
        assert outer.endpoint_url is None
        with mock_access(server=True) as inner:
            assert inner is outer and outer.endpoint_url is not None
            with mock_access(server=True) as innermost:  # shares the running server
                assert innermost.endpoint_url == outer.endpoint_url
            assert os.environ["AWS_ENDPOINT_URL"] == outer.endpoint_url
            served = outer.endpoint_url
            assert client("sts", served).get_caller_identity()["Account"] == "123456789012"
        assert outer.endpoint_url is None
        assert os.environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    with pytest.raises(TypeError, match="server must be True or False"):
        mock_access(server="yes")  # type: ignore[call-overload]


def test_server_true_side_by_side_with_moto() -> None:
    moto = pytest.importorskip("moto")
    with moto.mock_aws(), mock_access(server=True) as aws:
        s3 = boto3.client("s3")  # made while AWS_ENDPOINT_URL points at the mock
        s3.create_bucket(Bucket="kept-by-moto")
        assert [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]] == ["kept-by-moto"]
        assert aws.last_access("arn:aws:iam::123456789012:root", "s3:CreateBucket") is not None


def test_the_fixture(access_mock_server: AccessMock) -> None:
    assert os.environ["AWS_ENDPOINT_URL"] == access_mock_server.endpoint_url
    boto3.client("iam").create_user(UserName="alice")
    assert access_mock_server.endpoint_url is not None
    users = client("iam", access_mock_server.endpoint_url).list_users()["Users"]
    assert [user["UserName"] for user in users] == ["alice"]


# ---- the console script ------------------------------------------------------------------


def _console_script() -> list[str]:
    script = Path(sys.executable).with_name("iam-access-mock")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "iam_access_mock.server.cli"]


@pytest.fixture
def served(guard: ChildGuard) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [*_console_script(), "serve", "--port", "0", "--account-id", "111122223333"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=guard.environ(),
    )
    try:
        assert process.stdout is not None
        comment, export = process.stdout.readline(), process.stdout.readline()
        assert comment.startswith("# iam-access-mock serving http://127.0.0.1:")
        assert export.startswith("export AWS_ENDPOINT_URL=http://127.0.0.1:")
        yield process, export.strip().split("=", 1)[1]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_prints_the_url_and_stops_cleanly(served: tuple[subprocess.Popen[str], str],
                                                stop: signal.Signals) -> None:
    process, url = served
    arn = client("iam", url).create_user(UserName="x")["User"]["Arn"]
    assert arn == "arn:aws:iam::111122223333:user/x"
    assert control(url, "health", method="GET")[1]["account_id"] == "111122223333"
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "Traceback" not in stderr


def test_serve_refuses_a_non_loopback_host_unless_allowed(guard: ChildGuard) -> None:
    refused = subprocess.run([*_console_script(), "serve", "--host", "0.0.0.0"],
                             check=False, capture_output=True, text=True, timeout=60, env=guard.environ())
    assert refused.returncode == 2
    assert "--allow-non-loopback" in refused.stderr and refused.stdout == ""
    allowed = subprocess.Popen([*_console_script(), "serve", "--host", "0.0.0.0",
                                "--allow-non-loopback"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=guard.environ())
    try:
        assert allowed.stdout is not None
        assert allowed.stdout.readline().startswith("# iam-access-mock serving http://0.0.0.0:")
        port = allowed.stdout.readline().strip().rsplit(":", 1)[1]
        assert control(f"http://127.0.0.1:{port}", "health", method="GET")[0] == 200
    finally:
        allowed.terminate()
        _, stderr = allowed.communicate(timeout=30)
    assert "warning" in stderr and "no authentication" in stderr
    assert allowed.returncode == 0


def test_serve_help_documents_every_option(guard: ChildGuard) -> None:
    shown = subprocess.run([*_console_script(), "serve", "--help"], check=False, capture_output=True,
                           text=True, timeout=60, env=guard.environ())
    assert shown.returncode == 0
    for option in ("--host", "--port", "--account-id", "--allow-non-loopback", "AWS_ENDPOINT_URL"):
        assert option in shown.stdout


# ---- the AWS CLI v2 and the AWS SDK for JavaScript v3 -----------------------------------------


def _aws_cli_v2() -> str:
    if not AWS_CLI_V2.exists():
        pytest.skip(f"no AWS CLI v2 at {AWS_CLI_V2} (CI installs Debian's awscli: see .ci/run)")
    version = subprocess.run([str(AWS_CLI_V2), "--version"], check=False, capture_output=True, text=True,
                             timeout=60)
    if not version.stdout.startswith("aws-cli/2."):
        pytest.skip(f"{AWS_CLI_V2} is not the AWS CLI v2: {version.stdout or version.stderr}")
    return str(AWS_CLI_V2)


def _cli_environ(guard: ChildGuard, home: Path) -> dict[str, str]:
    environ = guard.environ(
        HOME=str(home), AWS_CONFIG_FILE=str(home / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "none"), AWS_PAGER="",
    )
    # The AWS CLI v1, once run in this process (tests/test_awscli*.py), leaves AWS_DATA_PATH
    # pointing at its own data, which the v2 CLI would load and fail on.
    environ.pop("AWS_DATA_PATH", None)
    return environ


def test_aws_cli_v2_round_trip(guard: ChildGuard, tmp_path: Path) -> None:
    aws_cli = _aws_cli_v2()
    with mock_access(server=True) as aws:
        _alice_with_s3_activity(aws)
        # Debian's CLI (2.9) predates AWS_ENDPOINT_URL (2.13): it is given the URL.
        base = [aws_cli, "--endpoint-url", str(aws.endpoint_url), "--output", "json"]

        def cli(*args: str) -> Any:
            done = subprocess.run([*base, *args], check=False, capture_output=True, text=True, timeout=120,
                                  env=_cli_environ(guard, tmp_path))
            assert done.returncode == 0, done.stderr
            return json.loads(done.stdout)

        created = cli("iam", "create-user", "--user-name", "dave")
        assert created["User"]["Arn"] == "arn:aws:iam::123456789012:user/dave"
        job = cli("iam", "generate-service-last-accessed-details", "--arn", ALICE)["JobId"]
        report = cli("iam", "get-service-last-accessed-details", "--job-id", job)
        assert report["JobStatus"] == "COMPLETED"
        assert report["ServicesLastAccessed"] == [{
            "ServiceName": "Amazon S3", "LastAuthenticated": "2026-11-02T10:00:00+00:00",
            "ServiceNamespace": "s3", "LastAuthenticatedEntity": ALICE,
            "LastAuthenticatedRegion": "eu-west-1", "TotalAuthenticatedEntities": 1,
        }]
        granting = cli("iam", "list-policies-granting-service-access", "--arn", ALICE,
                       "--service-namespaces", "s3", "iam")
        assert granting["PoliciesGrantingServiceAccess"] == [
            {"ServiceNamespace": "s3", "Policies": [
                {"PolicyName": "s3", "PolicyType": "INLINE", "EntityType": "USER",
                 "EntityName": "alice"}]},
            {"ServiceNamespace": "iam", "Policies": []},
        ]
        assert [user["UserName"] for user in boto3.client("iam").list_users()["Users"]] == [
            "alice", "dave"]
        missing = subprocess.run([*base, "iam", "get-user", "--user-name", "nobody"],
                                 check=False, capture_output=True, text=True, timeout=120,
                                 env=_cli_environ(guard, tmp_path))
        assert missing.returncode == 254
        assert "(NoSuchEntity)" in missing.stderr and "nobody cannot be found" in missing.stderr
    guard.assert_loopback_only()


NODE_SCRIPT = """
const iam = require("@aws-sdk/client-iam");
const ALICE = "arn:aws:iam::123456789012:user/alice";
(async () => {
  const client = new iam.IAMClient({});  // endpoint, key and region from the environment
  const created = await client.send(new iam.CreateUserCommand({ UserName: "erin" }));
  const job = await client.send(new iam.GenerateServiceLastAccessedDetailsCommand({ Arn: ALICE }));
  const report = await client.send(new iam.GetServiceLastAccessedDetailsCommand({ JobId: job.JobId }));
  const granting = await client.send(new iam.ListPoliciesGrantingServiceAccessCommand(
    { Arn: ALICE, ServiceNamespaces: ["s3"] }));
  let missing = null;
  try {
    await client.send(new iam.GetUserCommand({ UserName: "nobody" }));
  } catch (error) {
    missing = { name: error.name, status: error.$metadata.httpStatusCode };
  }
  console.log(JSON.stringify({
    arn: created.User.Arn,
    status: report.JobStatus,
    services: report.ServicesLastAccessed.map((row) => ({
      namespace: row.ServiceNamespace,
      last: row.LastAuthenticated && row.LastAuthenticated.toISOString(),
      region: row.LastAuthenticatedRegion,
    })),
    granting: granting.PoliciesGrantingServiceAccess,
    missing,
  }));
})().catch((error) => { console.error(error); process.exit(1); });
"""


def _node_with_sdk() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (NODE_DIR / "node_modules" / "@aws-sdk" / "client-iam").is_dir():
        pytest.skip(f"@aws-sdk/client-iam is not installed in {NODE_DIR} (CI installs it: .ci/run)")
    return node


def test_node_sdk_v3_round_trip(guard: ChildGuard, tmp_path: Path) -> None:
    node = _node_with_sdk()
    script = tmp_path / "round_trip.js"
    script.write_text(NODE_SCRIPT)
    with mock_access(server=True) as aws:
        _alice_with_s3_activity(aws)
        done = subprocess.run(
            [node, str(script)], check=False, capture_output=True, text=True, timeout=120,
            env=guard.environ(NODE_PATH=str(NODE_DIR / "node_modules"), HOME=str(tmp_path),
                              AWS_CONFIG_FILE=str(tmp_path / "none"),
                              AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none")),
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == {
            "arn": "arn:aws:iam::123456789012:user/erin",
            "status": "COMPLETED",
            "services": [{"namespace": "s3", "last": "2026-11-02T10:00:00.000Z",
                          "region": "eu-west-1"}],
            "granting": [{"ServiceNamespace": "s3", "Policies": [
                {"PolicyName": "s3", "PolicyType": "INLINE", "EntityType": "USER",
                 "EntityName": "alice"}]}],
            "missing": {"name": "NoSuchEntityException", "status": 404},
        }
        assert "erin" in [user["UserName"] for user in boto3.client("iam").list_users()["Users"]]
    guard.assert_loopback_only()
