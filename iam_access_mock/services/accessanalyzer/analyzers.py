"""Unused-access analyzers: CreateAnalyzer, GetAnalyzer, ListAnalyzers, UpdateAnalyzer,
DeleteAnalyzer, and tagging (TagResource, UntagResource, ListTagsForResource).

Analyzers are regional (per account and Region, ``ctx.store``), named uniquely there. The
mock serves the two unused-access types; the external and internal access types (resource
policies) are answered ValidationException ``notSupported``. Rules chosen where AWS's
documentation is silent (unused-access.md §2, marked INFERRED there) are in each handler's
docstring and in docs/fidelity.md.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ...activity import micros_since_epoch
from ...pagination import MarkerScopeMismatch, decode_marker, encode_marker
from ...service import RequestContext
from . import provider
from .analysis import disabled_reason, refresh
from .errors import conflict, quota_exceeded, resource_not_found, validation_exception
from .findings import (
    ACCOUNT_UNUSED,
    DEFAULT_UNUSED_ACCESS_AGE,
    ORGANIZATION_UNUSED,
    RULE_KEYS,
    UNUSED_TYPES,
    Analyzer,
    ArchiveRule,
    check_filter,
)
from .store import AnalyzerStore

ANALYZER_TYPE = "AWS::AccessAnalyzer::Analyzer"
ORGANIZATION_ANALYZERS_PER_TYPE = 5  # "5 (max 20) ... per type per account per Region"
MAX_EXCLUDED_ACCOUNTS = 2000
MIN_AGE, MAX_AGE = 1, 365  # "You can choose a value between 1 and 365 days"
LIST_PAGE = 100  # rule chosen: AWS's default page size is not documented
MAX_TAG_KEY, MAX_TAG_VALUE = 128, 256
MAX_TAGS = 50


# ---- shared by the handler modules ------------------------------------------------------------


def fingerprint(params: dict[str, Any]) -> str:
    """The request without its client token, for idempotency checks."""
    request = {key: value for key, value in params.items() if key != "clientToken"}
    return json.dumps(
        request,
        sort_keys=True,
        default=lambda value: (
            micros_since_epoch(value) if isinstance(value, datetime) else str(value)
        ),
    )


def analyzer_arn(ctx: RequestContext, name: str) -> str:
    return f"arn:aws:access-analyzer:{ctx.region}:{ctx.account_id}:analyzer/{name}"


def analyzer_by_name(ctx: RequestContext, name: str) -> Analyzer:
    store: AnalyzerStore = ctx.store
    found = store.analyzers.get(name)
    if found is None:
        raise resource_not_found(f"Analyzer {name} not found.", name, ANALYZER_TYPE)
    return found


def find_analyzer(ctx: RequestContext, arn: str) -> Analyzer | None:
    """The analyzer an ARN names in the caller's account and Region, or None."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "access-analyzer":
        return None
    if parts[3] != ctx.region or parts[4] != ctx.account_id or not parts[5].startswith("analyzer/"):
        return None
    store: AnalyzerStore = ctx.store
    found = store.analyzers.get(parts[5][len("analyzer/") :])
    return found if found is not None and found.arn == arn else None


def analyzer_by_arn(ctx: RequestContext, arn: str, *, analyzed: bool = True) -> Analyzer:
    """The analyzer of ``analyzerArn`` (ResourceNotFoundException otherwise), its analysis
    brought up to date when due (``analyzed``)."""
    found = find_analyzer(ctx, arn)
    if found is None:
        raise resource_not_found(f"Analyzer {arn} not found.", arn, ANALYZER_TYPE)
    if analyzed:
        refresh(ctx.world, found)
    return found


def replayed(ctx: RequestContext, operation: str, params: dict[str, Any]) -> str | None:
    """The first answer to this client token if the request is the same; ConflictException
    if the token came with another request; None for a new token."""
    token = params.get("clientToken")
    if token is None:
        return None
    store: AnalyzerStore = ctx.store
    seen = store.analyzer_tokens.get((operation, token))
    if seen is None:
        return None
    if seen[0] != fingerprint(params):
        raise conflict(
            f"The client token {token} was used with a different {operation} request.",
            seen[1],
            ANALYZER_TYPE,
        )
    return seen[1]


def remember_token(
    ctx: RequestContext, operation: str, params: dict[str, Any], answer: str
) -> None:
    token = params.get("clientToken")
    if token is not None:
        store: AnalyzerStore = ctx.store
        store.analyzer_tokens[(operation, token)] = (fingerprint(params), answer)


