"""Tags on customer managed policies (Tag/Untag/ListPolicyTags) and the permissions boundary
operations of users and roles (Put/Delete{User,Role}PermissionsBoundary)."""

from __future__ import annotations

from typing import Any

from ...errors import InvalidInput, LimitExceeded, NoSuchEntity
from ...service import RequestContext
from . import aws_managed, provider
from .naming import check_boundary_arn
from .policies import _not_found, _validated_tags
from .roles import require_role
from .store import IamStore, ManagedPolicy, Role, User
from .tags import MAX_TAGS_PER_ENTITY, check_tag_characters, check_tag_keys, list_tags_page
from .users import require_user


def _policy(ctx: RequestContext, arn: str) -> ManagedPolicy:
    """A customer managed policy of the account.

    An AWS managed policy is ``InvalidInput`` "Tags not supported for policies in this
    domain": recorded from AWS for TagPolicy (aws-controllers-k8s/community#2774, adopting an
    AWS managed policy); UntagPolicy and ListPolicyTags answer the same (rule chosen: their
    answer was not recorded).
    """
    if aws_managed.is_aws_managed_arn(arn):
        raise InvalidInput("Tags not supported for policies in this domain")
    store: IamStore = ctx.store
    policy = store.policies.get(arn)
    if policy is None or policy.aws_managed:
        raise _not_found(arn)
    return policy


@provider.handles("TagPolicy")
def tag_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Keys are case-sensitive, as in CreatePolicy (unlike users' and roles' tags): a key
    differing only in case is another tag."""
    policy = _policy(ctx, params["PolicyArn"])
    tags = params["Tags"]
    check_tag_characters(tags)
    if not tags:
        raise InvalidInput("Error occurred while validating input. ")
    new = _validated_tags(tags)
    if len(policy.tags.keys() | new.keys()) > MAX_TAGS_PER_ENTITY:
        raise LimitExceeded(f"Cannot exceed quota for TagsPerPolicy: {MAX_TAGS_PER_ENTITY}")
    policy.tags.update(new)
    return {}


@provider.handles("UntagPolicy")
def untag_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Keys match exactly (case-sensitive); keys the policy does not have are ignored."""
    policy = _policy(ctx, params["PolicyArn"])
    keys = params["TagKeys"]
    check_tag_keys(keys)
    for key in keys:
        policy.tags.pop(key, None)
    return {}


@provider.handles("ListPolicyTags")
def list_policy_tags(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
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
