"""The ``query`` protocol (IAM, STS): form-encoded requests, XML responses."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any, Mapping
from urllib.parse import parse_qsl

from botocore.model import OperationModel, Shape

from ..errors import ServiceError, ValidationError
from .base import Codec, HttpRequest, HttpResponse, iso8601, parse_timestamp
from .constraints import lower_camel

_XML_CONTENT_TYPE = "text/xml"


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


def _wire_members(shape: Shape) -> dict[str, tuple[str, Shape]]:
    """Map each member's wire name to (member name, member shape); cached on the shape."""
    plan = shape.__dict__.get("_iam_mock_wire_members")
    if plan is None:
        plan = {
            member.serialization.get("name", name): (name, member)
            for name, member in shape.members.items()
        }
        shape.__dict__["_iam_mock_wire_members"] = plan
    return plan


def _xml_members(shape: Shape) -> dict[str, tuple[str, Shape]]:
    """Map each member name to (XML element name, member shape); cached on the shape."""
    plan = shape.__dict__.get("_iam_mock_xml_members")
    if plan is None:
        plan = {
            name: (member.serialization.get("name", name), member)
            for name, member in shape.members.items()
        }
        shape.__dict__["_iam_mock_xml_members"] = plan
    return plan


class QueryCodec(Codec):
    """Parse ``Action=Op&Version=...&Name.member.1=...``; render ``<OpResponse><OpResult>``."""

    content_type = _XML_CONTENT_TYPE

    # ---- requests ----------------------------------------------------------------------
    def parse(self, request: HttpRequest, operation: OperationModel) -> dict[str, Any]:
        body = request.body.decode("utf-8") if request.body else request.query
        tree: dict[str, Any] = {}
        for key, value in parse_qsl(body, keep_blank_values=True):
            if "." not in key:
                tree[key] = value
                continue
            node = tree
            *parents, leaf = key.split(".")
            for part in parents:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = node[part] = {}
                node = child
            node[leaf] = value
        shape = operation.input_shape
        if shape is None:
            return {}
        return self._structure(shape, tree, "")

    def _structure(self, shape: Shape, node: Any, path: str) -> dict[str, Any]:
        if not isinstance(node, dict):
            return {}
        out: dict[str, Any] = {}
        members = _wire_members(shape)
        for wire_name, value in node.items():
            target = members.get(wire_name)
            if target is not None:
                name, member = target
                out[name] = self._value(member, value, path + lower_camel(name))
        return out

    def _value(self, shape: Shape, node: Any, path: str) -> Any:
        kind = shape.type_name
        if kind == "string":
            return node if isinstance(node, str) else ""
        if kind == "structure":
            return self._structure(shape, node, path + ".")
        if kind == "list":
            if not isinstance(node, dict):
                return []  # "Name=" is the query protocol's empty list
            if not shape.serialization.get("flattened"):
                node = node.get(shape.member.serialization.get("name", "member"), {})
                if not isinstance(node, dict):
                    return []
            return [
                self._value(shape.member, node[index], f"{path}.{index}.member")
                for index in sorted(node, key=_index)
            ]
        if kind == "map":
            if not isinstance(node, dict):
                return {}
            if not shape.serialization.get("flattened"):
                node = node.get("entry", {})
            key_name = shape.key.serialization.get("name", "key")
            value_name = shape.value.serialization.get("name", "value")
            result = {}
            for index in sorted(node, key=_index):
                entry = node[index]
                if isinstance(entry, dict) and key_name in entry:
                    result[entry[key_name]] = self._value(shape.value, entry.get(value_name), path)
            return result
        if not isinstance(node, str):
            raise _malformed(path, node)
        try:
            if kind in ("integer", "long"):
                return int(node)
            if kind == "boolean":
                if node not in ("true", "false"):
                    raise ValueError(node)
                return node == "true"
            if kind in ("float", "double"):
                return float(node)
            if kind == "timestamp":
                return parse_timestamp(node)
            if kind == "blob":
                return base64.b64decode(node, validate=True)
        except (ValueError, TypeError) as exc:
            raise _malformed(path, node) from exc
        return node

    # ---- responses ---------------------------------------------------------------------
    def render(
        self, operation: OperationModel, output: Mapping[str, Any], request_id: str
    ) -> HttpResponse:
        name = operation.name
        namespace = operation.metadata.get("xmlNamespace", "")
        parts = [f'<{name}Response xmlns="{namespace}">']
        shape = operation.output_shape
        if shape is not None:
            wrapper = shape.serialization.get("resultWrapper")
            if wrapper:
                parts.append(f"<{wrapper}>")
            self._render_structure(shape, output, parts)
            if wrapper:
                parts.append(f"</{wrapper}>")
        parts.append(
            f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{name}Response>"
        )
        return HttpResponse(
            200,
            {"Content-Type": _XML_CONTENT_TYPE, "x-amzn-RequestId": request_id},
            "".join(parts).encode("utf-8"),
        )

    def _render_structure(self, shape: Shape, value: Mapping[str, Any], parts: list[str]) -> None:
        members = _xml_members(shape)
        for name, item in value.items():
            if item is None:
                continue
            element, member = members[name]
            self._render_value(member, element, item, parts)

    def _render_value(self, shape: Shape, element: str, value: Any, parts: list[str]) -> None:
        kind = shape.type_name
        if kind == "string":
            parts.append(f"<{element}>{_escape(value)}</{element}>")
        elif kind == "structure":
            parts.append(f"<{element}>")
            self._render_structure(shape, value, parts)
            parts.append(f"</{element}>")
        elif kind == "list":
            member = shape.member
            if shape.serialization.get("flattened"):
                for item in value:
                    self._render_value(member, element, item, parts)
            else:
                member_element = member.serialization.get("name", "member")
                parts.append(f"<{element}>")
                for item in value:
                    self._render_value(member, member_element, item, parts)
                parts.append(f"</{element}>")
        elif kind == "map":
            key_name = shape.key.serialization.get("name", "key")
            value_name = shape.value.serialization.get("name", "value")
            parts.append(f"<{element}>")
            for key, item in value.items():
                parts.append(f"<entry><{key_name}>{_escape(str(key))}</{key_name}>")
                self._render_value(shape.value, value_name, item, parts)
                parts.append("</entry>")
            parts.append(f"</{element}>")
        elif kind == "timestamp":
            text = iso8601(value) if isinstance(value, datetime) else str(value)
            parts.append(f"<{element}>{text}</{element}>")
        elif kind == "boolean":
            parts.append(f"<{element}>{'true' if value else 'false'}</{element}>")
        elif kind == "blob":
            data = value.encode("utf-8") if isinstance(value, str) else value
            parts.append(f"<{element}>{base64.b64encode(data).decode('ascii')}</{element}>")
        else:
            parts.append(f"<{element}>{value}</{element}>")

    def render_error(
        self, operation: OperationModel, error: ServiceError, request_id: str
    ) -> HttpResponse:
        namespace = operation.metadata.get("xmlNamespace", "")
        fault = "Sender" if error.sender_fault else "Receiver"
        body = (
            f'<ErrorResponse xmlns="{namespace}"><Error><Type>{fault}</Type>'
            f"<Code>{_escape(error.code)}</Code><Message>{_escape(error.message)}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return HttpResponse(
            error.status,
            {"Content-Type": _XML_CONTENT_TYPE, "x-amzn-RequestId": request_id},
            body.encode("utf-8"),
        )


def _index(key: str) -> int:
    try:
        return int(key)
    except ValueError:
        return 1 << 30  # a non-numeric position sorts last rather than crashing


def _malformed(path: str, value: Any) -> ServiceError:
    return ValidationError(
        f"1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: "
        "Member must be of the modeled type"
    )
