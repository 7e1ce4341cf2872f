"""IAM managed policies: policies, versions, attachments and the listings built on them.

Customer managed policies live in ``IamStore.policies`` by ARN; AWS managed policies come
from the catalogue in ``aws_managed`` and get a per-account view there on first reference.

Rules chosen where AWS is silent (each handler's docstring repeats its own):

* ListPolicies lists the account's policies first, ordered by name (case-insensitive), then
  the AWS managed ones in AWS's own order (the source data's order, which matches a 2026
  recording of ``ListPolicies Scope=AWS``). A 2026 recording found a new local policy in
  the first page of an unscoped ListPolicies, which fits local-first.
* Changing an AWS managed policy (DeletePolicy, CreatePolicyVersion, DeletePolicyVersion,
  SetDefaultPolicyVersion) answers AccessDenied "User: <caller> is not authorized to
  perform: iam:<Op> on resource: policy <arn>".
* A policy-level lookup that fails answers NoSuchEntity "Policy <arn> was not found.";
  a version-level one "Policy <arn> version <v> does not exist or is not attachable."
  (recorded for GetPolicyVersion, DeletePolicyVersion and SetDefaultPolicyVersion).
* Attached policies are listed in attach order; ListEntitiesForPolicy lists groups, then
  users, then roles, each by name (case-insensitive).
* Quota checks (policy size, 5 versions, attachments per entity) come after the document
  and entity checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from ...errors import (
    AccessDenied,
    DeleteConflict,
    EntityAlreadyExists,
    InvalidInput,
    LimitExceeded,
    NoSuchEntity,
    ValidationError,
)
from ...identity import new_id
from ...pagination import paginate
from ...policy.document import parse_policy_document, policy_size
from ...service import RequestContext
from . import aws_managed, provider
from .aws_managed import AwsManagedPolicy, AwsPolicyVersion
from .store import Group, IamStore, ManagedPolicy, PolicyVersion, Role, User

_ARN = re.compile(r"arn:[\w-]+:[\w-]+:[^:]*:[^:]*:.+")
MANAGED_POLICY_SIZE = 6144
VERSIONS_PER_POLICY = 5
ATTACHED_POLICIES_QUOTA = {
    "user": ("PoliciesPerUser", 10),
    "group": ("PoliciesPerGroup", 10),
    "role": ("PoliciesPerRole", 20),
}

Identity = User | Group | Role
AnyPolicy = ManagedPolicy | AwsManagedPolicy


# ---- shared helpers (also used by inline.py and account.py) -----------------------------


def quote_document(text: str) -> str:
    """A policy document as IAM puts it on the wire: URL-encoded JSON text.

    botocore's ``json_decode_policies`` unquotes it and parses the JSON for the caller.
    """
    return quote(text, safe="")


def require_identity(store: IamStore, kind: str, name: str) -> Identity:
    """The user, group or role named ``name`` (case-insensitive), or NoSuchEntity."""
    found: Identity | None
    if kind == "user":
        found = store.user(name)
    elif kind == "group":
        found = store.group(name)
    else:
        found = store.role(name)
    if found is None:
        raise NoSuchEntity(f"The {kind} with name {name} cannot be found.")
    return found


def managed_policy(store: IamStore, arn: str) -> ManagedPolicy | None:
    """A customer managed policy of this account, or this account's view of an AWS one."""
    found = store.policies.get(arn)
    if found is not None:
        return found
    return aws_managed.account_view(store, arn) if aws_managed.is_aws_managed_arn(arn) else None


def boundary_usage(store: IamStore) -> dict[str, int]:
    """How many users and roles use each policy ARN as their permissions boundary."""
    counts: dict[str, int] = {}
    for arn in _boundaries(store):
        counts[arn] = counts.get(arn, 0) + 1
    return counts


