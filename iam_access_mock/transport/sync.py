"""The wrappers on botocore's own (synchronous) classes.

Wrappers on each loaded botocore copy (the AWS CLI v1 can load its own copy under the name
``botocore``) are installed once and do nothing unless a world is active:

* ``Endpoint._do_get_response`` notes the operation model on the prepared request, and
  ``Endpoint._send`` answers it from the world instead of the network. Because this sits
  below the client, clients created before activation are served too, and botocore still
  validates, serializes, signs, retries and parses. A call that a ``before-send`` handler
  answers first (moto's, see ``moto.py``) never reaches ``_send``; the
  ``_do_get_response`` wrapper records it as activity all the same.
* ``URLLib3Session.send`` refuses any other HTTP request botocore would make while active
  (instance metadata, SSO, container credentials, ...).

The credentials a request is signed with while active are ``credentials.py``'s concern.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import wrapt

from ..dispatch import handle, identify_and_record
from ..errors import MockConfigurationError, NotServed, ServiceError
from ..protocol import HttpRequest
from . import active

if TYPE_CHECKING:
    from botocore.model import OperationModel

# Package names under which a botocore copy may be loaded. The AWS CLI v1 aliases its
# bundled copy to "botocore"; "awscli.botocore" exists only if imported by that name.
BOTOCORE_PACKAGES = ("botocore", "awscli.botocore")

_OPERATION_ATTR = "_iam_access_mock_operation"
# Part of the message of the EndpointConnectionError that any other request gets while active.
REFUSED = "refused by iam-access-mock: no network while active"
_PATCHED_ATTR = "_iam_access_mock_patched"


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
    world = active.world
    if world is None:
        return wrapped(*args, **kwargs)
    request, operation, client_region = note_operation(args, kwargs)
    try:
        return wrapped(*args, **kwargs)
    finally:
        settle_operation(world, request, operation, client_region)


def note_operation(args: tuple, kwargs: dict) -> tuple[Any, OperationModel, str | None]:
    """Note the operation on the request of a ``_do_get_response(request, operation_model,
    context)`` call (botocore's or aiobotocore's), for ``serve``; the noted facts."""
    request = args[0] if args else kwargs["request"]
    operation = args[1] if len(args) > 1 else kwargs["operation_model"]
    context = args[2] if len(args) > 2 else kwargs.get("context") or {}
    client_region = context.get("client_region")
    setattr(request, _OPERATION_ATTR, (operation, client_region))
    return request, operation, client_region


def settle_operation(
    world: Any, request: Any, operation: OperationModel, client_region: str | None
) -> None:
    """After ``_do_get_response``: record the attempt if the mock did not answer it.

    ``serve`` takes the note away. A note still here means a ``before-send`` handler
    (moto's, or any other) answered or refused the call before ``_send``: it is an attempt
    all the same, recorded for its principal through the same function as a served call.
    A key the world rejects (deactivated, deleted, an expired session) records nothing and
    changes nothing: the answer stays the one that handler gave, because the mock never
    rewrites another mock's answers, and a call that fails authentication counts for no one
    (the mock's own answer to it, InvalidClientTokenId, records nothing either).
    """
    if request.__dict__.pop(_OPERATION_ATTR, None) is None:
        return
    try:
        identify_and_record(world, request.headers.get("Authorization"), operation, client_region)
    except ServiceError:
        pass


def noted_operation(request: Any) -> OperationModel | None:
    """The operation of a request on its way to ``Endpoint._send`` while a world is active."""
    noted = getattr(request, _OPERATION_ATTR, None)
    return None if noted is None else noted[0]


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
        raise error_class(endpoint_url=f"{request.url} ({REFUSED})")

    return refuse


class ServedResponse:
    """What ``serve`` answers: status, headers and body, for the caller to wrap."""

    __slots__ = ("body", "headers", "status", "url")

    def __init__(self, url: str, status: int, headers: dict[str, str], body: bytes) -> None:
        self.url, self.status, self.headers, self.body = url, status, headers, body


def serve(world: Any, request: Any) -> ServedResponse:
    """Answer one prepared botocore request from ``world``."""
    # Taking the note tells the ``_do_get_response`` wrapper that the mock answered (and
    # recorded) this attempt; a retry of the same request is noted afresh.
    noted = request.__dict__.pop(_OPERATION_ATTR, None)
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


# The oldest botocore the test suite passes on; pyproject.toml and .ci/constraints-floor.txt
# name the same version (tests/test_versions.py holds the three equal).
MINIMUM_BOTOCORE = "1.40.15"


@lru_cache(maxsize=8)
def _release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def check_supported(package: str, version: str) -> None:
    """Refuse a botocore older than the oldest one the mock is tested with, by name."""
    if _release(version) < _release(MINIMUM_BOTOCORE):
        raise MockConfigurationError(
            f"iam-access-mock needs botocore >= {MINIMUM_BOTOCORE}; this process loaded "
            f"{package} {version}: upgrade it (pip install -U 'botocore>={MINIMUM_BOTOCORE}')"
        )


def install_copy(package: str) -> None:
    endpoint = sys.modules.get(package + ".endpoint")
    if endpoint is None:
        if package != "botocore":
            return
        endpoint = importlib.import_module("botocore.endpoint")
    root = endpoint.__name__.rsplit(".", 1)[0]
    check_supported(root, getattr(sys.modules[root], "__version__", "0"))
    # The mark lives on the module object itself: a copy that is unloaded and loaded
    # again is a new module and gets wrapped again.
    if getattr(endpoint, _PATCHED_ATTR, False):
        return
    awsrequest = importlib.import_module(root + ".awsrequest")
    exceptions = importlib.import_module(root + ".exceptions")
    httpsession = importlib.import_module(root + ".httpsession")
    wrapt.wrap_function_wrapper(endpoint, "Endpoint._do_get_response", _note_operation)
    wrapt.wrap_function_wrapper(endpoint, "Endpoint._send", _answerer(awsrequest.AWSResponse))
    wrapt.wrap_function_wrapper(
        httpsession, "URLLib3Session.send", _refuser(exceptions.EndpointConnectionError)
    )
    setattr(endpoint, _PATCHED_ATTR, True)
