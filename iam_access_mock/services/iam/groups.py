"""IAM groups: Create/Get/List/Update/DeleteGroup and memberships."""

from __future__ import annotations

from typing import Any

from ...errors import DeleteConflict, EntityAlreadyExists, LimitExceeded
from ...identity import new_id
from ...pagination import paginate
from ...service import RequestContext
from . import provider
from .naming import entity_arn, group_not_found, listing, name_key
from .store import Group, IamStore
from .users import require_user, user_dict

GROUPS_PER_USER = 10  # IAM default quota (GetAccountSummary GroupsPerUserQuota)


def require_group(store: IamStore, name: str) -> Group:
    group = store.group(name)
    if group is None:
        raise group_not_found(name)
    return group


def group_dict(group: Group) -> dict[str, Any]:
    return {
        "Path": group.path,
        "GroupName": group.name,
        "GroupId": group.unique_id,
        "Arn": group.arn,
        "CreateDate": group.created,
    }


@provider.handles("CreateGroup")
def create_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: IamStore = ctx.store
    name = params["GroupName"]
    path = params.get("Path", "/")
    if store.group(name) is not None:
        raise EntityAlreadyExists(f"Group with name {name} already exists.")
    group = Group(
        name,
        path,
        new_id("AGPA"),
        entity_arn(ctx.account_id, "group", path, name),
        ctx.world.clock.now(),
    )
    store.add(group)
    return {"Group": group_dict(group)}


@provider.handles("GetGroup")
def get_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The group and its members, paginated over the members, sorted by user name."""
    store: IamStore = ctx.store
    group = require_group(store, params["GroupName"])
    members = [user for user in map(store.user_by_id, group.members) if user is not None]
    page, marker = paginate(
        listing(members),
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=("GetGroup", group.unique_id),
        key=name_key,
    )
    return {
        "Group": group_dict(group),
        "Users": [user_dict(user) for user in page],
        "IsTruncated": marker is not None,
        "Marker": marker,
    }


@provider.handles("ListGroups")
def list_groups(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Groups sorted by name, case-insensitively (rule chosen: AWS documents no order)."""
    store: IamStore = ctx.store
    prefix = params.get("PathPrefix")
    page, marker = paginate(
        listing(store.groups.values(), prefix),
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=("ListGroups", prefix),
        key=name_key,
    )
    return {
        "Groups": [group_dict(group) for group in page],
        "IsTruncated": marker is not None,
        "Marker": marker,
    }


@provider.handles("UpdateGroup")
def update_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Rename and/or move a group: the ARN changes, the unique id, members and policies stay."""
    store: IamStore = ctx.store
    group = require_group(store, params["GroupName"])
    new_name = params.get("NewGroupName", group.name)
    new_path = params.get("NewPath", group.path)
    clash = store.group(new_name)
    if clash is not None and clash is not group:
        raise EntityAlreadyExists(f"Group with name {new_name} already exists.")
    store.rename(group, new_name, new_path, entity_arn(ctx.account_id, "group", new_path, new_name))
    return {}


@provider.handles("DeleteGroup")
def delete_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Refused while the group has members, inline policies or attached policies (checked
    in that order; AWS does not document which conflict wins)."""
    store: IamStore = ctx.store
    group = require_group(store, params["GroupName"])
    if group.members:
        raise DeleteConflict("Cannot delete entity, must remove users from group first.")
    if group.inline_policies:
        raise DeleteConflict("Cannot delete entity, must delete policies first.")
    if group.attached_policies:
        raise DeleteConflict("Cannot delete entity, must detach all policies first.")
    store.remove(group)
    return {}


@provider.handles("AddUserToGroup")
def add_user_to_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Idempotent. The user is looked up before the group (as AWS's RemoveUserFromGroup
    was observed to do when both are missing)."""
    store: IamStore = ctx.store
    user = require_user(store, params["UserName"])
    group = require_group(store, params["GroupName"])
    if group.unique_id in user.groups:
        return {}
    if len(user.groups) >= GROUPS_PER_USER:
        raise LimitExceeded(f"Cannot exceed quota for GroupsPerUser: {GROUPS_PER_USER}")
    user.groups[group.unique_id] = None
    group.members[user.unique_id] = None
    return {}


@provider.handles("RemoveUserFromGroup")
def remove_user_from_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Removing a user that is not a member succeeds (observed, 2026)."""
    store: IamStore = ctx.store
    user = require_user(store, params["UserName"])
    group = require_group(store, params["GroupName"])
    user.groups.pop(group.unique_id, None)
    group.members.pop(user.unique_id, None)
    return {}


@provider.handles("ListGroupsForUser")
def list_groups_for_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The user's groups sorted by name, case-insensitively (rule chosen)."""
    store: IamStore = ctx.store
    user = require_user(store, params["UserName"])
    page, marker = paginate(
        listing(store.groups_of(user)),
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=("ListGroupsForUser", user.unique_id),
        key=name_key,
    )
    return {
        "Groups": [group_dict(group) for group in page],
        "IsTruncated": marker is not None,
        "Marker": marker,
    }
