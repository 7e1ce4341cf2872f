"""aiobotocore clients under the mock: the same world as boto3's, served the same way (clients
created before activation too), and no network while active.

The tests drive their coroutines with ``asyncio.run``, as a user's test can without an async
pytest plugin.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError
from support import ACCOUNT, ALICE, NOW, ROOT, allow

pytest.importorskip("aiobotocore")

from aiobotocore.httpsession import AIOHTTPSession
from aiobotocore.session import get_session

from iam_access_mock import AccessMock, mock_access

UNREACHABLE = "http://127.0.0.1:9"  # the discard port on loopback: connection refused
NO_RETRIES = Config(retries={"max_attempts": 0})
TWO_DAYS_AGO = NOW - timedelta(days=2)
META_DATA = f"{UNREACHABLE}/latest/meta-data/"  # what the instance metadata provider would ask
REFUSED_META_DATA = (
    'Could not connect to the endpoint URL: "http://127.0.0.1:9/latest/meta-data/ '
    '(refused by iam-access-mock: no network while active)"'
)


def client(service: str, credentials: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """An aiobotocore client (an async context manager), signing with ``credentials`` if given."""
    if credentials is not None:
        kwargs["aws_access_key_id"] = credentials["AccessKeyId"]
        kwargs["aws_secret_access_key"] = credentials["SecretAccessKey"]
    return get_session().create_client(service, region_name="us-east-1", **kwargs)


def error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


# ---- IAM, STS and Access Advisor through aiobotocore ------------------------------------------


def test_iam_crud(access_mock: AccessMock) -> None:
    async def scenario() -> None:
        async with client("iam") as iam:
            created = (await iam.create_user(UserName="alice", Path="/team/"))["User"]
            assert created["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/team/alice"
            await iam.put_user_policy(
                UserName="alice", PolicyName="read", PolicyDocument=allow("s3:GetObject")
            )
            fetched = (await iam.get_user(UserName="alice"))["User"]
            assert (fetched["UserId"], fetched["Path"]) == (created["UserId"], "/team/")
            assert (await iam.list_user_policies(UserName="alice"))["PolicyNames"] == ["read"]
            await iam.delete_user_policy(UserName="alice", PolicyName="read")
            await iam.delete_user(UserName="alice")
            with pytest.raises(ClientError) as excinfo:
                await iam.get_user(UserName="alice")
            assert error_code(excinfo) == "NoSuchEntity"
            assert (await iam.list_users())["Users"] == []

    asyncio.run(scenario())


def test_aiobotocore_and_boto3_share_one_world(access_mock: AccessMock) -> None:
    async def create() -> None:
        async with client("iam") as iam:
            await iam.create_user(UserName="shared")

    asyncio.run(create())
    assert boto3.client("iam").get_user(UserName="shared")["User"]["UserName"] == "shared"


@mock_access
async def caller_identities() -> tuple[dict[str, Any], dict[str, Any], str]:
    async with client("iam") as iam:
        user = (await iam.create_user(UserName="alice"))["User"]
        key = (await iam.create_access_key(UserName="alice"))["AccessKey"]
        async with client("sts") as sts:
            root = await sts.get_caller_identity()
        async with client("sts", key) as sts:
            alice = await sts.get_caller_identity()
    return root, alice, user["UserId"]


def test_sts_attributes_a_key_to_its_user() -> None:
    root, alice, user_id = asyncio.run(caller_identities())
    assert (root["Arn"], root["Account"]) == (ROOT, ACCOUNT)
    assert (alice["Arn"], alice["Account"], alice["UserId"]) == (ALICE, ACCOUNT, user_id)


async def access_advisor_round_trip() -> dict[str, Any]:
    """Alice calls IAM with her key, then a job on her is polled, paged through, and asked
    who used S3 and IAM; everything through aiobotocore. Returns what each step answered."""
    seen: dict[str, Any] = {}
    async with mock_access() as aws, client("iam") as iam:
        aws.clock.set(NOW)
        await iam.create_user(UserName="alice")
        await iam.put_user_policy(
            UserName="alice",
            PolicyName="work",
            PolicyDocument=allow("ec2:DescribeInstances", "iam:GetUser", "s3:GetObject", "sqs:*"),
        )
        key = (await iam.create_access_key(UserName="alice"))["AccessKey"]
        async with client("iam", key) as alice_iam:
            seen["user_id"] = (await alice_iam.get_user())["User"]["UserId"]
        aws.record_access(ALICE, "s3:GetObject", at=TWO_DAYS_AGO, region="eu-west-1")

        aws.jobs.complete_after(polls=2)
        job_id = (await iam.generate_service_last_accessed_details(Arn=ALICE))["JobId"]
        seen["polls"] = [
            (await iam.get_service_last_accessed_details(JobId=job_id))["JobStatus"]
            for _ in range(2)
        ]
        pages = [await iam.get_service_last_accessed_details(JobId=job_id, MaxItems=1)]
        while pages[-1]["IsTruncated"]:
            pages.append(
                await iam.get_service_last_accessed_details(
                    JobId=job_id, MaxItems=1, Marker=pages[-1]["Marker"]
                )
            )
        seen["pages"] = pages
        seen["entities"] = {
            namespace: await iam.get_service_last_accessed_details_with_entities(
                JobId=job_id, ServiceNamespace=namespace
            )
            for namespace in ("iam", "s3", "sqs")
        }
    return seen


def test_access_advisor_round_trip() -> None:
    seen = asyncio.run(access_advisor_round_trip())
    assert seen["polls"] == ["IN_PROGRESS", "IN_PROGRESS"]
    pages = seen["pages"]
    assert [page["JobStatus"] for page in pages] == ["COMPLETED"] * 4
    assert [page["IsTruncated"] for page in pages] == [True, True, True, False]
    assert "Marker" not in pages[-1]
    assert [row for page in pages for row in page["ServicesLastAccessed"]] == [
        {"ServiceName": "Amazon EC2", "ServiceNamespace": "ec2", "TotalAuthenticatedEntities": 0},
        {
            "ServiceName": "AWS Identity and Access Management",
            "ServiceNamespace": "iam",
            "LastAuthenticated": NOW,
            "LastAuthenticatedEntity": ALICE,
            "LastAuthenticatedRegion": "us-east-1",
            "TotalAuthenticatedEntities": 1,
        },
        {
            "ServiceName": "Amazon S3",
            "ServiceNamespace": "s3",
            "LastAuthenticated": TWO_DAYS_AGO,
            "LastAuthenticatedEntity": ALICE,
            "LastAuthenticatedRegion": "eu-west-1",
            "TotalAuthenticatedEntities": 1,
        },
        {"ServiceName": "Amazon SQS", "ServiceNamespace": "sqs", "TotalAuthenticatedEntities": 0},
    ]
    alice = {"Arn": ALICE, "Name": "alice", "Type": "USER", "Id": seen["user_id"], "Path": "/"}
    entities = {name: report["EntityDetailsList"] for name, report in seen["entities"].items()}
    assert entities == {
        "iam": [{"EntityInfo": alice, "LastAuthenticated": NOW}],
        "s3": [{"EntityInfo": alice, "LastAuthenticated": TWO_DAYS_AGO}],
        "sqs": [{"EntityInfo": alice}],
    }
    assert {report["JobStatus"] for report in seen["entities"].values()} == {"COMPLETED"}


# ---- interception ---------------------------------------------------------------------------


async def answers_before_inside_and_after() -> list[str]:
    """What one client, created before activation, answers before, inside and after."""
    answers = []
    async with client("sts", endpoint_url=UNREACHABLE, config=NO_RETRIES) as sts:
        for phase in ("before", "inside", "after"):
            try:
                if phase == "inside":
                    async with mock_access():
                        answers.append((await sts.get_caller_identity())["Arn"])
                else:
                    await sts.get_caller_identity()
            except EndpointConnectionError as error:
                answers.append(str(error))
    return answers


def test_client_created_before_activation_is_served_and_normal_after() -> None:
    before, inside, after = asyncio.run(answers_before_inside_and_after())
    assert inside == ROOT
    for answer in (before, after):
        assert "127.0.0.1:9" in answer
        assert "iam-access-mock" not in answer


def test_unserved_service_is_not_implemented_not_sent(access_mock: AccessMock) -> None:
    async def list_buckets() -> dict[str, Any]:
        async with client("s3", endpoint_url=UNREACHABLE) as s3:
            with pytest.raises(ClientError) as excinfo:
                await s3.list_buckets()
        return dict(excinfo.value.response)

    response = asyncio.run(list_buckets())
    assert response["Error"]["Code"] == "NotImplemented"
    assert "S3 (s3) operation ListBuckets" in response["Error"]["Message"]
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert response["ResponseMetadata"]["RetryAttempts"] == 0


async def send_directly() -> str:
    """Send a request through aiobotocore's HTTP session itself, bypassing any client."""
    request = AWSRequest(method="GET", url=META_DATA).prepare()
    async with AIOHTTPSession() as session:
        try:
            await session.send(request)
        except EndpointConnectionError as error:
            return str(error)
    raise AssertionError("the request was sent")


