"""IAM service last accessed (Access Advisor): the four report operations.

A report is computed in full when its job is created, as AWS does (observed: a policy
change made while the job is IN_PROGRESS does not change its result), and kept as the
job's result. GetServiceLastAccessedDetailsWithEntities resolves names, paths and ARNs
when it is read (observed: a renamed user shows its new name in an old job; a deleted
identity is dropped), from the unique ids frozen at creation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Union

from ...errors import AccessDenied, InvalidInput, NoSuchEntity, ValidationError
from ...pagination import encode_marker, marker_index, paginate
from ...policy import catalogue
from ...policy.evaluator import (
    allowed_services,
    allowed_tracked_actions,
    compile_policy,
    policy_grants,
)
from ...service import RequestContext
from . import provider
from .policies import managed_policy
from .policy_sources import PolicySource, identity_policy_sources
from .store import Group, IamStore, ManagedPolicy, Role, User

JOB_KIND = "service-last-accessed"
TRACKING_PERIOD = timedelta(days=400)
REPORT_PAGE = 200  # observed default page size; the documentation says 100
ENTITIES_PAGE = 100  # documented default; AWS was never observed past it
GRANTS_PAGE_POLICIES = 1000  # AWS's threshold was never reached in observations

Target = Union[User, Group, Role, ManagedPolicy]


# ---- ARN resolution ---------------------------------------------------------------------

def _resolve_target(ctx: RequestContext, arn: str, *, allow_policy: bool, root_message: str) -> Target:
    """The user, group, role or managed policy an ARN names, with AWS's errors.

    Observed: a wrong or missing path still resolves by name; another account's ARN is
    AccessDenied; an s3 ARN is "Invalid service in ARN"; another partition is "Invalid ARN
    partition"; the root ARN and unsupported types are InvalidInput.
    """
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise InvalidInput(f"Invalid Entity Arn: {arn} is not supported.")
    _, partition, service, _region, account, resource = parts
    if partition != "aws":
        raise ValidationError("Invalid ARN partition")
    if service != "iam":
        raise ValidationError("Invalid service in ARN")
    if resource == "root":
        raise InvalidInput(root_message.format(arn=arn))
    kind, _, rest = resource.partition("/")
    name = rest.rsplit("/", 1)[-1]
    if kind not in ("user", "group", "role", "policy") or not name:
        raise InvalidInput(f"Invalid Entity Arn: {arn} is not supported.")
    if kind == "policy" and not allow_policy:
        raise InvalidInput(f"Invalid Entity Arn: {arn} is not supported.")
    if kind == "policy" and account == "aws":
        found: Target | None = managed_policy(ctx.store, f"arn:aws:iam::aws:policy/{rest}")
        if found is None:
            found = managed_policy(ctx.store, f"arn:aws:iam::aws:policy/{name}")
    else:
        if account != ctx.account_id:
            raise AccessDenied(f"User: {ctx.principal.arn} is not authorized to perform the operation on {arn}")
        store: IamStore = ctx.store
        if kind == "user":
            found = store.user(name)
        elif kind == "group":
            found = store.group(name)
        elif kind == "role":
            found = store.role(name)
        else:
            found = _customer_policy_by_name(store, name)
    if found is None:
        raise NoSuchEntity(f"ARN {arn} does not exist.")
    return found


def _customer_policy_by_name(store: IamStore, name: str) -> ManagedPolicy | None:
    for policy in store.policies.values():
        if not policy.aws_managed and policy.name == name:
            return policy
    return None


# ---- the report -------------------------------------------------------------------------

@dataclass
class ServiceReport:
    """What GetServiceLastAccessedDetails[WithEntities] serves for one job."""

    job_type: str
    rows: list[dict[str, Any]]
    # namespace -> [(entity id, kind, last authenticated or None)], for WithEntities
    entities: dict[str, list[tuple[str, str, datetime | None]]]


def _minute(value: datetime) -> datetime:
    # AWS reports last-accessed times to the minute (every published example ends in :00).
    return value.replace(second=0, microsecond=0)


def _report_entities(store: IamStore, target: Target) -> list[User | Role]:
    """Whose activity a report counts: the user or role itself, a group's members, or the
    users (directly or through a group) and roles a managed policy is attached to."""
    if isinstance(target, (User, Role)):
        return [target]
    if isinstance(target, Group):
        members = [store.user_by_id(uid) for uid in target.members]
        return sorted((u for u in members if u is not None), key=lambda u: u.name.lower())
    users: dict[str, User] = {}
    for user_id in target.users:
        user = store.user_by_id(user_id)
        if user is not None:
            users[user.unique_id] = user
    for group_id in target.groups:
        group = store.by_id(group_id)
        if isinstance(group, Group):
            for user_id in group.members:
                user = store.user_by_id(user_id)
                if user is not None:
                    users[user.unique_id] = user
    roles = [store.role_by_id(rid) for rid in target.roles]
    ordered_users = sorted(users.values(), key=lambda u: u.name.lower())
    ordered_roles = sorted((r for r in roles if r is not None), key=lambda r: r.name.lower())
    return [*ordered_users, *ordered_roles]


def _report_policies(store: IamStore, target: Target) -> list[PolicySource]:
    if isinstance(target, ManagedPolicy):
        return [PolicySource("MANAGED", target.name, target.document, policy_arn=target.arn)]
    return identity_policy_sources(store, target)


def build_report(ctx: RequestContext, target: Target, granularity: str) -> ServiceReport:
    store: IamStore = ctx.store
    now = ctx.world.clock.now()
    oldest = (now - TRACKING_PERIOD).timestamp()
    newest = now.timestamp()
    activity = ctx.world.activity
    account = ctx.account_id
    compiled = [compile_policy(source.document) for source in _report_policies(store, target)]
    entities = _report_entities(store, target)
    names = catalogue.service_names()
    action_level = granularity == "ACTION_LEVEL"
    rows: list[dict[str, Any]] = []
    per_service: dict[str, list[tuple[str, str, datetime | None]]] = {}
    for namespace in allowed_services(compiled):
        last: tuple[float, str, str] | None = None  # (stamp, region, entity arn)
        count = 0
        listed: list[tuple[str, str, datetime | None]] = []
        for entity in entities:
            seen = activity.service_access(account, entity.unique_id, namespace)
            kind = "USER" if isinstance(entity, User) else "ROLE"
            if seen is not None and oldest <= seen[0] <= newest:
                count += 1
                listed.append((entity.unique_id, kind, _minute(seen.when)))
                if last is None or seen[0] > last[0]:
                    last = (seen[0], seen[1], entity.arn)
            else:
                listed.append((entity.unique_id, kind, None))
        row: dict[str, Any] = {"ServiceName": names[namespace], "ServiceNamespace": namespace}
        if last is not None:
            row["LastAuthenticated"] = _minute(datetime.fromtimestamp(last[0], tz=now.tzinfo))
            row["LastAuthenticatedEntity"] = last[2]
            row["LastAuthenticatedRegion"] = last[1]
        row["TotalAuthenticatedEntities"] = count
        if action_level:
            tracked = _tracked_rows(ctx, compiled, namespace, entities, oldest, newest)
            if tracked:
                row["TrackedActionsLastAccessed"] = tracked
        rows.append(row)
        per_service[namespace] = listed
    return ServiceReport(granularity, rows, per_service)


def _tracked_rows(
    ctx: RequestContext,
    compiled: list[Any],
    namespace: str,
    entities: list[User | Role],
    oldest: float,
    newest: float,
) -> list[dict[str, Any]]:
    """Granted ∩ tracked actions, alphabetical; an unused one is just {ActionName} (observed)."""
    out = []
    for action in allowed_tracked_actions(compiled, namespace):
        entry: dict[str, Any] = {"ActionName": action}
        best: tuple[float, str, str] | None = None
        for entity in entities:
            seen = ctx.world.activity.action_access(ctx.account_id, entity.unique_id, f"{namespace}:{action}")
            if seen is not None and oldest <= seen[0] <= newest and (best is None or seen[0] > best[0]):
                best = (seen[0], seen[1], entity.arn)
        if best is not None:
            entry["LastAccessedEntity"] = best[2]
            entry["LastAccessedTime"] = _minute(datetime.fromtimestamp(best[0], tz=ctx.world.clock.now().tzinfo))
            entry["LastAccessedRegion"] = best[1]
        out.append(entry)
    return out


# ---- the operations ---------------------------------------------------------------------

@provider.handles("GenerateServiceLastAccessedDetails")
def generate_service_last_accessed_details(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    target = _resolve_target(
        ctx, params["Arn"], allow_policy=True, root_message="Invalid Entity Arn: {arn} is not supported."
    )
    report = build_report(ctx, target, params.get("Granularity", "SERVICE_LEVEL"))
    job = ctx.world.jobs.create(JOB_KIND, ctx.principal.owner, ctx.account_id, report)
    return {"JobId": job.job_id}


def _find_job(ctx: RequestContext, job_id: str) -> Any:
    job = ctx.world.jobs.find(job_id, JOB_KIND, ctx.principal.owner, ctx.account_id)
    if job is None:
        raise NoSuchEntity(f"Job {job_id} does not exist.")
    return job


def _foreign_marker() -> InvalidInput:
    return InvalidInput("The marker passed in the request was invalid.")


@provider.handles("GetServiceLastAccessedDetails")
def get_service_last_accessed_details(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Deviation: activity is visible at once (AWS publishes it within about four hours)."""
    job = _find_job(ctx, params["JobId"])
    status = job.poll(ctx.world.clock.now())
    if status == "IN_PROGRESS":
        # Observed: only these three members while the job runs.
        return {"JobStatus": status, "JobCreationDate": job.created, "IsTruncated": False}
    report: ServiceReport = job.result
    out: dict[str, Any] = {
        "JobStatus": status,
        "JobType": report.job_type,
        "JobCreationDate": job.created,
        "JobCompletionDate": job.completed,
    }
    if status == "FAILED":
        code, message = job.failure
        out.update(ServicesLastAccessed=[], IsTruncated=False, Error={"Code": code, "Message": message})
        return out
    page, marker = paginate(
        report.rows,
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=("services", job.job_id),
        default_page=REPORT_PAGE,
        foreign_marker=_foreign_marker,
    )
    out.update(ServicesLastAccessed=page, IsTruncated=marker is not None, Marker=marker)
    return out


