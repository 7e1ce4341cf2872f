"""IAM policy documents: parse and validate as IAM does, raising MalformedPolicyDocument."""

from __future__ import annotations

import json
from typing import Any

from ..errors import MalformedPolicyDocument


def parse_policy_document(text: str, *, trust: bool = False) -> dict[str, Any]:
    """Parse ``text`` as an IAM policy (``trust``: a role's trust policy) or raise MalformedPolicyDocument."""
    try:
        document = json.loads(text)
    except ValueError:
        raise MalformedPolicyDocument("Syntax errors in policy.") from None
    if not isinstance(document, dict):
        raise MalformedPolicyDocument("Syntax errors in policy.")
    statements = document.get("Statement")
    if statements is None:
        raise MalformedPolicyDocument("Syntax errors in policy.")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise MalformedPolicyDocument("Syntax errors in policy.")
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") not in ("Allow", "Deny"):
            raise MalformedPolicyDocument("Syntax errors in policy.")
    return document
