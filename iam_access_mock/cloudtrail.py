"""CloudTrail logs into the activity index, and the one table of CloudTrail names that
differ from IAM's.

A log file is what CloudTrail delivers to S3: ``{"Records": [...]}``, plain or gzipped,
under ``AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/``. Each file is streamed: read and
decompressed a block at a time, decoded a batch of records at a time, and each record
judged at once (``Scanner``, which needs nothing of the world, so worker processes can run
it) into four numbers (principal, event, time, region) kept in compact arrays; the loader
resolves what needs the world once per distinct value (does the user or role exist, is the
time past the clock's now), and hands them to the index once the whole file has been
read (``ActivityIndex.defer``: each principal's are applied when it is first read), so a
broken file changes
nothing, and memory stays bounded by the longest record and those arrays, never by the
file's size. A record that cannot be taken is counted as skipped (not an API call by a user,
role or root), unknown (its user or role does not exist in the mock) or malformed, and never
raises.

Decoding: with msgspec installed (the ``fast`` extra), batches of records are decoded into
structs holding only the fields a record is judged by; any batch it refuses or might read
differently is decoded again by the standard library's ``json``, which has the last word
(so both give the same result, errors included). Without msgspec, ``json`` alone, one record
at a time. With python-isal installed (also in ``fast``), gzip is decompressed by ISA-L in a
thread of its own; otherwise by zlib. A file laid out otherwise than ``{"Records": [...]}``
alone (other keys, another text encoding than UTF-8) is decoded whole, as it always was.

Rules chosen where AWS is silent or the mock differs:
- Records with an ``errorCode`` (denied or failed calls) count: AWS reports attempts.
- Data events (S3 object calls, Lambda Invoke) are taken like management events; which
  actions a report shows is the report's business (tracked actions, §1.5 of the notes).
- Only ``eventType`` "AwsApiCall" (or none) is an access: console sign-ins, console
  actions, service events and Insights are skipped.
- Users and roles are looked up by name at load time; records of ones the mock does not
  have are counted as unknown, not kept for later.
- In a folder, files are read in delivery order (``log_files``); a broken file raises and the
  files before it stay loaded. A large folder is scanned by worker processes and applied
  here in that same order (``cloudtrail_workers``).
- A file whose arrays and objects nest deeper than ``MAX_DEPTH`` (256) levels is broken: it
  is measured, without recursion, before it is decoded.
- A file of more than ``BUFFERED_RECORDS`` records is read twice: to the end to check it,
  then again to apply it, so that memory stays bounded however large the file.
- A record dated after the mock clock's now is malformed (CloudTrail delivers past events
  only; a test whose clock is set before its logs sees them counted, not taken).
- Action names are stored in the catalogue's casing; an eventName that maps to no action of
  the catalogue (apigateway's GetRestApis: its IAM actions are HTTP verbs; a service newer
  than the catalogue) still counts for its service, under the name CloudTrail gives it, as
  a call under the mock does. Unlike ``record_access``, a record is never checked against
  the catalogue's action list: it is a call that happened, not a test's typo.
"""

from __future__ import annotations

import codecs
import gzip
import json
import os
import re
import sys
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from operator import attrgetter
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from . import bounded_json
from .activity import (
    ActivityIndex,
    UnknownPrincipalError,
    check_region,
    micros_since_epoch,
    parse_action,
    resolve_principal,
)
from .errors import MockConfigurationError
from .policy import catalogue
from .policy.action_names import iam_actions, iam_prefix

_IsalError: type[Exception]
try:  # the ``fast`` extra
    import msgspec
except ImportError:  # pragma: no cover - the stdlib path is tested with msgspec present too
    msgspec = None  # type: ignore[assignment]
try:
    from isal import igzip_threaded
    from isal.isal_zlib import error as _IsalError  # type: ignore[assignment,no-redef,unused-ignore]
except ImportError:  # pragma: no cover
    igzip_threaded = None  # type: ignore[assignment]
    _IsalError = zlib.error

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
        self.problem = problem


# ---- files ---------------------------------------------------------------------------------------

_LOG_SUFFIXES = (".json", ".json.gz")
# Arrays and objects a log file may nest (rule chosen: records nest about 10 deep, and the
# JSON decoder recurses once per level); a deeper file is refused before it is decoded.
MAX_DEPTH = 256
# Records of one file resolved and held (18 bytes each) before any is applied; a larger file
# is read twice (see the module doc).
BUFFERED_RECORDS = 1 << 21
# Records sorted by principal at a time when handed to the index (bounds the sort's memory).
_APPLIED_AT_ONCE = 1 << 16
# Decompressed bytes read at a time; a record longer than this is read in growing blocks.
_BLOCK = 1 << 20
# Which decoder reads log files: "msgspec" where it is installed, else "json" (tests set it).
DECODER = "msgspec" if msgspec is not None else "json"
_GZIP_MAGIC = b"\x1f\x8b"


