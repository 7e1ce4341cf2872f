"""CloudTrail logs into the activity index, and the one table of CloudTrail names that
differ from IAM's.

A log file is what CloudTrail delivers to S3: ``{"Records": [...]}``, plain or gzipped,
under ``AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/``. Each file is read, decompressed
and decoded as a whole before any of its records is applied, so a broken file changes
nothing. Records are then taken one by one; a record that cannot be taken is counted as
skipped (not an API call by a user, role or root), unknown (its user or role does not
exist in the mock) or malformed, and never raises.

Rules chosen where AWS is silent or the mock differs:
- Records with an ``errorCode`` (denied or failed calls) count: AWS reports attempts.
- Data events (S3 object calls, Lambda Invoke) are taken like management events; which
  actions a report shows is the report's business (tracked actions, §1.5 of the notes).
- Only ``eventType`` "AwsApiCall" (or none) is an access: console sign-ins, console
  actions, service events and Insights are skipped.
- Users and roles are looked up by name at load time; records of ones the mock does not
  have are counted as unknown, not kept for later.
- In a folder, files are read in path order; a broken file raises and the files before it
  stay loaded.
- A file whose arrays and objects nest deeper than ``MAX_DEPTH`` (256) levels is broken: it
  is measured, without recursion, before it is decoded.
- A record dated after the mock clock's now is malformed (CloudTrail delivers past events
  only; a test whose clock is set before its logs sees them counted, not taken).
- Action names are stored in the catalogue's casing; an eventName that maps to no action of
  the catalogue (apigateway's GetRestApis: its IAM actions are HTTP verbs; a service newer
  than the catalogue) still counts for its service, under the name CloudTrail gives it, as
  a call under the mock does. Unlike ``record_access``, a record is never checked against
  the catalogue's action list: it is a call that happened, not a test's typo.
"""

from __future__ import annotations

import gzip
import os
import sys
import zlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import bounded_json
from .activity import (
    REGION_BITS,
    ActivityIndex,
    EntityActivity,
    UnknownPrincipalError,
    check_region,
    micros_since_epoch,
    parse_action,
    remember,
    resolve_principal,
)
from .errors import MockConfigurationError
from .policy import catalogue
from .policy.action_names import iam_actions, iam_prefix

if TYPE_CHECKING:
    from .world import World

# ---- the result ----------------------------------------------------------------------------------


class CloudTrailLoad(int):
    """The number of records taken (this int), with what else was seen.

    ``skipped``: records that are not an API call by a user, role or root (AWS services,
    other identity types, console sign-ins, Insights); ``unknown``: calls by a user or role
    that does not exist in the mock's IAM; ``malformed``: records missing or with invalid
    fields; ``files``: log files read.
    """

    skipped: int
    unknown: int
    malformed: int
    files: int

    def __new__(  # noqa: PYI034 - typing.Self needs Python 3.11
        cls, taken: int, skipped: int = 0, unknown: int = 0, malformed: int = 0, files: int = 0
    ) -> CloudTrailLoad:
        result = super().__new__(cls, taken)
        result.skipped, result.unknown = skipped, unknown
        result.malformed, result.files = malformed, files
        return result

    @property
    def taken(self) -> int:
        return int(self)

    def __repr__(self) -> str:
        return (
            f"CloudTrailLoad(taken={int(self)}, skipped={self.skipped}, unknown={self.unknown}, "
            f"malformed={self.malformed}, files={self.files})"
        )


class CloudTrailFileError(MockConfigurationError):
    """A file that is not a CloudTrail log file (bad gzip, bad JSON, no Records list)."""

    def __init__(self, path: str | Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = str(path)


# ---- files ---------------------------------------------------------------------------------------

_LOG_SUFFIXES = (".json", ".json.gz")
# Arrays and objects a log file may nest (rule chosen: records nest about 10 deep, and the
# JSON decoder recurses once per level); a deeper file is refused before it is decoded.
MAX_DEPTH = 256


def log_files(path: Path) -> list[Path]:
    """``path`` itself, or the CloudTrail log files under a folder, recursively, in path order.

    Digest files (``CloudTrail-Digest``, delivered next to the logs) hold no records and
    are left out.
    """
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"no such CloudTrail log file or folder: {path}")
    found = []
    for folder, subfolders, names in os.walk(path):
        subfolders[:] = [name for name in subfolders if name != "CloudTrail-Digest"]
        for name in names:
            if name.lower().endswith(_LOG_SUFFIXES) and "CloudTrail-Digest" not in name:
                found.append(Path(folder, name))
    if not found:
        raise FileNotFoundError(f"no CloudTrail log files (*.json, *.json.gz) under {path}")
    return sorted(found)


