"""Which services and actions identity policies allow, as the last-accessed APIs judge them.

AWS documents neither rule; both reproduce every case of observed-aws-facts.md ("Which services
a report lists", "ListPoliciesGrantingServiceAccess") and of the capture behind it
(radkawar/stackd testdata/aws/iam/last_access.json). Inputs are identity policies only:
permissions boundaries, SCPs, resource and session policies are not inputs.

API::

    policy = compile_policy(text_or_dict)             # cached per document text
    allowed_services([policy, ...]) -> ["ec2", "s3"]  # report: the policies together
    allowed_actions([policy, ...], "s3") -> {"GetObject", ...}   # report, one service
    allowed_tracked_actions([policy, ...], "iam") -> ("GetUser",)   # ... that IAM tracks
    tracked_actions_by_service([policy, ...]) -> {"iam": ("GetUser",), ...}  # every listed one
    policy_grants(policy, "s3") -> bool               # ListPoliciesGrantingServiceAccess

Matching, both rules. ``Action``/``NotAction`` patterns are ``*`` or ``service:action`` with
``*``/``?`` wildcards, compared case-insensitively. ``Resource``/``NotResource`` patterns are
compared case-sensitively; a wildcard stays inside one colon-separated ARN segment unless it is
in the resource segment or is a ``*`` ending its segment (IAM User Guide, "Using wildcards in
resource ARNs"). In 2012-10-17 documents a policy variable ``${...}`` may stand for anything
when asking "can it match?" and is taken literally when asking "does it surely cover?"
(``${*}``, ``${?}``, ``${$}`` are the escaped characters). A statement without ``Resource``
or ``NotResource`` grants nothing. A statement is unconditional when its ``Condition`` is
absent or empty.

What an action can act on: the ARN templates of its resource types in the catalogue. An action
with no resource type, or one the catalogue lacks, can act on "*" and on any ARN whose service
segment is its namespace (rule chosen: IAM evaluates such actions against "*", but AWS's own
examples grant s3:ListAllMyBuckets on arn:aws:s3:::*). A service can act on what any of its
actions can.

Report rule (``allowed_services``, ``allowed_actions``). Only services of IAM's service table
(``catalogue.service_names()``) are listed. The actions of a service are the catalogue's (for
a retired service the catalogue lacks, its tracked actions). Action ``S:A`` is allowed when an
Allow statement of any of the policies, conditional or not (observed: an unsatisfiable
condition still lists the service),

* matches ``S:A`` (an Action pattern matches it, or no NotAction pattern does), and
* grants it on something ``A`` can act on: each ``Resource`` pattern that can match one of
  ``A``'s resources is a grant (observed: s3:GetObject on a bucket ARN lists nothing); with
  ``NotResource`` the one grant is "all but these", void when the patterns cover all of
  ``A``'s resources,

and one of those grants survives every unconditional Deny (of any of the policies) that
matches ``S:A``: a Deny removes a ``Resource`` grant ``R`` when one of its ``Resource``
patterns contains ``R`` ("*" contains everything, ``arn:aws:s3:::a/*`` contains itself) or
when all its ``NotResource`` patterns are disjoint from ``R``; it removes a ``NotResource``
grant only with ``Resource`` "*". A conditional Deny removes nothing. A service is listed when
one of its actions is allowed. Observed cases reproduced: Allow s3:GetObject on bucket-a/*
with Deny s3:GetObject or s3:* on bucket-a/* lists nothing; with Deny s3:* on bucket-b/* or a
conditional Deny it lists s3; Deny sqs:* on * in another policy removes sqs; a Deny-only
policy, an unknown action of a known service and an unknown service list nothing; ``*`` lists
the 456 services, ``NotAction s3:*`` all but s3.

ListPoliciesGrantingServiceAccess rule (``policy_grants``), each policy on its own. A policy
grants ``S`` when an Allow statement, conditional or not, has an Action pattern whose service
part matches ``S`` (the action name is not checked: observed, s3:StackdUnmodeledAction is
listed) or NotAction patterns that leave part of ``S`` (NotAction s3:* grants sqs, not s3),
and names a resource ``S`` can act on: a ``Resource`` pattern that can match one of ``S``'s
resources (observed: an iam user ARN grants nothing for s3; a bucket ARN grants s3:GetObject,
unlike in the report) or ``NotResource`` patterns none of which is "*" (observed: NotResource
"*" grants nothing); unless the same policy has an unconditional Deny on ``Resource`` "*" whose
actions cover all of ``S`` (``*``, ``S:*``, or a NotAction leaving ``S`` out). Observed: Allow
s3:GetObject, conditional or not, with Deny s3:* on * in the same policy is not listed; a Deny
of one action (s3:GetObject on *), on narrower resources (bucket-a/*, arn:aws:s3:::*), with a
condition, with NotResource, or in another policy leaves the policy listed.

Speed: a compiled policy is cached per document text and keeps its patterns and per-service
expansions; results are cached per tuple of compiled policies. Keys are contents, never a
policy's name or ARN: a caller reads the documents that apply now, so an edited policy meets
a new key, not a stale answer. A service allowed whole (``*`` or ``S:*`` on ``Resource`` "*")
that no Deny touches, or denied whole (a Deny of ``*``/``S:*`` on ``Resource`` "*"), is
decided without reading its actions: an allow-all policy needs no action catalogue at all.

Bounded work, whatever the documents hold (issue 8; their size is bounded by IAM's quotas):
action patterns are matched without backtracking (``policy.wildcard``: a text shorter than a
pattern's characters other than stars is refused at once); the Resource algebra
(``_intersects``, ``_contains``) runs the product of two globs as bit-parallel sets, one
Python step per token of one glob with the other's positions as the bits of an int; a Deny's
verdict on an Allow's grant is reached once per report, not once per action.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from types import MappingProxyType
from typing import Any

from .. import bounded_json
from . import catalogue
from .document import MAX_DEPTH
from .wildcard import Wildcard, wildcard

# Glob tokens. A literal character is a 1-character string; the wildcards cannot be one.
# IAM matches a wildcard inside one colon-separated ARN segment, except in the resource
# segment (the sixth) and a "*" that ends its segment, which may reach across colons
# (IAM User Guide, "Using wildcards in resource ARNs").
_STAR = "\x00*"  # any string
_SEGMENT_STAR = "\x00s"  # any string without ":"
_ANY = "\x00?"  # any one character
_SEGMENT_ANY = "\x00a"  # any one character but ":"
_STARS = frozenset((_STAR, _SEGMENT_STAR))
# What a segment star cannot stand for, as a token of the other glob.
_NOT_IN_SEGMENT_STAR = frozenset((_STAR, _ANY, ":"))


class _Tokens(tuple[str, ...]):
    """Glob tokens; keeps its bit masks (``_masks``) once they are first needed."""

    masks: _Masks


# The request resource of an action that takes no resource type (IAM evaluates it as "*").
_STAR_RESOURCE = _Tokens(("*",))
# The grant unit of a NotResource statement: "everything but its patterns".
_NOT_RESOURCE_UNIT = -1
_RESOURCE_SEGMENT = 5  # arn:partition:service:region:account:resource


# --- glob tokens and their algebra ---------------------------------------------------------


def _pattern_tokens(pattern: str, variables: bool) -> _Tokens:
    """Glob tokens of a Resource pattern or ARN template; ``variables``: ${...} may be anything."""
    tokens: list[str] = []
    segment = 0
    i, size = 0, len(pattern)
    while i < size:
        char = pattern[i]
        if char == "$" and pattern.startswith("${", i):
            end = pattern.find("}", i + 2)
            if end != -1:
                inner = pattern[i + 2 : end]
                if inner in ("*", "?", "$"):
                    tokens.append(inner)
                elif variables:
                    tokens.append(_STAR if segment >= _RESOURCE_SEGMENT else _SEGMENT_STAR)
                else:
                    tokens.extend(pattern[i : end + 1])
                i = end + 1
                continue
        if char == ":":
            segment += 1
            tokens.append(char)
        elif char == "*":
            spans = segment >= _RESOURCE_SEGMENT or i + 1 == size or pattern[i + 1] == ":"
            tokens.append(_STAR if spans else _SEGMENT_STAR)
        elif char == "?":
            tokens.append(_ANY if segment >= _RESOURCE_SEGMENT else _SEGMENT_ANY)
        else:
            tokens.append(char)
        i += 1
    return _Tokens(tokens)


@cache
def _template_tokens(template: str) -> _Tokens:
    """Glob tokens of an ARN template: each ${Variable} may be anything within its segment."""
    return _pattern_tokens(template, variables=True)


class _Masks:
    """Bit masks over the positions of one glob's tokens: bit ``i`` stands for token ``i``."""

    __slots__ = (
        "any", "colon", "literal", "one", "one_but_colon", "seg_any", "seg_star", "star", "stars"
    )

    def __init__(self, tokens: _Tokens) -> None:
        self.star = self.seg_star = self.any = self.seg_any = 0
        self.literal: dict[str, int] = {}
        for position, token in enumerate(tokens):
            bit = 1 << position
            if token == _STAR:
                self.star |= bit
            elif token == _SEGMENT_STAR:
                self.seg_star |= bit
            elif token == _ANY:
                self.any |= bit
            elif token == _SEGMENT_ANY:
                self.seg_any |= bit
            else:
                self.literal[token] = self.literal.get(token, 0) | bit
        self.stars = self.star | self.seg_star
        self.one = (1 << len(tokens)) - 1 - self.stars  # one-character tokens
        self.colon = self.literal.get(":", 0)
        self.one_but_colon = self.one & ~self.colon


