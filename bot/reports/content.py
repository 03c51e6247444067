"""A report's content for one period, read from Sentry in a handful of calls.

    content = await build_report(sentry, report, report.schedule.period_ending(end))

Sentry calls per report: 7, plus 1 (`get_project`, cached) to turn a project slug into the id the
organization endpoints filter by:
- `event_totals` twice: events and distinct users of the period, and of the one before;
- `org_stats` once: accepted errors over the period in buckets (1 h daily, 6 h weekly), the chart;
- `list_issues` four times: new issues (up to 100 counted, the five most frequent shown),
  regressions, the most frequent unresolved issues and the resolved ones seen in the period.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.reports.models import Report, ReportContent, ReportIssue
from bot.reports.schedule import Cadence, Period
from bot.sentry.client import SentryClient
from bot.sentry.models import Issue

__all__ = ["CALLS_PER_REPORT", "TOP", "build_report"]

TOP = 5  # issues shown per section
NEW_COUNTED = 100  # new issues counted at most (one page of Sentry's issue index)
CALLS_PER_REPORT = 7
_INTERVAL = {Cadence.DAILY: "1h", Cadence.WEEKLY: "6h"}
# Sentry lists only issues seen within `statsPeriod` of now (and counts their events in it): wide
# enough that the period's own date filters decide, the same whenever the report is built.
_STATS_PERIOD = {Cadence.DAILY: "14d", Cadence.WEEKLY: "30d"}


def _search_time(epoch: float) -> str:
    """A time in Sentry's search syntax (`firstSeen:>=2027-03-27T08:00:00`, read as UTC)."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _param_time(epoch: float) -> str:
    return _search_time(epoch) + "Z"


def _issue(issue: Issue) -> ReportIssue:
    return ReportIssue(
        id=issue.id,
        short_id=issue.short_id,
        title=issue.title or issue.culprit or "",
        permalink=issue.permalink,
        level=issue.level,
        status=issue.status,
        count=issue.count,
        users=issue.user_count,
    )


async def build_report(sentry: SentryClient, report: Report, period: Period, *, late: bool = False) -> ReportContent:
    """What `report` shows for `period` (see the module docstring for the calls made)."""
    ids: list[int] = []
    if report.project is not None:
        ids = [int((await sentry.get_project(report.project)).id)]
    start, end = _search_time(period.start), _search_time(period.end)
    # No upper bound on lastSeen: an issue seen in the period and again since still belongs.
    seen = f"lastSeen:>={start}"
    stats_period = _STATS_PERIOD[report.cadence]
    current, before, stats = await asyncio.gather(
        sentry.event_totals(start=_param_time(period.start), end=_param_time(period.end), projects=ids),
        sentry.event_totals(start=_param_time(period.previous_start), end=_param_time(period.start), projects=ids),
        sentry.org_stats(
            field="sum(quantity)",
            group_by=("category",),
            stats_period=None,
            interval=_INTERVAL[report.cadence],
            start=_param_time(period.start),
            end=_param_time(period.end),
            project=[str(i) for i in ids],
            category="error",
            outcome="accepted",
        ),
    )
    new, regressed, frequent, resolved = await asyncio.gather(
        sentry.list_issues(
            query=f"firstSeen:>={start} firstSeen:<{end}",
            projects=ids,
            sort="freq",
            stats_period=stats_period,
            limit=NEW_COUNTED,
        ),
        sentry.list_issues(
            query=f"is:regressed {seen}", projects=ids, sort="freq", stats_period=stats_period, limit=TOP
        ),
        sentry.list_issues(
            query=f"is:unresolved {seen}", projects=ids, sort="freq", stats_period=stats_period, limit=TOP
        ),
        sentry.list_issues(
            query=f"is:resolved {seen}", projects=ids, sort="date", stats_period=stats_period, limit=TOP
        ),
    )
    series: list[tuple[int, int]] = []
    if stats.groups:
        counts = stats.groups[0].series.get("sum(quantity)", [])
        buckets = [(int(at.timestamp()), int(n)) for at, n in zip(stats.intervals, counts, strict=False)]
        # Sentry starts the first bucket on the interval (06:00 UTC for a 08:00 start): leave out
        # the one that began before the period, whose events are mostly the period before's.
        series = [(at, n) for at, n in buckets if at >= period.start] or buckets
    return ReportContent(
        report_id=report.id,
        project=report.project,
        cadence=report.cadence,
        tz=report.tz,
        start=period.start,
        end=period.end,
        events=current.events,
        events_before=before.events,
        users=current.users,
        users_before=before.users,
        new_count=len(new),
        new_more=new.next_cursor is not None and len(new) >= NEW_COUNTED,
        new_top=[_issue(i) for i in new.items[:TOP]],
        regressions=[_issue(i) for i in regressed],
        frequent=[_issue(i) for i in frequent],
        resolved=[_issue(i) for i in resolved],
        series=series,
        late=late,
        counts_period=stats_period,
    )
