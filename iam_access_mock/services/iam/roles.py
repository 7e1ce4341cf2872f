"""IAM roles: Create/Get/List/Update/DeleteRole, the trust policy and the role tag operations."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ...errors import DeleteConflict, EntityAlreadyExists, LimitExceeded
from ...identity import new_id
from ...pagination import paginate
from ...policy.document import parse_policy_document
from ...service import RequestContext
from . import provider
from .last_accessed import TRACKING_PERIOD
from .naming import (
    boundary_dict,
    check_boundary_arn,
    entity_arn,
    listing,
    name_key,
    role_not_found,
)
from .store import IamStore, Role
from .tags import check_new_tags, check_tag_keys, list_tags_page, merge_tags, remove_tags, tag_list

TRUST_POLICY_QUOTA = 2048  # AssumeRolePolicySizeQuota (GetAccountSummary)


def require_role(store: IamStore, name: str) -> Role:
    role = store.role(name)
    if role is None:
        raise role_not_found(name)
    return role


def _trust_policy(text: str) -> str:
    """Validate a trust policy document; its text is kept verbatim."""
    parse_policy_document(text, trust=True)
    # IAM does not count white space against policy size quotas (IAM quotas page).
    if len("".join(text.split())) > TRUST_POLICY_QUOTA:
        raise LimitExceeded(f"Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_QUOTA}")
    return text


def role_dict(ctx: RequestContext, role: Role, view: str) -> dict[str, Any]:
    """A Role element as each operation returns it (recorded against AWS, 2026):

    ``create``: no Description, MaxSessionDuration or RoleLastUsed; ``list``: adds
    Description and MaxSessionDuration, never tags, boundary or RoleLastUsed; ``get``: all,
    with RoleLastUsed ``{}`` when unused; ``description`` (UpdateRoleDescription): like
    create plus Description.
    """
    out: dict[str, Any] = {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.unique_id,
        "Arn": role.arn,
        "CreateDate": role.created,
        # botocore's json_decode_policies unquotes then json-loads this text.
        "AssumeRolePolicyDocument": quote(role.assume_role_policy, safe=""),
    }
    if view != "create":
        out["Description"] = role.description
    if view in ("list", "get"):
        out["MaxSessionDuration"] = role.max_session_duration
    if view != "list":
        out["PermissionsBoundary"] = boundary_dict(role.permissions_boundary)
        out["Tags"] = tag_list(role.tags)
    if view == "get":
        out["RoleLastUsed"] = role_last_used(ctx, role)
    return out


def role_last_used(ctx: RequestContext, role: Role) -> dict[str, Any]:
    """The RoleLastUsed element (GetRole, GetAccountAuthorizationDetails): the role's latest
    call through any of its sessions, ``{}`` if none in the trailing 400 days.

    "Activity is only reported for the trailing 400 days" (RoleLastUsed, IAM API
    reference): an older use is answered as no use. A use dated after now (recorded, then
    the clock set back) is still reported, as the reports count it.
    """
    last = ctx.world.activity.last_any(ctx.account_id, role.unique_id)
    if last is None or last.timestamp < (ctx.world.clock.now() - TRACKING_PERIOD).timestamp():
        return {}
    return {"LastUsedDate": last.when, "Region": last.region}


@provider.handles("CreateRole")
def create_role(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: IamStore = ctx.store
    tags = params.get("Tags") or []
    check_new_tags(tags, allow_empty=True)
    document = _trust_policy(params["AssumeRolePolicyDocument"])
    name = params["RoleName"]
    path = params.get("Path", "/")
    boundary = params.get("PermissionsBoundary")
    if boundary is not None:
        check_boundary_arn(store.policies, ctx.account_id, boundary)
    if store.role(name) is not None:
        raise EntityAlreadyExists(f"Role with name {name} already exists.")
    role = Role(
        name,
        path,
        new_id("AROA"),
        entity_arn(ctx.account_id, "role", path, name),
        ctx.world.clock.now(),
    )
    role.assume_role_policy = document
    role.description = params.get("Description") or None
    role.max_session_duration = params.get("MaxSessionDuration", 3600)
    role.permissions_boundary = boundary
    merge_tags(role.tags, tags, "TagsPerRole")
    store.add(role)
    return {"Role": role_dict(ctx, role, "create")}


@provider.handles("GetRole")
def get_role(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """RoleLastUsed is the role's latest call through any of its sessions (the activity
    index), ``{}`` when not used in the trailing 400 days (``role_last_used``)."""
    return {"Role": role_dict(ctx, require_role(ctx.store, params["RoleName"]), "get")}


@provider.handles("ListRoles")
def list_roles(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Roles sorted by name, case-insensitively (rule chosen: AWS documents no order)."""
    store: IamStore = ctx.store
    prefix = params.get("PathPrefix")
    page, marker = paginate(
        listing(store.roles.values(), prefix),
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=("ListRoles", prefix),
        key=name_key,
    )
    return {
        "Roles": [role_dict(ctx, role, "list") for role in page],
        "IsTruncated": marker is not None,
        "Marker": marker,
    }


@provider.handles("UpdateRole")
def update_role(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Only the members given change; ``Description=""`` clears the description (observed)."""
    role = require_role(ctx.store, params["RoleName"])
    if "Description" in params:
        role.description = params["Description"] or None
    if "MaxSessionDuration" in params:
        role.max_session_duration = params["MaxSessionDuration"]
    return {}


@provider.handles("UpdateRoleDescription")
def update_role_description(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    role = require_role(ctx.store, params["RoleName"])
    role.description = params["Description"] or None
    return {"Role": role_dict(ctx, role, "description")}


@provider.handles("UpdateAssumeRolePolicy")
def update_assume_role_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    role = require_role(ctx.store, params["RoleName"])
    role.assume_role_policy = _trust_policy(params["PolicyDocument"])
    return {}


@provider.handles("DeleteRole")
def delete_role(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Refused while the role has inline or attached policies or is in an instance profile
    (checked in that order; AWS
    does not document which wins). Sessions issued earlier keep working until they expire."""
    store: IamStore = ctx.store
    role = require_role(store, params["RoleName"])
    if role.inline_policies:
        raise DeleteConflict("Cannot delete entity, must delete policies first.")
    if role.attached_policies:
        raise DeleteConflict("Cannot delete entity, must detach all policies first.")
    if any(role.unique_id in profile.role_ids for profile in store.instance_profiles.values()):
        raise DeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
    store.remove(role)
    return {}


@provider.handles("TagRole")
def tag_role(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    tags = params["Tags"]
    check_new_tags(tags, allow_empty=False)
    role = require_role(ctx.store, params["RoleName"])
    merge_tags(role.tags, tags, "TagsPerRole")
    return {}


@provider.handles("UntagRole")
def untag_role(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    keys = params["TagKeys"]
    check_tag_keys(keys)
    role = require_role(ctx.store, params["RoleName"])
    remove_tags(role.tags, keys)
    return {}


@provider.handles("ListRoleTags")
def list_role_tags(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    role = require_role(ctx.store, params["RoleName"])
    return list_tags_page(role.tags, params, ("ListRoleTags", role.unique_id))