def test_other_aiohttp_requests_are_refused_while_active() -> None:
    with mock_access():
        refused = asyncio.run(send_directly())
    assert refused == REFUSED_META_DATA
    assert "iam-access-mock" not in asyncio.run(send_directly())


async def httpx_answers() -> list[str]:
    """A client on aiobotocore's httpx backend, and that backend's own session, while active."""
    from aiobotocore.config import AioConfig
    from aiobotocore.httpxsession import HttpxSession

    config = AioConfig(http_session_cls=HttpxSession, retries={"max_attempts": 0})
    async with client("sts", endpoint_url=UNREACHABLE, config=config) as sts:
        answers = [(await sts.get_caller_identity())["Arn"]]
    request = AWSRequest(method="GET", url=META_DATA).prepare()
    async with HttpxSession() as session:
        with pytest.raises(EndpointConnectionError) as excinfo:
            await session.send(request)
    return [*answers, str(excinfo.value)]


def test_httpx_backend_is_served_and_refused(access_mock: AccessMock) -> None:
    pytest.importorskip("httpx")
    pytest.importorskip("aiobotocore.httpxsession")  # an aiobotocore with the httpx backend
    assert asyncio.run(httpx_answers()) == [ROOT, REFUSED_META_DATA]


async def anonymous_answers() -> list[str]:
    """What a client made with no credentials at all answers before, inside and after."""
    session = get_session()
    assert await session.get_credentials() is None
    answers = []
    async with session.create_client("sts", region_name="us-east-1", config=NO_RETRIES) as sts:
        for phase in ("before", "inside", "after"):
            try:
                if phase == "inside":
                    with mock_access():
                        answers.append((await sts.get_caller_identity())["Arn"])
                else:
                    await sts.get_caller_identity()
            except NoCredentialsError:
                answers.append("NoCredentialsError")
    return answers


def test_client_created_without_any_credentials_is_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert asyncio.run(anonymous_answers()) == ["NoCredentialsError", ROOT, "NoCredentialsError"]


IMPORTED_AFTER_ACTIVATION = f"""
import asyncio, json, sys
import iam_access_mock
loaded_at_import = "aiobotocore" in sys.modules
with iam_access_mock.mock_access():
    loaded_at_activation = "aiobotocore" in sys.modules
    from aiobotocore.config import AioConfig
    from aiobotocore.session import get_session

    async def identity():
        config = AioConfig(retries={{"max_attempts": 0}})
        async with get_session().create_client(
            "sts", region_name="us-east-1", endpoint_url="{UNREACHABLE}", config=config
        ) as sts:
            return (await sts.get_caller_identity())["Arn"]

    arn = asyncio.run(identity())
print(json.dumps([loaded_at_import, loaded_at_activation, arn]))
"""


def test_aiobotocore_imported_after_activation_is_served() -> None:
    # A fresh interpreter: here aiobotocore is already imported, by this module.
    completed = subprocess.run(
        [sys.executable, "-c", IMPORTED_AFTER_ACTIVATION],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == [False, False, ROOT]
