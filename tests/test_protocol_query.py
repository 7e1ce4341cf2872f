"""The Query codec (IAM, STS): requests as botocore sends them and as real IAM parses them,
responses as botocore reads them.

Parsing edge cases follow the real IAM/STS captures (research file iam-messages.md §2).
Where botocore can build the request, it goes through a boto3 client under the mock; where
it cannot (sparse or malformed list indexes), the form is swapped in just before signing,
so the request is still signed and sent through botocore.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import boto3
import botocore.config
import botocore.handlers
import botocore.session
import pytest
from botocore import xform_name
from hypothesis import given, settings
from hypothesis import strategies as st
from support import botocore_parse, botocore_request, client_error, needs_operation, parse_form

from iam_access_mock import mock_access
from iam_access_mock.errors import MalformedInput
from iam_access_mock.protocol import HttpRequest, codec_for

_session = botocore.session.get_session()
IAM = _session.get_service_model("iam")
STS = _session.get_service_model("sts")
QUERY = codec_for("query")
WHEN = datetime(2026, 9, 11, 15, 26, 19, 516000, tzinfo=timezone.utc)


def round_trip(model: Any, operation_name: str, params: dict[str, Any]) -> dict[str, Any]:
    operation = model.operation_model(operation_name)
    return QUERY.parse(botocore_request(operation, params), operation)


def malformed(model: Any, operation_name: str, form: list[tuple[str, str]]) -> str:
    with pytest.raises(MalformedInput) as excinfo:
        parse_form(model, operation_name, form)
    assert (excinfo.value.code, excinfo.value.status) == ("MalformedInput", 400)
    return excinfo.value.message


@pytest.fixture
def iam() -> Iterator[Any]:
    with mock_access():
        yield boto3.client("iam", config=botocore.config.Config(parameter_validation=False))


def send_form(client: Any, operation_name: str, form: list[tuple[str, str]]) -> dict[str, Any]:
    """Call ``operation_name`` with exactly this form: botocore signs and sends it as usual."""
    body = urlencode(
        [("Action", operation_name), ("Version", client.meta.service_model.api_version), *form]
    )

    def replace_body(request: Any, **_: Any) -> None:
        request.data = body

    event = f"before-sign.{client.meta.service_model.service_id.hyphenize()}.{operation_name}"
    client.meta.events.register(event, replace_body)
    try:
        return getattr(client, xform_name(operation_name))()
    finally:
        client.meta.events.unregister(event, replace_body)


# ---- requests botocore builds ------------------------------------------------------------


def test_lists_of_structures_with_awkward_text() -> None:
    params = {
        "UserName": "alice+bob=c,d.e@f-g",
        "Tags": [{"Key": "a&b=c d", "Value": "é/€ 𝄞+%"}, {"Key": "empty", "Value": ""}],
    }
    assert round_trip(IAM, "TagUser", params) == params


def test_nested_lists_integers_and_scalar_lists() -> None:
    params = {
        "PolicySourceArn": "arn:aws:iam::123456789012:user/alice",
        "PolicyInputList": ['{"Version":"2012-10-17"}'],
        "ActionNames": ["s3:GetObject", "iam:GetUser"],
        "ResourceArns": ["*"],
        "ContextEntries": [
            {
                "ContextKeyName": "aws:SourceIp",
                "ContextKeyValues": ["10.0.0.1", "10.0.0.2"],
                "ContextKeyType": "ipList",
            },
            {
                "ContextKeyName": "aws:MultiFactorAuthPresent",
                "ContextKeyValues": ["true"],
                "ContextKeyType": "boolean",
            },
        ],
        "MaxItems": 5,
        "Marker": "m",
    }
    assert round_trip(IAM, "SimulatePrincipalPolicy", params) == params


@pytest.mark.parametrize("only_attached", [True, False])
def test_booleans(only_attached: bool) -> None:
    params = {
        "Scope": "Local",
        "OnlyAttached": only_attached,
        "PolicyUsageFilter": "PermissionsBoundary",
    }
    assert round_trip(IAM, "ListPolicies", params) == params


@needs_operation("iam", "PutAccountProperties")
def test_maps() -> None:
    params = {"Properties": {"RoleManager/Enabled": "true", "Other/Key": "a&b"}}
    assert round_trip(IAM, "PutAccountProperties", params) == params


def test_sts_structures_lists_and_integers() -> None:
    params = {
        "RoleArn": "arn:aws:iam::123456789012:role/r",
        "RoleSessionName": "s",
        "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
        "DurationSeconds": 900,
        "Tags": [{"Key": "k", "Value": "v"}],
        "TransitiveTagKeys": ["k"],
        "ProvidedContexts": [
            {
                "ProviderArn": "arn:aws:iam::aws:contextProvider/IdentityCenter",
                "ContextAssertion": "x",
            }
        ],
    }
    assert round_trip(STS, "AssumeRole", params) == params


def test_empty_list_without_minimum_is_an_empty_list() -> None:
    assert round_trip(IAM, "TagUser", {"UserName": "alice", "Tags": []}) == {
        "UserName": "alice",
        "Tags": [],
    }


def test_empty_list_with_a_minimum_is_absent() -> None:
    params = {"Arn": "arn:aws:iam::123456789012:user/alice", "ServiceNamespaces": []}
    assert round_trip(IAM, "ListPoliciesGrantingServiceAccess", params) == {"Arn": params["Arn"]}


def test_the_form_may_come_in_the_query_string() -> None:
    operation = IAM.operation_model("GetUser")
    request = HttpRequest(
        "GET",
        "https://iam.amazonaws.com/?Action=GetUser&UserName=bob",
        "/",
        "Action=GetUser&Version=2010-05-08&UserName=bob",
        {},
        b"",
    )
    assert QUERY.parse(request, operation) == {"UserName": "bob"}


def test_operation_without_input_shape_parses_to_nothing() -> None:
    assert round_trip(IAM, "GetAccountSummary", {}) == {}


# ---- numbers and booleans as IAM parses them ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1", 1),
        ("01", 1),
        ("+1", 1),
        ("-5", -5),
        ("2147483647", 2147483647),
        ("-2147483648", -2147483648),
    ],
)
def test_integers_accepted(text: str, number: int) -> None:
    assert parse_form(IAM, "ListUsers", [("MaxItems", text)]) == {"MaxItems": number}


@pytest.mark.parametrize(
    "text", [" 1 ", "\t1\n", "1.0", "1e0", "2147483648", "-2147483649", "", "+", "0x1", "1_0", "١"]
)
def test_integers_refused(text: str) -> None:
    message = malformed(IAM, "ListUsers", [("MaxItems", text)])
    assert message == f"Unable to parse '{text}' as an integer for parameter MaxItems"


@pytest.mark.parametrize(("text", "seconds"), [("900", 900), ("0900", 900), ("+900", 900)])
def test_sts_duration_accepted(text: str, seconds: int) -> None:
    assert parse_form(STS, "GetSessionToken", [("DurationSeconds", text)]) == {
        "DurationSeconds": seconds
    }


@pytest.mark.parametrize("text", [" 900 ", "\t900\n", "900.0", "9e2", "2147483648"])
def test_sts_duration_refused(text: str) -> None:
    malformed(STS, "GetSessionToken", [("DurationSeconds", text)])


@pytest.mark.parametrize(
    ("text", "flag"), [("true", True), ("1", True), ("false", False), ("0", False)]
)
def test_booleans_accepted(text: str, flag: bool) -> None:
    assert parse_form(IAM, "ListServiceSpecificCredentials", [("AllUsers", text)]) == {
        "AllUsers": flag
    }


@pytest.mark.parametrize(
    "text", [" true", "true ", "\ttrue\n", "True", "TRUE", "False", "FALSE", "", "null", "anything"]
)
def test_booleans_refused(text: str) -> None:
    message = malformed(IAM, "ListServiceSpecificCredentials", [("AllUsers", text)])
    assert message == f"Unable to parse '{text}' as a boolean for parameter AllUsers"


# ---- lists as IAM parses them ------------------------------------------------------------


@pytest.mark.parametrize(
    ("indexes", "skipped"),
    [
        ([12], 11),
        ([16], 15),
        ([17], 16),
        ([20], 19),
        ([21], 20),
        ([22], 21),
        ([31], 30),
        ([32], 31),
        ([33], 32),
        ([1, 12], 11),
        ([12, 1], 11),
        ([1, 22], 21),
        ([22, 1], 21),
        ([1, 22, 43], 21),
        ([*range(1, 11), 21], 11),
        ([*range(1, 11), 22], 12),
    ],
)
def test_excessively_sparse_lists_are_refused(indexes: list[int], skipped: int) -> None:
    form = [(f"PolicyInputList.member.{index}", "{}") for index in indexes]
    assert malformed(IAM, "GetContextKeysForCustomPolicy", form) == (
        f"Excessively sparse input would skip {skipped} list elements"
    )


@pytest.mark.parametrize("indexes", [[11], [1, 8, 15], [1, 11]])
def test_gaps_of_ten_or_fewer_become_null_members(indexes: list[int]) -> None:
    form = [(f"PolicyInputList.member.{index}", f"doc{index}") for index in indexes]
    parsed = parse_form(IAM, "GetContextKeysForCustomPolicy", form)["PolicyInputList"]
    assert len(parsed) == max(indexes)
    assert [i + 1 for i, item in enumerate(parsed) if item is not None] == sorted(indexes)
    assert all(parsed[index - 1] == f"doc{index}" for index in indexes)


@pytest.mark.parametrize("token", ["+1", "one"])
def test_scalar_list_index_that_is_not_a_number(token: str) -> None:
    form = [(f"PolicyInputList.member.{token}", "{}")]
    assert (
        malformed(IAM, "GetContextKeysForCustomPolicy", form)
        == "Start of list found where not expected"
    )


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ([("PolicyInputList.member.0", "{}")], "0 is not a valid index"),
        ([("PolicyInputList.member.-1", "{}")], "Key -1 may not have a leading '-'"),
        ([("PolicyInputList.member.1.0", "{}")], "Two index elements may not occur back to back"),
    ],
)
def test_scalar_list_bad_indexes(form: list[tuple[str, str]], message: str) -> None:
    assert malformed(IAM, "GetContextKeysForCustomPolicy", form) == message


def test_index_with_leading_zero_is_the_same_member() -> None:
    form = [("UserName", "u"), ("Tags.member.01.Key", "team"), ("Tags.member.1.Value", "approved")]
    assert parse_form(IAM, "TagUser", form) == {
        "UserName": "u",
        "Tags": [{"Key": "team", "Value": "approved"}],
    }


def test_missing_structure_members_have_no_fields() -> None:
    form = [("UserName", "u"), ("Tags.member.3.Key", "k"), ("Tags.member.3.Value", "v")]
    assert parse_form(IAM, "TagUser", form)["Tags"] == [{}, {}, {"Key": "k", "Value": "v"}]


@pytest.mark.parametrize("token", ["+1", "one"])
def test_structure_list_index_that_is_not_a_number_is_one_empty_member(token: str) -> None:
    form = [
        ("UserName", "u"),
        (f"Tags.member.{token}.Key", "team"),
        (f"Tags.member.{token}.Value", "approved"),
    ]
    assert parse_form(IAM, "TagUser", form)["Tags"] == [{}]


def test_scalar_sent_as_a_list_is_refused() -> None:
    assert (
        malformed(IAM, "GetUser", [("UserName.1", "alice")])
        == "Start of list found where not expected"
    )


def test_unknown_parameters_and_sub_keys_are_ignored() -> None:
    form = [
        ("UserName", "u"),
        ("Path", "/x/"),
        ("Tags.member.1.Key", "k"),
        ("Tags.member.1.Value", "v"),
        ("Tags.member.1.Unknown", "ignored"),
        ("UserName.Extra", "ignored"),
    ]
    assert parse_form(IAM, "TagUser", form) == {
        "UserName": "u",
        "Tags": [{"Key": "k", "Value": "v"}],
    }


def test_repeated_key_keeps_the_last_value() -> None:
    assert parse_form(IAM, "GetUser", [("UserName", "first"), ("UserName", "second")]) == {
        "UserName": "second"
    }


@needs_operation("iam", "PutAccountProperties")
def test_map_entries_without_key_or_value_are_ignored() -> None:
    form = [
        ("Properties.entry.1.key", "A/B"),
        ("Properties.entry.1.value", "1"),
        ("Properties.entry.2.key", "C/D"),
        ("Properties.entry.3.value", "orphan"),
    ]
    assert parse_form(IAM, "PutAccountProperties", form) == {"Properties": {"A/B": "1"}}


@needs_operation("iam", "PutAccountProperties")
def test_map_index_rules_match_the_list_rules() -> None:
    assert malformed(
        IAM,
        "PutAccountProperties",
        [("Properties.entry.0.key", "k"), ("Properties.entry.0.value", "v")],
    ) == ("0 is not a valid index")
    assert malformed(
        IAM,
        "PutAccountProperties",
        [("Properties.entry.12.key", "k"), ("Properties.entry.12.value", "v")],
    ) == ("Excessively sparse input would skip 11 list elements")


# ---- the same, end to end through boto3 --------------------------------------------------


@pytest.mark.parametrize("max_items", ["1", "01", "+1"])
def test_list_users_accepts_lenient_integers(iam: Any, max_items: str) -> None:
    iam.create_user(UserName="a")
    iam.create_user(UserName="b")
    page = iam.list_users(MaxItems=max_items)
    assert [user["UserName"] for user in page["Users"]] == ["a"]
    assert page["IsTruncated"] is True


@pytest.mark.parametrize("max_items", [" 1 ", "1.0", "1e0", "2147483648"])
def test_list_users_refuses_malformed_integers(iam: Any, max_items: str) -> None:
    assert client_error(lambda: iam.list_users(MaxItems=max_items)) == (
        "MalformedInput",
        f"Unable to parse '{max_items}' as an integer for parameter MaxItems",
        400,
    )


@pytest.mark.parametrize(
    ("max_items", "rule"),
    [("0", "greater than or equal to 1"), ("1001", "less than or equal to 1000")],
)
def test_list_users_max_items_out_of_range(iam: Any, max_items: str, rule: str) -> None:
    assert client_error(lambda: iam.list_users(MaxItems=max_items)) == (
        "ValidationError",
        f"1 validation error detected: Value at 'maxItems' failed to satisfy constraint: Member must have value {rule}",
        400,
    )


def test_tag_user_with_sparse_tags(iam: Any) -> None:
    iam.create_user(UserName="u")
    assert client_error(
        lambda: send_form(
            iam,
            "TagUser",
            [("UserName", "u"), ("Tags.member.12.Key", "k"), ("Tags.member.12.Value", "v")],
        )
    ) == ("MalformedInput", "Excessively sparse input would skip 11 list elements", 400)
    assert client_error(
        lambda: send_form(
            iam,
            "TagUser",
            [("UserName", "u"), ("Tags.member.2.Key", "k"), ("Tags.member.2.Value", "v")],
        )
    ) == (
        "ValidationError",
        (
            "2 validation errors detected: Value at 'tags.1.member.value' failed to satisfy constraint: Member must "
            "not be null; Value at 'tags.1.member.key' failed to satisfy constraint: Member must not be null"
        ),
        400,
    )
    assert iam.list_user_tags(UserName="u")["Tags"] == []


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("0", "0 is not a valid index"),
        ("-1", "Key -1 may not have a leading '-'"),
        ("1.0", "Two index elements may not occur back to back"),
    ],
)
def test_tag_user_with_bad_indexes(iam: Any, token: str, message: str) -> None:
    iam.create_user(UserName="u")
    form = [
        ("UserName", "u"),
        (f"Tags.member.{token}.Key", "team"),
        (f"Tags.member.{token}.Value", "approved"),
    ]
    assert client_error(lambda: send_form(iam, "TagUser", form)) == ("MalformedInput", message, 400)


def test_tag_user_merges_spellings_of_one_index_and_ignores_unknown_fields(iam: Any) -> None:
    iam.create_user(UserName="u")
    send_form(
        iam,
        "TagUser",
        [
            ("UserName", "u"),
            ("Tags.member.01.Key", "team"),
            ("Tags.member.1.Value", "approved"),
            ("Tags.member.1.Unknown", "ignored"),
        ],
    )
    assert iam.list_user_tags(UserName="u")["Tags"] == [{"Key": "team", "Value": "approved"}]


def test_unknown_parameters_are_ignored_end_to_end(iam: Any) -> None:
    iam.create_user(UserName="u")
    assert (
        send_form(iam, "GetUser", [("UserName", "u"), ("Path", "/other/")])["User"]["UserName"]
        == "u"
    )
    listed = send_form(
        iam, "ListUsers", [("Tags.member.1.Key", "ignored"), ("Tags.member.1.Value", "ignored")]
    )
    assert [user["UserName"] for user in listed["Users"]] == ["u"]


def test_scalar_sent_as_a_list_end_to_end(iam: Any) -> None:
    assert client_error(lambda: send_form(iam, "GetUser", [("UserName.1", "alice")])) == (
        "MalformedInput",
        "Start of list found where not expected",
        400,
    )


# ---- responses -----------------------------------------------------------------------------


def test_response_wire_form() -> None:
    operation = IAM.operation_model("GetUser")
    output = {
        "User": {
            "Path": "/",
            "UserName": "a<b>&c\r\nd",
            "UserId": "AIDA",
            "Arn": "arn:aws:iam::1:user/x",
            "CreateDate": WHEN,
        }
    }
    response = QUERY.render(operation, output, "rid-1")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/xml"
    assert response.headers["x-amzn-RequestId"] == "rid-1"
    body = response.body.decode()
    assert body.startswith(
        '<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetUserResult>'
    )
    assert "<CreateDate>2026-09-11T15:26:19.516Z</CreateDate>" in body
    assert "<UserName>a&lt;b&gt;&amp;c&#13;\nd</UserName>" in body
    assert body.endswith(
        "<ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata></GetUserResponse>"
    )
    parsed = botocore_parse(response, operation)
    assert parsed["User"] == output["User"]


def test_none_members_are_left_out_and_booleans_are_lower_case() -> None:
    operation = IAM.operation_model("ListUsers")
    response = QUERY.render(operation, {"Users": [], "IsTruncated": False, "Marker": None}, "rid")
    body = response.body.decode()
    assert "<Users></Users><IsTruncated>false</IsTruncated></ListUsersResult>" in body
    assert "Marker" not in body
    assert botocore_parse(response, operation)["Users"] == []


def test_operation_without_output_renders_only_metadata() -> None:
    operation = IAM.operation_model("DeleteUser")
    response = QUERY.render(operation, {}, "rid-2")
    assert response.body == (
        b'<DeleteUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        b"<ResponseMetadata><RequestId>rid-2</RequestId></ResponseMetadata></DeleteUserResponse>"
    )
    assert botocore_parse(response, operation) == {
        "ResponseMetadata": {
            "RequestId": "rid-2",
            "HTTPStatusCode": 200,
            "HTTPHeaders": {"content-type": "text/xml", "x-amzn-requestid": "rid-2"},
        }
    }


def test_url_encoded_policy_documents_reach_the_user_as_dicts() -> None:
    operation = IAM.operation_model("GetRolePolicy")
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    output = {
        "RoleName": "r",
        "PolicyName": "p",
        "PolicyDocument": quote(json.dumps(document), safe=""),
    }
    parsed = botocore_parse(QUERY.render(operation, output, "rid"), operation)
    assert parsed["PolicyDocument"] == output["PolicyDocument"]  # the parser keeps the string
    botocore.handlers.json_decode_policies(parsed, operation)  # boto3's after-call handler
    assert parsed["PolicyDocument"] == document


def test_sts_response_namespace() -> None:
    operation = STS.operation_model("GetCallerIdentity")
    output = {
        "UserId": "AIDA",
        "Account": "123456789012",
        "Arn": "arn:aws:iam::123456789012:user/u",
    }
    response = QUERY.render(operation, output, "rid")
    assert response.body.startswith(
        b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
    )
    assert {
        k: v for k, v in botocore_parse(response, operation).items() if k != "ResponseMetadata"
    } == output


def test_two_spellings_of_one_index_keep_the_later_value() -> None:
    form = [
        ("UserName", "u"),
        ("Tags.member.01.Key", "first"),
        ("Tags.member.1.Key", "second"),
        ("Tags.member.1.Value", "v"),
    ]
    assert parse_form(IAM, "TagUser", form)["Tags"] == [{"Key": "second", "Value": "v"}]


# CreateUser's members, as sent in a flat form: UserName and Path are strings.
_FORM_KEYS = st.sampled_from(["UserName", "Path", "User%4Eame", "Pa+th", "Other", ""])
_FORM_TEXT = st.lists(
    st.sampled_from(list("ab=+ .é") + ["%20", "%3D", "%26", "%2B", "%C3%A9"]), max_size=8
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_FORM_KEYS, _FORM_TEXT), max_size=6), st.booleans())
def test_a_form_is_read_field_by_field_as_parse_qsl_reads_it(
    fields: list[tuple[str, str]], as_text: bool
) -> None:
    """Split on ``&`` and at each field's first ``=``, ``+`` is a space, escapes are UTF-8,
    an empty field is skipped and a repeated key keeps its last value; text (as botocore
    hands a form in process) and bytes (as the server receives it) read alike."""
    form = "&".join("=".join(field) if field[1] or field[0] else "" for field in fields)
    operation = IAM.operation_model("CreateUser")
    body: str | bytes = form if as_text else form.encode()
    parsed = QUERY.parse(HttpRequest("POST", "https://iam/", "/", "", {}, body), operation)
    expected = {
        key: value
        for key, value in parse_qsl(form, keep_blank_values=True)
        if key in ("UserName", "Path")
    }
    assert parsed == expected
