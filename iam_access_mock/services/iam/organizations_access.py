"""IAM's Organizations access reports: GenerateOrganizationsAccessReport and
GetOrganizationsAccessReport.

A report is computed in full when its job is created, like the Access Advisor reports, from
the world's organization (``organization.py``) and the activity index rolled up by account.
Which services it lists is decided by service control policies only (identity policies,
boundaries and session policies do not matter), as the API reference says:

- the root: the services the root's SCPs allow; data for every account but the management one;
- an OU: the services allowed at the root, at each OU down to it and at the OU itself; data
  for the accounts in the OU and its children (not the management account);
- a member account: the services allowed at each level down to the account and at the account;
  data for that account only;
- the management account: every service, not limited by SCPs; data for itself only, and a
  policy id is ignored;
- with ``OrganizationsPolicyId``: the services that one SCP allows, and data only from the
  accounts (of the above) the SCP applies to, attached to the account or a parent of it.

At each level the SCPs attached there are evaluated together (an Allow in any, a Deny in any);
the levels are intersected per action, as SCPs are, and a service is listed when some action
of it survives. The service universe is IAM's, the shipped table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ...activity import REGION_BITS
from ...errors import AccessDenied, InvalidInput, NoSuchEntity, ServiceError
from ...jobs import Job
from ...organization import SCP, Account, Organization
from ...pagination import paginate
from ...policy import catalogue
from ...policy.evaluator import allowed_at_every_level, allowed_services, compile_policy
from ...service import RequestContext
from . import provider
from .last_accessed import TRACKING_PERIOD

JOB_KIND = "organizations-access"
PAGE = 100  # documented and observed default of MaxItems
SAME_REPORT_WINDOW = timedelta(seconds=60)  # observed: the same report again within ~60 s

_OU_ID = re.compile(r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}\Z")
_ACCOUNT_ID = re.compile(r"\d{12}\Z")

INVALID_PATH = "INVALID_ORGANIZATIONS_ENTITY_PATH"
INVALID_POLICY = "INVALID_ORGANIZATIONS_POLICY"
REPORT_DENIED = "ORGANIZATIONS_REPORT_ACCESS_DENIED"


@dataclass(frozen=True)
class OrganizationsReport:
    """What GetOrganizationsAccessReport serves for one job; ``failure`` for a FAILED one."""

    selection: tuple[str, str | None]  # (EntityPath, OrganizationsPolicyId) as asked
    rows: tuple[dict[str, Any], ...] = ()  # AccessDetails, in namespace order
    # (LastAuthenticatedTime as epoch seconds or None, namespace) per row, for the time sorts
    times: tuple[float | None, ...] = ()
    failure: tuple[str, str] | None = None

    @property
    def accessible(self) -> int:
        return len(self.rows)

    @property
    def not_accessed(self) -> int:
        return sum(1 for row in self.rows if not row["TotalAuthenticatedEntities"])


# ---- the path ---------------------------------------------------------------------------


def _target_of(org: Organization, segments: list[str]) -> str | None:
    """The root, OU or account id a path names, or None if the path does not follow the
    organization's hierarchy (each OU inside the one before it, the account last)."""
    if segments[1] != org.root_id:
        return None
    parent = org.root_id
    for segment in segments[2:]:
        if org.parent_of(segment) != parent or (parent in org.accounts):
            return None
        parent = segment
    return parent


def _check_syntax(path: str, segments: list[str]) -> None:
    """Every segment after the root an OU id, the last one possibly an account id; one
    trailing slash is accepted (observed), the job then fails."""
    inner = segments[2:-1] if segments[-1] == "" else segments[2:]
    for position, segment in enumerate(inner):
        last = position == len(inner) - 1
        if _OU_ID.match(segment) or (last and _ACCOUNT_ID.match(segment)):
            continue
        raise InvalidInput(f"Invalid Organizations entity path: {path}")


# ---- the report -------------------------------------------------------------------------


def _services_down_to(org: Organization, target_id: str) -> list[str]:
    """The services some action of which every level from the root down to ``target_id``
    allows (SCPs intersect per action), in namespace order."""
    levels = [
        [compile_policy(policy.content) for policy in org.policies_of(level, SCP)]
        for level in [*org.ancestors(target_id), target_id]
    ]
    return allowed_at_every_level(levels)


def _applies(org: Organization, policy_id: str, account: Account) -> bool:
    targets = org.targets.get(policy_id, {})
    return account.account_id in targets or any(
        level in targets for level in org.ancestors(account.account_id)
    )


