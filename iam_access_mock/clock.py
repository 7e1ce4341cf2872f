"""The mock clock: the only place that reads the time of day.

By default it follows real UTC time through ``datetime.now`` so that freezegun and
time-machine move it; ``set`` pins it and ``advance`` moves it forward.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


def utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime; naive datetimes are taken as UTC."""
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class Clock:
    """Mock time: real UTC time plus an offset, or a pinned instant."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pinned: datetime | None = None
        self._offset = timedelta(0)

    def now(self) -> datetime:
        pinned = self._pinned
        if pinned is not None:
            return pinned
        return datetime.now(timezone.utc) + self._offset

    def set(self, when: datetime) -> None:
        """Pin the clock at ``when`` (naive datetimes are UTC) until ``follow_real_time``."""
        when = utc(when)
        with self._lock:
            self._pinned = when

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward (or back, with a negative delta)."""
        if not isinstance(delta, timedelta):
            raise TypeError(f"expected a timedelta, got {type(delta).__name__}")
        with self._lock:
            if self._pinned is not None:
                self._pinned = self._pinned + delta
            else:
                self._offset += delta

    def follow_real_time(self) -> None:
        """Unpin the clock: it follows real UTC time again, with no offset."""
        with self._lock:
            self._pinned = None
            self._offset = timedelta(0)