def _boundaries(store: IamStore) -> list[str]:
    arns = [user.permissions_boundary for user in store.users.values()]
    arns.extend(role.permissions_boundary for role in store.roles.values())
    return [arn for arn in arns if arn]


def policy_entry(policy: AnyPolicy, attachments: int, boundaries: int) -> dict[str, Any]:
    """The ``Policy`` shape members every policy listing shares."""
    return {
        "PolicyName": policy.name,
        "PolicyId": policy.policy_id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version_id,
        "AttachmentCount": attachments,
        "PermissionsBoundaryUsageCount": boundaries,
        "IsAttachable": True,
        "CreateDate": policy.created,
        "UpdateDate": policy.updated,
    }


def version_entries(policy: ManagedPolicy, *, documents: bool) -> list[dict[str, Any]]:
    """A policy's versions, newest first (as ListPolicyVersions and GAAD return them)."""
    if policy.aws_managed:
        record = aws_managed.lookup(policy.arn)
        if record is not None:
            versions = aws_managed.catalogue().versions(record)
            return [
                _version_entry(v, v.version_id == policy.default_version_id, documents)
                for v in versions
            ]
    ordered = sorted(
        policy.versions.values(), key=lambda v: _version_number(v.version_id), reverse=True
    )
    return [
        _version_entry(v, v.version_id == policy.default_version_id, documents) for v in ordered
    ]


def _version_entry(
    version: PolicyVersion | AwsPolicyVersion, is_default: bool, document: bool
) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if document:
        entry["Document"] = quote_document(version.document)
    entry.update(
        VersionId=version.version_id, IsDefaultVersion=is_default, CreateDate=version.created
    )
    return entry


def _version_number(version_id: str) -> int:
    digits = version_id[1:].split(".", 1)[0]
    return int(digits) if digits.isdigit() else 0


def _tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def _not_found(arn: str) -> NoSuchEntity:
    return NoSuchEntity(f"Policy {arn} was not found.")


def _version_not_found(arn: str, version_id: str) -> NoSuchEntity:
    return NoSuchEntity(f"Policy {arn} version {version_id} does not exist or is not attachable.")


def _customer_policy(
    ctx: RequestContext, arn: str, missing: Callable[[], NoSuchEntity]
) -> ManagedPolicy:
    """A customer managed policy that may be changed; AWS managed ones are read-only."""
    if aws_managed.is_aws_managed_arn(arn) and aws_managed.lookup(arn) is not None:
        raise AccessDenied(
            f"User: {ctx.principal.arn} is not authorized to perform: iam:{ctx.operation} on resource: policy {arn}"
        )
    store: IamStore = ctx.store
    policy = store.policies.get(arn)
    if policy is None or policy.aws_managed:
        raise missing()
    return policy


def _validated_document(text: str) -> str:
    parse_policy_document(text, managed=True)
    if policy_size(text) > MANAGED_POLICY_SIZE:
        raise LimitExceeded(f"Cannot exceed quota for PolicySize: {MANAGED_POLICY_SIZE}")
    return text


# ---- managed policies ----------------------------------------------------------------------