@provider.handles("GetServiceLastAccessedDetailsWithEntities")
def get_service_last_accessed_details_with_entities(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """Entities most recent first, never-used ones after (users then roles, by name).

    Rule chosen (undocumented): a valid namespace the report does not list gives an empty
    EntityDetailsList.
    """
    job = _find_job(ctx, params["JobId"])
    namespace = params["ServiceNamespace"]
    if namespace not in catalogue.service_names():
        # "namepace" is AWS's own spelling (observed).
        raise InvalidInput(f"Service namepace {namespace} is either invalid or unsupported.")
    status = job.poll(ctx.world.clock.now())
    if status == "IN_PROGRESS":
        return {"JobStatus": status, "JobCreationDate": job.created, "IsTruncated": False}
    out: dict[str, Any] = {
        "JobStatus": status,
        "JobCreationDate": job.created,
        "JobCompletionDate": job.completed,
    }
    if status == "FAILED":
        code, message = job.failure
        out.update(EntityDetailsList=[], IsTruncated=False, Error={"Code": code, "Message": message})
        return out
    report: ServiceReport = job.result
    store: IamStore = ctx.store
    details = []
    for entity_id, kind, last in report.entities.get(namespace, []):
        entity = store.by_id(entity_id)
        if entity is None:
            continue  # observed: a deleted identity is dropped
        info = {"Arn": entity.arn, "Name": entity.name, "Type": kind, "Id": entity.unique_id, "Path": entity.path}
        details.append((last, kind, entity.name.lower(), {"EntityInfo": info, "LastAuthenticated": last}))
    used = sorted((d for d in details if d[0] is not None), key=lambda d: d[0], reverse=True)
    unused = sorted((d for d in details if d[0] is None), key=lambda d: (d[1] != "USER", d[2]))
    ordered = [d[3] for d in (*used, *unused)]
    page, marker = paginate(
        ordered,
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=("entities", job.job_id),
        default_page=ENTITIES_PAGE,
        foreign_marker=_foreign_marker,
    )
    out.update(EntityDetailsList=page, IsTruncated=marker is not None, Marker=marker)
    return out


@provider.handles("ListPoliciesGrantingServiceAccess")
def list_policies_granting_service_access(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Per requested namespace (request order, duplicates dropped), the policies that grant it.

    Each policy is judged on its own (observed: most Denies elsewhere do not remove it).
    Rule chosen: a page ends after the namespace that brings it to 1,000 policy entries.
    """
    target = _resolve_target(
        ctx, params["Arn"], allow_policy=False, root_message="Could not extract entity from ARN : {arn}"
    )
    requested = list(dict.fromkeys(params["ServiceNamespaces"]))
    known = catalogue.service_names()
    invalid = [ns for ns in requested if ns not in known]
    if invalid:
        raise InvalidInput(f"Invalid service namespace: [{', '.join(invalid)}]")
    assert not isinstance(target, ManagedPolicy)
    sources = identity_policy_sources(ctx.store, target)
    compiled = [(source, compile_policy(source.document)) for source in sources]
    rows = []
    for namespace in requested:
        policies = []
        for source, policy in compiled:
            if policy_grants(policy, namespace):
                policies.append(source.entry())
        rows.append({"ServiceNamespace": namespace, "Policies": policies})
    scope = ("grants", target.unique_id, requested)
    start = marker_index(params.get("Marker"), scope, len(rows))
    end, total = start, 0
    while end < len(rows) and (end == start or total < GRANTS_PAGE_POLICIES):
        total += len(rows[end]["Policies"])
        end += 1
    next_marker = encode_marker(scope, end) if end < len(rows) else None
    return {
        "PoliciesGrantingServiceAccess": rows[start:end],
        "IsTruncated": next_marker is not None,
        "Marker": next_marker,
    }

