"""Side by side with moto: the mock answers IAM and STS, moto every other service, and every
call counts as activity for the principal whose key signed it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from support import ACCOUNT, ALICE, NOW, ROOT, TRUST_ROOT, client_for, error_of

from iam_access_mock import AccessMock, mock_access
from iam_access_mock.services import provider_for

moto = pytest.importorskip("moto")
mock_aws = moto.mock_aws

ORDERS = ["moto outside", "moto inside"]


@contextmanager
def both_active(order: str) -> Iterator[AccessMock]:
    """moto and the mock, entered in ``order``; the mock's clock pinned to ``NOW``."""
    if order == "moto outside":
        with mock_aws(), mock_access() as aws:
            aws.clock.set(NOW)
            yield aws
    else:
        with mock_access() as aws, mock_aws():
            aws.clock.set(NOW)
            yield aws


def user_with_key(iam: Any, name: str = "alice", policy: str = "AmazonS3FullAccess") -> Any:
    """A user with ``policy`` attached, and its access key (made by the mock's IAM)."""
    iam.create_user(UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn=f"arn:aws:iam::aws:policy/{policy}")
    return iam.create_access_key(UserName=name)["AccessKey"]


def report_row(iam: Any, arn: str, namespace: str) -> dict[str, Any]:
    """The Access Advisor row of ``namespace`` in a new job for ``arn``."""
    job = iam.generate_service_last_accessed_details(Arn=arn)["JobId"]
    report = iam.get_service_last_accessed_details(JobId=job)
    assert report["JobStatus"] == "COMPLETED"
    rows = [row for row in report["ServicesLastAccessed"] if row["ServiceNamespace"] == namespace]
    assert len(rows) == 1, report["ServicesLastAccessed"]
    row: dict[str, Any] = rows[0]
    return row


# ---- IAM and STS are the mock's --------------------------------------------------------------


@pytest.mark.parametrize("order", ORDERS)
def test_iam_and_sts_are_answered_by_the_mock(order: str) -> None:
    with both_active(order):
        iam = boto3.client("iam")
        created = iam.create_user(UserName="alice")["User"]
        assert iam.get_user(UserName="alice")["User"]["UserId"] == created["UserId"]
        key = iam.create_access_key(UserName="alice")["AccessKey"]
        # moto does not know the mock's keys: its answer would name its own default user.
        identity = client_for("sts", key).get_caller_identity()
        assert (identity["Arn"], identity["UserId"]) == (ALICE, created["UserId"])
        # moto raises NotImplementedError for this operation.
        job = iam.generate_service_last_accessed_details(Arn=ALICE)["JobId"]
        assert iam.get_service_last_accessed_details(JobId=job)["JobStatus"] == "COMPLETED"


def _iam_operation_the_mock_lacks(iam: Any) -> str:
    """An IAM operation without required parameters that the mock does not serve (and moto
    does, as its listing operations all are)."""
    model = iam.meta.service_model
    handlers = provider_for("iam").handlers  # type: ignore[union-attr]
    for name in model.operation_names:
        shape = model.operation_model(name).input_shape
        if name.startswith("List") and name not in handlers and not (
            shape and shape.required_members
        ):
            return xform_name(name)
    pytest.skip("the mock serves every IAM listing")


@pytest.mark.parametrize("order", ORDERS)
def test_iam_operation_the_mock_lacks_is_not_handed_to_moto(order: str) -> None:
    # A service is answered wholly by one side: moto's IAM does not hold the mock's users.
    with both_active(order):
        iam = boto3.client("iam")
        operation = _iam_operation_the_mock_lacks(iam)
        with pytest.raises(ClientError) as excinfo:
            getattr(iam, operation)()
        assert excinfo.value.response["Error"]["Code"] == "NotImplemented"
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


# ---- every other service is moto's, and counts for its signer ---------------------------------


def _listing(client: Any) -> Any:
    """A client of the same service and region, signed with the default fake key."""
    return boto3.client(client.meta.service_model.service_name, region_name=client.meta.region_name)


