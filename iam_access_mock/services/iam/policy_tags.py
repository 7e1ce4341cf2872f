"""Tags on customer managed policies (Tag/Untag/ListPolicyTags) and the permissions boundary
operations of users and roles (Put/Delete{User,Role}PermissionsBoundary)."""

from __future__ import annotations

from typing import Any

from ...errors import NoSuchEntity
from ...service import RequestContext
from . import provider
from .naming import check_boundary_arn
from .policies import _customer_policy, _not_found
from .roles import require_role
from .store import IamStore, ManagedPolicy, Role, User
from .tags import check_new_tags, check_tag_keys, list_tags_page, merge_tags, remove_tags
from .users import require_user


def _policy(ctx: RequestContext, arn: str) -> ManagedPolicy:
    """A customer managed policy; an AWS managed one is AccessDenied, as for the other writes."""
    return _customer_policy(ctx, arn, lambda: _not_found(arn))


@provider.handles("TagPolicy")
def tag_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    tags = params["Tags"]
    check_new_tags(tags, allow_empty=False)
    merge_tags(_policy(ctx, params["PolicyArn"]).tags, tags, "TagsPerPolicy")
    return {}


@provider.handles("UntagPolicy")
def untag_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    keys = params["TagKeys"]
    check_tag_keys(keys)
    remove_tags(_policy(ctx, params["PolicyArn"]).tags, keys)
    return {}


@provider.handles("ListPolicyTags")
def list_policy_tags(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Rule chosen: an AWS managed policy answers AccessDenied, as for the writes (AWS's answer
    was not recorded)."""
    policy = _policy(ctx, params["PolicyArn"])
    return list_tags_page(policy.tags, params, ("ListPolicyTags", policy.arn))


def _put_boundary(ctx: RequestContext, entity: User | Role, arn: str) -> dict[str, Any]:
    store: IamStore = ctx.store
    check_boundary_arn(store.policies, ctx.account_id, arn)
    entity.permissions_boundary = arn
    return {}


def _delete_boundary(entity: User | Role, kind: str) -> dict[str, Any]:
    """Rule chosen: deleting a boundary that is not set is NoSuchEntity (AWS's text was not
    recorded)."""
    if entity.permissions_boundary is None:
        raise NoSuchEntity(f"The {kind} with name {entity.name} has no permissions boundary.")
    entity.permissions_boundary = None
    return {}


@provider.handles("PutUserPermissionsBoundary")
def put_user_permissions_boundary(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return _put_boundary(
        ctx, require_user(ctx.store, params["UserName"]), params["PermissionsBoundary"]
    )


@provider.handles("DeleteUserPermissionsBoundary")
def delete_user_permissions_boundary(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return _delete_boundary(require_user(ctx.store, params["UserName"]), "user")


@provider.handles("PutRolePermissionsBoundary")
def put_role_permissions_boundary(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return _put_boundary(
        ctx, require_role(ctx.store, params["RoleName"]), params["PermissionsBoundary"]
    )


@provider.handles("DeleteRolePermissionsBoundary")
def delete_role_permissions_boundary(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return _delete_boundary(require_role(ctx.store, params["RoleName"]), "role")
