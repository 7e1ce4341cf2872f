"""Recommendations for UnusedPermission findings: GenerateFindingRecommendation,
GetFindingRecommendation.

A recommendation is a job of the world's one job mechanism (``jobs.py``): IN_PROGRESS, then
SUCCEEDED or FAILED under ``aws.jobs.complete_after`` / ``aws.jobs.fail_next`` (at once by
default). Its steps are computed when it is generated, from the principal's identity
policies and its activity in the analyzer's tracking period (rules chosen, unused-access.md
§6.3 INFERRED):

- a policy that grants nothing unused gets no step;
- a policy none of whose grants was used: DETACH_POLICY;
- a policy of which some grants were used: DETACH_POLICY, then CREATE_POLICY with a policy
  written by the policy generator's writer (``generation.write_policies``: sorted actions,
  ``SupportedServiceSid<n>``, split at 6,144 characters, one CREATE_POLICY step a document)
  that allows the actions used in the period that the policy allows, and, for a service used
  of which no action is known (activity recorded as a bare namespace), the service's actions
  that the policy allows (``service:*`` when it allows them all). Resource ``"*"``.

``existingPolicyId`` is the managed policy's ARN or the inline policy's name;
``policyUpdatedAt`` the managed policy's default version date (inline policies carry none).
"""

from __future__ import annotations

from typing import Any

from ...jobs import FAILED, IN_PROGRESS
from ...policy import catalogue
from ...policy.evaluator import allowed_actions
from ...service import RequestContext
from ..iam.policy_sources import identity_policy_sources
from . import provider
from .analysis import PermissionDetails, policy_set, refresh
from .analyzers import analyzer_by_arn, find_analyzer, page_of
from .errors import resource_not_found, validation_exception
from .findings import RESOLVED, UNUSED_PERMISSION, Analyzer, Finding, Recommendation
from .generation import PolicyFacts, write_policies

JOB_KIND = "finding-recommendation"
RECOMMENDATION_TYPE = "UnusedPermissionRecommendation"
STEPS_PAGE = 100  # rule chosen: AWS's default page size is not documented


def _used(details: PermissionDetails) -> tuple[set[str], dict[str, set[str]]]:
    """(services used in the period, namespace -> actions used in it, catalogue names)."""
    record = details.index.record_of(details.account_id, details.entity_id)
    if record is None:
        return set(), {}
    limit = details.limit
    services = {namespace for namespace, packed in record.services.items() if packed > limit}
    actions: dict[str, set[str]] = {}
    for key, packed in record.actions.items():
        if packed > limit:
            namespace, _, name = key.partition(":")
            actions.setdefault(namespace, set()).add(
                catalogue.canonical_action(namespace, name) or name
            )
    return services, actions


def recommended_steps(ctx: RequestContext, finding: Finding) -> list[dict[str, Any]] | None:
    """The steps for an UnusedPermission finding, or None if its principal is gone."""
    details = finding.details
    assert isinstance(details, PermissionDetails)
    store = ctx.world.iam(details.account_id)
    principal = store.by_id(details.entity_id)
    if principal is None:
        return None
    used_services, used_actions = _used(details)
    partition = finding.resource.split(":", 2)[1]
    steps: list[dict[str, Any]] = []
    for source in identity_policy_sources(store, principal):
        policies = policy_set((source.document,))
        unused_services = policies.service_level - used_services
        unused_actions = policies.tracked_keys - {
            f"{namespace}:{name}".lower()
            for namespace, names in used_actions.items()
            for name in names
        }
        if not unused_services and not unused_actions:
            continue
        kept: set[str] = set()
        whole: list[str] = []
        for namespace in policies.services:
            allowed = allowed_actions(policies.compiled, namespace)
            lowered = {name.lower(): name for name in allowed}
            identified = [
                lowered[name.lower()]
                for name in used_actions.get(namespace, ())
                if name.lower() in lowered
            ]
            if identified:
                kept.update(f"{namespace}:{name}" for name in identified)
            elif namespace in used_services and namespace not in used_actions:
                universe = set(catalogue.actions(namespace))
                if not universe or allowed >= universe:
                    whole.append(namespace)
                else:
                    kept.update(f"{namespace}:{name}" for name in allowed)
        step: dict[str, Any] = {"recommendedAction": "DETACH_POLICY"}
        if source.policy_arn is not None:
            step["existingPolicyId"] = source.policy_arn
            managed = store.policies.get(source.policy_arn)  # AWS ones in use are kept too
            if managed is not None:
                step["policyUpdatedAt"] = managed.default_version.created
        else:
            step["existingPolicyId"] = source.name
        steps.append({"unusedPermissionsRecommendedStep": step})
        if not kept and not whole:
            continue
        facts = PolicyFacts(tuple(sorted(kept)), tuple(sorted(whole)), (), ())
        for document in write_policies(
            facts, placeholders=False, service_level=True, partition=partition
        ):
            create = {**step, "recommendedAction": "CREATE_POLICY", "recommendedPolicy": document}
            steps.append({"unusedPermissionsRecommendedStep": create})
    return steps


