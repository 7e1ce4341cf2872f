"""The codec interface and the HTTP request/response as the codecs see them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from botocore.model import OperationModel, ServiceModel, Shape

from ..errors import ServiceError
from .text import UTF8_TEXT, TextRule


def protocol_of(service_model: ServiceModel) -> str:
    """The protocol botocore's client speaks for this service.

    botocore 1.38.31 added ``resolved_protocol`` (the first protocol of the model's
    ``protocols`` list that botocore supports); older copies read ``metadata["protocol"]``.
    """
    resolved = getattr(service_model, "resolved_protocol", None)
    return resolved if resolved is not None else service_model.metadata["protocol"]


@dataclass
class HttpRequest:
    """A request exactly as botocore serialized and signed it.

    ``body`` is the bytes from the wire, or the text botocore serialized in process (it
    writes a query-protocol form as text, which the query codec reads without encoding
    and decoding it again); ``body_bytes`` is it as bytes for the other codecs.
    """

    method: str
    url: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes | str

    @property
    def body_bytes(self) -> bytes:
        body = self.body
        return body.encode("utf-8") if isinstance(body, str) else body


@dataclass
class HttpResponse:
    """A rendered answer: status, headers and body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class Codec:
    """Parse a request into the operation's input dict; render output dicts and errors.

    ``text_rule``: the characters a string in this protocol's responses can carry; the
    constraint check refuses request strings outside it (see ``text.py``).
    """

    text_rule: TextRule = UTF8_TEXT

    def parse(self, request: HttpRequest, operation: OperationModel) -> dict[str, Any]:
        raise NotImplementedError

    def render(
        self, operation: OperationModel, output: Mapping[str, Any], request_id: str
    ) -> HttpResponse:
        raise NotImplementedError

    def render_error(
        self, operation: OperationModel, error: ServiceError, request_id: str
    ) -> HttpResponse:
        raise NotImplementedError

    # The status and headers ``render`` and ``render_error`` answer with, without the body:
    # the parsed-response path (``parsed.py``) needs them and must agree with the bytes.
    def success_head(
        self, operation: OperationModel, request_id: str
    ) -> tuple[int, dict[str, str]]:
        raise NotImplementedError

    def error_head(
        self, operation: OperationModel, error: ServiceError, request_id: str
    ) -> tuple[int, dict[str, str]]:
        raise NotImplementedError


def iso8601(value: datetime) -> str:
    """AWS's wire form for query/XML timestamps: UTC with milliseconds, e.g. 2026-09-11T15:26:19.516Z."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    # Formatted directly: strftime is several times slower, and writes years before 1000
    # without their leading zeros on glibc.
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:"
        f"{value.minute:02d}:{value.second:02d}.{value.microsecond // 1000:03d}Z"
    )


def epoch_seconds(value: datetime) -> float:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return round(value.timestamp(), 3)


def parse_timestamp(value: Any) -> datetime:
    """Parse a request timestamp (ISO 8601, RFC 822 or epoch seconds) to aware UTC."""
    from botocore.utils import parse_timestamp as botocore_parse

    try:
        parsed = botocore_parse(value)
    except RuntimeError as exc:
        # botocore's answer to an epoch number no datetime can hold (e.g. 1e300).
        raise ValueError(f"{value!r} is not a timestamp") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


# Integer ranges of the Java types behind Smithy's integer and long.
JAVA_RANGES = {"integer": (-(1 << 31), (1 << 31) - 1), "long": (-(1 << 63), (1 << 63) - 1)}


def java_integer(text: str, kind: str) -> int | None:
    """``text`` as an optionally signed ASCII decimal within the range of ``kind``'s Java
    type, else None. The digits are counted first: Python refuses to convert over 4,300."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not (digits.isascii() and digits.isdigit()):
        return None
    significant = digits.lstrip("0")
    if len(significant) > 19:  # beyond the 19 digits of Java's long
        return None
    number = int(significant or "0")
    if text[:1] == "-":
        number = -number
    low, high = JAVA_RANGES[kind]
    return number if low <= number <= high else None


def members_by_wire_name(shape: Shape) -> dict[str, tuple[str, Shape]]:
    """Map each member's wire name (``locationName``, else the member name) to (member name,
    member shape), for parsing; cached on the shape."""
    plan = shape.__dict__.get("_iam_mock_by_wire_name")
    if plan is None:
        plan = {
            member.serialization.get("name", name): (name, member)
            for name, member in shape.members.items()
        }
        shape.__dict__["_iam_mock_by_wire_name"] = plan
    return plan


def members_by_name(shape: Shape) -> dict[str, tuple[str, Shape]]:
    """Map each member name to (wire name, member shape), for rendering; cached on the shape."""
    plan = shape.__dict__.get("_iam_mock_by_name")
    if plan is None:
        plan = {
            name: (member.serialization.get("name", name), member)
            for name, member in shape.members.items()
        }
        shape.__dict__["_iam_mock_by_name"] = plan
    return plan
