"""The fast path hands botocore exactly what its parser makes of the rendered bytes.

For every served operation of every served service, hypothesis generates outputs of the
operation's output shape (and errors of the service); ``protocol.parsed`` must equal
botocore's own parse of what the codec renders for them (with the modeled error members
botocore's endpoint adds), compared by value, type, key order and time zone. Then the
behaviours around it: the hooks that send a client down the bytes path, a ``before-send``
handler that answers, the lazily rendered body, and the switch.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.endpoint import Endpoint, convert_to_response_dict
from botocore.exceptions import ClientError
from botocore.model import OperationModel, Shape
from botocore.parsers import ResponseParserError, ResponseParserFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iam_access_mock import mock_access
from iam_access_mock.errors import ServiceError
from iam_access_mock.protocol import codec_for, protocol_of
from iam_access_mock.protocol.parsed import parsed_error, parsed_output, supports
from iam_access_mock.services import provider_for, served_services
from iam_access_mock.transport import sync

_SESSION = boto3.session.Session()
_MODELS = {name: _SESSION._session.get_service_model(name) for name in served_services()}
_OPERATIONS = [
    (service, name)
    for service in served_services()
    for name in sorted(provider_for(service).handlers)  # type: ignore[union-attr]
]
_REQUEST_ID = "5d1a1b8e-0f0e-4c53-9d3a-1e2f3a4b5c6d"


# ---- helpers ---------------------------------------------------------------------------


def operation_model(service: str, name: str) -> OperationModel:
    return _MODELS[service].operation_model(name)


def botocore_parse(operation: OperationModel, status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """botocore's own parse of a rendered answer, as ``Endpoint._do_get_response`` does it."""
    http_response = AWSResponse("https://example.invalid/", status, headers, None)
    http_response._content = body
    response_dict = convert_to_response_dict(http_response, operation)
    parser = ResponseParserFactory().create_parser(protocol_of(operation.service_model))
    parsed = parser.parse(response_dict, operation.output_shape)
    if status >= 300:
        Endpoint._add_modeled_error_fields(None, response_dict, parsed, operation, parser)  # type: ignore[arg-type]
    return parsed


def fast_and_bytes_output(operation: OperationModel, output: dict[str, Any]) -> tuple[Any, Any]:
    protocol = protocol_of(operation.service_model)
    codec = codec_for(protocol)
    rendered = codec.render(operation, output, _REQUEST_ID)
    status, headers = codec.success_head(operation, _REQUEST_ID)
    assert (status, headers) == (rendered.status, rendered.headers)
    fast = parsed_output(protocol, operation, output, _REQUEST_ID, status, headers)
    return fast, botocore_parse(operation, rendered.status, rendered.headers, rendered.body)


def botocore_parse_of_render(operation: OperationModel, output: dict[str, Any]) -> Any:
    rendered = codec_for(protocol_of(operation.service_model)).render(operation, output, _REQUEST_ID)
    return botocore_parse(operation, rendered.status, rendered.headers, rendered.body)


def fast_and_bytes_error(operation: OperationModel, error: ServiceError) -> tuple[Any, Any]:
    protocol = protocol_of(operation.service_model)
    codec = codec_for(protocol)
    rendered = codec.render_error(operation, error, _REQUEST_ID)
    status, headers = codec.error_head(operation, error, _REQUEST_ID)
    assert (status, headers) == (rendered.status, rendered.headers)
    fast = parsed_error(protocol, operation, error, _REQUEST_ID, status, headers)
    return fast, botocore_parse(operation, rendered.status, rendered.headers, rendered.body)


def assert_same(fast: Any, parsed: Any, path: str = "") -> None:
    """Equal by value and type, dict keys in the same order, datetimes in the same zone."""
    assert type(fast) is type(parsed), f"{path}: {type(fast)} vs {type(parsed)}"
    if isinstance(parsed, dict):
        assert list(fast) == list(parsed), f"{path}: keys {list(fast)} vs {list(parsed)}"
        for key in parsed:
            assert_same(fast[key], parsed[key], f"{path}.{key}")
    elif isinstance(parsed, list):
        assert len(fast) == len(parsed), path
        for index, (a, b) in enumerate(zip(fast, parsed)):
            assert_same(a, b, f"{path}[{index}]")
    elif isinstance(parsed, float) and math.isnan(parsed):
        assert math.isnan(fast), path
    elif isinstance(parsed, datetime):
        assert fast == parsed, path
        assert type(fast.tzinfo) is type(parsed.tzinfo), f"{path}: {fast.tzinfo!r} vs {parsed.tzinfo!r}"
        assert fast.utcoffset() == parsed.utcoffset() and fast.fold == parsed.fold, path
    else:
        assert fast == parsed, f"{path}: {fast!r} vs {parsed!r}"


# ---- strategies from shapes ------------------------------------------------------------