def _for_recommendation(ctx: RequestContext, arn: str) -> Analyzer:
    analyzer = find_analyzer(ctx, arn)
    if analyzer is None:
        # GenerateFindingRecommendation models no ResourceNotFoundException.
        raise validation_exception(
            f"Analyzer {arn} not found.", [("analyzerArn", "no such analyzer")]
        )
    refresh(ctx.world, analyzer)
    return analyzer


@provider.handles("GenerateFindingRecommendation")
def generate_finding_recommendation(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Start computing the recommendation for an UnusedPermission finding; generating again
    replaces the previous one.

    Rules chosen (the model lists only ValidationException): an unknown analyzer, an id
    that is no finding of the analyzer, a finding of another type and a RESOLVED finding
    are ValidationExceptions. The job FAILS with ``RESOURCE_NOT_FOUND`` when the principal
    no longer exists; a failure queued with ``aws.jobs.fail_next`` comes first.
    """
    analyzer = _for_recommendation(ctx, params["analyzerArn"])
    finding_id: str = params["id"]
    finding = analyzer.findings.get(finding_id)
    if finding is None:
        raise validation_exception(
            f"Finding {finding_id} not found for analyzer {analyzer.arn}.",
            [("id", "no such finding")],
        )
    if finding.finding_type != UNUSED_PERMISSION or finding.status == RESOLVED:
        problem = (
            f"a {finding.finding_type} finding"
            if finding.finding_type != UNUSED_PERMISSION
            else "a RESOLVED finding"
        )
        raise validation_exception(
            f"Recommendations are generated for active or archived UnusedPermission findings; "
            f"{finding_id} is {problem}.",
            [("id", "not an open UnusedPermission finding")],
        )
    steps = recommended_steps(ctx, finding)
    job = ctx.world.jobs.create(JOB_KIND, ctx.account_id, (ctx.account_id, ctx.region), steps)
    if steps is None and job.failure is None:
        job.failure = ("RESOURCE_NOT_FOUND", f"The principal {finding.resource} no longer exists.")
    analyzer.recommendations[finding_id] = Recommendation(job, finding.resource)
    return {}


@provider.handles("GetFindingRecommendation")
def get_finding_recommendation(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The recommendation's status and, once SUCCEEDED, its steps (100 a page by default).
    Every call is one read of the job. A finding with no recommendation generated is a
    ResourceNotFoundException (rule chosen: "Generate must precede Get")."""
    analyzer = analyzer_by_arn(ctx, params["analyzerArn"])
    finding_id: str = params["id"]
    recommendation = analyzer.recommendations.get(finding_id)
    if recommendation is None:
        raise resource_not_found(
            f"No recommendation was generated for finding {finding_id}.",
            finding_id,
            "AWS::AccessAnalyzer::Recommendation",
        )
    job = recommendation.job
    polled = job.poll(ctx.world.clock.now())
    status = polled if polled in (IN_PROGRESS, FAILED) else "SUCCEEDED"
    out: dict[str, Any] = {
        "startedAt": job.created,
        "resourceArn": recommendation.resource_arn,
        "recommendationType": RECOMMENDATION_TYPE,
        "status": status,
    }
    if status != IN_PROGRESS:
        out["completedAt"] = job.completed
    if status == FAILED:
        code, message = job.failure or ("SERVICE_ERROR", "Service error. Please try again.")
        out["error"] = {"code": code, "message": message}
    if status == "SUCCEEDED":
        scope = ("recommended-steps", analyzer.arn, finding_id, job.job_id)
        page, following = page_of(list(job.result or []), params, scope, STEPS_PAGE)
        out["recommendedSteps"] = page
        if following is not None:
            out["nextToken"] = following
    return out
