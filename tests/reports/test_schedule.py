"""Schedule math: local wall-clock ticks in any IANA zone, one per local day (or week)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.reports.schedule import Cadence, Schedule, parse_at, parse_day, parse_tz

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "America/St_Johns", "UTC"]
HOURS = 3600

schedules = st.builds(
    Schedule,
    cadence=st.sampled_from(list(Cadence)),
    at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    tz=st.sampled_from(ZONES).map(ZoneInfo),
    weekday=st.integers(0, 6),
).map(lambda s: s if s.cadence is Cadence.WEEKLY else Schedule(s.cadence, at=s.at, tz=s.tz))
moments = st.integers(int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()), 1_861_920_000).map(float)


@given(schedules, moments)
def test_the_next_tick_is_the_first_after_now_and_falls_on_the_local_time(schedule: Schedule, now: float) -> None:
    tick = schedule.next_after(now)
    assert tick > now
    assert schedule.last_at_or_before(tick - 1) <= now, "a tick was skipped between now and the next"
    local = dt.datetime.fromtimestamp(tick, schedule.tz)
    wall = dt.datetime.combine(local.date(), schedule.at, tzinfo=schedule.tz)
    # The local time itself, or (when a spring-forward skips it) the instant it would have been.
    assert tick == wall.timestamp()
    if schedule.cadence is Cadence.WEEKLY:
        assert wall.weekday() == schedule.weekday


@given(schedules, moments)
def test_a_period_runs_from_the_tick_before_and_is_one_local_day_or_week(schedule: Schedule, now: float) -> None:
    end = schedule.last_at_or_before(now)
    period = schedule.period_ending(end)
    assert period.previous_start < period.start < period.end == end <= now
    days = 7 if schedule.cadence is Cadence.WEEKLY else 1
    # A change of offset makes a period shorter or longer by at most an hour (30 min at Lord Howe).
    assert abs((period.end - period.start) - days * 24 * HOURS) <= HOURS
    assert schedule.next_after(period.start) == period.end


def test_nine_in_berlin_is_eight_utc_in_winter_and_seven_in_summer() -> None:
    schedule = Schedule(Cadence.DAILY, at=dt.time(9), tz=ZoneInfo("Europe/Berlin"))
    saturday = schedule.next_after(dt.datetime(2027, 3, 27, 0, 0, tzinfo=dt.UTC).timestamp())
    sunday = schedule.next_after(saturday)
    assert [dt.datetime.fromtimestamp(t, dt.UTC).isoformat() for t in (saturday, sunday)] == [
        "2027-03-27T08:00:00+00:00",
        "2027-03-28T07:00:00+00:00",
    ]
    assert schedule.period_ending(sunday).start == saturday
    assert sunday - saturday == 23 * HOURS


def test_a_time_the_spring_change_skips_runs_once_that_day_an_hour_later_on_the_clock() -> None:
    schedule = Schedule(Cadence.DAILY, at=dt.time(2, 30), tz=ZoneInfo("Europe/Berlin"))
    tick = schedule.next_after(dt.datetime(2027, 3, 28, 0, 0, tzinfo=dt.UTC).timestamp())
    assert dt.datetime.fromtimestamp(tick, schedule.tz).strftime("%d %H:%M %Z") == "28 03:30 CEST"
    assert dt.datetime.fromtimestamp(schedule.next_after(tick), schedule.tz).strftime("%d %H:%M") == "29 02:30"


def test_a_time_the_autumn_change_repeats_runs_once() -> None:
    schedule = Schedule(Cadence.DAILY, at=dt.time(2, 30), tz=ZoneInfo("Europe/Berlin"))
    first = schedule.next_after(dt.datetime(2027, 10, 30, 12, 0, tzinfo=dt.UTC).timestamp())
    second = schedule.next_after(first)
    assert dt.datetime.fromtimestamp(first, schedule.tz).strftime("%d %H:%M %Z") == "31 02:30 CEST"
    assert second - first == 25 * HOURS


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("Mars/Base", "`Mars/Base` is not a time zone I know: give an IANA name, like Europe/Berlin"),
        ("../etc/passwd", "`../etc/passwd` is not a time zone I know"),
        ("", "`` is not a time zone I know"),
    ],
)
def test_an_unknown_time_zone_says_what_to_give(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        parse_tz(raw)


def test_times_and_days_as_typed() -> None:
    assert [parse_at("9:05"), parse_at("23:59"), parse_at("00:00")] == [dt.time(9, 5), dt.time(23, 59), dt.time(0)]
    assert [parse_day(d) for d in ("mon", "Tuesday", "SUN")] == [0, 1, 6]
    for bad in ("24:00", "9", "09:60", "nine"):
        with pytest.raises(ValueError, match="24-hour clock"):
            parse_at(bad)
    for bad in ("moon", "tu", "x"):
        with pytest.raises(ValueError, match="is not a day"):
            parse_day(bad)
