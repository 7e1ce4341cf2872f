"""GetAccountAuthorizationDetails: every user, role, group and managed policy of the account.

Observed (2026) and followed here: the sections appear as ``Policies, UserDetailList,
RoleDetailList, GroupDetailList``, all present even when empty, ``Marker`` only when
truncated; paging walks users, then roles, then groups, then managed policies; a user
without inline policies has no ``UserPolicyList`` while groups and roles always carry
theirs; ``RoleLastUsed`` is ``{}`` for a role never used; ``PolicyVersionList`` is newest
first. ``Filter=[]`` means no filter; order and duplicates in Filter do not matter.

Marker errors (observed): a marker from another filter set answers "Marker and Filter do
not match" when the request has a Filter, "Invalid Marker." when it has none; a marker
from an unfiltered request is accepted with all five filters and answers "Invalid
Marker." with fewer; an unreadable marker with a Filter answers "Marker and Filter do not
match".

Rules chosen where AWS is silent: pages hold exactly MaxItems entries (AWS cuts pages by
response size, often shorter); within a section entries are ordered by name
(case-insensitive) and AWS managed policies in AWS's listing order, after the account's
own; AWS managed policies are listed only when in use in the account (attached or a
permissions boundary), as a real account's answer suggests; a role's ``InstanceProfileList``
holds the profiles it is in, each with its roles, by name.
"""

from __future__ import annotations

from typing import Any

from ...errors import ValidationError
from ...pagination import MarkerScopeMismatch, decode_marker, invalid_marker, paginate
from ...service import RequestContext
from . import aws_managed, provider
from .groups import group_dict
from .inline import sorted_inline_names
from .instance_profiles import profile_dict, profiles_of
from .naming import boundary_dict
from .policies import (
    attached_policy_entries,
    boundary_usage,
    managed_policy,
    policy_entry,
    quote_document,
    version_entries,
)
from .roles import role_last_used
from .store import Group, IamStore, ManagedPolicy, Role, User

FILTERS = ("AWSManagedPolicy", "Group", "LocalManagedPolicy", "Role", "User")


def _scope(filters: frozenset[str]) -> tuple[str, ...]:
    return ("GetAccountAuthorizationDetails", *sorted(filters))


def _check_marker(marker: str, scope: tuple[str, ...], filtered: bool) -> None:
    """Raise AWS's error for a marker that does not belong to this request's filter set."""
    try:
        decode_marker(marker, scope)
        return
    except MarkerScopeMismatch:
        readable = True
    except ValueError:
        readable = False
    if readable:
        try:
            decode_marker(marker, _scope(frozenset(FILTERS)))
            from_unfiltered = True
        except (MarkerScopeMismatch, ValueError):
            from_unfiltered = False
        if not filtered or from_unfiltered:
            raise invalid_marker(marker)
    elif not filtered:
        raise invalid_marker(marker)
    raise ValidationError("Marker and Filter do not match")


@provider.handles("GetAccountAuthorizationDetails")
def get_account_authorization_details(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """Users, roles, groups and managed policies with their policies, paged together.

    A role's ``RoleLastUsed`` reports the trailing 400 days only, as GetRole's does
    (``roles.role_last_used``).
    """
    store: IamStore = ctx.store
    requested = params.get("Filter") or []
    wanted = frozenset(requested) if requested else frozenset(FILTERS)
    scope = _scope(wanted)
    marker = params.get("Marker")
    if marker is not None:
        _check_marker(marker, scope, filtered=bool(requested))
    by_name = lambda entity: (entity.name.lower(), entity.name)
    items: list[Any] = []
    if "User" in wanted:
        items.extend(sorted(store.users.values(), key=by_name))
    if "Role" in wanted:
        items.extend(sorted(store.roles.values(), key=by_name))
    if "Group" in wanted:
        items.extend(sorted(store.groups.values(), key=by_name))
    boundaries = boundary_usage(store)
    if "LocalManagedPolicy" in wanted:
        items.extend(sorted((p for p in store.policies.values() if not p.aws_managed), key=by_name))
    if "AWSManagedPolicy" in wanted:
        items.extend(_aws_policies_in_use(store, boundaries))
    page, next_marker = paginate(
        items, marker=marker, max_items=params.get("MaxItems"), scope=scope
    )

    result: dict[str, Any] = {
        "Policies": [],
        "UserDetailList": [],
        "RoleDetailList": [],
        "GroupDetailList": [],
    }
    for item in page:
        if isinstance(item, User):
            result["UserDetailList"].append(_user_detail(store, item))
        elif isinstance(item, Role):
            result["RoleDetailList"].append(_role_detail(ctx, store, item))
        elif isinstance(item, Group):
            result["GroupDetailList"].append(_group_detail(store, item))
        else:
            result["Policies"].append(_policy_detail(item, boundaries))
    result.update(IsTruncated=next_marker is not None, Marker=next_marker)
    return result


def _aws_policies_in_use(store: IamStore, boundaries: dict[str, int]) -> list[ManagedPolicy]:
    arns = {p.arn for p in store.policies.values() if p.aws_managed and p.attachment_count}
    arns.update(arn for arn in boundaries if aws_managed.is_aws_managed_arn(arn))
    views = [view for view in (managed_policy(store, arn) for arn in arns) if view is not None]
    order = aws_managed.catalogue().by_arn
    return sorted(views, key=lambda view: order[view.arn].order)


def _inline_list(entity: Any) -> list[dict[str, str]]:
    return [
        {"PolicyName": name, "PolicyDocument": quote_document(entity.inline_policies[name])}
        for name in sorted_inline_names(entity)
    ]


def _tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def _user_detail(store: IamStore, user: User) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "Path": user.path,
        "UserName": user.name,
        "UserId": user.unique_id,
        "Arn": user.arn,
        "CreateDate": user.created,
    }
    if user.inline_policies:
        detail["UserPolicyList"] = _inline_list(user)
    detail.update(
        GroupList=[group.name for group in store.groups_of(user)],
        AttachedManagedPolicies=attached_policy_entries(store, user),
        PermissionsBoundary=boundary_dict(user.permissions_boundary),
        Tags=_tags(user.tags),
    )
    return detail


def _group_detail(store: IamStore, group: Group) -> dict[str, Any]:
    return {
        **group_dict(group),
        "GroupPolicyList": _inline_list(group),
        "AttachedManagedPolicies": attached_policy_entries(store, group),
    }


def _role_detail(ctx: RequestContext, store: IamStore, role: Role) -> dict[str, Any]:
    return {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.unique_id,
        "Arn": role.arn,
        "CreateDate": role.created,
        "AssumeRolePolicyDocument": quote_document(role.assume_role_policy)
        if role.assume_role_policy
        else None,
        "InstanceProfileList": [
            profile_dict(store, profile) for profile in profiles_of(store, role)
        ],
        "RolePolicyList": _inline_list(role),
        "AttachedManagedPolicies": attached_policy_entries(store, role),
        "PermissionsBoundary": boundary_dict(role.permissions_boundary),
        "Tags": _tags(role.tags),
        "RoleLastUsed": role_last_used(ctx, role),
    }


def _policy_detail(policy: ManagedPolicy, boundaries: dict[str, int]) -> dict[str, Any]:
    detail = policy_entry(policy, policy.attachment_count, boundaries.get(policy.arn, 0))
    if policy.description is not None:
        detail["Description"] = policy.description
    detail["PolicyVersionList"] = version_entries(policy, documents=True)
    return detail
