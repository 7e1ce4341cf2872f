"""IAM service last accessed (Access Advisor): the four report operations.

A report is computed in full when its job is created, as AWS does (observed: a policy
change made while the job is IN_PROGRESS does not change its result), and kept as the
job's result. GetServiceLastAccessedDetailsWithEntities resolves names, paths and ARNs
when it is read (observed: a renamed user shows its new name in an old job; a deleted
identity is dropped), from the unique ids frozen at creation.

Times. ``LastAuthenticated``, ``LastAccessedTime`` and an entity's ``LastAuthenticated``
are truncated to the minute (inferred: every LastAuthenticated AWS has published ends in
``:00``); comparisons and the most-recent-first order use the full recorded time.

Cost. A report reads each counted entity's activity once (O(entities x services and
actions it accessed)), comparing the index's packed values as they are, and takes the
services and tracked actions its policies allow from the evaluator in one look-up. That
look-up is cached per set of compiled policies, and a compiled policy per document text: the
policies that apply are read from the store at every Generate, so a changed document,
default version, attachment or membership is a new key and nothing cached can be stale. A
1,000-member group at action level is generated in about 40 ms, an allow-all role in 20 ms
(benchmarks/bench_reports.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

from ...activity import REGION_BITS, micros_since_epoch
from ...errors import AccessDenied, InvalidInput, NoSuchEntity, ServiceError, ValidationError
from ...jobs import Job
from ...pagination import encode_marker, marker_index, paginate
from ...policy import catalogue
from ...policy.evaluator import (
    allowed_services,
    compile_policy,
    policy_grants,
    tracked_actions_by_service,
)
from ...service import RequestContext
from . import provider
from .policies import managed_policy
from .policy_sources import PolicySource, identity_policy_sources
from .store import Group, IamStore, ManagedPolicy, Role, User

JOB_KIND = "service-last-accessed"
TRACKING_PERIOD = timedelta(days=400)  # "at least the last 400 days" (API reference)
REPORT_PAGE = 200  # observed default page size of GetServiceLastAccessedDetails; the docs say 100
ENTITIES_PAGE = 100  # documented default; AWS was never observed past it
GRANTS_PAGE_POLICIES = 1000  # rule chosen: AWS's threshold was never reached in observations

Target = User | Group | Role | ManagedPolicy
_SAME_TIME = (1 << REGION_BITS) - 1  # packed | _SAME_TIME: the greatest value of that time


# ---- ARN resolution ---------------------------------------------------------------------


def _unsupported(arn: str) -> InvalidInput:
    return InvalidInput(f"Invalid Entity Arn: {arn} is not supported.")


def _resolve_target(
    ctx: RequestContext, arn: str, *, allow_policy: bool, root_message: str
) -> Target:
    """The user, group, role or managed policy an ARN names, with AWS's errors.

    Observed: a wrong or missing path still resolves by name; another account's ARN is
    AccessDenied; a non-IAM ARN is "Invalid service in ARN"; another partition is "Invalid
    ARN partition"; the root ARN is InvalidInput. Rule chosen: any other ARN that does not
    name a user, group, role or (for Generate) managed policy, malformed ones included, is
    InvalidInput "Invalid Entity Arn: <arn> is not supported.".
    """
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise _unsupported(arn)
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
        raise _unsupported(arn)
    if kind == "policy" and not allow_policy:
        raise _unsupported(arn)
    store: IamStore = ctx.store
    found: Target | None
    if kind == "policy" and account == "aws":
        # Rule chosen: an AWS managed policy is named by its real path, or by none.
        found = managed_policy(store, f"arn:aws:iam::aws:policy/{rest}")
        if found is None:
            found = managed_policy(store, f"arn:aws:iam::aws:policy/{name}")
    elif account != ctx.account_id:
        raise AccessDenied(
            f"User: {ctx.principal.arn} is not authorized to perform the operation on {arn}"
        )
    elif kind == "user":
        found = store.user(name)
    elif kind == "group":
        found = store.group(name)
    elif kind == "role":
        found = store.role(name)
    else:
        found = _customer_policy(store, arn, name)
    if found is None:
        raise NoSuchEntity(f"ARN {arn} does not exist.")
    return found


def _customer_policy(store: IamStore, arn: str, name: str) -> ManagedPolicy | None:
    """A customer managed policy by exact ARN, else by name (names are unique in an account,
    case-insensitively, so the path is ignored as it is for users)."""
    found = store.policies.get(arn)
    if found is not None and not found.aws_managed:
        return found
    lowered = name.lower()
    for policy in store.policies.values():
        if not policy.aws_managed and policy.name.lower() == lowered:
            return policy
    return None


# ---- the report -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportEntity:
    """A user or role whose activity a report counts, as it was when the job was created."""

    unique_id: str
    kind: str  # "USER" | "ROLE"
    arn: str


@dataclass(frozen=True)
class ServiceReport:
    """What GetServiceLastAccessedDetails[WithEntities] serves for one job."""

    job_type: str
    # The report's subject: (policy ARN, policy id) for a managed policy, else ("", unique id).
    source: tuple[str, str]
    rows: list[dict[str, Any]]  # ServicesLastAccessed, in namespace order
    entities: tuple[ReportEntity, ...]  # users by name, then roles by name
    listed: frozenset[str]  # the namespaces of ``rows``
    # namespace -> {position in ``entities``: last access (epoch seconds)}, accessed ones only
    accessed: dict[str, dict[int, float]]
    # entity_order per namespace, sorted once per job rather than once per page (issue 11).
    _orders: dict[str, list[int]] = field(default_factory=dict, compare=False, repr=False)

    def entity_order(self, namespace: str) -> list[int]:
        """WithEntities' order: most recent first (ties keep ``entities`` order), then the
        never-used ones in ``entities`` order. The report is frozen: computed once."""
        if namespace not in self.listed:
            return []
        order = self._orders.get(namespace)
        if order is None:
            used = self.accessed.get(namespace, {})
            recent = sorted(used, key=lambda position: (-used[position], position))
            order = recent + [
                position for position in range(len(self.entities)) if position not in used
            ]
            self._orders[namespace] = order
        return order


def _at_minute(timestamp: float) -> datetime:
    # AWS reports last-accessed times to the minute (every published example ends in :00).
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).replace(second=0, microsecond=0)


def _report_entities(store: IamStore, target: Target) -> list[User | Role]:
    """Whose activity a report counts: the user or role itself, a group's members, or the
    users (directly or through a group) and roles a managed policy is attached to."""
    if isinstance(target, (User, Role)):
        return [target]
    if isinstance(target, Group):
        members = (store.user_by_id(user_id) for user_id in target.members)
        return sorted(
            (user for user in members if user is not None), key=lambda user: user.name.lower()
        )
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
    roles = (store.role_by_id(role_id) for role_id in target.roles)
    ordered_users = sorted(users.values(), key=lambda user: user.name.lower())
    ordered_roles = sorted(
        (role for role in roles if role is not None), key=lambda role: role.name.lower()
    )
    return [*ordered_users, *ordered_roles]


def _report_policies(store: IamStore, target: Target) -> list[PolicySource]:
    if isinstance(target, ManagedPolicy):
        return [PolicySource("MANAGED", target.name, target.document, policy_arn=target.arn)]
    return identity_policy_sources(store, target)


def build_report(ctx: RequestContext, target: Target, granularity: str) -> ServiceReport:
    """The report on ``target`` as of now: allowed services, with their counted activity.

    Rules chosen: every attempt of a counted entity on a listed service counts (the mock
    cannot tell which policy let a call through, so a group or policy report counts all of
    its members' or attachees' attempts); an access older than the tracking period is left
    out; an access dated after now (recorded, then the clock set back) still counts,
    since the index keeps only the latest access and leaving it out would hide older ones;
    on equal times, the entity listed first (users before roles, by name) is the
    LastAuthenticatedEntity.
    """
    store: IamStore = ctx.store
    activity = ctx.world.activity
    account = ctx.account_id
    compiled = [compile_policy(source.document) for source in _report_policies(store, target)]
    action_level = granularity == "ACTION_LEVEL"
    tracked_by_service = tracked_actions_by_service(compiled) if action_level else None
    listed = (
        list(tracked_by_service) if tracked_by_service is not None else allowed_services(compiled)
    )
    listed_set = frozenset(listed)
    entities = _report_entities(store, target)

    # The index's packed values (time above region) are compared as they are, with no
    # arithmetic per access: an access is old when its value is below ``oldest``; a later one
    # is one whose value exceeds the best's ``| _SAME_TIME`` (the greatest value of that
    # time), so on equal times the entity listed first stays. Unpacked only for the answers.
    # Never below 0: recorded times are from 1970 on, so -1 stands for "none" (the clock may
    # be early in 1970, when the period starts before it).
    oldest = max(0, micros_since_epoch(ctx.world.clock.now() - TRACKING_PERIOD) << REGION_BITS)
    accessed: dict[str, dict[int, float]] = {}
    # namespace -> the best's value | _SAME_TIME, and the best: (packed, position in entities)
    latest: dict[str, int] = {}
    latest_seen: dict[str, tuple[int, int]] = {}
    # The same per action key ("s3:getobject"), of any service: only the listed services'
    # tracked actions are read. The tracking period is applied to the best alone: it is in
    # the period unless every access is before it.
    latest_actions: dict[str, int] = {}
    latest_actions_seen: dict[str, tuple[int, int]] = {}
    best_action = latest_actions.get
    for position, entity in enumerate(entities):
        record = activity.record_of(account, entity.unique_id)
        if record is None:
            continue
        for namespace, packed in record.services.items():
            if packed < oldest or namespace not in listed_set:
                continue
            used = accessed.get(namespace)
            if used is None:
                used = accessed[namespace] = {}
            used[position] = (packed >> REGION_BITS) / 1e6
            if packed > latest.get(namespace, -1):
                latest[namespace] = packed | _SAME_TIME
                latest_seen[namespace] = (packed, position)
        if action_level:
            for key, packed in record.actions.items():
                if packed > best_action(key, -1):
                    latest_actions[key] = packed | _SAME_TIME
                    latest_actions_seen[key] = (packed, position)

    names = catalogue.service_names()
    rows: list[dict[str, Any]] = []
    for namespace in listed:
        row: dict[str, Any] = {"ServiceName": names[namespace], "ServiceNamespace": namespace}
        if namespace in latest_seen:
            packed, position = latest_seen[namespace]
            seen = activity.unpack(packed)
            row["LastAuthenticated"] = _at_minute(seen.timestamp)
            row["LastAuthenticatedEntity"] = entities[position].arn
            row["LastAuthenticatedRegion"] = seen.region
        row["TotalAuthenticatedEntities"] = len(accessed.get(namespace, ()))
        if tracked_by_service is not None:
            tracked = tracked_by_service[namespace]
            if tracked:
                keys = _tracked_keys(namespace)
                entries: list[dict[str, Any]] = []
                for action in tracked:
                    key = keys[action]
                    if best_action(key, -1) < oldest:  # never, or only before the period
                        entries.append({"ActionName": action})  # just its name (observed)
                        continue
                    packed, position = latest_actions_seen[key]
                    seen = activity.unpack(packed)
                    entries.append(
                        {
                            "ActionName": action,
                            "LastAccessedEntity": entities[position].arn,
                            "LastAccessedTime": _at_minute(seen.timestamp),
                            "LastAccessedRegion": seen.region,
                        }
                    )
                row["TrackedActionsLastAccessed"] = entries
        rows.append(row)
    frozen = tuple(
        ReportEntity(entity.unique_id, "USER" if isinstance(entity, User) else "ROLE", entity.arn)
        for entity in entities
    )
    if isinstance(target, ManagedPolicy):
        source = (target.arn, target.policy_id)
    else:
        source = ("", target.unique_id)
    return ServiceReport(granularity, source, rows, frozen, listed_set, accessed)


@cache
def _tracked_keys(namespace: str) -> dict[str, str]:
    """Each tracked action of a service -> its activity index key ("s3:getobject")."""
    return {
        action: f"{namespace}:{action}".lower() for action in catalogue.tracked_actions(namespace)
    }


# ---- jobs and markers ---------------------------------------------------------------------


def _source_exists(store: IamStore, report: ServiceReport) -> bool:
    """Whether the report's user, group, role or managed policy still exists (by id, not name)."""
    policy_arn, unique_id = report.source
    if not policy_arn:
        return store.by_id(unique_id) is not None
    policy = managed_policy(store, policy_arn)
    return policy is not None and policy.policy_id == unique_id


