"""Helpers the test modules share: the account, trust and permission policies, clients,
error tuples, last-accessed jobs, and botocore's side of the wire for the codec tests.

pytest puts this folder on ``sys.path`` (no ``__init__.py``, default import mode), so test
modules import it as ``from support import ...``; fixtures built on it live in conftest.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode, urlsplit

import boto3
import botocore
import botocore.config
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse, create_request_object, prepare_request_dict
from botocore.endpoint import convert_to_response_dict
from botocore.exceptions import ClientError, UnknownServiceError
from botocore.model import OperationModel, ServiceModel
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from iam_access_mock.protocol import HttpRequest, HttpResponse, codec_for, protocol_of

# ---- what the installed botocore models --------------------------------------------------


def needs_operation(service: str, operation: str) -> pytest.MarkDecorator:
    """Skip a codec test built on an operation that the installed botocore does not model yet.

    Such tests check a wire rule through one operation that has the shape in question; they
    run wherever botocore has it (CI's newest-versions run always does).
    """
    try:
        model = botocore.session.get_session().get_service_model(service)
        available = operation in model.operation_names
    except UnknownServiceError:
        available = False
    return pytest.mark.skipif(
        not available,
        reason=f"{service} {operation} is newer than botocore {botocore.__version__}",
    )


# ---- the account, its principals and the pinned clock -------------------------------------

ACCOUNT = "123456789012"  # the account the default fake credentials belong to
ROOT = f"arn:aws:iam::{ACCOUNT}:root"  # the default fake credentials act as the account root
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)  # the `iam` fixture pins the clock here

# ---- trust policies ----------------------------------------------------------------------

TRUST_EC2_DOC: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
TRUST_EC2 = json.dumps(TRUST_EC2_DOC)
TRUST_ANYONE_DOC: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
}
TRUST_ANYONE = json.dumps(TRUST_ANYONE_DOC)
TRUST_ROOT = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole"}],
    }
)

# ---- permission policies -----------------------------------------------------------------


def statement(effect: str, actions: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": effect, "Action": actions, "Resource": resource, **extra}


def document(*statements: dict[str, Any]) -> str:
    """A 2012-10-17 policy document, as JSON text, holding these statements."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(*actions: str, resource: Any = "*") -> str:
    """A policy document with one statement allowing ``actions`` on ``resource``."""
    return document(statement("Allow", list(actions), resource))


# ---- clients and responses ---------------------------------------------------------------


def client_for(service: str, credentials: dict[str, Any], region: str = "us-east-1") -> Any:
    """A client signing with ``credentials`` (an AccessKey or STS Credentials dict)."""
    return boto3.client(
        service,
        region_name=region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials.get("SessionToken"),
    )


def raw_client(service: str = "iam") -> Any:
    """A client that sends what botocore would refuse client-side (e.g. MaxItems=0)."""
    return boto3.client(service, config=botocore.config.Config(parameter_validation=False))


def without_metadata(response: dict[str, Any]) -> dict[str, Any]:
    """A parsed response without botocore's ``ResponseMetadata``: the body AWS sent."""
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


# ---- errors ------------------------------------------------------------------------------


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    """The error code and message of a caught ClientError."""
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def error_and_status(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    """The error code, message and HTTP status of a caught ClientError."""
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def client_error(call: Callable[[], Any]) -> tuple[str, str, int]:
    """The error code, message and HTTP status of the ClientError that ``call`` must raise."""
    with pytest.raises(ClientError) as excinfo:
        call()
    return error_and_status(excinfo)


# ---- service-last-accessed jobs ----------------------------------------------------------


def generate(iam: Any, arn: str = ALICE, granularity: str = "SERVICE_LEVEL") -> str:
    """Start a service-last-accessed job for ``arn``; its JobId."""
    return str(
        iam.generate_service_last_accessed_details(Arn=arn, Granularity=granularity)["JobId"]
    )


def rows_of(iam: Any, arn: str = ALICE, granularity: str = "SERVICE_LEVEL") -> list[dict[str, Any]]:
    """The ServicesLastAccessed rows of a new job for ``arn``."""
    rows: list[dict[str, Any]] = iam.get_service_last_accessed_details(
        JobId=generate(iam, arn, granularity)
    )["ServicesLastAccessed"]
    return rows


def services_of(iam: Any, arn: str = ALICE, granularity: str = "SERVICE_LEVEL") -> list[str]:
    """The namespaces a new job for ``arn`` reports, in report order."""
    return [row["ServiceNamespace"] for row in rows_of(iam, arn, granularity)]


# ---- botocore's side of the wire (codec tests) --------------------------------------------


class _RawBody:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


def botocore_parse(response: HttpResponse, operation: OperationModel) -> dict[str, Any]:
    """Parse a rendered response exactly as botocore's endpoint and client would."""
    http_response = AWSResponse(
        "https://example.amazonaws.com/", response.status, response.headers, _RawBody(response.body)
    )
    response_dict = convert_to_response_dict(http_response, operation)
    parser = create_parser(protocol_of(operation.service_model))
    return parser.parse(response_dict, operation.output_shape)


def botocore_request(operation: OperationModel, params: dict[str, Any]) -> HttpRequest:
    """Serialize ``params`` exactly as a botocore client would (signing aside)."""
    protocol = protocol_of(operation.service_model)
    request_dict = create_serializer(protocol, include_validation=False).serialize_to_request(
        params, operation
    )
    prepare_request_dict(request_dict, endpoint_url="https://example.amazonaws.com")
    prepared = create_request_object(request_dict).prepare()
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    parts = urlsplit(prepared.url)
    return HttpRequest(
        prepared.method, prepared.url, parts.path, parts.query, prepared.headers, body
    )


def parse_form(
    model: ServiceModel, operation_name: str, form: list[tuple[str, str]]
) -> dict[str, Any]:
    """Parse exactly this Query form (as IAM or STS received it) with the library's codec."""
    operation = model.operation_model(operation_name)
    body = urlencode([("Action", operation_name), ("Version", model.api_version), *form])
    request = HttpRequest("POST", "https://iam.amazonaws.com/", "/", "", {}, body.encode())
    return codec_for("query").parse(request, operation)


def sends_lone_surrogates(client: Any) -> Any:
    """Let a Query client send text holding lone surrogates, as a careless client would.

    botocore cannot encode them (strict UTF-8); this percent-encodes their surrogate-pass
    bytes instead (``"\\ud800"`` becomes ``%ED%A0%80``), which the mock must refuse.
    """

    def encode(request: Any, **_: Any) -> None:
        if isinstance(request.data, dict):
            request.data = urlencode(request.data, errors="surrogatepass")

    client.meta.events.register("before-sign", encode)
    return client