def log_files(path: Path) -> list[Path]:
    """``path`` itself, or the CloudTrail log files under a folder, recursively, in delivery
    order: by the time in CloudTrail's file name (``..._20260501T0005Z_...``), then by path.
    Files named otherwise come first, in path order.

    In that order a folder's records arrive mostly in time order, across Regions, which is
    what the index takes cheapest (each access after the ones kept), and where two accesses
    tie it is the later-delivered that counts as the later, as it would have in CloudTrail.

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
                candidate = Path(folder, name)
                if candidate.is_file():  # not a FIFO, a device or a broken link
                    found.append(candidate)
    if not found:
        raise FileNotFoundError(f"no CloudTrail log files (*.json, *.json.gz) under {path}")
    return sorted(found, key=_delivery_order)


_DELIVERY_TIME = re.compile(r"_(\d{8}T\d{4}Z)_")


def _delivery_order(path: Path) -> tuple[str, Path]:
    stamp = _DELIVERY_TIME.search(path.name)
    return ("" if stamp is None else stamp.group(1), path)


def read_log_file(path: Path) -> list[Any]:
    """The Records list of one log file, decoded whole; gzip is recognized by its magic number.

    What streaming falls back to for a file laid out otherwise than ``{"Records": [...]}``.
    """
    data = path.read_bytes()
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            raise CloudTrailFileError(path, f"not a valid gzip file ({error})") from error
    elif path.name.lower().endswith(".gz"):
        raise CloudTrailFileError(path, "not a valid gzip file (no gzip header)")
    try:
        document = bounded_json.loads(data, max_depth=MAX_DEPTH, parse_int=_integer)
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


# ---- streaming one file --------------------------------------------------------------------------

_WHITESPACE = b" \t\n\r"  # JSON's, and only JSON's
_PREFIX = re.compile(rb'[ \t\n\r]*\{[ \t\n\r]*"Records"[ \t\n\r]*:[ \t\n\r]*\[')
_SUFFIX = re.compile(rb"[ \t\n\r]*\}[ \t\n\r]*\Z")
# Where one record may end and the next begin; only a candidate: the same bytes occur in
# strings and between nested objects, so a batch cut there must still decode (see _Stream).
_BOUNDARY = re.compile(rb"\}[ \t\n\r]*,[ \t\n\r]*\{")
_SEPARATOR = re.compile(r"[ \t\n\r]*([,\]])?[ \t\n\r]*")
_JSON_WHITESPACE = " \t\n\r"
_RECORD_START = b'{"eventVersion"'
_WINDOW = 1 << 16  # where the last candidate boundary is looked for first
_TRIES = 4  # candidates msgspec tries before the block is json's
_MAX_RECORD_DEPTH = MAX_DEPTH - 2  # the object and its Records array hold every record


class _NotStreamable(Exception):
    """The file is not ``{"Records": [...]}`` alone in UTF-8: it is decoded whole instead."""


if msgspec is not None:

    class _Record(msgspec.Struct, gc=False):  # type: ignore[call-arg,unused-ignore]
        """The fields a record is judged by; msgspec skips the others without building them.

        The identity is kept as its raw JSON text: records of one session repeat it, so it is
        decoded (by ``json``, as the rest of the path would) once per distinct text.
        """

        eventType: Any = None
        userIdentity: msgspec.Raw = msgspec.Raw(b"")
        eventTime: Any = None
        eventSource: Any = None
        eventName: Any = None
        awsRegion: Any = None

    _decode_records = msgspec.json.Decoder(list[_Record]).decode
    # ValueError: an integer msgspec cannot hold; the batch is json's, which reads it.
    _msgspec_errors: tuple[type[Exception], ...] = (msgspec.DecodeError, RecursionError, ValueError)


def _open(path: Path) -> IO[bytes]:
    """The file's decompressed bytes; gzip is recognized by its magic number."""
    with open(path, "rb") as stream:
        magic = stream.read(2)
    if magic == _GZIP_MAGIC:
        if igzip_threaded is not None:
            # ISA-L decompresses in a thread of its own, outside the GIL, while this one decodes.
            return igzip_threaded.open(path, "rb", threads=1)  # type: ignore[no-any-return]
        return gzip.open(path, "rb")  # type: ignore[return-value,unused-ignore]
    if path.name.lower().endswith(".gz"):
        raise CloudTrailFileError(path, "not a valid gzip file (no gzip header)")
    return open(path, "rb")  # the caller closes it