def _masks(tokens: _Tokens) -> _Masks:
    try:
        return tokens.masks
    except AttributeError:
        tokens.masks = found = _Masks(tokens)
        return found


def _closure(reach: int, moves: int) -> int:
    """``reach`` plus every position it gets to by steps ``i -> i+1`` from positions in ``moves``.

    Adding ``moves`` carries a set bit of ``reach & moves`` through the run of ``moves`` it
    sits in and one past it; the exclusive-or keeps what the carry changed.
    """
    return reach | (((reach & moves) + moves) ^ moves)


def _intersects(left: _Tokens, right: _Tokens) -> bool:
    """True if some string matches both globs.

    The product of the two globs, column by column: for each token of ``right``, the set of
    positions in ``left`` reachable so far, as the bits of an int. ``left`` is the policy's
    pattern, whose masks are kept with it; ``right`` is often a catalogue template.
    """
    masks = _masks(left)
    reach = 1  # position 0 of left, before right's first token
    for token in right:
        if token in _STARS:
            # The star produces left's next token (a ":" only for a full star), or a star of
            # left ends; then the star ends (the next column).
            moves = masks.one if token == _STAR else masks.one_but_colon
            reach = _closure(reach, masks.stars | moves)
            continue
        reach = _closure(reach, masks.stars)  # stars of left may end
        absorbing = masks.star | (masks.seg_star if token != ":" else 0)
        if token == _ANY:
            overlapping = masks.one
        elif token == _SEGMENT_ANY:
            overlapping = masks.one_but_colon
        else:
            overlapping = masks.literal.get(token, 0) | masks.any
            if token != ":":
                overlapping |= masks.seg_any
        reach = (reach & absorbing) | ((reach & overlapping) << 1)
        if not reach:
            return False
    return bool(_closure(reach, masks.stars) >> len(left) & 1)


