"""IAM names, paths and ARNs: listing order, path prefixes, ARNs and "not found" errors."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, TypeVar

from ...errors import NoSuchEntity, ServiceError


class _Named(Protocol):
    name: str
    path: str


N = TypeVar("N", bound=_Named)


def name_key(entity: _Named) -> str:
    """The sort and marker key of listed users, groups and roles."""
    return entity.name.lower()


def listing(entities: Iterable[N], path_prefix: str | None = None) -> Sequence[N]:
    """Entities under ``path_prefix`` (a plain string prefix of the path, as AWS matches it),
    sorted by name. Rule chosen: ascending, case-insensitive (AWS documents no order; the
    credential report, the one listing observed, sorts users that way)."""
    if path_prefix:
        entities = [entity for entity in entities if entity.path.startswith(path_prefix)]
    return sorted(entities, key=name_key)


def entity_arn(account_id: str, kind: str, path: str, name: str) -> str:
    """The ARN of a user, group or role: ``arn:aws:iam::<account>:<kind><path><name>``."""
    return f"arn:aws:iam::{account_id}:{kind}{path}{name}"


def user_not_found(name: str) -> ServiceError:
    return NoSuchEntity(f"The user with name {name} cannot be found.")


def group_not_found(name: str) -> ServiceError:
    return NoSuchEntity(f"The group with name {name} cannot be found.")


def role_not_found(name: str) -> ServiceError:
    return NoSuchEntity(f"The role with name {name} cannot be found.")


def boundary_not_found(arn: str) -> ServiceError:
    # Real text for a missing or non-policy boundary ARN (ROSA/SAM error reports, 2021-24).
    return NoSuchEntity(f"Scope ARN: {arn} does not exist or is not attachable.")


def check_boundary_arn(policies: dict[str, Any], account_id: str, arn: str) -> None:
    """A permissions boundary must name a managed policy: this account's (existing) or AWS's.

    AWS managed policy ARNs are accepted without a catalogue check.
    """
    prefix, _, resource = arn.partition(":policy/")
    if not resource or prefix not in (f"arn:aws:iam::{account_id}", "arn:aws:iam::aws"):
        raise boundary_not_found(arn)
    if prefix != "arn:aws:iam::aws" and arn not in policies:
        raise boundary_not_found(arn)


def boundary_dict(arn: str | None) -> dict[str, str] | None:
    """The PermissionsBoundary element; AWS answers ``Policy`` (observed, and the CLI
    examples), not the model's enum value ``PermissionsBoundaryPolicy``."""
    if arn is None:
        return None
    return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}
