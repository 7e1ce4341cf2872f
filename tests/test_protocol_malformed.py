"""Requests no botocore would send get the protocol's error, never a traceback or a 500.

Query (IAM, STS): a form that is not form encoding (bytes that are not UTF-8, a broken
percent-escape) is MalformedQueryString, 404, as AWS's Common Errors list has it; a value the
form carries but the member's type cannot hold (5,000 digits) is MalformedInput, 400.
json and rest-json: SerializationException, 400. Each request is signed and sent through a
boto3 client; only its body is swapped in before signing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import botocore.session
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from support import client_error, raw_client

from iam_access_mock import mock_access
from iam_access_mock import services as service_registry
from iam_access_mock.protocol import HttpRequest, codec_for
from iam_access_mock.protocol.json import SerializationException
from iam_access_mock.service import Provider

_session = botocore.session.get_session()
ORGANIZATIONS = _session.get_service_model("organizations")
ANALYZER = _session.get_service_model("accessanalyzer")
SYNTAX = "The query string contains a syntax error"
HUGE = "9" * 5000  # more digits than Python converts to an int (4,300)


@pytest.fixture
def iam() -> Iterator[Any]:
    with mock_access():
        client = raw_client("iam")
        client.create_user(UserName="alice")
        yield client


def send_body(client: Any, operation_name: str, body: bytes) -> dict[str, Any]:
    """Call ``operation_name`` with exactly this body; botocore signs and sends it."""

    def replace_body(request: Any, **_: Any) -> None:
        request.data = body

    service = client.meta.service_model.service_id.hyphenize()
    event = f"before-sign.{service}.{operation_name}"
    client.meta.events.register(event, replace_body)
    try:
        result: dict[str, Any] = getattr(client, xform_name(operation_name))()
        return result
    finally:
        client.meta.events.unregister(event, replace_body)


def form(client: Any, operation_name: str, rest: bytes) -> bytes:
    version = client.meta.service_model.api_version
    return f"Action={operation_name}&Version={version}&".encode() + rest


# ---- query: the form itself --------------------------------------------------------------


@pytest.mark.parametrize(
    ("rest", "message"),
    [
        (b"UserName=al\xffice", f"{SYNTAX}: byte 0xFF at offset 45 is not UTF-8."),
        (b"UserName=\xc3", f"{SYNTAX}: byte 0xC3 at offset 43 is not UTF-8."),
        (b"UserName=%zz", f"{SYNTAX}: '%zz' at offset 43 is not a percent-escape."),
        (b"UserName=a%4", f"{SYNTAX}: '%4' at offset 44 is not a percent-escape."),
        (b"UserName=a%", f"{SYNTAX}: '%' at offset 44 is not a percent-escape."),
        (b"UserName=%FF", f"{SYNTAX}: percent-escaped bytes that are not UTF-8."),
        (b"UserName=%ED%A0%80", f"{SYNTAX}: percent-escaped bytes that are not UTF-8."),
        (b"User%C0Name=alice", f"{SYNTAX}: percent-escaped bytes that are not UTF-8."),
    ],
)
def test_a_form_that_is_not_form_encoding_is_malformed_query_string(
    iam: Any, rest: bytes, message: str
) -> None:
    body = form(iam, "GetUser", rest)
    assert client_error(lambda: send_body(iam, "GetUser", body)) == (
        "MalformedQueryString",
        message,
        404,
    )


def test_raw_utf8_in_the_form_is_text(iam: Any) -> None:
    body = form(iam, "TagUser", "UserName=alice&Tags.member.1.Key=é&Tags.member.1.Value=ü".encode())
    send_body(iam, "TagUser", body)
    assert iam.list_user_tags(UserName="alice")["Tags"] == [{"Key": "é", "Value": "ü"}]


def test_duplicate_and_unknown_parameters_are_not_errors(iam: Any) -> None:
    body = form(iam, "GetUser", b"UserName=nobody&UserName=alice&Bogus=1&UserName.Sub=x")
    assert send_body(iam, "GetUser", body)["User"]["UserName"] == "alice"


# ---- query: values -----------------------------------------------------------------------


@pytest.mark.parametrize("max_items", [HUGE, "-" + HUGE, "+" + HUGE, "1" + "0" * 19])
def test_integers_of_any_length_are_malformed_input(iam: Any, max_items: str) -> None:
    body = form(iam, "ListUsers", f"MaxItems={quote(max_items)}".encode())
    assert client_error(lambda: send_body(iam, "ListUsers", body)) == (
        "MalformedInput",
        f"Unable to parse '{max_items}' as an integer for parameter MaxItems",
        400,
    )


def test_leading_zeros_do_not_count(iam: Any) -> None:
    body = form(iam, "ListUsers", f"MaxItems={'0' * 5000}1".encode())
    assert [user["UserName"] for user in send_body(iam, "ListUsers", body)["Users"]] == ["alice"]


def test_a_control_character_in_a_number_is_echoed_as_a_replacement_character(iam: Any) -> None:
    body = form(iam, "ListUsers", b"MaxItems=1%00")
    assert client_error(lambda: send_body(iam, "ListUsers", body)) == (
        "MalformedInput",
        "Unable to parse '1\ufffd' as an integer for parameter MaxItems",
        400,
    )


def test_sts_numbers_of_any_length_are_malformed_input() -> None:
    with mock_access():
        sts = raw_client("sts")
        role = "arn:aws:iam::123456789012:role/r"
        rest = f"RoleArn={role}&RoleSessionName=s&DurationSeconds={HUGE}".encode()
        body = form(sts, "AssumeRole", rest)
        assert client_error(lambda: send_body(sts, "AssumeRole", body)) == (
            "MalformedInput",
            f"Unable to parse '{HUGE}' as an integer for parameter DurationSeconds",
            400,
        )


@pytest.mark.parametrize("index", [HUGE, "2147483648"])
def test_list_indexes_past_java_int_are_malformed_input(iam: Any, index: str) -> None:
    body = form(iam, "TagUser", f"UserName=alice&Tags.member.{index}.Key=k".encode())
    assert client_error(lambda: send_body(iam, "TagUser", body)) == (
        "MalformedInput",
        f"Unable to parse '{index}' as a list index",
        400,
    )


def test_deep_keys_under_two_spellings_of_an_index_do_not_exhaust_the_stack(iam: Any) -> None:
    deep = ".x" * 5000
    rest = f"UserName=alice&Tags.member.1{deep}=a&Tags.member.01{deep}=b".encode()
    code, message, status = client_error(
        lambda: send_body(iam, "TagUser", form(iam, "TagUser", rest))
    )
    assert (code, status) == ("ValidationError", 400)
    assert "'tags.1.member.value' failed to satisfy constraint: Member must not be null" in message


# ---- json ---------------------------------------------------------------------------------


def json_parse(operation_name: str, body: bytes) -> dict[str, Any]:
    url = "https://organizations.us-east-1.amazonaws.com/"
    request = HttpRequest("POST", url, "/", "", {}, body)
    return codec_for("json").parse(request, ORGANIZATIONS.operation_model(operation_name))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"ParentId": "r-ab', "Malformed JSON in the request body"),
        (b'{"ParentId": "\xff"}', "Malformed JSON in the request body"),
        (b"[" * 100_000, "Malformed JSON in the request body"),
        (
            b'{"ParentId": "r", "MaxResults": ' + HUGE.encode() + b"}",
            "Malformed JSON in the request body",
        ),
        (
            b'{"ParentId": "r", "MaxResults": 2147483648}',
            "Numeric value out of range of int (-2147483648 - 2147483647)",
        ),
        (
            b'{"ParentId": "r", "MaxResults": -2147483649}',
            "Numeric value out of range of int (-2147483648 - 2147483647)",
        ),
    ],
)
def test_json_that_cannot_be_read_is_a_serialization_exception(body: bytes, message: str) -> None:
    with pytest.raises(SerializationException) as excinfo:
        json_parse("ListAccountsForParent", body)
    assert (excinfo.value.code, excinfo.value.status, excinfo.value.message) == (
        "SerializationException",
        400,
        message,
    )


def test_a_json_null_body_is_an_empty_input() -> None:
    assert json_parse("ListAccountsForParent", b"null") == {}


@pytest.fixture
def organizations(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    provider = Provider("organizations")
    provider.handles("ListAccountsForParent")(lambda ctx, params: {"Accounts": []})
    monkeypatch.setitem(service_registry._loaded, "organizations", provider)
    with mock_access():
        yield raw_client("organizations")


@pytest.mark.parametrize("body", [b'{"ParentId": "r-ab', b"[" * 100_000, b"\xff\xfe"])
def test_unreadable_json_reaches_boto3_as_a_serialization_exception(
    organizations: Any, body: bytes
) -> None:
    assert client_error(lambda: send_body(organizations, "ListAccountsForParent", body)) == (
        "SerializationException",
        "Malformed JSON in the request body",
        400,
    )


def test_a_lone_surrogate_in_json_is_refused_by_the_text_rule(organizations: Any) -> None:
    body = json.dumps({"ParentId": "r-\ud800"}).encode()
    code, message, status = client_error(
        lambda: send_body(organizations, "ListAccountsForParent", body)
    )
    assert (code, status) == ("ValidationError", 400)
    assert "at 'parentId' failed to satisfy constraint" in message


# ---- rest-json ----------------------------------------------------------------------------


def rest_parse(operation_name: str, method: str, path: str, query: str = "") -> dict[str, Any]:
    url = f"https://access-analyzer.us-east-1.amazonaws.com{path}"
    request = HttpRequest(method, url, path, query, {}, b"")
    return codec_for("rest-json").parse(request, ANALYZER.operation_model(operation_name))


@pytest.mark.parametrize(
    ("path", "query", "message"),
    [
        ("/policy/generation", f"maxResults={HUGE}", f"Could not parse '{HUGE}' as integer"),
        ("/policy/generation", "maxResults=2147483648", "Could not parse '2147483648' as integer"),
        (
            "/policy/generation",
            "principalArn=%FF",
            "The request URI has percent-escaped bytes that are not UTF-8",
        ),
        (
            "/policy/generation/%FF",
            "",
            "The request URI has percent-escaped bytes that are not UTF-8",
        ),
    ],
)
def test_rest_json_uri_that_cannot_be_read_is_a_serialization_exception(
    path: str, query: str, message: str
) -> None:
    operation = "GetGeneratedPolicy" if path.count("/") == 3 else "ListPolicyGenerations"
    with pytest.raises(SerializationException) as excinfo:
        rest_parse(operation, "GET", path, query)
    assert excinfo.value.message == message


def test_malformed_requests_never_reach_a_handler() -> None:
    """The errors above are raised while parsing: the handler of the call never runs."""
    seen: list[Any] = []
    provider = Provider("organizations")
    provider.handles("ListAccountsForParent")(lambda ctx, params: seen.append(params) or {})
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(service_registry._loaded, "organizations", provider)
        with mock_access():
            client = raw_client("organizations")
            with pytest.raises(ClientError):
                send_body(client, "ListAccountsForParent", b'{"ParentId": ')
    assert seen == []