def _contains(outer: _Tokens, inner: _Tokens) -> bool:
    """True if every string matching ``inner`` matches ``outer`` (never wrongly True).

    Each token of ``inner`` must be covered by a token of ``outer``: a full star covers any
    token, a segment star one that is never ":" (a segment star, a segment ``?``, a
    character), ``?`` any one-character token, a segment ``?`` one that is never ":", a
    character itself. The positions of ``outer`` reachable after each token of ``inner`` are
    the bits of an int.
    """
    masks = _masks(outer)
    reach = 1
    for token in inner:
        reach = _closure(reach, masks.stars)  # stars of outer may end
        covering_stars = masks.star
        if token not in _NOT_IN_SEGMENT_STAR:
            covering_stars |= masks.seg_star
        if token in _STARS:
            reach &= covering_stars
        else:
            covering = masks.any | masks.literal.get(token, 0)
            if token != _ANY and token != ":":
                covering |= masks.seg_any
            reach = (reach & covering_stars) | ((reach & covering) << 1)
        if not reach:
            return False
    return bool(_closure(reach, masks.stars) >> len(outer) & 1)


def _is_all_stars(pattern: str) -> bool:
    return bool(pattern) and not pattern.strip("*")


# --- what an action can act on, per the catalogue -------------------------------------------


