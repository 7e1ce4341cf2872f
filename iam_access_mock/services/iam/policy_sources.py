"""The identity policies that apply to a user, group or role, as the reports read them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .policies import managed_policy
from .store import Group, IamStore, Role, User


@dataclass(frozen=True)
class PolicySource:
    """One permissions policy: MANAGED (with its ARN) or INLINE (with its owner)."""

    policy_type: str  # "MANAGED" | "INLINE"
    name: str
    document: str
    policy_arn: str | None = None
    entity_type: str | None = None  # USER | GROUP | ROLE, for inline policies
    entity_name: str | None = None

    def entry(self) -> dict[str, Any]:
        """The ListPoliciesGrantingServiceAccess entry (observed shapes)."""
        if self.policy_type == "MANAGED":
            return {"PolicyName": self.name, "PolicyType": "MANAGED", "PolicyArn": self.policy_arn}
        return {
            "PolicyName": self.name,
            "PolicyType": "INLINE",
            "EntityType": self.entity_type,
            "EntityName": self.entity_name,
        }


def _own_sources(
    store: IamStore, entity: User | Group | Role, entity_type: str
) -> list[PolicySource]:
    sources = []
    for arn in entity.attached_policies:
        policy = managed_policy(store, arn)
        if policy is not None:
            sources.append(
                PolicySource("MANAGED", policy.name, policy.document, policy_arn=policy.arn)
            )
    for name, document in entity.inline_policies.items():
        sources.append(
            PolicySource("INLINE", name, document, entity_type=entity_type, entity_name=entity.name)
        )
    return sources


def identity_policy_sources(store: IamStore, entity: User | Group | Role) -> list[PolicySource]:
    """A user's own policies and its groups'; a group's or a role's own (boundaries excluded).

    Order: the entity's managed policies (attach order), its inline ones (put order), then
    each group's likewise, in join order. Rule chosen: a managed policy reached through the
    user and a group, or two groups, is one policy.
    """
    if isinstance(entity, User):
        sources = _own_sources(store, entity, "USER")
        seen = {source.policy_arn for source in sources if source.policy_arn}
        for group in store.groups_of(entity):
            for source in _own_sources(store, group, "GROUP"):
                if source.policy_arn:
                    if source.policy_arn in seen:
                        continue
                    seen.add(source.policy_arn)
                sources.append(source)
        return sources
    if isinstance(entity, Group):
        return _own_sources(store, entity, "GROUP")
    return _own_sources(store, entity, "ROLE")
