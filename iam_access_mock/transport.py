"""The only module that touches botocore internals.

Two wrapt wrappers on ``botocore.endpoint.Endpoint`` are installed once per botocore module
(the AWS CLI v1 can load its own copy under the name ``botocore``) and do nothing unless a
world is active: ``_do_get_response`` notes the operation model on the prepared request, and
``_send`` answers it from the world instead of the network. Because this sits below the
client, clients created before activation are served too, and botocore still validates,
serializes, signs, retries and parses. A guard on ``URLLib3Session.send`` refuses any other
HTTP request botocore would make while active (instance metadata, SSO, ...).
"""

from __future__ import annotations

import sys
import threading
from typing import Any, Optional
from urllib.parse import urlsplit

import wrapt

from .protocol import HttpRequest

_lock = threading.Lock()
_active_world: Any = None
_patched: set[int] = set()  # id() of each botocore.endpoint module already wrapped

_OPERATION_ATTR = "_iam_access_mock_operation"


class _Body:
    """The ``raw`` of a botocore AWSResponse: a body already in memory."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data

    def read(self, amt: Optional[int] = None) -> bytes:
        data, self._data = (self._data, b"") if amt is None else (self._data[:amt], self._data[amt:])
        return data

    def close(self) -> None:
        pass


def _note_operation(wrapped: Any, instance: Any, args: tuple, kwargs: dict) -> Any:
    if _active_world is not None:
        request = args[0] if args else kwargs["request"]
        operation = args[1] if len(args) > 1 else kwargs["operation_model"]
        context = args[2] if len(args) > 2 else kwargs.get("context") or {}
        setattr(request, _OPERATION_ATTR, (operation, context.get("client_region")))
    return wrapped(*args, **kwargs)


def _answer(wrapped: Any, instance: Any, args: tuple, kwargs: dict) -> Any:
    world = _active_world
    if world is None:
        return wrapped(*args, **kwargs)
    request = args[0] if args else kwargs["request"]
    return serve(world, request)


def _refuse(wrapped: Any, instance: Any, args: tuple, kwargs: dict) -> Any:
    if _active_world is None:
        return wrapped(*args, **kwargs)
    request = args[0] if args else kwargs["request"]
    from botocore.exceptions import EndpointConnectionError

    raise EndpointConnectionError(endpoint_url=f"{request.url} (refused by iam-access-mock: no network while active)")


def serve(world: Any, request: Any) -> Any:
    """Answer one prepared botocore request from ``world``."""
    from botocore.awsrequest import AWSResponse

    from .dispatch import handle
    from .errors import NotServed

    noted = getattr(request, _OPERATION_ATTR, None)
    url = request.url
    parts = urlsplit(url)
    body = request.body
    if body is None:
        data = b""
    elif isinstance(body, bytes):
        data = body
    elif isinstance(body, str):
        data = body.encode("utf-8")
    else:
        data = b""  # a streaming upload: only unserved services take one
    http_request = HttpRequest(request.method, url, parts.path, parts.query, request.headers, data)
    if noted is None:
        raise NotServed(f"iam-access-mock could not tell which operation {request.method} {url} is")
    operation, client_region = noted
    response = handle(world, http_request, operation, client_region)
    answer = AWSResponse(url, response.status, response.headers, _Body(response.body))
    answer._content = response.body
    return answer


def install() -> None:
    """Wrap every loaded botocore copy once; cheap to call again."""
    with _lock:
        for name in ("botocore.endpoint", "awscli.botocore.endpoint"):
            module = sys.modules.get(name)
            if module is None and name == "botocore.endpoint":
                import botocore.endpoint as module  # type: ignore[no-redef]
            if module is None or id(module) in _patched:
                continue
            wrapt.wrap_function_wrapper(module, "Endpoint._do_get_response", _note_operation)
            wrapt.wrap_function_wrapper(module, "Endpoint._send", _answer)
            session_module = sys.modules.get(module.__name__.rsplit(".", 1)[0] + ".httpsession")
            if session_module is not None:
                wrapt.wrap_function_wrapper(session_module, "URLLib3Session.send", _refuse)
            _patched.add(id(module))


def activate(world: Any) -> None:
    global _active_world
    install()
    _active_world = world


def deactivate() -> None:
    global _active_world
    _active_world = None
