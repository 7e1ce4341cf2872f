"""The request context of a simulated call: policy variables, condition operators, and the
context keys a policy refers to.

Condition evaluation follows the IAM User Guide ("IAM JSON policy elements: Condition
operators", "...: Condition", "Single-valued vs. multivalued context keys", "Policy
variables"):

* Keys are compared case-insensitively; several keys of one operator, and several operators
  of one ``Condition``, must all hold (AND); several values of one key, any (OR). A
  negated operator (``StringNotEquals``, ``ArnNotLike``, ``NotIpAddress``, ...) holds when
  no value matches.
* ``...IfExists``: a key absent from the context makes the condition hold. ``Null``:
  ``true`` holds when the key is absent, ``false`` when present. Any other operator on an
  absent key does not hold, and the key is *missing* (``MissingContextValues``).
* ``ForAnyValue:``: some context value satisfies the operator (an absent key: does not
  hold); ``ForAllValues:``: every context value does (an absent key, or no value: holds).
  Without a qualifier, a key with several values holds when any value does (positive
  operators) or when none matches (negated ones) (rule chosen).
* String operators compare text, ``...IgnoreCase`` case-folded; ``StringLike`` and
  ``ArnLike`` use ``*`` and ``?`` (``policy.wildcard``, no backtracking); ``ArnEquals`` is
  ``ArnLike`` (IAM documents both with wildcards), matched per colon-separated field, the
  sixth taking the rest. Numeric values are decimals, dates ISO 8601 (naive is UTC) or epoch
  seconds, ``Bool`` ``true``/``false`` in any case, ``IpAddress`` an address within a CIDR
  block (IPv4 or IPv6), ``BinaryEquals`` the base64 text compared as given.
* A value the operator cannot read (``NumericLessThan`` on ``abc``, on either side) matches
  nothing, as a failed comparison (rule chosen: every operator IAM's validator accepts is
  evaluated, so the mock never refuses to evaluate a condition).
* Policy variables (``${aws:username}``; ``${key, 'default'}``; ``${*}``, ``${?}``,
  ``${$}`` the escaped characters) are read in 2012-10-17 documents only, in ``Resource``,
  ``NotResource`` and condition values; a variable whose key is absent and has no default
  cannot be resolved: the pattern or value holding it matches nothing and the key is
  missing (rule chosen; the User Guide says the element is then evaluated as not matching).

Work is bounded: every comparison of a context value with a policy value is charged to a
``Budget``, which raises ``TooMuchWork`` past its limit.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from .wildcard import wildcard

_QUALIFIERS = ("ForAnyValue:", "ForAllValues:")
_NEGATED = frozenset(
    {
        "StringNotEquals",
        "StringNotEqualsIgnoreCase",
        "StringNotLike",
        "NumericNotEquals",
        "DateNotEquals",
        "NotIpAddress",
        "ArnNotEquals",
        "ArnNotLike",
    }
)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ISO = re.compile(
    r"(\d{4})-(\d\d)(?:-(\d\d))?"
    r"(?:T(\d\d)(?::(\d\d)(?::(\d\d)(\.\d{1,9})?)?)?)?"
    r"(Z|[+-]\d\d(?::?\d\d)?)?",
    re.IGNORECASE,
)
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"\s*([^,]*?)\s*,\s*'([^']*)'\s*")


class TooMuchWork(Exception):
    """A simulation needs more comparisons than the mock's bound allows."""


@dataclass
class Budget:
    """Steps a simulation may take; each comparison or match costs one."""

    limit: int
    spent: int = 0

    def charge(self, steps: int) -> None:
        self.spent += steps
        if self.spent > self.limit:
            raise TooMuchWork(self.limit)


@dataclass(frozen=True)
class RequestContext:
    """The simulated request's context keys: lower-cased name -> values (text)."""

    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def get(self, key: str) -> tuple[str, ...] | None:
        return self.values.get(key.lower())


@dataclass
class Outcome:
    """Whether a condition (or pattern) holds, and the keys it needed and lacked."""

    holds: bool
    missing: list[str] = field(default_factory=list)


# ---- reading values ---------------------------------------------------------------------


