"""Every operation's output renders to what botocore parses back, and every input botocore
serializes parses back to what the caller passed.

Samples are generated from the botocore shapes themselves (every member filled, lists of
two, maps of two, each union alternative in turn), so operations and members added to the
models, or handlers added to the library, are covered without editing this file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import botocore.session
import pytest
from botocore.model import ServiceModel, Shape
from botocore.validate import ParamValidator
from support import botocore_parse, botocore_request, without_metadata

from iam_access_mock.protocol import codec_for, protocol_of
from iam_access_mock.services import provider_for, served_services

# The services whose every operation the codecs must already get right.
MODELLED_SERVICES = ("iam", "sts", "organizations", "accessanalyzer")

# Characters that need escaping in XML, form encoding, URIs or JSON, outside ASCII and
# outside the Basic Multilingual Plane, and whitespace XML would normalise.
AWKWARD_TEXT = "<&>'\"%+=/?#;\\ é€𝄞\r\n\t"
OUTPUT_INSTANT = datetime(2026, 9, 11, 15, 26, 19, 516000, tzinfo=timezone.utc)
INPUT_INSTANT = datetime(2026, 9, 11, 15, 26, 19, tzinfo=timezone.utc)

_session = botocore.session.get_session()


def service_model(name: str) -> ServiceModel:
    return _session.get_service_model(name)


# ---- sample generation ------------------------------------------------------------------


class SampleBuilder:
    """Builds a full, shape-conformant value for a shape.

    ``variant`` picks which union alternative, enum value and boolean to use, so that
    ``variant`` 0..n-1 together cover every alternative of every union in the tree.
    """

    def __init__(self, variant: int, instant: datetime) -> None:
        self.variant = variant
        self.instant = instant
        self._counter = 0

    def build(self, shape: Shape) -> Any:
        return self._value(shape, (), 0)

    def _value(self, shape: Shape, stack: tuple[str, ...], salt: int) -> Any:
        kind = shape.type_name
        if kind == "structure":
            return self._structure(shape, stack)
        if kind == "list":
            return [self._value(shape.member, stack, index) for index in range(2)]
        if kind == "map":
            keys = [self._string(shape.key, index) for index in range(2)]
            return {key: self._value(shape.value, stack, index) for index, key in enumerate(keys)}
        if kind == "string":
            return self._string(shape, salt)
        if kind in ("integer", "long"):
            return self._number(shape, salt)
        if kind in ("float", "double"):
            return 2.5 + salt
        if kind == "boolean":
            return (self.variant + salt) % 2 == 0
        if kind == "timestamp":
            return self.instant + timedelta(days=salt, milliseconds=self.variant)
        if kind == "blob":
            return bytes([0, 255, salt, self.variant]) + b"blob"
        raise AssertionError(f"no sample for {kind} shape {shape.name}")

    def _structure(self, shape: Shape, stack: tuple[str, ...]) -> dict[str, Any]:
        if shape.metadata.get("document"):
            return {"document": [1, "two", {"three": True}]}
        stack = (*stack, shape.name)
        names = list(shape.members)
        if shape.metadata.get("union"):
            names = [names[self.variant % len(names)]]
        out = {}
        for name in names:
            member = shape.members[name]
            if _innermost(member).name in stack and name not in shape.required_members:
                continue  # a recursive shape: stop where the model allows
            out[name] = self._value(member, stack, 0)
        return out

    def _string(self, shape: Shape, salt: int) -> str:
        if shape.enum:
            return shape.enum[(self.variant + salt) % len(shape.enum)]
        self._counter += 1
        text = f"{shape.name}-{self._counter}-{salt}{AWKWARD_TEXT}"
        minimum = shape.metadata.get("min", 0)
        maximum = shape.metadata.get("max")
        text = text.ljust(minimum, "x")
        if maximum is not None and len(text) > maximum:
            text = f"{self._counter}{salt}{shape.name}"[:maximum].ljust(minimum, "x")
        return text

    def _number(self, shape: Shape, salt: int) -> int:
        minimum = shape.metadata.get("min", 0)
        maximum = shape.metadata.get("max", 1 << 31)
        return min(max(7 + salt, minimum), maximum)


def _innermost(shape: Shape) -> Shape:
    """The shape a list or map (of lists or maps) holds in the end."""
    while shape.type_name in ("list", "map"):
        shape = shape.member if shape.type_name == "list" else shape.value
    return shape


def union_width(shape: Shape | None, seen: set[str] | None = None) -> int:
    """How many samples cover every alternative of every union under ``shape``."""
    if shape is None:
        return 1
    seen = set() if seen is None else seen
    if shape.name in seen:
        return 1
    seen.add(shape.name)
    kind = shape.type_name
    width = 1
    if kind == "structure":
        if shape.metadata.get("union"):
            width = len(shape.members)
        for member in shape.members.values():
            width = max(width, union_width(member, seen))
    elif kind == "list":
        width = union_width(shape.member, seen)
    elif kind == "map":
        width = max(union_width(shape.key, seen), union_width(shape.value, seen))
    return width


def samples(shape: Shape | None, instant: datetime) -> Iterator[tuple[int, dict[str, Any]]]:
    """(variant, sample) pairs: at least two, so both booleans and two enum values appear."""
    if shape is None:
        yield 0, {}
        return
    for variant in range(max(2, union_width(shape))):
        yield variant, SampleBuilder(variant, instant).build(shape)


def assert_conforms(shape: Shape, value: dict[str, Any]) -> None:
    report = ParamValidator().validate(value, shape)
    assert not report.has_errors(), report.generate_report()


# ---- which operations ----------------------------------------------------------------------


def implemented_operations() -> list[tuple[str, str]]:
    found = []
    for name in served_services():
        provider = provider_for(name)
        assert provider is not None
        found.extend((name, operation) for operation in sorted(provider.handlers))
    return found


def modelled_operations() -> list[tuple[str, str]]:
    return [
        (name, operation)
        for name in MODELLED_SERVICES
        for operation in service_model(name).operation_names
    ]


def _ids(pairs: list[tuple[str, str]]) -> list[str]:
    return [f"{service}:{operation}" for service, operation in pairs]


IMPLEMENTED = implemented_operations()
MODELLED = modelled_operations()


# ---- the tests ---------------------------------------------------------------------------


def check_output_round_trip(service: str, operation_name: str) -> None:
    operation = service_model(service).operation_model(operation_name)
    codec = codec_for(protocol_of(operation.service_model))
    for variant, sample in samples(operation.output_shape, OUTPUT_INSTANT):
        if operation.output_shape is not None:
            assert_conforms(operation.output_shape, sample)
        response = codec.render(operation, sample, "req-1")
        assert response.status == operation.http.get("responseCode", 200)
        parsed = botocore_parse(response, operation)
        assert parsed["ResponseMetadata"]["RequestId"] == "req-1"
        assert without_metadata(parsed) == sample, f"variant {variant}"


def check_input_round_trip(service: str, operation_name: str) -> None:
    operation = service_model(service).operation_model(operation_name)
    codec = codec_for(protocol_of(operation.service_model))
    for variant, sample in samples(operation.input_shape, INPUT_INSTANT):
        if operation.input_shape is not None:
            assert_conforms(operation.input_shape, sample)
        request = botocore_request(operation, sample)
        assert codec.parse(request, operation) == sample, f"variant {variant}"


def test_the_walk_sees_every_handler() -> None:
    assert ("sts", "GetCallerIdentity") in IMPLEMENTED
    assert ("iam", "GetUser") in IMPLEMENTED
    assert len(IMPLEMENTED) == sum(len(provider_for(name).handlers) for name in served_services())


@pytest.mark.parametrize("service", served_services())
def test_every_served_service_has_a_full_codec(service: str) -> None:
    protocol = protocol_of(service_model(service))
    assert type(codec_for(protocol)).__name__ in ("QueryCodec", "JsonCodec", "RestJsonCodec")


def test_the_walk_sees_every_modelled_operation() -> None:
    assert len(MODELLED) == sum(
        len(service_model(name).operation_names) for name in MODELLED_SERVICES
    )
    assert ("accessanalyzer", "StartPolicyGeneration") in MODELLED
    assert ("organizations", "DescribeOrganization") in MODELLED


@pytest.mark.parametrize(("service", "operation"), IMPLEMENTED, ids=_ids(IMPLEMENTED))
def test_implemented_operation_output_parses_back_with_botocore(
    service: str, operation: str
) -> None:
    check_output_round_trip(service, operation)


@pytest.mark.parametrize(("service", "operation"), MODELLED, ids=_ids(MODELLED))
def test_modelled_operation_output_parses_back_with_botocore(service: str, operation: str) -> None:
    check_output_round_trip(service, operation)


@pytest.mark.parametrize(("service", "operation"), MODELLED, ids=_ids(MODELLED))
def test_modelled_operation_input_from_botocore_parses_back(service: str, operation: str) -> None:
    check_input_round_trip(service, operation)
