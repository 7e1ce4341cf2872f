"""The IAM policy simulator: SimulatePrincipalPolicy, SimulateCustomPolicy and the
GetContextKeysFor*Policy operations.

The evaluation is ``policy.request_evaluation`` (conditions in ``policy.context``, statement
positions in ``policy.positions``); this module reads the request, gathers the policies and
shapes the answer. Rules (AWS's where documented, else chosen; docs/fidelity.md, "IAM policy
simulation", has them all):

* One EvaluationResult per action, in ActionNames order (the API reference: "The simulator
  now returns a single EvaluationResult per action"). Without ResourceArns (or with only
  ``*``) the action is evaluated on ``*``: EvalResourceName ``*``, no ResourceSpecificResults,
  no EvalDecisionDetails. With ResourceArns, one ResourceSpecificResult per ARN, in order;
  the top level has the most restrictive decision, the matched statements of the resources
  that gave it, every missing key once, an empty EvalDecisionDetails (same account), and as
  EvalResourceName the catalogue's ARN template of the action's resource type that the first
  ARN fits, else ``*``.
* MatchedStatements name a policy as IAM does in its examples: an attached or inline
  policy by its name, a policy of the request by its list and 1-based place
  (``PolicyInputList.1``, ``PermissionsBoundaryPolicyInputList.1``), the resource policy as
  ``ResourcePolicy``. SourcePolicyType: ``user``, ``group``, ``role`` (inline),
  ``aws-managed``, ``user-managed``, ``resource``, and ``none`` for policies of the request.
* PermissionsBoundaryDecisionDetail appears when a boundary is in play (the entity's, or the
  one of PermissionsBoundaryPolicyInputList, which replaces it); OrganizationsDecisionDetail
  when the account is in an organization (SCPs from the root to the account, when the root
  has them enabled; the management account is never limited) or, for SimulateCustomPolicy,
  when OrderedOrganizationPolicyInputList is given.
* Only ContextEntries give context values; the mock fills in none (``aws:CurrentTime``
  included). ContextKeyType defaults to ``string``; a value that does not read as its type
  is InvalidInput.
* Pages: MaxItems (default 100) EvaluationResults, fewer when the page's actions times
  statements times resources would pass 250,000 (IAM documents that it may return fewer);
  a call is refused with InvalidInput past 500,000 steps (statement checks, resource
  matches, condition comparisons), about a second of work at worst. PolicyEvaluationException (HTTP 500, retried by SDKs) is never answered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ...errors import AccessDenied, InvalidInput, MalformedPolicyDocument
from ...organization import SCP
from ...pagination import encode_marker, marker_index
from ...policy.context import (
    Budget,
    TooMuchWork,
    referenced_keys,
    unique_keys,
    valid_value,
)
from ...policy.context import (
    RequestContext as SimulationContext,
)
from ...policy.document import parse_policy_document
from ...policy.evaluator import arn_template_for
from ...policy.request_evaluation import (
    Caller,
    Decision,
    PolicyInput,
    Simulation,
    most_restrictive,
)
from ...policy.wildcard import wildcard
from ...service import RequestContext
from . import provider
from .naming import group_not_found, role_not_found, user_not_found
from .policies import managed_policy
from .policy_sources import PolicySource, identity_policy_sources
from .store import Group, IamStore, Role, User

DEFAULT_PAGE = 100
SIMULATION_WORK = 500_000  # steps one call may take (about a second at worst)
PAGE_WORK = SIMULATION_WORK // 2  # statement-resource pairs one page may weigh
_ACTION = re.compile(r"[A-Za-z0-9.\-]+:[A-Za-z0-9_\-]+")
_IAM_ENTITY = re.compile(r"arn:aws:iam::(\d{12}):(user|group|role)(/.*)?/([^/]+)")
_ACCOUNT_ROOT = re.compile(r"arn:aws:iam::(\d{12}):root")
_PARTITIONS = frozenset(
    {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}
)
_HANDLING_OPTIONS = frozenset(
    {"EC2-VPC-InstanceStore", "EC2-VPC-InstanceStore-Subnet", "EC2-VPC-EBS", "EC2-VPC-EBS-Subnet"}
)
_EXCLUDABLE_TYPES = {"inline": "INLINE", "aws-managed": "AWS", "user-managed": "LOCAL"}


# ---- reading the request ------------------------------------------------------------------


def _unsupported(arn: str) -> InvalidInput:
    return InvalidInput(f"Invalid Entity Arn: {arn} is not supported.")


def _resolve_source(ctx: RequestContext, arn: str) -> User | Group | Role:
    """The user, group or role PolicySourceArn names: InvalidInput for any other ARN,
    AccessDenied for another account's (as GenerateServiceLastAccessedDetails), NoSuchEntity
    when it does not exist (matched by name, as IAM ignores a wrong path there)."""
    match = _IAM_ENTITY.fullmatch(arn)
    if match is None:
        raise _unsupported(arn)
    account, kind, _path, name = match.groups()
    if account != ctx.account_id:
        raise AccessDenied(
            f"User: {ctx.principal.arn} is not authorized to perform the operation on {arn}"
        )
    store: IamStore = ctx.store
    if kind == "user":
        user = store.user(name)
        if user is None:
            raise user_not_found(name)
        return user
    if kind == "group":
        group = store.group(name)
        if group is None:
            raise group_not_found(name)
        return group
    role = store.role(name)
    if role is None:
        raise role_not_found(name)
    return role


def _checked(text: str, *, resource: bool = False) -> str:
    """A policy of the request, valid, else InvalidInput with IAM's validation message."""
    try:
        parse_policy_document(text, resource=resource)
    except MalformedPolicyDocument as error:
        raise InvalidInput(error.message) from None
    return text