def parse_number(text: str) -> Decimal | None:
    try:
        number = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def parse_date(text: str) -> float | None:
    """Seconds since the epoch of an ISO 8601 date or epoch-seconds text, or None."""
    text = text.strip()
    if text.isdigit():
        return float(int(text)) if len(text) <= 18 else None
    match = _ISO.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day or 1),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=timezone.utc,
        )
    except ValueError:
        return None
    offset = timedelta()
    if zone and zone.upper() != "Z":
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
        if zone[0] == "-":
            offset = -offset
    seconds = (moment - offset - _EPOCH).total_seconds()
    return seconds + (float(fraction) if fraction else 0.0)


def parse_bool(text: str) -> bool | None:
    lowered = text.strip().lower()
    return True if lowered == "true" else False if lowered == "false" else None


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def valid_value(kind: str, text: str) -> bool:
    """A ContextEntry value reads as its ContextKeyType (``string`` and ``binary`` always)."""
    base = kind.removesuffix("List")
    if base == "numeric":
        return parse_number(text) is not None
    if base == "date":
        return parse_date(text) is not None
    if base == "boolean":
        return parse_bool(text) is not None
    if base == "ip":
        return _network(text) is not None
    return True


def policy_text(value: Any) -> str:
    """A condition value as text: JSON booleans are ``true``/``false``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ---- policy variables -------------------------------------------------------------------


def _variable_key(inner: str) -> tuple[str, str | None] | None:
    """The context key a ``${...}`` names and its default, or None for the escapes."""
    if inner in ("*", "?", "$"):
        return None
    match = _DEFAULT.fullmatch(inner)
    if match is not None:
        return match.group(1), match.group(2)
    return inner.strip(), None


def variable_keys(text: str) -> Iterator[str]:
    """The context keys the policy variables of ``text`` name, in order."""
    for match in _VARIABLE.finditer(text):
        found = _variable_key(match.group(1))
        if found is not None and found[0]:
            yield found[0]


def resolve(text: str, context: RequestContext, *, escape: bool) -> tuple[str | None, list[str]]:
    """``text`` with its policy variables replaced by the context's (first) values.

    ``escape``: a substituted value is written with the escapes (``${*}`` ...), so that a
    Resource pattern takes it literally. None when a key is absent without default; the
    absent keys are returned either way.
    """
    if "${" not in text:
        return text, []
    missing: list[str] = []
    pieces: list[str] = []
    position = 0
    for match in _VARIABLE.finditer(text):
        pieces.append(text[position : match.start()])
        position = match.end()
        inner = match.group(1)
        found = _variable_key(inner)
        if found is None:
            pieces.append(match.group(0) if escape else inner)
            continue
        key, default = found
        values = context.get(key)
        value = values[0] if values else default
        if value is None:
            missing.append(key)
            continue
        pieces.append(_escaped(value) if escape else value)
    pieces.append(text[position:])
    return (None if missing else "".join(pieces)), missing


def _escaped(value: str) -> str:
    return "".join("${" + ch + "}" if ch in "*?$" else ch for ch in value)


# ---- condition operators ----------------------------------------------------------------


def _arn_fields(text: str) -> list[str]:
    return text.split(":", 5)


def _matches(base: str, value: str, pattern: str) -> bool:
    """The (positive form of the) operator ``base`` holds for one context and policy value."""
    if base in ("StringEquals", "StringNotEquals"):
        return value == pattern
    if base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        return value.casefold() == pattern.casefold()
    if base in ("StringLike", "StringNotLike"):
        return wildcard(pattern).matches(value)
    if base.startswith("Numeric"):
        left, right = parse_number(value), parse_number(pattern)
        return left is not None and right is not None and _compare(base[7:], left, right)
    if base.startswith("Date"):
        moment, bound = parse_date(value), parse_date(pattern)
        return moment is not None and bound is not None and _compare(base[4:], moment, bound)
    if base == "Bool":
        flag, expected = parse_bool(value), parse_bool(pattern)
        return flag is not None and flag == expected
    if base == "BinaryEquals":
        return value == pattern
    if base in ("IpAddress", "NotIpAddress"):
        address, network = _network(value), _network(pattern)
        return (
            address is not None
            and network is not None
            and address.version == network.version
            and address.subnet_of(network)  # type: ignore[arg-type]
        )
    if base.startswith(("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike")):
        fields, patterns = _arn_fields(value), _arn_fields(pattern)
        return len(fields) == len(patterns) == 6 and all(
            wildcard(p).matches(f) for f, p in zip(fields, patterns)
        )
    return False


def _compare(relation: str, left: Any, right: Any) -> bool:
    if relation in ("Equals", "NotEquals"):
        return bool(left == right)
    if relation == "LessThan":
        return bool(left < right)
    if relation == "LessThanEquals":
        return bool(left <= right)
    if relation == "GreaterThan":
        return bool(left > right)
    if relation == "GreaterThanEquals":
        return bool(left >= right)
    return False


def split_operator(operator: str) -> tuple[str | None, str, bool]:
    """(qualifier, base operator, IfExists) of a condition operator."""
    qualifier = None
    for prefix in _QUALIFIERS:
        if operator.startswith(prefix):
            qualifier, operator = prefix[:-1], operator[len(prefix) :]
            break
    if_exists = operator != "Null" and operator.endswith("IfExists")
    return qualifier, operator.removesuffix("IfExists") if if_exists else operator, if_exists


def evaluate_condition(
    condition: Mapping[str, Any],
    context: RequestContext,
    budget: Budget,
    *,
    variables: bool,
) -> Outcome:
    """Whether a statement's ``Condition`` holds in the context (every block is evaluated, so
    that every missing key is found)."""
    outcome = Outcome(True)
    for operator, block in condition.items():
        if not isinstance(block, dict):
            continue
        qualifier, base, if_exists = split_operator(operator)
        for key, raw in block.items():
            patterns = [policy_text(v) for v in (raw if isinstance(raw, list) else [raw])]
            holds = _evaluate_key(
                qualifier, base, if_exists, key, patterns, context, budget, outcome, variables
            )
            if not holds:
                outcome.holds = False
    return outcome


def _evaluate_key(
    qualifier: str | None,
    base: str,
    if_exists: bool,
    key: str,
    patterns: Sequence[str],
    context: RequestContext,
    budget: Budget,
    outcome: Outcome,
    variables: bool,
) -> bool:
    values = context.get(key)
    if base == "Null":
        expected = [parse_bool(p) for p in patterns]
        return (values is None) in [e for e in expected if e is not None]
    if values is None:
        if if_exists or qualifier == "ForAllValues":
            return True
        outcome.missing.append(key)
        return False
    if variables:
        resolved = []
        for pattern in patterns:
            text, missing = resolve(pattern, context, escape=False)
            outcome.missing.extend(missing)
            if text is not None:
                resolved.append(text)
        patterns = resolved
    negated = base in _NEGATED
    if base in ("StringEquals", "StringNotEquals"):
        budget.charge(len(values) + len(patterns))
        wanted = set(patterns)  # equality: a set lookup per value
        per_value = [value in wanted for value in values]
    else:
        budget.charge(len(values) * max(len(patterns), 1))
        per_value = [any(_matches(base, value, p) for p in patterns) for value in values]
    if qualifier == "ForAllValues":
        return all((not hit) if negated else hit for hit in per_value)
    if qualifier == "ForAnyValue":
        return any((not hit) if negated else hit for hit in per_value)
    return (not any(per_value)) if negated else any(per_value)


# ---- the keys a policy refers to --------------------------------------------------------


def referenced_keys(document: Mapping[str, Any]) -> list[str]:
    """The context keys a (valid) policy document uses, in the order they appear: policy
    variables in ``Resource``/``NotResource`` and condition values (2012-10-17 documents),
    and condition keys; each once, case-insensitively, as first written."""
    variables = document.get("Version") == "2012-10-17"
    found: list[str] = []
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements if isinstance(statements, list) else []:
        if not isinstance(statement, dict):
            continue
        for element, value in statement.items():
            if element in ("Resource", "NotResource") and variables:
                for text in value if isinstance(value, list) else [value]:
                    if isinstance(text, str):
                        found.extend(variable_keys(text))
            elif element == "Condition" and isinstance(value, dict):
                for block in value.values():
                    if not isinstance(block, dict):
                        continue
                    for key, raw in block.items():
                        found.append(key)
                        if variables:
                            for item in raw if isinstance(raw, list) else [raw]:
                                if isinstance(item, str):
                                    found.extend(variable_keys(item))
    return unique_keys(found)


def unique_keys(keys: Sequence[str]) -> list[str]:
    """Keys once each, compared case-insensitively, in first-seen order and spelling."""
    seen: dict[str, str] = {}
    for key in keys:
        seen.setdefault(key.lower(), key)
    return list(seen.values())