@provider.handles("CreatePolicy")
def create_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Create a customer managed policy (version v1, the default).

    As recorded from AWS: the answer carries ``Tags`` only when some were given and never
    the ``Description`` (GetPolicy shows it). Policy tags are case-sensitive.
    """
    store: IamStore = ctx.store
    name = params["PolicyName"]
    path = params.get("Path", "/")
    tags = _validated_tags(params.get("Tags", []))
    lowered = name.lower()
    for existing in store.policies.values():
        if not existing.aws_managed and existing.name.lower() == lowered:
            raise EntityAlreadyExists(
                f"A policy called {name} already exists. Duplicate names are not allowed."
            )
    document = _validated_document(params["PolicyDocument"])
    now = ctx.world.clock.now()
    policy = ManagedPolicy(
        name=name,
        path=path,
        policy_id=new_id("ANPA"),
        arn=f"arn:aws:iam::{ctx.account_id}:policy{path}{name}",
        created=now,
        updated=now,
        description=params.get("Description"),
        versions={"v1": PolicyVersion("v1", document, now, True)},
        tags=tags,
    )
    store.policies[policy.arn] = policy
    entry = policy_entry(policy, 0, 0)
    if tags:
        entry["Tags"] = _tag_list(tags)
    return {"Policy": entry}


def _validated_tags(tags: list[dict[str, str]]) -> dict[str, str]:
    keys = [tag["Key"] for tag in tags]
    if any(key.lower().startswith("aws:") for key in keys):
        raise InvalidInput("Tag keys beginning with aws: are reserved for system use.")
    if len(set(keys)) != len(keys):
        raise InvalidInput("Duplicate tag keys found.")
    return {tag["Key"]: tag.get("Value", "") for tag in tags}


@provider.handles("GetPolicy")
def get_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Describe a customer or AWS managed policy (``Tags`` always present, as AWS answers)."""
    store: IamStore = ctx.store
    arn = params["PolicyArn"]
    policy = managed_policy(store, arn)
    if policy is None:
        raise _not_found(arn)
    entry = policy_entry(policy, policy.attachment_count, boundary_usage(store).get(arn, 0))
    if policy.description is not None:
        entry["Description"] = policy.description
    entry["Tags"] = _tag_list(policy.tags)
    return {"Policy": entry}


