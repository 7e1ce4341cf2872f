"""IAM users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser and the user tag operations."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ...errors import DeleteConflict, EntityAlreadyExists, InvalidInput, ValidationError
from ...identity import new_id
from ...pagination import paginate
from ...service import RequestContext
from . import provider
from .naming import (
    boundary_dict,
    check_boundary_arn,
    entity_arn,
    listing,
    name_key,
    user_not_found,
)
from .store import IamStore, User
from .tags import check_new_tags, check_tag_keys, list_tags_page, merge_tags, remove_tags, tag_list

# The mock keeps no account creation time; GetUser for the root user reports this date.
ROOT_CREATE_DATE = datetime(2020, 1, 1, tzinfo=timezone.utc)

NON_USER_CREDENTIALS = "Must specify userName when calling with non-User credentials"


def require_user(store: IamStore, name: str) -> User:
    user = store.user(name)
    if user is None:
        raise user_not_found(name)
    return user


def user_dict(user: User, *, full: bool = False) -> dict[str, Any]:
    """A User element; ``full`` adds what only Create/GetUser return (boundary, tags).

    ListUsers and GetGroup omit tags and the boundary (API reference: "this operation does
    not return tags, even though they are an attribute of the returned object").
    """
    out: dict[str, Any] = {
        "Path": user.path,
        "UserName": user.name,
        "UserId": user.unique_id,
        "Arn": user.arn,
        "CreateDate": user.created,
        "PasswordLastUsed": user.password_last_used,
    }
    if full:
        out["PermissionsBoundary"] = boundary_dict(user.permissions_boundary)
        out["Tags"] = tag_list(user.tags)
    return out


def caller_user(ctx: RequestContext) -> User | None:
    """The IAM user behind the request; None for the account root.

    A role session has no user: AWS answers ValidationError (observed for GetUser and
    DeleteAccessKey called without UserName by a role).
    """
    principal = ctx.principal
    if principal.kind == "user":
        user = ctx.store.user_by_id(principal.entity_id or "")
        if user is not None:
            return user
    if principal.kind == "root":
        return None
    raise ValidationError(NON_USER_CREDENTIALS)


def named_or_caller(ctx: RequestContext, params: dict[str, Any]) -> User | None:
    """The user named by UserName, else the calling user; None for the account root."""
    name = params.get("UserName")
    if name is not None:
        return require_user(ctx.store, name)
    return caller_user(ctx)


def new_status(params: dict[str, Any], what: str) -> str:
    """A credential's new Status: Active or Inactive. ``Expired`` (in the model's enum) is
    refused with InvalidInput, as observed for access keys; AWS's text was not recorded, so
    the message is the mock's own."""
    status: str = params["Status"]
    if status not in ("Active", "Inactive"):
        raise InvalidInput(f"Invalid status {status}: {what} can only be made Active or Inactive.")
    return status


@provider.handles("CreateUser")
def create_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: IamStore = ctx.store
    tags = params.get("Tags") or []
    check_new_tags(tags, allow_empty=True)
    name = params["UserName"]
    path = params.get("Path", "/")
    boundary = params.get("PermissionsBoundary")
    if boundary is not None:
        check_boundary_arn(store.policies, ctx.account_id, boundary)
    if store.user(name) is not None:
        raise EntityAlreadyExists(f"User with name {name} already exists.")
    user = User(
        name,
        path,
        new_id("AIDA"),
        entity_arn(ctx.account_id, "user", path, name),
        ctx.world.clock.now(),
    )
    user.permissions_boundary = boundary
    merge_tags(user.tags, tags, "TagsPerUser")
    store.add(user)
    return {"User": user_dict(user, full=True)}


@provider.handles("GetUser")
def get_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Without UserName: the calling user. For the account root, AWS answers a "user"
    with only UserId (the account id), Arn (the root ARN) and CreateDate; the mock's root
    CreateDate is a fixed date (it keeps no account creation time)."""
    name = params.get("UserName")
    if name is not None:
        return {"User": user_dict(require_user(ctx.store, name), full=True)}
    user = caller_user(ctx)
    if user is None:
        return {
            "User": {
                "UserId": ctx.account_id,
                "Arn": ctx.principal.arn,
                "CreateDate": ROOT_CREATE_DATE,
            }
        }
    return {"User": user_dict(user, full=True)}


@provider.handles("ListUsers")
def list_users(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Users sorted by name, case-insensitively (rule chosen: AWS documents no order)."""
    store: IamStore = ctx.store
    prefix = params.get("PathPrefix")
    page, marker = paginate(
        listing(store.users.values(), prefix),
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=("ListUsers", prefix),
        key=name_key,
    )
    return {
        "Users": [user_dict(user) for user in page],
        "IsTruncated": marker is not None,
        "Marker": marker,
    }


@provider.handles("UpdateUser")
def update_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Rename and/or move a user: the ARN changes, the unique id, keys, groups and policies stay."""
    store: IamStore = ctx.store
    user = require_user(store, params["UserName"])
    new_name = params.get("NewUserName", user.name)
    new_path = params.get("NewPath", user.path)
    clash = store.user(new_name)
    if clash is not None and clash is not user:
        raise EntityAlreadyExists(f"User with name {new_name} already exists.")
    store.rename(user, new_name, new_path, entity_arn(ctx.account_id, "user", new_path, new_name))
    return {}


# What DeleteUser refuses to delete a user with, in the order checked.
_DELETE_CONFLICTS = (
    ("inline_policies", "delete policies"),
    ("attached_policies", "detach all policies"),
    ("access_keys", "delete access keys"),
    ("login_profile", "delete login profile"),
    ("mfa_devices", "delete MFA device"),
    ("groups", "remove users from group"),
    ("signing_certificates", "delete signing certificates"),
    ("ssh_public_keys", "delete SSH public keys"),
    ("service_credentials", "delete service specific credentials"),
)


@provider.handles("DeleteUser")
def delete_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Refused while the user has inline policies, attached policies, access keys, a login
    profile, MFA devices, groups, signing certificates, SSH public keys or service-specific
    credentials.

    AWS's texts are the recorded ones (the last three follow their pattern: not recorded); which conflict wins when several apply is not
    documented: the mock checks in the order listed above.
    """
    store: IamStore = ctx.store
    user = require_user(store, params["UserName"])
    for attribute, what in _DELETE_CONFLICTS:
        if getattr(user, attribute):
            raise DeleteConflict(f"Cannot delete entity, must {what} first.")
    store.remove(user)
    return {}


@provider.handles("TagUser")
def tag_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    tags = params["Tags"]
    check_new_tags(tags, allow_empty=False)
    user = require_user(ctx.store, params["UserName"])
    merge_tags(user.tags, tags, "TagsPerUser")
    return {}


@provider.handles("UntagUser")
def untag_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    keys = params["TagKeys"]
    check_tag_keys(keys)
    user = require_user(ctx.store, params["UserName"])
    remove_tags(user.tags, keys)
    return {}


@provider.handles("ListUserTags")
def list_user_tags(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    user = require_user(ctx.store, params["UserName"])
    return list_tags_page(user.tags, params, ("ListUserTags", user.unique_id))
