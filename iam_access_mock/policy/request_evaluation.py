"""One request at a time: is ``action`` on ``resource`` allowed, in a context, by a set of
policies? The policy simulator's evaluation (SimulatePrincipalPolicy, SimulateCustomPolicy).

It follows the IAM User Guide's "Policy evaluation logic" for a request within one account,
with the policy types a simulation takes:

1. An applicable Deny in an identity policy, the permissions boundary, the resource policy
   or an SCP is an explicit deny (``explicitDeny``).
2. SCPs (when the account is in an organization that has them): every level from the root
   to the account needs an applicable Allow, else ``implicitDeny``.
3. Otherwise the request is allowed when an identity policy allows it and the permissions
   boundary (if any) allows it too, or when the resource policy allows it for the caller by
   name (or ``*``): "within the same account, resource-based policies that grant
   permissions to an IAM user ARN ... are not limited by an implicit deny in an
   identity-based policy or permissions boundary". For a resource of another account both
   the identity policies (within the boundary) and the resource policy must allow it.
   Anything else is ``implicitDeny``.

A statement applies when its Action (or NotAction) matches the action, its Resource (or
NotResource) the resource, its Principal the caller (resource policies only) and its
Condition holds in the context (``policy.context``). Matching is the report evaluator's
(``evaluator.action_matches``, ``evaluator.resource_matches``): the request's resource is
taken literally, so the default resource "*" is matched only by ``Resource: "*"`` (and by
patterns such as ``*`` that match the text ``*``).

Resource policy principals (rules chosen where the User Guide is not specific): ``"*"``
and ``{"AWS": "*"}`` match any caller; an IAM ARN matches that exact caller; an account
(``123456789012`` or its ``:root`` ARN) matches every principal of the account for a Deny
but allows nothing by itself (it delegates to the account's identity policies); service,
federated and canonical-user principals never match an IAM caller. ``NotPrincipal``
applies to callers it does not name (by ARN, or by their account).

Matched statements are those that decided: the applicable Deny statements for an explicit
deny (SCPs excluded, as AWS documents), the applicable identity Allows (when the boundary
let them through) and resource-policy Allows for an allow, none for an implicit deny.
Missing context keys are those the conditions and policy variables of the statements
whose action, resource and principal match needed and the context lacked (SCPs excluded).

Bounded work: each statement is compiled once per simulation, its condition evaluated once
(the context does not change between actions), its resources resolved once and matched
once per resource; every match and comparison is charged to the ``Budget``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import bounded_json
from .context import Budget, Outcome, RequestContext, evaluate_condition, resolve, unique_keys
from .document import MAX_DEPTH
from .evaluator import action_matches, resource_matches
from .positions import Span, statement_spans

ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY = "allowed", "explicitDeny", "implicitDeny"
_RESTRICTIVENESS = {ALLOWED: 0, IMPLICIT_DENY: 1, EXPLICIT_DENY: 2}


@dataclass(frozen=True)
class PolicyInput:
    """A policy in a simulation: the text, and how MatchedStatements name it."""

    policy_id: str  # SourcePolicyId
    policy_type: str  # SourcePolicyType
    document: str


@dataclass(eq=False)
class Statement:
    """One statement of an input policy, ready for request evaluation."""

    policy: PolicyInput
    span: Span | None
    effect: str
    not_action: bool
    actions: tuple[str, ...]
    not_resource: bool
    resources: tuple[str, ...]
    principal: Any  # the Principal/NotPrincipal value of a resource policy statement
    not_principal: bool
    condition: Mapping[str, Any]
    variables: bool  # a 2012-10-17 document: policy variables are read
    _outcome: Outcome | None = field(default=None, repr=False)
    _resolved: tuple[list[str], list[str]] | None = field(default=None, repr=False)
    _by_resource: dict[str, bool] = field(default_factory=dict, repr=False)
    _by_action: dict[str, bool] = field(default_factory=dict, repr=False)

    def matched_entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "SourcePolicyId": self.policy.policy_id,
            "SourcePolicyType": self.policy.policy_type,
        }
        if self.span is not None:
            entry["StartPosition"] = self.span[0].entry()
            entry["EndPosition"] = self.span[1].entry()
        return entry


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(item for item in items if isinstance(item, str))


def compile_statements(policy: PolicyInput) -> list[Statement]:
    """The statements of a valid policy document (``document.parse_policy_document``)."""
    try:
        parsed = bounded_json.loads(policy.document, max_depth=MAX_DEPTH)
    except ValueError:
        return []
    if not isinstance(parsed, dict):
        return []
    raw = parsed.get("Statement")
    statements = [raw] if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    spans = statement_spans(policy.document)
    variables = parsed.get("Version") == "2012-10-17"
    compiled = []
    for index, statement in enumerate(statements):
        if not isinstance(statement, dict):
            continue
        not_action = "Action" not in statement
        not_resource = "Resource" not in statement
        not_principal = "Principal" not in statement and "NotPrincipal" in statement
        condition = statement.get("Condition")
        compiled.append(
            Statement(
                policy=policy,
                span=spans[index] if index < len(spans) else None,
                effect=str(statement.get("Effect")),
                not_action=not_action,
                actions=_strings(statement.get("NotAction" if not_action else "Action")),
                not_resource=not_resource,
                resources=_strings(statement.get("NotResource" if not_resource else "Resource")),
                principal=statement.get("NotPrincipal" if not_principal else "Principal"),
                not_principal=not_principal,
                condition=condition if isinstance(condition, dict) else {},
                variables=variables,
            )
        )
    return compiled


@dataclass(frozen=True)
class Caller:
    """Who the simulated request comes from, for resource policies: an IAM ARN and account."""

    arn: str | None
    account_id: str


@dataclass
class Decision:
    """The simulator's answer for one action on one resource."""

    decision: str
    matched: list[Statement]
    missing: list[str]
    allowed_by_boundary: bool | None  # None: no permissions boundary in the simulation
    allowed_by_organizations: bool | None  # None: no SCPs in the simulation


