"""Archive rules of unused-access analyzers: CreateArchiveRule, GetArchiveRule,
ListArchiveRules, UpdateArchiveRule, DeleteArchiveRule, ApplyArchiveRule.

A rule archives the findings an analysis creates that match its filter (at once, as AWS
does: "new findings that meet the criteria are archived"); ApplyArchiveRule archives the
ACTIVE findings it matches now. Filter keys and their meaning are ListFindingsV2's, without
``status`` (``findings.check_filter``).
"""

from __future__ import annotations

from typing import Any

from ...service import RequestContext
from . import provider
from .analyzers import (
    analyzer_by_arn,
    analyzer_by_name,
    page_of,
    remember_token,
    replayed,
)
from .errors import conflict, quota_exceeded, resource_not_found, validation_exception
from .findings import ACTIVE, ARCHIVED, RULE_KEYS, Analyzer, ArchiveRule, check_filter, matches
from .store import AnalyzerStore

RULE_TYPE = "AWS::AccessAnalyzer::ArchiveRule"
RULES_PER_ANALYZER = 100  # quotas page: 100 archive rules per analyzer (adjustable)
LIST_PAGE = 100  # rule chosen


def _rule(analyzer: Analyzer, name: str) -> ArchiveRule:
    found = analyzer.archive_rules.get(name)
    if found is None:
        raise resource_not_found(
            f"Archive rule {name} not found for analyzer {analyzer.name}.", name, RULE_TYPE
        )
    return found


def _summary(rule: ArchiveRule) -> dict[str, Any]:
    return {
        "ruleName": rule.name,
        "filter": rule.filter,
        "createdAt": rule.created,
        "updatedAt": rule.updated,
    }


@provider.handles("CreateArchiveRule")
def create_archive_rule(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Add a rule that archives the analyzer's new matching findings (existing findings are
    left alone: ApplyArchiveRule applies a rule to them).

    Checked in order: the analyzer (ResourceNotFoundException); the filter (keys resource,
    resourceType, resourceOwnerAccount, findingType; ``status`` or another key is a
    ValidationException); the client token (the same request again succeeds, another one is
    ConflictException); the name (taken: ConflictException); 100 rules per analyzer
    (ServiceQuotaExceededException, 402).
    """
    analyzer = analyzer_by_name(ctx, params["analyzerName"])
    criteria = check_filter(params["filter"], "filter", RULE_KEYS)
    if replayed(ctx, "CreateArchiveRule", params) is not None:
        return {}
    name: str = params["ruleName"]
    if name in analyzer.archive_rules:
        raise conflict(f"Archive rule {name} already exists.", name, RULE_TYPE)
    if len(analyzer.archive_rules) >= RULES_PER_ANALYZER:
        raise quota_exceeded(
            f"You have reached the quota of {RULES_PER_ANALYZER} archive rules for analyzer "
            f"{analyzer.name}.",
            name,
            RULE_TYPE,
        )
    now = ctx.world.clock.now()
    analyzer.archive_rules[name] = ArchiveRule(name, criteria, now, now)
    remember_token(ctx, "CreateArchiveRule", params, name)
    return {}


@provider.handles("GetArchiveRule")
def get_archive_rule(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    analyzer = analyzer_by_name(ctx, params["analyzerName"])
    return {"archiveRule": _summary(_rule(analyzer, params["ruleName"]))}


@provider.handles("ListArchiveRules")
def list_archive_rules(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The analyzer's rules in creation order, 100 a page by default. An unknown analyzer
    is a ValidationException (the only error the model lists; rule chosen)."""
    store: AnalyzerStore = ctx.store
    name: str = params["analyzerName"]
    analyzer = store.analyzers.get(name)
    if analyzer is None:
        raise validation_exception(
            f"Analyzer {name} not found.", [("analyzerName", "no such analyzer")]
        )
    rules = list(analyzer.archive_rules.values())
    scope = ("archive-rules", analyzer.arn)
    page, following = page_of(rules, params, scope, LIST_PAGE)
    out: dict[str, Any] = {"archiveRules": [_summary(rule) for rule in page]}
    if following is not None:
        out["nextToken"] = following
    return out


@provider.handles("UpdateArchiveRule")
def update_archive_rule(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Replace a rule's filter (checked as CreateArchiveRule checks it); ``updatedAt`` now.
    Findings archived by the old filter stay archived."""
    analyzer = analyzer_by_name(ctx, params["analyzerName"])
    rule = _rule(analyzer, params["ruleName"])
    rule.filter = check_filter(params["filter"], "filter", RULE_KEYS)
    rule.updated = ctx.world.clock.now()
    return {}


@provider.handles("DeleteArchiveRule")
def delete_archive_rule(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Delete a rule; the findings it archived stay archived. A retry with the same
    ``clientToken`` succeeds again (rule chosen)."""
    if replayed(ctx, "DeleteArchiveRule", params) is not None:
        return {}
    analyzer = analyzer_by_name(ctx, params["analyzerName"])
    name: str = params["ruleName"]
    _rule(analyzer, name)
    del analyzer.archive_rules[name]
    remember_token(ctx, "DeleteArchiveRule", params, name)
    return {}


@provider.handles("ApplyArchiveRule")
def apply_archive_rule(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Archive the analyzer's ACTIVE findings that the rule matches (``updatedAt`` now);
    RESOLVED findings are left alone."""
    analyzer = analyzer_by_arn(ctx, params["analyzerArn"])
    rule = _rule(analyzer, params["ruleName"])
    now = ctx.world.clock.now()
    for finding in analyzer.findings.values():
        if finding.status == ACTIVE and matches(finding, rule.filter):
            finding.status = ARCHIVED
            finding.updated = now
            analyzer.changed_at = now
    return {}