def read_log_file(path: Path) -> list[Any]:
    """The Records list of one log file; gzip is recognized by its magic number."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            raise CloudTrailFileError(path, f"not a valid gzip file ({error})") from error
    elif path.name.lower().endswith(".gz"):
        raise CloudTrailFileError(path, "not a valid gzip file (no gzip header)")
    try:
        document = bounded_json.loads(data, max_depth=MAX_DEPTH)
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError and JsonTooDeep
        raise CloudTrailFileError(path, f"not valid JSON ({error})") from error
    return records_of(document, path)


def records_of(document: Any, where: str | Path) -> list[Any]:
    records = document.get("Records") if isinstance(document, Mapping) else None
    if not isinstance(records, list):
        raise CloudTrailFileError(
            where, 'not a CloudTrail log: expected an object with a "Records" list'
        )
    return records


# ---- records -------------------------------------------------------------------------------------

if sys.version_info >= (3, 11):
    _parse_time = datetime.fromisoformat
else:  # pragma: no cover - fromisoformat learned "Z" in 3.11

    def _parse_time(text: str) -> datetime:
        return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)


_SKIPPED, _UNKNOWN, _MALFORMED = "skipped", "unknown", "malformed"
_MISSING = object()
_TIME_CACHE_SIZE = 100_000
_Principal = EntityActivity | str


class RecordLoader:
    """Takes CloudTrail records into the index; resolves each distinct principal, event and
    region once per load. The caller holds ``world.lock`` while records are taken."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._index: ActivityIndex = world.activity
        self._principals: dict[str, _Principal] = {}
        self._events: dict[tuple[str, str], tuple[str, tuple[str, ...]] | None] = {}
        self._regions: dict[str, int | None] = {}
        self._times: dict[str, int | None] = {}
        # The latest time known not to be after the clock's now (see _micros).
        self._not_after: int | None = None
        self.taken = self.skipped = self.unknown = self.malformed = 0

    def result(self, files: int = 0) -> CloudTrailLoad:
        return CloudTrailLoad(self.taken, self.skipped, self.unknown, self.malformed, files)

    def take(self, records: Iterable[Any]) -> None:
        principal_of, event_of, region_of, micros_of = (
            self._principal,
            self._event,
            self._region,
            self._micros,
        )
        taken = skipped = unknown = malformed = 0
        for record in records:
            if type(record) is not dict:
                malformed += 1
                continue
            event_type = record.get("eventType")
            if event_type is not None and event_type != "AwsApiCall":
                if type(event_type) is str:
                    skipped += 1
                else:
                    malformed += 1
                continue
            identity = record.get("userIdentity")
            principal = principal_of(identity) if type(identity) is dict else _MALFORMED
            if principal is _SKIPPED:
                skipped += 1
                continue
            event = event_of(record.get("eventSource"), record.get("eventName"))
            region_id = region_of(record.get("awsRegion"))
            micros = micros_of(record.get("eventTime"))
            if event is None or region_id is None or micros is None or principal is _MALFORMED:
                malformed += 1
                continue
            if principal is _UNKNOWN:
                unknown += 1
                continue
            assert isinstance(principal, EntityActivity)
            taken += 1
            # activity.update(), inlined: this loop is the bulk path.
            namespace, action_keys = event
            packed = micros << REGION_BITS | region_id
            services = principal.services
            previous = services.get(namespace)
            if previous is None or previous >> REGION_BITS <= micros:
                services[namespace] = packed
            actions = principal.actions
            for action_key in action_keys:
                previous = actions.get(action_key)
                if previous is None:
                    actions[action_key] = packed
                elif previous != packed:
                    remember(principal, action_key, previous, packed)
        self.taken += taken
        self.skipped += skipped
        self.unknown += unknown
        self.malformed += malformed

    def _principal(self, identity: dict[str, Any]) -> _Principal:
        """Who a record's userIdentity counts for: users, roles (through their sessions), root."""
        kind = identity.get("type")
        arn = identity.get("arn")
        if kind == "AssumedRole":
            # The session's issuer is the IAM role (with its path); without it, the
            # assumed-role ARN still names the role.
            context = identity.get("sessionContext")
            issuer = context.get("sessionIssuer") if type(context) is dict else None
            if type(issuer) is dict and issuer:
                if issuer.get("type") != "Role":
                    return _SKIPPED
                arn = issuer.get("arn")
        elif kind == "IAMUser":
            if arn is None:
                name, account_id = identity.get("userName"), identity.get("accountId")
                if type(name) is str and type(account_id) is str:
                    arn = f"arn:aws:iam::{account_id}:user/{name}"
        elif kind == "Root":
            account_id = identity.get("accountId")
            if arn is None and type(account_id) is str:
                arn = f"arn:aws:iam::{account_id}:root"
        elif type(kind) is str:
            return _SKIPPED
        else:
            return _MALFORMED
        if type(arn) is not str:
            return _MALFORMED
        found = self._principals.get(arn)
        if found is None:
            try:
                account_id, entity = resolve_principal(self._world, arn)
                found = self._index.entity(account_id, entity)
            except UnknownPrincipalError:
                found = _UNKNOWN
            except MockConfigurationError:
                found = _MALFORMED
            self._principals[arn] = found
        return found

    def _event(self, source: Any, name: Any) -> tuple[str, tuple[str, ...]] | None:
        """(namespace, action keys) of an eventSource and eventName, or None if invalid."""
        if type(source) is not str or type(name) is not str:
            return None
        key = (source, name)
        try:
            return self._events[key]
        except KeyError:
            pass
        found: tuple[str, tuple[str, ...]] | None = None
        namespace = iam_prefix(source)
        # eventSource is a host name, written in lower case: "S3.amazonaws.com" is no source.
        if namespace is not None and namespace == namespace.lower():
            try:
                names = [
                    _catalogue_casing(namespace, parse_action(f"{namespace}:{action}")[1] or "")
                    for action in iam_actions(namespace, name)
                ]
            except MockConfigurationError:
                pass
            else:
                namespace = self._index.namespace(namespace)
                keys = tuple(self._index.action_key(namespace, action) for action in names)
                found = (namespace, keys)
        self._events[key] = found
        return found

    def _micros(self, event_time: Any) -> int | None:
        """Microseconds since the epoch of an eventTime; records of one log share many."""
        if type(event_time) is not str:
            return None
        times = self._times
        found = times.get(event_time, _MISSING)
        if found is _MISSING:
            try:
                found = micros_since_epoch(_parse_time(event_time))
            except ValueError:
                found = None
            if found is not None and self._in_future(found):
                found = None
            if len(times) >= _TIME_CACHE_SIZE:
                times.clear()
            times[event_time] = found
        return found  # type: ignore[return-value]

    def _in_future(self, micros: int) -> bool:
        """True if ``micros`` is after the mock clock's now: CloudTrail delivers past events
        only, so such a record is malformed. The clock is read again only when a time
        passes the last reading, as a clock that follows real time moves on."""
        limit = self._not_after
        if limit is None or micros > limit:
            limit = self._not_after = micros_since_epoch(self._world.clock.now())
        return micros > limit

    def _region(self, region: Any) -> int | None:
        if type(region) is not str:
            return None
        try:
            return self._regions[region]
        except KeyError:
            pass
        try:
            found: int | None = self._index.region_id(check_region(region))
        except MockConfigurationError:
            found = None
        self._regions[region] = found
        return found