def _request_policies(params: dict[str, Any], member: str) -> list[PolicyInput]:
    return [
        PolicyInput(f"{member}.{index}", "none", _checked(text))
        for index, text in enumerate(params.get(member) or [], start=1)
    ]


def _boundary_input(params: dict[str, Any]) -> PolicyInput | None:
    inputs = _request_policies(params, "PermissionsBoundaryPolicyInputList")
    if len(inputs) > 1:
        raise InvalidInput("Only one permissions boundary policy can be simulated at a time.")
    return inputs[0] if inputs else None


def _actions(params: dict[str, Any]) -> list[str]:
    actions = list(params["ActionNames"])
    for action in actions:
        if "*" in action or "?" in action:
            raise InvalidInput(f"Action {action} must not contain wildcards.")
        if not _ACTION.fullmatch(action):
            raise InvalidInput(f"Action {action} must be of the form service:action.")
    return actions


def _resources(params: dict[str, Any]) -> list[str] | None:
    """The ResourceArns, or None when the simulation is on "*" alone."""
    arns = params.get("ResourceArns")
    if not arns or arns == ["*"]:
        return None
    for arn in arns:
        parts = arn.split(":", 5)
        if arn == "*":
            continue
        if len(parts) != 6 or parts[0] != "arn" or parts[1] not in _PARTITIONS or not parts[2]:
            raise InvalidInput(f'Resource {arn} must be in ARN format or "*".')
    return list(arns)


def _context(params: dict[str, Any]) -> SimulationContext:
    values: dict[str, tuple[str, ...]] = {}
    for entry in params.get("ContextEntries") or []:
        name = entry.get("ContextKeyName")
        if not name:
            raise InvalidInput("ContextKeyName is required in each ContextEntry.")
        kind = entry.get("ContextKeyType") or "string"
        entry_values = tuple(entry.get("ContextKeyValues") or [])
        for value in entry_values:
            if not valid_value(kind, value):
                raise InvalidInput(f"Context key {name} has a value that is not of type {kind}.")
        values[name.lower()] = entry_values
    return SimulationContext(values)


def _owner_account(params: dict[str, Any]) -> str | None:
    owner = params.get("ResourceOwner")
    if owner is None:
        return None
    match = _ACCOUNT_ROOT.fullmatch(owner)
    if match is None:
        raise InvalidInput(f"'{owner}' is not a valid as a Resource Owner.")  # observed text
    return match.group(1)


def _caller_arn(params: dict[str, Any]) -> tuple[str, str] | None:
    """(CallerArn, its kind) when given: an IAM user, group or role ARN."""
    arn = params.get("CallerArn")
    if arn is None:
        return None
    match = _IAM_ENTITY.fullmatch(arn)
    if match is None:
        raise _unsupported(arn)
    return arn, match.group(2)


def _check_handling_option(params: dict[str, Any]) -> None:
    option = params.get("ResourceHandlingOption")
    if option is not None and option not in _HANDLING_OPTIONS:
        raise InvalidInput(f"Invalid ResourceHandlingOption: {option}.")