@cache
def _universe(namespace: str) -> tuple[str, ...]:
    """The actions a report weighs for a service: the catalogue's, else its tracked ones."""
    return catalogue.actions(namespace) or catalogue.tracked_actions(namespace)


@cache
def _service_wide_targets(namespace: str) -> tuple[_Tokens, ...]:
    """"*" and any ARN whose service segment is the namespace.

    What an action with no resource type (or one the catalogue lacks) can act on. Strictly,
    IAM evaluates such an action against "*" only; the ARNs are accepted too because AWS's
    own examples grant s3:ListAllMyBuckets on arn:aws:s3:::* (rule chosen, lenient).
    """
    any_arn = _Tokens((*"arn:", _SEGMENT_STAR, ":", *namespace, ":", _STAR))
    return (_STAR_RESOURCE, any_arn)


@cache
def _action_targets(namespace: str, action: str) -> tuple[_Tokens, ...]:
    """The resources ``namespace:action`` can act on, as glob tokens."""
    templates = catalogue.action_arn_templates(namespace, action)
    if not templates:
        return _service_wide_targets(namespace)
    return tuple(_template_tokens(template) for template in templates)


@cache
def _service_targets(namespace: str) -> tuple[_Tokens, ...]:
    """The resources any action of ``namespace`` can act on, as glob tokens."""
    templates = sorted(set(catalogue.resource_arn_templates(namespace).values()))
    return tuple(_template_tokens(template) for template in templates) + _service_wide_targets(namespace)


# --- compiled statements ---------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _ActionPattern:
    service: str | None  # exact lower-case service; None with service_regex or for "*"
    service_regex: Wildcard | None
    action_lower: str | None  # exact lower-case action name
    action_regex: Wildcard | None
    whole_service: bool  # the action part is all stars (or the pattern is "*")

    def service_matches(self, namespace: str) -> bool:
        if self.service is not None:
            return self.service == namespace
        if self.service_regex is not None:
            return self.service_regex.matches(namespace)
        return True  # "*"

    def action_matches(self, action_lower: str) -> bool:
        if self.whole_service:
            return True
        if self.action_lower is not None:
            return self.action_lower == action_lower
        assert self.action_regex is not None
        return self.action_regex.matches(action_lower)


_NEVER = _ActionPattern("", None, "", None, False)  # a malformed entry matches nothing


def _action_pattern(text: str) -> _ActionPattern:
    if _is_all_stars(text):
        return _ActionPattern(None, None, None, None, True)
    service, sep, action = text.partition(":")
    if not sep or not service or not action:
        return _NEVER
    service = service.lower()
    wild_service = "*" in service or "?" in service
    whole = _is_all_stars(action)
    wild_action = not whole and ("*" in action or "?" in action)
    return _ActionPattern(
        service=None if wild_service else service,
        service_regex=wildcard(service, ignore_case=True) if wild_service else None,
        action_lower=None if whole or wild_action else action.lower(),
        action_regex=wildcard(action, ignore_case=True) if wild_action else None,
        whole_service=whole,
    )


@dataclass(frozen=True, eq=False)
class _ResourcePattern:
    text: str
    wild: _Tokens  # policy variables may be anything: for "can it match?"
    literal: _Tokens  # policy variables as written: for "does it surely contain?"
    all_stars: bool