class _Stream:
    """The records of one log file, a batch at a time, in bounded memory.

    The text after ``{"Records": [`` is kept from the start of the next record on. A batch is
    the text up to a candidate boundary ("}" "," "{"): msgspec decodes it as an array or
    refuses it, and since the text starts where a record starts, it decodes only if the
    candidate is a true end of a record (a cut inside a string or a nested object leaves the
    text unfinished, which no decoder takes). What msgspec refuses goes to ``json``, which
    finds each record's end itself. Before either decodes a text, its nesting is measured
    (``bounded_json``, from that start, where no string or bracket is open).
    """

    def __init__(self, path: Path, stream: IO[bytes], fast: bool) -> None:
        self._path = path
        self._read_block = stream.read
        self._fast = fast
        self._eof = False
        self._first = True  # at the array's start, where "]" may come at once
        self._done = False
        self._text = b""

    def _read(self, size: int) -> bytes:
        try:
            return self._read_block(size)
        except (OSError, EOFError, zlib.error, _IsalError) as error:
            raise CloudTrailFileError(self._path, f"not a valid gzip file ({error})") from error

    def _fill(self, at_least: int) -> None:
        """Read until the kept text is ``at_least`` bytes long or the file ends. The kept
        text starts at a record, or at the whitespace before one, which is dropped as it is
        read (so whitespace between records costs no memory, however long)."""
        text = self._text.lstrip(_WHITESPACE)
        parts = [text]
        size = len(text)
        while size < at_least and not self._eof:
            block = self._read(max(_BLOCK, at_least - size))
            if not block:
                self._eof = True
                break
            if not size:
                block = block.lstrip(_WHITESPACE)
            parts.append(block)
            size += len(block)
        self._text = b"".join(parts) if len(parts) > 1 else text

    def _invalid(self, problem: object) -> CloudTrailFileError:
        return CloudTrailFileError(self._path, f"not valid JSON ({problem})")

    def _check_depth(self, text: bytes, levels_above: int = 0) -> None:
        # bounded_json's measure, from a record's start (or ``levels_above`` levels above
        # one): the log's object and its Records array are the two levels above the records.
        limit = _MAX_RECORD_DEPTH + levels_above
        if not bounded_json._within(bounded_json._brackets(text), limit):
            raise self._invalid(bounded_json.JsonTooDeep(MAX_DEPTH))

    def batches(self) -> Iterator[tuple[list[Any], bool]]:
        """Lists of records, each with True if they are ``_Record`` structs (msgspec), False
        if they are what ``json`` decoded."""
        self._fill(_BLOCK)
        head = self._text
        encoding = json.detect_encoding(head[:4]) if head else "utf-8"
        if encoding == "utf-8-sig":
            head = head[3:]
        elif encoding != "utf-8":
            raise _NotStreamable
        match = _PREFIX.match(head)
        if match is None:
            raise _NotStreamable
        self._text = head[match.end() :]
        while not self._done:
            batch = self._fast_batch() if self._fast else None
            if batch is not None:
                if batch:
                    yield batch, True
                continue
            batch = self._json_batch()
            if batch:
                yield batch, False

    def _fast_batch(self) -> list[Any] | None:
        """The records up to a candidate boundary, decoded by msgspec; None where it cannot
        tell (the kept text is then ``json``'s). Once the file is read to its end, all that
        is left is tried first, as one batch."""
        self._fill(_BLOCK)
        text = self._text
        if self._eof:
            records = self._last_batch(text)
            if records is not None:
                return records
        window = max(0, len(text) - _WINDOW)
        candidates = [found.start() for found in _BOUNDARY.finditer(text, window)]
        if not candidates and window:
            candidates = [found.start() for found in _BOUNDARY.finditer(text)]
        if candidates:
            # CloudTrail starts each record with its eventVersion: such a candidate is likely
            # the true one, the others likely within a record (nested arrays of objects).
            likely = [at for at in candidates if text.startswith(_RECORD_START, at + 1)]
            tries = list(dict.fromkeys([*likely[::-1], *candidates[::-1]]))[:_TRIES]
            for at in tries:
                records = self._decode(text, at + 1)
                if records is not None:
                    self._text = text[_BOUNDARY.match(text, at).end() - 1 :]  # type: ignore[union-attr]
                    self._first = False
                    return records
            return None
        if not self._eof:
            self._fill(2 * len(text))  # a record longer than the block
            return []
        return None

    def _last_batch(self, text: bytes) -> list[Any] | None:
        """The last records, at the end of the file: ``..., {...}] }`` and whitespace."""
        end = _end_of_text(text, len(text))
        if not text.endswith(b"}", 0, end):
            return None
        end = _end_of_text(text, end - 1)
        if not text.endswith(b"]", 0, end):
            return None
        end = _end_of_text(text, end - 1)
        if not end:
            if not self._first:
                return None  # "[..., ]": json says what is wrong
            self._done = True
            return []
        records = self._decode(text, end)
        if records is not None:
            self._done = True
        return records

    def _decode(self, text: bytes, end: int) -> list[Any] | None:
        """``text[:end]``, records from the first on, decoded by msgspec; None if it refuses."""
        # As an array, joined without copying the records first; the checks read it whole,
        # where the array's "[" adds one level to the records' nesting.
        batch = b"".join((b"[", memoryview(text)[:end], b"]"))
        try:
            if not batch.isascii():
                batch.decode("utf-8", "surrogatepass")  # msgspec leaves skipped text unchecked
        except UnicodeDecodeError:
            return None
        self._check_depth(batch, levels_above=1)
        try:
            return _decode_records(batch)  # type: ignore[no-any-return]
        except _msgspec_errors:  # not records (json may still take them), or not a cut
            return None

    def _json_batch(self) -> list[Any]:
        """The complete records at the start of the kept text, decoded by ``json``."""
        self._fill(_BLOCK)
        data = self._text
        self._check_depth(data)
        try:
            text, _ = codecs.utf_8_decode(data, "surrogatepass", self._eof)
        except UnicodeDecodeError as error:
            raise self._invalid(error) from error
        decode, separator = _json_decoder.raw_decode, _SEPARATOR.match
        records: list[Any] = []
        position = kept = len(text) - len(text.lstrip(_JSON_WHITESPACE))
        if self._first and text.startswith("]", position):
            self._end(data[_utf8_length(text, position + 1) :])
            return records
        while position < len(text):
            try:
                record, position = decode(text, position)
            except json.JSONDecodeError as error:
                if not self._eof and (
                    error.pos >= len(text) - 8 or error.msg.startswith("Unterminated string")
                ):
                    break  # cut short by the block: read on from this record
                raise self._invalid(error) from error
            found = separator(text, position)
            mark, position = found.group(1), found.end()  # type: ignore[union-attr]
            if mark is None:
                if not self._eof and position == len(text):
                    break  # what follows the record is in the next block
                raise self._invalid(json.JSONDecodeError("Expecting ',' delimiter", text, position))
            records.append(record)
            kept = position
            self._first = False
            if mark == "]":
                self._end(data[_utf8_length(text, position) :])
                return records
        else:
            if self._eof:
                raise self._invalid(json.JSONDecodeError("Expecting value", text, position))
        self._text = data[_utf8_length(text, kept) :]
        if not records:
            self._fill(max(_BLOCK, 2 * len(data)))  # a record longer than the block: read on
        return records

    def _end(self, rest: bytes) -> None:
        """After the Records array: the document ends with "}" (else it is decoded whole)."""
        while True:
            rest = rest.strip(_WHITESPACE)
            if rest not in (b"", b"}"):
                raise _NotStreamable  # other keys after Records, or no JSON at all
            if self._eof:
                break
            block = self._read(_BLOCK)
            self._eof = not block
            rest += block
        if rest != b"}":
            raise _NotStreamable
        self._done = True
        self._text = b""


