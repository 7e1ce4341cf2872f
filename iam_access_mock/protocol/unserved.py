"""Errors for services this library does not serve, in each remaining protocol's format.

A call to such a service must still never leave the process; it gets an error botocore can
parse (so the user sees a ClientError naming the service and operation).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.model import OperationModel

from ..errors import ServiceError
from .base import Codec, HttpRequest, HttpResponse, protocol_of
from .query import _escape


def _cbor_text(text: str) -> bytes:
    data = text.encode("utf-8")
    length = len(data)
    if length < 24:
        head = bytes([0x60 | length])
    elif length < 256:
        head = bytes([0x78, length])
    else:
        head = bytes([0x79]) + length.to_bytes(2, "big")
    return head + data


def _cbor_text_map(items: Mapping[str, str]) -> bytes:
    """A CBOR map of text to text: all an RPCv2 CBOR error body needs."""
    out = bytes([0xA0 | len(items)])
    for key, value in items.items():
        out += _cbor_text(key) + _cbor_text(value)
    return out


class ErrorOnlyCodec(Codec):
    """Render errors (only) in every other protocol botocore has: ec2, rest-xml, cbor, ..."""

    def parse(self, request: HttpRequest, operation: OperationModel) -> dict[str, Any]:
        return {}

    def render_error(
        self, operation: OperationModel, error: ServiceError, request_id: str
    ) -> HttpResponse:
        return render_protocol_error(protocol_of(operation.service_model), error, request_id)


def render_protocol_error(protocol: str, error: ServiceError, request_id: str) -> HttpResponse:
    """``error`` in the generic error format of ``protocol``, for a request whose service
    model is not known (the server's answer to a request it cannot route)."""
    headers = {"x-amzn-RequestId": request_id, "x-amz-request-id": request_id}
    code, message = _escape(error.code), _escape(error.message)
    if protocol == "ec2":
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error>"
            f"</Errors><RequestID>{request_id}</RequestID></Response>"
        ).encode()
        headers["Content-Type"] = "text/xml"
    elif protocol in ("rest-xml", "query"):
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}"
            f"</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers["Content-Type"] = "application/xml"
    elif protocol == "smithy-rpc-v2-cbor":
        body = _cbor_text_map({"__type": error.code, "message": error.message})
        headers["Content-Type"] = "application/cbor"
        headers["smithy-protocol"] = "rpc-v2-cbor"
    else:
        body = json.dumps({"__type": error.code, "message": error.message}).encode("utf-8")
        headers["Content-Type"] = "application/json"
        headers["x-amzn-ErrorType"] = error.code
    return HttpResponse(error.status, headers, body)
