"""The wrappers on aiobotocore's classes (aioboto3 builds its clients on them).

aiobotocore subclasses botocore's Endpoint, RequestSigner and sessions but overrides the
methods ``sync`` wraps with coroutines, so the same interception needs its own, async,
wrappers. They are installed once per loaded aiobotocore, at activation if it is already
imported or from a post-import hook if it is imported later, and do nothing unless a world
is active:

* ``AioEndpoint._do_get_response`` notes the operation model on the prepared request, and
  ``AioEndpoint._send`` answers it from the world with ``sync.serve``, the same dispatch
  botocore clients get: only the response object differs (an ``AioAWSResponse``, whose
  ``content`` is awaited).
* ``AioEndpoint._get_response`` is the fast path of ``sync`` for aiobotocore clients: the
  same plan (``sync.fast_plan``) and parsed dict, an ``AioAWSResponse`` whose awaited
  ``content`` is rendered only if read.
* ``AioRequestSigner.get_auth_instance`` gives a client created with no credentials at all
  the mock's fake ones.
* ``AIOHTTPSession.send`` and ``HttpxSession.send`` refuse any other HTTP request
  aiobotocore would make while active (instance metadata, container credentials, ...).

Nothing here imports aiobotocore until it is loaded by its user: importing the mock must
not pay for aiohttp.
"""

from __future__ import annotations

import copy
import importlib
import logging
import sys
import threading
from types import ModuleType
from typing import Any

import wrapt
from botocore.exceptions import EndpointConnectionError

from . import active, credentials, sync
from .credentials import lend_fake_credentials

PACKAGE = "aiobotocore"

_PATCHED_ATTR = "_iam_access_mock_patched"
_wrap_lock = threading.Lock()
_hook_pending = False


class _Body:
    """The ``raw`` of an AioAWSResponse: a body already in memory, read with ``await``."""

    __slots__ = ("_data", "_headers")

    def __init__(self, data: bytes, headers: dict[str, str]) -> None:
        self._data = data
        self._headers = headers

    @property
    def raw_headers(self) -> tuple[tuple[bytes, bytes], ...]:
        """The headers as aiohttp gives them: aiobotocore before 2.13 reads them from here."""
        return tuple(
            (name.encode("utf-8"), value.encode("utf-8")) for name, value in self._headers.items()
        )

    async def read(self, amt: int | None = None) -> bytes:
        data, self._data = (
            (self._data, b"") if amt is None else (self._data[:amt], self._data[amt:])
        )
        return data

    def close(self) -> None:
        pass


