"""No real credential machinery runs while the mock is active.

A profile's credential_process, assume-role, web identity, SSO, container or instance
metadata credentials, and keys from the shared files, are replaced by the mock's fake key
(the account root), for sessions and clients made before activation or inside it; keys a
test passes explicitly (or puts in the environment) keep signing; after the mock stops,
the same sessions and clients resolve their credentials exactly as before.

The profile "prod" runs a credential process that appends a line to a marker file on each
run and prints credentials expiring in five minutes, inside botocore's ten-minute window
in which every use refreshes them: a client made from it would run the process on every
call.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError
from support import ACCOUNT, ROOT, TRUST_ANYONE, client_for

from iam_access_mock import mock_access

FAKE_KEY = "AKIAIOSFODNN7EXAMPLE"  # activation.FAKE_ENVIRONMENT's key: the account root
PROCESS_KEY = "AKIAPROCESSEXAMPLE01"
STATIC_KEY = "AKIASHAREDFILEXMPL01"
CONFIG_KEY = "AKIACONFIGFILEXMPL01"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/deployer"

# Run as: python credential_process.py MARKER_FILE ACCESS_KEY_ID
PROCESS_SCRIPT = textwrap.dedent(
    """
    import datetime, json, sys
    with open(sys.argv[1], "a") as marker:
        marker.write("ran\\n")
    expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5)
    print(json.dumps({
        "Version": 1,
        "AccessKeyId": sys.argv[2],
        "SecretAccessKey": "process-secret",
        "SessionToken": "process-token",
        "Expiration": expiry.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }))
    """
)

# One profile per source of credentials the mock must never use while active.
PROFILES = {
    "prod": f"credential_process = {{python}} {{script}} {{marker}} {PROCESS_KEY}",
    "deploy": f"role_arn = {ROLE_ARN}\nsource_profile = prod",
    "web": f"role_arn = {ROLE_ARN}\nweb_identity_token_file = {{token}}",
    "sso": (
        "sso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"
        f"sso_account_id = {ACCOUNT}\nsso_role_name = Admin"
    ),
    # No keys of its own: botocore goes on to the container endpoint named in the environment.
    "container": "output = json",
    "static": "",  # its keys are in the shared credentials file
    "configured": f"aws_access_key_id = {CONFIG_KEY}\naws_secret_access_key = config-secret",
}


@dataclass
class Profiles:
    """The temporary AWS config: the marker the credential process writes on each run."""

    marker: Path

    def runs(self) -> int:
        """How many times the credential process has run."""
        return len(self.marker.read_text().splitlines()) if self.marker.exists() else 0


@pytest.fixture
def profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Profiles:
    script = tmp_path / "credential_process.py"
    script.write_text(PROCESS_SCRIPT)
    token = tmp_path / "web-identity-token"
    token.write_text("eyJhbGciOiJub25lIn0.e30.")
    marker = tmp_path / "process-ran"
    values = {"python": sys.executable, "script": script, "marker": marker, "token": token}
    config = "".join(
        f"[profile {name}]\n{body.format(**values)}\n".replace("\n\n", "\n")
        for name, body in PROFILES.items()
    )
    (tmp_path / "config").write_text(config)
    (tmp_path / "credentials").write_text(
        f"[static]\naws_access_key_id = {STATIC_KEY}\naws_secret_access_key = static-secret\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/credentials")
    monkeypatch.setenv("HOME", str(tmp_path))  # where SSO would look for its token cache
    return Profiles(marker)


def signing_keys(client: Any) -> list[str]:
    """The access key id each request of ``client`` is signed with, in order."""
    keys: list[str] = []

    def note(request: Any, **_: Any) -> None:
        authorization = request.headers.get("Authorization") or b""
        if isinstance(authorization, str):
            authorization = authorization.encode()
        match = re.search(rb"Credential=([^/]+)/", authorization)
        keys.append(match.group(1).decode() if match else "")

    client.meta.events.register("before-send", note)
    return keys


def single_attempt() -> Config:
    # Refused connections are retried with back-off; one attempt keeps the test fast.
    return Config(retries={"total_max_attempts": 1})


# ---- sessions naming a profile -------------------------------------------------------------


@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize("session_made", ["before", "inside"])
def test_a_profiles_credentials_are_never_used_while_active(
    profiles: Profiles, profile: str, session_made: str
) -> None:
    early = boto3.Session(profile_name=profile) if session_made == "before" else None
    with mock_access() as aws:
        iam = boto3.client("iam")
        # Were the profile's own credentials used, the role would be assumed, and served.
        iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=TRUST_ANYONE)
        session = early or boto3.Session(profile_name=profile)
        sts = session.client("sts")
        keys = signing_keys(sts)

        assert sts.get_caller_identity()["Arn"] == ROOT
        assert keys == [FAKE_KEY]
        assert aws.last_access(ROLE_ARN) is None
        assert profiles.runs() == 0


def test_a_profile_left_to_instance_metadata_gets_the_fake_credentials(
    profiles: Profiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A profile with no credentials and no container endpoint: botocore would ask the
    # instance metadata service last (and, offline, find nothing).
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI")
    with mock_access():
        session = boto3.Session(profile_name="container")
        credentials = session.get_credentials()

        assert credentials is not None
        assert credentials.get_frozen_credentials().access_key == FAKE_KEY
        assert session.client("sts").get_caller_identity()["Arn"] == ROOT


def test_session_credentials_inside_are_fake_and_not_kept(profiles: Profiles) -> None:
    session = boto3.Session(profile_name="prod")
    with mock_access():
        inside = session.get_credentials()
        assert inside.get_frozen_credentials().access_key == FAKE_KEY
        assert inside.method == "iam-access-mock"
        assert profiles.runs() == 0

    # Nothing stayed behind: the same session now runs the process and uses its keys.
    after = session.get_credentials()
    assert after.get_frozen_credentials().access_key == PROCESS_KEY
    assert profiles.runs() >= 1


def test_credentials_a_session_resolved_before_are_set_aside_and_kept(
    profiles: Profiles,
) -> None:
    session = boto3.Session(profile_name="prod")
    resolved = session.get_credentials()
    assert resolved.get_frozen_credentials().access_key == PROCESS_KEY
    runs = profiles.runs()

    with mock_access():
        assert session.get_credentials().get_frozen_credentials().access_key == FAKE_KEY
        assert resolved.get_frozen_credentials().access_key == FAKE_KEY
        assert session.client("sts").get_caller_identity()["Arn"] == ROOT
        assert profiles.runs() == runs

    assert session.get_credentials() is resolved
    assert resolved.get_frozen_credentials().access_key == PROCESS_KEY
    assert profiles.runs() > runs  # due for refresh: the process runs again


# ---- clients made before activation ---------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "own_key", "process_runs"), [("prod", PROCESS_KEY, 1), ("static", STATIC_KEY, 0)]
)
def test_a_client_made_before_signs_with_fake_credentials_inside(
    profiles: Profiles, profile: str, own_key: str, process_runs: int
) -> None:
    sts = boto3.Session(profile_name=profile).client("sts", config=single_attempt())
    assert profiles.runs() == process_runs  # the process ran once, to create the client
    keys = signing_keys(sts)

    with mock_access():
        # The process credentials are due for refresh on every use: none happens inside.
        assert sts.get_caller_identity()["Arn"] == ROOT
        assert sts.get_caller_identity()["Arn"] == ROOT
        assert keys == [FAKE_KEY, FAKE_KEY]
        assert profiles.runs() == process_runs

    # After the mock, the client is itself again: it signs with its own keys (refreshing
    # them first) and goes to the network, which the test suite refuses.
    with pytest.raises(EndpointConnectionError):
        sts.get_caller_identity()
    assert keys[-1] == own_key
    assert profiles.runs() == 2 * process_runs


def test_endpoint_resolution_does_not_refresh_a_client_made_before(profiles: Profiles) -> None:
    # DynamoDB's endpoint rules read the credentials' account id (botocore 1.37 and later),
    # which refreshes them, before the request is signed or refused.
    dynamodb = boto3.Session(profile_name="prod").client("dynamodb")
    assert profiles.runs() == 1
    with mock_access():
        with pytest.raises(ClientError) as excinfo:
            dynamodb.list_tables()
        assert excinfo.value.response["Error"]["Code"] == "NotImplemented"
        assert profiles.runs() == 1


def test_a_client_made_before_from_an_assume_role_profile_never_assumes_the_role(
    profiles: Profiles,
) -> None:
    # Making the client ran the source profile's process; the role is assumed when the
    # credentials are first needed, which is inside the mock.
    sts = boto3.Session(profile_name="deploy").client("sts")
    assert profiles.runs() == 1
    keys = signing_keys(sts)
    with mock_access() as aws:
        boto3.client("iam").create_role(RoleName="deployer", AssumeRolePolicyDocument=TRUST_ANYONE)

        assert sts.get_caller_identity()["Arn"] == ROOT
        assert keys == [FAKE_KEY]
        assert aws.last_access(ROLE_ARN) is None
        assert profiles.runs() == 1


# ---- credentials the test chose are kept ----------------------------------------------------


@pytest.fixture
def alice_key() -> Iterator[dict[str, Any]]:
    with mock_access():
        iam = boto3.client("iam")
        iam.create_user(UserName="alice")
        yield iam.create_access_key(UserName="alice")["AccessKey"]


ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"


def test_explicit_keys_keep_signing_as_their_user(
    profiles: Profiles, alice_key: dict[str, Any]
) -> None:
    key_id, secret = alice_key["AccessKeyId"], alice_key["SecretAccessKey"]
    clients = {
        "client": client_for("sts", alice_key),
        "session": boto3.Session(aws_access_key_id=key_id, aws_secret_access_key=secret).client(
            "sts"
        ),
        # Explicit keys win over a profile, as in botocore: the process never runs.
        "session with a profile": boto3.Session(
            aws_access_key_id=key_id, aws_secret_access_key=secret, profile_name="prod"
        ).client("sts"),
        "client of a profile session": boto3.Session(profile_name="prod").client(
            "sts", aws_access_key_id=key_id, aws_secret_access_key=secret
        ),
    }
    for name, sts in clients.items():
        keys = signing_keys(sts)
        assert sts.get_caller_identity()["Arn"] == ALICE, name
        assert keys == [key_id], name
    assert profiles.runs() == 0


def test_assumed_role_credentials_keep_signing_as_their_session(
    profiles: Profiles, alice_key: dict[str, Any]
) -> None:
    boto3.client("iam").create_role(RoleName="deployer", AssumeRolePolicyDocument=TRUST_ANYONE)
    credentials = client_for("sts", alice_key).assume_role(
        RoleArn=ROLE_ARN, RoleSessionName="job"
    )["Credentials"]

    session = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        profile_name="prod",
    )
    identity = session.client("sts").get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/job"
    assert profiles.runs() == 0


def test_keys_the_test_puts_in_the_environment_sign(
    profiles: Profiles, alice_key: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", alice_key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", alice_key["SecretAccessKey"])

    assert boto3.client("sts").get_caller_identity()["Arn"] == ALICE
    # A session naming a profile skips the environment, as botocore does: the fake key.
    assert boto3.Session(profile_name="prod").client("sts").get_caller_identity()["Arn"] == ROOT
    assert profiles.runs() == 0


def test_a_session_reads_the_environment_again_while_active(
    profiles: Profiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Like boto3.DEFAULT_SESSION in a suite: the session read the environment's keys earlier.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENVBEFOREEXAMPLE")
    session = boto3.Session()
    assert session.get_credentials().access_key == "AKIAENVBEFOREEXAMPLE"

    with mock_access():
        # The activation put the fake key in the environment.
        sts = session.client("sts")
        keys = signing_keys(sts)
        assert sts.get_caller_identity()["Arn"] == ROOT
        assert keys == [FAKE_KEY]

        iam = session.client("iam")
        iam.create_user(UserName="alice")
        key = iam.create_access_key(UserName="alice")["AccessKey"]
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])

        assert session.client("sts").get_caller_identity()["Arn"] == ALICE

    assert session.get_credentials().access_key == "AKIAENVBEFOREEXAMPLE"


# ---- the AWS CLI v1, with its own botocore copy ---------------------------------------------

CLI_CHILD = textwrap.dedent(
    """
    import contextlib, io, json
    import awscli  # first: with awscli >= 1.44, "botocore" is the CLI's bundled copy
    import iam_access_mock
    from awscli.clidriver import create_clidriver

    def cli(*args):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = create_clidriver().main(list(args))
        return {"code": code, "out": out.getvalue(), "err": err.getvalue()}

    with iam_access_mock.mock_access():
        print(json.dumps(cli("sts", "get-caller-identity", "--profile", "prod")))
    """
)


def test_the_cli_with_a_profile_is_served_without_running_its_process(
    profiles: Profiles, tmp_path: Path
) -> None:
    pytest.importorskip("awscli")
    completed = subprocess.run(
        [sys.executable, "-c", CLI_CHILD],
        check=False,
        capture_output=True,
        text=True,
        env=dict(os.environ),
        cwd=tmp_path,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, result["err"]
    assert json.loads(result["out"])["Arn"] == ROOT
    assert profiles.runs() == 0


# ---- aiobotocore ----------------------------------------------------------------------------


def test_an_aio_session_with_a_profile_never_runs_its_process(profiles: Profiles) -> None:
    pytest.importorskip("aiobotocore")
    from aiobotocore.session import AioSession

    async def scenario() -> None:
        early = AioSession(profile="prod")
        with mock_access():
            credentials = await early.get_credentials()
            assert (await credentials.get_frozen_credentials()).access_key == FAKE_KEY
            async with AioSession(profile="prod").create_client("sts") as sts:
                assert (await sts.get_caller_identity())["Arn"] == ROOT
            async with early.create_client("sts") as sts:
                assert (await sts.get_caller_identity())["Arn"] == ROOT
            assert profiles.runs() == 0

        after = await early.get_credentials()
        assert (await after.get_frozen_credentials()).access_key == PROCESS_KEY
        assert profiles.runs() >= 1

    asyncio.run(scenario())


def test_an_aio_client_made_before_signs_with_fake_credentials_inside(
    profiles: Profiles,
) -> None:
    pytest.importorskip("aiobotocore")
    from aiobotocore.session import AioSession

    async def scenario() -> None:
        session = AioSession(profile="prod")
        async with session.create_client("sts", config=single_attempt()) as sts:
            assert profiles.runs() == 1
            keys = signing_keys(sts)
            with mock_access():
                assert (await sts.get_caller_identity())["Arn"] == ROOT
                assert keys == [FAKE_KEY]
                assert profiles.runs() == 1

            with pytest.raises(EndpointConnectionError):
                await sts.get_caller_identity()
            assert keys[-1] == PROCESS_KEY
            assert profiles.runs() == 2

    asyncio.run(scenario())
