"""Organizational units and the tree: Create/Describe/Update/DeleteOrganizationalUnit,
ListOrganizationalUnitsForParent, ListChildren, ListParents."""

from __future__ import annotations

from typing import Any

from ...organization import Organization, OrganizationalUnit
from ...service import RequestContext
from . import provider
from .access import managed_organization, page_of
from .errors import constraint_violation, organizations_error, ou_not_found, parent_not_found

OU_DEPTH_LIMIT = 5  # "You can nest OUs up to five levels deep" (Organizations quotas)
OU_LIMIT = 1000  # "Number of OUs in an organization: 1,000"


def ou_dict(org: Organization, ou: OrganizationalUnit) -> dict[str, Any]:
    return {"Id": ou.ou_id, "Arn": ou.arn, "Name": ou.name, "Path": org.path_of(ou.ou_id) + "/"}


def require_parent(org: Organization, parent_id: str) -> str:
    if not org.is_parent(parent_id):
        raise parent_not_found()
    return parent_id


def require_ou(org: Organization, ou_id: str) -> OrganizationalUnit:
    ou = org.ous.get(ou_id)
    if ou is None:
        raise ou_not_found()
    return ou


def _duplicate_name(
    org: Organization, parent_id: str, name: str, exclude: str | None = None
) -> None:
    for sibling in org.ous_under(parent_id):
        if sibling.ou_id != exclude and sibling.name == name:
            raise organizations_error(
                "DuplicateOrganizationalUnitException", "An OU with the same name already exists."
            )


@provider.handles("CreateOrganizationalUnit")
def create_organizational_unit(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Names are unique among an OU's siblings (case-sensitive, rule chosen); at most five
    levels of OUs and 1,000 OUs (ConstraintViolationException)."""
    org = managed_organization(ctx)
    parent_id = require_parent(org, params["ParentId"])
    name = params["Name"]
    if org.depth(parent_id) >= OU_DEPTH_LIMIT:
        raise constraint_violation(
            "OU_DEPTH_LIMIT_EXCEEDED",
            "You attempted to create an OU tree that is too many levels deep.",
        )
    if len(org.ous) >= OU_LIMIT:
        raise constraint_violation(
            "OU_NUMBER_LIMIT_EXCEEDED",
            "You attempted to exceed the number of OUs that you can have in an organization.",
        )
    _duplicate_name(org, parent_id, name)
    ou_id = org.new_ou_id()
    ou = OrganizationalUnit(ou_id, org.ou_arn(ou_id), name, parent_id, org.next_order())
    org.ous[ou_id] = ou
    org.adopt(ou_id)
    return {"OrganizationalUnit": ou_dict(org, ou)}


@provider.handles("DescribeOrganizationalUnit")
def describe_organizational_unit(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = managed_organization(ctx)
    return {"OrganizationalUnit": ou_dict(org, require_ou(org, params["OrganizationalUnitId"]))}


@provider.handles("UpdateOrganizationalUnit")
def update_organizational_unit(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Renames the OU; without Name nothing changes."""
    org = managed_organization(ctx)
    ou = require_ou(org, params["OrganizationalUnitId"])
    name = params.get("Name")
    if name is not None:
        _duplicate_name(org, ou.parent_id, name, exclude=ou.ou_id)
        ou.name = name
    return {"OrganizationalUnit": ou_dict(org, ou)}


@provider.handles("DeleteOrganizationalUnit")
def delete_organizational_unit(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Only an OU with no account and no child OU can be deleted; its policies are detached."""
    org = managed_organization(ctx)
    ou = require_ou(org, params["OrganizationalUnitId"])
    if org.ous_under(ou.ou_id) or org.accounts_under(ou.ou_id):
        raise organizations_error(
            "OrganizationalUnitNotEmptyException",
            "The specified OU is not empty. Move all accounts to another root or to other OUs, "
            "remove all child OUs, and try the operation again.",
        )
    del org.ous[ou.ou_id]
    org.forget_target(ou.ou_id)
    return {}


@provider.handles("ListOrganizationalUnitsForParent")
def list_organizational_units_for_parent(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """In creation order (rule chosen: AWS documents none)."""
    org = managed_organization(ctx)
    parent_id = require_parent(org, params["ParentId"])
    page, token = page_of(
        org.ous_under(parent_id),
        params,
        ("ListOUs", org.org_id, parent_id),
        key=lambda ou: ou.order,
    )
    return {"OrganizationalUnits": [ou_dict(org, ou) for ou in page], "NextToken": token}


@provider.handles("ListChildren")
def list_children(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The accounts or the OUs directly under a root or OU, in creation (joining) order."""
    org = managed_organization(ctx)
    parent_id = require_parent(org, params["ParentId"])
    child_type = params["ChildType"]
    children: list[tuple[int, str]]
    if child_type == "ACCOUNT":
        children = [
            (account.order, account.account_id) for account in org.accounts_under(parent_id)
        ]
    else:
        children = [(ou.order, ou.ou_id) for ou in org.ous_under(parent_id)]
    page, token = page_of(
        children,
        params,
        ("ListChildren", org.org_id, parent_id, child_type),
        key=lambda child: child[0],
    )
    return {
        "Children": [{"Id": child_id, "Type": child_type} for _order, child_id in page],
        "NextToken": token,
    }


@provider.handles("ListParents")
def list_parents(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The one direct parent of an account or OU."""
    org = managed_organization(ctx)
    child_id = params["ChildId"]
    parent_id = org.parent_of(child_id)
    if parent_id is None:
        raise organizations_error(
            "ChildNotFoundException",
            "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
        )
    parent_type = "ROOT" if parent_id == org.root_id else "ORGANIZATIONAL_UNIT"
    page, token = page_of(
        [parent_id], params, ("ListParents", org.org_id, child_id), key=lambda _id: 0
    )
    return {"Parents": [{"Id": found, "Type": parent_type} for found in page], "NextToken": token}