@dataclass(eq=False)
class _Statement:
    effect: Any  # "Allow" or "Deny" in a valid document
    conditional: bool
    not_action: bool
    action_patterns: tuple[_ActionPattern, ...]
    not_resource: bool
    resources: tuple[_ResourcePattern, ...]
    exact_services: frozenset[str] = field(init=False)
    any_service: bool = field(init=False)  # some pattern can name any service
    resource_all: bool = field(init=False)  # Resource "*": every resource
    _matched: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _units: dict[int, tuple[int, ...]] = field(default_factory=dict, repr=False)
    _service_grant: dict[str, bool] = field(default_factory=dict, repr=False)
    _resource_fits_cache: dict[str, bool] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.exact_services = frozenset(p.service for p in self.action_patterns if p.service)
        self.any_service = any(p.service is None for p in self.action_patterns)
        self.resource_all = not self.not_resource and any(r.all_stars for r in self.resources)

    def _named(self, namespace: str) -> bool:
        """Some Action/NotAction pattern names this service."""
        if namespace in self.exact_services:
            return True
        return self.any_service and any(
            p.service is None and p.service_matches(namespace) for p in self.action_patterns
        )

    def _names_whole(self, namespace: str) -> bool:
        """Some pattern names every action of this service."""
        return any(p.whole_service and p.service_matches(namespace) for p in self.action_patterns)

    def touches(self, namespace: str) -> bool:
        """The statement may match some action of the service."""
        if self.not_action:
            return not self._names_whole(namespace)
        return self._named(namespace)

    def covers_whole(self, namespace: str) -> bool:
        """The statement matches every action of the service."""
        if self.not_action:
            return not self._named(namespace)
        return self._names_whole(namespace)

    def matched_actions(self, namespace: str) -> frozenset[str]:
        """Lower-case names of the service's catalogue actions this statement matches."""
        found = self._matched.get(namespace)
        if found is None:
            names = [name.lower() for name in _universe(namespace)]
            patterns = [p for p in self.action_patterns if p.service_matches(namespace)]
            hits = {name for name in names if any(p.action_matches(name) for p in patterns)}
            found = frozenset(set(names) - hits if self.not_action else hits)
            self._matched[namespace] = found
        return found

    def grant_units(self, targets: tuple[_Tokens, ...]) -> tuple[int, ...]:
        """What this Allow grants an action with these targets on: Resource indexes, or NotResource."""
        # Keyed by identity: targets come from unbounded caches, so each lives for the process
        # and hashing these nested tuples on every call would cost more than the lookup saves.
        units = self._units.get(id(targets))
        if units is None:
            if self.not_resource:
                excluded = all(any(_contains(r.literal, t) for r in self.resources) for t in targets)
                units = () if excluded else (_NOT_RESOURCE_UNIT,)
            else:
                units = tuple(
                    index
                    for index, r in enumerate(self.resources)
                    if r.all_stars or any(_intersects(r.wild, t) for t in targets)
                )
            self._units[id(targets)] = units
        return units

    def denies_unit(self, allow: _Statement, unit: int) -> bool:
        """This unconditional Deny removes the Allow's grant ``unit`` (for an action it matches)."""
        if unit == _NOT_RESOURCE_UNIT:
            return self.resource_all
        granted = allow.resources[unit]
        if self.not_resource:
            return all(not _intersects(r.wild, granted.wild) for r in self.resources)
        return any(r.all_stars or _contains(r.literal, granted.literal) for r in self.resources)

    def grants_service(self, namespace: str) -> bool:
        """ListPolicies: this Allow names the service and a resource that can belong to it."""
        granted = self._service_grant.get(namespace)
        if granted is None:
            granted = self.touches(namespace) and self.resource_fits(namespace)
            self._service_grant[namespace] = granted
        return granted

    def resource_fits(self, namespace: str) -> bool:
        """Some resource this statement names can belong to the service (cached)."""
        fits = self._resource_fits_cache.get(namespace)
        if fits is None:
            fits = self._resource_fits(namespace)
            self._resource_fits_cache[namespace] = fits
        return fits

    def _resource_fits(self, namespace: str) -> bool:
        if self.not_resource:
            return not any(r.all_stars for r in self.resources)
        if self.resource_all:
            return True
        targets = _service_targets(namespace)
        return any(_intersects(r.wild, t) for r in self.resources for t in targets)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _compile_statement(raw: Mapping[str, Any], variables: bool) -> _Statement:
    not_action = "Action" not in raw and "NotAction" in raw
    actions = _as_list(raw.get("NotAction") if not_action else raw.get("Action"))
    not_resource = "Resource" not in raw and "NotResource" in raw
    resources = _as_list(raw.get("NotResource") if not_resource else raw.get("Resource"))
    return _Statement(
        effect=raw.get("Effect"),
        conditional=bool(raw.get("Condition")),
        not_action=not_action,
        action_patterns=tuple(_action_pattern(a) if isinstance(a, str) else _NEVER for a in actions),
        not_resource=not_resource,
        resources=tuple(
            _ResourcePattern(
                text=r,
                wild=_pattern_tokens(r, variables),
                literal=_pattern_tokens(r, variables=False),
                all_stars=_is_all_stars(r),
            )
            for r in resources
            if isinstance(r, str)
        ),
    )


