"""Two replicas on one PostgreSQL database: each period of a report is posted once.

Each replica has its own connection pool (as a process of its own would), its own report runner
and sender; they tick at the same instants, so both see every report due at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy import select

from bot.reports.runner import CLAIM_FOR, ReportRunner
from bot.reports.schedule import Cadence, Schedule
from bot.reports.store import ReportStore
from bot.sentry import ReadCache, SentryClient
from bot.store import Database
from bot.store.reports import reports
from tests.alerts.harness import text_of
from tests.reports.conftest import DeploymentOf
from tests.store.support import PG_URL, pg_schema

BERLIN = ZoneInfo("Europe/Berlin")
CHANNELS = ("C0CHANNEL1", "C0CHANNEL2", "C0CHANNEL3", "C0CHANNEL4")


def berlin(*args: int) -> float:
    return dt.datetime(*args, tzinfo=BERLIN).timestamp()


async def test_two_replicas_post_each_report_once_a_period(deployment: DeploymentOf) -> None:
    start = berlin(2027, 3, 26, 8, 0)
    async with (
        pg_schema() as schema,
        Database.connect(PG_URL, schema=schema) as first,
        Database.connect(PG_URL, schema=schema) as second,
    ):
        store = ReportStore(first)
        for channel in CHANNELS:
            for project in ("web", None):
                await store.add(
                    channel, project, Schedule(Cadence.DAILY, at=dt.time(9), tz=BERLIN), created_by="U1", now=start
                )
        replicas = [deployment(first, owner="replica-1", start=start), deployment(second, owner="replica-2")]
        now = start
        while now < berlin(2027, 3, 29, 10, 0):
            await asyncio.gather(*(r.step(now) for r in replicas))
            now += 300

    posts = replicas[0].posts  # one fake Slack: every post of both replicas
    assert len(posts) == len(CHANNELS) * 2 * 4, "eight reports, four mornings (26 to 29 March)"
    seen = [(p["channel"], text_of(p).split("\n")[1], text_of(p).split("\n")[3]) for p in posts]
    assert len(set(seen)) == len(seen), "a report was posted twice for one period"


async def test_a_replica_that_cannot_build_leaves_the_period_to_the_other_once_its_claim_runs_out(
    deployment: DeploymentOf,
) -> None:
    tick = berlin(2027, 3, 29, 9, 0)
    async with (
        pg_schema() as schema,
        Database.connect(PG_URL, schema=schema) as first,
        Database.connect(PG_URL, schema=schema) as second,
        aiohttp.ClientSession() as session,
    ):
        await ReportStore(first).add(
            "C0CHANNEL1", "web", Schedule(Cadence.DAILY, at=dt.time(9), tz=BERLIN), created_by="U1", now=tick - 3600
        )
        # Replica 1 claims the report, but Sentry does not answer it (nothing listens on port 9).
        unreachable = SentryClient(
            base_url="http://127.0.0.1:9/", token="t", org="acme", session=session, cache=ReadCache(ttl=0)
        )
        stuck = ReportRunner(first, unreachable, owner="replica-1")
        assert await stuck.tick(tick + 60) == 0
        healthy = deployment(second, owner="replica-2")
        await healthy.step(tick + 120)
        assert healthy.posts == [], "the claim still holds"
        await healthy.step(tick + 60 + CLAIM_FOR + 1)
        await healthy.step(tick + 60 + CLAIM_FOR + 301)

    (post,) = healthy.posts
    assert "Sun 28 Mar 09:00 – Mon 29 Mar 09:00" in text_of(post)


async def test_a_report_another_replica_is_claiming_is_skipped_not_waited_for(deployment: DeploymentOf) -> None:
    tick = berlin(2027, 3, 29, 9, 0)
    async with (
        pg_schema() as schema,
        Database.connect(PG_URL, schema=schema) as first,
        Database.connect(PG_URL, schema=schema) as second,
    ):
        report = await ReportStore(first).add(
            "C0CHANNEL1", "web", Schedule(Cadence.DAILY, at=dt.time(9), tz=BERLIN), created_by="U1", now=tick - 3600
        )
        other = deployment(second, owner="replica-2")
        async with first.transaction() as conn:
            # Replica 1 is in the middle of its claim: it holds the row's lock.
            await conn.execute(select(reports).where(reports.c.id == report.id).with_for_update())
            # A tick that waited for the lock would never return while it is held.
            queued = await asyncio.wait_for(other.runner.tick(tick + 60), timeout=10)
        assert queued == 0
        await other.step(tick + 120)
    assert len(other.posts) == 1
