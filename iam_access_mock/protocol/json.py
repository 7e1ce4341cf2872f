"""The ``json`` protocol (Organizations): ``X-Amz-Target`` POSTs with JSON bodies."""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from botocore.model import OperationModel, Shape

from ..errors import ServiceError
from .base import (
    JAVA_RANGES,
    Codec,
    HttpRequest,
    HttpResponse,
    epoch_seconds,
    iso8601,
    members_by_name,
    members_by_wire_name,
    parse_timestamp,
)


class SerializationException(ServiceError):
    code, status = "SerializationException", 400


_JSON_TYPE_NAMES = {
    str: "STRING_VALUE",
    bool: "BOOLEAN_VALUE",
    int: "NUMBER_VALUE",
    float: "NUMBER_VALUE",
}
_EXPECTED = {
    "string": "a String",
    "integer": "an Integer",
    "long": "a Long",
    "float": "a Float",
    "double": "a Double",
    "boolean": "a Boolean",
    "timestamp": "a Timestamp",
    "blob": "a Blob",
}
_NON_FINITE = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}
_JAVA_TYPES = {"integer": "int", "long": "long"}


def _wrong_type(kind: str, value: Any) -> SerializationException:
    # Rule chosen: Coral-style text naming the JSON token and the modeled type.
    token = (
        "START_ARRAY"
        if isinstance(value, list)
        else "START_OBJECT"
        if isinstance(value, dict)
        else (_JSON_TYPE_NAMES.get(type(value), "VALUE"))
    )
    return SerializationException(f"{token} can not be converted to {_EXPECTED[kind]}")


def decode_value(shape: Shape, value: Any) -> Any:
    """Convert one JSON request value to Python per its shape; a wrong JSON type is refused."""
    kind = shape.type_name
    if value is None:
        return None
    if kind == "structure":
        if not isinstance(value, dict):
            raise SerializationException("Start of structure or map found where not expected.")
        if shape.metadata.get("document"):
            return value
        members = members_by_wire_name(shape)
        out = {}
        for key, item in value.items():
            target = members.get(key)
            if target is not None and item is not None:  # JSON null is an absent member
                out[target[0]] = decode_value(target[1], item)
        return out
    if kind == "list":
        if not isinstance(value, list):
            raise SerializationException("Start of list found where not expected")
        return [decode_value(shape.member, item) for item in value]
    if kind == "map":
        if not isinstance(value, dict):
            raise SerializationException("Start of structure or map found where not expected.")
        return {key: decode_value(shape.value, item) for key, item in value.items()}
    if kind == "string":
        if isinstance(value, str):
            return value
    elif kind in ("integer", "long"):
        if isinstance(value, int) and not isinstance(value, bool):
            low, high = JAVA_RANGES[kind]
            if low <= value <= high:
                return value
            # Rule chosen: Jackson's text for a number its Java type cannot hold.
            raise SerializationException(
                f"Numeric value out of range of {_JAVA_TYPES[kind]} ({low} - {high})"
            )
    elif kind == "boolean":
        if isinstance(value, bool):
            return value
    elif kind in ("float", "double"):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if value in _NON_FINITE:
            return _NON_FINITE[value]
    elif kind == "timestamp":
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            try:
                return parse_timestamp(value)
            except (ValueError, TypeError, OverflowError) as exc:
                raise SerializationException(
                    f"Could not parse value {value!r} as a timestamp"
                ) from exc
    elif kind == "blob":
        if isinstance(value, str):
            try:
                return base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise SerializationException(f"Could not parse value {value!r} as base64") from exc
    else:
        return value
    raise _wrong_type(kind, value)


def encode_value(shape: Shape, value: Any, default_timestamp: str) -> Any:
    """Convert one output value to its JSON form per its shape."""
    kind = shape.type_name
    if kind == "structure":
        if shape.metadata.get("document"):
            return value
        members = members_by_name(shape)
        out = {}
        for name, item in value.items():
            # A member the client's botocore model does not have yet (a newer field) is
            # left out, as that client would ignore it on the wire.
            found = members.get(name)
            if item is not None and found is not None:
                key, member = found
                out[key] = encode_value(member, item, default_timestamp)
        return out
    if kind == "list":
        return [encode_value(shape.member, item, default_timestamp) for item in value]
    if kind == "map":
        return {
            key: encode_value(shape.value, item, default_timestamp) for key, item in value.items()
        }
    if kind == "timestamp" and isinstance(value, datetime):
        form = shape.serialization.get("timestampFormat", default_timestamp)
        return iso8601(value) if form == "iso8601" else epoch_seconds(value)
    if kind == "blob":
        data = value.encode("utf-8") if isinstance(value, str) else value
        return base64.b64encode(data).decode("ascii")
    if kind in ("float", "double") and not math.isfinite(value):
        # Smithy's JSON protocols send non-finite numbers as strings.
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def load_body(body: bytes) -> Any:
    if not body:
        return {}
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        # ValueError covers bytes that are not UTF-8 and numbers of more than 4,300 digits;
        # RecursionError, arrays or objects nested past Python's stack.
        raise SerializationException("Malformed JSON in the request body") from exc


class JsonCodec(Codec):
    """Parse and render the ``json`` protocol: the body is the input/output structure itself."""

    def parse(self, request: HttpRequest, operation: OperationModel) -> dict[str, Any]:
        shape = operation.input_shape
        if shape is None:
            return {}
        # Rule chosen: a body of JSON ``null`` is an empty input, as an empty body is.
        return decode_value(shape, load_body(request.body_bytes)) or {}

    def _content_type(self, operation: OperationModel) -> str:
        return f"application/x-amz-json-{operation.metadata.get('jsonVersion', '1.0')}"

    def render(
        self, operation: OperationModel, output: Mapping[str, Any], request_id: str
    ) -> HttpResponse:
        shape = operation.output_shape
        body = encode_value(shape, output, "unixTimestamp") if shape is not None else {}
        status, headers = self.success_head(operation, request_id)
        return HttpResponse(
            status, headers, json.dumps(body, separators=(",", ":")).encode("utf-8")
        )

    def success_head(
        self, operation: OperationModel, request_id: str
    ) -> tuple[int, dict[str, str]]:
        return 200, {"Content-Type": self._content_type(operation), "x-amzn-RequestId": request_id}

    def error_head(
        self, operation: OperationModel, error: ServiceError, request_id: str
    ) -> tuple[int, dict[str, str]]:
        return error.status, {
            "Content-Type": self._content_type(operation),
            "x-amzn-RequestId": request_id,
        }

    def render_error(
        self, operation: OperationModel, error: ServiceError, request_id: str
    ) -> HttpResponse:
        body = {"__type": error.code, "Message": error.message, **error.fields}
        status, headers = self.error_head(operation, error, request_id)
        return HttpResponse(status, headers, json.dumps(body, default=str).encode("utf-8"))
