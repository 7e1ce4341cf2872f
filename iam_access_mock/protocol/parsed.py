"""What botocore's response parser would return for a rendered answer, built without the bytes.

For a botocore client in the same process, writing an answer as XML or JSON only for
botocore to parse it again is most of the cost of a call. ``parsed_output`` and
``parsed_error`` give the dictionary that botocore's parser for the protocol returns from the
bytes the codec would write (``QueryParser``, ``JSONParser``, ``RestJSONParser`` with their
default timestamp and blob parsers): the same keys in the same order, the same types
(timestamps as tz-aware datetimes, as ``botocore.utils.parse_timestamp`` gives them:
``tzlocal`` for epoch seconds, ``tzutc`` for ISO 8601, or ``tzlocal`` there too on a machine
whose zone is UTC; blobs as bytes; XML booleans and numbers as
Python ones) and the same ``ResponseMetadata``. The transport hands it to botocore where
botocore would parse (``transport/sync.py``); ``tests/test_fast_path_equivalence.py``
holds the two equal for every served operation, for generated outputs and errors.

An output shape with a feature neither the codecs nor this module model (members bound to
headers, payloads, flattened XML lists, XML attributes, tagged unions, event streams) makes
``supports`` false: those operations take the bytes path.
"""

from __future__ import annotations

import base64
import json
import math
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from botocore.model import OperationModel, Shape
from botocore.parsers import ResponseParserError
from botocore.utils import ensure_boolean as _ensure_boolean
from botocore.utils import parse_timestamp as _botocore_timestamp

from ..errors import ServiceError
from .base import epoch_seconds
from .text import XML_TEXT

Converter = Callable[[Any], Any]

_UNSUPPORTED_MEMBER_KEYS = ("location", "xmlAttribute", "eventheader", "eventpayload")


# ---- which operations ------------------------------------------------------------------


def supports(operation: OperationModel, protocol: str) -> bool:
    """Whether ``parsed_output`` models every feature of the operation's output; cached."""
    cached = operation.__dict__.get("_iam_mock_parsed_ok")
    if cached is None:
        cached = (
            protocol in _STYLES
            and not operation.has_streaming_output
            and not operation.has_event_stream_output
            and _supported(operation.output_shape, protocol, set(), top=True)
        )
        operation.__dict__["_iam_mock_parsed_ok"] = cached
    return bool(cached)


def _supported(shape: Shape | None, protocol: str, seen: set[str], top: bool = False) -> bool:
    if shape is None or shape.name in seen:
        return True
    seen.add(shape.name)
    kind = shape.type_name
    serialization = shape.serialization
    if serialization.get("flattened") or serialization.get("eventstream"):
        return False
    if kind == "structure":
        if "payload" in serialization:
            return False
        if shape.metadata.get("document"):
            return protocol != "query"
        for member in shape.members.values():
            if any(key in member.serialization for key in _UNSUPPORTED_MEMBER_KEYS):
                return False
            if not _supported(member, protocol, seen):
                return False
        return True
    if kind == "list":
        return _supported(shape.member, protocol, seen)
    if kind == "map":
        return _supported(shape.key, protocol, seen) and _supported(shape.value, protocol, seen)
    return kind in _SCALARS


_SCALARS = frozenset(
    ("string", "boolean", "integer", "long", "float", "double", "timestamp", "blob")
)


# ---- answers ---------------------------------------------------------------------------


def response_metadata(request_id: str | None, status: int, headers: Mapping[str, str]) -> dict[str, Any]:
    """``ResponseMetadata`` as the parsers fill it (before the endpoint adds RetryAttempts)."""
    metadata: dict[str, Any] = {} if request_id is None else {"RequestId": request_id}
    metadata["HTTPStatusCode"] = status
    metadata["HTTPHeaders"] = {name.lower(): value for name, value in headers.items()}
    return metadata


