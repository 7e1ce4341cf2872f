"""Interception: which requests the mock answers, and that everything else is left alone."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import boto3
import botocore.endpoint
import pytest
from botocore import UNSIGNED
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError
from botocore.httpsession import URLLib3Session

from iam_access_mock import mock_access

FAKE_KEY = "AKIAIOSFODNN7EXAMPLE"
UNREACHABLE = "http://127.0.0.1:9"  # the discard port on loopback: connection refused
NO_RETRIES = Config(retries={"max_attempts": 0})


def unreachable_client(service: str, config: Config = NO_RETRIES) -> Any:
    return boto3.client(service, endpoint_url=UNREACHABLE, config=config)


def test_client_created_before_activation_is_served_and_normal_after() -> None:
    iam = unreachable_client("iam")
    with pytest.raises(EndpointConnectionError):
        iam.get_user(UserName="early")
    with mock_access():
        created = iam.create_user(UserName="early")["User"]
        assert created["Arn"] == "arn:aws:iam::123456789012:user/early"
        assert iam.get_user(UserName="early")["User"]["UserId"] == created["UserId"]
    with pytest.raises(EndpointConnectionError, match="127.0.0.1:9"):
        iam.get_user(UserName="early")


def test_client_created_inside_behaves_normally_after_exit() -> None:
    with mock_access():
        sts = unreachable_client("sts")
        assert sts.get_caller_identity()["Account"] == "123456789012"
    with pytest.raises(EndpointConnectionError):
        sts.get_caller_identity()


def test_client_created_without_any_credentials_is_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    session = boto3.Session()
    assert session.get_credentials() is None
    sts = session.client("sts", config=NO_RETRIES)
    with pytest.raises(NoCredentialsError):
        sts.get_caller_identity()
    with mock_access():
        identity = sts.get_caller_identity()
        assert identity["Arn"] == "arn:aws:iam::123456789012:root"
        url = sts.generate_presigned_url("get_caller_identity")
        assert f"X-Amz-Credential={FAKE_KEY}%2F" in url
    with pytest.raises(NoCredentialsError):
        sts.get_caller_identity()


def test_response_goes_through_botocore_parsing() -> None:
    with mock_access():
        response = boto3.client("iam").create_user(UserName="parsed")
    metadata = response["ResponseMetadata"]
    assert metadata["HTTPStatusCode"] == 200
    assert metadata["RetryAttempts"] == 0
    assert metadata["HTTPHeaders"]["x-amzn-requestid"] == metadata["RequestId"]
    assert response["User"]["CreateDate"].tzinfo is not None


@pytest.mark.parametrize(
    ("service", "operation", "kwargs", "service_id", "operation_name"),
    [
        ("s3", "list_buckets", {}, "S3", "ListBuckets"),  # rest-xml
        ("ec2", "describe_instances", {}, "EC2", "DescribeInstances"),  # ec2
        ("sqs", "list_queues", {}, "SQS", "ListQueues"),  # json
        ("lambda", "list_functions", {}, "Lambda", "ListFunctions"),  # rest-json
        (
            "iam",
            "create_service_linked_role",
            {"AWSServiceName": "elasticbeanstalk.amazonaws.com"},
            "IAM",
            "CreateServiceLinkedRole",
        ),  # a served service, an unserved operation
    ],
)
def test_unserved_call_is_not_implemented_naming_service_and_operation(
    service: str, operation: str, kwargs: dict[str, Any], service_id: str, operation_name: str
) -> None:
    with mock_access():
        client = unreachable_client(service)
        with pytest.raises(ClientError) as info:
            getattr(client, operation)(**kwargs)
    error = info.value.response
    assert error["Error"]["Code"] == "NotImplemented"
    assert service_id in error["Error"]["Message"]
    assert operation_name in error["Error"]["Message"]
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert error["ResponseMetadata"]["RetryAttempts"] == 0


def test_unserved_call_with_a_streaming_body_is_answered() -> None:
    with mock_access():
        s3 = unreachable_client("s3")
        with pytest.raises(ClientError) as info:
            s3.put_object(Bucket="bucket", Key="key", Body=io.BytesIO(b"data" * 1000))
    assert info.value.response["Error"]["Code"] == "NotImplemented"
    assert "PutObject" in info.value.response["Error"]["Message"]


def test_unsigned_request_is_refused_as_aws_does() -> None:
    with mock_access() as aws:
        sts = unreachable_client("sts", NO_RETRIES.merge(Config(signature_version=UNSIGNED)))
        with pytest.raises(ClientError) as raised:
            sts.get_caller_identity()
        error = raised.value.response
        assert error["Error"]["Code"] == "MissingAuthenticationToken"
        assert error["Error"]["Message"] == "Request is missing Authentication Token"
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
        # An anonymous request is attributed to nobody: no activity is recorded.
        assert aws.last_access(f"arn:aws:iam::{aws.account_id}:root") is None


def test_presigned_urls_are_built_under_the_mock() -> None:
    with mock_access():
        s3 = boto3.client("s3", region_name="us-east-1")
        url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": "bucket", "Key": "key"}, ExpiresIn=60
        )
        post = s3.generate_presigned_post("bucket", "key")
        sts_url = boto3.client("sts").generate_presigned_url("get_caller_identity")
    assert url.startswith("https://bucket.s3.amazonaws.com/key?")
    assert FAKE_KEY in url
    assert post["fields"]["key"] == "key"
    assert "Action=GetCallerIdentity" in sts_url


def test_other_botocore_http_is_refused_while_active() -> None:
    request = AWSRequest(method="GET", url=f"{UNREACHABLE}/latest/meta-data/").prepare()
    with mock_access(), pytest.raises(EndpointConnectionError, match="refused by iam-access-mock"):
        URLLib3Session().send(request)
    with pytest.raises(EndpointConnectionError) as info:
        URLLib3Session().send(request)
    assert "iam-access-mock" not in str(info.value)


def test_user_before_send_handler_still_wins() -> None:
    """botocore's own stubbing hook runs before the mock, as it would before the network."""
    from botocore.awsrequest import AWSResponse

    body = (
        b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        b"<GetCallerIdentityResult><Arn>arn:aws:iam::999999999999:user/stub</Arn><UserId>AIDASTUB</UserId>"
        b"<Account>999999999999</Account></GetCallerIdentityResult>"
        b"<ResponseMetadata><RequestId>stub</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
    )

    class Raw:
        def stream(self, **_: Any) -> Any:
            yield body

    def stub(request: Any, **_: Any) -> AWSResponse:
        return AWSResponse(request.url, 200, {}, Raw())

    with mock_access():
        sts = boto3.client("sts")
        sts.meta.events.register("before-send.sts.GetCallerIdentity", stub)
        assert sts.get_caller_identity()["Account"] == "999999999999"
        assert boto3.client("sts").get_caller_identity()["Account"] == "123456789012"


def test_wrappers_are_installed_once_however_many_activations() -> None:
    for _ in range(3):
        with mock_access():
            pass
    send = botocore.endpoint.Endpoint._send
    assert hasattr(send, "__wrapped__")
    assert not hasattr(send.__wrapped__, "__wrapped__")