@provider.handles("ListPolicies")
def list_policies(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """List managed policies: the account's by name, then AWS's in AWS's own order.

    With OnlyAttached, only policies in use (attached, or a permissions boundary; narrowed by
    PolicyUsageFilter) are listed; without it PolicyUsageFilter hides nothing (observed).
    """
    store: IamStore = ctx.store
    scope = params.get("Scope", "All")
    only_attached = params.get("OnlyAttached", False)
    prefix = params.get("PathPrefix", "/")
    usage = params.get("PolicyUsageFilter")
    boundaries = boundary_usage(store)

    def in_use(policy: AnyPolicy, attachments: int) -> bool:
        if not only_attached:
            return True
        if usage == "PermissionsPolicy":
            return attachments > 0
        if usage == "PermissionsBoundary":
            return boundaries.get(policy.arn, 0) > 0
        return attachments > 0 or boundaries.get(policy.arn, 0) > 0

    listed: list[tuple[tuple[str, str], AnyPolicy]] = []
    if scope in ("All", "Local"):
        for policy in store.policies.values():
            if (
                not policy.aws_managed
                and policy.path.startswith(prefix)
                and in_use(policy, policy.attachment_count)
            ):
                # Names are unique ignoring case, so the lower-cased name alone is the key.
                listed.append((("0", policy.name.lower()), policy))
        listed.sort(key=lambda item: item[0])
    if scope in ("All", "AWS"):
        if only_attached:
            listed.extend(_aws_policies_in_use(store, prefix, in_use))
        else:
            for record in aws_managed.catalogue().policies:
                if record.path.startswith(prefix):
                    listed.append((("1", f"{record.order:06d}"), record))
    page, marker = paginate(
        listed,
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=("ListPolicies", scope, only_attached, prefix, usage),
        key=lambda item: item[0],
    )
    entries = []
    for _, listed_policy in page:
        view = store.policies.get(listed_policy.arn)
        attachments = view.attachment_count if view is not None else 0
        entries.append(
            policy_entry(listed_policy, attachments, boundaries.get(listed_policy.arn, 0))
        )
    return {"Policies": entries, "IsTruncated": marker is not None, "Marker": marker}


def _aws_policies_in_use(
    store: IamStore, prefix: str, in_use: Callable[[AnyPolicy, int], bool]
) -> list[tuple[tuple[str, str], AnyPolicy]]:
    found: list[tuple[tuple[str, str], AnyPolicy]] = []
    arns = {p.arn for p in store.policies.values() if p.aws_managed}
    arns.update(arn for arn in boundary_usage(store) if aws_managed.is_aws_managed_arn(arn))
    for arn in arns:
        record = aws_managed.lookup(arn)
        if record is None or not record.path.startswith(prefix):
            continue
        view = store.policies.get(arn)
        if in_use(record, view.attachment_count if view is not None else 0):
            found.append((("1", f"{record.order:06d}"), record))
    found.sort(key=lambda item: item[0])
    return found


@provider.handles("DeletePolicy")
def delete_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Delete a customer managed policy that is not in use and has only its default version."""
    store: IamStore = ctx.store
    arn = params["PolicyArn"]
    policy = _customer_policy(ctx, arn, lambda: _not_found(arn))
    if policy.attachment_count or boundary_usage(store).get(arn, 0):
        raise DeleteConflict("Cannot delete a policy attached to entities.")
    if len(policy.versions) > 1:
        raise DeleteConflict(
            "This policy has more than one version. Before you delete a policy, you must delete the "
            "policy's versions. The default version is deleted with the policy."
        )
    del store.policies[arn]
    return {}


# ---- versions ------------------------------------------------------------------------------


@provider.handles("CreatePolicyVersion")
def create_policy_version(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Add a version (at most 5 per policy); SetAsDefault makes it the default.

    UpdateDate becomes the new version's creation time, as AWS documents it.
    """
    arn = params["PolicyArn"]
    policy = _customer_policy(ctx, arn, lambda: _not_found(arn))
    document = _validated_document(params["PolicyDocument"])
    if len(policy.versions) >= VERSIONS_PER_POLICY:
        raise LimitExceeded(
            "A managed policy can have up to 5 versions. Before you create a new version, you must "
            "delete an existing version."
        )
    now = ctx.world.clock.now()
    version_id = f"v{policy.next_version}"
    policy.next_version += 1
    version = PolicyVersion(version_id, document, now, False)
    policy.versions[version_id] = version
    if params.get("SetAsDefault", False):
        _make_default(policy, version_id)
    policy.updated = now
    return {"PolicyVersion": _version_entry(version, version.is_default, False)}


def _make_default(policy: ManagedPolicy, version_id: str) -> None:
    for version in policy.versions.values():
        version.is_default = version.version_id == version_id
    policy.default_version_id = version_id


@provider.handles("GetPolicyVersion")
def get_policy_version(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """One version of a customer or AWS managed policy, with its document."""
    store: IamStore = ctx.store
    arn, version_id = params["PolicyArn"], params["VersionId"]
    record = aws_managed.lookup(arn) if aws_managed.is_aws_managed_arn(arn) else None
    found: PolicyVersion | AwsPolicyVersion | None
    if record is not None:
        found = aws_managed.catalogue().version(record, version_id)
        default_id = record.default_version_id
    else:
        policy = store.policies.get(arn)
        found = policy.versions.get(version_id) if policy is not None else None
        default_id = policy.default_version_id if policy is not None else ""
    if found is None:
        raise _version_not_found(arn, version_id)
    return {"PolicyVersion": _version_entry(found, version_id == default_id, True)}


@provider.handles("ListPolicyVersions")
def list_policy_versions(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """A policy's versions, newest first (as recorded from AWS), without documents."""
    store: IamStore = ctx.store
    arn = params["PolicyArn"]
    policy = managed_policy(store, arn)
    if policy is None:
        raise _not_found(arn)
    versions = version_entries(policy, documents=False)
    page, marker = paginate(
        versions,
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=("ListPolicyVersions", arn),
        key=lambda entry: -_version_number(entry["VersionId"]),
    )
    return {"Versions": page, "IsTruncated": marker is not None, "Marker": marker}


@provider.handles("DeletePolicyVersion")
def delete_policy_version(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Delete a non-default version; UpdateDate falls back to the newest remaining version."""
    arn, version_id = params["PolicyArn"], params["VersionId"]
    policy = _customer_policy(ctx, arn, lambda: _version_not_found(arn, version_id))
    if version_id not in policy.versions:
        raise _version_not_found(arn, version_id)
    if version_id == policy.default_version_id:
        raise DeleteConflict("Cannot delete the default version of a policy.")
    del policy.versions[version_id]
    policy.updated = max(version.created for version in policy.versions.values())
    return {}


@provider.handles("SetDefaultPolicyVersion")
def set_default_policy_version(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Make an existing version the default one."""
    arn, version_id = params["PolicyArn"], params["VersionId"]
    policy = _customer_policy(ctx, arn, lambda: _version_not_found(arn, version_id))
    if version_id not in policy.versions:
        raise _version_not_found(arn, version_id)
    _make_default(policy, version_id)
    return {}


# ---- attachments -----------------------------------------------------------------------------


def _attach(ctx: RequestContext, params: dict[str, Any], kind: str) -> dict[str, Any]:
    store: IamStore = ctx.store
    arn = params["PolicyArn"]
    if _ARN.fullmatch(arn) is None:
        # AWS's text, two spaces included (LocalStack's AWS-validated IAM provider).
        raise ValidationError("Invalid ARN:  Could not be parsed!")
    entity = require_identity(store, kind, params[f"{kind.capitalize()}Name"])
    policy = managed_policy(store, arn)
    if policy is None:
        raise NoSuchEntity(f"Policy {arn} does not exist or is not attachable.")
    if arn in entity.attached_policies:
        return {}  # attaching twice changes nothing
    quota_name, quota = ATTACHED_POLICIES_QUOTA[kind]
    if len(entity.attached_policies) >= quota:
        raise LimitExceeded(f"Cannot exceed quota for {quota_name}: {quota}")
    entity.attached_policies[arn] = None
    _attachments(policy, kind)[entity.unique_id] = None
    return {}


def _detach(ctx: RequestContext, params: dict[str, Any], kind: str) -> dict[str, Any]:
    store: IamStore = ctx.store
    entity = require_identity(store, kind, params[f"{kind.capitalize()}Name"])
    arn = params["PolicyArn"]
    if arn not in entity.attached_policies:
        raise NoSuchEntity(f"Policy {arn} was not found.")
    del entity.attached_policies[arn]
    policy = store.policies.get(arn)
    if policy is not None:
        _attachments(policy, kind).pop(entity.unique_id, None)
    return {}


def _attachments(policy: ManagedPolicy, kind: str) -> dict[str, None]:
    if kind == "user":
        return policy.users
    if kind == "group":
        return policy.groups
    return policy.roles


@provider.handles("AttachUserPolicy")
def attach_user_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Attach a managed policy to a user (at most 10; attaching twice is a no-op)."""
    return _attach(ctx, params, "user")


@provider.handles("AttachGroupPolicy")
def attach_group_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Attach a managed policy to a group (at most 10; attaching twice is a no-op)."""
    return _attach(ctx, params, "group")


@provider.handles("AttachRolePolicy")
def attach_role_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Attach a managed policy to a role (at most 20; attaching twice is a no-op)."""
    return _attach(ctx, params, "role")


@provider.handles("DetachUserPolicy")
def detach_user_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Detach a managed policy from a user."""
    return _detach(ctx, params, "user")


@provider.handles("DetachGroupPolicy")
def detach_group_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Detach a managed policy from a group."""
    return _detach(ctx, params, "group")


@provider.handles("DetachRolePolicy")
def detach_role_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Detach a managed policy from a role."""
    return _detach(ctx, params, "role")


def attached_policy_entries(
    store: IamStore, entity: Identity, prefix: str = "/"
) -> list[dict[str, str]]:
    """An entity's attached managed policies in attach order, as ``AttachedPolicy`` shapes."""
    entries = []
    for arn in entity.attached_policies:
        policy = managed_policy(store, arn)
        if policy is not None and policy.path.startswith(prefix):
            entries.append({"PolicyName": policy.name, "PolicyArn": arn})
    return entries


def _list_attached(ctx: RequestContext, params: dict[str, Any], kind: str) -> dict[str, Any]:
    store: IamStore = ctx.store
    name = params[f"{kind.capitalize()}Name"]
    entity = require_identity(store, kind, name)
    prefix = params.get("PathPrefix", "/")
    page, marker = paginate(
        attached_policy_entries(store, entity, prefix),
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=(ctx.operation, entity.unique_id, prefix),
    )
    return {"AttachedPolicies": page, "IsTruncated": marker is not None, "Marker": marker}


@provider.handles("ListAttachedUserPolicies")
def list_attached_user_policies(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """A user's attached managed policies, in attach order (order undocumented)."""
    return _list_attached(ctx, params, "user")


@provider.handles("ListAttachedGroupPolicies")
def list_attached_group_policies(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """A group's attached managed policies, in attach order (order undocumented)."""
    return _list_attached(ctx, params, "group")


@provider.handles("ListAttachedRolePolicies")
def list_attached_role_policies(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """A role's attached managed policies, in attach order (order undocumented)."""
    return _list_attached(ctx, params, "role")


@provider.handles("ListEntitiesForPolicy")
def list_entities_for_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The groups, users and roles a policy is attached to or bounds.

    Groups come first, then users, then roles, each by name (order undocumented). Without
    PolicyUsageFilter both uses are listed, an entity once. EntityFilter LocalManagedPolicy
    and AWSManagedPolicy list nothing (observed).
    """
    store: IamStore = ctx.store
    arn = params["PolicyArn"]
    policy = store.policies.get(arn)
    if policy is None and aws_managed.lookup(arn) is None:
        raise _not_found(arn)
    entity_filter = params.get("EntityFilter")
    usage = params.get("PolicyUsageFilter")
    prefix = params.get("PathPrefix", "/")
    chosen: dict[str, Identity] = {}
    if usage != "PermissionsBoundary" and policy is not None:
        for ids in (policy.groups, policy.users, policy.roles):
            for unique_id in ids:
                attached = store.by_id(unique_id)
                if attached is not None:
                    chosen[unique_id] = attached
    if usage != "PermissionsPolicy":
        bounded: list[User | Role] = [*store.users.values(), *store.roles.values()]
        for entity in bounded:
            if entity.permissions_boundary == arn:
                chosen[entity.unique_id] = entity
    rank = {Group: 0, User: 1, Role: 2}
    kinds = {"Group": Group, "User": User, "Role": Role}
    wanted = kinds.get(entity_filter) if entity_filter else None
    listed = sorted(
        (
            (rank[type(entity)], entity.name.lower(), entity.unique_id, entity)
            for entity in chosen.values()
            if entity.path.startswith(prefix)
            and (entity_filter is None or (wanted is not None and isinstance(entity, wanted)))
        ),
        key=lambda item: item[:3],
    )
    page, marker = paginate(
        listed,
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=("ListEntitiesForPolicy", arn, entity_filter, usage, prefix),
        key=lambda item: item[:3],
    )
    result: dict[str, Any] = {"PolicyGroups": [], "PolicyUsers": [], "PolicyRoles": []}
    for _, _, unique_id, member in page:
        if isinstance(member, Group):
            result["PolicyGroups"].append({"GroupName": member.name, "GroupId": unique_id})
        elif isinstance(member, User):
            result["PolicyUsers"].append({"UserName": member.name, "UserId": unique_id})
        else:
            result["PolicyRoles"].append({"RoleName": member.name, "RoleId": unique_id})
    result.update(IsTruncated=marker is not None, Marker=marker)
    return result
