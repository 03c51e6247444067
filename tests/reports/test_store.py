"""The reports a channel keeps, and the one read the Home tab makes: `channel_reports`."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.reports.schedule import Cadence, Schedule
from bot.reports.store import ReportStore, channel_reports
from bot.store import Database

UTC = ZoneInfo("UTC")
NOW = dt.datetime(2027, 3, 24, 12, 0, tzinfo=dt.UTC).timestamp()


async def test_the_home_tab_reads_every_report_of_the_persons_channels(db: Database, reports: ReportStore) -> None:
    daily = Schedule(Cadence.DAILY, at=dt.time(9), tz=UTC)
    weekly = Schedule(Cadence.WEEKLY, at=dt.time(8, 30), tz=ZoneInfo("Europe/Berlin"), weekday=4)
    first = await reports.add("CB", "web", daily, created_by="U1", now=NOW)
    second = await reports.add("CA", None, weekly, created_by="U1", now=NOW)
    await reports.add("CZ", "api", daily, created_by="U1", now=NOW)

    found = await channel_reports(db, ["CA", "CB", "CNONE"])
    assert [(r.channel_id, r.id) for r in found] == [("CA", second.id), ("CB", first.id)]
    assert [r.when for r in found] == ["weekly on fri at 08:30 Europe/Berlin", "daily at 09:00 UTC"]
    assert found[0].next_run == dt.datetime(2027, 3, 26, 8, 30, tzinfo=ZoneInfo("Europe/Berlin")).timestamp()
    assert await channel_reports(db, []) == []


async def test_a_channel_cannot_remove_or_read_another_channels_report(reports: ReportStore) -> None:
    report = await reports.add("CA", "web", Schedule(Cadence.DAILY, at=dt.time(9), tz=UTC), created_by="U1", now=NOW)
    assert await reports.remove("CB", report.id) is None
    assert await reports.get("CB", report.id) is None
    assert (await reports.remove("CA", report.id)) == report
    assert await reports.of_channel("CA") == []
