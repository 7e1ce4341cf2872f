"""Unused-access analyzers, their findings and archive rules: the state, the filter language
shared by ListFindingsV2 and archive rules, and how an analysis's result is reconciled with
the findings already kept (the status life cycle).

Life cycle (unused-access.md §3.4; rules chosen where marked INFERRED there): a condition
the analysis finds with no open (ACTIVE or ARCHIVED) finding for the same principal and
finding type becomes a new ACTIVE finding with a new id, archived at once if an archive rule
matches it; a condition that persists keeps its finding (same id, status kept; ``updatedAt``
moves only when the unused set changes); an open finding whose condition is gone becomes
RESOLVED; a condition that recurs after RESOLVED is a new finding. RESOLVED findings are
dropped 90 days after their last change ("deleted after 90 days", remediation page).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .errors import validation_exception

ACCOUNT_UNUSED = "ACCOUNT_UNUSED_ACCESS"
ORGANIZATION_UNUSED = "ORGANIZATION_UNUSED_ACCESS"
UNUSED_TYPES = (ACCOUNT_UNUSED, ORGANIZATION_UNUSED)

UNUSED_ROLE = "UnusedIAMRole"
UNUSED_ACCESS_KEY = "UnusedIAMUserAccessKey"
UNUSED_PASSWORD = "UnusedIAMUserPassword"
UNUSED_PERMISSION = "UnusedPermission"
FINDING_TYPES = (UNUSED_ROLE, UNUSED_ACCESS_KEY, UNUSED_PASSWORD, UNUSED_PERMISSION)

ACTIVE, ARCHIVED, RESOLVED = "ACTIVE", "ARCHIVED", "RESOLVED"
ROLE_TYPE, USER_TYPE = "AWS::IAM::Role", "AWS::IAM::User"
DEFAULT_UNUSED_ACCESS_AGE = 90  # INFERRED: the console's default; Security Hub fixes 90
RESOLVED_KEPT = timedelta(days=90)

# Filter keys of unused-access findings (access-analyzer-reference-filter-keys); ``status``
# is a ListFindingsV2 key only, not an archive rule key.
RULE_KEYS = ("resource", "resourceType", "resourceOwnerAccount", "findingType")
LIST_KEYS = (*RULE_KEYS, "status")
OPERATORS = ("eq", "neq", "contains", "exists")

# (account id, the principal's IAM unique id, finding type): one finding per principal and type.
FindingKey = tuple[str, str, str]


class Details:
    """A finding's ``findingDetails``: written when read, compared by ``signature``."""

    signature: Any

    def render(self) -> list[dict[str, Any]]:
        raise NotImplementedError


@dataclass
class StaticDetails(Details):
    """Details known in full at analysis time (roles, keys, passwords)."""

    elements: list[dict[str, Any]]
    signature: Any

    def render(self) -> list[dict[str, Any]]:
        return self.elements


@dataclass
class Wanted:
    """One condition an analysis found."""

    key: FindingKey
    finding_type: str
    resource: str
    resource_type: str
    details: Details


@dataclass
class Finding:
    finding_id: str
    key: FindingKey
    finding_type: str
    resource: str
    resource_type: str
    owner: str
    status: str
    created: datetime
    updated: datetime
    analyzed: datetime
    details: Details

    def field(self, name: str) -> str | None:
        """A filter key's value."""
        if name == "resource":
            return self.resource
        if name == "resourceType":
            return self.resource_type
        if name == "resourceOwnerAccount":
            return self.owner
        if name == "findingType":
            return self.finding_type
        if name == "status":
            return self.status
        return None

    def summary(self) -> dict[str, Any]:
        """The FindingSummaryV2 (and GetFindingV2's scalars)."""
        return {
            "id": self.finding_id,
            "analyzedAt": self.analyzed,
            "createdAt": self.created,
            "updatedAt": self.updated,
            "resource": self.resource,
            "resourceType": self.resource_type,
            "resourceOwnerAccount": self.owner,
            "status": self.status,
            "findingType": self.finding_type,
        }


@dataclass
class ArchiveRule:
    name: str
    filter: dict[str, dict[str, Any]]
    created: datetime
    updated: datetime


@dataclass
class Recommendation:
    """A GenerateFindingRecommendation: its job (whose result is the steps) and principal."""

    job: Any  # jobs.Job
    resource_arn: str


