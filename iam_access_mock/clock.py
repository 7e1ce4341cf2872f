"""The mock clock: the only place that reads the time of day.

By default it follows real UTC time through ``datetime.now`` (looked up at each call, so
freezegun's and time-machine's patches move it); ``set`` pins it, ``advance`` moves it,
``follow_real_time`` lets it go again.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any

from .errors import MockConfigurationError

# The real class, kept for isinstance checks: freezegun swaps this module's ``datetime``
# for a subclass while it is active, and real datetimes must still be accepted then.
_DATETIME = datetime

# The times the mock represents, clock and recorded accesses alike. From the epoch: the
# json protocol renders times as epoch seconds, and botocore cannot read negative ones on
# every platform. To the end of 2254: the activity index hands times out as float epoch
# seconds (LastAccess.timestamp), which hold every microsecond only below 2**53 us, in
# mid-2255 (later, a use at 23:59:59.999999 would read back as the next day).
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2254, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc)
TIME_RANGE = "1970-01-01T00:00:00Z to 2254-12-31T23:59:59.999999Z"


def utc(value: Any, name: str = "value") -> datetime:
    """Return ``value`` as an aware UTC datetime; naive datetimes are taken as UTC."""
    if not isinstance(value, _DATETIME):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=timezone.utc)
    try:
        return value.astimezone(timezone.utc)
    except OverflowError as error:
        raise ValueError(f"{name} {value!r} is out of range in UTC") from error


def check_in_range(when: datetime, name: str) -> datetime:
    """``when`` (aware, UTC) if the mock can represent it, else a ValueError naming ``name``."""
    if not EARLIEST <= when <= LATEST:
        shown = when.replace(tzinfo=None).isoformat()
        raise MockConfigurationError(
            f"{name}={shown}Z is outside the range the mock represents ({TIME_RANGE})"
        )
    return when


class Clock:
    """Mock time: real UTC time plus an offset, or a pinned instant."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pinned: datetime | None = None
        self._offset = timedelta(0)

    def now(self) -> datetime:
        """The mock's current time, an aware UTC datetime."""
        pinned = self._pinned
        if pinned is not None:
            return pinned
        try:
            return datetime.now(timezone.utc) + self._offset
        except OverflowError as error:
            raise ValueError(f"the clock's offset {self._offset} moves it out of range") from error

    @property
    def pinned(self) -> bool:
        """Whether ``set`` stopped the clock (it no longer follows real time)."""
        return self._pinned is not None

    def set(self, when: datetime) -> None:
        """Pin the clock at ``when`` (naive datetimes are UTC) until ``follow_real_time``.

        ``when`` must be within the range the mock represents (``TIME_RANGE``), else
        ValueError.
        """
        when = check_in_range(utc(when, "when"), "when")
        with self._lock:
            self._pinned = when

    def advance(self, delta: timedelta) -> None:
        """Move the clock by ``delta``: forward, or back with a negative delta.

        A pinned clock stays pinned at the new instant; a running one keeps running,
        ``delta`` ahead of real time. A move that would leave the range the mock represents
        (``TIME_RANGE``) raises ValueError and changes nothing.
        """
        if not isinstance(delta, timedelta):
            raise TypeError(f"delta must be a timedelta, got {type(delta).__name__}")
        with self._lock:
            pinned, offset = self._pinned, self._offset
            try:
                if pinned is not None:
                    pinned = moved = pinned + delta
                else:
                    offset = offset + delta
                    moved = datetime.now(timezone.utc) + offset  # fail here, not in now()
                in_range = EARLIEST <= moved <= LATEST
            except OverflowError:
                in_range = False
            if not in_range:
                raise MockConfigurationError(
                    f"advancing the clock by {delta} moves it out of range: the mock "
                    f"represents {TIME_RANGE}"
                )
            self._pinned, self._offset = pinned, offset

    def follow_real_time(self) -> None:
        """Unpin the clock: it follows real UTC time again, with no offset."""
        with self._lock:
            self._pinned = None
            self._offset = timedelta(0)

    def __repr__(self) -> str:
        if self._pinned is not None:
            return f"<Clock pinned at {self._pinned.isoformat()}>"
        return f"<Clock following real time, offset {self._offset}>"