async def _note_operation(
    wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    world = active.world
    if world is None:
        return await wrapped(*args, **kwargs)
    # The note must outlive the await: the request reaches ``_send`` inside the coroutine.
    request, operation, client_region = sync.note_operation(args, kwargs)
    try:
        return await wrapped(*args, **kwargs)
    finally:
        sync.settle_operation(world, request, operation, client_region)


def _answerer(response_class: type) -> Any:
    """The ``AioEndpoint._send`` wrapper, building aiobotocore's own AioAWSResponse."""

    async def answer(
        wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        world = active.world
        if world is None:
            return await wrapped(*args, **kwargs)
        served = sync.serve(world, args[0] if args else kwargs["request"])
        response = response_class(
            served.url, served.status, served.headers, _Body(served.body, served.headers)
        )
        # Already read: ``await response.content`` answers this without touching ``raw``.
        response._content = served.body
        return response

    return answer


def _lazy_response_class(response_class: type) -> type:
    """An AioAWSResponse whose body is rendered when ``await response.content`` asks."""

    class ParsedResponse(response_class):  # type: ignore[misc, valid-type]
        def __init__(
            self, url: str, status: int, headers: dict[str, str], served: sync.Answer
        ) -> None:
            self._served: sync.Answer | None = served
            self._raw: _Body | None = None
            super().__init__(url, status, headers, None)

        def _render(self) -> bytes:
            if self._content is None:
                served, self._served = self._served, None
                self._content: bytes | None = (
                    served.render().body if served is not None else b""
                )
            return self._content

        async def _content_prop(self) -> bytes:
            return self._render()

        @property
        def raw(self) -> _Body:
            if self._raw is None:
                self._raw = _Body(self._render(), dict(self.headers))
            return self._raw

        @raw.setter
        def raw(self, value: Any) -> None:
            if value is not None:
                self._raw = value

    ParsedResponse.__name__ = ParsedResponse.__qualname__ = "ParsedResponse"
    return ParsedResponse


class _AnsweredBeforeSend:
    """An async emitter that replays the response a ``before-send`` handler already gave."""

    def __init__(self, emitter: Any, event_name: str, response: Any) -> None:
        self._emitter, self._event_name, self._response = emitter, event_name, response

    async def emit(self, event_name: str, **kwargs: Any) -> Any:
        if event_name == self._event_name:
            return [(None, self._response)]
        return await self._emitter.emit(event_name, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._emitter, name)


def _fast_responder(
    endpoint_class: type, response_class: type, factory_class: type, history: Any, loggers: tuple
) -> Any:
    """The ``AioEndpoint._get_response`` wrapper: ``sync``'s fast path, awaited."""
    lazy_class = _lazy_response_class(response_class)
    sending_log, parsing_log = loggers

    async def get_response(
        wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        world = active.world
        # A subclass may override what the fast path stands in for: it takes the bytes.
        kind: Any = type(instance)
        if world is None or kind is not endpoint_class:
            return await wrapped(*args, **kwargs)
        request = args[0] if args else kwargs["request"]
        operation = args[1] if len(args) > 1 else kwargs["operation_model"]
        context = args[2] if len(args) > 2 else kwargs.get("context") or {}
        plan = sync.fast_plan(instance, operation, factory_class)
        if (
            plan is None
            or sync.bytes_forced(world)
            or history._enabled
            or sending_log.isEnabledFor(logging.DEBUG)  # botocore logs the bytes then
            or parsing_log.isEnabledFor(logging.DEBUG)
        ):
            return await wrapped(*args, **kwargs)
        client_region = context.get("client_region")
        sync.note_operation((request, operation, context), {})
        try:
            try:
                responses = await instance._event_emitter.emit(plan.before_send, request=request)
                http_response = sync.first_non_none(responses)
                if http_response is None:
                    served = sync.serve_answer(world, request)
                    status, headers, parsed = sync.parsed_answer(plan, served)
                    return (lazy_class(request.url, status, headers, served), parsed), None
            except Exception as exc:  # noqa: BLE001 (as aiobotocore's _do_get_response does)
                return None, exc
            proxy = copy.copy(instance)
            proxy._event_emitter = _AnsweredBeforeSend(
                instance._event_emitter, plan.before_send, http_response
            )
            original = endpoint_class.__dict__["_do_get_response"]
            original = getattr(original, "__wrapped__", original)
            return await original(proxy, request, operation, context)
        finally:
            sync.settle_operation(world, request, operation, client_region)

    return get_response


async def _refuse(
    wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """The ``AIOHTTPSession.send`` (and ``HttpxSession.send``) wrapper: no network while active."""
    if active.world is None:
        return await wrapped(*args, **kwargs)
    request = args[0] if args else kwargs["request"]
    raise EndpointConnectionError(endpoint_url=f"{request.url} ({sync.REFUSED})")


async def _fake_credentials_for_anonymous_clients(
    wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    auth = await wrapped(*args, **kwargs)
    return lend_fake_credentials(auth)


def _wrap(root: str) -> None:
    """Wrap one loaded aiobotocore (``root`` is its package name) unless already wrapped."""
    # Imported before taking the lock: an import can run the post-import hook, in this
    # thread or another one that already holds the import lock of the package.
    endpoint = importlib.import_module(root + ".endpoint")
    awsrequest = importlib.import_module(root + ".awsrequest")
    httpsession = importlib.import_module(root + ".httpsession")
    signers = importlib.import_module(root + ".signers")
    httpxsession = _optional_module(root + ".httpxsession")  # only where the httpx backend is
    with _wrap_lock:
        # The mark lives on the module object: an aiobotocore unloaded and imported again
        # is new module objects and gets wrapped again.
        if getattr(endpoint, _PATCHED_ATTR, False):
            return
        wrapt.wrap_function_wrapper(endpoint, "AioEndpoint._do_get_response", _note_operation)
        wrapt.wrap_function_wrapper(
            endpoint, "AioEndpoint._send", _answerer(awsrequest.AioAWSResponse)
        )
        parsers = importlib.import_module(root + ".parsers")
        wrapt.wrap_function_wrapper(
            endpoint,
            "AioEndpoint._get_response",
            _fast_responder(
                endpoint.AioEndpoint,
                awsrequest.AioAWSResponse,
                parsers.AioResponseParserFactory,
                endpoint.history_recorder,
                (endpoint.logger, parsers.LOG),
            ),
        )
        wrapt.wrap_function_wrapper(httpsession, "AIOHTTPSession.send", _refuse)
        if httpxsession is not None:
            wrapt.wrap_function_wrapper(httpxsession, "HttpxSession.send", _refuse)
        wrapt.wrap_function_wrapper(
            signers, "AioRequestSigner.get_auth_instance", _fake_credentials_for_anonymous_clients
        )
        setattr(endpoint, _PATCHED_ATTR, True)
    # Its sessions and credentials too, from the same hook: one place decides when.
    credentials.wrap_aio(root)


def _optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _on_import(module: ModuleType) -> None:
    global _hook_pending
    _hook_pending = False  # wrapt forgets a hook once it has run
    _wrap(module.__name__)


def install() -> None:
    """Wrap aiobotocore now if it is loaded, or else as soon as it is imported; cheap to repeat."""
    global _hook_pending
    if PACKAGE in sys.modules:
        endpoint = sys.modules.get(PACKAGE + ".endpoint")
        if endpoint is None or not getattr(endpoint, _PATCHED_ATTR, False):
            _wrap(PACKAGE)
    elif not _hook_pending:
        # One hook at a time: activations repeat, and each hook would stay registered.
        _hook_pending = True
        wrapt.register_post_import_hook(_on_import, PACKAGE)
