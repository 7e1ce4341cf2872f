"""Access Analyzer's errors (rest-json: ``x-amzn-ErrorType`` and a JSON body with ``message``
and the shape's other members), with the HTTP statuses of botocore's model."""

from __future__ import annotations

from ...errors import ServiceError
from ...protocol.constraints import Violation, validation_message


def validation_exception(
    message: str, fields: list[tuple[str, str]], reason: str = "fieldValidationFailed"
) -> ServiceError:
    """ValidationException, 400: ``reason`` and a ``fieldList`` of (member path, problem)."""
    return ServiceError(
        message,
        code="ValidationException",
        status=400,
        fields={
            "reason": reason,
            "fieldList": [{"name": name, "message": problem} for name, problem in fields],
        },
    )


def field_error(path: str, problem: str) -> ServiceError:
    """One field's ValidationException; the message is the problem with its field named."""
    return validation_exception(f"Invalid {path}: {problem}", [(path, problem)])


def analyzer_validation_error(violations: list[Violation]) -> ServiceError:
    """Model constraints (patterns, lengths, minimums) as Access Analyzer reports them: the
    Coral text (values printed, at most 10 listed), reason ``fieldValidationFailed`` and one
    ``fieldList`` entry per violation, named by its member path (rule chosen: AWS's
    fieldList for a constraint violation was not recorded)."""
    return validation_exception(
        validation_message(violations),
        [(violation.path, violation.constraint) for violation in violations[:10]],
    )


def access_denied(message: str) -> ServiceError:
    return ServiceError(message, code="AccessDeniedException", status=403)


def resource_not_found(message: str, resource_id: str, resource_type: str) -> ServiceError:
    return ServiceError(
        message,
        code="ResourceNotFoundException",
        status=404,
        fields={"resourceId": resource_id, "resourceType": resource_type},
    )


def conflict(message: str, resource_id: str, resource_type: str) -> ServiceError:
    return ServiceError(
        message,
        code="ConflictException",
        status=409,
        fields={"resourceId": resource_id, "resourceType": resource_type},
    )


def quota_exceeded(message: str, resource_id: str, resource_type: str) -> ServiceError:
    # 402 is the model's status for this error (botocore does not retry it).
    return ServiceError(
        message,
        code="ServiceQuotaExceededException",
        status=402,
        fields={"resourceId": resource_id, "resourceType": resource_type},
    )
