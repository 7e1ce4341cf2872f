"""Organizations' errors: every client error is HTTP 400 with a ``Message``; several carry a
``Reason``. The messages are the API reference's descriptions of each exception."""

from __future__ import annotations

from ...errors import ServiceError
from ...protocol.constraints import Violation, validation_message


def organizations_error(code: str, message: str, reason: str | None = None) -> ServiceError:
    return ServiceError(
        message, code=code, status=400, fields={"Reason": reason} if reason else None
    )


def not_in_use() -> ServiceError:
    return organizations_error(
        "AWSOrganizationsNotInUseException", "Your account is not a member of an organization."
    )


def access_denied() -> ServiceError:
    return organizations_error(
        "AccessDeniedException", "You don't have permissions to access this resource."
    )


def invalid_input(reason: str, message: str) -> ServiceError:
    return organizations_error("InvalidInputException", message, reason)


def constraint_violation(reason: str, message: str) -> ServiceError:
    return organizations_error("ConstraintViolationException", message, reason)


def parent_not_found() -> ServiceError:
    return organizations_error(
        "ParentNotFoundException",
        "We can't find a root or OU with the ParentId that you specified.",
    )


def ou_not_found() -> ServiceError:
    return organizations_error(
        "OrganizationalUnitNotFoundException",
        "We can't find an OU with the OrganizationalUnitId that you specified.",
    )


def account_not_found() -> ServiceError:
    return organizations_error(
        "AccountNotFoundException",
        "We can't find an AWS account with the AccountId that you specified.",
    )


def policy_not_found() -> ServiceError:
    return organizations_error(
        "PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified."
    )


def target_not_found() -> ServiceError:
    return organizations_error(
        "TargetNotFoundException",
        "We can't find a root, OU, or account with the TargetId that you specified.",
    )


def root_not_found() -> ServiceError:
    return organizations_error(
        "RootNotFoundException", "We can't find a root with the RootId that you specified."
    )


def invalid_next_token() -> ServiceError:
    return invalid_input("INVALID_NEXT_TOKEN", "The specified pagination token isn't valid.")


# The InvalidInputException Reason for each kind of model constraint.
_REASONS = (
    (
        "length less than",
        "MAX_LENGTH_EXCEEDED",
        "You provided a string parameter that is longer than allowed.",
    ),
    (
        "length greater than",
        "MIN_LENGTH_EXCEEDED",
        "You provided a string parameter that is shorter than allowed.",
    ),
    (
        "value less than",
        "MAX_VALUE_EXCEEDED",
        "You provided a numeric parameter that has a larger value than allowed.",
    ),
    (
        "value greater than",
        "MIN_VALUE_EXCEEDED",
        "You provided a numeric parameter that has a smaller value than allowed.",
    ),
    ("enum value", "INVALID_ENUM", "You specified an invalid value."),
    ("must not be null", "INPUT_REQUIRED", "You must include a value for all required parameters."),
)
_PATTERN_MESSAGE = "You provided a value that doesn't match the required pattern."


def organizations_validation_error(violations: list[Violation]) -> ServiceError:
    """A failed model constraint is InvalidInputException with the Reason the API reference
    lists for it (INVALID_PATTERN, MAX_LENGTH_EXCEEDED, INVALID_ENUM, ...), reported for the
    first violation; the message adds AWS's validation text naming the member (rule chosen:
    the exact message Organizations writes for each was not recorded)."""
    first = violations[0]
    reason, message = "INVALID_PATTERN", _PATTERN_MESSAGE
    for needle, found_reason, found_message in _REASONS:
        if needle in first.constraint:
            reason, message = found_reason, found_message
            break
    if reason == "INVALID_PATTERN" and first.path == "targetId":
        reason = "INVALID_PATTERN_TARGET_ID"
    if reason == "INVALID_ENUM" and first.path in ("type", "policyType", "filter"):
        reason = "INVALID_ENUM_POLICY_TYPE"
    detail = validation_message(violations, show_values=False)
    return invalid_input(reason, f"{message} {detail}")
