"""One pagination helper for every list operation, with opaque, stable markers.

A marker names a position in a sorted listing and is bound to the operation and to the
request's other parameters (a digest of them), so a marker replayed against another
operation, job or filter is detected. Markers are plain base64 of JSON, identical across
processes (no ``hash()``).
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from . import bounded_json
from .errors import ServiceError, ValidationError

T = TypeVar("T")

_MAX_MARKER = 320
_MAX_MARKER_DEPTH = 4  # [digest, position]: position is a key, or a list of keys


class MarkerScopeMismatch(Exception):
    """The marker is well formed but belongs to another listing."""


def _digest(scope: Any) -> str:
    text = json.dumps(scope, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def encode_marker(scope: Any, position: Any) -> str:
    raw = json.dumps([_digest(scope), position], separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii")


def decode_marker(marker: str, scope: Any) -> Any:
    """The position a marker names; ValueError if garbage, MarkerScopeMismatch if foreign."""
    try:
        raw = base64.urlsafe_b64decode(marker.encode("ascii"))
        # A position is a sort key: a list of keys (lists of strings) at most.
        digest, position = bounded_json.loads(raw, max_depth=_MAX_MARKER_DEPTH)
    except Exception as exc:  # any undecodable text is simply an invalid marker
        raise ValueError(marker) from exc
    if not isinstance(digest, str):
        raise ValueError(marker)  # noqa: TRY004 - a bad marker is a bad value, not a bad type
    if digest != _digest(scope):
        raise MarkerScopeMismatch(marker)
    return position


def invalid_marker(marker: str) -> ServiceError:
    if marker == "" or any(not (" " <= ch <= "\u00ff") for ch in marker):
        return ValidationError(
            "The specified value for marker is invalid. It must contain only printable ASCII characters."
        )
    return ValidationError("Invalid Marker.")


def _position(marker: str, scope: Any, foreign_marker: Callable[[], ServiceError] | None) -> Any:
    """The position a marker holds, or AWS's error for a garbage or foreign marker."""
    try:
        return decode_marker(marker, scope)
    except MarkerScopeMismatch:
        raise (foreign_marker() if foreign_marker else invalid_marker(marker)) from None
    except ValueError:
        raise invalid_marker(marker) from None


def marker_index(
    marker: str | None,
    scope: Any,
    size: int,
    foreign_marker: Callable[[], ServiceError] | None = None,
) -> int:
    """The index an index-marker points at (0 without a marker), with AWS's marker errors."""
    if marker is None:
        return 0
    position = _position(marker, scope, foreign_marker)
    if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position <= size:
        raise invalid_marker(marker)
    return position


def paginate(
    items: Sequence[T],
    *,
    marker: str | None,
    max_items: int | None,
    scope: Any,
    default_page: int = 100,
    key: Callable[[T], Hashable] | None = None,
    foreign_marker: Callable[[], ServiceError] | None = None,
) -> tuple[list[T], str | None]:
    """One page of ``items`` and the marker for the next page (None when it is the last).

    With ``key`` (items sorted by it), the marker holds the last key returned, so a listing
    that changes between pages neither repeats nor skips the items that stayed; without it,
    the marker holds an index (for frozen listings such as reports).
    """
    start = 0
    if key is None:
        start = marker_index(marker, scope, len(items), foreign_marker)
    elif marker is not None:
        position = _position(marker, scope, foreign_marker)
        keys = [_comparable(key(item)) for item in items]
        try:
            start = bisect.bisect_right(keys, _comparable(position))
        except TypeError:
            raise invalid_marker(marker) from None
    size = default_page if max_items is None else max_items
    page = list(items[start : start + size])
    end = start + len(page)
    if end >= len(items):
        return page, None
    if key is None:
        return page, encode_marker(scope, end)
    next_marker = encode_marker(scope, _comparable(key(page[-1])))
    if len(next_marker) > _MAX_MARKER:
        raise AssertionError("sort key too long for a marker")
    return page, next_marker


def _comparable(value: Any) -> Any:
    # JSON turns tuples into lists: compare both sides as lists.
    return list(value) if isinstance(value, tuple) else value
