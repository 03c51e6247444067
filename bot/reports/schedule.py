"""When a report runs and which period it covers: local wall-clock times in an IANA zone (`zoneinfo`).

    schedule = Schedule(Cadence.DAILY, at=dt.time(9, 0), tz=ZoneInfo("Europe/Berlin"))
    end = schedule.last_at_or_before(now)      # the latest 09:00 Berlin that has passed
    period = schedule.period_ending(end)       # from the 09:00 before it, 23, 24 or 25 hours earlier
    schedule.next_after(now)                   # the next 09:00 Berlin, whatever the offset then

Ticks are computed per local date, so a daylight-saving change moves the UTC time of a tick, never
the local one. A local time a spring-forward skips (02:30 on the last Sunday of March in Berlin)
runs at the instant that time would have been before the change (03:30 summer time); a time an
autumn change repeats runs once, at its first occurrence.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["DAYS", "Cadence", "Period", "Schedule", "parse_at", "parse_day", "parse_tz"]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HH_MM = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
# Far enough to always find the next (or previous) weekly tick, even across a change of offset.
_LOOK_DAYS = 9


class Cadence(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


@dataclass(frozen=True)
class Period:
    """A report's period, `start` (inclusive) to `end` (exclusive), and the one before it, as epoch seconds."""

    start: float
    end: float
    previous_start: float


@dataclass(frozen=True)
class Schedule:
    cadence: Cadence
    at: dt.time
    tz: ZoneInfo
    weekday: int | None = None  # weekly: 0 = Monday; None for daily

    def _ticks(self, around: float, days: range) -> Iterator[float]:
        """The ticks of the local dates around `around`, in order."""
        today = dt.datetime.fromtimestamp(around, self.tz).date()
        for offset in days:
            day = today + dt.timedelta(days=offset)
            if self.cadence is Cadence.WEEKLY and day.weekday() != self.weekday:
                continue
            yield dt.datetime.combine(day, self.at, tzinfo=self.tz).timestamp()

    def next_after(self, t: float) -> float:
        """The first tick after `t` (strictly)."""
        return next(tick for tick in self._ticks(t, range(-1, _LOOK_DAYS)) if tick > t)

    def last_at_or_before(self, t: float) -> float:
        """The latest tick at or before `t`."""
        return next(tick for tick in self._ticks(t, range(1, -_LOOK_DAYS, -1)) if tick <= t)

    def period_ending(self, end: float) -> Period:
        """The period that ends at the tick `end`: from the tick before it."""
        start = self.last_at_or_before(end - 1)
        return Period(start=start, end=end, previous_start=self.last_at_or_before(start - 1))


def parse_at(raw: str) -> dt.time:
    """`--at HH:MM` (24-hour clock)."""
    match = _HH_MM.fullmatch(raw.strip())
    if match is None:
        raise ValueError(f"`{raw[:20]}` is not a time of day: write it HH:MM on the 24-hour clock, like 09:00")
    return dt.time(int(match[1]), int(match[2]))


def parse_tz(raw: str) -> ZoneInfo:
    """`--tz Area/City`: an IANA time zone name."""
    try:
        return ZoneInfo(raw.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # ValueError: a key zoneinfo refuses outright (`../x`, an absolute path).
        raise ValueError(
            f"`{raw[:40]}` is not a time zone I know: give an IANA name, like Europe/Berlin or America/New_York"
        ) from None


def parse_day(raw: str) -> int:
    """`--day mon`: the weekday of a weekly report (0 = Monday)."""
    day = raw.strip().lower()[:3]
    if day not in DAYS or not raw.strip().lower().startswith(day):
        raise ValueError(f"`{raw[:20]}` is not a day: give one of {', '.join(DAYS)}")
    return DAYS.index(day)
