"""The mock clock: ``aws.clock.now()``, ``set``, ``advance``, ``follow_real_time``."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import boto3
import pytest

import iam_access_mock.clock as clock_module
from iam_access_mock.clock import Clock
from iam_access_mock.handle import AccessMock

T0 = datetime(2026, 9, 11, 15, 26, 19, tzinfo=timezone.utc)


def test_follows_real_utc_time_by_default(access_mock: AccessMock) -> None:
    before = datetime.now(timezone.utc)
    now = access_mock.clock.now()
    after = datetime.now(timezone.utc)
    assert before <= now <= after
    assert now.utcoffset() == timedelta(0)
    assert not access_mock.clock.pinned


def test_set_pins_the_clock(access_mock: AccessMock) -> None:
    access_mock.clock.set(T0)
    assert access_mock.clock.now() == T0
    assert access_mock.clock.now() == T0
    assert access_mock.clock.pinned


def test_set_takes_naive_datetimes_as_utc_and_converts_other_zones(access_mock: AccessMock) -> None:
    access_mock.clock.set(datetime(2026, 9, 11, 15, 26, 19))
    assert access_mock.clock.now() == T0
    assert access_mock.clock.now().tzinfo == timezone.utc
    access_mock.clock.set(datetime(2026, 9, 11, 10, 26, 19, tzinfo=timezone(timedelta(hours=-5))))
    assert access_mock.clock.now() == T0
    assert access_mock.clock.now().tzinfo == timezone.utc


def test_advance_moves_a_pinned_clock(access_mock: AccessMock) -> None:
    access_mock.clock.set(T0)
    access_mock.clock.advance(timedelta(days=2, minutes=3))
    assert access_mock.clock.now() == datetime(2026, 9, 13, 15, 29, 19, tzinfo=timezone.utc)
    access_mock.clock.advance(timedelta(hours=-1))
    assert access_mock.clock.now() == datetime(2026, 9, 13, 14, 29, 19, tzinfo=timezone.utc)


def test_advance_moves_a_running_clock_ahead_of_real_time(access_mock: AccessMock) -> None:
    access_mock.clock.advance(timedelta(days=30))
    before = datetime.now(timezone.utc)
    now = access_mock.clock.now()
    after = datetime.now(timezone.utc)
    assert before + timedelta(days=30) <= now <= after + timedelta(days=30)
    assert not access_mock.clock.pinned


def test_follow_real_time_unpins_and_drops_the_offset(access_mock: AccessMock) -> None:
    access_mock.clock.set(T0)
    access_mock.clock.advance(timedelta(days=1))
    access_mock.clock.follow_real_time()
    before = datetime.now(timezone.utc)
    assert before <= access_mock.clock.now() <= datetime.now(timezone.utc)


def test_reset_lets_the_clock_follow_real_time_again(access_mock: AccessMock) -> None:
    access_mock.clock.set(T0)
    access_mock.reset()
    before = datetime.now(timezone.utc)
    assert before <= access_mock.clock.now() <= datetime.now(timezone.utc)
    assert not access_mock.clock.pinned


def test_iam_timestamps_come_from_the_mock_clock(access_mock: AccessMock) -> None:
    access_mock.clock.set(T0)
    iam = boto3.client("iam")
    assert iam.create_user(UserName="alice")["User"]["CreateDate"] == T0
    access_mock.clock.advance(timedelta(hours=5))
    assert iam.create_user(UserName="bob")["User"]["CreateDate"] == T0 + timedelta(hours=5)


class _FrozenDatetime(datetime):
    """What freezegun puts in a module's ``datetime`` name: a subclass with a fixed now()."""

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        frozen = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
        return frozen if tz is None else frozen.astimezone(tz)


def test_a_patched_datetime_now_moves_the_clock(
    access_mock: AccessMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """freezegun and time-machine patch datetime.now; the clock reads it at each call."""
    monkeypatch.setattr(clock_module, "datetime", _FrozenDatetime)
    assert access_mock.clock.now() == datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    access_mock.clock.advance(timedelta(minutes=1))
    assert access_mock.clock.now() == datetime(2030, 1, 2, 3, 5, 5, tzinfo=timezone.utc)
    # Real datetimes are still accepted while the name is patched.
    access_mock.clock.set(T0)
    assert access_mock.clock.now() == T0


def test_freezegun_moves_the_clock(access_mock: AccessMock) -> None:
    freezegun = pytest.importorskip("freezegun")
    with freezegun.freeze_time("2031-05-06 07:08:09"):
        assert access_mock.clock.now() == datetime(2031, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
        iam = boto3.client("iam")
        created = iam.create_user(UserName="frozen")["User"]["CreateDate"]
        assert created == datetime(2031, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    assert access_mock.clock.now().year < 2031


def test_time_machine_moves_the_clock(access_mock: AccessMock) -> None:
    time_machine = pytest.importorskip("time_machine")
    with time_machine.travel(datetime(2032, 7, 8, 9, 10, 11, tzinfo=timezone.utc), tick=False):
        assert access_mock.clock.now() == datetime(2032, 7, 8, 9, 10, 11, tzinfo=timezone.utc)
        iam = boto3.client("iam")
        created = iam.create_user(UserName="travelled")["User"]["CreateDate"]
        assert created == datetime(2032, 7, 8, 9, 10, 11, tzinfo=timezone.utc)
    assert access_mock.clock.now().year < 2032


@pytest.mark.parametrize("value", ["2026-09-11T15:26:19Z", date(2026, 9, 11), 1789140379, None])
def test_set_needs_a_datetime(access_mock: AccessMock, value: Any) -> None:
    with pytest.raises(TypeError, match=f"when must be a datetime, got {type(value).__name__}"):
        access_mock.clock.set(value)
    assert not access_mock.clock.pinned


@pytest.mark.parametrize("value", [60, 1.5, "1 day", None, T0])
def test_advance_needs_a_timedelta(access_mock: AccessMock, value: Any) -> None:
    access_mock.clock.set(T0)
    with pytest.raises(TypeError, match=f"delta must be a timedelta, got {type(value).__name__}"):
        access_mock.clock.advance(value)
    assert access_mock.clock.now() == T0


def test_advance_out_of_range_raises_value_error_and_changes_nothing(
    access_mock: AccessMock,
) -> None:
    access_mock.clock.set(T0)
    with pytest.raises(ValueError, match="out of range"):
        access_mock.clock.advance(timedelta(days=9_000 * 365))
    assert access_mock.clock.now() == T0
    access_mock.clock.follow_real_time()
    with pytest.raises(ValueError, match="out of range"):
        access_mock.clock.advance(timedelta(days=-3_000 * 365))
    before = datetime.now(timezone.utc)
    assert before <= access_mock.clock.now() <= datetime.now(timezone.utc)


def test_set_out_of_range_in_utc_raises_value_error() -> None:
    clock = Clock()
    edge = datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))  # 0000-12-31 in UTC
    with pytest.raises(ValueError, match="out of range in UTC"):
        clock.set(edge)
    assert not clock.pinned


def test_repr_says_what_the_clock_does() -> None:
    clock = Clock()
    assert repr(clock) == "<Clock following real time, offset 0:00:00>"
    clock.set(T0)
    assert repr(clock) == "<Clock pinned at 2026-09-11T15:26:19+00:00>"
