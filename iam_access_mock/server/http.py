"""The WSGI application: one HTTP request in, the same bytes ``dispatch.handle`` gives a
botocore client in process out.

Paths under ``/_iam_access_mock/`` are the control API (``control.py``); everything else is
an AWS request, routed by ``routing.py``. Whatever arrives, the answer is an HTTP response:
no input makes the application raise, and no answer has a status botocore retries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, urlsplit

from ..dispatch import handle, new_request_id
from ..errors import NotServed, ServiceError
from ..handle import AccessMock
from ..identity import credential_scope
from ..protocol import HttpRequest, HttpResponse, codec_for, protocol_of
from ..protocol.unserved import render_protocol_error
from . import control
from .routing import (
    RawRequest,
    find_operation,
    served_service_names,
    service_model,
    services_for_signing_name,
)

# AWS's own cap on a request is service-specific; no request the served operations take
# comes near 10 MiB (a managed policy is 6,144 characters), so anything larger is refused.
MAX_BODY = 10 * 1024 * 1024
CONTROL_PREFIX = "/_iam_access_mock/"

logger = logging.getLogger("iam_access_mock.server")

StartResponse = Callable[..., Any]


class BodyError(Exception):
    """A request body that cannot be read: the error to answer with."""

    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.code, self.status, self.message = code, status, message


class ServerApp:
    """A WSGI application serving one world (through ``handle``, its ``AccessMock``)."""

    def __init__(self, handle: AccessMock) -> None:
        self.handle = handle

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            response = self.respond(environ)
        except Exception as error:  # a bug of the mock: say so, and keep serving
            logger.exception("iam-access-mock failed on %s", environ.get("REQUEST_URI"))
            response = render_protocol_error(_guess_protocol(environ), _internal(error), new_request_id())
        headers = [(name, value) for name, value in response.headers.items()]
        headers.append(("Content-Length", str(len(response.body))))
        start_response(_status_line(response.status), headers)
        return [response.body]

    def respond(self, environ: dict[str, Any]) -> HttpResponse:
        # The request target as sent: rest-json labels may hold an escaped "/" (%2F).
        raw_uri = environ.get("REQUEST_URI") or environ.get("RAW_URI") or _rebuild_uri(environ)
        if raw_uri.startswith(("http://", "https://")):  # a request line in absolute form
            parts = urlsplit(raw_uri)
            raw_uri = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        path, _, query = raw_uri.partition("?")
        try:
            body = _read_body(environ)
        except BodyError as error:
            return _request_error(environ, error.code, error.status, error.message)
        if path.startswith(CONTROL_PREFIX) or path == CONTROL_PREFIX.rstrip("/"):
            return control.respond(self.handle, environ["REQUEST_METHOD"], path[len(CONTROL_PREFIX):], body)
        return self.aws(environ, path, query, body)

    def aws(self, environ: dict[str, Any], path: str, query: str, body: bytes) -> HttpResponse:
        """Route an AWS request to its operation and answer it through ``dispatch.handle``."""
        headers = _headers(environ)
        authorization = headers.get("Authorization")
        raw = RawRequest(environ["REQUEST_METHOD"], path, query, headers.get("X-Amz-Target"), body)
        signing_name = None
        if authorization is None:
            candidates = served_service_names()
        else:
            scope = credential_scope(authorization.encode("latin-1", "replace"))
            if scope is None:
                return _request_error(environ, "IncompleteSignature", 400, _incomplete(authorization))
            signing_name = scope[2]
            candidates = services_for_signing_name(signing_name)
        models = [model for model in map(service_model, candidates) if model is not None]
        for model in models:
            operation = find_operation(model, raw)
            if operation is not None:
                url = f"http://{environ.get('HTTP_HOST', 'localhost')}{path}{'?' + query if query else ''}"
                request = HttpRequest(raw.method, url, path, query, headers, body)
                return handle(self.handle.world, request, operation, None)
        if signing_name is None:
            return _request_error(environ, "MissingAuthenticationToken", 403,
                                  "Request is missing Authentication Token")
        what = f"{raw.method} {path}" + (f" (X-Amz-Target {raw.target})" if raw.target else "")
        error = NotServed(f"iam-access-mock does not serve {what} for signing name {signing_name!r}")
        if not models:
            return render_protocol_error(_guess_protocol(environ), error, new_request_id())
        # Any operation of the service carries its error format (namespace, content type).
        carrier = models[0].operation_model(models[0].operation_names[0])
        return codec_for(protocol_of(models[0])).render_error(carrier, error, new_request_id())


_TOO_LARGE = BodyError(
    "RequestEntityTooLarge", 413, f"The request body is larger than {MAX_BODY} bytes."
)


def _read_body(environ: dict[str, Any]) -> bytes:
    """The whole body, by Content-Length, or to its end where the server ends the stream
    (``wsgi.input_terminated``: a dechunked body)."""
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        if not length.isdigit():
            raise BodyError("InvalidRequest", 400, "The Content-Length header is not a number.")
        if int(length) > MAX_BODY:
            raise _TOO_LARGE
        data = stream.read(int(length))
        if len(data) < int(length):
            raise BodyError(
                "IncompleteBody", 400, "The request body is shorter than its Content-Length."
            )
        return data  # type: ignore[no-any-return]
    if not environ.get("wsgi.input_terminated"):
        return b""  # no length and not chunked: a request without a body
    data = stream.read(MAX_BODY + 1)
    if len(data) > MAX_BODY:
        raise _TOO_LARGE
    return data  # type: ignore[no-any-return]


_ENVIRON_HEADERS = {"CONTENT_TYPE": "Content-Type", "CONTENT_LENGTH": "Content-Length"}


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    """The request headers under their usual spelling (``X-Amz-Target``), as botocore sends
    them in process; WSGI gives them as ``HTTP_X_AMZ_TARGET``."""
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers["-".join(part.capitalize() for part in key[5:].split("_"))] = value
        elif key in _ENVIRON_HEADERS and value:
            headers[_ENVIRON_HEADERS[key]] = value
    return headers


def _rebuild_uri(environ: dict[str, Any]) -> str:
    # Under a WSGI server that gives no raw request target: PATH_INFO is already decoded.
    path = quote(environ.get("PATH_INFO", "/").encode("latin-1"), safe="/~!$&'()*+,;=:@")
    query = environ.get("QUERY_STRING", "")
    return path + ("?" + query if query else "")


def _guess_protocol(environ: dict[str, Any]) -> str:
    """The protocol a request looks like, for errors answered before it is routed."""
    if environ.get("HTTP_X_AMZ_TARGET"):
        return "json"
    content_type = environ.get("CONTENT_TYPE", "")
    if content_type.startswith("application/x-www-form-urlencoded") or "Action=" in environ.get(
        "QUERY_STRING", ""
    ):
        return "query"
    return "rest-json"


def _request_error(environ: dict[str, Any], code: str, status: int, message: str) -> HttpResponse:
    error = ServiceError(message, code=code, status=status)
    return render_protocol_error(_guess_protocol(environ), error, new_request_id())


def _incomplete(authorization: str) -> str:
    """AWS's IncompleteSignature text: each SigV4 parameter the header lacks."""
    missing = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if f"{name}=" not in authorization
    ]
    if not missing:
        missing = ["Authorization header's Credential must be <key>/<date>/<region>/<service>/aws4_request."]
    return " ".join(missing)


def _internal(error: Exception) -> ServiceError:
    # 501, not 500: botocore retries 500 four times, which would hide the failure behind
    # backoff (STYLE: never a retryable status unless a test asks for one).
    return ServiceError(
        f"iam-access-mock failed on this request ({type(error).__name__}: {error}); "
        "this is a bug, please report it",
        code="InternalFailure",
        status=501,
    )


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"
