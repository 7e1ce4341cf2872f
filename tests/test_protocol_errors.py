"""Errors on the wire: every protocol's error renders to what botocore parses into the right
code, message and exception class; unserved services fail at once and never touch the network."""

from __future__ import annotations

import inspect
import socket
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.config
import botocore.session
import pytest
from botocore.exceptions import ClientError
from support import botocore_parse, needs_operation

from iam_access_mock import errors, mock_access
from iam_access_mock.errors import NotServed, ServiceError
from iam_access_mock.protocol import codec_for, protocol_of

_session = botocore.session.get_session()
AWKWARD_MESSAGE = 'User <a&b> isn\'t "here": é€𝄞'


def modeled_errors(service: str) -> list[tuple[str, str, int | None]]:
    """(shape name, error code, HTTP status) of every error shape in a service model."""
    model = _session.get_service_model(service)
    found = []
    for shape in model.error_shapes:
        error = shape.metadata.get("error", {})
        found.append((shape.name, error.get("code", shape.name), error.get("httpStatusCode")))
    return found


MODELED = [
    (service, shape_name, code, status)
    for service in ("iam", "sts", "organizations", "accessanalyzer")
    for shape_name, code, status in modeled_errors(service)
]


# ---- every modeled error, every served protocol ------------------------------------------


@pytest.mark.parametrize(
    ("service", "shape_name", "code", "status"), MODELED, ids=[f"{m[0]}:{m[1]}" for m in MODELED]
)
def test_rendered_error_maps_to_the_modeled_exception_class(
    service: str, shape_name: str, code: str, status: int | None
) -> None:
    model = _session.get_service_model(service)
    operation = model.operation_model(model.operation_names[0])
    error = ServiceError(AWKWARD_MESSAGE, code=code, status=status or 400)
    response = codec_for(protocol_of(model)).render_error(operation, error, "rid-9")
    assert response.status == (status or 400)
    parsed = botocore_parse(response, operation)
    assert parsed["Error"]["Code"] == code
    assert parsed["Error"]["Message"] == AWKWARD_MESSAGE
    assert parsed["ResponseMetadata"]["RequestId"] == "rid-9"
    client = _session.create_client(service, region_name="us-east-1")
    assert client.exceptions.from_code(parsed["Error"]["Code"]).__name__ == shape_name


def library_errors() -> list[type[ServiceError]]:
    return [
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, ServiceError) and cls is not ServiceError
    ]


def test_library_error_classes_carry_the_modeled_status() -> None:
    statuses = {code: status for _, _, code, status in MODELED if status is not None}
    checked = 0
    for cls in library_errors():
        if cls.code in statuses:
            assert cls.status == statuses[cls.code], cls
            checked += 1
    assert checked >= 4  # NoSuchEntity, EntityAlreadyExists, DeleteConflict, LimitExceeded, ...


def test_query_error_wire_form() -> None:
    operation = _session.get_service_model("iam").operation_model("GetUser")
    response = codec_for("query").render_error(operation, errors.NoSuchEntity("a<b>&c"), "rid")
    assert response.status == 404
    assert response.headers == {"Content-Type": "text/xml", "x-amzn-RequestId": "rid"}
    assert response.body == (
        b'<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>'
        b"<Code>NoSuchEntity</Code><Message>a&lt;b&gt;&amp;c</Message></Error>"
        b"<RequestId>rid</RequestId></ErrorResponse>"
    )
    assert botocore_parse(response, operation)["Error"] == {
        "Type": "Sender",
        "Code": "NoSuchEntity",
        "Message": "a<b>&c",
    }


def test_query_receiver_fault() -> None:
    operation = _session.get_service_model("sts").operation_model("GetCallerIdentity")
    error = ServiceError("down", code="ServiceFailure", status=503)
    error.sender_fault = False
    parsed = botocore_parse(codec_for("query").render_error(operation, error, "rid"), operation)
    assert parsed["Error"] == {"Type": "Receiver", "Code": "ServiceFailure", "Message": "down"}


