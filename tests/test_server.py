"""Server mode through boto3 and plain HTTP: the same answers as in process, attribution by
access key, AWS-shaped errors for what cannot be routed, bad input that never stops it."""

from __future__ import annotations

import gzip
import json
import re
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from server_support import (
    Contacts,
    client,
    control,
    loopback_guard_fixture,  # noqa: F401 - the module's loopback_guard fixture
    send,
    send_signed,
)
from support import allow, without_metadata

from iam_access_mock import mock_access
from iam_access_mock.server import AccessMockServer

ALICE = "arn:aws:iam::123456789012:user/alice"


@pytest.fixture(autouse=True)
def _no_network(loopback_guard: Contacts) -> None:
    """Replaces conftest's guard: loopback only, recorded for the whole module."""


@pytest.fixture(scope="module")
def server(loopback_guard: Contacts) -> Iterator[AccessMockServer]:
    with AccessMockServer() as running:
        yield running


@pytest.fixture
def url(server: AccessMockServer) -> str:
    server.reset()
    assert server.endpoint_url is not None
    return server.endpoint_url


def test_boto3_round_trip_over_http(server: AccessMockServer, url: str) -> None:
    iam = client("iam", url)
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="s3", PolicyDocument=allow("s3:GetObject"))
    server.clock.set(datetime(2026, 11, 2, 10, 0, 30, tzinfo=timezone.utc))
    server.record_access(ALICE, "s3:GetObject", region="eu-west-1")

    job = iam.generate_service_last_accessed_details(Arn=ALICE)["JobId"]
    report = iam.get_service_last_accessed_details(JobId=job)
    assert report["JobStatus"] == "COMPLETED"
    [row] = report["ServicesLastAccessed"]
    assert row["ServiceNamespace"] == "s3"
    assert row["LastAuthenticated"] == datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)
    assert row["LastAuthenticatedRegion"] == "eu-west-1"
    granting = iam.list_policies_granting_service_access(Arn=ALICE, ServiceNamespaces=["s3"])
    assert granting["PoliciesGrantingServiceAccess"][0]["Policies"] == [
        {"PolicyName": "s3", "PolicyType": "INLINE", "EntityType": "USER", "EntityName": "alice"}
    ]


def test_answers_are_the_ones_given_in_process(url: str) -> None:
    """The same calls, in process and over HTTP, parse to the same answers."""

    def calls(iam: Any) -> list[Any]:
        iam.create_user(UserName="bob", Path="/team/", Tags=[{"Key": "k", "Value": "v"}])
        answers = [iam.get_user(UserName="bob"), iam.list_users(), iam.list_user_tags(UserName="bob")]
        with pytest.raises(ClientError) as missing:
            iam.get_user(UserName="nobody")
        answers.append(missing.value.response["Error"])
        return [without_metadata(answer) for answer in answers]

    with mock_access() as aws:
        aws.clock.set(datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc))
        in_process = calls(boto3.client("iam"))
    over_http = calls(client("iam", url))
    for answers in (in_process, over_http):
        answers[0]["User"].pop("UserId")
        answers[0]["User"].pop("CreateDate")
        for user in answers[1]["Users"]:
            user.pop("UserId"), user.pop("CreateDate")
    assert over_http == in_process
    assert over_http[3] == {
        "Code": "NoSuchEntity",
        "Message": "The user with name nobody cannot be found.",
        "Type": "Sender",
    }


