"""Server-side checks of the input shape's constraints.

botocore checks only required members, types and minimums before sending; maximum
lengths, patterns and enum values reach the service, which must reject them. This walks
the parsed input against the model and returns every violation; each service turns the
list into its own error (IAM: ValidationError, Access Analyzer: ValidationException, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from botocore.model import Shape


@dataclass(frozen=True)
class Violation:
    """One failed constraint: where (AWS's lowerCamel member path), the value and the rule."""

    path: str
    value: Any
    constraint: str


def lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:]


@lru_cache(maxsize=None)
def _pattern(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern, re.DOTALL)
    except re.error:
        return None  # a Java-only construct: do not enforce rather than reject valid input


def _scalar_rules(shape: Shape, value: Any) -> list[str]:
    meta = shape.metadata
    failed: list[str] = []
    if shape.type_name == "string":
        length = len(value)
        if "max" in meta and length > meta["max"]:
            failed.append(f"Member must have length less than or equal to {meta['max']}")
        if "min" in meta and length < meta["min"]:
            failed.append(f"Member must have length greater than or equal to {meta['min']}")
        if "pattern" in meta:
            compiled = _pattern(meta["pattern"])
            if compiled is not None and not compiled.fullmatch(value):
                failed.append(f"Member must satisfy regular expression pattern: {meta['pattern']}")
        if shape.enum and value not in shape.enum:
            failed.append(f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
    elif shape.type_name in ("integer", "long"):
        if "max" in meta and value > meta["max"]:
            failed.append(f"Member must have value less than or equal to {meta['max']}")
        if "min" in meta and value < meta["min"]:
            failed.append(f"Member must have value greater than or equal to {meta['min']}")
    return failed


def _all_scalar_rules(shape: Shape) -> list[str]:
    """Every rule of a scalar shape, as AWS lists them for a failing list member."""
    meta = shape.metadata
    rules = []
    if "max" in meta:
        rules.append(f"Member must have length less than or equal to {meta['max']}")
    if "min" in meta:
        rules.append(f"Member must have length greater than or equal to {meta['min']}")
    if "pattern" in meta:
        rules.append(f"Member must satisfy regular expression pattern: {meta['pattern']}")
    if shape.enum:
        rules.append(f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
    compiled = _pattern(meta["pattern"]) if "pattern" in meta else None
    if compiled is not None and compiled.fullmatch(""):
        # Observed: IAM adds the null rule for [\w-]* members, not for enum or "+" patterns.
        rules.append("Member must not be null")
    return rules


def check(shape: Shape | None, params: dict[str, Any]) -> list[Violation]:
    """Every constraint violation in ``params`` against the input ``shape``."""
    if shape is None:
        return []
    found: list[Violation] = []
    _check_structure(shape, params, "", found)
    return found


def _check_structure(shape: Shape, value: dict[str, Any], prefix: str, found: list[Violation]) -> None:
    members = shape.members
    for name in shape.required_members:
        if value.get(name) is None:
            found.append(Violation(prefix + lower_camel(name), None, "Member must not be null"))
    for name, member_value in value.items():
        member = members.get(name)
        if member is None or member_value is None:
            continue
        _check_value(member, member_value, prefix + lower_camel(name), found)


def _check_value(shape: Shape, value: Any, path: str, found: list[Violation]) -> None:
    kind = shape.type_name
    if kind == "structure":
        _check_structure(shape, value, path + ".", found)
    elif kind == "list":
        meta = shape.metadata
        if "max" in meta and len(value) > meta["max"]:
            found.append(Violation(path, value, f"Member must have length less than or equal to {meta['max']}"))
        if "min" in meta and len(value) < meta["min"]:
            found.append(Violation(path, value, f"Member must have length greater than or equal to {meta['min']}"))
        member = shape.member
        if member.type_name in ("string", "integer", "long"):
            if any(item is None or _scalar_rules(member, item) for item in value):
                rules = ", ".join(_all_scalar_rules(member))
                found.append(Violation(path, value, f"Member must satisfy constraint: [{rules}]"))
        else:
            for index, item in enumerate(value, 1):
                _check_value(member, item, f"{path}.{index}.member", found)
    elif kind == "map":
        for key, item in value.items():
            _check_value(shape.value, item, f"{path}.{key}", found)
    else:
        for rule in _scalar_rules(shape, value):
            found.append(Violation(path, value, rule))


def describe(value: Any) -> str:
    """How AWS quotes an offending value in a validation message."""
    if isinstance(value, list):
        return "[" + ", ".join(str(item) for item in value) + "]"
    return str(value)


MAX_REPORTED = 10  # observed: both the count and the list stop at 10


def validation_message(violations: list[Violation], *, show_values: bool = True) -> str:
    """AWS's (Coral) text: '1 validation error detected: Value 'x' at 'y' failed to satisfy constraint: ...'.

    IAM never prints the value ("Value at 'maxItems' ..."); STS does ("Value '901' at ...").
    """
    violations = violations[:MAX_REPORTED]
    parts = []
    for violation in violations:
        if not show_values:
            parts.append(f"Value at '{violation.path}' failed to satisfy constraint: {violation.constraint}")
        elif violation.value is None:
            parts.append(f"Value null at '{violation.path}' failed to satisfy constraint: {violation.constraint}")
        else:
            parts.append(
                f"Value '{describe(violation.value)}' at '{violation.path}' failed to satisfy constraint: "
                f"{violation.constraint}"
            )
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(parts)
