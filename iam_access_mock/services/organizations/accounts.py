"""Member accounts: CreateAccount and its status, DescribeAccount, ListAccounts,
ListAccountsForParent, MoveAccount."""

from __future__ import annotations

from typing import Any

from ...organization import MEMBER_ROLE, Account, AccountCreation, Organization, token
from ...service import RequestContext
from . import provider
from .access import (
    CREATE_ACCOUNT_JOB,
    caller_organization,
    managed_organization,
    observe_creation,
    page_of,
)
from .errors import account_not_found, constraint_violation, organizations_error
from .units import require_parent


def account_dict(org: Organization, account: Account) -> dict[str, Any]:
    return {
        "Id": account.account_id,
        "Arn": account.arn,
        "Email": account.email,
        "Name": account.name,
        "Status": "ACTIVE",
        "State": "ACTIVE",
        "JoinedMethod": account.joined_method,
        "JoinedTimestamp": account.joined,
    }


def creation_dict(creation: AccountCreation) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Id": creation.request_id,
        "AccountName": creation.account_name,
        "State": creation.state,
        "RequestedTimestamp": creation.requested,
    }
    if creation.state != "IN_PROGRESS":
        out["CompletedTimestamp"] = creation.completed
    if creation.state == "SUCCEEDED":
        out["AccountId"] = creation.account_id
    if creation.state == "FAILED":
        out["FailureReason"] = creation.failure_reason
    return out


def require_account(org: Organization, account_id: str) -> Account:
    account = org.accounts.get(account_id)
    if account is None:
        raise account_not_found()
    return account