def _selection(
    org: Organization, target_id: str, policy_id: str | None
) -> tuple[list[str], list[Account]]:
    """(listed namespaces, accounts whose activity counts) for a report target."""
    if target_id == org.management_account_id:
        return list(catalogue.service_names()), [org.accounts[target_id]]
    if target_id in org.accounts:
        accounts = [org.accounts[target_id]]
    else:
        accounts = [
            account
            for account in org.accounts_in_subtree(target_id)
            if account.account_id != org.management_account_id
        ]
    if policy_id is None:
        return _services_down_to(org, target_id), accounts
    policy = org.policy(policy_id)
    assert policy is not None
    listed = allowed_services([compile_policy(policy.content)])
    return listed, [account for account in accounts if _applies(org, policy_id, account)]


def _at_second(timestamp: float) -> datetime:
    # AWS's examples give LastAuthenticatedTime to the second ("2019-05-25T16:29:52Z").
    return datetime.fromtimestamp(int(timestamp), tz=timezone.utc)


def build_report(
    ctx: RequestContext,
    org: Organization,
    target_id: str,
    policy_id: str | None,
    selection: tuple[str, str | None],
) -> OrganizationsReport:
    """The rows: per listed service the latest access among the counted accounts (its
    Region and the account's EntityPath), and how many of them accessed it. Rules chosen:
    an access older than the tracking period (400 days) is left out, as in Access Advisor;
    on equal times the account first in the organization's order is the EntityPath."""
    listed, accounts = _selection(org, target_id, policy_id)
    activity = ctx.world.activity
    oldest_micros = int((ctx.world.clock.now() - TRACKING_PERIOD).timestamp() * 1e6)
    listed_set = frozenset(listed)
    latest: dict[str, tuple[int, int, Account]] = {}  # namespace -> (micros, packed, account)
    counts: dict[str, int] = {}
    for account in sorted(accounts, key=lambda account: account.order):
        for namespace, packed in activity.account_services(account.account_id).items():
            micros = packed >> REGION_BITS
            if namespace not in listed_set or micros < oldest_micros:
                continue
            counts[namespace] = counts.get(namespace, 0) + 1
            best = latest.get(namespace)
            if best is None or micros > best[0]:
                latest[namespace] = (micros, packed, account)
    names = catalogue.service_names()
    rows: list[dict[str, Any]] = []
    times: list[float | None] = []
    for namespace in listed:
        row: dict[str, Any] = {"ServiceName": names[namespace], "ServiceNamespace": namespace}
        best = latest.get(namespace)
        if best is None:
            region = catalogue.default_region(namespace)
            if region:
                row["Region"] = region  # observed: iam alone carries us-east-1 unused
            times.append(None)
        else:
            seen = activity.unpack(best[1])
            row["Region"] = seen.region
            row["EntityPath"] = org.path_of(best[2].account_id)
            row["LastAuthenticatedTime"] = _at_second(seen.timestamp)
            times.append(seen.timestamp)
        row["TotalAuthenticatedEntities"] = counts.get(namespace, 0)
        rows.append(row)
    return OrganizationsReport(selection, tuple(rows), tuple(times))


def _failed(selection: tuple[str, str | None], code: str, message: str) -> OrganizationsReport:
    return OrganizationsReport(selection, failure=(code, message))


def plan_report(ctx: RequestContext, path: str, policy_id: str | None) -> OrganizationsReport:
    """The report a Generate call asks for, or the reason its job fails (see the handler)."""
    selection = (path, policy_id)
    org = ctx.world.organizations.of_account(ctx.account_id)
    segments = path.split("/")
    if org is None or segments[0] != org.org_id or len(segments) < 2:
        raise AccessDenied(
            f"User: {ctx.principal.arn} is not authorized to perform: "
            f"iam:GenerateOrganizationsAccessReport on resource: {path}"
        )
    _check_syntax(path, segments)
    if ctx.account_id != org.management_account_id:
        return _failed(
            selection,
            REPORT_DENIED,
            "Only the organization's management account can generate this report.",
        )
    if not org.scps_enabled():
        return _failed(
            selection,
            REPORT_DENIED,
            "Service control policies are not enabled in the organization's root.",
        )
    target_id = None if segments[-1] == "" else _target_of(org, segments)
    if target_id is None:
        return _failed(
            selection, INVALID_PATH, f"The entity path {path} does not exist in the organization."
        )
    if target_id == org.management_account_id:
        policy_id = None  # ignored for the management account (API reference)
    elif policy_id is not None:
        policy = org.policy(policy_id)
        if policy is None or policy.policy_type != SCP:
            return _failed(
                selection,
                INVALID_POLICY,
                f"The policy {policy_id} is not a service control policy of the organization.",
            )
    return build_report(ctx, org, target_id, policy_id, selection)


