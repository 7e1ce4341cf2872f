"""The unused-access analysis: from IAM state and the activity index to the findings wanted.

A pure function of the world's state and a time (``analyze``); ``refresh`` runs it for one
analyzer when it is due and reconciles the result with the findings kept (``findings.py``).
The "last used" data is what Access Advisor reads (``services/iam/last_accessed.py``): the
activity index for roles' and users' services and actions, the access keys' last use, and
the users' PasswordLastUsed (``aws.record_sign_in``).

Rules (unused-access.md §3 and §8; the INFERRED ones chosen as written in docs/fidelity.md):

- Scope: every IAM user and role of the analyzer's account, or of every account of the
  organization (the management account included) for ORGANIZATION_UNUSED_ACCESS, except
  principals matching an exclusion. Service-linked roles are analyzed like any role.
- Eligibility: a user or role created less than ``unusedAccessAge`` days before the
  analysis is not evaluated; nor is an access key or a password (login profile) that young.
  Policies are not gated by when they were attached (IAM does not show that time).
- Unused: never used, or last used ``unusedAccessAge`` days or more before the analysis.
- UnusedIAMRole: the role's last call through any session (RoleLastUsed). A role so
  reported gets no UnusedPermission finding.
- UnusedIAMUserAccessKey: one finding per user, one detail per unused Active key.
- UnusedIAMUserPassword: a user whose login profile's password was not used to sign in.
- UnusedPermission: for a used role, and for a user used in the period (any call, or a
  password sign-in), one finding with one detail per service its identity policies allow
  (the Access Advisor rule, ``policy/evaluator.py``) with something unused: for a service
  some allowed action of which IAM tracks at action level (``policy/catalogue.py``), the
  unused tracked actions, with the service's last access; for any other service, the
  service if it is unused.

Cost: the allowed services and tracked actions are computed once per distinct set of policy
documents; each principal then costs a pass over its own activity (set operations on the
packed last-access ints), and a finding's details are written only when read.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ...activity import REGION_BITS, ActivityIndex, micros_since_epoch
from ...policy import catalogue
from ...policy.evaluator import allowed_services, allowed_tracked_actions, compile_policy
from ..iam.policy_sources import identity_policy_sources
from ..iam.store import User
from .findings import (
    ORGANIZATION_UNUSED,
    ROLE_TYPE,
    UNUSED_ACCESS_KEY,
    UNUSED_PASSWORD,
    UNUSED_PERMISSION,
    UNUSED_ROLE,
    USER_TYPE,
    Analyzer,
    Details,
    FindingKey,
    StaticDetails,
    Wanted,
    reconcile,
)

if TYPE_CHECKING:
    from ...world import World
    from ..iam.store import IamStore, Role

ANALYSIS_INTERVAL = timedelta(hours=24)  # "re-evaluated every 24 hours" (Security Hub)
_REGION_MASK = (1 << REGION_BITS) - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _when(packed: int) -> datetime:
    return _EPOCH + timedelta(microseconds=packed >> REGION_BITS)


# ---- what a set of identity policies allows ---------------------------------------------------


@dataclass(frozen=True, eq=False)
class PolicySet:
    """What one set of identity policy documents allows, as the analysis weighs it."""

    documents: tuple[str, ...]
    compiled: tuple[Any, ...]  # the documents' CompiledPolicy objects
    services: tuple[str, ...]  # allowed services, in namespace order
    service_level: frozenset[str]  # allowed services judged as a whole
    # allowed services with tracked allowed actions -> (action names, "ns:action" lower keys)
    action_level: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]
    tracked_keys: frozenset[str]  # every key of ``action_level``


@lru_cache(maxsize=4096)
def policy_set(documents: tuple[str, ...]) -> PolicySet:
    compiled = []
    for document in documents:
        try:
            compiled.append(compile_policy(document))
        except Exception:  # noqa: BLE001, S112 - a stored document that does not compile grants nothing
            continue
    services = tuple(allowed_services(compiled)) if compiled else ()
    action_level: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for namespace in services:
        if not catalogue.tracked_actions(namespace):
            continue
        names = allowed_tracked_actions(compiled, namespace)
        if names:
            action_level[namespace] = (
                names,
                tuple(f"{namespace}:{name}".lower() for name in names),
            )
    return PolicySet(
        documents=documents,
        compiled=tuple(compiled),
        services=services,
        service_level=frozenset(services) - action_level.keys(),
        action_level=action_level,
        tracked_keys=frozenset(key for _, keys in action_level.values() for key in keys),
    )


def principal_policies(store: IamStore, entity: User | Role) -> PolicySet:
    """The PolicySet of a user's or role's identity policies (``identity_policy_sources``'
    documents, in its order), read straight from the store when every attached policy is
    there (customer policies, and AWS managed ones once attached)."""
    policies = store.policies
    documents: list[str] = []
    seen: set[str] = set()
    owners: list[Any] = [entity]
    if isinstance(entity, User):
        owners.extend(store.groups_of(entity))
    for owner in owners:
        for arn in owner.attached_policies:
            if arn in seen:
                continue
            policy = policies.get(arn)
            if policy is None:
                return policy_set(
                    tuple(source.document for source in identity_policy_sources(store, entity))
                )
            seen.add(arn)
            documents.append(policy.document)
        documents.extend(owner.inline_policies.values())
    return policy_set(tuple(documents))


@dataclass(eq=False)
class PermissionDetails(Details):
    """An UnusedPermission finding's details: the principal's policies and what of them it
    used in the period; the elements are written when read."""

    policies: PolicySet
    used_services: frozenset[str]  # service-level services used in the period
    used_tracked: frozenset[str]  # tracked action keys used in the period
    index: ActivityIndex
    account_id: str
    entity_id: str
    analyzed_micros: int  # the analysis's time: later accesses are not shown
    limit: int  # a packed last access above this is in the period

    def __post_init__(self) -> None:
        self.signature = (self.policies.documents, self.used_services, self.used_tracked)

    def _seen(self, packed: int | None) -> dict[str, Any]:
        if packed is None or packed >> REGION_BITS > self.analyzed_micros:
            return {}
        return {"lastAccessed": _when(packed)}

    def render(self) -> list[dict[str, Any]]:
        record = self.index.record_of(self.account_id, self.entity_id)
        services = record.services if record is not None else {}
        actions = record.actions if record is not None else {}
        elements: list[dict[str, Any]] = []
        for namespace in self.policies.services:
            tracked = self.policies.action_level.get(namespace)
            if tracked is None:
                if namespace in self.used_services:
                    continue
                detail: dict[str, Any] = {"serviceNamespace": namespace}
            else:
                unused = [
                    {"action": name, **self._seen(actions.get(key))}
                    for name, key in zip(*tracked)
                    if key not in self.used_tracked
                ]
                if not unused:
                    continue
                detail = {"serviceNamespace": namespace, "actions": unused}
            detail.update(self._seen(services.get(namespace)))
            elements.append({"unusedPermissionDetails": detail})
        return elements


# ---- the analysis ---------------------------------------------------------------------------


def _excluded(account_id: str, tags: dict[str, str], exclusions: Iterable[dict[str, Any]]) -> bool:
    """OR across criteria; inside one, the account ids and the tags given must both match;
    OR across the tag maps; AND across one map's keys; an empty value matches any value."""
    for criterion in exclusions:
        accounts = criterion.get("accountIds") or []
        tag_maps = criterion.get("resourceTags") or []
        if not accounts and not tag_maps:
            continue
        if accounts and account_id not in accounts:
            continue
        if tag_maps and not any(
            all(
                (key in tags) if value == "" else tags.get(key) == value for key, value in m.items()
            )
            for m in tag_maps
        ):
            continue
        return True
    return False