def _end_of_text(text: bytes, end: int) -> int:
    """Where the text before ``end`` ends, JSON whitespace after it left out."""
    start = max(0, end - 64)
    kept = text[start:end].rstrip(_WHITESPACE)
    if kept or not start:
        return start + len(kept)
    return len(text[:end].rstrip(_WHITESPACE))  # more whitespace than that: rare


def _utf8_length(text: str, end: int) -> int:
    """Bytes of ``text[:end]`` in UTF-8, as decoded with surrogatepass."""
    head = text[:end]
    return end if head.isascii() else len(head.encode("utf-8", "surrogatepass"))


class _LongInteger:
    """An integer too long for ``int`` (Python refuses 4,300 digits and more): no field a
    record is judged by is an integer, so it only makes that field malformed, as msgspec,
    which skips the fields it does not read, leaves it."""

    __slots__ = ()


_LONG_INTEGER = _LongInteger()


def _integer(text: str) -> Any:
    return int(text) if len(text) < 4000 else _LONG_INTEGER


_json_decoder = json.JSONDecoder(parse_int=_integer)


# ---- records -------------------------------------------------------------------------------------

if sys.version_info >= (3, 11):
    _parse_time = datetime.fromisoformat
else:  # pragma: no cover - fromisoformat learned "Z" in 3.11

    def _parse_time(text: str) -> datetime:
        return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)


# What a principal or event resolves to when it is not one: numbers below every index.
_SKIPPED, _UNKNOWN, _MALFORMED = -1, -2, -3
_INVALID = -1
_MISSING = object()
_CACHE_SIZE = 100_000
# Distinct minutes (and times in other forms) held at once, each some 130 bytes: a month of
# one region's minutes is 43,200, and fewer made a folder's load measurably slower.
_TIME_CACHE_SIZE = 100_000
_CLOUDTRAIL_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\Z")
_SECONDS = {f":{second:02d}": second * 1_000_000 for second in range(60)}
_Fields = tuple[Any, Any, Any, Any, Any, Any]