def _s3(client: Any) -> str:
    region = client.meta.region_name
    client.create_bucket(
        Bucket="alice-bucket", CreateBucketConfiguration={"LocationConstraint": region}
    )
    return str(_listing(client).list_buckets()["Buckets"][0]["Name"])


def _sqs(client: Any) -> str:
    client.create_queue(QueueName="alice-queue")
    url: str = _listing(client).list_queues()["QueueUrls"][0]
    return url.rsplit("/", 1)[-1]


def _ec2(client: Any) -> str:
    vpc = client.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    return str(_listing(client).describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["CidrBlock"])


# (service, managed policy granting it, the call through moto, what moto keeps, report name)
MOTO_SERVICES = [
    ("s3", "AmazonS3FullAccess", _s3, "alice-bucket", "Amazon S3"),
    ("sqs", "AmazonSQSFullAccess", _sqs, "alice-queue", "Amazon SQS"),
    ("ec2", "AmazonEC2FullAccess", _ec2, "10.7.0.0/16", "Amazon EC2"),
]


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize(("service", "policy", "call", "kept", "service_name"), MOTO_SERVICES)
def test_moto_answers_other_services_and_the_call_is_activity(
    order: str,
    service: str,
    policy: str,
    call: Callable[[Any], str],
    kept: str,
    service_name: str,
) -> None:
    with both_active(order) as aws:
        iam = boto3.client("iam")
        key = user_with_key(iam, policy=policy)
        assert call(client_for(service, key, region="eu-west-1")) == kept
        row = report_row(iam, ALICE, service)
        assert row["ServiceName"] == service_name
        assert row["LastAuthenticated"] == NOW
        assert row["LastAuthenticatedEntity"] == ALICE
        assert row["LastAuthenticatedRegion"] == "eu-west-1"
        assert row["TotalAuthenticatedEntities"] == 1
        last = aws.last_access(ALICE, service)
        assert last is not None and (last.when, last.region) == (NOW, "eu-west-1")
        used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
        assert (used["ServiceName"], used["Region"]) == (service, "eu-west-1")


@pytest.mark.parametrize("order", ORDERS)
def test_moto_answered_call_is_recorded_per_action(order: str) -> None:
    with both_active(order) as aws:
        key = user_with_key(boto3.client("iam"))
        client_for("s3", key).create_bucket(Bucket="alice-bucket")
        last = aws.last_access(ALICE, "s3:CreateBucket")
        assert last is not None and last.when == NOW
        assert aws.last_access(ALICE, "s3:ListAllMyBuckets") is None


@pytest.mark.parametrize("order", ORDERS)
def test_call_moto_answers_with_an_error_is_an_attempt_all_the_same(order: str) -> None:
    with both_active(order) as aws:
        s3 = client_for("s3", user_with_key(boto3.client("iam")))
        with pytest.raises(ClientError) as excinfo:
            s3.get_object(Bucket="no-such-bucket", Key="k")
        assert error_of(excinfo)[0] == "NoSuchBucket"  # moto's answer
        last = aws.last_access(ALICE, "s3:GetObject")
        assert last is not None and last.when == NOW


def test_call_answered_by_any_before_send_handler_is_recorded() -> None:
    """Not only moto's: whatever answers before the mock, the attempt counts."""
    from botocore.awsrequest import AWSResponse

    body = b'{"QueueUrls": ["https://sqs.us-east-1.amazonaws.com/123456789012/canned"]}'

    def canned(request: Any, **_: Any) -> AWSResponse:
        response = AWSResponse(request.url, 200, {"x-amzn-RequestId": "r"}, None)
        response._content = body
        return response

    with mock_access() as aws:
        aws.clock.set(NOW)
        sqs = client_for("sqs", user_with_key(boto3.client("iam"), policy="AmazonSQSFullAccess"))
        sqs.meta.events.register("before-send.sqs.ListQueues", canned)
        assert sqs.list_queues()["QueueUrls"][0].endswith("/canned")
        last = aws.last_access(ALICE, "sqs:ListQueues")
        assert last is not None and last.when == NOW


