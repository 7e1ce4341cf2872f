"""The JSON codec (Organizations, json 1.1): X-Amz-Target requests, JSON responses and errors.

The library has no Organizations handlers yet; the end-to-end tests stand a provider in for
the service so that a real boto3 client goes through the whole pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError
from support import botocore_parse, botocore_request, needs_operation

from iam_access_mock import mock_access
from iam_access_mock import services as service_registry
from iam_access_mock.errors import ServiceError
from iam_access_mock.protocol import HttpRequest, codec_for
from iam_access_mock.protocol.json import SerializationException
from iam_access_mock.service import Provider

ORGANIZATIONS = botocore.session.get_session().get_service_model("organizations")
JSON = codec_for("json")
WHEN = datetime(2026, 9, 11, 15, 26, 19, 516000, tzinfo=timezone.utc)


def round_trip(operation_name: str, params: dict[str, Any]) -> tuple[HttpRequest, dict[str, Any]]:
    operation = ORGANIZATIONS.operation_model(operation_name)
    request = botocore_request(operation, params)
    return request, JSON.parse(request, operation)


def parse_body(operation_name: str, body: bytes) -> dict[str, Any]:
    request = HttpRequest(
        "POST", "https://organizations.us-east-1.amazonaws.com/", "/", "", {}, body
    )
    return JSON.parse(request, ORGANIZATIONS.operation_model(operation_name))


def serialization_error(operation_name: str, body: bytes) -> str:
    with pytest.raises(SerializationException) as excinfo:
        parse_body(operation_name, body)
    assert (excinfo.value.code, excinfo.value.status) == ("SerializationException", 400)
    return excinfo.value.message


@pytest.fixture
def organizations(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Provider, Any]]:
    """A stand-in Organizations provider and a boto3 client, under an active mock."""
    provider = Provider("organizations")
    monkeypatch.setitem(service_registry._loaded, "organizations", provider)
    with mock_access():
        yield provider, boto3.client("organizations")


# ---- requests ----------------------------------------------------------------------------


def test_target_header_and_body() -> None:
    params = {
        "Content": '{"Version":"2012-10-17","Statement":[]}',
        "Description": "é & <b>",
        "Name": "deny-all",
        "Type": "SERVICE_CONTROL_POLICY",
        "Tags": [{"Key": "team", "Value": "blue"}, {"Key": "env", "Value": ""}],
    }
    request, parsed = round_trip("CreatePolicy", params)
    assert request.headers["X-Amz-Target"] == "AWSOrganizationsV20161128.CreatePolicy"
    assert request.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert parsed == params


@needs_operation("organizations", "TerminateResponsibilityTransfer")
def test_integers_structures_and_timestamps() -> None:
    assert round_trip(
        "ListAccountsForParent", {"ParentId": "r-abcd", "NextToken": "t", "MaxResults": 20}
    )[1] == {
        "ParentId": "r-abcd",
        "NextToken": "t",
        "MaxResults": 20,
    }
    params = {
        "Filter": {"ActionType": "INVITE", "ParentHandshakeId": "h-12345678"},
        "MaxResults": 1,
    }
    assert round_trip("ListHandshakesForAccount", params)[1] == params
    params = {"Id": "rt-12345678", "EndTimestamp": WHEN}
    assert round_trip("TerminateResponsibilityTransfer", params)[1] == params


def test_operation_without_input_parses_an_empty_body() -> None:
    request, parsed = round_trip("DescribeOrganization", {})
    assert request.body == b"{}"
    assert parsed == {}
    assert parse_body("DescribeOrganization", b"") == {}


def test_null_and_unknown_members_are_absent() -> None:
    assert parse_body(
        "ListAccountsForParent", b'{"ParentId":"r-abcd","NextToken":null,"Bogus":1}'
    ) == {"ParentId": "r-abcd"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "Malformed JSON in the request body"),
        (b'{"ParentId": 5}', "NUMBER_VALUE can not be converted to a String"),
        (
            b'{"ParentId": "r", "MaxResults": "20"}',
            "STRING_VALUE can not be converted to an Integer",
        ),
        (
            b'{"ParentId": "r", "MaxResults": true}',
            "BOOLEAN_VALUE can not be converted to an Integer",
        ),
        (b'{"ParentId": ["r"]}', "START_ARRAY can not be converted to a String"),
    ],
)
def test_wrong_json_is_a_serialization_exception(body: bytes, message: str) -> None:
    assert serialization_error("ListAccountsForParent", body) == message


def test_wrong_container_types() -> None:
    assert serialization_error("ListHandshakesForAccount", b'{"Filter": []}') == (
        "Start of structure or map found where not expected."
    )
    assert (
        serialization_error("CreatePolicy", b'{"Tags": {}}')
        == "Start of list found where not expected"
    )


@needs_operation("organizations", "TerminateResponsibilityTransfer")
def test_timestamp_in_a_request_may_be_epoch_or_iso() -> None:
    for text in (b"1789140379.516", b'"2026-09-11T15:26:19.516Z"'):
        parsed = parse_body(
            "TerminateResponsibilityTransfer", b'{"Id":"rt-1","EndTimestamp":' + text + b"}"
        )
        assert parsed["EndTimestamp"] == WHEN


# ---- responses ----------------------------------------------------------------------------


def test_response_wire_form() -> None:
    operation = ORGANIZATIONS.operation_model("DescribeAccount")
    output = {
        "Account": {"Id": "111111111111", "Name": "é", "JoinedTimestamp": WHEN, "Email": None}
    }
    response = JSON.render(operation, output, "rid")
    assert response.status == 200
    assert response.headers == {
        "Content-Type": "application/x-amz-json-1.1",
        "x-amzn-RequestId": "rid",
    }
    assert json.loads(response.body) == {
        "Account": {"Id": "111111111111", "Name": "é", "JoinedTimestamp": 1789140379.516}
    }
    parsed = botocore_parse(response, operation)
    assert parsed["Account"] == {"Id": "111111111111", "Name": "é", "JoinedTimestamp": WHEN}
    assert parsed["ResponseMetadata"]["RequestId"] == "rid"


def test_empty_output() -> None:
    operation = ORGANIZATIONS.operation_model("DeleteOrganization")
    response = JSON.render(operation, {}, "rid")
    assert response.body == b"{}"
    assert set(botocore_parse(response, operation)) == {"ResponseMetadata"}


def test_error_wire_form() -> None:
    operation = ORGANIZATIONS.operation_model("DescribeAccount")
    error = ServiceError("Account 1 <x> not found", code="AccountNotFoundException", status=400)
    response = JSON.render_error(operation, error, "rid")
    assert response.status == 400
    assert json.loads(response.body) == {
        "__type": "AccountNotFoundException",
        "Message": "Account 1 <x> not found",
    }
    parsed = botocore_parse(response, operation)
    assert parsed["Error"] == {
        "Code": "AccountNotFoundException",
        "Message": "Account 1 <x> not found",
    }


# ---- end to end through boto3 ------------------------------------------------------------


def test_handler_output_reaches_boto3(organizations: tuple[Provider, Any]) -> None:
    provider, client = organizations
    seen: list[dict[str, Any]] = []

    @provider.handles("DescribeAccount")
    def describe_account(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        seen.append(params)
        return {"Account": {"Id": params["AccountId"], "Status": "ACTIVE", "JoinedTimestamp": WHEN}}

    account = client.describe_account(AccountId="111111111111")["Account"]
    assert account == {"Id": "111111111111", "Status": "ACTIVE", "JoinedTimestamp": WHEN}
    assert seen == [{"AccountId": "111111111111"}]


def test_modeled_error_reaches_boto3_as_its_class(organizations: tuple[Provider, Any]) -> None:
    provider, client = organizations

    @provider.handles("DescribeAccount")
    def describe_account(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        raise ServiceError(
            "You specified an account that doesn't exist.", code="AccountNotFoundException"
        )

    with pytest.raises(client.exceptions.AccountNotFoundException) as excinfo:
        client.describe_account(AccountId="111111111111")
    assert excinfo.value.response["Error"] == {
        "Code": "AccountNotFoundException",
        "Message": "You specified an account that doesn't exist.",
    }
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_modeled_error_fields_reach_boto3(organizations: tuple[Provider, Any]) -> None:
    provider, client = organizations

    @provider.handles("CreatePolicy")
    def create_policy(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        raise ServiceError(
            "too many policies",
            code="ConstraintViolationException",
            fields={"Reason": "POLICY_NUMBER_LIMIT_EXCEEDED"},
        )

    with pytest.raises(client.exceptions.ConstraintViolationException) as excinfo:
        client.create_policy(Content="{}", Description="d", Name="n", Type="SERVICE_CONTROL_POLICY")
    assert excinfo.value.response["Reason"] == "POLICY_NUMBER_LIMIT_EXCEEDED"
    assert excinfo.value.response["Error"]["Message"] == "too many policies"


def test_malformed_request_reaches_boto3_as_client_error(
    organizations: tuple[Provider, Any],
) -> None:
    provider, client = organizations
    provider.handles("ListAccountsForParent")(lambda ctx, params: {"Accounts": []})

    def corrupt(request: Any, **_: Any) -> None:
        request.data = b'{"ParentId": 5}'

    client.meta.events.register("before-sign.organizations.ListAccountsForParent", corrupt)
    with pytest.raises(ClientError) as excinfo:
        client.list_accounts_for_parent(ParentId="r-abcd")
    assert excinfo.value.response["Error"] == {
        "Code": "SerializationException",
        "Message": "NUMBER_VALUE can not be converted to a String",
    }
