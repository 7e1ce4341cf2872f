"""The wrappers on botocore's own (synchronous) classes.

Wrappers on each loaded botocore copy (the AWS CLI v1 can load its own copy under the name
``botocore``) are installed once and do nothing unless a world is active:

* ``Endpoint._do_get_response`` notes the operation model on the prepared request, and
  ``Endpoint._send`` answers it from the world instead of the network. Because this sits
  below the client, clients created before activation are served too, and botocore still
  validates, serializes, signs, retries and parses.
* ``RequestSigner.get_auth_instance`` gives a client that was created with no credentials
  at all the mock's fake ones, so it is served instead of failing with NoCredentialsError.
* ``URLLib3Session.send`` refuses any other HTTP request botocore would make while active
  (instance metadata, SSO, container credentials, ...).
"""

from __future__ import annotations

import importlib
import sys
from collections import namedtuple
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import wrapt

from ..activation import FAKE_ENVIRONMENT
from ..dispatch import handle
from ..errors import NotServed
from ..protocol import HttpRequest
from . import active

# Package names under which a botocore copy may be loaded. The AWS CLI v1 aliases its
# bundled copy to "botocore"; "awscli.botocore" exists only if imported by that name.
BOTOCORE_PACKAGES = ("botocore", "awscli.botocore")

_OPERATION_ATTR = "_iam_access_mock_operation"
_PATCHED_ATTR = "_iam_access_mock_patched"

# The fields botocore's signers read from frozen credentials (ReadOnlyCredentials).
_FakeCredentials = namedtuple("_FakeCredentials", ["access_key", "secret_key", "token"])
_FAKE_CREDENTIALS = _FakeCredentials(
    FAKE_ENVIRONMENT["AWS_ACCESS_KEY_ID"], FAKE_ENVIRONMENT["AWS_SECRET_ACCESS_KEY"], None
)


class _Body:
    """The ``raw`` of a botocore AWSResponse: a body already in memory."""

    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data

    def read(self, amt: int | None = None) -> bytes:
        data, self._data = (
            (self._data, b"") if amt is None else (self._data[:amt], self._data[amt:])
        )
        return data

    def close(self) -> None:
        pass


def _note_operation(wrapped: Any, instance: Any, args: tuple, kwargs: dict) -> Any:
    if active.world is not None:
        request = args[0] if args else kwargs["request"]
        operation = args[1] if len(args) > 1 else kwargs["operation_model"]
        context = args[2] if len(args) > 2 else kwargs.get("context") or {}
        setattr(request, _OPERATION_ATTR, (operation, context.get("client_region")))
    return wrapped(*args, **kwargs)


def _answerer(response_class: type) -> Callable[..., Any]:
    """The ``Endpoint._send`` wrapper of one botocore copy, building that copy's AWSResponse."""

    def answer(wrapped: Any, instance: Any, args: tuple, kwargs: dict) -> Any:
        world = active.world
        if world is None:
            return wrapped(*args, **kwargs)
        response = serve(world, args[0] if args else kwargs["request"])
        answer = response_class(
            response.url, response.status, response.headers, _Body(response.body)
        )
        answer._content = response.body  # already read: botocore never streams it
        return answer

    return answer


def _refuser(error_class: type) -> Callable[..., Any]:
    """The ``URLLib3Session.send`` wrapper of one botocore copy: no network while active."""

    def refuse(wrapped: Any, instance: Any, args: tuple, kwargs: dict) -> Any:
        if active.world is None:
            return wrapped(*args, **kwargs)
        request = args[0] if args else kwargs["request"]
        raise error_class(
            endpoint_url=f"{request.url} (refused by iam-access-mock: no network while active)"
        )

    return refuse


def _fake_credentials_for_anonymous_clients(
    wrapped: Any, instance: Any, args: tuple, kwargs: dict
) -> Any:
    auth = wrapped(*args, **kwargs)
    # Only a client created with no credentials reaches here with None: unsigned clients
    # get no auth object at all and keep sending unsigned requests.
    if (
        active.world is not None
        and auth is not None
        and getattr(auth, "credentials", True) is None
    ):
        auth.credentials = _FAKE_CREDENTIALS
    return auth


class ServedResponse:
    """What ``serve`` answers: status, headers and body, for the caller to wrap."""

    __slots__ = ("body", "headers", "status", "url")

    def __init__(self, url: str, status: int, headers: dict[str, str], body: bytes) -> None:
        self.url, self.status, self.headers, self.body = url, status, headers, body


def serve(world: Any, request: Any) -> ServedResponse:
    """Answer one prepared botocore request from ``world``."""
    noted = getattr(request, _OPERATION_ATTR, None)
    url = request.url
    if noted is None:
        raise NotServed(f"iam-access-mock could not tell which operation {request.method} {url} is")
    body = request.body
    if body is None:
        data = b""
    elif isinstance(body, bytes):
        data = body
    elif isinstance(body, str):
        data = body.encode("utf-8")
    else:
        data = b""  # a streaming upload: only unserved services take one
    parts = urlsplit(url)
    operation, client_region = noted
    response = handle(
        world,
        HttpRequest(request.method, url, parts.path, parts.query, request.headers, data),
        operation,
        client_region,
    )
    return ServedResponse(url, response.status, response.headers, response.body)


def install_copy(package: str) -> None:
    endpoint = sys.modules.get(package + ".endpoint")
    if endpoint is None:
        if package != "botocore":
            return
        endpoint = importlib.import_module("botocore.endpoint")
    # The mark lives on the module object itself: a copy that is unloaded and loaded
    # again is a new module and gets wrapped again.
    if getattr(endpoint, _PATCHED_ATTR, False):
        return
    root = endpoint.__name__.rsplit(".", 1)[0]
    awsrequest = importlib.import_module(root + ".awsrequest")
    exceptions = importlib.import_module(root + ".exceptions")
    httpsession = importlib.import_module(root + ".httpsession")
    signers = importlib.import_module(root + ".signers")
    wrapt.wrap_function_wrapper(endpoint, "Endpoint._do_get_response", _note_operation)
    wrapt.wrap_function_wrapper(endpoint, "Endpoint._send", _answerer(awsrequest.AWSResponse))
    wrapt.wrap_function_wrapper(
        httpsession, "URLLib3Session.send", _refuser(exceptions.EndpointConnectionError)
    )
    wrapt.wrap_function_wrapper(
        signers, "RequestSigner.get_auth_instance", _fake_credentials_for_anonymous_clients
    )
    setattr(endpoint, _PATCHED_ATTR, True)