def _catalogue_casing(namespace: str, action: str) -> str:
    """The catalogue's spelling of an action; a name it does not list is kept as written.

    Not an error: the record is a call that happened. apigateway's events (GetRestApis)
    are authorized as HTTP verbs, and a service may be newer than the catalogue; the call
    still counts for its service, as a call under the mock does.
    """
    return catalogue.canonical_action(namespace, action) or action


def load_cloudtrail(world: World, source: Any) -> CloudTrailLoad:
    """Load a log file, a folder of them (recursive), a ``{"Records": [...]}`` document or an
    iterable of record dicts into the activity index."""
    loader = RecordLoader(world)
    if isinstance(source, (str, os.PathLike)):
        files = log_files(Path(source))
        for path in files:
            records = read_log_file(path)  # outside the lock: reading and decoding are slow
            with world.lock:
                loader.take(records)
        return loader.result(files=len(files))
    if isinstance(source, Mapping):
        records = records_of(source, "the given log document")
        with world.lock:
            loader.take(records)
        return loader.result()
    if isinstance(source, (bytes, bytearray)) or not isinstance(source, Iterable):
        raise TypeError(
            "source must be a path to a CloudTrail log file or folder, a {'Records': [...]} dict "
            f"or an iterable of record dicts, got {type(source).__name__}"
        )
    with world.lock:
        loader.take(source)
    return loader.result()
