"""Server-side checks of the input shape's constraints.

botocore checks only required members, types and minimums before sending; maximum
lengths, patterns and enum values reach the service, which must reject them. This walks
the parsed input against the model and returns every violation; each service turns the
list into its own error (IAM: ValidationError, Access Analyzer: ValidationException, ...).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from botocore.model import Shape

from .text import TextRule


@dataclass(frozen=True)
class Violation:
    """One failed constraint: where (AWS's lowerCamel member path), the value and the rule."""

    path: str
    value: Any
    constraint: str


def lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:]


class Matcher(Protocol):
    def fullmatch(self, text: str) -> Any: ...


class _CategoryClass:
    r"""One Java character class with ``\p{..}`` categories and a quantifier, e.g.
    ``[\p{L}\p{Z}\p{N}_.:/=+\-@]+`` (tag keys): Python's ``re`` has no Unicode categories."""

    def __init__(
        self, categories: frozenset[str], literals: frozenset[str], low: int, high: int | None
    ):
        self.categories = categories
        self.literals = literals
        self.low = low
        self.high = high

    def fullmatch(self, text: str) -> bool:
        if len(text) < self.low or (self.high is not None and len(text) > self.high):
            return False
        literals, categories = self.literals, self.categories
        for char in text:
            if char not in literals:
                category = unicodedata.category(char)
                if category[0] not in categories and category not in categories:
                    return False
        return True


_ONE_CLASS = re.compile(r"\^?\(?\[((?:\\p\{\w+\}|\\.|[^\]\\])+)\]([*+]|\{\d+(?:,\d*)?\})\)?\$?")
_CLASS_ITEM = re.compile(r"\\p\{(\w+)\}|\\(.)|(.)", re.DOTALL)


def _category_class(pattern: str) -> _CategoryClass | None:
    r"""A matcher for a single ``[...]`` class using ``\p{..}``, or None for anything else."""
    whole = _ONE_CLASS.fullmatch(pattern)
    if whole is None:
        return None
    categories, literals = set(), set()
    for category, escaped, literal in _CLASS_ITEM.findall(whole.group(1)):
        if category:
            categories.add(category)
        elif escaped and escaped.isalnum():
            return None  # \d, \s, \w, \u0009...: not handled here
        else:
            literals.add(escaped or literal)
    quantifier = whole.group(2)
    if quantifier in ("*", "+"):
        low, high = (0 if quantifier == "*" else 1), None
    else:
        bounds = quantifier[1:-1].split(",")
        low = int(bounds[0])
        high = low if len(bounds) == 1 else (int(bounds[1]) if bounds[1] else None)
    return _CategoryClass(frozenset(categories), frozenset(literals), low, high)


# Where AWS's own model differs from the one botocore ships, AWS enforces and quotes its own.
# Observed: GetContextKeysForCustomPolicy quotes [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]+
# for policyDocumentType, whose botocore pattern is [\u0009\u000A\u000D\u0020-\u00FF]+.
SERVER_PATTERNS = {
    r"[\u0009\u000A\u000D\u0020-\u00FF]+": r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]+",
}


# Likewise for the order in which AWS lists an enum's values. Observed: the Filter of
# GetAccountAuthorizationDetails (EntityType) is listed in this order, not botocore's.
SERVER_ENUM_ORDERS = {
    ("User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"): (
        "LocalManagedPolicy",
        "User",
        "AWSManagedPolicy",
        "Role",
        "Group",
    ),
}


def enum_rule(shape: Shape) -> str:
    """AWS's enum rule text for a string shape with an enum; cached on the shape."""
    text = shape.__dict__.get("_iam_mock_enum_rule")
    if text is None:
        values = SERVER_ENUM_ORDERS.get(tuple(shape.enum), shape.enum)
        text = f"Member must satisfy enum value set: [{', '.join(values)}]"
        shape.__dict__["_iam_mock_enum_rule"] = text
    return text


def server_pattern(pattern: str) -> str:
    """The pattern the AWS service enforces and quotes for a botocore model pattern."""
    return SERVER_PATTERNS.get(pattern, pattern)


@cache
def _pattern(pattern: str) -> Matcher | None:
    r"""The model's (Java) pattern as a matcher, or None where it cannot be expressed.

    ``re.ASCII``: Java's ``\w``, ``\d`` and ``\s`` are ASCII-only, Python's are not
    (observed: IAM rejects a user name ending in "é" against ``[\w+=,.@-]+``).
    """
    if r"\p{" in pattern:
        return _category_class(pattern)
    try:
        return re.compile(pattern, re.ASCII)
    except re.error:
        return None  # a Java-only construct: do not enforce rather than reject valid input