def scope_accounts(world: World, analyzer: Analyzer) -> list[str]:
    """The accounts an analyzer covers: its own, or its organization's (creation order)."""
    if analyzer.analyzer_type != ORGANIZATION_UNUSED:
        return [analyzer.account_id]
    org = world.organizations.of_account(analyzer.account_id)
    if org is None:
        return []
    return list(org.accounts)


def disabled_reason(world: World, analyzer: Analyzer) -> str | None:
    """Why an analyzer is DISABLED (its statusReason code), or None while it is ACTIVE: an
    organization analyzer whose organization is gone, or whose account no longer manages it."""
    if analyzer.analyzer_type != ORGANIZATION_UNUSED:
        return None
    org = world.organizations.of_account(analyzer.account_id)
    if org is None:
        return "ORGANIZATION_DELETED"
    if org.management_account_id != analyzer.account_id:
        return "DELEGATED_ADMINISTRATOR_DEREGISTERED"
    return None


def analyze(world: World, analyzer: Analyzer, now: datetime) -> dict[FindingKey, Wanted]:
    """The findings the analyzer's configuration asks for, as of ``now``."""
    cutoff = now - timedelta(days=analyzer.unused_access_age)
    # A packed last access (time above region) is in the period exactly when above ``limit``.
    limit = micros_since_epoch(cutoff) << REGION_BITS | _REGION_MASK
    now_micros = micros_since_epoch(now)
    exclusions = analyzer.exclusions
    index = world.activity
    credentials = world.credentials
    wanted: dict[FindingKey, Wanted] = {}

    def permissions(
        account_id: str, store: IamStore, entity: User | Role, record: Any, resource_type: str
    ) -> None:
        policies = principal_policies(store, entity)
        if not policies.services:
            return
        if record is None:
            used_services: frozenset[str] = frozenset()
            used_tracked: frozenset[str] = frozenset()
        else:
            # The allowed keys the entity ever used (a C-level intersection), then those in
            # the period: far fewer than the entity's whole activity.
            services = record.services
            used_services = frozenset(
                [ns for ns in policies.service_level.intersection(services) if services[ns] > limit]
            )
            actions = record.actions
            used_tracked = (
                frozenset(
                    [
                        key
                        for key in policies.tracked_keys.intersection(actions)
                        if actions[key] > limit
                    ]
                )
                if policies.tracked_keys
                else frozenset()
            )
        if len(used_services) == len(policies.service_level) and len(used_tracked) == len(
            policies.tracked_keys
        ):
            return
        key = (account_id, entity.unique_id, UNUSED_PERMISSION)
        details = PermissionDetails(
            policies,
            used_services,
            used_tracked,
            index,
            account_id,
            entity.unique_id,
            now_micros,
            limit,
        )
        wanted[key] = Wanted(key, UNUSED_PERMISSION, entity.arn, resource_type, details)

    for account_id in scope_accounts(world, analyzer):
        store: IamStore = world.iam(account_id)
        for user in store.users.values():
            if user.created > cutoff or (
                exclusions and _excluded(account_id, user.tags, exclusions)
            ):
                continue
            record = index.record_of(account_id, user.unique_id)
            unused_keys = []
            for key_id in user.access_keys:
                credential = credentials.get(key_id)
                if credential is None or credential.status != "Active" or credential.revoked:
                    continue
                if credential.created > cutoff:
                    continue
                last = None if credential.last_used is None else credential.last_used[0]
                if last is None or last <= cutoff:
                    element: dict[str, Any] = {"accessKeyId": key_id}
                    if last is not None:
                        element["lastAccessed"] = last
                    unused_keys.append({"unusedIamUserAccessKeyDetails": element})
            if unused_keys:
                key = (account_id, user.unique_id, UNUSED_ACCESS_KEY)
                signature = tuple(
                    tuple(sorted(item["unusedIamUserAccessKeyDetails"].items()))
                    for item in unused_keys
                )
                wanted[key] = Wanted(
                    key,
                    UNUSED_ACCESS_KEY,
                    user.arn,
                    USER_TYPE,
                    StaticDetails(unused_keys, signature),
                )
            signed_in = user.password_last_used
            profile = user.login_profile
            if (
                profile is not None
                and profile.created <= cutoff
                and (signed_in is None or signed_in <= cutoff)
            ):
                key = (account_id, user.unique_id, UNUSED_PASSWORD)
                element = {} if signed_in is None else {"lastAccessed": signed_in}
                wanted[key] = Wanted(
                    key,
                    UNUSED_PASSWORD,
                    user.arn,
                    USER_TYPE,
                    StaticDetails([{"unusedIamUserPasswordDetails": element}], signed_in),
                )
            active = (signed_in is not None and signed_in > cutoff) or (
                record is not None
                and bool(record.services)
                and max(record.services.values()) > limit
            )
            if active:
                permissions(account_id, store, user, record, USER_TYPE)
        for role in store.roles.values():
            if role.created > cutoff or (
                exclusions and _excluded(account_id, role.tags, exclusions)
            ):
                continue
            record = index.record_of(account_id, role.unique_id)
            last_packed = (
                max(record.services.values()) if record is not None and record.services else None
            )
            if last_packed is None or last_packed <= limit:
                key = (account_id, role.unique_id, UNUSED_ROLE)
                element = {} if last_packed is None else {"lastAccessed": _when(last_packed)}
                wanted[key] = Wanted(
                    key,
                    UNUSED_ROLE,
                    role.arn,
                    ROLE_TYPE,
                    StaticDetails([{"unusedIamRoleDetails": element}], last_packed),
                )
                continue
            permissions(account_id, store, role, record, ROLE_TYPE)
    return wanted


def refresh(world: World, analyzer: Analyzer, *, force: bool = False) -> bool:
    """Run the analysis if it is due (never run, the configuration changed, 24 hours of mock
    time since the last, or ``force``); True if it ran. A DISABLED analyzer is not run."""
    now = world.clock.now()
    if disabled_reason(world, analyzer) is not None:
        return False
    last = analyzer.last_analysis
    if not (force or last is None or analyzer.stale or now - last >= ANALYSIS_INTERVAL):
        return False
    # The analysis allocates tens of thousands of small acyclic objects; with a million
    # accesses in the index, the collections they trigger would scan every one of those
    # (100 ms and more), so the cyclic collector waits until the analysis is done.
    collecting = gc.isenabled()
    gc.disable()
    try:
        reconcile(analyzer, analyze(world, analyzer, now), now)
    finally:
        if collecting:
            gc.enable()
    return True


def run_all(world: World) -> int:
    """Analyze every unused-access analyzer of the world now; the number analyzed."""
    from . import provider

    count = 0
    for store in world.stores_of(provider):
        for analyzer in list(store.analyzers.values()):
            count += refresh(world, analyzer, force=True)
    return count
