"""The ``query`` protocol (IAM, STS): form-encoded requests, XML responses."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from botocore.model import OperationModel, Shape

from ..errors import MalformedInput, MalformedQueryString, ServiceError
from .base import (
    Codec,
    HttpRequest,
    HttpResponse,
    iso8601,
    java_integer,
    members_by_name,
    members_by_wire_name,
    parse_timestamp,
)
from .text import XML_TEXT

_XML_CONTENT_TYPE = "text/xml"

# The key tree of a request: ``A.b.1=x`` becomes {"A": {"b": {"1": "x"}}}. A key that is
# both sent with a value and used as a prefix (``A=x&A.1=y``) keeps its own value under None.
KeyTree = dict[str | None, Any]

_ABSENT = object()  # a key that carries no value of its own (``UserName.Foo=x`` only)

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
_KIND_NAMES = {
    "integer": "an integer",
    "long": "a long",
    "float": "a float",
    "double": "a double",
    "boolean": "a boolean",
    "timestamp": "a timestamp",
    "blob": "base64 data",
}
# Research §2: with more than 10 missing members before an index, AWS refuses the request.
MAX_SKIPPED_MEMBERS = 10
_MAX_INDEX = (1 << 31) - 1  # a list index is a Java int
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SYNTAX_ERROR = "The query string contains a syntax error"


def _escape(text: str) -> str:
    if not text.isprintable():
        # Text XML 1.0 cannot carry, even as a character reference: the request check keeps
        # it out of the world, so only an error message echoing a request value (STS prints
        # values) or text from outside a request can hold it. Rule chosen: U+FFFD stands in.
        text = XML_TEXT.make_safe(text)
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


class QueryCodec(Codec):
    """Parse ``Action=Op&Version=...&Name.member.1=...``; render ``<OpResponse><OpResult>``.

    Parsing follows what real IAM and STS were observed to accept: unknown parameters are
    ignored; integers are optionally signed ASCII digits within the type's range; booleans
    are ``true``, ``false``, ``1`` or ``0``; list indexes start at 1 and ``01`` is ``1``;
    missing list members become null (the constraint check reports them) unless more than
    ten are skipped at once. Anything else is ``MalformedInput`` (HTTP 400); a form that is
    not form encoding (not UTF-8, a broken percent-escape) is ``MalformedQueryString``.
    Strings must be text XML 1.0 can carry (``text_rule``, checked with the constraints).
    """

    content_type = _XML_CONTENT_TYPE
    text_rule = XML_TEXT

    # ---- requests ----------------------------------------------------------------------
    def parse(self, request: HttpRequest, operation: OperationModel) -> dict[str, Any]:
        shape = operation.input_shape
        if shape is None:
            return {}
        return _structure(shape, _key_tree(_form_text(request)), "")

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
        status, headers = self.success_head(operation, request_id)
        return HttpResponse(status, headers, "".join(parts).encode("utf-8"))

    def success_head(
        self, operation: OperationModel, request_id: str
    ) -> tuple[int, dict[str, str]]:
        return 200, {"Content-Type": _XML_CONTENT_TYPE, "x-amzn-RequestId": request_id}

    def error_head(
        self, operation: OperationModel, error: ServiceError, request_id: str
    ) -> tuple[int, dict[str, str]]:
        return error.status, {"Content-Type": _XML_CONTENT_TYPE, "x-amzn-RequestId": request_id}

    def _render_structure(self, shape: Shape, value: Mapping[str, Any], parts: list[str]) -> None:
        members = members_by_name(shape)
        for name, item in value.items():
            found = members.get(name)
            # A member newer than the client's botocore model is left out, as that client
            # would ignore it.
            if item is None or found is None:
                continue
            element, member = found
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
        status, headers = self.error_head(operation, error, request_id)
        return HttpResponse(status, headers, body.encode("utf-8"))


# ---- request parsing ---------------------------------------------------------------------


def _form_text(request: HttpRequest) -> str:
    """The form (the body, else the URL's query string) as text; not UTF-8 is refused."""
    body = request.body
    if not body:
        return request.query
    if isinstance(body, str):
        return body  # botocore in process serializes the form as text: read as it is
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedQueryString(
            f"{_SYNTAX_ERROR}: byte 0x{body[exc.start]:02X} at offset {exc.start} is not UTF-8."
        ) from exc


def _decoded(text: str) -> str:
    """One form key or value, ``+`` and percent-escapes decoded; escaped bytes must be UTF-8."""
    if "+" in text:
        text = text.replace("+", " ")
    if "%" in text:
        try:
            text = unquote(text, errors="strict")
        except UnicodeDecodeError as exc:
            raise MalformedQueryString(
                f"{_SYNTAX_ERROR}: percent-escaped bytes that are not UTF-8."
            ) from exc
    return text


def _key_tree(form: str) -> KeyTree:
    """The form read once into its key tree; a repeated key keeps its last value.

    Fields are split on ``&`` and at their first ``=`` (a field without one has an empty
    value, an empty field is skipped), as ``urllib.parse.parse_qsl`` reads them; a bad
    percent-escape is MalformedQueryString (rule chosen: AWS's text not recorded).
    """
    if "%" in form:
        bad = _BAD_ESCAPE.search(form)
        if bad is not None:
            escape = form[bad.start() : bad.start() + 3]
            raise MalformedQueryString(
                f"{_SYNTAX_ERROR}: '{escape}' at offset {bad.start()} is not a percent-escape."
            )
    tree: KeyTree = {}
    for field in form.split("&"):
        if not field:
            continue
        key, _, value = field.partition("=")
        key, value = _decoded(key), _decoded(value)
        node = tree
        if "." in key:
            *parents, key = key.split(".")
            for part in parents:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = node[part] = {} if child is None else {None: child}
                node = child
        existing = node.get(key)
        if isinstance(existing, dict):
            existing[None] = value
        else:
            node[key] = value
    return tree


def _is_index(token: Any) -> bool:
    return token is not None and token.isdigit() and token.isascii()


def _index_found(after_index: bool) -> MalformedInput:
    """The error for an index where a member name or value was expected (observed texts)."""
    if after_index:
        return MalformedInput("Two index elements may not occur back to back")
    return MalformedInput("Start of list found where not expected")


def _structure(shape: Shape, node: Any, path: str, after_index: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not isinstance(node, dict):
        return out  # ``Struct=x``: a structure sent as a bare value has no members
    members = members_by_wire_name(shape)
    for wire_name, child in node.items():
        target = members.get(wire_name)
        if target is None:
            if _is_index(wire_name):
                raise _index_found(after_index)
            continue  # unknown parameters are ignored (observed: ListUsers with Tags.member.1.Key)
        name, member = target
        value = _value(member, child, path + wire_name)
        if value is not _ABSENT:
            out[name] = value
    return out


def _value(shape: Shape, node: Any, path: str, after_index: bool = False) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return _structure(shape, node, path + ".", after_index)
    if kind == "list":
        return _list(shape, node, path)
    if kind == "map":
        return _map(shape, node, path)
    if isinstance(node, dict):
        if any(_is_index(token) for token in node):
            raise _index_found(after_index)
        node = node.get(None, _ABSENT)  # other sub-keys are unknown parameters: ignored
        if node is _ABSENT:
            return _ABSENT
    if kind == "string":
        return node
    return _scalar(kind, node, path)


def _scalar(kind: str, text: str, path: str) -> Any:
    if kind in ("integer", "long"):
        # Out of the Java type's range is malformed too (research §2: MaxItems=2147483648).
        number = java_integer(text, kind)
        if number is not None:
            return number
    elif kind == "boolean":
        flag = _BOOLEANS.get(text)
        if flag is not None:
            return flag
    elif kind in ("float", "double"):
        if _DECIMAL.fullmatch(text):
            return float(text)
    elif kind == "timestamp":
        try:
            return parse_timestamp(text)
        except (ValueError, TypeError, OverflowError):
            pass
    elif kind == "blob":
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            pass
    else:
        return text
    raise MalformedInput(f"Unable to parse '{text}' as {_KIND_NAMES[kind]} for parameter {path}")


def _list(shape: Shape, node: Any, path: str) -> Any:
    member = shape.member
    if shape.serialization.get("flattened"):
        members = node
        member_path = path
    else:
        member_name = member.serialization.get("name", "member")
        members = node.get(member_name) if isinstance(node, dict) else None
        member_path = f"{path}.{member_name}"
    if not isinstance(members, dict) or not any(token is not None for token in members):
        # ``Name=`` is the protocol's empty list. Observed: ServiceNamespaces (min 1) sent
        # empty is reported as null, while an empty Tags list (no min) reaches the handler.
        return _ABSENT if shape.metadata.get("min", 0) > 0 else []
    scalar = member.type_name not in ("structure", "list", "map")
    by_index = _indexed(members, scalar)
    _check_sparseness(by_index)
    items = []
    for index in range(1, max(by_index) + 1):
        child = by_index.get(index, _ABSENT)
        if child is _ABSENT:
            # A skipped member is null; a skipped structure has no members, so its
            # required members are reported (observed: 'tags.1.member.value' must not be null).
            child = None if scalar else {}
        value = _ABSENT if child is None else _value(member, child, f"{member_path}.{index}", True)
        items.append(None if value is _ABSENT else value)
    return items


def _map(shape: Shape, node: Any, path: str) -> Any:
    """``Name.entry.N.key`` / ``.value``; an entry without both is ignored."""
    if shape.serialization.get("flattened"):
        entries = node
        entry_path = path
    else:
        entries = node.get("entry") if isinstance(node, dict) else None
        entry_path = f"{path}.entry"
    if not isinstance(entries, dict) or not any(token is not None for token in entries):
        return {}
    by_index = _indexed(entries, scalar=False)
    _check_sparseness(by_index)
    key_name = shape.key.serialization.get("name", "key")
    value_name = shape.value.serialization.get("name", "value")
    result = {}
    for index in sorted(by_index):
        entry = by_index[index]
        if not isinstance(entry, dict):
            continue
        if any(_is_index(token) for token in entry):
            raise _index_found(True)
        key_node, value_node = entry.get(key_name, _ABSENT), entry.get(value_name, _ABSENT)
        if key_node is _ABSENT or value_node is _ABSENT:
            continue
        prefix = f"{entry_path}.{index}."
        key = _value(shape.key, key_node, prefix + key_name)
        value = _value(shape.value, value_node, prefix + value_name)
        if key is not _ABSENT and value is not _ABSENT:
            result[key] = value
    return result


def _indexed(members: KeyTree, scalar: bool) -> dict[int, Any]:
    """The list's members by index; ``01`` and ``1`` are one member (observed)."""
    by_index: dict[int, Any] = {}
    for token, child in members.items():
        if token is None:
            continue
        if token.isdigit() and token.isascii():
            significant = token.lstrip("0")
            index = int(significant or "0") if len(significant) <= 10 else _MAX_INDEX + 1
            if index > _MAX_INDEX:
                # Rule chosen: AWS's text for an index past Java's int is not recorded.
                raise MalformedInput(f"Unable to parse '{token}' as a list index")
            if index == 0:
                raise MalformedInput("0 is not a valid index")
            if index in by_index:
                child = _merge(by_index[index], child)
            by_index[index] = child
        elif token.startswith("-"):
            raise MalformedInput(f"Key {token} may not have a leading '-'")
        elif scalar:
            raise MalformedInput("Start of list found where not expected")
        else:
            # Observed: Tags.member.+1.Key and Tags.member.one.Key give one member with
            # neither Key nor Value; the token's sub-keys are unknown, hence ignored.
            by_index.setdefault(1, {})
    return by_index


def _as_node(value: Any) -> KeyTree:
    return value if isinstance(value, dict) else {None: value}


def _merge(first: Any, second: Any) -> Any:
    """Two spellings of one index (``01`` and ``1``); of two values, the later one wins.

    Iterative: the keys' depth is the sender's choice, so it must not be Python's stack's.
    """
    if not isinstance(first, dict) and not isinstance(second, dict):
        return second
    merged = dict(_as_node(first))
    pending = [(merged, _as_node(second))]
    while pending:
        target, source = pending.pop()
        for token, child in source.items():
            existing = target.get(token, _ABSENT)
            if existing is _ABSENT or not (isinstance(existing, dict) or isinstance(child, dict)):
                target[token] = child
            else:
                node = target[token] = dict(_as_node(existing))
                pending.append((node, _as_node(child)))
    return merged


def _check_sparseness(by_index: dict[int, Any]) -> None:
    """Refuse a list whose indexes jump too far (rule fitted to every observed case)."""
    size = 0
    for index in sorted(by_index):
        skipped = index - max(size, 1)
        if skipped > MAX_SKIPPED_MEMBERS:
            raise MalformedInput(f"Excessively sparse input would skip {skipped} list elements")
        size = index
