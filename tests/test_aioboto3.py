"""aioboto3 sessions under the mock: their clients are aiobotocore's, so they are served from
the same world as boto3's, including clients created before activation.

The tests drive their coroutines with ``asyncio.run``, as a user's test can without an async
pytest plugin.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError
from support import ACCOUNT, ALICE, NOW, ROOT, TRUST_EC2, allow

aioboto3 = pytest.importorskip("aioboto3")

from iam_access_mock import AccessMock, mock_access

UNREACHABLE = "http://127.0.0.1:9"  # the discard port on loopback: connection refused
NO_RETRIES = Config(retries={"max_attempts": 0})
TWO_DAYS_AGO = NOW - timedelta(days=2)


def session(credentials: dict[str, Any] | None = None) -> Any:
    """An aioboto3 session, with ``credentials`` (an AccessKey dict) if given."""
    if credentials is None:
        return aioboto3.Session(region_name="us-east-1")
    return aioboto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        region_name="us-east-1",
    )


# ---- IAM, STS and Access Advisor through aioboto3 ---------------------------------------------


def test_iam_crud(access_mock: AccessMock) -> None:
    async def scenario() -> None:
        async with session().client("iam") as iam:
            created = await iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_EC2)
            assert created["Role"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/worker"
            await iam.create_group(GroupName="devs")
            await iam.create_user(UserName="alice")
            await iam.add_user_to_group(GroupName="devs", UserName="alice")
            group = await iam.get_group(GroupName="devs")
            assert [user["Arn"] for user in group["Users"]] == [ALICE]
            await iam.remove_user_from_group(GroupName="devs", UserName="alice")
            await iam.delete_group(GroupName="devs")
            with pytest.raises(ClientError) as excinfo:
                await iam.get_group(GroupName="devs")
            assert excinfo.value.response["Error"]["Code"] == "NoSuchEntity"
            assert [role["RoleName"] for role in (await iam.list_roles())["Roles"]] == ["worker"]

    asyncio.run(scenario())


@mock_access
async def caller_identities() -> tuple[dict[str, Any], dict[str, Any], str]:
    async with session().client("iam") as iam:
        user = (await iam.create_user(UserName="alice"))["User"]
        key = (await iam.create_access_key(UserName="alice"))["AccessKey"]
    async with session().client("sts") as sts:
        root = await sts.get_caller_identity()
    async with session(key).client("sts") as sts:
        alice = await sts.get_caller_identity()
    return root, alice, user["UserId"]


def test_sts_attributes_a_key_to_its_user() -> None:
    root, alice, user_id = asyncio.run(caller_identities())
    assert (root["Arn"], root["Account"]) == (ROOT, ACCOUNT)
    assert (alice["Arn"], alice["Account"], alice["UserId"]) == (ALICE, ACCOUNT, user_id)


async def access_advisor_round_trip() -> dict[str, Any]:
    """Alice calls IAM with her key, then a job on her is polled, paged through, and asked
    who used S3 and IAM; everything through aioboto3. Returns what each step answered."""
    seen: dict[str, Any] = {}
    async with mock_access() as aws, session().client("iam") as iam:
        aws.clock.set(NOW)
        await iam.create_user(UserName="alice")
        await iam.put_user_policy(
            UserName="alice",
            PolicyName="work",
            PolicyDocument=allow("ec2:DescribeInstances", "iam:GetUser", "s3:GetObject", "sqs:*"),
        )
        key = (await iam.create_access_key(UserName="alice"))["AccessKey"]
        async with session(key).client("iam") as alice_iam:
            seen["user_id"] = (await alice_iam.get_user())["User"]["UserId"]
        aws.record_access(ALICE, "s3:GetObject", at=TWO_DAYS_AGO, region="eu-west-1")

        aws.jobs.complete_after(polls=2)
        job_id = (await iam.generate_service_last_accessed_details(Arn=ALICE))["JobId"]
        seen["polls"] = [
            (await iam.get_service_last_accessed_details(JobId=job_id))["JobStatus"]
            for _ in range(2)
        ]
        pages = [await iam.get_service_last_accessed_details(JobId=job_id, MaxItems=3)]
        pages.append(
            await iam.get_service_last_accessed_details(
                JobId=job_id, MaxItems=3, Marker=pages[0]["Marker"]
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
    first, second = seen["pages"]
    assert (first["JobStatus"], first["IsTruncated"]) == ("COMPLETED", True)
    assert (second["JobStatus"], second["IsTruncated"]) == ("COMPLETED", False)
    assert "Marker" not in second
    assert [row["ServiceNamespace"] for row in first["ServicesLastAccessed"]] == [
        "ec2",
        "iam",
        "s3",
    ]
    assert second["ServicesLastAccessed"] == [
        {"ServiceName": "Amazon SQS", "ServiceNamespace": "sqs", "TotalAuthenticatedEntities": 0}
    ]
    iam_row, s3_row = first["ServicesLastAccessed"][1:]
    assert (iam_row["LastAuthenticated"], iam_row["LastAuthenticatedRegion"]) == (NOW, "us-east-1")
    assert (s3_row["LastAuthenticated"], s3_row["LastAuthenticatedRegion"]) == (
        TWO_DAYS_AGO,
        "eu-west-1",
    )
    assert iam_row["LastAuthenticatedEntity"] == s3_row["LastAuthenticatedEntity"] == ALICE
    alice = {"Arn": ALICE, "Name": "alice", "Type": "USER", "Id": seen["user_id"], "Path": "/"}
    entities = {name: report["EntityDetailsList"] for name, report in seen["entities"].items()}
    assert entities == {
        "iam": [{"EntityInfo": alice, "LastAuthenticated": NOW}],
        "s3": [{"EntityInfo": alice, "LastAuthenticated": TWO_DAYS_AGO}],
        "sqs": [{"EntityInfo": alice}],
    }


# ---- interception ---------------------------------------------------------------------------


async def answers_before_inside_and_after(sts_session: Any, error: type[Exception]) -> list[str]:
    """What one sts client, created before activation, answers before, inside and after."""
    answers = []
    client = sts_session.client("sts", endpoint_url=UNREACHABLE, config=NO_RETRIES)
    async with client as sts:
        for phase in ("before", "inside", "after"):
            try:
                if phase == "inside":
                    async with mock_access():
                        answers.append((await sts.get_caller_identity())["Arn"])
                else:
                    await sts.get_caller_identity()
            except error:
                answers.append(error.__name__)
    return answers


def test_client_created_before_activation_is_served_and_normal_after() -> None:
    answers = asyncio.run(answers_before_inside_and_after(session(), EndpointConnectionError))
    assert answers == ["EndpointConnectionError", ROOT, "EndpointConnectionError"]


def test_client_created_without_any_credentials_is_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    anonymous = session()
    assert asyncio.run(anonymous.get_credentials()) is None
    answers = asyncio.run(answers_before_inside_and_after(anonymous, NoCredentialsError))
    assert answers == ["NoCredentialsError", ROOT, "NoCredentialsError"]