def _dict_fields(record: Any) -> _Fields | None:
    """A record dict's eventType, userIdentity, eventTime, eventSource, eventName, awsRegion."""
    if type(record) is not dict:
        return None
    get = record.get
    return (
        get("eventType"),
        get("userIdentity"),
        get("eventTime"),
        get("eventSource"),
        get("eventName"),
        get("awsRegion"),
    )


_struct_fields = attrgetter(
    "eventType", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion"
)


def _principal_arn(identity: Any) -> str | int:
    """The ARN a record's userIdentity counts for (users, roles through their sessions,
    root), or _SKIPPED (another kind of identity) or _MALFORMED."""
    if type(identity) is not dict:
        return _MALFORMED
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
    return arn if type(arn) is str else _MALFORMED


def _event_actions(source: Any, name: Any) -> tuple[str, tuple[str, ...]] | None:
    """The IAM namespace and actions (catalogue casing) of an eventSource and eventName, or
    None if they are not an event's."""
    if type(source) is not str or type(name) is not str:
        return None
    namespace = iam_prefix(source)
    # eventSource is a host name, written in lower case: "S3.amazonaws.com" is no source.
    if namespace is None or namespace != namespace.lower():
        return None
    try:
        return namespace, tuple(
            _catalogue_casing(namespace, parse_action(f"{namespace}:{action}")[1] or "")
            for action in iam_actions(namespace, name)
        )
    except MockConfigurationError:
        return None


Tables = tuple[list[str], list[tuple[str, tuple[str, ...]]], list[str]]


class Scanned:
    """Records of one file (or batch) judged without the world: four numbers each, indexes
    into the scanner's tables (principal ARN, event, region) and the time in microseconds;
    with the records skipped and malformed on their face. Picklable: worker processes
    send it back (see ``cloudtrail_workers``)."""

    __slots__ = ("events", "malformed", "micros", "principals", "regions", "skipped")

    def __init__(self) -> None:
        self.principals = array("I")
        self.events = array("I")
        self.micros = array("q")
        self.regions = array("H")
        self.skipped = self.malformed = 0

    def __len__(self) -> int:
        return len(self.micros)