class Simulation:
    """The policies, caller and context of one simulation call, evaluated per request."""

    def __init__(
        self,
        *,
        identity: Sequence[PolicyInput],
        boundary: PolicyInput | None,
        resource_policy: PolicyInput | None,
        scp_levels: Sequence[Sequence[PolicyInput]] | None,
        caller: Caller,
        context: RequestContext,
        budget: Budget,
    ) -> None:
        self.identity = [s for p in identity for s in compile_statements(p)]
        self.boundary = compile_statements(boundary) if boundary is not None else None
        self.resource = compile_statements(resource_policy) if resource_policy is not None else []
        self.scp_levels = (
            [[s for p in level for s in compile_statements(p)] for level in scp_levels]
            if scp_levels is not None
            else None
        )
        self.caller = caller
        self.context = context
        self.budget = budget

    @property
    def statement_count(self) -> int:
        scps = sum(len(level) for level in self.scp_levels or [])
        return len(self.identity) + len(self.boundary or []) + len(self.resource) + scps

    # ---- one statement ------------------------------------------------------------------

    def _action_matches(self, statement: Statement, action: str) -> bool:
        found = statement._by_action.get(action)
        if found is None:
            self.budget.charge(max(len(statement.actions), 1))
            hit = any(action_matches(pattern, action) for pattern in statement.actions)
            found = statement._by_action[action] = hit != statement.not_action
        return found

    def _resolved(self, statement: Statement) -> tuple[list[str], list[str]]:
        """The statement's resource patterns with their variables resolved, and the keys
        that could not be (a pattern holding one is dropped: it matches nothing)."""
        if statement._resolved is None:
            patterns: list[str] = []
            missing: list[str] = []
            for pattern in statement.resources:
                if statement.variables:
                    text, absent = resolve(pattern, self.context, escape=True)
                    missing.extend(absent)
                    if text is not None:
                        patterns.append(text)
                else:
                    patterns.append(pattern.replace("$", "${$}") if "${" in pattern else pattern)
            statement._resolved = (patterns, missing)
        return statement._resolved

    def _resource_matches(self, statement: Statement, resource: str) -> bool:
        found = statement._by_resource.get(resource)
        if found is None:
            patterns, _ = self._resolved(statement)
            self.budget.charge(4 * max(len(patterns), 1))  # a match weighs about four steps
            hit = any(resource_matches(pattern, resource) for pattern in patterns)
            found = statement._by_resource[resource] = hit != statement.not_resource
        return found

    def _outcome(self, statement: Statement) -> Outcome:
        if statement._outcome is None:
            statement._outcome = evaluate_condition(
                statement.condition, self.context, self.budget, variables=statement.variables
            )
        return statement._outcome

    def _principal_matches(self, statement: Statement, *, allow: bool) -> bool:
        if statement.not_principal:  # an account named excludes all of its principals
            return not _principal_names(statement.principal, self.caller, allow=False)
        return _principal_names(statement.principal, self.caller, allow=allow)

    def _applies(
        self, statement: Statement, action: str, resource: str, missing: list[str] | None
    ) -> bool:
        """The statement applies to the request; its missing keys go to ``missing``."""
        self.budget.charge(1)
        if not self._action_matches(statement, action):
            return False
        if statement.principal is not None and not self._principal_matches(
            statement, allow=statement.effect == "Allow"
        ):
            return False
        resource_hit = self._resource_matches(statement, resource)
        if missing is not None:
            missing.extend(self._resolved(statement)[1])
        if not resource_hit:
            return False
        outcome = self._outcome(statement)
        if missing is not None:
            missing.extend(outcome.missing)
        return outcome.holds

    # ---- one request --------------------------------------------------------------------

    def evaluate(self, action: str, resource: str, resource_account: str) -> Decision:
        """The decision for ``action`` on ``resource`` (owned by ``resource_account``)."""
        missing: list[str] = []

        def applying(statements: Sequence[Statement], effect: str) -> list[Statement]:
            return [
                s
                for s in statements
                if s.effect == effect and self._applies(s, action, resource, missing)
            ]

        identity_denies = applying(self.identity, "Deny")
        identity_allows = applying(self.identity, "Allow")
        boundary_denies = applying(self.boundary or [], "Deny")
        boundary_allows = applying(self.boundary or [], "Allow")
        resource_denies = applying(self.resource, "Deny")
        resource_allows = applying(self.resource, "Allow")
        allowed_by_boundary = (
            None if self.boundary is None else bool(boundary_allows) and not boundary_denies
        )
        scp_denied, allowed_by_organizations = self._organizations(action, resource)
        denies = identity_denies + boundary_denies + resource_denies
        missing = unique_keys(missing)
        if denies or scp_denied:
            return Decision(
                EXPLICIT_DENY, denies, missing, allowed_by_boundary, allowed_by_organizations
            )
        if allowed_by_organizations is False:
            return Decision(
                IMPLICIT_DENY, [], missing, allowed_by_boundary, allowed_by_organizations
            )
        through_identity = identity_allows if allowed_by_boundary is not False else []
        if resource_account != self.caller.account_id:
            allowed = bool(through_identity) and bool(resource_allows)
        else:
            allowed = bool(through_identity) or bool(resource_allows)
        if not allowed:
            return Decision(
                IMPLICIT_DENY, [], missing, allowed_by_boundary, allowed_by_organizations
            )
        return Decision(
            ALLOWED,
            through_identity + resource_allows,
            missing,
            allowed_by_boundary,
            allowed_by_organizations,
        )

    def _organizations(self, action: str, resource: str) -> tuple[bool, bool | None]:
        """(an SCP denies, every level allows) — (False, None) without SCPs."""
        if self.scp_levels is None:
            return False, None
        denied = False
        every_level = True
        for level in self.scp_levels:
            if any(s.effect == "Deny" and self._applies(s, action, resource, None) for s in level):
                denied = True
            if not any(
                s.effect == "Allow" and self._applies(s, action, resource, None) for s in level
            ):
                every_level = False
        return denied, every_level and not denied


def _principal_names(principal: Any, caller: Caller, *, allow: bool) -> bool:
    """A Principal value names the caller (see the module doc for accounts)."""
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for kind, value in principal.items():
        if kind != "AWS":
            continue
        for entry in value if isinstance(value, list) else [value]:
            if not isinstance(entry, str):
                continue
            if entry == "*" or (caller.arn is not None and entry == caller.arn):
                return True
            if not allow and entry in (caller.account_id, f"arn:aws:iam::{caller.account_id}:root"):
                return True
    return False


def most_restrictive(decisions: Sequence[str]) -> str:
    """The decision that wins across resources: explicit deny, then implicit deny."""
    return max(decisions, key=_RESTRICTIVENESS.__getitem__)
