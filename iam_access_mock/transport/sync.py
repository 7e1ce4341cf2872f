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
* ``Endpoint._get_response`` is the fast path (issue 11): for an operation the mock serves,
  it still emits ``before-send`` (a handler that answers gets botocore's own handling of its
  response), then hands botocore the dict its parser would have produced from the rendered
  bytes (``protocol/parsed.py``) instead of writing and parsing them; the bytes are rendered
  only if someone reads the response's ``content``. A client takes the bytes path, decided
  once per client and operation and again whenever its handlers change, when it has handlers
  on ``before-parse`` or ``response-received``, a response parser factory with custom
  timestamp or blob parsers (the AWS CLI sets one) or of another class, or an endpoint of
  another class; every client does while botocore's debug logging or history recording is
  on, or while ``IAM_ACCESS_MOCK_BYTES=1`` (read at each activation) forces it.

The credentials a request is signed with while active are ``credentials.py``'s concern.
"""

from __future__ import annotations

import copy
import importlib
import logging
import os
import re
import sys
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import wrapt

from ..dispatch import Answer, answer, identify_and_record, route
from ..errors import MockConfigurationError, NotServed, ServiceError
from ..protocol import HttpRequest
from ..protocol.parsed import parsed_error, parsed_output, supports
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
    """Answer one prepared botocore request from ``world``, as bytes."""
    url, response = request.url, serve_answer(world, request).render()
    return ServedResponse(url, response.status, response.headers, response.body)


def serve_answer(world: Any, request: Any) -> Answer:
    """Answer one prepared botocore request from ``world``, before rendering."""
    # Taking the note tells the ``_do_get_response`` wrapper that the mock answered (and
    # recorded) this attempt; a retry of the same request is noted afresh.
    noted = request.__dict__.pop(_OPERATION_ATTR, None)
    url = request.url
    if noted is None:
        raise NotServed(f"iam-access-mock could not tell which operation {request.method} {url} is")
    body = request.body
    # Text (botocore's query form) is kept as text for the codec; a streaming upload is
    # taken only by services the mock does not serve.
    data = body if isinstance(body, (bytes, str)) else b""
    parts = urlsplit(url)
    operation, client_region = noted
    return answer(
        world,
        HttpRequest(request.method, url, parts.path, parts.query, request.headers, data),
        operation,
        client_region,
    )


# ---- the parsed-response fast path -----------------------------------------------------

BYTES_ENV = "IAM_ACCESS_MOCK_BYTES"
"""Set to ``1`` to make every in-process client take the bytes path (read per activation)."""

_bytes_switch: tuple[Any, bool] = (None, False)  # (the world it was read for, forced)
_FAST_ATTR = "_iam_access_mock_fast"


def bytes_forced(world: Any) -> bool:
    """Whether ``IAM_ACCESS_MOCK_BYTES`` forces the bytes path; read once per activation."""
    global _bytes_switch
    seen, forced = _bytes_switch
    if seen is not world:
        forced = os.environ.get(BYTES_ENV, "").strip() not in ("", "0")
        _bytes_switch = (world, forced)
    return forced


class FastPlan:
    """What the fast path needs to answer one operation for one client."""

    __slots__ = ("before_send", "protocol")

    def __init__(self, before_send: str, protocol: str) -> None:
        self.before_send, self.protocol = before_send, protocol


def fast_plan(endpoint: Any, operation: OperationModel, factory_class: type) -> FastPlan | None:
    """The fast path's plan for ``operation`` on ``endpoint``'s client, or None for bytes.

    Decided once per client and operation, and again after any handler is registered or
    unregistered on the client (botocore's emitter then starts a new lookup cache).
    """
    emitter = endpoint._event_emitter
    inner = getattr(emitter, "_emitter", emitter)  # an EventAliaser wraps the real emitter
    lookup = getattr(inner, "_lookup_cache", None)
    if lookup is None:
        return None
    plans = endpoint.__dict__.get(_FAST_ATTR)
    if plans is None:
        plans = endpoint.__dict__[_FAST_ATTR] = {}
    found = plans.get(operation.name)
    if found is not None and found[0] is lookup:
        plan: FastPlan | None = found[1]
    else:
        plan = _decide(emitter, inner, operation)
        plans[operation.name] = (lookup, plan)
    if plan is None:
        return None
    factory: Any = endpoint._response_parser_factory
    # Parser defaults (the AWS CLI's timestamp parser) change what parsing returns.
    kind: Any = type(factory)
    if kind is not factory_class or factory._defaults:
        return None
    return plan


def _decide(emitter: Any, inner: Any, operation: OperationModel) -> FastPlan | None:
    served = route(operation)
    if served.provider is None or not supports(operation, served.protocol):
        return None
    checksum = operation.http_checksum
    if checksum and checksum.get("responseAlgorithms"):
        return None
    prefix_search = getattr(getattr(inner, "_handlers", None), "prefix_search", None)
    if prefix_search is None:
        return None
    alias = getattr(emitter, "_alias_event_name", lambda name: name)
    service_id = operation.service_model.service_id.hyphenize()
    for event in ("before-parse", "response-received"):
        # Handlers there read the response bytes (or may): that client gets the bytes.
        if prefix_search(alias(f"{event}.{service_id}.{operation.name}")):
            return None
    return FastPlan(f"before-send.{service_id}.{operation.name}", served.protocol)


def parsed_answer(plan: FastPlan, served: Answer) -> tuple[int, dict[str, str], dict[str, Any]]:
    """Status, headers and botocore's parsed dict for an answer, without its bytes."""
    codec, operation, request_id = served.codec, served.operation, served.request_id
    if served.error is None:
        assert served.output is not None
        status, headers = codec.success_head(operation, request_id)
        parsed = parsed_output(plan.protocol, operation, served.output, request_id, status, headers)
    else:
        status, headers = codec.error_head(operation, served.error, request_id)
        parsed = parsed_error(plan.protocol, operation, served.error, request_id, status, headers)
    return status, headers, parsed


def _lazy_response_class(response_class: type) -> type:
    """A subclass of one botocore copy's AWSResponse whose body is rendered when read."""

    class ParsedResponse(response_class):  # type: ignore[misc, valid-type]
        def __init__(self, url: str, status: int, headers: dict[str, str], served: Answer) -> None:
            self._served: Answer | None = served
            self._raw: _Body | None = None
            super().__init__(url, status, headers, None)

        @property
        def content(self) -> bytes:
            if self._content is None:
                served, self._served = self._served, None
                self._content: bytes | None = served.render().body if served is not None else b""
            return self._content

        @property
        def raw(self) -> _Body:
            if self._raw is None:
                self._raw = _Body(self.content)
            return self._raw

        @raw.setter
        def raw(self, value: Any) -> None:
            if value is not None:
                self._raw = value

    ParsedResponse.__name__ = ParsedResponse.__qualname__ = "ParsedResponse"
    return ParsedResponse


class _AnsweredBeforeSend:
    """An emitter that replays the response a ``before-send`` handler already gave."""

    def __init__(self, emitter: Any, event_name: str, response: Any) -> None:
        self._emitter, self._event_name, self._response = emitter, event_name, response

    def emit(self, event_name: str, **kwargs: Any) -> Any:
        if event_name == self._event_name:
            return [(None, self._response)]
        return self._emitter.emit(event_name, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._emitter, name)


def _fast_responder(
    endpoint_class: type, response_class: type, factory_class: type, history: Any, loggers: tuple
) -> Callable[..., Any]:
    """The ``Endpoint._get_response`` wrapper of one botocore copy."""
    lazy_class = _lazy_response_class(response_class)
    sending_log, parsing_log = loggers

    def get_response(wrapped: Any, instance: Any, args: tuple, kwargs: dict) -> Any:
        world = active.world
        # A subclass may override what the fast path stands in for: it takes the bytes.
        kind: Any = type(instance)
        if world is None or kind is not endpoint_class:
            return wrapped(*args, **kwargs)
        request = args[0] if args else kwargs["request"]
        operation = args[1] if len(args) > 1 else kwargs["operation_model"]
        context = args[2] if len(args) > 2 else kwargs.get("context") or {}
        plan = fast_plan(instance, operation, factory_class)
        if (
            plan is None
            or bytes_forced(world)
            or history._enabled
            or sending_log.isEnabledFor(logging.DEBUG)  # botocore logs the bytes then
            or parsing_log.isEnabledFor(logging.DEBUG)
        ):
            return wrapped(*args, **kwargs)
        client_region = context.get("client_region")
        setattr(request, _OPERATION_ATTR, (operation, client_region))
        try:
            try:
                responses = instance._event_emitter.emit(plan.before_send, request=request)
                http_response = first_non_none(responses)
                if http_response is None:
                    served = serve_answer(world, request)
                    status, headers, parsed = parsed_answer(plan, served)
                    return (lazy_class(request.url, status, headers, served), parsed), None
            except Exception as exc:  # noqa: BLE001 (as botocore's _do_get_response returns it)
                return None, exc
            proxy = copy.copy(instance)
            proxy._event_emitter = _AnsweredBeforeSend(
                instance._event_emitter, plan.before_send, http_response
            )
            # No handler listens on response-received (the plan says so): nothing to emit.
            return _original(endpoint_class, "_do_get_response")(proxy, request, operation, context)
        finally:
            settle_operation(world, request, operation, client_region)

    return get_response


def first_non_none(responses: Any) -> Any:
    for _, response in responses:
        if response is not None:
            return response
    return None


def _original(cls: type, name: str) -> Any:
    """The method ``name`` of ``cls`` under the mock's wrapt wrapper."""
    method = cls.__dict__[name]
    return getattr(method, "__wrapped__", method)


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
    parsers = importlib.import_module(root + ".parsers")
    wrapt.wrap_function_wrapper(
        endpoint,
        "Endpoint._get_response",
        _fast_responder(
            endpoint.Endpoint,
            awsrequest.AWSResponse,
            parsers.ResponseParserFactory,
            endpoint.history_recorder,
            (endpoint.logger, parsers.LOG),
        ),
    )
    wrapt.wrap_function_wrapper(
        httpsession, "URLLib3Session.send", _refuser(exceptions.EndpointConnectionError)
    )
    setattr(endpoint, _PATCHED_ATTR, True)