@dataclass(frozen=True, eq=False)
class CompiledPolicy:
    """One identity policy, ready to evaluate: its Allow and unconditional Deny statements."""

    allows: tuple[_Statement, ...]
    denies: tuple[_Statement, ...]  # unconditional Deny statements only
    any_service: bool  # some Allow can match a service it does not name (*, NotAction)
    named_services: frozenset[str]  # services Allow statements name exactly


def compile_policy(document: str | Mapping[str, Any]) -> CompiledPolicy:
    """Compile a policy document (JSON text, or its parsed dict); cached per document text.

    The document must already be valid (``policy.document.parse_policy_document``).
    """
    if isinstance(document, str):
        return _compile_text(document)
    return _compile_text(json.dumps(document, sort_keys=True))


@lru_cache(maxsize=4096)
def _compile_text(text: str) -> CompiledPolicy:
    try:
        parsed = bounded_json.loads(text, max_depth=MAX_DEPTH)
    except bounded_json.JsonTooDeep:
        parsed = {}  # never a stored document: parse_policy_document refuses it
    if not isinstance(parsed, dict):
        parsed = {}
    variables = parsed.get("Version") == "2012-10-17"
    raw_statements = parsed.get("Statement")
    if isinstance(raw_statements, dict):
        raw_statements = [raw_statements]
    statements = [_compile_statement(raw, variables) for raw in raw_statements or [] if isinstance(raw, dict)]
    allows = tuple(s for s in statements if s.effect == "Allow")
    return CompiledPolicy(
        allows=allows,
        denies=tuple(s for s in statements if s.effect == "Deny" and not s.conditional),
        any_service=any(s.not_action or s.any_service for s in allows),
        named_services=frozenset().union(*(s.exact_services for s in allows)),
    )


# --- the report rule ------------------------------------------------------------------------


def allowed_services(policies: Iterable[CompiledPolicy]) -> list[str]:
    """The services a last-accessed report on these policies lists, in namespace order."""
    return list(_allowed_services(tuple(dict.fromkeys(policies))))


@lru_cache(maxsize=1024)
def _allowed_services(policies: tuple[CompiledPolicy, ...]) -> tuple[str, ...]:
    universe = catalogue.service_names()
    if any(p.any_service for p in policies):
        candidates: Iterable[str] = universe
    else:
        named = frozenset().union(*(p.named_services for p in policies))
        candidates = sorted(named & universe.keys())
    allows = [s for p in policies for s in p.allows]
    denies = [s for p in policies for s in p.denies]
    listed = []
    for namespace in candidates:
        touching_allows, touching_denies = _relevant(namespace, allows, denies)
        if touching_allows and (
            _allowed_whole(namespace, touching_allows, touching_denies)
            or _scan_actions(namespace, touching_allows, touching_denies, first_only=True)
        ):
            listed.append(namespace)
    return tuple(listed)


