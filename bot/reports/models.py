"""What a report is (`Report`, a row of the `reports` table) and what it says (`ReportContent`)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from bot.reports.schedule import DAYS, Cadence, Schedule

__all__ = ["Report", "ReportContent", "ReportIssue"]


class Report(BaseModel):
    """One scheduled report of a channel."""

    id: int
    channel_id: str
    project: str | None  # None: every project
    cadence: Cadence
    at_minute: int
    tz: str
    weekday: int | None
    next_run: float
    created_by: str

    @classmethod
    def from_row(cls, row: Any) -> Report:
        return cls.model_validate(dict(row._mapping))

    @property
    def schedule(self) -> Schedule:
        at = dt.time(self.at_minute // 60, self.at_minute % 60)
        return Schedule(self.cadence, at=at, tz=ZoneInfo(self.tz), weekday=self.weekday)

    @property
    def when(self) -> str:
        """`daily at 09:00 Europe/Berlin`, `weekly on mon at 08:30 UTC`."""
        at = f"{self.at_minute // 60:02d}:{self.at_minute % 60:02d}"
        day = f" on {DAYS[self.weekday]}" if self.cadence is Cadence.WEEKLY and self.weekday is not None else ""
        return f"{self.cadence}{day} at {at} {self.tz}"


class ReportIssue(BaseModel):
    """An issue as a report lists it."""

    id: str
    short_id: str | None = None
    title: str = ""
    permalink: str | None = None
    level: str | None = None
    status: str | None = None
    count: int | None = None
    users: int | None = None


class ReportContent(BaseModel):
    """Everything one report shows, fetched from Sentry for one period (stored with its delivery)."""

    report_id: int
    project: str | None
    cadence: Cadence
    tz: str
    start: float
    end: float
    events: int
    events_before: int
    users: int
    users_before: int
    new_count: int
    new_more: bool  # more new issues than were counted
    new_top: list[ReportIssue]
    regressions: list[ReportIssue]
    frequent: list[ReportIssue]
    resolved: list[ReportIssue]
    series: list[tuple[int, int]]  # events over the period: (bucket start, count)
    late: bool = False
    counts_period: str = "14d"  # the window of each listed issue's events and users (Sentry's statsPeriod)

    @property
    def empty(self) -> bool:
        return not (self.events or self.new_count or self.regressions or self.frequent or self.resolved)
