"""Errors a mocked AWS service answers with, named after their AWS error codes.

A handler raises one of these; the protocol codec renders it in the service's wire format
(query XML, JSON ``__type`` or rest-json ``x-amzn-ErrorType``) so that botocore raises the
modeled exception class, e.g. ``iam.exceptions.NoSuchEntityException`` for ``NoSuchEntity``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ServiceError(Exception):
    """An AWS error response: code, message, HTTP status and fault side."""

    code: str = "InternalFailure"
    status: int = 400
    sender_fault: bool = True

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        status: int | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        # Extra modeled members of the error shape (rest-json/json bodies), e.g.
        # Access Analyzer's ``reason`` and ``fieldList`` on ValidationException.
        self.fields: dict[str, Any] = dict(fields or {})

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


# --- IAM (query protocol) ---------------------------------------------------------------

class NoSuchEntity(ServiceError):
    code, status = "NoSuchEntity", 404


class EntityAlreadyExists(ServiceError):
    code, status = "EntityAlreadyExists", 409


class DeleteConflict(ServiceError):
    code, status = "DeleteConflict", 409


class LimitExceeded(ServiceError):
    code, status = "LimitExceeded", 409


class InvalidInput(ServiceError):
    code, status = "InvalidInput", 400


class MalformedPolicyDocument(ServiceError):
    code, status = "MalformedPolicyDocument", 400


class ValidationError(ServiceError):
    """IAM's and STS's unmodeled constraint error (max length, pattern, enum, bad marker)."""

    code, status = "ValidationError", 400


class AccessDenied(ServiceError):
    code, status = "AccessDenied", 403


class InvalidClientTokenId(ServiceError):
    code, status = "InvalidClientTokenId", 403

    def __init__(self, message: str = "The security token included in the request is invalid.") -> None:
        super().__init__(message)


class ExpiredToken(ServiceError):
    code, status = "ExpiredToken", 400

    def __init__(self, message: str = "The security token included in the request is expired") -> None:
        super().__init__(message)


class UnrecognizedClient(ServiceError):
    """The json/rest-json services' answer to an invalid or revoked access key."""

    code, status = "UnrecognizedClientException", 403

    def __init__(
        self,
        message: str = "The security token included in the request is invalid.",
        *,
        status: int | None = None,
    ) -> None:
        super().__init__(message, status=status)


class ExpiredTokenException(ServiceError):
    """The json/rest-json services' answer to expired session credentials (and STS's
    modeled error for an expired web identity token)."""

    code, status = "ExpiredTokenException", 400

    def __init__(
        self,
        message: str = "The security token included in the request is expired",
        *,
        status: int | None = None,
    ) -> None:
        super().__init__(message, status=status)


# The HTTP status of a credential error per protocol: DynamoDB and Cognito (json) answer
# 400, Lambda (rest-json) 403, as their SDKs report them.
_CREDENTIAL_ERROR_STATUS = {"json": 400, "rest-json": 403}


def credential_error_for(error: ServiceError, protocol: str) -> ServiceError:
    """``error`` as a service of ``protocol`` answers it: the query protocol's
    InvalidClientTokenId and ExpiredToken are UnrecognizedClientException and
    ExpiredTokenException on json and rest-json services; other errors are unchanged."""
    status = _CREDENTIAL_ERROR_STATUS.get(protocol)
    if status is None:
        return error
    if isinstance(error, InvalidClientTokenId):
        return UnrecognizedClient(status=status)
    if isinstance(error, ExpiredToken):
        return ExpiredTokenException(status=status)
    return error


class NotServed(ServiceError):
    """A service or operation this library does not mock.

    Status 501 is outside every retry list of botocore (legacy and standard modes retry
    500/502/503/504), so the caller sees the error at once instead of after backoff.
    """

    code, status, sender_fault = "NotImplemented", 501, False


class MockConfigurationError(ValueError):
    """The library's own Python API was called with an invalid argument."""


class MalformedInput(ServiceError):
    """The Query protocol's answer to a form it cannot parse (bad number, boolean, list index)."""

    code, status = "MalformedInput", 400


class MalformedQueryString(ServiceError):
    """The Query protocol's answer to a form that is not valid form encoding.

    Code, status and text from the Common Errors list AWS publishes for its query services
    (e.g. https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html):
    "The query string contains a syntax error.", HTTP 404.
    """

    code, status = "MalformedQueryString", 404
