"""What a mocked service is made of: a provider (handlers by operation name) and its store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import ServiceError, ValidationError
from .protocol.constraints import Violation, validation_message

if TYPE_CHECKING:
    from .identity import Principal
    from .world import World

Handler = Callable[["RequestContext", dict[str, Any]], dict[str, Any]]


def coral_validation_error(violations: list[Violation]) -> ServiceError:
    """STS's answer to constraint violations: ValidationError, 400, with the values printed."""
    return ValidationError(validation_message(violations))


def iam_validation_error(violations: list[Violation]) -> ServiceError:
    """IAM's answer to constraint violations: ValidationError, 400, never printing the value.

    A bad Marker gets IAM's own marker text instead of the constraint list (observed for "").
    """
    for violation in violations:
        if violation.path == "marker" and isinstance(violation.value, str):
            from .pagination import invalid_marker

            return invalid_marker(violation.value)
    return ValidationError(validation_message(violations, show_values=False))


@dataclass
class Provider:
    """A service's handlers, keyed by AWS operation name, and how its state is kept.

    ``regional``: one store per account and region (Access Analyzer) instead of one per
    account (IAM, STS, Organizations are global).
    """

    service_name: str
    store_factory: Callable[[str, str | None], Any] = lambda account_id, region: None
    regional: bool = False
    validation_error: Callable[[list[Violation]], ServiceError] = coral_validation_error
    handlers: dict[str, Handler] = field(default_factory=dict)

    def handles(self, operation_name: str) -> Callable[[Handler], Handler]:
        """Register the decorated function as the handler of ``operation_name``."""

        def register(handler: Handler) -> Handler:
            if operation_name in self.handlers:
                raise RuntimeError(f"{self.service_name}:{operation_name} has two handlers")
            self.handlers[operation_name] = handler
            return handler

        return register


@dataclass
class RequestContext:
    """The facts of one call, handed to its handler."""

    world: World
    provider: Provider
    operation: str
    account_id: str
    region: str
    principal: Principal
    request_id: str

    @property
    def store(self) -> Any:
        region = self.region if self.provider.regional else None
        return self.world.store(self.provider, self.account_id, region)