class Scanner:
    """Judges the records of one file without the world: each distinct principal ARN, event
    and region gets a number in this scanner's tables, each distinct time is parsed once.
    What needs the world (does the user or role exist, is the time past the clock's now) is
    the loader's, once per distinct value (``RecordLoader.take_scanned``)."""

    def __init__(self) -> None:
        self.arns: list[str] = []
        self.events: list[tuple[str, tuple[str, ...]]] = []
        self.regions: list[str] = []
        self._arn_numbers: dict[str, int] = {}
        self._identities: dict[bytes, int] = {}  # a userIdentity's JSON text -> its number
        self._event_numbers: dict[tuple[Any, Any], int] = {}
        self._region_numbers: dict[Any, int] = {}
        self._times: dict[str, int | None] = {}
        self._minutes: dict[str, int] = {}  # "2026-09-11T15:26" -> its microseconds
        self._days: dict[str, int | None] = {}  # "2026-09-11" -> its microseconds

    def tables(self) -> tuple[list[str], list[tuple[str, tuple[str, ...]]], list[str]]:
        return self.arns, self.events, self.regions

    def scan(self, records: Iterable[Any], structs: bool, into: Scanned) -> None:
        """Judge each record (``_Record`` structs or dicts); append those to take to ``into``,
        count the others there."""
        fields_of = _struct_fields if structs else _dict_fields
        principal_of = self._raw_principal if structs else self._dict_principal
        event_of, region_of, micros_of = self._event, self._region, self._micros
        events, regions = self._event_numbers, self._region_numbers
        times, minutes, identities = self._times, self._minutes, self._identities
        add_principal, add_event = into.principals.append, into.events.append
        add_micros, add_region = into.micros.append, into.regions.append
        skipped = malformed = 0
        for record in records:
            fields = fields_of(record)
            if fields is None:
                malformed += 1
                continue
            event_type, identity, event_time, source, name, region = fields
            if event_type is not None and event_type != "AwsApiCall":
                if type(event_type) is str:
                    skipped += 1
                else:
                    malformed += 1
                continue
            if structs:  # a userIdentity's JSON text: each distinct one is judged once
                principal = identities.get(bytes(identity))  # type: ignore[call-overload]
                if principal is None:
                    principal = principal_of(identity)
            else:
                principal = principal_of(identity)
            if principal == _SKIPPED:
                skipped += 1
                continue
            if type(name) is str and type(source) is str:
                event = events.get((source, name))
                if event is None:
                    event = event_of(source, name)
            else:
                event = _INVALID
            region_id = regions.get(region) if type(region) is str else _INVALID
            if region_id is None:
                region_id = region_of(region)
            # CloudTrail's own "2026-09-11T15:26:19Z": its minute once, then the seconds.
            micros = None
            if type(event_time) is str:
                if len(event_time) == 20 and event_time[19] == "Z":
                    micros = minutes.get(event_time[:16])
                    if micros is not None:
                        seconds = _SECONDS.get(event_time[16:19])
                        micros = None if seconds is None else micros + seconds
                if micros is None:
                    micros = times.get(event_time, _MISSING)  # type: ignore[arg-type]
                    if micros is _MISSING:
                        micros = micros_of(event_time)
            if event < 0 or region_id < 0 or micros is None or principal < 0:
                malformed += 1
                continue
            add_principal(principal)
            add_event(event)
            add_micros(micros)  # type: ignore[arg-type]
            add_region(region_id)
        into.skipped += skipped
        into.malformed += malformed

    def _raw_principal(self, raw: Any) -> int:
        """The principal of a userIdentity given as its JSON text (msgspec.Raw)."""
        text = bytes(raw)
        found = self._identities.get(text)
        if found is None:
            try:
                identity = json.loads(text) if text else None
            except ValueError:  # msgspec read it as JSON; json would have refused the file
                identity = None
            found = self._dict_principal(identity)
            if len(self._identities) >= _CACHE_SIZE:
                self._identities.clear()
            self._identities[text] = found
        return found

    def _dict_principal(self, identity: Any) -> int:
        arn = _principal_arn(identity)
        if type(arn) is int:
            return arn
        found = self._arn_numbers.get(arn)  # type: ignore[arg-type]
        if found is None:
            found = self._arn_numbers[arn] = len(self.arns)  # type: ignore[index]
            self.arns.append(arn)  # type: ignore[arg-type]
        return found

    def _event(self, source: str, name: str) -> int:
        resolved = _event_actions(source, name)
        found = _INVALID
        if resolved is not None:
            found = len(self.events)
            self.events.append(resolved)
        self._event_numbers[(source, name)] = found
        return found

    def _region(self, region: Any) -> int:
        if type(region) is not str:
            return _INVALID
        try:
            checked = check_region(region)
        except MockConfigurationError:
            found = _INVALID
        else:
            found = len(self.regions)
            self.regions.append(checked)
        self._region_numbers[region] = found
        return found

    def _micros(self, event_time: str) -> int | None:
        """Microseconds since the epoch of an eventTime; records of one log share many."""
        if _CLOUDTRAIL_TIME.match(event_time):
            # CloudTrail's own form: its day is parsed once, its minute serves every later
            # time of that minute. What the day's arithmetic would not check (hour 24,
            # minute or second 60, a date that does not exist) is the general parse's.
            day = self._days.get(event_time[:10], _MISSING)
            if day is _MISSING:
                day = self._day(event_time[:10])
            hours, minutes = int(event_time[11:13]), int(event_time[14:16])
            if day is not None and hours < 24 and minutes < 60 and event_time[17] < "6":
                if len(self._minutes) >= _TIME_CACHE_SIZE:
                    self._minutes.clear()
                minute = self._minutes[event_time[:16]] = (
                    day + hours * 3_600_000_000 + minutes * 60_000_000  # type: ignore[operator]
                )
                return minute + _SECONDS[event_time[16:19]]
        found = self._times.get(event_time, _MISSING)
        if found is _MISSING:
            try:
                found = micros_since_epoch(_parse_time(event_time))
            except ValueError:
                found = None
            if len(self._times) >= _TIME_CACHE_SIZE:
                self._times.clear()
            self._times[event_time] = found
        return found  # type: ignore[return-value]

    def _day(self, date: str) -> int | None:
        """Microseconds since the epoch of a day's start ("2026-09-11"), None if no day."""
        try:
            found: int | None = micros_since_epoch(_parse_time(date + "T00:00:00Z"))
        except ValueError:
            found = None
        if len(self._days) >= _TIME_CACHE_SIZE:
            self._days.clear()
        self._days[date] = found
        return found


def scan_file(
    path: Path,
    decoder: str,
    scanner: Scanner,
    each_batch: Callable[[Scanned], None] | None = None,
) -> Scanned | None:
    """A log file's records, judged by ``scanner`` without the world; raises
    CloudTrailFileError for a broken file. More than ``BUFFERED_RECORDS`` records are not
    held: the file is then only checked to its end, and None returned. With ``each_batch``,
    each batch is handed to it as it is read, and not checked first (the caller did)."""
    fast = decoder == "msgspec"
    if fast and msgspec is None:
        raise MockConfigurationError("the msgspec decoder needs msgspec (pip install msgspec)")
    try:
        return _scan_file(path, fast, scanner, each_batch)
    except OSError as error:  # gone since it was listed, unreadable, not a file
        raise CloudTrailFileError(path, f"cannot be read ({error.strerror or error})") from error