@pytest.mark.parametrize("order", ORDERS)
def test_role_session_calls_through_moto_count_for_the_role(order: str) -> None:
    with both_active(order) as aws:
        iam = boto3.client("iam")
        role = iam.create_role(RoleName="reader", AssumeRolePolicyDocument=TRUST_ROOT)["Role"]
        session = boto3.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="s1")
        client_for("s3", session["Credentials"]).create_bucket(Bucket="role-bucket")
        last = aws.last_access(role["Arn"], "s3")
        assert last is not None and last.when == NOW
        assert aws.last_access(ROOT, "s3") is None


# ---- keys the mock does not accept, or does not know ----------------------------------------


def _deactivate(iam: Any, key: Any) -> None:
    iam.update_access_key(UserName="alice", AccessKeyId=key["AccessKeyId"], Status="Inactive")


def _delete(iam: Any, key: Any) -> None:
    iam.delete_access_key(UserName="alice", AccessKeyId=key["AccessKeyId"])


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("revoke", [_deactivate, _delete], ids=["inactive", "deleted"])
def test_rejected_key_on_a_moto_call_keeps_moto_answer_and_records_nothing(
    order: str, revoke: Callable[[Any, Any], None]
) -> None:
    with both_active(order) as aws:
        iam = boto3.client("iam")
        key = user_with_key(iam)
        revoke(iam, key)
        s3 = client_for("s3", key)
        s3.create_bucket(Bucket="after-revoke")  # moto checks no keys: it answers
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["after-revoke"]
        assert aws.last_access(ALICE, "s3") is None
        assert aws.last_access(ROOT, "s3") is None
        # The same key on a call the mock answers is refused, as before.
        with pytest.raises(ClientError) as excinfo:
            client_for("sts", key).get_caller_identity()
        assert error_of(excinfo)[0] == "InvalidClientTokenId"


@pytest.mark.parametrize("order", ORDERS)
def test_expired_session_on_a_moto_call_records_nothing(order: str) -> None:
    with both_active(order) as aws:
        role = boto3.client("iam").create_role(
            RoleName="reader", AssumeRolePolicyDocument=TRUST_ROOT
        )["Role"]
        session = boto3.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="s1")
        aws.clock.advance(timedelta(hours=2))
        client_for("s3", session["Credentials"]).create_bucket(Bucket="late-bucket")
        assert aws.last_access(role["Arn"], "s3") is None
        assert aws.last_access(ROOT, "s3") is None


@pytest.mark.parametrize("order", ORDERS)
def test_key_unknown_to_the_mock_counts_for_the_default_account_root(order: str) -> None:
    unknown = {"AccessKeyId": "AKIAUNKNOWNTOTHEMOCK", "SecretAccessKey": "secret"}
    with both_active(order) as aws:
        client_for("s3", unknown).create_bucket(Bucket="root-bucket")
        last = aws.last_access(ROOT, "s3:CreateBucket")
        assert last is not None and last.when == NOW


@pytest.mark.parametrize("order", ORDERS)
def test_unsigned_moto_call_counts_for_no_one(order: str) -> None:
    from botocore import UNSIGNED
    from botocore.config import Config

    with both_active(order) as aws:
        boto3.client("s3").create_bucket(Bucket="public-bucket")
        aws.reset()
        aws.clock.set(NOW)
        unsigned = boto3.client("s3", config=Config(signature_version=UNSIGNED))
        assert unsigned.list_objects_v2(Bucket="public-bucket")["KeyCount"] == 0
        assert aws.last_access(ROOT, "s3") is None


# ---- nesting, decorators and fixtures ---------------------------------------------------------