# ---- the principal's policies -------------------------------------------------------------


def _source_input(source: PolicySource) -> PolicyInput:
    if source.policy_type == "INLINE":
        return PolicyInput(source.name, (source.entity_type or "user").lower(), source.document)
    aws = (source.policy_arn or "").startswith("arn:aws:iam::aws:")
    return PolicyInput(source.name, "aws-managed" if aws else "user-managed", source.document)


def _excluded(source: PolicySource, exclusions: Sequence[dict[str, Any]]) -> bool:
    """PolicyExclusionList: by type, by managed policy ARN (wildcards in the name part), or by
    inline policy name and entity (wildcards in the entity name)."""
    for exclusion in exclusions:
        kind = exclusion.get("PolicyType")
        if kind == "inline" and source.policy_type == "INLINE":
            return True
        if kind in ("aws-managed", "user-managed") and source.policy_arn:
            aws = source.policy_arn.startswith("arn:aws:iam::aws:")
            if aws == (kind == "aws-managed"):
                return True
        arn = exclusion.get("PolicyArn")
        if arn and source.policy_arn:
            prefix, _, name = arn.partition(":policy/")
            own_prefix, _, own_name = source.policy_arn.partition(":policy/")
            if prefix == own_prefix and wildcard(name).matches(own_name):
                return True
        inline = exclusion.get("InlinePolicyIdentifier")
        if (
            inline
            and source.policy_type == "INLINE"
            and (
                inline.get("PolicyName") == source.name
                and (inline.get("AttachmentType") or "").upper() == source.entity_type
                and wildcard(inline.get("AttachmentName") or "").matches(source.entity_name or "")
            )
        ):
            return True
    return False


def _check_exclusions(exclusions: Sequence[dict[str, Any]]) -> None:
    for exclusion in exclusions:
        arn = exclusion.get("PolicyArn")
        if arn is not None:
            prefix, _, name = arn.partition(":policy/")
            if not name or name.count("*") > 1 or "*" in prefix or "?" in prefix:
                raise InvalidInput(f"Invalid policy ARN in PolicyExclusionList: {arn}")


def _excludes_type(exclusions: Sequence[dict[str, Any]], kind: str) -> bool:
    return any(exclusion.get("PolicyType") == kind for exclusion in exclusions)


def _entity_boundary(store: IamStore, entity: User | Group | Role) -> PolicyInput | None:
    arn = getattr(entity, "permissions_boundary", None)
    if not arn:
        return None
    policy = managed_policy(store, arn)
    if policy is None:
        return None
    kind = "aws-managed" if arn.startswith("arn:aws:iam::aws:") else "user-managed"
    return PolicyInput(policy.name, kind, policy.document)


def _scp_levels(ctx: RequestContext, account_id: str) -> list[list[PolicyInput]] | None:
    """The SCPs from the root down to the account, per level; None outside an organization;
    no level for the management account (SCPs never limit it)."""
    org = ctx.world.organizations.of_account(account_id)
    if org is None:
        return None
    if account_id == org.management_account_id or not org.scps_enabled():
        return []
    return [
        [PolicyInput(policy.name, "none", policy.content) for policy in org.policies_of(level, SCP)]
        for level in [*org.ancestors(account_id), account_id]
    ]


# ---- the answer ---------------------------------------------------------------------------


def _statements(decision: Decision) -> list[dict[str, Any]]:
    return [statement.matched_entry() for statement in decision.matched]


def _details(result: dict[str, Any], boundary: bool | None, orgs: bool | None) -> None:
    """The boundary's and the organization's part, when they have one."""
    if boundary is not None:
        result["PermissionsBoundaryDecisionDetail"] = {"AllowedByPermissionsBoundary": boundary}
    if orgs is not None:
        result["OrganizationsDecisionDetail"] = {"AllowedByOrganizations": orgs}