def page_of(
    items: list[Any],
    params: dict[str, Any],
    scope: Any,
    default_size: int,
    max_size: int | None = None,
) -> tuple[list[Any], str | None]:
    """One page of ``items`` and the next token (an offset bound to ``scope``).

    Rules chosen: ``maxResults`` below 1 and a token of another listing, or garbage, are
    ValidationExceptions; a ``maxResults`` above ``max_size`` gets pages of ``max_size``.
    """
    start = 0
    token = params.get("nextToken")
    if token is not None:
        try:
            position = decode_marker(token, scope)
        except (ValueError, MarkerScopeMismatch):
            position = None
        if not isinstance(position, int) or isinstance(position, bool) or position < 0:
            raise validation_exception(
                "Invalid pagination token.", [("nextToken", "not a token this listing gave")]
            )
        start = position
    size = params.get("maxResults")
    if size is None:
        size = default_size
    if size < 1:
        raise validation_exception(
            f"Invalid maxResults {size}: it must be 1 or more.",
            [("maxResults", "must be greater than or equal to 1")],
        )
    if max_size is not None:
        size = min(size, max_size)
    page = items[start : start + size]
    following = encode_marker(scope, start + size) if start + size < len(items) else None
    return page, following


# ---- validation -------------------------------------------------------------------------------


def check_tags(tags: Any, path: str) -> dict[str, str]:
    """Tag keys 1-128 characters, not starting with ``aws:``, values at most 256, 50 tags."""
    tags = dict(tags or {})
    if len(tags) > MAX_TAGS:
        raise validation_exception(
            f"Invalid {path}: at most {MAX_TAGS} tags", [(path, f"at most {MAX_TAGS} tags")]
        )
    for key, value in tags.items():
        if not 1 <= len(key) <= MAX_TAG_KEY or key.lower().startswith("aws:"):
            raise validation_exception(
                f"Invalid tag key {key!r}: 1 to 128 characters, not starting with aws:",
                [(f"{path}.{key}", "1 to 128 characters, not starting with aws:")],
            )
        if len(value) > MAX_TAG_VALUE:
            raise validation_exception(
                f"Invalid tag value for {key!r}: at most 256 characters",
                [(f"{path}.{key}", "a tag value is at most 256 characters")],
            )
    return tags


def _check_tag_maps(tag_maps: Any, path: str) -> list[dict[str, str]]:
    return [check_tags(tags, f"{path}.{number}.member") for number, tags in enumerate(tag_maps, 1)]


def check_configuration(
    ctx: RequestContext, configuration: Any, analyzer_type: str
) -> dict[str, Any]:
    """The ``unusedAccess`` configuration as kept, ``unusedAccessAge`` filled in (90 when
    omitted, rule chosen), or a ValidationException naming the field."""
    if configuration is None:
        return {"unusedAccessAge": DEFAULT_UNUSED_ACCESS_AGE}
    if configuration.get("internalAccess") is not None or configuration.get("unusedAccess") is None:
        raise validation_exception(
            f"Invalid configuration: an analyzer of type {analyzer_type} takes an unusedAccess "
            "configuration",
            [("configuration", "give the unusedAccess configuration")],
        )
    unused = configuration["unusedAccess"]
    age = unused.get("unusedAccessAge")
    if age is None:
        age = DEFAULT_UNUSED_ACCESS_AGE
    if not MIN_AGE <= age <= MAX_AGE:
        raise validation_exception(
            f"Invalid unusedAccessAge {age}: choose a value between 1 and 365 days.",
            [("configuration.unusedAccess.unusedAccessAge", "must be between 1 and 365")],
        )
    kept: dict[str, Any] = {"unusedAccessAge": age}
    rule = unused.get("analysisRule")
    if rule is None:
        return kept
    exclusions = []
    excluded_accounts = 0
    base = "configuration.unusedAccess.analysisRule.exclusions"
    for number, criterion in enumerate(rule.get("exclusions") or [], 1):
        path = f"{base}.{number}.member"
        accounts = list(criterion.get("accountIds") or [])
        tag_maps = _check_tag_maps(criterion.get("resourceTags") or [], f"{path}.resourceTags")
        if not accounts and not tag_maps:
            raise validation_exception(
                "Invalid exclusion: give accountIds or resourceTags.",
                [(path, "an exclusion needs accountIds or resourceTags")],
            )
        if accounts and analyzer_type != ORGANIZATION_UNUSED:
            raise validation_exception(
                "Invalid exclusion: accountIds can be excluded by organization analyzers only.",
                [(f"{path}.accountIds", "only for ORGANIZATION_UNUSED_ACCESS analyzers")],
            )
        for account in accounts:
            if not (len(account) == 12 and account.isascii() and account.isdigit()):
                raise validation_exception(
                    f"Invalid account id {account!r}: 12 digits.",
                    [(f"{path}.accountIds", f"{account!r} is not a 12-digit account id")],
                )
            if account == ctx.account_id:
                raise validation_exception(
                    "Invalid exclusion: the analyzer's own account cannot be excluded.",
                    [(f"{path}.accountIds", "the analyzer owner account cannot be excluded")],
                )
        excluded_accounts += len(accounts)
        if excluded_accounts > MAX_EXCLUDED_ACCOUNTS:
            raise validation_exception(
                f"Invalid exclusions: at most {MAX_EXCLUDED_ACCOUNTS} account ids.",
                [(base, f"at most {MAX_EXCLUDED_ACCOUNTS} account ids")],
            )
        entry: dict[str, Any] = {}
        if accounts:
            entry["accountIds"] = accounts
        if tag_maps:
            entry["resourceTags"] = tag_maps
        exclusions.append(entry)
    kept["analysisRule"] = {"exclusions": exclusions}
    return kept