def _round_trip() -> None:
    """alice's bucket kept by moto, and seen in her Access Advisor report (boto3 only)."""
    iam = boto3.client("iam")
    s3 = client_for("s3", user_with_key(iam))
    s3.create_bucket(Bucket="alice-bucket")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["alice-bucket"]
    row = report_row(iam, ALICE, "s3")
    assert row["LastAuthenticatedEntity"] == ALICE
    assert row["TotalAuthenticatedEntities"] == 1


def test_nested_activations_of_both() -> None:
    with mock_aws(), mock_access() as aws:
        with mock_access() as inner, mock_aws():
            assert inner is aws
            _round_trip()
        # The inner exits leave both active, with their state.
        buckets = boto3.client("s3").list_buckets()["Buckets"]
        assert [b["Name"] for b in buckets] == ["alice-bucket"]
        assert boto3.client("iam").get_user(UserName="alice")["User"]["Arn"] == ALICE
        assert aws.last_access(ALICE, "s3") is not None


@mock_aws
@mock_access
def _moto_decorator_outside() -> None:
    _round_trip()


@mock_access
@mock_aws
def _moto_decorator_inside() -> None:
    _round_trip()


@pytest.mark.parametrize("decorated", [_moto_decorator_outside, _moto_decorator_inside])
def test_decorator_forms(decorated: Callable[[], None]) -> None:
    decorated()
    with mock_aws():
        assert boto3.client("s3").list_buckets()["Buckets"] == []  # moto started afresh


@mock_aws
@mock_access
class TestClassDecoratedMotoOutside:
    def test_round_trip(self) -> None:
        _round_trip()


@mock_access
@mock_aws
class TestClassDecoratedMotoInside:
    def test_round_trip(self) -> None:
        _round_trip()


@pytest.fixture
def aws() -> Iterator[AccessMock]:
    """The recipe of docs/moto.md: moto for every service, the mock for IAM and STS."""
    with mock_aws(), mock_access() as handle:
        yield handle


def test_the_documented_fixture(aws: AccessMock) -> None:
    aws.clock.set(NOW)
    _round_trip()
    assert report_row(boto3.client("iam"), ALICE, "s3")["LastAuthenticated"] == NOW


def test_the_plugin_fixture_inside_moto(access_mock: AccessMock) -> None:
    with mock_aws():
        _round_trip()


# ---- each alone, before and after the other -------------------------------------------------


def test_iam_state_made_in_moto_before_the_mock_stays_in_moto() -> None:
    with mock_aws():
        iam = boto3.client("iam")
        moto_user = iam.create_user(UserName="made-in-moto")["User"]
        moto_key = iam.create_access_key(UserName="made-in-moto")["AccessKey"]
        with mock_access() as aws:
            aws.clock.set(NOW)
            with pytest.raises(ClientError) as excinfo:
                iam.get_user(UserName="made-in-moto")
            assert error_of(excinfo)[0] == "NoSuchEntity"
            iam.create_user(UserName="made-in-mock")
            assert [u["UserName"] for u in iam.list_users()["Users"]] == ["made-in-mock"]
            # moto's key is unknown to the mock: its calls count for the account root.
            client_for("s3", moto_key).create_bucket(Bucket="moto-key-bucket")
            assert aws.last_access(ROOT, "s3") is not None
            assert client_for("sts", moto_key).get_caller_identity()["Arn"] == ROOT
        # moto answers IAM again, from its own state: the mock's user is gone with the mock.
        assert iam.get_user(UserName="made-in-moto")["User"]["UserId"] == moto_user["UserId"]
        assert [u["UserName"] for u in iam.list_users()["Users"]] == ["made-in-moto"]
        with pytest.raises(ClientError) as excinfo:
            iam.get_user(UserName="made-in-mock")
        assert error_of(excinfo)[0] == "NoSuchEntity"
        # The bucket made while both were active stays in moto.
        buckets = boto3.client("s3").list_buckets()["Buckets"]
        assert [b["Name"] for b in buckets] == ["moto-key-bucket"]