def _running(job: Job, now: datetime) -> bool:
    """In progress for the one-report-at-a-time rule: a job that completes by time and whose
    time has not come. Rule chosen: a job held by ``complete_after(polls=...)`` does not block
    others (AWS jobs end on their own; a job nobody reads would otherwise block for good)."""
    return job.final_status is None and job.done_at is not None and now < job.done_at


# ---- the operations ---------------------------------------------------------------------


@provider.handles("GenerateOrganizationsAccessReport")
def generate_organizations_access_report(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """Start a report on a root, OU or account of the caller's organization.

    Observed: the same report asked again within about 60 seconds gets the same JobId; one
    report at a time per account (another while one runs: ReportGenerationLimitExceeded); a
    path with a trailing slash, or one not following the hierarchy, makes a job that ends
    FAILED with INVALID_ORGANIZATIONS_ENTITY_PATH; a policy id that is not an SCP of the
    organization, INVALID_ORGANIZATIONS_POLICY; a path in another organization is
    AccessDenied. Rules chosen: a caller whose account is in no organization is AccessDenied
    too; a member account's caller, or an organization whose root has SCPs disabled, gets a
    job that ends FAILED with ORGANIZATIONS_REPORT_ACCESS_DENIED; a segment that is no OU or
    account id (or an account id before the last segment) is InvalidInput.
    """
    path, policy_id = params["EntityPath"], params.get("OrganizationsPolicyId")
    report = plan_report(ctx, path, policy_id)
    now = ctx.world.clock.now()
    jobs = ctx.world.jobs
    recent = [
        job for job in jobs.of_kind(JOB_KIND, ctx.account_id) if job.owner == ctx.principal.owner
    ]
    for job in reversed(recent):
        if job.result.selection == report.selection and (
            _running(job, now) or now - job.created <= SAME_REPORT_WINDOW
        ):
            return {"JobId": job.job_id}
    if any(_running(job, now) for job in jobs.of_kind(JOB_KIND, ctx.account_id)):
        raise ServiceError(
            "Maximum number of concurrent jobs exceeded",
            code="ReportGenerationLimitExceeded",
            status=409,
        )
    job = jobs.create(JOB_KIND, ctx.principal.owner, ctx.account_id, report)
    if report.failure is not None and job.failure is None:
        job.failure = report.failure
    return {"JobId": job.job_id}


_SORTS = {
    "SERVICE_NAMESPACE_ASCENDING": (False, False),
    "SERVICE_NAMESPACE_DESCENDING": (False, True),
    "LAST_AUTHENTICATED_TIME_ASCENDING": (True, False),
    "LAST_AUTHENTICATED_TIME_DESCENDING": (True, True),
}


def _ordered(report: OrganizationsReport, sort_key: str) -> list[dict[str, Any]]:
    """Rows in the asked order. Rule chosen for the time orders: never-accessed services come
    before accessed ones ascending (no time sorts lowest), ties in namespace order; the
    descending order is the exact reverse, as observed."""
    by_time, descending = _SORTS[sort_key]
    positions = list(range(len(report.rows)))
    if by_time:
        times = report.times
        positions.sort(key=lambda index: (times[index] is not None, times[index] or 0.0, index))
    if descending:
        positions.reverse()
    return [report.rows[index] for index in positions]


@provider.handles("GetOrganizationsAccessReport")
def get_organizations_access_report(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """One page of a report (MaxItems default 100); both counts on every page; a Marker is
    bound to its job and SortKey. A FAILED job answers ErrorDetails without AccessDetails
    or the counts (observed). A job is read by the principal that generated it (the same
    user through any key, or the same role session), as Access Advisor's are."""
    job_id = params["JobId"]
    job = ctx.world.jobs.find(job_id, JOB_KIND, ctx.principal.owner, ctx.account_id)
    if job is None:
        raise NoSuchEntity(f"Job {job_id} does not exist.")
    status = job.poll(ctx.world.clock.now())
    out: dict[str, Any] = {
        "JobStatus": status,
        "JobCreationDate": job.created,
        "IsTruncated": False,
    }
    if status == "IN_PROGRESS":
        return out
    out["JobCompletionDate"] = job.completed
    if job.failure is not None:
        code, message = job.failure
        out["ErrorDetails"] = {"Code": code, "Message": message}
        return out
    report: OrganizationsReport = job.result
    sort_key = params.get("SortKey") or "SERVICE_NAMESPACE_ASCENDING"
    page, marker = paginate(
        _ordered(report, sort_key),
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=("organizations-access", job.job_id, sort_key),
        default_page=PAGE,
        foreign_marker=lambda: InvalidInput("The marker passed in the request was invalid."),
    )
    out.update(
        NumberOfServicesAccessible=report.accessible,
        NumberOfServicesNotAccessed=report.not_accessed,
        AccessDetails=page,
        IsTruncated=marker is not None,
        Marker=marker,
    )
    return out
