"""From a raw HTTP request to the botocore operation it calls.

In process, botocore hands the mock its ``OperationModel``; over HTTP the server finds it the
way AWS's front ends do: the SigV4 credential scope names the signing service, and within
that service the protocol names the operation (``X-Amz-Target`` for json, the form's
``Action`` for query and ec2, the method and URI against ``http.requestUri`` for rest-json and
rest-xml, ``/service/<name>/operation/<op>`` for RPC v2 CBOR). No service is named here: the
served ones come from ``services.served_services()``, any other from botocore's models, so
that a call to a service the mock does not serve is still recorded and answered with
``NotServed``, as in process.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

import botocore.session
from botocore.exceptions import DataNotFoundError, UnknownServiceError
from botocore.model import OperationModel, ServiceModel

from ..services import served_services

_session_lock = threading.Lock()
_index_lock = threading.Lock()
_signing_index: dict[str, tuple[str, ...]] | None = None


@lru_cache(maxsize=1)
def _session() -> Any:
    # A private session: the user's default session (profiles, handlers) is none of ours.
    return botocore.session.get_session()


@lru_cache(maxsize=64)
def service_model(service_name: str) -> ServiceModel | None:
    """botocore's model of a service, cached so that the codecs' per-shape caches live on."""
    try:
        with _session_lock:
            return _session().get_service_model(service_name)  # type: ignore[no-any-return]
    except (UnknownServiceError, DataNotFoundError):
        return None


@lru_cache(maxsize=1)
def _served_by_signing_name() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for name in served_services():
        model = service_model(name)
        if model is not None:
            found.setdefault(model.signing_name, []).append(name)
    return {key: tuple(value) for key, value in found.items()}


def _full_signing_index() -> dict[str, tuple[str, ...]]:
    """Signing name -> botocore service names, for every service botocore has.

    Built once, on the first request whose signing name is neither served nor a botocore
    service name (``monitoring`` is CloudWatch): it reads every model, about 3 s.
    """
    global _signing_index
    with _index_lock:
        if _signing_index is None:
            loader = _session().get_component("data_loader")
            index: dict[str, list[str]] = {}
            for name in _session().get_available_services():
                try:
                    metadata = loader.load_service_model(name, "service-2")["metadata"]
                except DataNotFoundError:
                    continue
                signing = metadata.get("signingName", metadata.get("endpointPrefix", name))
                index.setdefault(signing, []).append(name)
            _signing_index = {key: tuple(value) for key, value in index.items()}
        return _signing_index


def services_for_signing_name(signing_name: str) -> tuple[str, ...]:
    """The botocore service names that sign as ``signing_name``, served ones first."""
    served = _served_by_signing_name().get(signing_name)
    if served:
        return served
    if signing_name in _available_services():
        return (signing_name,)
    return _full_signing_index().get(signing_name, ())


@lru_cache(maxsize=1)
def _available_services() -> frozenset[str]:
    return frozenset(_session().get_available_services())


def served_service_names() -> tuple[str, ...]:
    """Every served service, for routing a request that carries no credential scope."""
    return tuple(name for names in _served_by_signing_name().values() for name in names)


@dataclass(frozen=True)
class RawRequest:
    """What routing reads off an HTTP request."""

    method: str
    path: str  # percent-encoded, as sent
    query: str
    target: str | None  # X-Amz-Target
    form: bytes  # the body, read only for query-protocol services


def find_operation(model: ServiceModel, request: RawRequest) -> OperationModel | None:
    """The operation of ``model`` that ``request`` calls, or None."""
    protocols = _protocols(model)
    if request.target is not None:
        prefix, _, name = request.target.partition(".")
        if prefix == model.metadata.get("targetPrefix") and name in _operation_names(model):
            return model.operation_model(name)
        return None
    cbor = _CBOR_PATH.fullmatch(request.path)
    if cbor is not None and "smithy-rpc-v2-cbor" in protocols:
        name = cbor.group(2)
        return model.operation_model(name) if name in _operation_names(model) else None
    if protocols & {"query", "ec2"}:
        action = _action(request)
        if action is not None:
            return model.operation_model(action) if action in _operation_names(model) else None
    if protocols & {"rest-json", "rest-xml"}:
        return _match_uri(model, request)
    return None


_CBOR_PATH = re.compile(r"/service/([^/]+)/operation/([^/]+)")


def _protocols(model: ServiceModel) -> frozenset[str]:
    metadata = model.metadata
    return frozenset(metadata.get("protocols") or [metadata["protocol"]])


def _operation_names(model: ServiceModel) -> frozenset[str]:
    names = model.__dict__.get("_iam_mock_operation_names")
    if names is None:
        names = frozenset(model.operation_names)
        model.__dict__["_iam_mock_operation_names"] = names
    return names  # type: ignore[no-any-return]


def _action(request: RawRequest) -> str | None:
    # Lenient on purpose: the query codec parses the form strictly and answers a malformed
    # one with MalformedQueryString; routing only needs the action's name.
    for source in (request.form, request.query.encode("latin-1", "replace")):
        if not source:
            continue
        for key, value in parse_qsl(source.decode("utf-8", "replace"), keep_blank_values=True):
            if key == "Action":
                return value
    return None


@dataclass(frozen=True)
class _UriRoute:
    method: str
    pattern: re.Pattern[str]
    query_keys: frozenset[str]
    specificity: tuple[int, int]
    name: str


def _uri_routes(model: ServiceModel) -> list[_UriRoute]:
    routes = model.__dict__.get("_iam_mock_uri_routes")
    if routes is None:
        routes = sorted(
            (_uri_route(model.operation_model(name)) for name in model.operation_names),
            key=lambda route: route.specificity,
            reverse=True,
        )
        model.__dict__["_iam_mock_uri_routes"] = routes
    return routes  # type: ignore[no-any-return]


def _uri_route(operation: OperationModel) -> _UriRoute:
    template, _, query = operation.http.get("requestUri", "/").partition("?")
    regex, literal = "", 0
    for text, label in re.findall(r"([^{]*)(?:\{([^}]+)\})?", template):
        regex += re.escape(text)
        literal += len(text)
        if label:
            regex += ".+" if label.endswith("+") else "[^/]+"
    keys = frozenset(key for key, _ in parse_qsl(query, keep_blank_values=True))
    # The server's endpoint URL has no base path, so the path is the operation's own.
    pattern = re.compile(regex + "/?")
    return _UriRoute(operation.http.get("method", "POST"), pattern, keys, (len(keys), literal), operation.name)


def _match_uri(model: ServiceModel, request: RawRequest) -> OperationModel | None:
    present: frozenset[str] | None = None
    for route in _uri_routes(model):
        if route.method != request.method or route.pattern.fullmatch(request.path) is None:
            continue
        if route.query_keys:
            if present is None:
                present = frozenset(k for k, _ in parse_qsl(request.query, keep_blank_values=True))
            if not route.query_keys <= present:
                continue
        return model.operation_model(route.name)
    return None