@dataclass
class Analyzer:
    name: str
    arn: str
    analyzer_type: str
    account_id: str
    region: str
    created: datetime
    tags: dict[str, str]
    configuration: dict[str, Any]  # the unusedAccess member, unusedAccessAge filled in
    archive_rules: dict[str, ArchiveRule] = field(default_factory=dict)  # creation order
    findings: dict[str, Finding] = field(default_factory=dict)  # id -> finding, creation order
    open_by_key: dict[FindingKey, str] = field(default_factory=dict)  # ACTIVE/ARCHIVED ids
    recommendations: dict[str, Recommendation] = field(default_factory=dict)  # finding id ->
    last_analysis: datetime | None = None
    stale: bool = False  # the configuration changed: analyze at the next read
    changed_at: datetime | None = None  # the last time a finding was made or changed
    statistics_read: bool = False

    @property
    def unused_access_age(self) -> int:
        age = self.configuration.get("unusedAccessAge", DEFAULT_UNUSED_ACCESS_AGE)
        return int(age)

    @property
    def exclusions(self) -> list[dict[str, Any]]:
        rule = self.configuration.get("analysisRule") or {}
        return list(rule.get("exclusions") or [])


# ---- filters --------------------------------------------------------------------------------


def check_filter(criteria: Any, path: str, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The filter as kept, or a ValidationException naming the bad key or criterion.

    Rules chosen (unused-access.md §4.3): a key that is not a filter key of unused-access
    findings, ``status`` in an archive rule, and a criterion with no operator are each a
    ValidationException on ``<path>.<key>``.
    """
    allowed = tuple(keys)
    checked: dict[str, dict[str, Any]] = {}
    for key, criterion in (criteria or {}).items():
        if key not in allowed:
            raise validation_exception(
                f"Invalid filter key {key!r}: unused access findings are filtered by "
                + ", ".join(allowed),
                [(f"{path}.{key}", "not a filter key of unused access findings")],
            )
        if not isinstance(criterion, dict) or not any(
            criterion.get(operator) is not None for operator in OPERATORS
        ):
            raise validation_exception(
                f"Invalid filter criterion for {key!r}: give eq, neq, contains or exists",
                [(f"{path}.{key}", "a criterion needs eq, neq, contains or exists")],
            )
        checked[key] = {
            operator: criterion[operator]
            for operator in OPERATORS
            if criterion.get(operator) is not None
        }
    return checked


def criterion_holds(value: str | None, criterion: dict[str, Any]) -> bool:
    """``eq`` any of, ``neq`` none of, ``contains`` a substring of any, ``exists`` presence;
    the operators of one criterion all hold (rule chosen)."""
    exists = criterion.get("exists")
    if exists is not None and (value is not None) != exists:
        return False
    if value is None:
        return not any(operator in criterion for operator in ("eq", "contains"))
    if "eq" in criterion and value not in criterion["eq"]:
        return False
    if "neq" in criterion and value in criterion["neq"]:
        return False
    return "contains" not in criterion or any(part in value for part in criterion["contains"])


def matches(finding: Finding, criteria: dict[str, dict[str, Any]]) -> bool:
    """Every key's criterion holds (keys are AND-ed)."""
    return all(criterion_holds(finding.field(key), crit) for key, crit in criteria.items())


# ---- reconciling an analysis with the findings kept ---------------------------------------


def reconcile(
    analyzer: Analyzer,
    wanted: dict[FindingKey, Wanted],
    now: datetime,
    new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
) -> None:
    """Apply one analysis's result to the analyzer's findings (see the module doc)."""
    findings = analyzer.findings
    open_by_key = analyzer.open_by_key
    rules = list(analyzer.archive_rules.values())
    changed = False
    for key, condition in wanted.items():
        finding_id = open_by_key.get(key)
        if finding_id is not None:
            finding = findings[finding_id]
            finding.analyzed = now
            finding.resource = condition.resource  # a renamed principal keeps its finding
            if finding.details.signature != condition.details.signature:
                finding.details = condition.details
                finding.updated = now
                changed = True
            else:
                finding.details = condition.details
            continue
        finding_id = new_id()
        finding = Finding(
            finding_id=finding_id,
            key=key,
            finding_type=condition.finding_type,
            resource=condition.resource,
            resource_type=condition.resource_type,
            owner=key[0],
            status=ACTIVE,
            created=now,
            updated=now,
            analyzed=now,
            details=condition.details,
        )
        if any(matches(finding, rule.filter) for rule in rules):
            finding.status = ARCHIVED  # "new findings that meet the criteria are archived"
        findings[finding_id] = finding
        open_by_key[key] = finding_id
        changed = True
    for key in [key for key in open_by_key if key not in wanted]:
        finding = findings[open_by_key.pop(key)]
        finding.status = RESOLVED
        finding.updated = finding.analyzed = now
        changed = True
    oldest = now - RESOLVED_KEPT
    for finding_id in [
        finding.finding_id
        for finding in findings.values()
        if finding.status == RESOLVED and finding.updated <= oldest
    ]:
        del findings[finding_id]
        analyzer.recommendations.pop(finding_id, None)
    analyzer.last_analysis = now
    analyzer.stale = False
    if changed or analyzer.changed_at is None:
        analyzer.changed_at = now