def _check_type(analyzer_type: str) -> None:
    if analyzer_type not in UNUSED_TYPES:
        raise validation_exception(
            f"Analyzers of type {analyzer_type} are not served by the mock: it serves "
            "ACCOUNT_UNUSED_ACCESS and ORGANIZATION_UNUSED_ACCESS.",
            [("type", "not supported by the mock")],
            reason="notSupported",
        )


def _summary(ctx: RequestContext, analyzer: Analyzer, *, configuration: bool) -> dict[str, Any]:
    reason = disabled_reason(ctx.world, analyzer)
    out: dict[str, Any] = {
        "arn": analyzer.arn,
        "name": analyzer.name,
        "type": analyzer.analyzer_type,
        "createdAt": analyzer.created,
        "status": "ACTIVE" if reason is None else "DISABLED",
        "tags": dict(analyzer.tags),
    }
    if reason is not None:
        out["statusReason"] = {"code": reason}
    if configuration:
        out["configuration"] = {"unusedAccess": analyzer.configuration}
    return out


# ---- the operations ---------------------------------------------------------------------------


@provider.handles("CreateAnalyzer")
def create_analyzer(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Create an unused-access analyzer and run its first analysis at once.

    Checked in this order: the type (the external and internal access types are
    ValidationException ``notSupported``: the mock serves unused access only); the
    configuration (``unusedAccessAge`` 1-365, default 90; ``accountIds`` exclusions only on
    organization analyzers, 12 digits, never the owner account, at most 2,000; each
    exclusion gives accountIds or resourceTags); the inline archive rules (names unique,
    filter keys resource, resourceType, resourceOwnerAccount, findingType); the tags; then
    the client token (the same token and request answer the first ARN; another request is
    ConflictException); an ORGANIZATION_UNUSED_ACCESS analyzer needs the caller's account to
    be its organization's management account (else ValidationException, rule chosen:
    delegated administrators are not modelled); the name (taken: ConflictException); the
    quotas (ServiceQuotaExceededException, 402: one account analyzer per type, five
    organization analyzers per type, per account and Region).
    """
    analyzer_type: str = params["type"]
    _check_type(analyzer_type)
    configuration = check_configuration(ctx, params.get("configuration"), analyzer_type)
    now = ctx.world.clock.now()
    rules: dict[str, ArchiveRule] = {}
    for number, inline in enumerate(params.get("archiveRules") or [], 1):
        rule_name: str = inline["ruleName"]
        if rule_name in rules:
            raise validation_exception(
                f"Invalid archiveRules: the rule name {rule_name} is given twice.",
                [(f"archiveRules.{number}.member.ruleName", "rule names must be unique")],
            )
        criteria = check_filter(inline["filter"], f"archiveRules.{number}.member.filter", RULE_KEYS)
        rules[rule_name] = ArchiveRule(rule_name, criteria, now, now)
    tags = check_tags(params.get("tags"), "tags")
    first = replayed(ctx, "CreateAnalyzer", params)
    if first is not None:
        return {"arn": first}
    name: str = params["analyzerName"]
    if analyzer_type == ORGANIZATION_UNUSED:
        org = ctx.world.organizations.of_account(ctx.account_id)
        if org is None or org.management_account_id != ctx.account_id:
            raise validation_exception(
                f"Account {ctx.account_id} is not the management account of an organization: "
                "organization analyzers are created by the management account.",
                [("type", "the caller's account must manage an organization")],
                reason="other",
            )
    store: AnalyzerStore = ctx.store
    if name in store.analyzers:
        raise conflict(f"Analyzer {name} already exists.", name, ANALYZER_TYPE)
    same_type = sum(1 for found in store.analyzers.values() if found.analyzer_type == analyzer_type)
    quota = 1 if analyzer_type == ACCOUNT_UNUSED else ORGANIZATION_ANALYZERS_PER_TYPE
    if same_type >= quota:
        raise quota_exceeded(
            f"You have reached the quota of {quota} {analyzer_type} analyzer"
            f"{'s' if quota > 1 else ''} in {ctx.region}.",
            name,
            ANALYZER_TYPE,
        )
    analyzer = Analyzer(
        name=name,
        arn=analyzer_arn(ctx, name),
        analyzer_type=analyzer_type,
        account_id=ctx.account_id,
        region=ctx.region,
        created=now,
        tags=tags,
        configuration=configuration,
        archive_rules=rules,
    )
    store.analyzers[name] = analyzer
    refresh(ctx.world, analyzer, force=True)
    remember_token(ctx, "CreateAnalyzer", params, analyzer.arn)
    return {"arn": analyzer.arn}


@provider.handles("GetAnalyzer")
def get_analyzer(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The analyzer with its configuration (``unusedAccessAge`` shown even when it was
    omitted at creation). Status ACTIVE at once; an organization analyzer whose organization
    was deleted is DISABLED, ``statusReason`` ORGANIZATION_DELETED."""
    analyzer = analyzer_by_name(ctx, params["analyzerName"])
    return {"analyzer": _summary(ctx, analyzer, configuration=True)}


