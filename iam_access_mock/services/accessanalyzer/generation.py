"""What a policy generation finds in the activity index, and the policy text it writes.

The facts (actions used in the window and Regions, services known only at service level, and
what could not be written as an action) are found when the generation starts, as every job's
result is fixed at creation; the policy text is written when it is read, since
``includeResourcePlaceholders`` and ``includeServiceLevelTemplate`` are parameters of
GetGeneratedPolicy.

The policy's shape follows Access Analyzer's published output (aws-semantics.md §3.2): compact
JSON, ``Version`` then ``Statement``; statements ``Sid``, ``Effect``, ``Action``, ``Resource``;
Sids ``SupportedServiceSid0``, ``1``, ...; actions in the catalogue's casing, sorted; an
``Action`` of one element is a string; ``Resource`` is always one string.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from ...activity import ActivityIndex
from ...policy import catalogue

# "If the policy in your template exceeds the 6,144 character limit for JSON policies, the
# policy is split into multiple policies" (IAM User Guide, policy generation).
POLICY_SIZE_LIMIT = 6144
# IAM's tracking period for service last accessed data, which the service-level template reads.
TRACKING_PERIOD = timedelta(days=400)

SUPPORTED_SID = "SupportedServiceSid"
SERVICE_LEVEL_SID = "ServiceLevelTemplateSid"

# S3 bucket-level calls that CloudTrail logs as data events (ListObjects, ListObjectVersions,
# ListMultipartUploads are authorized as these); every action on an object is one too.
_S3_BUCKET_DATA_ACTIONS = frozenset(
    {"listbucket", "listbucketversions", "listbucketmultipartuploads"}
)
_S3_OBJECT_TYPES = frozenset({"object", "accesspointobject"})
# Lambda's Invoke is a data event; iam:PassRole is no API call, so CloudTrail never logs it
# ("Access Analyzer does not include iam:PassRole", IAM User Guide).
_OTHER_LEFT_OUT = frozenset({("lambda", "invokefunction"), ("iam", "passrole")})


@cache
def not_identified_at_action_level(namespace: str, action: str) -> bool:
    """True for actions Access Analyzer does not identify individually: data events (S3
    object calls and bucket listings, Lambda Invoke) and iam:PassRole."""
    lowered = action.lower()
    if (namespace, lowered) in _OTHER_LEFT_OUT:
        return True
    if namespace == "s3":
        if lowered in _S3_BUCKET_DATA_ACTIONS:
            return True
        return any(
            kind in _S3_OBJECT_TYPES for kind in catalogue.action_resource_types("s3", action)
        )
    return namespace == "s3-object-lambda"


@dataclass(frozen=True)
class PolicyFacts:
    """What a generation found for its principal."""

    actions: tuple[
        str, ...
    ]  # identified actions, "prefix:Action" in the catalogue's casing, sorted
    service_level: tuple[str, ...]  # namespaces used (last accessed) with no identified action
    left_out: tuple[str, ...]  # data events and iam:PassRole used in the window, sorted
    unmapped: tuple[str, ...]  # names used in the window that are no catalogue action, sorted

    @property
    def is_complete(self) -> bool:
        """True when every access in the window became an action of the policy."""
        return not self.left_out and not self.unmapped


def find_facts(
    index: ActivityIndex,
    account_id: str,
    entity: str,
    window: tuple[datetime, datetime] | None,
    regions: Iterable[str] | None,
    now: datetime,
) -> PolicyFacts:
    """The facts of a generation: ``window`` None means no CloudTrail details were given,
    so only the service-level data is available; ``regions`` None is every Region."""
    identified: set[str] = set()
    left_out: set[str] = set()
    unmapped: set[str] = set()
    if window is not None:
        for name in index.actions_between(account_id, entity, window[0], window[1], regions):
            namespace, _, action = name.partition(":")
            canonical = catalogue.canonical_action(namespace, action)
            if canonical is None:
                unmapped.add(name)
            elif not_identified_at_action_level(namespace, canonical):
                left_out.add(f"{namespace}:{canonical}")
            else:
                identified.add(f"{namespace}:{canonical}")
    with_actions = {name.partition(":")[0] for name in identified}
    oldest = (now - TRACKING_PERIOD).timestamp()
    service_level = sorted(
        namespace
        for namespace, seen in index.services_of(account_id, entity).items()
        if seen.timestamp >= oldest and namespace not in with_actions
    )
    return PolicyFacts(
        tuple(sorted(identified)),
        tuple(service_level),
        tuple(sorted(left_out)),
        tuple(sorted(unmapped)),
    )


# ---- writing the policy -----------------------------------------------------------------------


def _groups(facts: PolicyFacts, placeholders: bool, partition: str) -> list[tuple[str, list[str]]]:
    """(Resource, actions) of the action-level statements, in order."""
    if not facts.actions:
        return []
    if not placeholders:
        return [("*", list(facts.actions))]
    anywhere: list[str] = []
    by_template: dict[str, list[str]] = {}
    for name in facts.actions:
        namespace, _, action = name.partition(":")
        templates = catalogue.action_required_arn_templates(namespace, action)
        if not templates:
            anywhere.append(name)
        for template in dict.fromkeys(templates):
            resource = template.replace("${Partition}", partition)
            by_template.setdefault(resource, []).append(name)
    groups = [("*", anywhere)] if anywhere else []
    groups.extend(sorted(by_template.items()))
    return groups


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def _statement(sid: str, actions: list[str], resource: str) -> str:
    action = actions[0] if len(actions) == 1 else actions
    return _dumps({"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource})


_HEAD = '{"Version":"2012-10-17","Statement":['
_TAIL = "]}"


def write_policies(
    facts: PolicyFacts, *, placeholders: bool, service_level: bool, partition: str
) -> list[str]:
    """The generated policy documents: statements packed in order into documents of at most
    ``POLICY_SIZE_LIMIT`` characters; a statement too large for one document is cut into
    several with the same Resource. Sids are numbered across documents."""
    groups = [
        (SUPPORTED_SID, resource, actions)
        for resource, actions in _groups(facts, placeholders, partition)
    ]
    if service_level and facts.service_level:
        groups.append(
            (SERVICE_LEVEL_SID, "*", [f"{namespace}:*" for namespace in facts.service_level])
        )
    documents: list[str] = []
    statements: list[str] = []
    size = len(_HEAD) + len(_TAIL)
    numbers = {SUPPORTED_SID: 0, SERVICE_LEVEL_SID: 0}

    def flush() -> None:
        nonlocal statements, size
        if statements:
            documents.append(_HEAD + ",".join(statements) + _TAIL)
        statements, size = [], len(_HEAD) + len(_TAIL)

    for family, resource, actions in groups:
        start = 0
        while start < len(actions):
            sid = f"{family}{numbers[family]}"
            room = POLICY_SIZE_LIMIT - size - (1 if statements else 0)
            taken = _fitting(sid, actions, start, resource, room)
            if taken == 0:
                if not statements:  # cannot happen with IAM's action names: one always fits
                    raise AssertionError(f"{actions[start]} does not fit in a policy")
                flush()
                continue
            text = _statement(sid, actions[start : start + taken], resource)
            size += len(text) + (1 if statements else 0)
            statements.append(text)
            numbers[family] += 1
            start += taken
    flush()
    return documents


def _fitting(sid: str, actions: list[str], start: int, resource: str, room: int) -> int:
    """How many of ``actions[start:]`` fit in one statement of at most ``room`` characters."""
    if len(_statement(sid, actions[start : start + 1], resource)) > room:
        return 0
    # The list form: the statement with an empty list, plus each quoted action and a comma.
    length = len(_statement(sid, [], resource))
    count = 0
    for action in actions[start:]:
        added = len(_dumps(action)) + (1 if count else 0)
        if length + added > room:
            break
        length += added
        count += 1
    return max(count, 1)
