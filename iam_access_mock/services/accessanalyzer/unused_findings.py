"""Reading and updating unused-access findings: ListFindingsV2, GetFindingV2,
GetFindingsStatistics, UpdateFindings.

Every operation first brings the analyzer's analysis up to date (``analysis.refresh``: it
runs when 24 hours of mock time have passed since the last one, or the configuration
changed), so the findings read are those of the state the test built. Rules chosen are in
each handler's docstring and in docs/fidelity.md.
"""

from __future__ import annotations

import json
from collections import Counter
from operator import attrgetter
from typing import Any

from ...service import RequestContext
from . import provider
from .analyzers import analyzer_by_arn, page_of
from .errors import resource_not_found, validation_exception
from .findings import (
    ACTIVE,
    ARCHIVED,
    FINDING_TYPES,
    LIST_KEYS,
    RESOLVED,
    Finding,
    check_filter,
    matches,
)

FINDING_TYPE = "AWS::AccessAnalyzer::Finding"
FINDINGS_PAGE = 100  # rule chosen: AWS's default page size is not documented
DETAILS_PAGE = 100
MAX_PAGE = 1000
TOP_ACCOUNTS = 10  # topAccounts holds 1-10 entries (model)
# Sort attributes (FindingSummaryV2 names) -> the Finding attribute.
SORTABLE = {
    "id": "finding_id",
    "resource": "resource",
    "resourceType": "resource_type",
    "resourceOwnerAccount": "owner",
    "status": "status",
    "findingType": "finding_type",
    "createdAt": "created",
    "updatedAt": "updated",
    "analyzedAt": "analyzed",
}


