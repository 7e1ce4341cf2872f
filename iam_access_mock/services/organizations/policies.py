"""Organization policies: Create/Describe/Update/Delete/ListPolicies, Attach/DetachPolicy,
ListPoliciesForTarget, ListTargetsForPolicy.

The AWS managed FullAWSAccess SCP (``p-FullAWSAccess``) is in every organization; AWS
attaches it to every root, OU and account while SCPs are enabled.
"""

from __future__ import annotations

from typing import Any

from ... import bounded_json
from ...errors import MalformedPolicyDocument
from ...organization import SCP, Organization, Policy, full_aws_access
from ...policy.document import parse_policy_document
from ...service import RequestContext
from . import provider
from .access import managed_organization, page_of
from .errors import (
    constraint_violation,
    invalid_input,
    organizations_error,
    policy_not_found,
    target_not_found,
)

# Organizations quotas: SCP document size 5,120 characters, 5 SCPs per target, 1,000
# policies of a type per organization.
SCP_SIZE_LIMIT = 5120
ATTACHMENT_LIMIT = 5
POLICY_LIMIT = 1000


def summary_dict(policy: Policy) -> dict[str, Any]:
    return {
        "Id": policy.policy_id,
        "Arn": policy.arn,
        "Name": policy.name,
        "Description": policy.description,
        "Type": policy.policy_type,
        "AwsManaged": policy.aws_managed,
    }


def _policies(org: Organization, policy_type: str) -> list[Policy]:
    """FullAWSAccess first (for SCPs), then customer policies in creation order."""
    custom = sorted(
        (policy for policy in org.policies.values() if policy.policy_type == policy_type),
        key=lambda policy: policy.order,
    )
    return [full_aws_access(), *custom] if policy_type == SCP else custom


def require_policy(org: Organization, policy_id: str) -> Policy:
    policy = org.policy(policy_id)
    if policy is None:
        raise policy_not_found()
    return policy


def _malformed() -> Exception:
    return organizations_error(
        "MalformedPolicyDocumentException",
        "The provided policy document doesn't meet the requirements of the specified policy type.",
    )


def _checked_content(policy_type: str, content: str) -> str:
    """An SCP must be an IAM policy without Principal (the identity-policy grammar) of at
    most 5,120 characters; other types must be JSON objects (their grammars are not checked)."""
    if policy_type == SCP:
        if len(content) > SCP_SIZE_LIMIT:
            raise constraint_violation(
                "POLICY_CONTENT_LIMIT_EXCEEDED",
                "You attempted to create a policy larger than the maximum size.",
            )
        try:
            parse_policy_document(content)
        except MalformedPolicyDocument:
            raise _malformed() from None
        return content
    try:
        document = bounded_json.loads(content, max_depth=64)
    except (ValueError, RecursionError):
        raise _malformed() from None
    if not isinstance(document, dict):
        raise _malformed()
    return content


def _unique_name(
    org: Organization, policy_type: str, name: str, exclude: str | None = None
) -> None:
    for policy in _policies(org, policy_type):
        if policy.policy_id != exclude and policy.name == name:
            raise organizations_error(
                "DuplicatePolicyException", "A policy with the same name already exists."
            )


def _immutable() -> Exception:
    return invalid_input(
        "IMMUTABLE_POLICY", "You specified a policy that is managed by AWS and can't be modified."
    )


@provider.handles("CreatePolicy")
def create_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = managed_organization(ctx)
    policy_type = params["Type"]
    if org.feature_set != "ALL":
        raise organizations_error(
            "PolicyTypeNotAvailableForOrganizationException",
            "You can't use the specified policy type with the feature set currently enabled for this organization.",
        )
    content = _checked_content(policy_type, params["Content"])
    name = params["Name"]
    _unique_name(org, policy_type, name)
    if len(_policies(org, policy_type)) >= POLICY_LIMIT:
        raise constraint_violation(
            "POLICY_NUMBER_LIMIT_EXCEEDED",
            "You attempted to exceed the number of policies that you can have in an organization.",
        )
    policy_id = org.new_policy_id()
    policy = Policy(
        policy_id,
        org.policy_arn(policy_type, policy_id),
        name,
        params["Description"],
        policy_type,
        content,
        order=org.next_order(),
    )
    org.policies[policy_id] = policy
    return {"Policy": {"PolicySummary": summary_dict(policy), "Content": policy.content}}


@provider.handles("DescribePolicy")
def describe_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    policy = require_policy(managed_organization(ctx), params["PolicyId"])
    return {"Policy": {"PolicySummary": summary_dict(policy), "Content": policy.content}}


