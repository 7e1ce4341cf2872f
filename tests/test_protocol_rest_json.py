"""The rest-json codec (Access Analyzer): URI labels, query strings and JSON bodies in;
status codes, JSON bodies and ``x-amzn-ErrorType`` errors out.

The library has no Access Analyzer handlers yet; the end-to-end tests stand a provider in
for the service so that a real boto3 client goes through the whole pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.session
import pytest
from botocore.awsrequest import create_request_object, prepare_request_dict
from botocore.exceptions import ClientError
from botocore.serialize import create_serializer
from support import botocore_parse, botocore_request

from iam_access_mock import mock_access
from iam_access_mock import services as service_registry
from iam_access_mock.errors import ServiceError
from iam_access_mock.protocol import HttpRequest, codec_for
from iam_access_mock.protocol.json import SerializationException
from iam_access_mock.service import Provider

ANALYZER = botocore.session.get_session().get_service_model("accessanalyzer")
REST_JSON = codec_for("rest-json")
WHEN = datetime(2026, 9, 11, 15, 26, 19, 516000, tzinfo=timezone.utc)
ROLE_ARN = "arn:aws:iam::123456789012:role/team/deploy role"
JOB_ID = "c4d4a9b0-0b1c-4a8e-9a53-1f4c0e1e8c51"


def round_trip(operation_name: str, params: dict[str, Any]) -> tuple[HttpRequest, dict[str, Any]]:
    operation = ANALYZER.operation_model(operation_name)
    request = botocore_request(operation, params)
    return request, REST_JSON.parse(request, operation)


def raw(
    operation_name: str, method: str, path: str, query: str = "", body: bytes = b""
) -> dict[str, Any]:
    request = HttpRequest(
        method, f"https://access-analyzer.us-east-1.amazonaws.com{path}", path, query, {}, body
    )
    return REST_JSON.parse(request, ANALYZER.operation_model(operation_name))


@pytest.fixture
def analyzer(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Provider, Any]]:
    """A stand-in Access Analyzer provider and a boto3 client, under an active mock."""
    provider = Provider("accessanalyzer", regional=True)
    monkeypatch.setitem(service_registry._loaded, "accessanalyzer", provider)
    with mock_access():
        yield provider, boto3.client("accessanalyzer")


# ---- requests ----------------------------------------------------------------------------


@pytest.mark.parametrize("flag", [True, False])
def test_uri_label_and_boolean_query_parameters(flag: bool) -> None:
    params = {
        "jobId": JOB_ID,
        "includeResourcePlaceholders": flag,
        "includeServiceLevelTemplate": not flag,
    }
    request, parsed = round_trip("GetGeneratedPolicy", params)
    assert request.method == "GET"
    assert request.path == f"/policy/generation/{JOB_ID}"
    assert parsed == params


def test_query_string_text_and_integers() -> None:
    params = {"principalArn": ROLE_ARN, "maxResults": 7, "nextToken": "a+b/c=d&e"}
    request, parsed = round_trip("ListPolicyGenerations", params)
    assert request.path == "/policy/generation"
    assert parsed == params


def test_label_with_reserved_characters_and_a_query_list() -> None:
    params = {"resourceArn": ROLE_ARN, "tagKeys": ["team", "cost center"]}
    request, parsed = round_trip("UntagResource", params)
    assert request.method == "DELETE"
    assert request.path == "/tags/arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fteam%2Fdeploy%20role"
    assert parsed == params


def test_body_structures_with_iso_timestamps() -> None:
    params = {
        "policyGenerationDetails": {"principalArn": ROLE_ARN},
        "cloudTrailDetails": {
            "trails": [
                {
                    "cloudTrailArn": "arn:aws:cloudtrail:us-east-1:123456789012:trail/t",
                    "regions": ["us-east-1"],
                    "allRegions": False,
                }
            ],
            "accessRole": ROLE_ARN,
            "startTime": WHEN,
            "endTime": WHEN,
        },
        "clientToken": "token-1",
    }
    request, parsed = round_trip("StartPolicyGeneration", params)
    assert request.method == "PUT"
    assert (
        json.loads(request.body)["cloudTrailDetails"]["startTime"] == "2026-09-11T15:26:19.516000Z"
    )
    assert parsed == params


def test_body_maps_with_labels() -> None:
    params = {
        "analyzerName": "a",
        "ruleName": "r",
        "filter": {"isPublic": {"eq": ["true"]}, "resourceType": {"neq": ["x", "y"]}},
        "clientToken": "t",
    }
    request, parsed = round_trip("CreateArchiveRule", params)
    assert request.path == "/analyzer/a/archive-rule"
    assert parsed == params


def test_a_base_path_before_the_operation_path() -> None:
    operation = ANALYZER.operation_model("GetAnalyzer")
    request_dict = create_serializer("rest-json", include_validation=False).serialize_to_request(
        {"analyzerName": "my-analyzer"}, operation
    )
    prepare_request_dict(request_dict, endpoint_url="https://proxy.example.com/access-analyzer")
    prepared = create_request_object(request_dict).prepare()
    parts = urlsplit(prepared.url)
    request = HttpRequest(
        prepared.method, prepared.url, parts.path, parts.query, prepared.headers, b""
    )
    assert request.path == "/access-analyzer/analyzer/my-analyzer"
    assert REST_JSON.parse(request, operation) == {"analyzerName": "my-analyzer"}


def test_missing_label_is_absent() -> None:
    assert raw("GetAnalyzer", "GET", "/somewhere/else") == {}


def test_null_and_unknown_body_members_are_absent() -> None:
    body = b'{"analyzerName": "a", "type": null, "bogus": 1}'
    assert raw("CreateAnalyzer", "PUT", "/analyzer", body=body) == {"analyzerName": "a"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("maxResults=1.5", "Could not parse '1.5' as integer"),
        ("maxResults=%2B", "Could not parse '+' as integer"),
    ],
)
def test_bad_query_integers(query: str, message: str) -> None:
    with pytest.raises(SerializationException) as excinfo:
        raw("ListPolicyGenerations", "GET", "/policy/generation", query)
    assert excinfo.value.message == message


def test_bad_query_booleans() -> None:
    with pytest.raises(SerializationException) as excinfo:
        raw(
            "GetGeneratedPolicy",
            "GET",
            f"/policy/generation/{JOB_ID}",
            "includeResourcePlaceholders=yes",
        )
    assert excinfo.value.message == "Could not parse 'yes' as boolean"


def test_body_that_is_not_an_object() -> None:
    with pytest.raises(SerializationException) as excinfo:
        raw("CreateAnalyzer", "PUT", "/analyzer", body=b"[1]")
    assert excinfo.value.message == "Start of structure or map found where not expected."


# ---- responses ----------------------------------------------------------------------------


def test_response_wire_form_with_iso_timestamps() -> None:
    operation = ANALYZER.operation_model("GetGeneratedPolicy")
    output = {
        "jobDetails": {
            "jobId": JOB_ID,
            "status": "SUCCEEDED",
            "startedOn": WHEN,
            "completedOn": WHEN,
        },
        "generatedPolicyResult": {
            "properties": {"principalArn": ROLE_ARN},
            "generatedPolicies": [{"policy": "{}"}],
        },
    }
    response = REST_JSON.render(operation, output, "rid")
    assert response.status == 200
    assert response.headers == {"Content-Type": "application/json", "x-amzn-RequestId": "rid"}
    body = json.loads(response.body)
    assert body["jobDetails"]["startedOn"] == "2026-09-11T15:26:19.516Z"
    parsed = botocore_parse(response, operation)
    assert {key: value for key, value in parsed.items() if key != "ResponseMetadata"} == output
    assert parsed["ResponseMetadata"]["RequestId"] == "rid"


def test_empty_output() -> None:
    operation = ANALYZER.operation_model("DeleteAnalyzer")
    response = REST_JSON.render(operation, {}, "rid")
    assert (response.status, response.body) == (200, b"{}")


def test_error_wire_form() -> None:
    operation = ANALYZER.operation_model("GetGeneratedPolicy")
    fields = {"reason": "fieldValidationFailed", "fieldList": [{"name": "jobId", "message": "bad"}]}
    response = REST_JSON.render_error(
        operation, ServiceError("Invalid <id>", code="ValidationException", fields=fields), "r"
    )
    assert response.status == 400
    assert response.headers["x-amzn-ErrorType"] == "ValidationException"
    assert json.loads(response.body) == {"message": "Invalid <id>", **fields}
    parsed = botocore_parse(response, operation)
    assert parsed["Error"] == {"Code": "ValidationException", "Message": "Invalid <id>"}


# ---- end to end through boto3 ------------------------------------------------------------


def test_handler_sees_typed_params_and_boto3_sees_typed_output(
    analyzer: tuple[Provider, Any],
) -> None:
    provider, client = analyzer
    seen: list[dict[str, Any]] = []

    @provider.handles("GetGeneratedPolicy")
    def get_generated_policy(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        seen.append(params)
        return {
            "jobDetails": {"jobId": params["jobId"], "status": "IN_PROGRESS", "startedOn": WHEN}
        }

    answer = client.get_generated_policy(
        jobId=JOB_ID, includeResourcePlaceholders=True, includeServiceLevelTemplate=False
    )
    assert answer["jobDetails"] == {"jobId": JOB_ID, "status": "IN_PROGRESS", "startedOn": WHEN}
    assert seen == [
        {"jobId": JOB_ID, "includeResourcePlaceholders": True, "includeServiceLevelTemplate": False}
    ]


@pytest.mark.parametrize(
    ("code", "status", "fields", "exception"),
    [
        (
            "ValidationException",
            400,
            {"reason": "fieldValidationFailed", "fieldList": [{"name": "jobId", "message": "bad"}]},
            "ValidationException",
        ),
        (
            "ResourceNotFoundException",
            404,
            {"resourceId": JOB_ID, "resourceType": "AWS::IAM::Role"},
            "ResourceNotFoundException",
        ),
        (
            "ServiceQuotaExceededException",
            402,
            {"resourceId": "x", "resourceType": "AWS::IAM::Role"},
            "ServiceQuotaExceededException",
        ),
        ("AccessDeniedException", 403, {}, "AccessDeniedException"),
        (
            "ConflictException",
            409,
            {"resourceId": "x", "resourceType": "AWS::IAM::Role"},
            "ConflictException",
        ),
    ],
)
def test_modeled_errors_reach_boto3_as_their_classes(
    analyzer: tuple[Provider, Any], code: str, status: int, fields: dict[str, Any], exception: str
) -> None:
    provider, client = analyzer

    @provider.handles("GetGeneratedPolicy")
    def get_generated_policy(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        raise ServiceError(f"{code} happened", code=code, status=status, fields=fields)

    with pytest.raises(getattr(client.exceptions, exception)) as excinfo:
        client.get_generated_policy(jobId=JOB_ID)
    response = excinfo.value.response
    assert response["Error"] == {"Code": code, "Message": f"{code} happened"}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert response["ResponseMetadata"]["RetryAttempts"] == 0
    assert {key: response[key] for key in fields} == fields


def test_unparseable_request_reaches_boto3_as_client_error(analyzer: tuple[Provider, Any]) -> None:
    provider, client = analyzer
    provider.handles("CreateAnalyzer")(lambda ctx, params: {"arn": "x"})

    def corrupt(request: Any, **_: Any) -> None:
        request.data = b"[1]"

    client.meta.events.register("before-sign.accessanalyzer.CreateAnalyzer", corrupt)
    with pytest.raises(ClientError) as excinfo:
        client.create_analyzer(analyzerName="a", type="ACCOUNT")
    assert excinfo.value.response["Error"] == {
        "Code": "SerializationException",
        "Message": "Start of structure or map found where not expected.",
    }