_NUMERIC = ("integer", "long", "float", "double")


def text_constraint(rule: TextRule) -> str:
    """The rule a string outside the protocol's characters fails, as a pattern rule."""
    return f"Member must satisfy regular expression pattern: {rule.pattern}"


def _scalar_rules(shape: Shape, value: Any, text_rule: TextRule | None = None) -> list[str]:
    meta = shape.metadata
    failed: list[str] = []
    if shape.type_name == "string":
        length = len(value)
        if "max" in meta and length > meta["max"]:
            failed.append(f"Member must have length less than or equal to {meta['max']}")
        if "min" in meta and length < meta["min"]:
            failed.append(f"Member must have length greater than or equal to {meta['min']}")
        matched = True
        if "pattern" in meta:
            pattern = server_pattern(meta["pattern"])
            compiled = _pattern(pattern)
            if compiled is not None and not compiled.fullmatch(value):
                failed.append(f"Member must satisfy regular expression pattern: {pattern}")
                matched = False
        if shape.enum:
            if value not in shape.enum:
                failed.append(enum_rule(shape))
        elif matched and text_rule is not None and not text_rule.allows(value):
            # Rule chosen: where the model has no pattern (or one that admits it), text the
            # protocol's responses cannot carry fails the protocol's own rule, quoted as a
            # pattern, so that nothing stored can make a later response unrenderable.
            failed.append(text_constraint(text_rule))
    elif shape.type_name in _NUMERIC:
        if "max" in meta and value > meta["max"]:
            failed.append(f"Member must have value less than or equal to {meta['max']}")
        if "min" in meta and value < meta["min"]:
            failed.append(f"Member must have value greater than or equal to {meta['min']}")
    return failed


def _all_scalar_rules(shape: Shape, text_rule: TextRule | None = None) -> str:
    """Every rule of a list's scalar member, as AWS lists them when any member fails.

    ``text_rule``: a member failed the protocol's text rule, which is listed with the others.
    """
    cache_key = "_iam_mock_all_rules" + ("" if text_rule is None else f"_{text_rule.name}")
    cached = shape.__dict__.get(cache_key)
    if cached is not None:
        return cached
    meta = shape.metadata
    noun = "value" if shape.type_name in _NUMERIC else "length"
    rules = []
    if "max" in meta:
        rules.append(f"Member must have {noun} less than or equal to {meta['max']}")
    if "min" in meta:
        rules.append(f"Member must have {noun} greater than or equal to {meta['min']}")
    pattern = server_pattern(meta["pattern"]) if "pattern" in meta else ""
    if pattern:
        rules.append(f"Member must satisfy regular expression pattern: {pattern}")
    if text_rule is not None:
        rules.append(text_constraint(text_rule))
    if shape.enum:
        rules.append(enum_rule(shape))
    if not rules or "\\w" in pattern or "\\p{" in pattern:
        # When AWS ends the bracket with the null rule is not in botocore's model. Rule
        # fitted: it does for identifier-like patterns (\w, \p{..}: serviceNamespaces
        # observed, tagKeys as other emulators record it), not for policy documents
        # (policyInputList observed), enums (filter observed) or unpatterned strings (STS
        # audience observed). A member with no rule at all lists only the null rule.
        rules.append("Member must not be null")
    text = f"Member must satisfy constraint: [{', '.join(rules)}]"
    shape.__dict__[cache_key] = text
    return text


def _java_hash_bucket(name: str, capacity: int) -> int:
    """The bucket of ``name`` in a java.util.HashMap of ``capacity`` (String.hashCode, spread)."""
    hashed = 0
    for char in name:
        hashed = (31 * hashed + ord(char)) & 0xFFFFFFFF
    return (hashed ^ (hashed >> 16)) & (capacity - 1)


def _check_plan(shape: Shape) -> list[tuple[str, str, Shape, bool]]:
    """(member name, lowerCamel name, member shape, required) in the order AWS reports them.

    Observed: a tag with neither Key nor Value is reported 'tags.1.member.value' before
    'tags.1.member.key', the reverse of the model's order. Rule fitted: members are visited
    in the iteration order of a Java HashMap (default capacity, load factor 0.75) keyed by
    the lowerCamel names, which is what a Java (Coral) validator walking a map would show.
    """
    plan = shape.__dict__.get("_iam_mock_check_plan")
    if plan is None:
        required = set(shape.required_members)
        entries = [
            (name, lower_camel(name), member, name in required)
            for name, member in shape.members.items()
        ]
        capacity = 16
        while len(entries) > capacity * 3 // 4:
            capacity *= 2
        plan = sorted(entries, key=lambda entry: _java_hash_bucket(entry[1], capacity))
        shape.__dict__["_iam_mock_check_plan"] = plan
    return plan


