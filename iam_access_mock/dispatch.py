"""One request through the mock: identify the caller, record the attempt, parse, call
the handler, render. Nothing here knows a wire format or a service's rules."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from botocore.model import OperationModel

from .errors import NotServed, ServiceError, credential_error_for
from .identity import Principal, credential_scope
from .policy.prefixes import iam_prefix_for
from .protocol import Codec, HttpRequest, HttpResponse, codec_for, protocol_of
from .protocol.constraints import check
from .service import RequestContext
from .services import provider_for
from .world import World


def iam_prefix(operation: OperationModel) -> str:
    """The IAM service prefix (action namespace) of a botocore service."""
    return iam_prefix_for(operation.service_model)


# A private generator: request ids need no cryptography (uuid4 reads os.urandom, ~5 us a
# call), and using the global ``random`` would shift the sequence of a test that seeds it.
_request_ids = random.Random()
_UUID4_CLEAR = ~((0xF << 76) | (0x3 << 62))  # the version nibble and the variant bits
_UUID4_SET = (0x4 << 76) | (0x2 << 62)  # version 4, RFC 4122 variant


def new_request_id() -> str:
    """A random version-4 UUID, as AWS request ids are."""
    digits = "%032x" % (_request_ids.getrandbits(128) & _UUID4_CLEAR | _UUID4_SET)
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def identify_and_record(
    world: World,
    authorization: Any,
    operation: OperationModel,
    client_region: str | None,
    namespace: str | None = None,
) -> tuple[Principal, str, bool]:
    """Identify the caller of one call and record the attempt as its principal's activity.

    The one way a call becomes activity, whoever answers it: ``handle`` for the calls the
    mock serves, the transport for calls a ``before-send`` handler (moto's) answered.
    Returns the principal, the region the call counts in (the signing region, else the
    client's) and whether the request was signed. A key ``World.identify`` rejects raises
    (InvalidClientTokenId, ExpiredToken) and records nothing.
    """
    scope = credential_scope(_as_bytes(authorization))
    access_key_id, region = (scope[0], scope[1]) if scope else (None, client_region or "us-east-1")
    with world.lock:
        principal = world.identify(access_key_id)
        if principal.attributed:
            world.record_call(
                principal, namespace or iam_prefix(operation), operation.name, region
            )
    return principal, region, scope is not None


class Answer:
    """The outcome of one served request, before it is written: the handler's output or the
    error, with what rendering needs. ``render`` writes the bytes (server mode, clients that
    need them); ``transport`` hands a botocore client ``protocol.parsed``'s dict instead."""

    __slots__ = ("codec", "error", "operation", "output", "protocol", "request_id")

    def __init__(
        self,
        protocol: str,
        codec: Codec,
        operation: OperationModel,
        request_id: str,
        output: Mapping[str, Any] | None,
        error: ServiceError | None,
    ) -> None:
        self.protocol, self.codec, self.operation = protocol, codec, operation
        self.request_id, self.output, self.error = request_id, output, error

    def render(self) -> HttpResponse:
        if self.error is not None:
            return self.codec.render_error(self.operation, self.error, self.request_id)
        assert self.output is not None
        return self.codec.render(self.operation, self.output, self.request_id)


class _Route:
    """What serving one operation needs, looked up once per operation model."""

    __slots__ = ("codec", "handler", "iam_prefix", "protocol", "provider")

    def __init__(self, operation: OperationModel) -> None:
        service_model = operation.service_model
        self.protocol = protocol_of(service_model)
        self.codec = codec_for(self.protocol)
        self.provider = provider_for(service_model.service_name)
        self.handler = self.provider.handlers.get(operation.name) if self.provider else None
        self.iam_prefix = iam_prefix(operation)


def route(operation: OperationModel) -> _Route:
    """The operation's route, cached on the (per-client, long-lived) operation model."""
    found = operation.__dict__.get("_iam_mock_route")
    if found is None:
        found = operation.__dict__["_iam_mock_route"] = _Route(operation)
    return found


def handle(world: World, request: HttpRequest, operation: OperationModel, client_region: str | None) -> HttpResponse:
    """Answer one request with bytes: the server's and the bytes path's way out."""
    return answer(world, request, operation, client_region).render()


def answer(
    world: World, request: HttpRequest, operation: OperationModel, client_region: str | None
) -> Answer:
    """Identify the caller, record the attempt, parse, validate and run the handler."""
    plan = route(operation)
    protocol, codec, provider, handler = plan.protocol, plan.codec, plan.provider, plan.handler
    request_id = new_request_id()
    try:
        principal, region, signed = identify_and_record(
            world, request.headers.get("Authorization"), operation, client_region, plan.iam_prefix
        )
        if provider is None or handler is None:
            service_model = operation.service_model
            raise NotServed(
                f"iam-access-mock does not serve {service_model.service_id} "
                f"({service_model.service_name}) operation {operation.name}"
            )
        if not signed and operation.auth_type != "none":
            raise _missing_authentication(protocol)
        params = codec.parse(request, operation)
        violations = check(operation.input_shape, params, codec.text_rule)
        if violations:
            raise provider.validation_error(violations)
        account_id = principal.account_id or world.default_account_id
        context = RequestContext(world, provider, operation.name, account_id, region, principal, request_id)
        with world.lock:
            output: dict[str, Any] = handler(context, params)
    except ServiceError as error:
        if protocol != "query":
            # A rejected key is InvalidClientTokenId to the query protocol only.
            error = credential_error_for(error, protocol)
        return Answer(protocol, codec, operation, request_id, None, error)
    return Answer(protocol, codec, operation, request_id, output or {}, None)


def _missing_authentication(protocol: str) -> ServiceError:
    """AWS's answer to an unsigned request for an operation that needs a signature."""
    code = "MissingAuthenticationToken" if protocol == "query" else "MissingAuthenticationTokenException"
    return ServiceError("Request is missing Authentication Token", code=code, status=403)


def _as_bytes(value: Any) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")