@provider.handles("CreateAccount")
def create_account(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Start creating a member account, a job under ``aws.jobs``.

    AWS answers IN_PROGRESS and the account appears when DescribeCreateAccountStatus says
    SUCCEEDED. Rule chosen: with the default immediate completion, this answer is already
    SUCCEEDED with the AccountId (it counts as the request's first read); with
    ``jobs.complete_after`` it is IN_PROGRESS, and the account exists once its status has
    been read as often as asked. An email already used by an account of the mock (any case)
    ends FAILED with EMAIL_ALREADY_EXISTS, as AWS reports it; ``jobs.fail_next(code)``
    fails it with ``code`` if that is a FailureReason, else INTERNAL_FAILURE. The new
    account joins the root, gets FullAWSAccess while SCPs are enabled, and holds the role
    ``RoleName`` (default OrganizationAccountAccessRole) trusting the management account,
    with an inline AdministratorAccess policy.
    """
    org = managed_organization(ctx)
    book = ctx.world.organizations
    email = params["Email"]
    creation = AccountCreation(
        request_id=f"car-{token(32)}",
        account_name=params["AccountName"],
        email=email,
        role_name=params.get("RoleName") or MEMBER_ROLE,
        requested=ctx.world.clock.now(),
        account_id=book.new_account_id(ctx.world.default_account_id),
    )
    job = ctx.world.jobs.create(
        CREATE_ACCOUNT_JOB, org.org_id, org.org_id, creation, job_id=creation.request_id
    )
    if book.email_taken(email):
        job.failure = ("EMAIL_ALREADY_EXISTS", "")
    else:
        book.reserve_email(email)
        creation.reserved_email = True
    org.creations[creation.request_id] = creation
    org.pending[creation.request_id] = None
    if job.due(creation.requested):
        observe_creation(ctx, org, creation)
    return {"CreateAccountStatus": creation_dict(creation)}


def _creation(ctx: RequestContext, org: Organization, request_id: str) -> AccountCreation:
    creation = org.creations.get(request_id)
    if creation is None:
        raise organizations_error(
            "CreateAccountStatusNotFoundException",
            "We can't find a create account request with the CreateAccountRequestId that you specified.",
        )
    return creation


@provider.handles("DescribeCreateAccountStatus")
def describe_create_account_status(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Each call is one read of the creation job."""
    org = managed_organization(ctx)
    creation = observe_creation(ctx, org, _creation(ctx, org, params["CreateAccountRequestId"]))
    return {"CreateAccountStatus": creation_dict(creation)}


@provider.handles("ListCreateAccountStatus")
def list_create_account_status(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Requests in the order they were made, each read once; ``States`` filters."""
    org = managed_organization(ctx)
    states = params.get("States")
    creations = []
    for order, creation in enumerate(org.creations.values()):
        observe_creation(ctx, org, creation)
        if not states or creation.state in states:
            creations.append((order, creation))
    page, token = page_of(
        creations,
        params,
        ("ListCreateAccountStatus", org.org_id, sorted(states or [])),
        key=lambda item: item[0],
    )
    return {
        "CreateAccountStatuses": [creation_dict(creation) for _order, creation in page],
        "NextToken": token,
    }


@provider.handles("DescribeAccount")
def describe_account(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = managed_organization(ctx)
    return {"Account": account_dict(org, require_account(org, params["AccountId"]))}


@provider.handles("ListAccounts")
def list_accounts(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Every account, the management account first, then in joining order (rule chosen)."""
    org = managed_organization(ctx)
    accounts = sorted(org.accounts.values(), key=lambda account: account.order)
    page, token = page_of(
        accounts, params, ("ListAccounts", org.org_id), key=lambda account: account.order
    )
    return {"Accounts": [account_dict(org, account) for account in page], "NextToken": token}


@provider.handles("ListAccountsForParent")
def list_accounts_for_parent(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = managed_organization(ctx)
    parent_id = require_parent(org, params["ParentId"])
    page, token = page_of(
        org.accounts_under(parent_id),
        params,
        ("ListAccountsForParent", org.org_id, parent_id),
        key=lambda account: account.order,
    )
    return {"Accounts": [account_dict(org, account) for account in page], "NextToken": token}


@provider.handles("MoveAccount")
def move_account(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Checked in this order (rule chosen): the account, the source, the destination, the
    account being in the source (AccountNotFoundException otherwise), the destination being
    another parent (DuplicateAccountException)."""
    org = managed_organization(ctx)
    account = require_account(org, params["AccountId"])
    source, destination = params["SourceParentId"], params["DestinationParentId"]
    if not org.is_parent(source):
        raise organizations_error(
            "SourceParentNotFoundException",
            "We can't find a source root or OU with the ParentId that you specified.",
        )
    if not org.is_parent(destination):
        raise organizations_error(
            "DestinationParentNotFoundException",
            "We can't find the destination container (a root or OU) with the ParentId that you specified.",
        )
    if account.parent_id != source:
        raise account_not_found()
    if destination == source:
        raise organizations_error(
            "DuplicateAccountException",
            "That account is already present in the specified destination.",
        )
    account.parent_id = destination
    return {}


def _cannot_leave() -> Exception:
    return constraint_violation(
        "ACCOUNT_CANNOT_LEAVE_ORGANIZATION",
        "You attempted to remove the management account from the organization. You can't remove "
        "the management account. Instead, after you remove all member accounts, delete the organization itself.",
    )


@provider.handles("RemoveAccountFromOrganization")
def remove_account_from_organization(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The account leaves the organization and its policies are detached; its IAM, its
    activity and its OrganizationAccountAccessRole stay, as on AWS. Rule chosen: accounts
    made with CreateAccount may leave at once (AWS may ask for their standalone sign-up first)."""
    org = managed_organization(ctx)
    account = require_account(org, params["AccountId"])
    if account.account_id == org.management_account_id:
        raise _cannot_leave()
    ctx.world.organizations.remove_account(org, account.account_id)
    return {}


@provider.handles("LeaveOrganization")
def leave_organization(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """A member account leaves its organization; the management account cannot."""
    org = caller_organization(ctx)
    if ctx.account_id == org.management_account_id:
        raise _cannot_leave()
    ctx.world.organizations.remove_account(org, ctx.account_id)
    return {}
