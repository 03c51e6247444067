"""The schedule as it runs: once per period, at local time across daylight saving, one late post
after downtime, and the same report whether scheduled or asked for."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.reports.runner import LATE_AFTER
from bot.reports.schedule import Cadence, Schedule
from bot.reports.store import ReportStore
from bot.store import Database
from tests.alerts.harness import text_of
from tests.reports.conftest import DeploymentOf

BERLIN = ZoneInfo("Europe/Berlin")
NINE = dt.time(9, 0)
STEP = 600.0  # the worker looks every 30 s; ten minutes keeps the test short and still shows the hour


def berlin(*args: int) -> float:
    return dt.datetime(*args, tzinfo=BERLIN).timestamp()


def local(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, BERLIN)


def steps(start: float, end: float, every: float = STEP) -> list[float]:
    return [start + i * every for i in range(int((end - start) // every) + 1)]


async def test_a_daily_report_in_berlin_posts_once_a_day_at_nine_local_across_the_march_change(
    db: Database, reports: ReportStore, deployment: DeploymentOf
) -> None:
    start = berlin(2027, 3, 25, 12, 0)  # the change is on Sunday 28 March 2027 at 02:00 local
    report = await reports.add(
        "C0REPORTS1", "web", Schedule(Cadence.DAILY, at=NINE, tz=BERLIN), created_by="U100", now=start
    )
    bot = deployment(db, start=start)
    for now in steps(start, berlin(2027, 3, 31, 12, 0)):
        await bot.step(now)

    posted = [local(t) for t in bot.posted_at]
    assert [p.date() for p in posted] == [dt.date(2027, 3, d) for d in range(26, 32)]
    assert all(dt.time(9, 0) <= p.time() < dt.time(9, 10) for p in posted), posted
    utc_hours = [dt.datetime.fromtimestamp(t, dt.UTC).hour for t in bot.posted_at]
    assert utc_hours == [8, 8, 7, 7, 7, 7], "09:00 Berlin is 08:00 UTC in winter, 07:00 in summer"
    # Each post covers the day before it, the 23-hour day of the change as well.
    periods = [
        "Thu 25 Mar 09:00 – Fri 26 Mar 09:00",
        "Fri 26 Mar 09:00 – Sat 27 Mar 09:00",
        "Sat 27 Mar 09:00 – Sun 28 Mar 09:00",
        "Sun 28 Mar 09:00 – Mon 29 Mar 09:00",
        "Mon 29 Mar 09:00 – Tue 30 Mar 09:00",
        "Tue 30 Mar 09:00 – Wed 31 Mar 09:00",
    ]
    assert [period in text_of(post) for period, post in zip(periods, bot.posts, strict=True)] == [True] * 6
    assert all(f"report #{report.id}" in text_of(p) and "Late" not in text_of(p) for p in bot.posts)


async def test_after_six_hours_down_the_missed_period_is_posted_once_saying_it_is_late(
    db: Database, reports: ReportStore, deployment: DeploymentOf
) -> None:
    start = berlin(2027, 3, 28, 3, 0)  # summer time already
    await reports.add("C0REPORTS1", "web", Schedule(Cadence.DAILY, at=NINE, tz=BERLIN), created_by="U100", now=start)
    bot = deployment(db, start=start)
    for now in steps(start, berlin(2027, 3, 28, 6, 0)):
        await bot.step(now)
    assert bot.posts == []
    # Down from 06:00 to 12:00: the 09:00 tick passes unseen.
    for now in steps(berlin(2027, 3, 28, 12, 0), berlin(2027, 3, 28, 23, 50)):
        await bot.step(now)

    (late,) = bot.posts
    assert local(bot.posted_at[0]) == local(berlin(2027, 3, 28, 12, 0))
    assert "Late: this period ended at Sun 28 Mar 09:00" in text_of(late)
    assert "Sat 27 Mar 09:00 – Sun 28 Mar 09:00" in text_of(late)
    # The next day is on time again.
    for now in steps(berlin(2027, 3, 29, 8, 50), berlin(2027, 3, 29, 9, 30)):
        await bot.step(now)
    assert len(bot.posts) == 2 and "Late" not in text_of(bot.posts[1])


async def test_three_days_down_collapse_into_one_late_post_of_the_last_period(
    db: Database, reports: ReportStore, deployment: DeploymentOf
) -> None:
    start = berlin(2027, 3, 20, 10, 0)
    await reports.add("C0REPORTS1", None, Schedule(Cadence.DAILY, at=NINE, tz=BERLIN), created_by="U100", now=start)
    bot = deployment(db, start=start)
    back = berlin(2027, 3, 23, 15, 0)
    for now in steps(back, back + 6 * 3600):
        await bot.step(now)
    (late,) = bot.posts
    assert "Mon 22 Mar 09:00 – Tue 23 Mar 09:00" in text_of(late) and "Late" in text_of(late)


async def test_a_post_a_minute_after_its_tick_is_not_late(
    db: Database, reports: ReportStore, deployment: DeploymentOf
) -> None:
    tick = berlin(2027, 3, 29, 9, 0)
    await reports.add(
        "C0REPORTS1", "web", Schedule(Cadence.DAILY, at=NINE, tz=BERLIN), created_by="U100", now=tick - 60
    )
    bot = deployment(db, start=tick)
    await bot.step(tick + LATE_AFTER - 60)
    assert len(bot.posts) == 1 and "Late" not in text_of(bot.posts[0])


async def test_the_chart_of_the_period_goes_into_the_reports_thread_after_it(
    db: Database, reports: ReportStore, deployment: DeploymentOf
) -> None:
    tick = berlin(2027, 3, 29, 9, 0)
    await reports.add("C0REPORTS1", "web", Schedule(Cadence.DAILY, at=NINE, tz=BERLIN), created_by="U1", now=tick - 60)
    bot = deployment(db, start=tick)
    for now in steps(tick + 60, tick + 1800):
        await bot.step(now)

    (post,) = bot.posts
    (chart,) = bot.fake.shared_files("C0REPORTS1")
    (posted_ts,) = [ts for channel, ts in bot.fake.messages if channel == "C0REPORTS1"]
    assert chart.thread_ts == posted_ts
    assert chart.content is not None and chart.content.startswith(b"\x89PNG")
    assert chart.title == "Events · web · Sun 28 Mar 09:00 – Mon 29 Mar 09:00"
    assert "Sun 28 Mar 09:00 – Mon 29 Mar 09:00" in text_of(post)


async def test_a_chart_slack_refuses_leaves_the_report_and_the_channel_as_they_are(
    db: Database, reports: ReportStore, deployment: DeploymentOf
) -> None:
    tick = berlin(2027, 3, 29, 9, 0)
    await reports.add("C0REPORTS1", "web", Schedule(Cadence.DAILY, at=NINE, tz=BERLIN), created_by="U1", now=tick - 60)
    bot = deployment(db, start=tick)
    # Posting works through chat:write.public, but files need the bot in the channel.
    bot.fake.not_member_of.add("C0REPORTS1")
    for now in steps(tick + 60, tick + 1800):
        await bot.step(now)
    assert len(bot.posts) == 1 and bot.fake.shared_files() == []
    # The next day's report is posted all the same.
    for now in steps(tick + 86400, tick + 86400 + 1200):
        await bot.step(now)
    assert len(bot.posts) == 2