def _result(
    simulation: Simulation,
    action: str,
    resources: list[str] | None,
    resource_account: str | None,
) -> dict[str, Any]:
    caller_account = simulation.caller.account_id

    def account_of(resource: str) -> str:
        if resource_account is not None:
            return resource_account
        parts = resource.split(":", 5)
        return parts[4] if len(parts) == 6 and parts[4] else caller_account

    if resources is None:
        decision = simulation.evaluate(action, "*", account_of("*"))
        result: dict[str, Any] = {
            "EvalActionName": action,
            "EvalResourceName": "*",
            "EvalDecision": decision.decision,
            "MatchedStatements": _statements(decision),
            "MissingContextValues": decision.missing,
        }
        _details(result, decision.allowed_by_boundary, decision.allowed_by_organizations)
        return result
    decisions = [simulation.evaluate(action, arn, account_of(arn)) for arn in resources]
    top = most_restrictive([d.decision for d in decisions])
    matched: dict[int, dict[str, Any]] = {}
    for decision in decisions:
        if decision.decision == top:
            for statement in decision.matched:
                matched.setdefault(id(statement), statement.matched_entry())
    namespace, _, name = action.partition(":")
    template = (
        arn_template_for(namespace.lower(), name, resources[0]) if resources[0] != "*" else None
    )
    specific = []
    for arn, decision in zip(resources, decisions):
        entry: dict[str, Any] = {
            "EvalResourceName": arn,
            "EvalResourceDecision": decision.decision,
            "MatchedStatements": _statements(decision),
            "MissingContextValues": decision.missing,
        }
        if decision.allowed_by_boundary is not None:
            entry["PermissionsBoundaryDecisionDetail"] = {
                "AllowedByPermissionsBoundary": decision.allowed_by_boundary
            }
        specific.append(entry)
    boundaries = [d.allowed_by_boundary for d in decisions]
    orgs = [d.allowed_by_organizations for d in decisions]
    result = {
        "EvalActionName": action,
        "EvalResourceName": template or "*",
        "EvalDecision": top,
        "MatchedStatements": list(matched.values()),
        "MissingContextValues": unique_keys([k for d in decisions for k in d.missing]),
        "EvalDecisionDetails": {},
        "ResourceSpecificResults": specific,
    }
    _details(
        result,
        None if boundaries[0] is None else all(boundaries),
        None if orgs[0] is None else all(orgs),
    )
    return result