def test_the_access_key_decides_who_calls(server: AccessMockServer, url: str) -> None:
    iam = client("iam", url)
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    as_alice = client("sts", url, key["AccessKeyId"], key["SecretAccessKey"])
    assert as_alice.get_caller_identity()["Arn"] == ALICE
    assert server.last_access(ALICE, "sts") is not None

    iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }))
    session = client("sts", url).assume_role(
        RoleArn="arn:aws:iam::123456789012:role/deployer", RoleSessionName="ci"
    )["Credentials"]
    as_role = client("sts", url, session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"])
    assert as_role.get_caller_identity()["Arn"] == "arn:aws:sts::123456789012:assumed-role/deployer/ci"

    iam.update_access_key(UserName="alice", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    with pytest.raises(ClientError) as refused:
        as_alice.get_caller_identity()
    assert refused.value.response["Error"]["Code"] == "InvalidClientTokenId"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_a_json_service_over_http(url: str) -> None:
    organizations = client("organizations", url)
    with pytest.raises(ClientError) as excinfo:
        organizations.describe_organization()
    assert excinfo.value.response["Error"]["Code"] == "AWSOrganizationsNotInUseException"


def test_an_unserved_service_is_not_implemented_and_recorded(server: AccessMockServer, url: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        client("s3", url).list_buckets()
    error = excinfo.value.response
    assert error["Error"]["Code"] == "NotImplemented"
    assert "S3 (s3) operation ListBuckets" in error["Error"]["Message"]
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert error["ResponseMetadata"]["RetryAttempts"] == 0
    root = "arn:aws:iam::123456789012:root"
    assert server.last_access(root, "s3:ListAllMyBuckets") is not None


def test_an_unknown_query_action_is_501_in_iam_xml(url: str) -> None:
    status, _, body = send_signed(
        url, "iam", body=b"Action=NoSuchAction&Version=2010-05-08",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    assert status == 501
    assert b"<Code>NotImplemented</Code>" in body
    assert b'xmlns="https://iam.amazonaws.com/doc/2010-05-08/"' in body


def test_an_unknown_json_target_is_501_in_json(url: str) -> None:
    status, _, body = send_signed(
        url, "organizations", body=b"{}",
        headers={"X-Amz-Target": "AWSOrganizationsV20161128.NoSuchOperation",
                 "Content-Type": "application/x-amz-json-1.1"},
    )
    assert status == 501
    assert json.loads(body)["__type"] == "NotImplemented"


def test_an_unknown_signing_service_is_501(url: str) -> None:
    status, _, body = send_signed(url, "no-such-service", method="GET", path="/anything")
    assert status == 501
    assert json.loads(body)["__type"] == "NotImplemented"
    assert "no-such-service" in json.loads(body)["message"]


def test_an_unsigned_request_is_missing_authentication_token(url: str) -> None:
    status, _, body = send(url + "/", "POST", b"Action=ListUsers&Version=2010-05-08",
                           {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403
    assert b"<Code>MissingAuthenticationToken</Code>" in body
    status, _, body = send(url + "/whatever")
    assert status == 403
    assert json.loads(body)["__type"] == "MissingAuthenticationToken"


def test_a_malformed_authorization_is_incomplete_signature(url: str) -> None:
    status, _, body = send(url + "/", "POST", b"Action=ListUsers&Version=2010-05-08",
                           {"Content-Type": "application/x-www-form-urlencoded",
                            "Authorization": "AWS4-HMAC-SHA256 garbage"})
    assert status == 400
    assert b"<Code>IncompleteSignature</Code>" in body
    assert b"requires &apos;Credential&apos; parameter" in body or b"requires 'Credential'" in body


def test_a_body_over_10_mib_is_413_and_the_server_goes_on(url: str) -> None:
    status, _, body = send_signed(
        url, "iam", body=b"Action=ListUsers&Version=2010-05-08&x=" + b"a" * (10 * 1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 413
    assert b"RequestEntityTooLarge" in body
    assert client("iam", url).list_users()["Users"] == []


def _raw_exchange(url: str, data: bytes) -> bytes:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(data)
        connection.shutdown(socket.SHUT_WR)  # as a client that has said all it will
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40,  # a TLS hello
        b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Long: " + b"a" * 70000 + b"\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\nshort",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
        b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
    ],
    ids=["tls", "long-header", "short-body", "bad-length", "bad-method", "bad-version"],
)
def test_malformed_http_gets_a_4xx_and_the_server_goes_on(url: str, garbage: bytes) -> None:
    answer = _raw_exchange(url, garbage)
    if answer:  # a connection closed with no answer is acceptable for a truncated body
        # A request line with no version is answered as HTTP/0.9 does: the body alone.
        found = re.match(rb"HTTP/1\.[01] (\d{3})", answer) or re.search(rb"Error code: (\d{3})", answer)
        assert found is not None, answer[:200]
        # 505 HTTP Version Not Supported is http.server's answer to HTTP/9.9.
        assert 400 <= int(found.group(1)) < 500 or int(found.group(1)) == 505, answer[:200]
    assert client("iam", url).list_users()["Users"] == []


# ---- the control API ---------------------------------------------------------------------


def test_control_health_and_reset(server: AccessMockServer, url: str) -> None:
    status, health = control(url, "health", method="GET")
    assert status == 200
    assert health["status"] == "ok" and health["account_id"] == "123456789012"
    assert {"iam", "sts"} <= set(health["services"])
    client("iam", url).create_user(UserName="alice")
    assert control(url, "reset") == (200, {})
    assert client("iam", url).list_users()["Users"] == []


def test_control_accesses_show_in_reports(url: str) -> None:
    iam = client("iam", url)
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="all", PolicyDocument=allow("s3:*", "sqs:*"))
    assert control(url, "clock/set", {"now": "2026-11-03T00:00:00Z"})[0] == 200
    status, answer = control(url, "accesses", {"accesses": [
        {"principal_arn": ALICE, "action": "s3:GetObject", "at": "2026-11-02T10:00:00Z",
         "region": "eu-west-1"},
        {"principal_arn": ALICE, "action": "sqs"},
    ]})
    assert (status, answer) == (200, {"recorded": 2})
    job = iam.generate_service_last_accessed_details(Arn=ALICE)["JobId"]
    rows = {row["ServiceNamespace"]: row for row in
            iam.get_service_last_accessed_details(JobId=job)["ServicesLastAccessed"]}
    assert rows["s3"]["LastAuthenticated"] == datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)
    assert rows["s3"]["LastAuthenticatedRegion"] == "eu-west-1"
    assert rows["sqs"]["LastAuthenticated"] == datetime(2026, 11, 3, tzinfo=timezone.utc)


def test_control_cloudtrail_upload(server: AccessMockServer, url: str) -> None:
    client("iam", url).create_user(UserName="alice")
    control(url, "clock/set", {"now": "2026-11-03T00:00:00Z"})
    record = {
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "arn": ALICE, "accountId": "123456789012", "userName": "alice"},
        "eventTime": "2026-11-02T10:00:00Z", "eventSource": "s3.amazonaws.com",
        "eventName": "ListBuckets", "awsRegion": "eu-west-1", "eventType": "AwsApiCall",
        "recipientAccountId": "123456789012",
    }
    log = gzip.compress(json.dumps({"Records": [record, {"eventVersion": "1.08"}]}).encode())
    status, _, body = send(f"{url}/_iam_access_mock/cloudtrail", "POST", log)
    assert status == 200
    assert json.loads(body) == {"taken": 1, "skipped": 0, "unknown": 0, "malformed": 1}
    access = server.last_access(ALICE, "s3:ListAllMyBuckets")
    assert access is not None and access.region == "eu-west-1"


def test_control_clock_and_jobs(url: str) -> None:
    assert control(url, "clock/set", {"now": "2026-01-01T00:00:00"}) == (
        200, {"now": "2026-01-01T00:00:00+00:00", "pinned": True})
    assert control(url, "clock/advance", {"days": 2, "hours": -1})[1]["now"] == "2026-01-02T23:00:00+00:00"
    assert control(url, "clock", method="GET")[1]["pinned"] is True
    assert control(url, "clock/follow-real-time")[1]["pinned"] is False

    iam = client("iam", url)
    arn = iam.create_user(UserName="alice")["User"]["Arn"]
    assert control(url, "jobs/complete-after", {"polls": 1}) == (200, {})
    job = iam.generate_service_last_accessed_details(Arn=arn)["JobId"]
    assert iam.get_service_last_accessed_details(JobId=job)["JobStatus"] == "IN_PROGRESS"
    assert iam.get_service_last_accessed_details(JobId=job)["JobStatus"] == "COMPLETED"
    control(url, "jobs/complete-after", {})
    assert control(url, "jobs/fail-next", {"message": "try again"}) == (200, {})
    failed = iam.generate_service_last_accessed_details(Arn=arn)["JobId"]
    answer = iam.get_service_last_accessed_details(JobId=failed)
    assert answer["JobStatus"] == "FAILED"
    assert answer["Error"] == {"Message": "try again", "Code": "ServiceFailure"}


@pytest.mark.parametrize(
    ("name", "document", "field", "words"),
    [
        ("clock/set", {}, "now", "required"),
        ("clock/set", {"now": "yesterday"}, "now", "not a time"),
        ("clock/set", {"now": "1900-01-01T00:00:00Z"}, "now", "outside the range"),
        ("clock/advance", {"weeks": 1}, "seconds", "needs one of"),
        ("clock/advance", {"seconds": "ten"}, "seconds", "must be a"),
        ("jobs/complete-after", {"polls": -1}, "polls", "0 or more"),
        ("jobs/complete-after", {"polls": True}, "polls", "must be a"),
        ("jobs/fail-next", {"code": "no spaces allowed"}, "code", "code must be"),
        ("accesses", {"accesses": "s3"}, "accesses", "list"),
        ("accesses", {"accesses": [{"action": "s3"}]}, "accesses[0].principal_arn", "required"),
        ("accesses", {"accesses": [{"principal_arn": ALICE, "action": "s3", "at": "x"}]},
         "accesses[0].at", "not a time"),
        ("accesses", {"accesses": [{"principal_arn": "arn:aws:iam::123456789012:user/nobody",
                                    "action": "s3"}]}, "accesses", "nobody"),
        ("accesses", {"principal_arn": "arn:aws:iam::123456789012:root", "action": "s3:NoSuch"},
         None, "s3:NoSuch"),
        ("cloudtrail", {"records": []}, "Records", "Records"),
    ],
)
def test_control_bad_requests_name_the_field(url: str, name: str, document: Any, field: str,
                                             words: str) -> None:
    status, answer = control(url, name, document)
    assert status == 400
    assert answer["field"] == field
    assert words in answer["error"]


@pytest.mark.parametrize(
    ("method", "name", "body", "status"),
    [
        ("POST", "clock/set", b"{not json", 400),
        ("POST", "clock/set", b"[1, 2]", 400),
        ("POST", "clock/set", b"[" * 100_000, 400),
        ("POST", "cloudtrail", b"\x1f\x8bnot gzip", 400),
        ("GET", "no-such-endpoint", b"", 404),
        ("GET", "reset", b"", 405),
    ],
)
def test_control_malformed_requests(url: str, method: str, name: str, body: bytes, status: int) -> None:
    got, headers, answer = send(f"{url}/_iam_access_mock/{name}", method, body)
    assert got == status
    assert headers["Content-Type"] == "application/json"
    assert set(json.loads(answer)) == {"error", "field"}


# ---- concurrency -------------------------------------------------------------------------


def test_16_threads_of_500_mixed_calls(server: AccessMockServer, url: str) -> None:
    """No lost or duplicated entity and no error, with every call a separate HTTP request."""
    threads, calls = 16, 500
    errors: list[BaseException] = []

    def work(number: int) -> None:
        try:
            iam, sts = client("iam", url), client("sts", url)
            for call in range(calls):
                step = call % 5
                name = f"t{number}-u{call - step}"
                if step == 0:
                    iam.create_user(UserName=name)
                elif step == 1:
                    assert iam.get_user(UserName=name)["User"]["UserName"] == name
                elif step == 2:
                    iam.tag_user(UserName=name, Tags=[{"Key": "thread", "Value": str(number)}])
                elif step == 3:
                    # At least this thread's own user; other threads may not have begun.
                    assert 1 <= len(iam.list_users(MaxItems=5)["Users"]) <= 5
                else:
                    assert sts.get_caller_identity()["Account"] == "123456789012"
        except Exception as error:  # noqa: BLE001 - handed to the main thread's assertion
            errors.append(error)

    workers = [threading.Thread(target=work, args=(number,)) for number in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    paginator = client("iam", url).get_paginator("list_users")
    names = [user["UserName"] for page in paginator.paginate() for user in page["Users"]]
    expected = {f"t{number}-u{call}" for number in range(threads) for call in range(0, calls, 5)}
    assert len(names) == len(expected) == threads * calls // 5
    assert set(names) == expected
    tags = client("iam", url).list_user_tags(UserName="t7-u495")["Tags"]
    assert tags == [{"Key": "thread", "Value": "7"}]


# ---- the server object -------------------------------------------------------------------


def test_server_object_lifecycle() -> None:
    server = AccessMockServer(account_id="111122223333")
    assert server.endpoint_url is None
    server.start()
    try:
        assert server.port > 0
        assert server.endpoint_url == f"http://127.0.0.1:{server.port}"
        arn = client("iam", server.endpoint_url).create_user(UserName="x")["User"]["Arn"]
        assert arn == "arn:aws:iam::111122223333:user/x"
        with pytest.raises(RuntimeError, match="already started"):
            server.start()
    finally:
        server.stop()
    assert server.endpoint_url is None
    with pytest.raises(RuntimeError, match="not started"):
        server.stop()


def test_only_loopback_unless_asked() -> None:
    with pytest.raises(ValueError, match="allow_non_loopback"):
        AccessMockServer(host="0.0.0.0")
    with pytest.raises(ValueError, match="port"):
        AccessMockServer(port=70000)
    with AccessMockServer(host="::1") as server:
        assert server.endpoint_url == f"http://[::1]:{server.port}"
        assert client("sts", server.endpoint_url).get_caller_identity()["Account"] == "123456789012"


def test_rest_json_labels_keep_their_escaped_slashes(url: str) -> None:
    """A rest-json request is routed by its path as sent: an ARN label holds %2F."""
    analyzer = client("accessanalyzer", url)
    arn = "arn:aws:access-analyzer:us-east-1:123456789012:analyzer/my/analyzer"
    try:
        analyzer.list_tags_for_resource(resourceArn=arn)
    except ClientError as error:
        # Routed (served, or NotImplemented naming the operation), never "cannot route".
        assert "for signing name" not in error.response["Error"]["Message"]


def test_an_unsigned_operation_is_served_without_a_signature(url: str) -> None:
    from botocore import UNSIGNED
    from botocore.config import Config

    sts = boto3.client("sts", endpoint_url=url, region_name="us-east-1",
                       config=Config(signature_version=UNSIGNED))
    with pytest.raises(ClientError) as excinfo:
        sts.assume_role_with_web_identity(
            RoleArn="arn:aws:iam::123456789012:role/nobody", RoleSessionName="ci",
            WebIdentityToken="x" * 8,
        )
    assert excinfo.value.response["Error"]["Code"] != "MissingAuthenticationToken"