@provider.handles("ListAnalyzers")
def list_analyzers(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The analyzers of this account and Region in creation order, optionally of one
    ``type``; without ``configuration`` (as AWS lists them). 100 a page by default."""
    store: AnalyzerStore = ctx.store
    wanted = params.get("type")
    listed = [
        analyzer
        for analyzer in store.analyzers.values()
        if wanted is None or analyzer.analyzer_type == wanted
    ]
    scope = ("analyzers", ctx.account_id, ctx.region, wanted)
    page, following = page_of(listed, params, scope, LIST_PAGE)
    out: dict[str, Any] = {
        "analyzers": [_summary(ctx, analyzer, configuration=False) for analyzer in page]
    }
    if following is not None:
        out["nextToken"] = following
    return out


@provider.handles("UpdateAnalyzer")
def update_analyzer(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Replace the configuration (checked as CreateAnalyzer checks it; an omitted
    ``unusedAccessAge`` is 90 again); without ``configuration`` nothing changes. The new
    configuration applies from the next analysis, which runs at the next read of the
    findings (rule chosen: AWS says it "can take time")."""
    analyzer = analyzer_by_name(ctx, params["analyzerName"])
    configuration = params.get("configuration")
    if configuration is not None:
        analyzer.configuration = check_configuration(ctx, configuration, analyzer.analyzer_type)
        analyzer.stale = True
    return {"configuration": {"unusedAccess": analyzer.configuration}}


@provider.handles("DeleteAnalyzer")
def delete_analyzer(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Delete the analyzer with its findings, archive rules and recommendations. A retry with
    the same ``clientToken`` succeeds again (rule chosen: the operation is idempotent)."""
    name: str = params["analyzerName"]
    if replayed(ctx, "DeleteAnalyzer", params) is not None:
        return {}
    analyzer_by_name(ctx, name)
    store: AnalyzerStore = ctx.store
    del store.analyzers[name]
    remember_token(ctx, "DeleteAnalyzer", params, name)
    return {}


def _tagged(ctx: RequestContext, arn: str) -> Analyzer:
    found = find_analyzer(ctx, arn)
    if found is None:
        raise resource_not_found(f"Resource {arn} not found.", arn, ANALYZER_TYPE)
    return found


@provider.handles("TagResource")
def tag_resource(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Add or replace tags of an analyzer (the only taggable resource served); at most 50."""
    analyzer = _tagged(ctx, params["resourceArn"])
    added = check_tags(params["tags"], "tags")
    check_tags({**analyzer.tags, **added}, "tags")
    analyzer.tags.update(added)
    return {}


@provider.handles("UntagResource")
def untag_resource(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Remove tags of an analyzer; keys it does not have are ignored."""
    analyzer = _tagged(ctx, params["resourceArn"])
    for key in params["tagKeys"]:
        analyzer.tags.pop(key, None)
    return {}


@provider.handles("ListTagsForResource")
def list_tags_for_resource(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return {"tags": dict(_tagged(ctx, params["resourceArn"]).tags)}