def _simulate(
    ctx: RequestContext,
    params: dict[str, Any],
    simulation: Simulation,
    actions: list[str],
    resources: list[str] | None,
    resource_account: str | None,
) -> dict[str, Any]:
    scope = (ctx.operation, {k: v for k, v in params.items() if k not in ("Marker", "MaxItems")})
    start = marker_index(params.get("Marker"), scope, len(actions))
    weight = max(simulation.statement_count, 1) * (len(resources) if resources else 1)
    size = min(params.get("MaxItems") or DEFAULT_PAGE, max(1, PAGE_WORK // weight))
    end = min(start + size, len(actions))
    try:
        results = [_result(simulation, a, resources, resource_account) for a in actions[start:end]]
    except TooMuchWork:
        raise InvalidInput(
            f"The simulation needs more than {SIMULATION_WORK} steps; simulate fewer policies, "
            "actions or resources at a time."
        ) from None
    truncated = end < len(actions)
    answer: dict[str, Any] = {"EvaluationResults": results, "IsTruncated": truncated}
    if truncated:
        answer["Marker"] = encode_marker(scope, end)
    return answer


def _resource_policy(params: dict[str, Any]) -> PolicyInput | None:
    text = params.get("ResourcePolicy")
    if text is None:
        return None
    return PolicyInput("ResourcePolicy", "resource", _checked(text, resource=True))


@provider.handles("SimulatePrincipalPolicy")
def simulate_principal_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Simulate the policies of a user (with its groups'), group or role, plus those given.

    Rules chosen: a ResourcePolicy needs a user caller (the source if it is a user, else a
    user CallerArn; a role is InvalidInput, as "simulation of resource-based policies isn't
    supported for IAM roles"); an entity's boundary that no longer exists is ignored;
    PolicyExclusionList removes the principal's policies it identifies (never those of the
    request); the account's SCPs apply as in the module doc.
    """
    store: IamStore = ctx.store
    entity = _resolve_source(ctx, params["PolicySourceArn"])
    actions = _actions(params)
    resources = _resources(params)
    exclusions = params.get("PolicyExclusionList") or []
    _check_exclusions(exclusions)
    extra = _request_policies(params, "PolicyInputList")
    boundary = _boundary_input(params)
    if boundary is None and not _excludes_type(exclusions, "permission-boundary"):
        boundary = _entity_boundary(store, entity)
    sources = [
        _source_input(source)
        for source in identity_policy_sources(store, entity)
        if not _excluded(source, exclusions)
    ]
    resource_policy = _resource_policy(params)
    caller = _caller_arn(params)
    caller_arn = caller[0] if caller else entity.arn
    caller_kind = caller[1] if caller else _kind(entity)
    if resource_policy is not None and caller_kind != "user":
        raise InvalidInput(
            "Simulation of resource-based policies is supported for IAM users only: "
            "give a user as PolicySourceArn or CallerArn."
        )
    _check_handling_option(params)
    scps = None if _excludes_type(exclusions, "scp") else _scp_levels(ctx, ctx.account_id)
    simulation = Simulation(
        identity=[*sources, *extra],
        boundary=boundary,
        resource_policy=resource_policy,
        scp_levels=scps,
        caller=Caller(caller_arn, caller_arn.split(":")[4]),
        context=_context(params),
        budget=Budget(SIMULATION_WORK),
    )
    return _simulate(ctx, params, simulation, actions, resources, _owner_account(params))


def _kind(entity: User | Group | Role) -> str:
    return "user" if isinstance(entity, User) else "group" if isinstance(entity, Group) else "role"


@provider.handles("SimulateCustomPolicy")
def simulate_custom_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Simulate the policies given (PolicyInputList, at least one), with an optional boundary,
    resource policy and SCP levels (OrderedOrganizationPolicyInputList, root first).

    Rules chosen: a ResourcePolicy needs a user CallerArn (InvalidInput otherwise); the
    caller's account is CallerArn's, else the calling account; no SCP of the account's
    organization applies (only those given).
    """
    policies = _request_policies(params, "PolicyInputList")
    if not policies:
        raise InvalidInput("PolicyInputList must contain at least one policy.")
    actions = _actions(params)
    resources = _resources(params)
    boundary = _boundary_input(params)
    resource_policy = _resource_policy(params)
    caller = _caller_arn(params)
    if resource_policy is not None and (caller is None or caller[1] != "user"):
        raise InvalidInput("CallerArn must be an IAM user's ARN when ResourcePolicy is given.")
    _check_handling_option(params)
    levels = params.get("OrderedOrganizationPolicyInputList")
    scps = None
    if levels is not None:
        scps = [
            [
                PolicyInput(f"OrderedOrganizationPolicyInputList.{n}.{m}", "none", _checked(text))
                for m, text in enumerate(level.get("ServiceControlPolicyInputList") or [], start=1)
            ]
            for n, level in enumerate(levels, start=1)
        ]
    caller_account = caller[0].split(":")[4] if caller else ctx.account_id
    simulation = Simulation(
        identity=policies,
        boundary=boundary,
        resource_policy=resource_policy,
        scp_levels=scps,
        caller=Caller(caller[0] if caller else None, caller_account),
        context=_context(params),
        budget=Budget(SIMULATION_WORK),
    )
    return _simulate(ctx, params, simulation, actions, resources, _owner_account(params))


# ---- context keys -------------------------------------------------------------------------


def _keys_of(texts: Sequence[str]) -> list[str]:
    found: list[str] = []
    for text in texts:
        found.extend(referenced_keys(parse_policy_document(text)))
    return unique_keys(found)


@provider.handles("GetContextKeysForPrincipalPolicy")
def get_context_keys_for_principal_policy(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """The context keys of an entity's policies (a user's groups' too), its permissions
    boundary and the policies given, in that order.

    Rules chosen (the CLI examples show keys as written, policy variables included): each
    key once, compared case-insensitively, as first written, in the order the policies and
    their statements hold them.
    """
    store: IamStore = ctx.store
    entity = _resolve_source(ctx, params["PolicySourceArn"])
    texts = [source.document for source in identity_policy_sources(store, entity)]
    boundary = _entity_boundary(store, entity)
    if boundary is not None:
        texts.append(boundary.document)
    texts.extend(policy.document for policy in _request_policies(params, "PolicyInputList"))
    return {"ContextKeyNames": _keys_of(texts)}


@provider.handles("GetContextKeysForCustomPolicy")
def get_context_keys_for_custom_policy(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """The context keys the policies given use (see GetContextKeysForPrincipalPolicy)."""
    policies = _request_policies(params, "PolicyInputList")
    return {"ContextKeyNames": _keys_of([policy.document for policy in policies])}
