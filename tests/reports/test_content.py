"""What a report reads from Sentry, and how often: seven calls, eight with a project slug to resolve."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.reports.content import CALLS_PER_REPORT, build_report
from bot.reports.models import Report
from bot.reports.schedule import Cadence
from bot.sandbox import SandboxState, run_sandbox, seed_state
from bot.sentry import ReadCache, SentryClient

TOKEN = "sntrys_content"


@pytest.fixture
async def sandbox() -> AsyncIterator[tuple[SandboxState, str, aiohttp.ClientSession]]:
    state = seed_state()
    state.auth_token = TOKEN
    async with run_sandbox(state) as url, aiohttp.ClientSession() as session:
        yield state, url, session


def report(project: str | None, cadence: Cadence = Cadence.DAILY) -> Report:
    return Report(
        id=7,
        channel_id="C0REPORTS1",
        project=project,
        cadence=cadence,
        at_minute=9 * 60,
        tz="Europe/Berlin",
        weekday=0 if cadence is Cadence.WEEKLY else None,
        next_run=0.0,
        created_by="U1",
    )


@pytest.mark.parametrize(("project", "calls"), [("web", CALLS_PER_REPORT + 1), (None, CALLS_PER_REPORT)])
async def test_a_report_costs_seven_sentry_calls_and_none_again_while_cached(sandbox, project, calls) -> None:
    state, url, session = sandbox
    sentry = SentryClient(base_url=url, token=TOKEN, org="acme", session=session, cache=ReadCache(ttl=600))
    wanted = report(project)
    schedule = wanted.schedule
    period = schedule.period_ending(schedule.last_at_or_before(dt.datetime.now(dt.UTC).timestamp()))

    cold = await build_report(sentry, wanted, period)
    assert len(state.requests) == calls
    assert Counter(r.path.rsplit("/", 2)[-2] for r in state.requests)["issues"] == 4
    warm = await build_report(sentry, wanted, period)
    assert len(state.requests) == calls, "the same report again is answered from the cache"
    assert warm == cold


async def test_a_report_compares_with_the_period_before_and_charts_the_period(sandbox) -> None:
    _, url, session = sandbox
    sentry = SentryClient(base_url=url, token=TOKEN, org="acme", session=session, cache=ReadCache(ttl=0))
    weekly = report(None, Cadence.WEEKLY)
    now = dt.datetime.now(ZoneInfo("Europe/Berlin")).timestamp()
    period = weekly.schedule.period_ending(weekly.schedule.last_at_or_before(now))
    content = await build_report(sentry, weekly, period)
    assert period.end - period.start >= 7 * 86400 - 3600
    assert content.events > 0 and content.events_before > 0
    assert 0 < content.users <= content.events
    assert len(content.series) == 28, "six-hour buckets over a week"
    assert sum(n for _, n in content.series) == pytest.approx(content.events, rel=0.2)
