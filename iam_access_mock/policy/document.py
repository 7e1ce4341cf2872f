"""IAM policy documents: parse and validate as IAM does, raising MalformedPolicyDocument.

IAM reports only the first failing stage, each with its own fixed message. The stages and
their order were fitted to AWS answers recorded in 2026 for CreatePolicy (LocalStack's
AWS-validated snapshots ``tests/aws/services/iam/test_iam_policies.snapshot.json``, 78
invalid and 51 valid documents) and to the observed facts in ``shared/data``:

1. grammar: JSON, known elements, element types -> "Syntax errors in policy."
2. version (managed policies only) -> "Policy document must be version 2012-10-17 or greater."
3. principal in an identity policy -> "Policy document should not specify a principal."
4. the legacy parser: exact-case ``Effect``, parseable date conditions, and (unless a
   resource format error was found) no resource ARN of four or five fields or with an
   empty service -> "The policy failed legacy parsing"
5. unique statement ids -> "Statement IDs (SID) in a single policy must be unique."
6. actions present -> "Policy statement must contain actions."
7. identity policies: resources present -> "Policy statement must contain resources.";
   trust policies: no ``Resource`` ("Has prohibited field Resource"), then principals
   present ("Invalid principal in policy: ... no principals!"), both observed on CreateRole
8. the first resource format error (partition, ARN format, IAM and S3 region, IAM path)
9. action vendor prefixes (one colon, vendor characters, no wildcard in the vendor)

Rules chosen where AWS is silent: inline and trust policies accept a missing ``Version``
or ``2008-10-17`` (a PutRolePolicy without Version was answered with a legacy-parsing
error, not the version one, so the version stage does not apply there); stage 3's place
in the order; a trust policy's unparseable JSON answers "This policy contains invalid
Json" (observed on CreateRole); S3 resources may carry a region only with an account
(access points, jobs, Storage Lens).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from ..errors import MalformedPolicyDocument

SYNTAX_ERROR = "Syntax errors in policy."
VERSION_ERROR = "Policy document must be version 2012-10-17 or greater."
PRINCIPAL_ERROR = "Policy document should not specify a principal."
LEGACY_ERROR = "The policy failed legacy parsing"
SID_ERROR = "Statement IDs (SID) in a single policy must be unique."
NO_ACTIONS_ERROR = "Policy statement must contain actions."
NO_RESOURCES_ERROR = "Policy statement must contain resources."
TRUST_JSON_ERROR = "This policy contains invalid Json"
TRUST_NO_PRINCIPAL_ERROR = (
    "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: "
    "The passed in policy has a statement with no principals!"
)
TRUST_RESOURCE_ERROR = "Has prohibited field Resource"

_VERSIONS = ("2012-10-17", "2008-10-17")
_TOP_ELEMENTS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_ELEMENTS = frozenset(
    {
        "Sid",
        "Effect",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Principal",
        "NotPrincipal",
        "Condition",
    }
)
_EXCLUSIVE = (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal"))
_OPERATORS = frozenset(
    {
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "NotIpAddress",
        "ArnEquals",
        "ArnLike",
        "ArnNotEquals",
        "ArnNotLike",
    }
)
_PRINCIPAL_TYPES = frozenset({"AWS", "Service", "Federated", "CanonicalUser"})
_PARTITIONS = frozenset(
    {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}
)
_IAM_RESOURCE_STARTS = (
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
)
_IAM_PATH_ERROR = (
    'IAM resource path must either be "*", root, or start with '
    + ", ".join(_IAM_RESOURCE_STARTS)
    + "."
)
_VENDOR = re.compile(r"[A-Za-z0-9.\-]*")
_INT64 = 1 << 63
_YEARS = (-292275054, 292278993)  # the range of a Java Date, which IAM's legacy parser uses
# hh[:mm[:ss[.fraction]]] then Z or +hh[[:]mm] / -hh[[:]mm]; "01T" (no clock) is accepted.
_CLOCK = re.compile(
    r"(\d{0,2})(?::(\d{1,2})(?::(\d{1,2})(\.\d{1,9})?)?)?(?:z|[+-](\d\d)(?::?(\d\d))?)?"
)


def parse_policy_document(
    text: str, *, trust: bool = False, managed: bool = False
) -> dict[str, Any]:
    """Parse ``text`` as an IAM policy or raise MalformedPolicyDocument.

    ``trust``: a role's trust policy (principals required, resources forbidden);
    ``managed``: a managed policy version (``Version`` must be 2012-10-17).
    """
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        raise MalformedPolicyDocument(TRUST_JSON_ERROR if trust else SYNTAX_ERROR) from None
    statements = _grammar(document)
    if statements is None:
        raise MalformedPolicyDocument(SYNTAX_ERROR)
    if managed and document.get("Version") != "2012-10-17":
        raise MalformedPolicyDocument(VERSION_ERROR)
    if not trust and any("Principal" in s or "NotPrincipal" in s for s in statements):
        raise MalformedPolicyDocument(PRINCIPAL_ERROR)
    resource_error = _first_resource_error(statements)
    if not _legacy_parses(statements, resource_error is None):
        raise MalformedPolicyDocument(LEGACY_ERROR)
    _check_sids(statements)
    for statement in statements:
        if not _present(statement, "Action", "NotAction"):
            raise MalformedPolicyDocument(NO_ACTIONS_ERROR)
    if trust:
        _check_trust(statements)
    else:
        for statement in statements:
            if not _present(statement, "Resource", "NotResource"):
                raise MalformedPolicyDocument(NO_RESOURCES_ERROR)
    if resource_error is not None:
        raise MalformedPolicyDocument(resource_error)
    for statement in statements:
        for action in _strings(statement.get("Action", statement.get("NotAction"))):
            _check_action(action)
    return document


def policy_size(text: str) -> int:
    """A document's size as IAM's quotas count it: characters other than white space."""
    return len(text) - sum(text.count(ch) for ch in " \t\n\r")


# ---- 1. grammar ------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity are not JSON


def _grammar(document: Any) -> list[dict[str, Any]] | None:
    """The statements of a well-formed document, or None."""
    if not isinstance(document, dict) or not _TOP_ELEMENTS.issuperset(document):
        return None
    if "Version" in document and document["Version"] not in _VERSIONS:
        return None
    if "Id" in document and not isinstance(document["Id"], str):
        return None
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        return None
    for statement in statements:
        if not isinstance(statement, dict) or not _statement_grammar(statement):
            return None
    return statements


def _statement_grammar(statement: dict[str, Any]) -> bool:
    if not _STATEMENT_ELEMENTS.issuperset(statement):
        return False
    if any(a in statement and b in statement for a, b in _EXCLUSIVE):
        return False
    effect = statement.get("Effect")
    if not isinstance(effect, str) or effect.lower() not in ("allow", "deny"):
        return False
    if "Sid" in statement and not isinstance(statement["Sid"], str):
        return False
    for name in ("Action", "NotAction", "Resource", "NotResource"):
        if name in statement and not _is_string_or_strings(statement[name]):
            return False
    for name in ("Principal", "NotPrincipal"):
        if name in statement and not _principal_grammar(statement[name]):
            return False
    return "Condition" not in statement or _condition_grammar(statement["Condition"])


def _is_string_or_strings(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    )


def _principal_grammar(value: Any) -> bool:
    if value == "*":
        return True
    return (
        isinstance(value, dict)
        and bool(value)
        and all(k in _PRINCIPAL_TYPES and _is_string_or_strings(v) for k, v in value.items())
    )


def _condition_grammar(condition: Any) -> bool:
    if not isinstance(condition, dict):
        return False
    for operator, block in condition.items():
        if not isinstance(block, dict):
            return False
        # An unknown operator with nothing under it is accepted (observed: {"a": {}}).
        if block and not _known_operator(operator):
            return False
        for value in block.values():
            values = value if isinstance(value, list) else [value]
            if not all(v is None or isinstance(v, (str, bool, int, float)) for v in values):
                return False
    return True


def _known_operator(operator: str) -> bool:
    for prefix in ("ForAnyValue:", "ForAllValues:"):
        if operator.startswith(prefix):
            operator = operator[len(prefix) :]
            break
    if operator == "Null":
        return True
    operator = operator.removesuffix("IfExists")
    return operator in _OPERATORS


# ---- 4. the legacy parser ----------------------------------------------------------------


def _legacy_parses(statements: list[dict[str, Any]], check_resources: bool) -> bool:
    for statement in statements:
        if statement["Effect"] not in ("Allow", "Deny"):
            return False
        for operator, block in statement.get("Condition", {}).items():
            if _base_operator(operator).startswith("Date"):
                for value in block.values():
                    for item in value if isinstance(value, list) else [value]:
                        if not _legacy_date(item):
                            return False
    if check_resources:
        for resource in _all_resources(statements):
            if not _legacy_resource(resource):
                return False
    return True


def _base_operator(operator: str) -> str:
    return (
        operator.split(":", 1)[1]
        if operator.startswith(("ForAnyValue:", "ForAllValues:"))
        else operator
    )


def _legacy_resource(resource: str) -> bool:
    # ARNs with four or five fields ("arn:aws:s3::bucket", "arn:aws::x", an IAM ARN missing
    # its region field) and ARNs with an empty service ("arn:aws::::x") fail the legacy
    # parser; "arn:aws:x" passes (all observed).
    if resource == "*":
        return True
    parts = resource.split(":")
    if 4 <= len(parts) < 6:
        return False
    return len(parts) < 3 or parts[2] != ""


def _legacy_date(value: Any) -> bool:
    """A date condition value the legacy parser reads: ISO 8601 or epoch seconds."""
    if isinstance(value, bool) or value is None:
        return False
    text = str(value).strip().lower()
    if "t" not in text and "-" not in text:
        return text.isdigit() and int(text) < _INT64
    date, _, clock = text.partition("t")
    negative = date.startswith("-")
    fields = (date[1:] if negative else date).split("-")
    if len(fields) > 3 or not all(f.isdigit() for f in fields):
        return False
    year = -int(fields[0]) if negative else int(fields[0])
    if not _YEARS[0] <= year <= _YEARS[1]:
        return False
    if len(fields) > 1 and not 1 <= int(fields[1]) <= 12:
        return False
    if len(fields) > 2 and not 1 <= int(fields[2]) <= 31:
        return False
    return _legacy_clock(clock)


def _legacy_clock(clock: str) -> bool:
    match = _CLOCK.fullmatch(clock)
    if match is None:
        return False
    hour, minute, second, zone_hour, zone_minute = match.group(1, 2, 3, 5, 6)
    return all(
        value is None or value == "" or int(value) <= limit
        for value, limit in (
            (hour, 23),
            (minute, 59),
            (second, 59),
            (zone_hour, 23),
            (zone_minute, 59),
        )
    )


# ---- 5-7. ids, actions, resources, principals -------------------------------------------


def _check_sids(statements: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for statement in statements:
        sid = statement.get("Sid")
        if sid:  # several statements may have an empty Sid (observed)
            if sid in seen:
                raise MalformedPolicyDocument(SID_ERROR)
            seen.add(sid)


def _present(statement: dict[str, Any], name: str, negated: str) -> bool:
    value = statement.get(name, statement.get(negated))
    return value is not None and value != []


def _check_trust(statements: list[dict[str, Any]]) -> None:
    # A trust statement with a Resource and no Principal is answered with the Resource
    # error (observed on CreateRole), so that check comes first.
    for statement in statements:
        if "Resource" in statement or "NotResource" in statement:
            raise MalformedPolicyDocument(TRUST_RESOURCE_ERROR)
    for statement in statements:
        if "Principal" not in statement and "NotPrincipal" not in statement:
            raise MalformedPolicyDocument(TRUST_NO_PRINCIPAL_ERROR)


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _all_resources(statements: list[dict[str, Any]]) -> Iterator[str]:
    for statement in statements:
        yield from _strings(statement.get("Resource", statement.get("NotResource")))


# ---- 8. resource formats ---------------------------------------------------------------


def _first_resource_error(statements: list[dict[str, Any]]) -> str | None:
    for resource in _all_resources(statements):
        error = _resource_error(resource)
        if error is not None:
            return error
    return None


def _resource_error(resource: str) -> str | None:
    if resource == "*":
        return None
    parts = resource.split(":")
    if len(parts) == 1:
        return f'Resource {resource} must be in ARN format or "*".'
    partition = parts[1]
    if partition not in _PARTITIONS and partition != "*":
        # AWS prints the resource rebuilt as a six-field ARN, "*" for missing fields.
        rest = parts[2:] + ["*"] * (4 - len(parts[2:]))
        shown = ":".join(["arn", partition, *rest[:3], ":".join(rest[3:])])
        return f'Partition "{partition}" is not valid for resource "{shown}".'
    if len(parts) == 2:
        return "Resource vendor must be fully qualified and cannot contain regexes."
    if len(parts) < 6:
        return None
    service, region, account, resource_id = parts[2], parts[3], parts[4], ":".join(parts[5:])
    if service == "iam":
        if region:
            return f"IAM resource {resource} cannot contain region information."
        if resource_id not in ("*", "root") and not resource_id.startswith(_IAM_RESOURCE_STARTS):
            return _IAM_PATH_ERROR
    elif service == "s3" and region and not account:
        return f"Resource {resource} can not contain region information."
    return None


# ---- 9. actions --------------------------------------------------------------------------


def _check_action(action: str) -> None:
    if action == "*":
        return
    parts = action.split(":")
    if len(parts) == 1:
        raise MalformedPolicyDocument(
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
        )
    if len(parts) > 2:
        raise MalformedPolicyDocument("Actions/Condition can contain only one colon.")
    vendor = parts[0]
    if "*" in vendor or "?" in vendor:
        raise MalformedPolicyDocument(
            "Action vendors (e.g., aws, ec2, etc.) must not contain wildcards."
        )
    if not vendor or not _VENDOR.fullmatch(vendor):
        raise MalformedPolicyDocument(f"Vendor {vendor} is not valid")