def _relevant(
    namespace: str, allows: Iterable[_Statement], denies: Iterable[_Statement]
) -> tuple[list[_Statement], list[_Statement]]:
    """The Allows that may grant something of the service, and the Denies that touch it.

    No Allow is relevant when a Deny on Resource "*" covers the whole service.
    """
    touching_denies = [s for s in denies if s.touches(namespace)]
    if any(s.resource_all and s.covers_whole(namespace) for s in touching_denies):
        return [], touching_denies
    touching_allows = [s for s in allows if s.touches(namespace) and s.resource_fits(namespace)]
    return touching_allows, touching_denies


def allowed_at_every_level(levels: Sequence[Iterable[CompiledPolicy]]) -> list[str]:
    """The services of which some action is allowed at every level, in namespace order: how
    SCPs inherit ("an explicit Allow statement at every level from the root through each OU in
    the direct path to the account"). The policies of one level are evaluated together; the
    levels are intersected per action, so a root allowing only s3:GetObject over an OU allowing
    only s3:PutObject allows no S3. A service the catalogue lists no action of is intersected
    as a whole."""
    compiled = [tuple(dict.fromkeys(level)) for level in levels]
    if not compiled:
        return []
    listed = [set(_allowed_services(level)) for level in compiled]
    candidates = set.intersection(*listed)
    if len(compiled) == 1:
        return list(_allowed_services(compiled[0]))
    found = []
    for namespace in catalogue.service_names():
        if namespace not in candidates:
            continue
        if not _universe(namespace):
            found.append(namespace)
            continue
        common: set[str] | None = None
        for level in compiled:
            if _level_allows_whole(level, namespace):
                continue  # this level narrows nothing
            actions = set(_allowed_actions(level, namespace))
            common = actions if common is None else common & actions
            if not common:
                break
        if common is None or common:
            found.append(namespace)
    return found


def _level_allows_whole(policies: tuple[CompiledPolicy, ...], namespace: str) -> bool:
    allows, denies = _relevant(
        namespace, (s for p in policies for s in p.allows), (s for p in policies for s in p.denies)
    )
    return bool(allows) and _allowed_whole(namespace, allows, denies)


def allowed_actions(policies: Iterable[CompiledPolicy], namespace: str) -> set[str]:
    """The actions of one service the report rule allows (catalogue names; see module doc)."""
    unique = tuple(dict.fromkeys(policies))
    if namespace not in catalogue.service_names():
        return set()
    return set(_allowed_actions(unique, namespace))


@lru_cache(maxsize=4096)
def _allowed_actions(policies: tuple[CompiledPolicy, ...], namespace: str) -> tuple[str, ...]:
    allows, denies = _relevant(
        namespace, (s for p in policies for s in p.allows), (s for p in policies for s in p.denies)
    )
    if not allows:
        return ()
    if _allowed_whole(namespace, allows, denies):
        return _universe(namespace)
    return tuple(_scan_actions(namespace, allows, denies, first_only=False))


def allowed_tracked_actions(policies: Iterable[CompiledPolicy], namespace: str) -> tuple[str, ...]:
    """The allowed actions IAM tracks at action level, alphabetical (a report row's list)."""
    return _allowed_tracked_actions(tuple(dict.fromkeys(policies)), namespace)


@lru_cache(maxsize=4096)
def _allowed_tracked_actions(policies: tuple[CompiledPolicy, ...], namespace: str) -> tuple[str, ...]:
    tracked = catalogue.tracked_actions(namespace)
    if not tracked or namespace not in catalogue.service_names():
        return ()
    allows, denies = _relevant(
        namespace, (s for p in policies for s in p.allows), (s for p in policies for s in p.denies)
    )
    if not allows:
        return ()
    if _allowed_whole(namespace, allows, denies):
        return tracked  # every action is allowed: the catalogue need not be read (issue 11)
    allowed = {name.lower() for name in _allowed_actions(policies, namespace)}
    return tuple(name for name in tracked if name.lower() in allowed)