def _scan_file(
    path: Path, fast: bool, scanner: Scanner, each_batch: Callable[[Scanned], None] | None
) -> Scanned | None:
    scanned: Scanned | None = Scanned()
    try:
        with _open(path) as stream:
            for batch, structs in _Stream(path, stream, fast).batches():
                if scanned is None:
                    continue  # checking only
                scanner.scan(batch, structs, scanned)
                if each_batch is not None:
                    each_batch(scanned)
                    scanned = Scanned()
                elif len(scanned) > BUFFERED_RECORDS:
                    scanned = None
    except _NotStreamable:
        scanned = Scanned()
        scanner.scan(read_log_file(path), False, scanned)
        if each_batch is not None:
            each_batch(scanned)
    return scanned


class TableMaps:
    """From one scanner's table numbers to the loader's (negative: what it is not); one per
    scanner, which numbers the distinct values of every file it reads."""

    __slots__ = ("events", "principals", "regions")

    def __init__(self) -> None:
        self.principals: list[int] = []
        self.events: list[int] = []
        self.regions: list[int] = []


class _Pending:
    """Records resolved and not yet applied: principal, event, time, region."""

    __slots__ = ("events", "malformed", "micros", "principals", "regions", "skipped", "unknown")

    def __init__(self) -> None:
        self.principals = array("I")
        self.events = array("I")
        self.micros = array("q")
        self.regions = array("H")
        self.skipped = self.unknown = self.malformed = 0

    def __len__(self) -> int:
        return len(self.micros)