def parsed_output(
    protocol: str,
    operation: OperationModel,
    output: Mapping[str, Any],
    request_id: str,
    status: int,
    headers: Mapping[str, str],
) -> dict[str, Any]:
    """botocore's parse of ``codec.render(operation, output, request_id)``."""
    shape = operation.output_shape
    metadata = response_metadata(request_id, status, headers)
    if protocol == "rest-json":
        parsed: dict[str, Any] = {"ResponseMetadata": metadata}
        if shape is not None:
            parsed.update(converter(shape, protocol)(output))
        return parsed
    parsed = converter(shape, protocol)(output) if shape is not None else {}
    parsed["ResponseMetadata"] = metadata
    return parsed


def parsed_error(
    protocol: str,
    operation: OperationModel,
    error: ServiceError,
    request_id: str,
    status: int,
    headers: Mapping[str, str],
) -> dict[str, Any]:
    """botocore's parse of ``codec.render_error(operation, error, request_id)``, with the
    modeled error members botocore's endpoint adds (``_add_modeled_error_fields``)."""
    if protocol == "query":
        parsed, wire = _query_error(error)
    else:
        parsed, wire = _json_error(protocol, error, headers)
    code = parsed["Error"].get("Code")
    metadata = parsed["ResponseMetadata"]
    # The query body carries the id; the JSON parsers read the x-amzn-RequestId header.
    if protocol == "query" or any(name.lower() == "x-amzn-requestid" for name in headers):
        metadata["RequestId"] = request_id
    metadata.update(response_metadata(None, status, headers))
    if code is not None:
        error_shape = operation.service_model.shape_for_error_code(code)
        if error_shape is not None:
            parsed.update(_modeled_error(protocol, error_shape, wire, status, headers))
    return parsed


def _query_error(error: ServiceError) -> tuple[dict[str, Any], dict[str, str]]:
    # QueryParser._do_error_parse: each element's text, None for an empty element.
    wire = {
        "Type": "Sender" if error.sender_fault else "Receiver",
        "Code": xml_text(error.code),
        "Message": xml_text(error.message),
    }
    fields = {key: (value or None) for key, value in wire.items()}
    return {"Error": fields, "ResponseMetadata": {}}, wire


def _json_error(
    protocol: str, error: ServiceError, headers: Mapping[str, str]
) -> tuple[dict[str, Any], Any]:
    # The body exactly as json.loads gives it back (``default=str``, as the codecs write it).
    if protocol == "json":
        body: Any = {"__type": error.code, "Message": error.message, **error.fields}
    else:
        body = {"message": error.message, **error.fields}
    body = json.loads(json.dumps(body, default=str))
    # BaseJSONParser._do_error_parse
    message = body.get("message", body.get("Message", ""))
    found = body.get("__type", str(error.status))
    code = ""
    if found is not None:
        code = found
        if ":" in code:
            code = code.split(":", 1)[0]
        if "#" in code:
            code = code.rsplit("#", 1)[1]
    if protocol == "rest-json":
        # RestJSONParser._inject_error_code: the x-amzn-ErrorType header wins.
        lowered = {name.lower(): value for name, value in headers.items()}
        header_code = lowered.get("x-amzn-errortype")
        if header_code is None and ("code" in body or "Code" in body):
            header_code = body.get("code", body.get("Code", ""))
        if header_code is not None:
            code = header_code
            if isinstance(code, str):
                code = code.split(":", 1)[0].rsplit("#", 1)[-1]
    return {"Error": {"Message": message, "Code": code}, "ResponseMetadata": {}}, body


def _modeled_error(
    protocol: str, shape: Shape, wire: Any, status: int, headers: Mapping[str, str]
) -> dict[str, Any]:
    """The error shape's members parsed from the error body (``_do_modeled_error_parse``)."""
    parsed: dict[str, Any] = {}
    if protocol == "query":
        for name, member in shape.members.items():
            xml_name = member.serialization.get("name", name)
            if xml_name in wire:
                # The element's text, '' for an empty one, through the member's type.
                parsed[name] = _xml_from_text(member, wire[xml_name])
        return parsed
    if protocol == "rest-json":
        # BaseRestParser._add_modeled_parse: members bound to the status code or to a header
        # (Access Analyzer's Retry-After) first, then the body.
        lowered = {name.lower(): value for name, value in headers.items()}
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            if location == "statusCode":
                parsed[name] = int(status)
            elif location == "header":
                value = lowered.get(member.serialization.get("name", name).lower())
                if value is not None:
                    parsed[name] = _json_from_header(member, value)
        parsed.update(json_wire(shape, wire, protocol))
        return parsed
    return json_wire(shape, wire, protocol) if isinstance(wire, dict) else {}


