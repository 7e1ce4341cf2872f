"""The ``json`` protocol (Organizations): ``X-Amz-Target`` POSTs with JSON bodies."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any, Mapping

from botocore.model import OperationModel, Shape

from ..errors import ServiceError
from .base import Codec, HttpRequest, HttpResponse, epoch_seconds, iso8601, parse_timestamp


class SerializationException(ServiceError):
    code, status = "SerializationException", 400


def decode_value(shape: Shape, value: Any) -> Any:
    """Convert one JSON request value to Python per its shape (timestamps, blobs)."""
    kind = shape.type_name
    if value is None:
        return None
    if kind == "structure":
        if not isinstance(value, dict):
            raise SerializationException("Start of structure or map found where not expected.")
        members = shape.members
        return {
            name: decode_value(members[name], item) for name, item in value.items() if name in members
        }
    if kind == "list":
        if not isinstance(value, list):
            raise SerializationException("Start of list found where not expected")
        return [decode_value(shape.member, item) for item in value]
    if kind == "map":
        if not isinstance(value, dict):
            raise SerializationException("Start of structure or map found where not expected.")
        return {key: decode_value(shape.value, item) for key, item in value.items()}
    try:
        if kind == "timestamp":
            return parse_timestamp(value)
        if kind == "blob":
            return base64.b64decode(value)
    except (ValueError, TypeError) as exc:
        raise SerializationException(f"Could not parse value {value!r}") from exc
    return value


def encode_value(shape: Shape, value: Any, default_timestamp: str) -> Any:
    """Convert one output value to its JSON form per its shape."""
    kind = shape.type_name
    if kind == "structure":
        members = shape.members
        return {
            name: encode_value(members[name], item, default_timestamp)
            for name, item in value.items()
            if item is not None
        }
    if kind == "list":
        return [encode_value(shape.member, item, default_timestamp) for item in value]
    if kind == "map":
        return {key: encode_value(shape.value, item, default_timestamp) for key, item in value.items()}
    if kind == "timestamp" and isinstance(value, datetime):
        form = shape.serialization.get("timestampFormat", default_timestamp)
        return iso8601(value) if form == "iso8601" else epoch_seconds(value)
    if kind == "blob":
        data = value.encode("utf-8") if isinstance(value, str) else value
        return base64.b64encode(data).decode("ascii")
    return value


def load_body(body: bytes) -> Any:
    if not body:
        return {}
    try:
        return json.loads(body)
    except ValueError as exc:
        raise SerializationException("Malformed JSON in the request body") from exc


class JsonCodec(Codec):
    def parse(self, request: HttpRequest, operation: OperationModel) -> dict[str, Any]:
        shape = operation.input_shape
        if shape is None:
            return {}
        return decode_value(shape, load_body(request.body))

    def _content_type(self, operation: OperationModel) -> str:
        return f"application/x-amz-json-{operation.metadata.get('jsonVersion', '1.0')}"

    def render(
        self, operation: OperationModel, output: Mapping[str, Any], request_id: str
    ) -> HttpResponse:
        shape = operation.output_shape
        body = encode_value(shape, output, "unixTimestamp") if shape is not None else {}
        return HttpResponse(
            200,
            {"Content-Type": self._content_type(operation), "x-amzn-RequestId": request_id},
            json.dumps(body, separators=(",", ":")).encode("utf-8"),
        )

    def render_error(
        self, operation: OperationModel, error: ServiceError, request_id: str
    ) -> HttpResponse:
        body = {"__type": error.code, "Message": error.message, **error.fields}
        return HttpResponse(
            error.status,
            {"Content-Type": self._content_type(operation), "x-amzn-RequestId": request_id},
            json.dumps(body, default=str).encode("utf-8"),
        )