def _find_job(ctx: RequestContext, job_id: str) -> Job:
    """The caller's job: the same user through any of its keys, or the same role session."""
    job = ctx.world.jobs.find(job_id, JOB_KIND, ctx.principal.owner, ctx.account_id)
    if job is None:
        raise NoSuchEntity(f"Job {job_id} does not exist.")
    return job


def _foreign_marker() -> ServiceError:
    return InvalidInput("The marker passed in the request was invalid.")


def _in_progress(job: Job) -> dict[str, Any]:
    # Observed: only these three members while the job runs.
    return {"JobStatus": "IN_PROGRESS", "JobCreationDate": job.created, "IsTruncated": False}


# ---- the operations ---------------------------------------------------------------------


@provider.handles("GenerateServiceLastAccessedDetails")
def generate_service_last_accessed_details(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """Start a report on a user, group, role or managed policy; its content is fixed now.

    Deviations: the job completes at its first read unless ``aws.jobs.complete_after`` says
    otherwise (AWS took 0.3-6 s); a new access key works at once (AWS refused new keys for
    about 8 s); the caller's own permissions are not evaluated.
    """
    target = _resolve_target(
        ctx,
        params["Arn"],
        allow_policy=True,
        root_message="Invalid Entity Arn: {arn} is not supported.",
    )
    report = build_report(ctx, target, params.get("Granularity") or "SERVICE_LEVEL")
    job = ctx.world.jobs.create(JOB_KIND, ctx.principal.owner, ctx.account_id, report)
    return {"JobId": job.job_id}


@provider.handles("GetServiceLastAccessedDetails")
def get_service_last_accessed_details(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """One page of a report (default 200 rows, as observed; the docs say 100).

    Deviations: activity shows at once (AWS publishes it within about four hours, and a call
    made a second before Generate was not in the report); a Deny on the caller is not
    evaluated (AWS enforced it after about 8 s). Rule chosen: a FAILED job (only through
    ``aws.jobs.fail_next``; AWS was never seen failing) carries JobType, both dates,
    ``Error`` and an empty ServicesLastAccessed.
    """
    job = _find_job(ctx, params["JobId"])
    status = job.poll(ctx.world.clock.now())
    if status == "IN_PROGRESS":
        return _in_progress(job)
    report: ServiceReport = job.result
    out: dict[str, Any] = {
        "JobStatus": status,
        "JobType": report.job_type,
        "JobCreationDate": job.created,
        "JobCompletionDate": job.completed,
    }
    if job.failure is not None:
        code, message = job.failure
        out.update(
            ServicesLastAccessed=[], IsTruncated=False, Error={"Code": code, "Message": message}
        )
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
    """The users and roles of a report for one service, most recent first, never-used ones after.

    Rules chosen: the entities and their order are frozen at Generate (never-used ones: users
    then roles, by their names then); a namespace IAM knows but the report does not list
    gives an empty list; so does a job whose user, group, role or customer managed policy
    has been deleted since (observed for a deleted source user and a deleted group); a page is cut from that frozen order before deleted identities are
    dropped, so markers stay valid and a page may hold fewer than MaxItems (as AWS warns);
    a marker names a position, so it carries over to another namespace of the same job
    (observed). Deviation: activity shows at once (AWS: within about four hours).
    """
    job = _find_job(ctx, params["JobId"])
    namespace = params["ServiceNamespace"]
    if namespace not in catalogue.service_names():
        # "namepace" is AWS's own spelling (observed).
        raise InvalidInput(f"Service namepace {namespace} is either invalid or unsupported.")
    status = job.poll(ctx.world.clock.now())
    if status == "IN_PROGRESS":
        return _in_progress(job)
    out: dict[str, Any] = {
        "JobStatus": status,
        "JobCreationDate": job.created,
        "JobCompletionDate": job.completed,
    }
    if job.failure is not None:
        code, message = job.failure
        out.update(
            EntityDetailsList=[], IsTruncated=False, Error={"Code": code, "Message": message}
        )
        return out
    report: ServiceReport = job.result
    scope = ("entities", job.job_id)
    order = report.entity_order(namespace) if _source_exists(ctx.store, report) else []
    if not order:
        marker_index(params.get("Marker"), scope, len(report.entities), _foreign_marker)
        out.update(EntityDetailsList=[], IsTruncated=False)
        return out
    page, marker = paginate(
        order,
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=scope,
        default_page=ENTITIES_PAGE,
        foreign_marker=_foreign_marker,
    )
    store: IamStore = ctx.store
    used = report.accessed.get(namespace, {})
    details = []
    for position in page:
        frozen = report.entities[position]
        entity = store.by_id(frozen.unique_id)
        if entity is None:
            continue  # observed: a deleted identity is dropped
        last = used.get(position)
        details.append(
            {
                "EntityInfo": {
                    "Arn": entity.arn,
                    "Name": entity.name,
                    "Type": frozen.kind,
                    "Id": entity.unique_id,
                    "Path": entity.path,
                },
                "LastAuthenticated": None if last is None else _at_minute(last),
            }
        )
    out.update(EntityDetailsList=details, IsTruncated=marker is not None, Marker=marker)
    return out


@provider.handles("ListPoliciesGrantingServiceAccess")
def list_policies_granting_service_access(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """Per requested namespace (request order, duplicates dropped), the policies that grant it now.

    A user's own and its groups' policies, a group's or role's own (boundaries excluded); each
    policy is judged on its own (observed: most Denies elsewhere do not remove it). Rules
    chosen: policies within a namespace come in source order (the user's managed, its inline,
    then each group's; AWS's order varied between calls); a managed policy reached twice is
    listed once; a page ends after the namespace that brings it to 1,000 policy entries;
    a marker is bound to the entity and the namespace list.
    """
    target = _resolve_target(
        ctx,
        params["Arn"],
        allow_policy=False,
        root_message="Could not extract entity from ARN : {arn}",
    )
    assert not isinstance(target, ManagedPolicy)
    requested = list(dict.fromkeys(params["ServiceNamespaces"]))
    known = catalogue.service_names()
    invalid = [namespace for namespace in requested if namespace not in known]
    if invalid:
        raise InvalidInput(f"Invalid service namespace: [{', '.join(invalid)}]")
    scope = ("grants", target.unique_id, requested)
    start = marker_index(params.get("Marker"), scope, len(requested))
    sources = [
        (source, compile_policy(source.document))
        for source in identity_policy_sources(ctx.store, target)
    ]
    rows = []
    total = 0
    end = start
    while end < len(requested) and (end == start or total < GRANTS_PAGE_POLICIES):
        namespace = requested[end]
        policies = [
            source.entry() for source, policy in sources if policy_grants(policy, namespace)
        ]
        rows.append({"ServiceNamespace": namespace, "Policies": policies})
        total += len(policies)
        end += 1
    next_marker = encode_marker(scope, end) if end < len(requested) else None
    return {
        "PoliciesGrantingServiceAccess": rows,
        "IsTruncated": next_marker is not None,
        "Marker": next_marker,
    }
