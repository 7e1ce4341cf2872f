"""The ``rest-json`` protocol (Access Analyzer): HTTP bindings from the model, JSON bodies."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, unquote

from botocore.model import OperationModel, Shape

from ..errors import ServiceError
from .base import Codec, HttpRequest, HttpResponse, iso8601, java_integer
from .json import SerializationException, decode_value, encode_value, load_body


def _uri_pattern(operation: OperationModel) -> re.Pattern[str]:
    """A regex for the operation's ``requestUri`` template, cached on the operation model."""
    compiled = operation.__dict__.get("_iam_mock_uri")
    if compiled is None:
        template = operation.http["requestUri"].split("?", 1)[0]
        regex = ""
        for literal, label in re.findall(r"([^{]*)(?:\{([^}]+)\})?", template):
            regex += re.escape(literal)
            if label:
                greedy = label.endswith("+")
                regex += f"(?P<{_group(label.rstrip('+'))}>{'.+' if greedy else '[^/]+'})"
        # A custom endpoint_url may put a base path before the operation's own path.
        compiled = re.compile("(?:/.*?)??" + regex + "/?")
        operation.__dict__["_iam_mock_uri"] = compiled
    return compiled


def _querystring_names(shape: Shape) -> frozenset[str]:
    """The query parameter names bound to named querystring members; cached on the shape."""
    names = shape.__dict__.get("_iam_mock_query_names")
    if names is None:
        names = frozenset(
            member.serialization.get("name", name)
            for name, member in shape.members.items()
            if member.serialization.get("location") == "querystring" and member.type_name != "map"
        )
        shape.__dict__["_iam_mock_query_names"] = names
    return names


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    """A request header by case-insensitive name, as text."""
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return _utf8(value, f"header {name}") if isinstance(value, bytes) else value
    return None


def _utf8(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Rule chosen: text that is not UTF-8 is a SerializationException (AWS's text not
        # recorded), as the json protocol answers a body that is not UTF-8.
        raise SerializationException(f"The {where} is not UTF-8") from exc


def _header_text(shape: Shape, value: Any) -> str:
    if shape.type_name == "timestamp":
        return iso8601(value)
    if shape.type_name == "boolean":
        return "true" if value else "false"
    return str(value)


def _group(label: str) -> str:
    return re.sub(r"\W", "_", label)


_BOOLEAN_TEXT = {"true": True, "false": False}


def _scalar_from_text(shape: Shape, text: str) -> Any:
    """A URI label, query parameter or header value as its modeled type."""
    kind = shape.type_name
    if kind in ("integer", "long"):
        number = java_integer(text, kind)
        if number is not None:
            return number
    elif kind == "boolean":
        if text in _BOOLEAN_TEXT:
            return _BOOLEAN_TEXT[text]
    elif kind in ("float", "double"):
        try:
            return float(text)
        except ValueError:
            pass
    elif kind == "timestamp":
        return decode_value(shape, text)
    else:
        return text
    # Rule chosen: AWS's text for an unparseable HTTP-bound value is not recorded.
    raise SerializationException(f"Could not parse {text!r} as {kind}")


class RestJsonCodec(Codec):
    """Parse and render ``rest-json``: members bound to the URI, query string and headers."""

    def parse(self, request: HttpRequest, operation: OperationModel) -> dict[str, Any]:
        shape = operation.input_shape
        if shape is None:
            return {}
        params: dict[str, Any] = {}
        labels: dict[str, str] = {}
        match = _uri_pattern(operation).fullmatch(request.path)
        try:
            if match:
                labels = {
                    key: unquote(value, errors="strict") for key, value in match.groupdict().items()
                }
            query = (
                parse_qs(request.query, keep_blank_values=True, errors="strict")
                if request.query
                else {}
            )
        except UnicodeDecodeError as exc:
            raise SerializationException(
                "The request URI has percent-escaped bytes that are not UTF-8"
            ) from exc
        body_members: dict[str, Shape] = {}
        payload = shape.serialization.get("payload")
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire = member.serialization.get("name", name)
            if location == "uri":
                if _group(wire) in labels:
                    params[name] = _scalar_from_text(member, labels[_group(wire)])
            elif location == "querystring":
                if member.type_name == "list":
                    if wire in query:
                        params[name] = [_scalar_from_text(member.member, v) for v in query[wire]]
                elif member.type_name == "map":
                    # A querystring map takes every parameter no other member is bound to.
                    params[name] = {
                        key: values if member.value.type_name == "list" else values[0]
                        for key, values in query.items()
                        if key not in _querystring_names(shape)
                    }
                elif wire in query:
                    params[name] = _scalar_from_text(member, query[wire][0])
            elif location == "header":
                value = _header(request.headers, wire)
                if value is not None:
                    params[name] = _scalar_from_text(member, value)
            elif name == payload:
                if member.type_name == "blob":
                    params[name] = request.body_bytes
                elif member.type_name == "string":
                    params[name] = _utf8(request.body_bytes, "request body")
                else:
                    params[name] = decode_value(member, load_body(request.body_bytes))
            else:
                body_members[name] = member
        if body_members and payload is None:
            document = load_body(request.body_bytes)
            if not isinstance(document, dict):
                raise SerializationException("Start of structure or map found where not expected.")
            for name, member in body_members.items():
                wire = member.serialization.get("name", name)
                if document.get(wire) is not None:  # JSON null is an absent member
                    params[name] = decode_value(member, document[wire])
        return params

    def render(
        self, operation: OperationModel, output: Mapping[str, Any], request_id: str
    ) -> HttpResponse:
        status, headers = self.success_head(operation, request_id)
        shape = operation.output_shape
        body: dict[str, Any] = {}
        if shape is not None:
            members = shape.members
            for name, value in output.items():
                member = members.get(name)
                # A member newer than the client's botocore model is left out, as that client
                # would ignore it.
                if value is None or member is None:
                    continue
                location = member.serialization.get("location")
                if location == "header":
                    headers[member.serialization.get("name", name)] = _header_text(member, value)
                elif location == "statusCode":
                    status = int(value)
                else:
                    body[member.serialization.get("name", name)] = encode_value(
                        member, value, "unixTimestamp"
                    )
        return HttpResponse(
            status, headers, json.dumps(body, separators=(",", ":")).encode("utf-8")
        )

    def render_error(
        self, operation: OperationModel, error: ServiceError, request_id: str
    ) -> HttpResponse:
        body = {"message": error.message, **error.fields}
        status, headers = self.error_head(operation, error, request_id)
        return HttpResponse(status, headers, json.dumps(body, default=str).encode("utf-8"))

    def success_head(
        self, operation: OperationModel, request_id: str
    ) -> tuple[int, dict[str, str]]:
        """Before members bound to headers or the status code (``render`` adds those)."""
        status = operation.http.get("responseCode", 200)
        return status, {"Content-Type": "application/json", "x-amzn-RequestId": request_id}

    def error_head(
        self, operation: OperationModel, error: ServiceError, request_id: str
    ) -> tuple[int, dict[str, str]]:
        return error.status, {
            "Content-Type": "application/json",
            "x-amzn-RequestId": request_id,
            "x-amzn-ErrorType": error.code,
        }