# ---- through boto3, with real handlers ---------------------------------------------------


@pytest.fixture
def mocked() -> Iterator[None]:
    with mock_access():
        yield


def test_iam_error_raises_the_modeled_class(mocked: None) -> None:
    iam = boto3.client("iam")
    with pytest.raises(iam.exceptions.NoSuchEntityException) as excinfo:
        iam.get_user(UserName="nobody")
    response = excinfo.value.response
    assert response["Error"]["Code"] == "NoSuchEntity"
    assert response["Error"]["Type"] == "Sender"
    assert response["Error"]["Message"] == "The user with name nobody cannot be found."
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert response["ResponseMetadata"]["RetryAttempts"] == 0


def test_iam_conflict_raises_the_modeled_class(mocked: None) -> None:
    iam = boto3.client("iam")
    iam.create_user(UserName="bob")
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException) as excinfo:
        iam.create_user(UserName="bob")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_unmodeled_error_is_a_plain_client_error(mocked: None) -> None:
    iam = boto3.client("iam", config=botocore.config.Config(parameter_validation=False))
    with pytest.raises(ClientError) as excinfo:
        iam.list_users(MaxItems=0)
    assert type(excinfo.value) is ClientError
    assert excinfo.value.response["Error"]["Code"] == "ValidationError"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# ---- services the library does not serve -------------------------------------------------


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Record (and refuse) any attempt to resolve or connect while the test runs."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network refused by the test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield attempts
    assert attempts == []


UNSERVED = [
    ("sns", "query", "list_topics", {}, "ListTopics"),
    ("ec2", "ec2", "describe_instances", {}, "DescribeInstances"),
    ("s3", "rest-xml", "get_object", {"Bucket": "bucket", "Key": "a/b.txt"}, "GetObject"),
    ("dynamodb", "json", "list_tables", {}, "ListTables"),
    ("lambda", "rest-json", "list_functions", {}, "ListFunctions"),
    ("eventbridgev2", "smithy-rpc-v2-cbor", "list_event_buses", {}, "ListEventBuses"),
]
UNSERVED_CASES = [
    pytest.param(*case, id=case[1], marks=needs_operation(case[0], case[4])) for case in UNSERVED
]


@pytest.mark.parametrize(
    ("service", "protocol", "method", "params", "operation"),
    UNSERVED_CASES,
)
def test_unserved_service_answers_not_implemented_at_once(
    no_network: list[Any],
    service: str,
    protocol: str,
    method: str,
    params: dict[str, Any],
    operation: str,
) -> None:
    config = botocore.config.Config(retries={"mode": "standard", "max_attempts": 5})
    with mock_access():
        client = boto3.client(service, region_name="us-east-1", config=config)
        assert protocol_of(client.meta.service_model) == protocol
        with pytest.raises(ClientError) as excinfo:
            getattr(client, method)(**params)
    response = excinfo.value.response
    assert response["Error"]["Code"] == "NotImplemented"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert response["ResponseMetadata"]["RetryAttempts"] == 0
    service_id = client.meta.service_model.service_id
    assert (
        response["Error"]["Message"]
        == f"iam-access-mock does not serve {service_id} ({service}) operation {operation}"
    )


@pytest.mark.parametrize(
    ("service", "protocol", "method", "params", "operation"),
    UNSERVED_CASES,
)
def test_unserved_error_body_parses_in_every_protocol(
    service: str, protocol: str, method: str, params: dict[str, Any], operation: str
) -> None:
    operation_model = _session.get_service_model(service).operation_model(operation)
    response = codec_for(protocol).render_error(operation_model, NotServed(AWKWARD_MESSAGE), "rid")
    assert response.status == 501
    parsed = botocore_parse(response, operation_model)
    assert parsed["Error"]["Code"] == "NotImplemented"
    assert parsed["Error"]["Message"] == AWKWARD_MESSAGE