# ---- converters: handler output -> parsed value -----------------------------------------


def converter(shape: Shape, protocol: str) -> Converter:
    """The function from a handler's value of ``shape`` to its parsed value; cached."""
    key = _STYLES[protocol]
    found = shape.__dict__.get(key)
    if found is None:
        found = _BUILDERS[key](shape, protocol)
        shape.__dict__[key] = found
    return found


def xml_text(text: str) -> str:
    """A string as it comes back out of the query codec's XML."""
    return text if text.isprintable() else XML_TEXT.make_safe(text)


_utc_zone: tuple[Any, Any] = (None, None)  # (time.tzname it was found for, the tzinfo)


def _zone_of_z() -> Any:
    """The tzinfo botocore's parse of an ISO 8601 time ending in ``Z`` carries.

    dateutil gives ``tzutc()``, except where the local zone's name is one of its names for
    UTC (a machine set to UTC): then ``tzlocal()``. Found by asking it, again whenever the
    process's zone changes (``time.tzset``).
    """
    global _utc_zone
    names, zone = _utc_zone
    current = time.tzname
    if names is not current:
        zone = _botocore_timestamp("2000-01-01T00:00:00.000Z").tzinfo
        _utc_zone = (current, zone)
    return zone


def utc_milliseconds(value: datetime) -> datetime:
    """A timestamp as botocore parses the codecs' ``2026-09-11T15:26:19.516Z``."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return datetime(
        value.year, value.month, value.day, value.hour, value.minute, value.second,
        value.microsecond // 1000 * 1000, tzinfo=_zone_of_z(),
    )


def _structure(shape: Shape, protocol: str) -> Converter:
    plan: list[tuple[str, Converter]] | None = None
    union = bool(getattr(shape, "is_tagged_union", False))

    def convert(value: Mapping[str, Any]) -> dict[str, Any]:
        nonlocal plan
        if plan is None:
            # Built on first use: a recursive shape would otherwise recurse here.
            plan = [(name, converter(member, protocol)) for name, member in shape.members.items()]
        out = {}
        get = value.get
        for name, convert_member in plan:
            item = get(name)
            if item is not None:
                out[name] = convert_member(item)
        if union and len(out) != 1:
            # What the parser says of a union the codec wrote with no member or several.
            raise ResponseParserError(
                f"Invalid service response: {shape.name} must have one and only one member set."
            )
        return out

    return convert


def _xml_builder(shape: Shape, protocol: str) -> Converter:
    kind = shape.type_name
    if kind == "structure":
        return _structure(shape, protocol)
    if kind == "list":
        member = converter(shape.member, protocol)
        return lambda value: [member(item) for item in value]
    if kind == "map":
        key, item = converter(shape.key, protocol), converter(shape.value, protocol)
        return lambda value: {key(str(k)): item(v) for k, v in value.items()}
    return _XML_SCALARS[kind]


def _xml_timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        return utc_milliseconds(value)
    return _botocore_timestamp(str(value))


def _xml_blob(value: Any) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


_XML_SCALARS: dict[str, Converter] = {
    "string": xml_text,
    "boolean": lambda value: bool(value),
    "integer": lambda value: value if type(value) is int else int(f"{value}"),
    "long": lambda value: value if type(value) is int else int(f"{value}"),
    "float": lambda value: float(f"{value}"),
    "double": lambda value: float(f"{value}"),
    "timestamp": _xml_timestamp,
    "blob": _xml_blob,
}


def _xml_from_text(shape: Shape, text: str) -> Any:
    """An XML element's text through the parser's handler for ``shape``."""
    kind = shape.type_name
    if kind == "string":
        return text
    if kind in ("integer", "long"):
        return int(text)
    if kind in ("float", "double"):
        return float(text)
    if kind == "boolean":
        return text == "true"
    if kind == "timestamp":
        return _botocore_timestamp(text)
    raise TypeError(f"an error member of type {kind} is not modeled")


def _json_from_header(shape: Shape, text: str) -> Any:
    """A header's text through RestJSONParser's handler for ``shape``."""
    kind = shape.type_name
    if kind in ("integer", "long"):
        return int(text)
    if kind in ("float", "double"):
        return float(text)
    if kind == "boolean":
        return _ensure_boolean(text)
    if kind == "timestamp":
        return _botocore_timestamp(text)
    return text


def _json_builder(shape: Shape, protocol: str) -> Converter:
    """From a handler's value (as ``json.encode_value`` would write it) to the parse."""
    kind = shape.type_name
    rest = protocol == "rest-json"
    if kind == "structure":
        if shape.metadata.get("document"):
            return lambda value: json.loads(json.dumps(value))
        return _structure(shape, protocol)
    if kind == "list":
        member = converter(shape.member, protocol)
        return lambda value: [member(item) for item in value]
    if kind == "map":
        item = converter(shape.value, protocol)
        return lambda value: {_json_key(k): item(v) for k, v in value.items()}
    if kind == "timestamp":
        form = shape.serialization.get("timestampFormat", "unixTimestamp")
        return _json_iso_timestamp if form == "iso8601" else _json_epoch_timestamp
    if kind == "blob":
        return _xml_blob
    if kind in ("float", "double"):
        return _rest_float if rest else _json_float
    if rest and kind in ("integer", "long"):
        return int
    if rest and kind == "boolean":
        return _ensure_boolean
    return _identity