class RecordLoader:
    """Takes CloudTrail records into the index: what a scanner found, each distinct principal,
    event and region resolved once per load. Applied under ``world.lock``."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._index: ActivityIndex = world.activity
        # Principals and events get a number each, an index into these lists.
        # (account id, entity) of each number.
        self._entity_keys: list[tuple[str, str]] = []
        self._entity_numbers: dict[tuple[str, str], int] = {}
        self._principals: dict[str, int] = {}  # ARN -> number or _UNKNOWN/_MALFORMED
        self._event_table: list[tuple[str, tuple[str, ...]]] = []
        self._events: dict[tuple[str, tuple[str, ...]], int] = {}
        self._regions: dict[str, int] = {}
        # The latest time known not to be after the clock's now (see _in_future).
        self._not_after: int | None = None
        self._scanner, self._maps = Scanner(), TableMaps()  # for what is read in this process
        self._held = _Pending()  # resolved records of files known good, not yet handed over
        self.taken = self.skipped = self.unknown = self.malformed = 0

    def result(self, files: int = 0) -> CloudTrailLoad:
        return CloudTrailLoad(self.taken, self.skipped, self.unknown, self.malformed, files)

    # ---- the sources ----------------------------------------------------------------------------
    def take(self, records: Iterable[Any]) -> None:
        """Record dicts (any iterable), applied as they come, in bounded batches."""
        batch: list[Any] = []
        for record in records:
            batch.append(record)
            if len(batch) == 65_536:
                self._take_batch(batch)
                batch.clear()
        self._take_batch(batch)

    def _take_batch(self, batch: list[Any]) -> None:
        scanned = Scanned()
        self._scanner.scan(batch, False, scanned)
        self._take(self._scanner.tables(), self._maps, scanned)

    def take_file(self, path: Path, decoder: str) -> None:
        """One log file, read here: every record is applied, or (it raises) none."""
        scanned = scan_file(path, decoder, self._scanner)
        if scanned is None:  # too many to hold: the file is known good, read it again
            scan_file(path, decoder, self._scanner, self._take_batch_scanned)
        else:
            self._take(self._scanner.tables(), self._maps, scanned)

    def _take_batch_scanned(self, scanned: Scanned) -> None:
        self._take(self._scanner.tables(), self._maps, scanned)

    def take_scanned(self, tables: Tables, maps: TableMaps, scanned: Scanned) -> None:
        """What a scanner elsewhere (a worker process) found in a file, with its tables and
        this loader's maps for them."""
        self._take(tables, maps, scanned)

    def _take(self, tables: Tables, maps: TableMaps, scanned: Scanned) -> None:
        """Resolve what a whole file (or a batch of one known good) holds; handed to the
        index a few tens of thousands of records at a time, and at ``finish``."""
        with self._world.lock:
            self._resolve(tables, scanned, maps, self._held)
            if len(self._held) >= _APPLIED_AT_ONCE:
                self._apply(self._held)
                self._held = _Pending()

    def finish(self) -> None:
        """Hand the index what is held: at the end of a load, or before its error is raised
        (the files before a broken one stay loaded)."""
        with self._world.lock:
            self._apply(self._held)
            self._held = _Pending()

    # ---- resolving: the caller holds world.lock --------------------------------------------------
    def _resolve(
        self, tables: Tables, scanned: Scanned, maps: TableMaps, pending: _Pending
    ) -> None:
        """Scanned records in the loader's numbers, appended to ``pending``; the records of
        unknown users and roles, and those dated after the clock's now, counted there."""
        arns, events, regions = tables
        principal_map, event_map, region_map = maps.principals, maps.events, maps.regions
        for arn in arns[len(principal_map) :]:
            principal_map.append(self._principal(arn))
        for event in events[len(event_map) :]:
            event_map.append(self._event(event))
        for region in regions[len(region_map) :]:
            region_map.append(self._region(region))
        pending.skipped += scanned.skipped
        pending.malformed += scanned.malformed
        if not scanned:
            return
        latest = max(scanned.micros)
        if (
            min(principal_map, default=0) >= 0
            and min(event_map, default=0) >= 0
            and min(region_map, default=0) >= 0
            and not self._in_future(latest)
        ):  # the usual case: every record is taken, renumbered at C speed
            pending.principals.extend(map(principal_map.__getitem__, scanned.principals))
            pending.events.extend(map(event_map.__getitem__, scanned.events))
            pending.micros.extend(scanned.micros)
            pending.regions.extend(map(region_map.__getitem__, scanned.regions))
            return
        unknown = malformed = 0
        in_future = self._in_future
        for principal_at, event_at, micros, region_at in zip(
            scanned.principals, scanned.events, scanned.micros, scanned.regions
        ):
            principal = principal_map[principal_at]
            event_id, region_id = event_map[event_at], region_map[region_at]
            if principal == _MALFORMED or event_id < 0 or region_id < 0 or in_future(micros):
                malformed += 1
            elif principal == _UNKNOWN:
                unknown += 1
            else:
                pending.principals.append(principal)
                pending.events.append(event_id)
                pending.micros.append(micros)
                pending.regions.append(region_id)
        pending.unknown += unknown
        pending.malformed += malformed

    def _principal(self, arn: str) -> int:
        found = self._principals.get(arn)
        if found is None:
            try:
                key = resolve_principal(self._world, arn)
            except UnknownPrincipalError:
                found = _UNKNOWN
            except MockConfigurationError:
                found = _MALFORMED
            else:
                found = self._entity_numbers.get(key)
                if found is None:
                    found = self._entity_numbers[key] = len(self._entity_keys)
                    self._entity_keys.append(key)
            self._principals[arn] = found
        return found

    def _event(self, event: tuple[str, tuple[str, ...]]) -> int:
        found = self._events.get(event)
        if found is None:
            namespace, names = event
            namespace = self._index.namespace(namespace)
            keys = tuple(self._index.action_key(namespace, action) for action in names)
            found = self._events[event] = len(self._event_table)
            self._event_table.append((namespace, keys))
        return found

    def _region(self, region: str) -> int:
        found = self._regions.get(region)
        if found is None:
            try:
                found = self._index.region_id(region)
            except MockConfigurationError:  # more distinct regions than the index numbers
                found = _INVALID
            self._regions[region] = found
        return found

    def _in_future(self, micros: int) -> bool:
        """True if ``micros`` is after the mock clock's now: CloudTrail delivers past events
        only, so such a record is malformed. The clock is read again only when a time
        passes the last reading, as a clock that follows real time moves on."""
        limit = self._not_after
        if limit is None or micros > limit:
            limit = self._not_after = micros_since_epoch(self._world.clock.now())
        return micros > limit

    def _apply(self, pending: _Pending) -> None:
        """Hand resolved records to the index: each principal's positions in them, in the
        order recorded, deferred until that principal is read; the caller holds world.lock."""
        count = len(pending)
        principals = pending.principals
        accesses = (pending.events, pending.micros, pending.regions)
        for first in range(0, count, _APPLIED_AT_ONCE):
            last = min(first + _APPLIED_AT_ONCE, count)
            # A stable sort by principal: each one's records stay in the order recorded.
            order = memoryview(array("I", sorted(range(first, last), key=principals.__getitem__)))
            start = 0
            for number, size in sorted(Counter(principals[first:last]).items()):
                end = start + size
                self._index.defer(
                    *self._entity_keys[number], self._event_table, accesses, order[start:end]
                )
                start = end
        self.taken += count
        self.skipped += pending.skipped
        self.unknown += pending.unknown
        self.malformed += pending.malformed


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
        from .cloudtrail_workers import load_files  # it builds on this module

        files = log_files(Path(source))
        try:
            load_files(loader, files, DECODER)
        finally:
            loader.finish()
        return loader.result(files=len(files))
    records: Iterable[Any]
    if isinstance(source, Mapping):
        records = records_of(source, "the given log document")
    elif isinstance(source, (bytes, bytearray)) or not isinstance(source, Iterable):
        raise TypeError(
            "source must be a path to a CloudTrail log file or folder, a {'Records': [...]} dict "
            f"or an iterable of record dicts, got {type(source).__name__}"
        )
    else:
        records = source
    try:
        loader.take(records)
    finally:
        loader.finish()
    return loader.result()