@provider.handles("UpdatePolicy")
def update_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Only the members given change; FullAWSAccess cannot be changed (IMMUTABLE_POLICY)."""
    org = managed_organization(ctx)
    policy = require_policy(org, params["PolicyId"])
    if policy.aws_managed:
        raise _immutable()
    if "Content" in params:
        content = _checked_content(policy.policy_type, params["Content"])
    else:
        content = policy.content
    if "Name" in params:
        _unique_name(org, policy.policy_type, params["Name"], exclude=policy.policy_id)
        policy.name = params["Name"]
    if "Description" in params:
        policy.description = params["Description"]
    policy.content = content
    return {"Policy": {"PolicySummary": summary_dict(policy), "Content": policy.content}}


@provider.handles("DeletePolicy")
def delete_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = managed_organization(ctx)
    policy = require_policy(org, params["PolicyId"])
    if policy.aws_managed:
        raise _immutable()
    if org.targets.get(policy.policy_id):
        raise organizations_error(
            "PolicyInUseException",
            "The policy is attached to one or more entities. You must detach it from all roots, "
            "OUs, and accounts before performing this operation.",
        )
    del org.policies[policy.policy_id]
    org.targets.pop(policy.policy_id, None)
    return {}


@provider.handles("ListPolicies")
def list_policies(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Policies of one type: FullAWSAccess first for SCPs, then in creation order."""
    org = managed_organization(ctx)
    policy_type = params["Filter"]
    page, token = page_of(
        _policies(org, policy_type),
        params,
        ("ListPolicies", org.org_id, policy_type),
        key=lambda p: p.order,
    )
    return {"Policies": [summary_dict(policy) for policy in page], "NextToken": token}


def _target(org: Organization, target_id: str) -> tuple[str, str, str]:
    """(type, ARN, name) of a root, OU or account of the organization."""
    if target_id == org.root_id:
        return "ROOT", org.root_arn, "Root"
    if target_id in org.ous:
        ou = org.ous[target_id]
        return "ORGANIZATIONAL_UNIT", ou.arn, ou.name
    if target_id in org.accounts:
        account = org.accounts[target_id]
        return "ACCOUNT", account.arn, account.name
    raise target_not_found()


def _type_enabled(org: Organization, policy_type: str) -> None:
    if org.policy_types.get(policy_type) != "ENABLED":
        raise organizations_error(
            "PolicyTypeNotEnabledException",
            "The specified policy type isn't currently enabled in this root. You can't attach "
            "policies of the specified type to entities in a root until you enable that type in the root.",
        )


@provider.handles("AttachPolicy")
def attach_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """At most five policies of a type on one target (ConstraintViolationException)."""
    org = managed_organization(ctx)
    policy = require_policy(org, params["PolicyId"])
    target_id = params["TargetId"]
    _target(org, target_id)
    _type_enabled(org, policy.policy_type)
    attached = org.policies_of(target_id, policy.policy_type)
    if any(found.policy_id == policy.policy_id for found in attached):
        raise organizations_error(
            "DuplicatePolicyAttachmentException",
            "The selected policy is already attached to the specified target.",
        )
    if len(attached) >= ATTACHMENT_LIMIT:
        raise constraint_violation(
            "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
            "You attempted to exceed the number of policies of a certain type that can be attached to an entity.",
        )
    org.attach(policy.policy_id, target_id)
    return {}


@provider.handles("DetachPolicy")
def detach_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The last SCP of a target cannot be detached while SCPs are enabled
    (MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED)."""
    org = managed_organization(ctx)
    policy = require_policy(org, params["PolicyId"])
    target_id = params["TargetId"]
    _target(org, target_id)
    attached = org.policies_of(target_id, policy.policy_type)
    if not any(found.policy_id == policy.policy_id for found in attached):
        raise organizations_error(
            "PolicyNotAttachedException",
            "The policy isn't attached to the specified target in the specified root.",
        )
    if policy.policy_type == SCP and len(attached) == 1:
        raise constraint_violation(
            "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
            "You attempted to detach a policy from an entity that would cause the entity to have "
            "fewer than the minimum number of policies of a certain type required.",
        )
    org.detach(policy.policy_id, target_id)
    return {}


@provider.handles("ListPoliciesForTarget")
def list_policies_for_target(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Policies of one type attached directly to the target, in attach order (the marker
    holds the last attachment listed, so a detach between pages skips nothing)."""
    org = managed_organization(ctx)
    target_id = params["TargetId"]
    _target(org, target_id)
    sequence = org.attached.get(target_id, {})
    found = sorted(
        ((sequence[policy.policy_id], policy) for policy in org.policies_of(target_id, params["Filter"])),
        key=lambda item: item[0],
    )
    page, token = page_of(
        found,
        params,
        ("ListPoliciesForTarget", org.org_id, target_id, params["Filter"]),
        key=lambda item: item[0],
    )
    return {"Policies": [summary_dict(policy) for _order, policy in page], "NextToken": token}


@provider.handles("ListTargetsForPolicy")
def list_targets_for_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Roots, OUs and accounts the policy is attached to, in attach order."""
    org = managed_organization(ctx)
    policy = require_policy(org, params["PolicyId"])
    targets = sorted(
        ((order, target_id) for target_id, order in org.targets.get(policy.policy_id, {}).items()),
        key=lambda item: item[0],
    )
    page, token = page_of(
        targets,
        params,
        ("ListTargetsForPolicy", org.org_id, policy.policy_id),
        key=lambda item: item[0],
    )
    out = []
    for _order, target_id in page:
        kind, arn, name = _target(org, target_id)
        out.append({"TargetId": target_id, "Arn": arn, "Name": name, "Type": kind})
    return {"Targets": out, "NextToken": token}
