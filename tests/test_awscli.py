"""The AWS CLI v1 in process, under the mock, whichever of awscli and boto3 is imported first.

awscli >= 1.44 bundles its own botocore under ``awscli/botocore`` and, once ``awscli`` is
imported, makes ``import botocore`` load that copy. Each order runs in a fresh interpreter,
since the first import decides which copy the process uses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

awscli = pytest.importorskip("awscli")

# Whether this awscli release bundles its own botocore (1.44 and later do).
BUNDLES_BOTOCORE = (Path(awscli.__file__).parent / "botocore" / "__init__.py").exists()

CHILD = textwrap.dedent(
    """
    import contextlib, io, json, sys

    ORDER = sys.argv[1]
    if ORDER == "awscli-first":
        import awscli
        import iam_access_mock
        import boto3
    else:
        import iam_access_mock
        import boto3
        import awscli

    import botocore
    from awscli.clidriver import create_clidriver
    from botocore.exceptions import ClientError

    def cli(*args):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = create_clidriver().main(list(args))
        return {"code": code, "out": out.getvalue(), "err": err.getvalue()}

    report = {"botocore_file": botocore.__file__, "boto3_botocore": boto3.session.botocore.__file__}
    with iam_access_mock.mock_access():
        report["create"] = cli("iam", "create-user", "--user-name", "x")
        report["get"] = cli("iam", "get-user", "--user-name", "x")
        report["missing"] = cli("iam", "get-user", "--user-name", "nobody")
        report["unreachable_inside"] = cli("sts", "get-caller-identity", "--endpoint-url", "http://127.0.0.1:9")
        report["boto3_sees_cli_user"] = boto3.client("iam").get_user(UserName="x")["User"]["Arn"]
    report["unreachable_after"] = cli("sts", "get-caller-identity", "--endpoint-url", "http://127.0.0.1:9")
    try:
        boto3.client("iam", endpoint_url="http://127.0.0.1:9").get_user(UserName="x")
    except Exception as error:
        report["boto3_after"] = type(error).__name__
    print(json.dumps(report))
    """
)


def run_child(order: str, tmp_path: Path) -> dict:
    environment = dict(os.environ)
    environment.update(
        {
            "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_MAX_ATTEMPTS": "1",  # no retry back-off on the refused loopback connection
            "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        }
    )
    environment.pop("AWS_PROFILE", None)
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, order],
        check=False,
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("order", ["awscli-first", "boto3-first"])
def test_cli_in_process_is_served_by_the_mock(order: str, tmp_path: Path) -> None:
    report = run_child(order, tmp_path)

    # Which botocore the process uses depends on the import order.
    bundled = f"{os.sep}awscli{os.sep}botocore{os.sep}"
    if order == "awscli-first" and BUNDLES_BOTOCORE:
        assert bundled in report["botocore_file"]
    else:
        assert bundled not in report["botocore_file"]
    assert report["boto3_botocore"] == report["botocore_file"]

    create = report["create"]
    assert create["code"] == 0, create["err"]
    created = json.loads(create["out"])["User"]
    assert created["UserName"] == "x"
    assert created["Arn"] == "arn:aws:iam::123456789012:user/x"

    get = report["get"]
    assert get["code"] == 0, get["err"]
    assert json.loads(get["out"])["User"]["UserId"] == created["UserId"]

    missing = report["missing"]
    assert missing["code"] == 255
    assert "An error occurred (NoSuchEntity) when calling the GetUser operation" in missing["err"]
    assert "The user with name nobody cannot be found." in missing["err"]

    # Served although nothing listens there; after the mock, the same command fails to connect.
    inside = report["unreachable_inside"]
    assert inside["code"] == 0, inside["err"]
    assert json.loads(inside["out"])["Account"] == "123456789012"
    after = report["unreachable_after"]
    assert after["code"] == 255
    assert 'Could not connect to the endpoint URL: "http://127.0.0.1:9/"' in after["err"]

    assert report["boto3_sees_cli_user"] == created["Arn"]
    assert report["boto3_after"] == "EndpointConnectionError"


TWO_COPIES_CHILD = textwrap.dedent(
    """
    import contextlib, io, json, sys
    import boto3
    import iam_access_mock

    report = {}
    iam = boto3.client("iam")
    with iam_access_mock.mock_access():
        report["first_copy"] = iam.create_user(UserName="first")["User"]["Arn"]
    first_endpoint = sys.modules["botocore.endpoint"]

    # Unload the installed botocore: from now on "import botocore" loads awscli's copy.
    for name in [m for m in sys.modules if m == "botocore" or m.startswith("botocore.")]:
        del sys.modules[name]
    import awscli
    import botocore
    from awscli.clidriver import create_clidriver

    report["second_file"] = botocore.__file__
    report["second_is_new"] = sys.modules["botocore.endpoint"] is not first_endpoint
    out = io.StringIO()
    with iam_access_mock.mock_access():
        with contextlib.redirect_stdout(out):
            report["cli_code"] = create_clidriver().main(["iam", "create-user", "--user-name", "second"])
        # the client made from the first copy is still served, in the same world
        report["first_sees_second"] = iam.get_user(UserName="second")["User"]["Arn"]
    report["cli_user"] = json.loads(out.getvalue())["User"]["Arn"]
    print(json.dumps(report))
    """
)


def test_two_botocore_copies_in_one_process_are_both_served(tmp_path: Path) -> None:
    environment = dict(
        os.environ, AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_DEFAULT_REGION="us-east-1"
    )
    completed = subprocess.run(
        [sys.executable, "-c", TWO_COPIES_CHILD],
        check=False,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["first_copy"] == "arn:aws:iam::123456789012:user/first"
    if BUNDLES_BOTOCORE:
        assert f"{os.sep}awscli{os.sep}botocore{os.sep}" in report["second_file"]
    assert report["second_is_new"] is True
    assert report["cli_code"] == 0
    assert report["cli_user"] == "arn:aws:iam::123456789012:user/second"
    assert report["first_sees_second"] == report["cli_user"]
