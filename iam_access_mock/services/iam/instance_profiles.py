"""Instance profiles: Create/Get/Delete/ListInstanceProfiles, Add/RemoveRoleFromInstanceProfile,
ListInstanceProfilesForRole and the instance profile tag operations.

A profile holds at most one role (IAM's quota InstanceSessionsPerInstanceProfile: 1) and
refers to it by unique id, so a role listed in a profile shows its current name and path.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ...errors import DeleteConflict, EntityAlreadyExists, LimitExceeded, NoSuchEntity
from ...identity import new_id
from ...pagination import paginate
from ...service import RequestContext
from . import provider
from .naming import entity_arn, listing, name_key
from .roles import require_role
from .store import IamStore, InstanceProfile, Role
from .tags import check_new_tags, check_tag_keys, list_tags_page, merge_tags, remove_tags, tag_list

ROLES_PER_PROFILE = 1


def _require(store: IamStore, name: str) -> InstanceProfile:
    profile = store.instance_profiles.get(name.lower())
    if profile is None:
        raise NoSuchEntity(f"Instance Profile {name} cannot be found.")
    return profile


def _role_element(role: Role) -> dict[str, Any]:
    # The Role element inside an instance profile: the create view, with the trust policy.
    return {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.unique_id,
        "Arn": role.arn,
        "CreateDate": role.created,
        "AssumeRolePolicyDocument": quote(role.assume_role_policy, safe=""),
    }


def profile_dict(store: IamStore, profile: InstanceProfile, *, tags: bool = True) -> dict[str, Any]:
    roles = (store.role_by_id(role_id) for role_id in profile.role_ids)
    out: dict[str, Any] = {
        "Path": profile.path,
        "InstanceProfileName": profile.name,
        "InstanceProfileId": profile.unique_id,
        "Arn": profile.arn,
        "CreateDate": profile.created,
        "Roles": [_role_element(role) for role in roles if role is not None],
    }
    if tags:
        out["Tags"] = tag_list(profile.tags)
    return out


def profiles_of(store: IamStore, role: Role) -> list[InstanceProfile]:
    """The profiles holding a role, by name (GetAccountAuthorizationDetails, DeleteRole)."""
    return list(
        listing(p for p in store.instance_profiles.values() if role.unique_id in p.role_ids)
    )


@provider.handles("CreateInstanceProfile")
def create_instance_profile(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: IamStore = ctx.store
    tags = params.get("Tags") or []
    check_new_tags(tags, allow_empty=True)
    name, path = params["InstanceProfileName"], params.get("Path", "/")
    if name.lower() in store.instance_profiles:
        raise EntityAlreadyExists(f"Instance Profile {name} already exists.")
    profile = InstanceProfile(
        name,
        path,
        new_id("AIPA"),
        entity_arn(ctx.account_id, "instance-profile", path, name),
        ctx.world.clock.now(),
    )
    merge_tags(profile.tags, tags, "TagsPerInstanceProfile")
    store.instance_profiles[name.lower()] = profile
    return {"InstanceProfile": profile_dict(store, profile)}


@provider.handles("GetInstanceProfile")
def get_instance_profile(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: IamStore = ctx.store
    return {"InstanceProfile": profile_dict(store, _require(store, params["InstanceProfileName"]))}


@provider.handles("DeleteInstanceProfile")
def delete_instance_profile(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: IamStore = ctx.store
    profile = _require(store, params["InstanceProfileName"])
    if any(store.role_by_id(role_id) for role_id in profile.role_ids):
        raise DeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
    del store.instance_profiles[profile.name.lower()]
    return {}


@provider.handles("ListInstanceProfiles")
def list_instance_profiles(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """By name, case-insensitively (as users and roles); tags are not listed (rule chosen,
    as ListRoles)."""
    store: IamStore = ctx.store
    prefix = params.get("PathPrefix")
    page, marker = paginate(
        listing(store.instance_profiles.values(), prefix),
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=("ListInstanceProfiles", prefix),
        key=name_key,
    )
    return {
        "InstanceProfiles": [profile_dict(store, p, tags=False) for p in page],
        "IsTruncated": marker is not None,
        "Marker": marker,
    }


@provider.handles("ListInstanceProfilesForRole")
def list_instance_profiles_for_role(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: IamStore = ctx.store
    role = require_role(store, params["RoleName"])
    page, marker = paginate(
        profiles_of(store, role),
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=("ListInstanceProfilesForRole", role.unique_id),
        key=name_key,
    )
    return {
        "InstanceProfiles": [profile_dict(store, p, tags=False) for p in page],
        "IsTruncated": marker is not None,
        "Marker": marker,
    }


@provider.handles("AddRoleToInstanceProfile")
def add_role_to_instance_profile(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """A profile that already holds a role, the same one included, is LimitExceeded: tools
    written against AWS treat that text as "already added" (Karpenter's test environment,
    ``ignoreAlreadyContainsRole``)."""
    store: IamStore = ctx.store
    profile = _require(store, params["InstanceProfileName"])
    role = require_role(store, params["RoleName"])
    if any(store.role_by_id(role_id) for role_id in profile.role_ids):
        raise LimitExceeded(
            f"Cannot exceed quota for InstanceSessionsPerInstanceProfile: {ROLES_PER_PROFILE}"
        )
    profile.role_ids = {role.unique_id: None}
    return {}


@provider.handles("RemoveRoleFromInstanceProfile")
def remove_role_from_instance_profile(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """Rule chosen: a role that is not in the profile is NoSuchEntity (AWS's text was not
    recorded)."""
    store: IamStore = ctx.store
    profile = _require(store, params["InstanceProfileName"])
    role = require_role(store, params["RoleName"])
    if role.unique_id not in profile.role_ids:
        raise NoSuchEntity(f"Role {role.name} in Instance Profile {profile.name} cannot be found.")
    del profile.role_ids[role.unique_id]
    return {}


@provider.handles("TagInstanceProfile")
def tag_instance_profile(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    tags = params["Tags"]
    check_new_tags(tags, allow_empty=False)
    merge_tags(
        _require(ctx.store, params["InstanceProfileName"]).tags, tags, "TagsPerInstanceProfile"
    )
    return {}


@provider.handles("UntagInstanceProfile")
def untag_instance_profile(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    keys = params["TagKeys"]
    check_tag_keys(keys)
    remove_tags(_require(ctx.store, params["InstanceProfileName"]).tags, keys)
    return {}


@provider.handles("ListInstanceProfileTags")
def list_instance_profile_tags(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    profile = _require(ctx.store, params["InstanceProfileName"])
    return list_tags_page(profile.tags, params, ("ListInstanceProfileTags", profile.unique_id))