@provider.handles("ListFindingsV2")
def list_findings_v2(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The analyzer's findings that match ``filter``, sorted, a page at a time.

    Filter keys resource, resourceType, resourceOwnerAccount, findingType and status; keys
    are AND-ed; ``eq`` any of the values, ``neq`` none of them, ``contains`` a substring of
    any, ``exists`` whether the field is present (all are, on unused-access findings); the
    operators of one criterion all hold; another key is a ValidationException (rules
    chosen). Sort (rules chosen, AWS does not document the attribute names): by any
    FindingSummaryV2 field name, ``orderBy`` ASC when omitted, ties by id in the same
    order; without ``sort``, ``updatedAt`` DESC. 100 a page by default, at most 1,000; the
    ``nextToken`` is bound to the analyzer, filter and sort.
    """
    analyzer = analyzer_by_arn(ctx, params["analyzerArn"])
    criteria = check_filter(params.get("filter"), "filter", LIST_KEYS)
    sort = params.get("sort") or {}
    attribute = sort.get("attributeName") or "updatedAt"
    if attribute not in SORTABLE:
        raise validation_exception(
            f"Invalid sort attributeName {attribute!r}: sort by one of " + ", ".join(SORTABLE),
            [("sort.attributeName", "not a finding attribute")],
        )
    descending = (sort.get("orderBy") or ("ASC" if sort.get("attributeName") else "DESC")) == "DESC"
    listed = [finding for finding in analyzer.findings.values() if matches(finding, criteria)]
    listed.sort(key=attrgetter(SORTABLE[attribute], "finding_id"), reverse=descending)
    scope = (
        "findings-v2",
        analyzer.arn,
        json.dumps(criteria, sort_keys=True),
        attribute,
        descending,
    )
    page, following = page_of(listed, params, scope, FINDINGS_PAGE, MAX_PAGE)
    out: dict[str, Any] = {"findings": [finding.summary() for finding in page]}
    if following is not None:
        out["nextToken"] = following
    return out


def _finding(analyzer: Any, finding_id: str) -> Finding:
    found: Finding | None = analyzer.findings.get(finding_id)
    if found is None:
        raise resource_not_found(
            f"Finding {finding_id} not found for analyzer {analyzer.arn}.", finding_id, FINDING_TYPE
        )
    return found


@provider.handles("GetFindingV2")
def get_finding_v2(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """One finding with its ``findingDetails``, 100 a page by default (rule chosen), at most
    1,000. Details are written as of the analysis that last saw the finding: a
    ``lastAccessed`` after that analysis is not shown."""
    analyzer = analyzer_by_arn(ctx, params["analyzerArn"])
    finding = _finding(analyzer, params["id"])
    details = finding.details.render()
    scope = ("finding-details", analyzer.arn, finding.finding_id)
    page, following = page_of(details, params, scope, DETAILS_PAGE, MAX_PAGE)
    out = finding.summary()
    out["findingDetails"] = page
    if following is not None:
        out["nextToken"] = following
    return out


@provider.handles("GetFindingsStatistics")
def get_findings_statistics(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Counts of the analyzer's findings: by status, by finding type (``unusedAccessType``
    is the finding type, ``total`` its ACTIVE findings; the four types always listed), and
    the accounts with the most ACTIVE findings (at most 10, most first, ties by account id).

    ``lastUpdatedAt`` (rule chosen): the last time a finding was created or changed status;
    absent the first time statistics are asked for an analyzer, as the model says.
    """
    analyzer = analyzer_by_arn(ctx, params["analyzerArn"])
    statuses = Counter(finding.status for finding in analyzer.findings.values())
    active = [finding for finding in analyzer.findings.values() if finding.status == ACTIVE]
    by_type = Counter(finding.finding_type for finding in active)
    by_account: dict[str, Counter[str]] = {}
    for finding in active:
        by_account.setdefault(finding.owner, Counter())[finding.finding_type] += 1
    top = sorted(by_account.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    statistics: dict[str, Any] = {
        "unusedAccessTypeStatistics": [
            {"unusedAccessType": finding_type, "total": by_type[finding_type]}
            for finding_type in FINDING_TYPES
        ],
        "totalActiveFindings": statuses[ACTIVE],
        "totalArchivedFindings": statuses[ARCHIVED],
        "totalResolvedFindings": statuses[RESOLVED],
    }
    if top:
        statistics["topAccounts"] = [
            {
                "account": account,
                "numberOfActiveFindings": sum(counts.values()),
                "details": dict(sorted(counts.items())),
            }
            for account, counts in top[:TOP_ACCOUNTS]
        ]
    out: dict[str, Any] = {"findingsStatistics": [{"unusedAccessFindingsStatistics": statistics}]}
    if analyzer.statistics_read and analyzer.changed_at is not None:
        out["lastUpdatedAt"] = analyzer.changed_at
    analyzer.statistics_read = True
    return out


@provider.handles("UpdateFindings")
def update_findings(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Archive findings (``status`` ARCHIVED) or reopen archived ones (ACTIVE), named by
    ``ids`` or by ``resourceArn`` (every finding of that principal).

    Rules chosen: neither or both of ``ids`` and ``resourceArn`` is a ValidationException;
    an id that is no finding of the analyzer, or a resource with no finding, is a
    ResourceNotFoundException and nothing changes; RESOLVED findings are left as they are.
    A finding whose status changes gets ``updatedAt`` now.
    """
    analyzer = analyzer_by_arn(ctx, params["analyzerArn"])
    ids = params.get("ids")
    resource = params.get("resourceArn")
    if (ids is None) == (resource is None):
        raise validation_exception(
            "Invalid request: give either ids or resourceArn.",
            [("ids", "give either ids or resourceArn")],
        )
    if ids is not None:
        chosen = [_finding(analyzer, finding_id) for finding_id in ids]
    else:
        chosen = [finding for finding in analyzer.findings.values() if finding.resource == resource]
        if not chosen:
            raise resource_not_found(
                f"No finding of analyzer {analyzer.arn} is about {resource}.",
                str(resource),
                FINDING_TYPE,
            )
    status: str = params["status"]
    now = ctx.world.clock.now()
    for finding in chosen:
        if finding.status != RESOLVED and finding.status != status:
            finding.status = status
            finding.updated = now
            analyzer.changed_at = now
    return {}