def _identity(value: Any) -> Any:
    return value


def _json_key(key: Any) -> str:
    if type(key) is str:
        return key
    return next(iter(json.loads(json.dumps({key: 0}))))


def _json_iso_timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        return utc_milliseconds(value)
    return _botocore_timestamp(value)


def _json_epoch_timestamp(value: Any) -> datetime:
    return _botocore_timestamp(epoch_seconds(value) if isinstance(value, datetime) else value)


def _non_finite_text(value: float) -> str:
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def _json_float(value: Any) -> Any:
    # Smithy's JSON protocols write non-finite numbers as strings; JSONParser keeps them.
    if isinstance(value, float) and not math.isfinite(value):
        return _non_finite_text(value)
    return value


def _rest_float(value: Any) -> float:
    return float(value)


_STYLES = {"query": "_iam_mock_parsed_xml", "json": "_iam_mock_parsed_json", "rest-json": "_iam_mock_parsed_rest"}
_BUILDERS: dict[str, Callable[[Shape, str], Converter]] = {
    "_iam_mock_parsed_xml": _xml_builder,
    "_iam_mock_parsed_json": _json_builder,
    "_iam_mock_parsed_rest": _json_builder,
}


# ---- JSON wire values -> parsed value (the parser's walk, for error bodies) ---------------


def json_wire(shape: Shape, value: Any, protocol: str) -> Any:
    """What botocore's JSON parser makes of the decoded JSON ``value`` for ``shape``."""
    kind = shape.type_name
    rest = protocol == "rest-json"
    if kind == "structure":
        if shape.metadata.get("document"):
            return value
        if value is None:
            return None
        out = {}
        for name, member in shape.members.items():
            raw = value.get(member.serialization.get("name", name))
            if raw is not None:
                out[name] = json_wire(member, raw, protocol)
        return out
    if kind == "list":
        return [json_wire(shape.member, item, protocol) for item in value]
    if kind == "map":
        return {
            json_wire(shape.key, key, protocol): json_wire(shape.value, item, protocol)
            for key, item in value.items()
        }
    if kind == "timestamp":
        return _botocore_timestamp(value)
    if kind == "blob":
        return base64.b64decode(bytes(value, "utf-8"))
    if rest and kind in ("integer", "long"):
        return int(value)
    if rest and kind in ("float", "double"):
        return float(value)
    if rest and kind == "boolean":
        return _ensure_boolean(value)
    return value