_ZONES = st.one_of(
    st.none(),
    st.just(timezone.utc),
    st.builds(lambda minutes: timezone(timedelta(minutes=minutes)), st.integers(-14 * 60, 14 * 60)),
)
_DATETIMES = st.datetimes(
    min_value=datetime(1000, 1, 2), max_value=datetime(9998, 12, 30), timezones=_ZONES
)
_TEXT = st.text(max_size=12) | st.sampled_from(["", " ", "a&b<c>", "x\r\ny", "\x00\ud800\ufffe", "é🙂"])
_SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "string": _TEXT,
    "boolean": st.booleans(),
    "integer": st.integers(-(1 << 31), (1 << 31) - 1),
    "long": st.integers(-(1 << 63), (1 << 63) - 1),
    "float": st.floats(),
    "double": st.floats(),
    "timestamp": _DATETIMES,
    "blob": st.binary(max_size=12),
}


def values_of(shape: Shape, depth: int = 0) -> st.SearchStrategy[Any]:
    kind = shape.type_name
    if kind == "structure":
        if depth > 4:
            return st.just({})
        members = {
            name: st.one_of(st.none(), values_of(member, depth + 1))
            for name, member in shape.members.items()
        }
        return st.fixed_dictionaries(
            {}, optional={**members, "NotInTheModel": st.integers()}
        )
    if kind == "list":
        return st.lists(values_of(shape.member, depth + 1), max_size=3 if depth < 3 else 0)
    if kind == "map":
        return st.dictionaries(_TEXT, values_of(shape.value, depth + 1), max_size=3)
    return _SCALARS[kind]


def errors_of(service: str) -> st.SearchStrategy[ServiceError]:
    model = _MODELS[service]
    codes = sorted({shape.error_code for shape in model.error_shapes})
    code = st.sampled_from([*codes, "", "NotImplemented", "a:b", "ns#Code", "x:y#z"]) | _TEXT
    json_fields = st.dictionaries(
        st.sampled_from(["message", "Message", "code", "Code", "__type", "reason", "other"]) | _TEXT,
        st.none() | _TEXT,
        max_size=3,
    )

    @st.composite
    def build(draw: Any) -> ServiceError:
        chosen = draw(code)
        fields = draw(json_fields) if protocol_of(model) != "query" else {}
        shape = model.shape_for_error_code(chosen)
        if shape is not None and protocol_of(model) != "query":
            fields.update(draw(values_of(shape).map(_wire_names(shape))))
        error = ServiceError(
            draw(_TEXT), code=chosen, status=draw(st.sampled_from([400, 403, 404, 409, 429, 500, 501, 503])),
            fields=fields,
        )
        error.sender_fault = draw(st.booleans())
        return error

    return build()


def _wire_names(shape: Shape) -> Any:
    def rename(value: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for name, item in value.items():
            member = shape.members.get(name)
            if member is not None and item is not None and member.type_name not in ("timestamp", "blob"):
                out[member.serialization.get("name", name)] = _jsonable(item)
        return out

    return rename


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, (bytes, datetime)) or (isinstance(value, float) and not math.isfinite(value)):
        return str(value)
    return value


# ---- the generated proof ---------------------------------------------------------------


def test_every_served_operation_is_on_the_fast_path() -> None:
    """No served operation falls back to bytes for want of a modeled feature."""
    unsupported = [
        f"{service}:{name}"
        for service, name in _OPERATIONS
        if not supports(operation_model(service, name), protocol_of(_MODELS[service]))
    ]
    assert unsupported == []


@pytest.mark.parametrize(("service", "name"), _OPERATIONS, ids=[f"{s}:{n}" for s, n in _OPERATIONS])
def test_fast_path_output_equals_botocore_parse(service: str, name: str) -> None:
    operation = operation_model(service, name)
    shape = operation.output_shape
    strategy = values_of(shape) if shape is not None else st.just({})

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(strategy)
    def check(output: dict[str, Any]) -> None:
        try:
            parsed = botocore_parse_of_render(operation, output)
        except ResponseParserError:
            # A tagged union written with no member or several: both refuse it.
            with pytest.raises(ResponseParserError):
                fast_and_bytes_output(operation, output)
            return
        fast, parsed = fast_and_bytes_output(operation, output)
        assert_same(fast, parsed)

    check()


@pytest.mark.parametrize("service", served_services())
def test_fast_path_error_equals_botocore_parse(service: str) -> None:
    names = sorted(provider_for(service).handlers)  # type: ignore[union-attr]

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.sampled_from(names), errors_of(service))
    def check(name: str, error: ServiceError) -> None:
        operation = operation_model(service, name)
        fast, parsed = fast_and_bytes_error(operation, error)
        assert_same(fast, parsed)

    check()


def test_timestamps_keep_the_zone_botocore_gives_whatever_the_local_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    operation = operation_model("iam", "GetUser")
    output = {"User": {"Path": "/", "UserName": "a", "UserId": "AIDA", "Arn": "arn",
                       "CreateDate": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc)}}
    for zone in ("UTC", "Europe/Paris", "America/New_York"):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        try:
            fast, parsed = fast_and_bytes_output(operation, output)
            assert_same(fast, parsed)
        finally:
            monkeypatch.undo()
            time.tzset()


# ---- through a client --------------------------------------------------------------------


def _client(service: str = "iam") -> Any:
    return boto3.client(service, region_name="us-east-1")