def test_moto_alone_after_the_mock_is_untouched() -> None:
    with both_active("moto outside"):
        boto3.client("iam").create_user(UserName="alice")
    with mock_aws():
        iam = boto3.client("iam")
        with pytest.raises(ClientError) as excinfo:
            iam.get_user(UserName="alice")
        assert error_of(excinfo)[0] == "NoSuchEntity"
        created = iam.create_user(UserName="bob")["User"]
        assert created["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/bob"
        assert iam.get_user(UserName="bob")["User"]["UserId"] == created["UserId"]
        # moto's own answer, not the mock's.
        with pytest.raises(NotImplementedError):
            iam.generate_service_last_accessed_details(Arn=created["Arn"])
        assert boto3.client("sts").get_caller_identity()["Arn"].endswith(":user/moto")


def test_mock_alone_with_moto_imported_is_untouched() -> None:
    assert "moto.core.botocore_stubber" in sys.modules
    with mock_access():
        iam = boto3.client("iam")
        created = iam.create_user(UserName="alice")["User"]
        assert iam.get_user(UserName="alice")["User"]["UserId"] == created["UserId"]
        # Not moto's answer: the mock's refusal of a service it does not serve.
        with pytest.raises(ClientError) as excinfo:
            boto3.client("s3").list_buckets()
        assert excinfo.value.response["Error"]["Code"] == "NotImplemented"
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


# ---- when moto is imported ------------------------------------------------------------------

_SUBPROCESS_PRELUDE = """
import os, socket, sys
os.environ.update(AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY="x",
                  AWS_DEFAULT_REGION="us-east-1")
def refuse(*args, **kwargs):
    raise ConnectionRefusedError("network disabled in tests")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
import boto3
from iam_access_mock import mock_access
"""

# alice's bucket through moto, counted in her report; moto is imported by the caller.
_SUBPROCESS_ROUND_TRIP = """
def round_trip(aws, mock_aws):
    alice = "arn:aws:iam::123456789012:user/alice"
    with mock_aws():
        iam = boto3.client("iam")
        iam.create_user(UserName="alice")
        iam.attach_user_policy(
            UserName="alice", PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess"
        )
        key = iam.create_access_key(UserName="alice")["AccessKey"]
        s3 = boto3.client(
            "s3",
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
        )
        s3.create_bucket(Bucket="alice-bucket")
        assert s3.list_buckets()["Buckets"][0]["Name"] == "alice-bucket"
        assert aws.last_access(alice, "s3") is not None
        job = iam.generate_service_last_accessed_details(Arn=alice)["JobId"]
        rows = iam.get_service_last_accessed_details(JobId=job)["ServicesLastAccessed"]
        assert [r["ServiceNamespace"] for r in rows if "LastAuthenticated" in r] == ["s3"]
"""


def _run(script: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_importing_and_activating_the_mock_does_not_import_moto() -> None:
    script = _SUBPROCESS_PRELUDE + textwrap.dedent(
        """
        with mock_access():
            boto3.client("iam").create_user(UserName="alice")
        print(sorted(name for name in sys.modules if name.split(".")[0] == "moto"))
        """
    )
    assert _run(script).strip() == "[]"


def test_moto_imported_after_activation() -> None:
    script = _SUBPROCESS_PRELUDE + _SUBPROCESS_ROUND_TRIP + textwrap.dedent(
        """
        with mock_access() as aws:
            boto3.client("iam").create_user(UserName="early")
            from moto import mock_aws
            round_trip(aws, mock_aws)
        print("ok")
        """
    )
    assert _run(script).strip() == "ok"


def test_moto_imported_before_the_first_activation() -> None:
    script = _SUBPROCESS_PRELUDE + _SUBPROCESS_ROUND_TRIP + textwrap.dedent(
        """
        from moto import mock_aws
        with mock_access() as aws:
            round_trip(aws, mock_aws)
        print("ok")
        """
    )
    assert _run(script).strip() == "ok"