def tracked_actions_by_service(policies: Iterable[CompiledPolicy]) -> Mapping[str, tuple[str, ...]]:
    """Each service a report on these policies lists -> its allowed tracked actions, in
    namespace order: an action-level report's rows in one look-up (cached per set of policies,
    which are cached per document text, so a changed policy is a new key)."""
    return _tracked_actions_by_service(tuple(dict.fromkeys(policies)))


@lru_cache(maxsize=256)
def _tracked_actions_by_service(policies: tuple[CompiledPolicy, ...]) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType(
        {namespace: _allowed_tracked_actions(policies, namespace) for namespace in _allowed_services(policies)}
    )


def _allowed_whole(namespace: str, allows: Sequence[_Statement], denies: Sequence[_Statement]) -> bool:
    """Fast path: an Allow covers the whole service on Resource "*" and no Deny touches it."""
    return not denies and any(s.resource_all and s.covers_whole(namespace) for s in allows)


def _scan_actions(
    namespace: str, allows: Sequence[_Statement], denies: Sequence[_Statement], *, first_only: bool
) -> list[str]:
    """The allowed actions of a service, in catalogue order (only the first with ``first_only``)."""
    found: list[str] = []
    # A Deny's verdict on an Allow's grant is the same for every action: reached once here.
    verdicts: dict[tuple[int, int, int], bool] = {}
    for action in _universe(namespace):
        lower = action.lower()
        granting = [allow for allow in allows if lower in allow.matched_actions(namespace)]
        if not granting:
            continue
        targets = _action_targets(namespace, action)
        matching_denies = [deny for deny in denies if lower in deny.matched_actions(namespace)]
        if any(
            _survives(allow, allow.grant_units(targets), matching_denies, verdicts)
            for allow in granting
        ):
            found.append(action)
            if first_only:
                break
    return found


def _survives(
    allow: _Statement,
    units: tuple[int, ...],
    denies: Sequence[_Statement],
    verdicts: dict[tuple[int, int, int], bool],
) -> bool:
    """Some grant unit of the Allow is removed by none of the Denies (``verdicts``: a cache
    keyed by identity, valid while the statements are alive)."""
    for unit in units:
        for deny in denies:
            key = (id(deny), id(allow), unit)
            removed = verdicts.get(key)
            if removed is None:
                removed = verdicts[key] = deny.denies_unit(allow, unit)
            if removed:
                break
        else:
            return True
    return False


# --- the ListPoliciesGrantingServiceAccess rule ------------------------------------------------


def policy_grants(policy: CompiledPolicy, namespace: str) -> bool:
    """True if ListPoliciesGrantingServiceAccess lists this policy for the service (see module doc)."""
    if not any(s.grants_service(namespace) for s in policy.allows):
        return False
    return not any(d.resource_all and d.covers_whole(namespace) for d in policy.denies)


# --- one request: the matching the simulator shares with the reports ----------------------


@lru_cache(maxsize=4096)
def _cached_action_pattern(pattern: str) -> _ActionPattern:
    return _action_pattern(pattern)


def action_matches(pattern: str, action: str) -> bool:
    """An Action/NotAction pattern matches the action ``service:name`` (any case), as above."""
    service, sep, name = action.partition(":")
    if not sep:
        return False
    compiled = _cached_action_pattern(pattern)
    return compiled.service_matches(service.lower()) and compiled.action_matches(name.lower())


@lru_cache(maxsize=4096)
def _literal_pattern_tokens(pattern: str) -> _Tokens:
    return _pattern_tokens(pattern, variables=False)


def resource_matches(pattern: str, resource: str) -> bool:
    """A Resource pattern whose policy variables are resolved (``${*}``, ``${?}``, ``${$}``
    stay the escaped characters) matches the request's resource, taken literally: with IAM's
    segment rule for wildcards, case-sensitively; the request resource "*" is matched only
    by patterns that match the text "*"."""
    return _intersects(_literal_pattern_tokens(pattern), _Tokens(resource))


def arn_template_for(namespace: str, action: str, resource: str) -> str | None:
    """The catalogue's ARN template of the action's resource type that ``resource`` fits."""
    for template in catalogue.action_arn_templates(namespace, action):
        if _intersects(_template_tokens(template), _Tokens(resource)):
            return template
    return None