def _metadata_free(response: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


def test_a_client_answers_the_same_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = []
    for forced in ("", "1"):
        monkeypatch.setenv(sync.BYTES_ENV, forced)
        with mock_access():
            iam = _client()
            iam.create_user(UserName="alice", Tags=[{"Key": "k", "Value": "v"}])
            user = iam.get_user(UserName="alice")
            with pytest.raises(ClientError) as caught:
                iam.get_user(UserName="bob")
            answers.append((user, caught.value.response, type(caught.value).__name__))
    (fast, fast_error, fast_class), (slow, slow_error, slow_class) = answers
    assert fast_class == slow_class == "NoSuchEntityException"
    for a, b in ((fast, slow), (fast_error, slow_error)):
        assert list(a) == list(b)
        assert list(a["ResponseMetadata"]) == list(b["ResponseMetadata"])
        assert a["ResponseMetadata"]["HTTPStatusCode"] == b["ResponseMetadata"]["HTTPStatusCode"]
    assert fast["User"].keys() == slow["User"].keys()
    assert fast["User"]["UserName"] == "alice" and fast["User"]["Tags"] == slow["User"]["Tags"]
    assert fast_error["Error"] == slow_error["Error"]


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the protocols botocore's parsers are asked to parse (the bytes path)."""
    calls: list[str] = []
    original = ResponseParserFactory.create_parser

    def create_parser(self: Any, protocol: str) -> Any:
        calls.append(protocol)
        return original(self, protocol)

    monkeypatch.setattr(ResponseParserFactory, "create_parser", create_parser)
    return calls


def test_served_calls_skip_botocore_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(sync.BYTES_ENV, raising=False)  # the suite may run with it forced
    iam = _client()
    calls = _count_parses(monkeypatch)
    with mock_access():
        iam.create_user(UserName="alice")
        response = iam.get_user(UserName="alice")
    assert calls == []
    assert response["ResponseMetadata"]["RetryAttempts"] == 0


def test_the_switch_forces_the_bytes_path(monkeypatch: pytest.MonkeyPatch) -> None:
    iam = _client()
    calls = _count_parses(monkeypatch)
    monkeypatch.setenv(sync.BYTES_ENV, "1")
    with mock_access():
        iam.list_users()
    assert calls == ["query"]


def test_a_before_parse_handler_gets_the_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bytes] = []
    with mock_access():
        iam = _client()
        iam.list_users()  # decided for this client once ...
        iam.meta.events.register(
            "before-parse.iam.ListUsers", lambda response_dict, **_: seen.append(response_dict["body"])
        )
        iam.list_users()  # ... and again once its handlers change
    assert len(seen) == 1 and seen[0].startswith(b"<ListUsersResponse")


def test_a_custom_timestamp_parser_is_honoured() -> None:
    session = boto3.session.Session(region_name="us-east-1")
    session._session.get_component("response_parser_factory").set_parser_defaults(
        timestamp_parser=lambda text: f"raw:{text}"
    )
    with mock_access():
        iam = session.client("iam")
        user = iam.create_user(UserName="alice")["User"]
    assert user["CreateDate"].startswith("raw:") and user["CreateDate"].endswith("Z")


def test_a_before_send_handler_that_answers_is_parsed_by_botocore() -> None:
    body = (
        b'<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetUserResult>'
        b"<User><Path>/</Path><UserName>canned</UserName><UserId>AIDACANNED</UserId>"
        b"<Arn>arn:aws:iam::123456789012:user/canned</Arn>"
        b"<CreateDate>2020-01-01T00:00:00Z</CreateDate></User></GetUserResult>"
        b"<ResponseMetadata><RequestId>canned-id</RequestId></ResponseMetadata></GetUserResponse>"
    )

    def canned(**_: Any) -> AWSResponse:
        response = AWSResponse("https://iam.amazonaws.com/", 200, {}, None)
        response._content = body
        return response

    with mock_access():
        iam = _client()
        iam.meta.events.register("before-send.iam.GetUser", canned)
        answer = iam.get_user(UserName="canned")
    assert answer["User"]["UserName"] == "canned"
    assert answer["ResponseMetadata"]["RequestId"] == "canned-id"


def test_the_body_is_rendered_when_someone_reads_it() -> None:
    bodies: list[bytes] = []
    with mock_access():
        iam = _client()
        iam.meta.events.register(
            "after-call.iam.CreateUser", lambda http_response, **_: bodies.append(http_response.content)
        )
        iam.create_user(UserName="alice")
    assert len(bodies) == 1
    assert b"<UserName>alice</UserName>" in bodies[0]


def test_retries_see_the_parsed_error(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []

    def note(response: Any, **_: Any) -> None:
        seen.append(None if response is None else response[1]["Error"]["Code"] if "Error" in response[1] else "ok")

    with mock_access():
        iam = _client()
        iam.meta.events.register("needs-retry.iam.GetUser", note)
        with pytest.raises(iam.exceptions.NoSuchEntityException):
            iam.get_user(UserName="nobody")
    assert seen == ["NoSuchEntity"]
