"""The organization itself and its root: Create/Describe/DeleteOrganization, ListRoots,
Enable/DisablePolicyType."""

from __future__ import annotations

from typing import Any

from ...organization import ROOT_NAME, SCP, Organization
from ...service import RequestContext
from . import provider
from .access import caller_organization, managed_organization, page_of
from .errors import organizations_error, root_not_found


def organization_dict(org: Organization) -> dict[str, Any]:
    # AvailablePolicyTypes is deprecated; AWS still fills it with the root's SCP state.
    available = [{"Type": SCP, "Status": "ENABLED"}] if org.scps_enabled() else []
    return {
        "Id": org.org_id,
        "Arn": org.arn,
        "FeatureSet": org.feature_set,
        "MasterAccountArn": org.account_arn(org.management_account_id),
        "MasterAccountId": org.management_account_id,
        "MasterAccountEmail": org.management_email,
        "AvailablePolicyTypes": available,
    }


def root_dict(org: Organization) -> dict[str, Any]:
    return {
        "Id": org.root_id,
        "Arn": org.root_arn,
        "Name": ROOT_NAME,
        "PolicyTypes": [
            {"Type": kind, "Status": status} for kind, status in sorted(org.policy_types.items())
        ],
    }


@provider.handles("CreateOrganization")
def create_organization(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The caller's account becomes the management account. FeatureSet ALL (the default)
    enables service control policies in the root at once, with FullAWSAccess attached to the
    root and the management account; CONSOLIDATED_BILLING enables no policy type."""
    book = ctx.world.organizations
    if book.of_account(ctx.account_id) is not None:
        raise organizations_error(
            "AlreadyInOrganizationException", "This account is already a member of an organization."
        )
    org = book.create(ctx.account_id, params.get("FeatureSet") or "ALL", ctx.world.clock.now())
    return {"Organization": organization_dict(org)}


@provider.handles("DescribeOrganization")
def describe_organization(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Any account of the organization may describe it."""
    return {"Organization": organization_dict(caller_organization(ctx))}


@provider.handles("DeleteOrganization")
def delete_organization(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Only an organization with no member account left, and none being created, can be
    deleted (rule chosen for a creation in progress: it is about to be a member)."""
    org = managed_organization(ctx)
    if len(org.accounts) > 1 or org.pending:
        raise organizations_error(
            "OrganizationNotEmptyException",
            "To delete an organization you must first remove all member accounts (except the management account).",
        )
    ctx.world.organizations.delete(org)
    return {}


@provider.handles("ListRoots")
def list_roots(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = managed_organization(ctx)
    page, token = page_of([org], params, ("ListRoots", org.org_id), key=lambda _org: 0)
    return {"Roots": [root_dict(found) for found in page], "NextToken": token}


def _root(org: Organization, root_id: str) -> None:
    if root_id != org.root_id:
        raise root_not_found()


def _type_available(org: Organization) -> None:
    if org.feature_set != "ALL":
        raise organizations_error(
            "PolicyTypeNotAvailableForOrganizationException",
            "You can't use the specified policy type with the feature set currently enabled for this organization.",
        )


@provider.handles("EnablePolicyType")
def enable_policy_type(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Enabling SCPs attaches FullAWSAccess to the root, every OU and every account."""
    org = managed_organization(ctx)
    _root(org, params["RootId"])
    _type_available(org)
    policy_type = params["PolicyType"]
    if policy_type in org.policy_types:
        raise organizations_error(
            "PolicyTypeAlreadyEnabledException", "The specified policy type is already enabled."
        )
    org.enable(policy_type)
    return {"Root": root_dict(org)}


@provider.handles("DisablePolicyType")
def disable_policy_type(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Disabling a type detaches every policy of that type from every target."""
    org = managed_organization(ctx)
    _root(org, params["RootId"])
    policy_type = params["PolicyType"]
    if policy_type not in org.policy_types:
        raise organizations_error(
            "PolicyTypeNotEnabledException",
            "The specified policy type isn't currently enabled in this root.",
        )
    org.disable(policy_type)
    return {"Root": root_dict(org)}
