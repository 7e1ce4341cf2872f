"""IAM inline policies of users, groups and roles: Put, Get, Delete and List.

Rules (observed unless marked chosen):

* Inline policy names are case-insensitive: Get/Delete with ``MIXEDNAME`` find ``MixedName``
  and Get echoes the name as requested. Chosen: a Put under another case replaces the
  document and keeps the name as first stored.
* Each entity's inline documents together may hold at most 2,048 (user), 5,120 (group) or
  10,240 (role) characters other than white space; beyond that LimitExceeded "Maximum
  policy size of <n> bytes exceeded for <kind> <name>".
* Chosen: ListXPolicies returns names ordered case-insensitively (AWS does not document it).
"""

from __future__ import annotations

from typing import Any

from ...errors import LimitExceeded, NoSuchEntity
from ...pagination import paginate
from ...policy.document import parse_policy_document, policy_size
from ...service import RequestContext
from . import provider
from .policies import Identity, quote_document, require_identity
from .store import IamStore

INLINE_POLICY_SIZE = {"user": 2048, "group": 5120, "role": 10240}


def sorted_inline_names(entity: Identity) -> list[str]:
    """An entity's inline policy names, ordered case-insensitively."""
    return sorted(entity.inline_policies, key=lambda name: (name.lower(), name))


def _stored_name(entity: Identity, name: str) -> str | None:
    lowered = name.lower()
    for stored in entity.inline_policies:
        if stored.lower() == lowered:
            return stored
    return None


def _require_stored_name(entity: Identity, kind: str, name: str) -> str:
    stored = _stored_name(entity, name)
    if stored is None:
        raise NoSuchEntity(f"The {kind} policy with name {name} cannot be found.")
    return stored


def _entity(ctx: RequestContext, params: dict[str, Any], kind: str) -> Identity:
    store: IamStore = ctx.store
    return require_identity(store, kind, params[f"{kind.capitalize()}Name"])


def _put(ctx: RequestContext, params: dict[str, Any], kind: str) -> dict[str, Any]:
    entity = _entity(ctx, params, kind)
    name, document = params["PolicyName"], params["PolicyDocument"]
    parse_policy_document(document)
    stored = _stored_name(entity, name)
    others = sum(policy_size(text) for key, text in entity.inline_policies.items() if key != stored)
    limit = INLINE_POLICY_SIZE[kind]
    if others + policy_size(document) > limit:
        raise LimitExceeded(
            f"Maximum policy size of {limit} bytes exceeded for {kind} {entity.name}"
        )
    entity.inline_policies[stored if stored is not None else name] = document
    return {}


def _get(ctx: RequestContext, params: dict[str, Any], kind: str) -> dict[str, Any]:
    entity = _entity(ctx, params, kind)
    name = params["PolicyName"]
    stored = _require_stored_name(entity, kind, name)
    return {
        f"{kind.capitalize()}Name": entity.name,
        "PolicyName": name,
        "PolicyDocument": quote_document(entity.inline_policies[stored]),
    }


def _delete(ctx: RequestContext, params: dict[str, Any], kind: str) -> dict[str, Any]:
    entity = _entity(ctx, params, kind)
    del entity.inline_policies[_require_stored_name(entity, kind, params["PolicyName"])]
    return {}


def _list(ctx: RequestContext, params: dict[str, Any], kind: str) -> dict[str, Any]:
    entity = _entity(ctx, params, kind)
    page, marker = paginate(
        sorted_inline_names(entity),
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=(ctx.operation, entity.unique_id),
        key=str.lower,  # inline names are unique ignoring case
    )
    return {"PolicyNames": page, "IsTruncated": marker is not None, "Marker": marker}


@provider.handles("PutUserPolicy")
def put_user_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Add or replace a user's inline policy (all of a user's together: 2,048 characters)."""
    return _put(ctx, params, "user")


@provider.handles("PutGroupPolicy")
def put_group_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Add or replace a group's inline policy (all of a group's together: 5,120 characters)."""
    return _put(ctx, params, "group")


@provider.handles("PutRolePolicy")
def put_role_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Add or replace a role's inline policy (all of a role's together: 10,240 characters)."""
    return _put(ctx, params, "role")


@provider.handles("GetUserPolicy")
def get_user_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """A user's inline policy document; the name is echoed as requested (observed)."""
    return _get(ctx, params, "user")


@provider.handles("GetGroupPolicy")
def get_group_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """A group's inline policy document; the name is echoed as requested (observed)."""
    return _get(ctx, params, "group")


@provider.handles("GetRolePolicy")
def get_role_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """A role's inline policy document; the name is echoed as requested (observed)."""
    return _get(ctx, params, "role")


@provider.handles("DeleteUserPolicy")
def delete_user_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Delete a user's inline policy (name matched case-insensitively)."""
    return _delete(ctx, params, "user")


@provider.handles("DeleteGroupPolicy")
def delete_group_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Delete a group's inline policy (name matched case-insensitively)."""
    return _delete(ctx, params, "group")


@provider.handles("DeleteRolePolicy")
def delete_role_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Delete a role's inline policy (name matched case-insensitively)."""
    return _delete(ctx, params, "role")


@provider.handles("ListUserPolicies")
def list_user_policies(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The names of a user's inline policies, ordered case-insensitively (order undocumented)."""
    return _list(ctx, params, "user")


@provider.handles("ListGroupPolicies")
def list_group_policies(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The names of a group's inline policies, ordered case-insensitively (order undocumented)."""
    return _list(ctx, params, "group")


@provider.handles("ListRolePolicies")
def list_role_policies(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The names of a role's inline policies, ordered case-insensitively (order undocumented)."""
    return _list(ctx, params, "role")
