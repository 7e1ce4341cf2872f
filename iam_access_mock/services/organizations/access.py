"""Who may call what, pagination, and the account creations every call settles first."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from ...errors import ServiceError
from ...organization import AccountCreation, Organization
from ...pagination import paginate
from ...service import RequestContext
from .errors import access_denied, invalid_next_token, not_in_use

T = TypeVar("T")

CREATE_ACCOUNT_JOB = "create-account"
PAGE = 20  # MaxResults' maximum; rule chosen as the default page (AWS documents none)


def caller_organization(ctx: RequestContext) -> Organization:
    """The organization of the caller's account; AWSOrganizationsNotInUseException if none."""
    org = ctx.world.organizations.of_account(ctx.account_id)
    if org is None:
        raise not_in_use()
    settle_creations(ctx, org)
    return org


def managed_organization(ctx: RequestContext) -> Organization:
    """The organization, for operations only its management account may call (rule chosen:
    delegated administrators are not modelled, so a member account gets AccessDeniedException)."""
    org = caller_organization(ctx)
    if ctx.account_id != org.management_account_id:
        raise access_denied()
    return org


def settle_creations(ctx: RequestContext, org: Organization) -> None:
    """Complete the account creations whose job is done without counting a read: an account
    exists once its request has been observed IN_PROGRESS as many times as the job controls
    ask and its duration has passed."""
    now = ctx.world.clock.now()
    for request_id in list(org.pending):
        job = ctx.world.jobs.find(request_id, CREATE_ACCOUNT_JOB, org.org_id, org.org_id)
        if job is not None and job.due(now):
            observe_creation(ctx, org, org.creations[request_id])


def observe_creation(
    ctx: RequestContext, org: Organization, creation: AccountCreation
) -> AccountCreation:
    """Read a creation's job once (one poll) and apply its outcome the first time it ends."""
    if creation.state != "IN_PROGRESS":
        return creation
    job = ctx.world.jobs.find(creation.request_id, CREATE_ACCOUNT_JOB, org.org_id, org.org_id)
    if job is None:
        return creation
    status = job.poll(ctx.world.clock.now())
    if status == "IN_PROGRESS":
        return creation
    creation.completed = job.completed
    org.pending.pop(creation.request_id, None)
    if job.failure is not None:
        creation.state = "FAILED"
        creation.failure_reason = failure_reason(job.failure[0])
        if creation.reserved_email:
            ctx.world.organizations.release_email(creation.email)
        return creation
    creation.state = "SUCCEEDED"
    book = ctx.world.organizations
    book.add_account(
        org,
        creation.account_id,
        email=creation.email,
        name=creation.account_name,
        joined_method="CREATED",
        joined=job.completed or job.created,
        parent_id=org.root_id,
    )
    ctx.world.provision_member_account(
        creation.account_id, org.management_account_id, creation.role_name
    )
    return creation


FAILURE_REASONS = frozenset(
    {
        "ACCOUNT_LIMIT_EXCEEDED",
        "EMAIL_ALREADY_EXISTS",
        "INVALID_ADDRESS",
        "INVALID_EMAIL",
        "CONCURRENT_ACCOUNT_MODIFICATION",
        "INTERNAL_FAILURE",
        "GOVCLOUD_ACCOUNT_ALREADY_EXISTS",
        "MISSING_BUSINESS_VALIDATION",
        "FAILED_BUSINESS_VALIDATION",
        "PENDING_BUSINESS_VALIDATION",
        "INVALID_IDENTITY_FOR_BUSINESS_VALIDATION",
        "UNKNOWN_BUSINESS_VALIDATION",
        "MISSING_PAYMENT_INSTRUMENT",
        "INVALID_PAYMENT_INSTRUMENT",
    }
)


def failure_reason(code: str) -> str:
    """A ``jobs.fail_next`` code that is a FailureReason is answered as it is; any other
    code is INTERNAL_FAILURE (rule chosen)."""
    return code if code in FAILURE_REASONS else "INTERNAL_FAILURE"


def page_of(
    items: Sequence[T],
    params: dict[str, Any],
    scope: Hashable,
    key: Callable[[T], Hashable],
) -> tuple[list[T], str | None]:
    """One page (MaxResults, default 20) and the NextToken; a token from another listing or
    one that is not a token is InvalidInputException INVALID_NEXT_TOKEN."""
    try:
        return paginate(
            items,
            marker=params.get("NextToken"),
            max_items=params.get("MaxResults"),
            scope=scope,
            default_page=PAGE,
            key=key,
            foreign_marker=invalid_next_token,
        )
    except ServiceError as error:
        if error.code == "ValidationError":
            raise invalid_next_token() from None
        raise