def check(
    shape: Shape | None, params: dict[str, Any], text_rule: TextRule | None = None
) -> list[Violation]:
    """Every constraint violation in ``params`` against the input ``shape``.

    ``text_rule``: the characters the protocol's responses can carry (``Codec.text_rule``);
    every string member (map keys included) must keep to it.
    """
    if shape is None:
        return []
    found: list[Violation] = []
    _check_structure(shape, params, "", found, text_rule)
    return found


def _check_structure(
    shape: Shape,
    value: dict[str, Any],
    prefix: str,
    found: list[Violation],
    text_rule: TextRule | None,
) -> None:
    for name, camel, member, required in _check_plan(shape):
        member_value = value.get(name)
        if member_value is None:
            if required:
                found.append(Violation(prefix + camel, None, "Member must not be null"))
            continue
        _check_value(member, member_value, prefix + camel, found, text_rule)


def _check_value(
    shape: Shape, value: Any, path: str, found: list[Violation], text_rule: TextRule | None
) -> None:
    kind = shape.type_name
    if kind == "structure":
        _check_structure(shape, value, path + ".", found, text_rule)
    elif kind == "list":
        meta = shape.metadata
        if "max" in meta and len(value) > meta["max"]:
            rule = f"Member must have length less than or equal to {meta['max']}"
            found.append(Violation(path, java_text(shape, value), rule))
        if "min" in meta and len(value) < meta["min"]:
            rule = f"Member must have length greater than or equal to {meta['min']}"
            found.append(Violation(path, java_text(shape, value), rule))
        member = shape.member
        if member.type_name not in ("structure", "list", "map"):
            # A scalar list is reported once, at list level, listing all member rules
            # (observed for serviceNamespaces, filter and policyInputList).
            if any(item is None or _scalar_rules(member, item, text_rule) for item in value):
                unrenderable = text_rule is not None and not member.enum and any(
                    isinstance(item, str) and not text_rule.allows(item) for item in value
                )
                rules = _all_scalar_rules(member, text_rule if unrenderable else None)
                found.append(Violation(path, value, rules))
        else:
            for index, item in enumerate(value, 1):
                if item is None:
                    found.append(
                        Violation(f"{path}.{index}.member", None, "Member must not be null")
                    )
                else:
                    _check_value(member, item, f"{path}.{index}.member", found, text_rule)
    elif kind == "map":
        key_shape = shape.key
        for key, item in value.items():
            # Rule chosen: a key that fails its rules is reported at the map's own path.
            for rule in _scalar_rules(key_shape, key, text_rule):
                found.append(Violation(path, key, rule))
            if item is None:
                found.append(Violation(f"{path}.{key}", None, "Member must not be null"))
            else:
                _check_value(shape.value, item, f"{path}.{key}", found, text_rule)
    else:
        for rule in _scalar_rules(shape, value, text_rule):
            found.append(Violation(path, value, rule))


def java_text(shape: Shape, value: Any) -> str:
    """A value as Java's toString prints it in STS's messages, e.g. ``[Tag(key=0, value=test)]``.

    Rule chosen: a structure lists its members in model order, absent ones as ``null``.
    """
    kind = shape.type_name
    if value is None:
        return "null"
    if kind == "list":
        return "[" + ", ".join(java_text(shape.member, item) for item in value) + "]"
    if kind == "map":
        entries = (f"{key}={java_text(shape.value, item)}" for key, item in value.items())
        return "{" + ", ".join(entries) + "}"
    if kind == "structure":
        fields = ", ".join(
            f"{lower_camel(name)}={java_text(member, value.get(name))}"
            for name, member in shape.members.items()
        )
        return f"{shape.name}({fields})"
    return describe(value)


def describe(value: Any) -> str:
    """How AWS (Java's toString) quotes an offending value in a validation message."""
    if isinstance(value, list):
        return "[" + ", ".join(describe(item) for item in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
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
            parts.append(
                f"Value at '{violation.path}' failed to satisfy constraint: {violation.constraint}"
            )
        elif violation.value is None:
            parts.append(
                f"Value null at '{violation.path}' failed to satisfy constraint: {violation.constraint}"
            )
        else:
            parts.append(
                f"Value '{describe(violation.value)}' at '{violation.path}' failed to satisfy constraint: "
                f"{violation.constraint}"
            )
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(parts)
