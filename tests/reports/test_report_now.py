"""`/sentry report now <id>` posts what the schedule posts for the same period."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands import registry
from bot.commands.context import Ctx, Services
from bot.commands.dispatch import Dispatcher
from bot.identity import Identity
from bot.reports.schedule import Cadence, Schedule
from bot.reports.store import ReportStore
from bot.sentry import SentryClient
from bot.settings import Settings
from bot.store import Database
from tests.reports.conftest import DeploymentOf

OWNER = "alice@acme.example"  # an owner of the sample organization


class OneUser:
    async def email_of(self, user_id: str) -> str | None:
        return OWNER


def as_slack_keeps_it(blocks: list[dict[str, Any]]) -> Any:
    return json.loads(json.dumps(blocks))


async def test_report_now_shows_what_the_schedule_posted_for_the_same_period(
    db: Database, sentry: SentryClient, reports: ReportStore, deployment: DeploymentOf
) -> None:
    now = time.time()
    # A daily report whose time of day was five minutes ago, in New York: its tick has just passed.
    tz = ZoneInfo("America/New_York")
    at = (dt.datetime.fromtimestamp(now, tz) - dt.timedelta(minutes=5)).time().replace(second=0, microsecond=0)
    report = await reports.add(
        "C0REPORTS1", None, Schedule(Cadence.DAILY, at=at, tz=tz), created_by="UALICE", now=now - 86400
    )
    bot = deployment(db, start=now)
    await bot.step(now)
    (scheduled,) = bot.posts

    services = Services(
        settings=Settings(_env_file=None),  # type: ignore[call-arg]
        sentry=sentry,
        identity=Identity(sentry=sentry, directory=OneUser()),
        store=db,
    )
    ctx = Ctx(
        services=services, user_id="UALICE", channel_id="C0REPORTS1", now=dt.datetime.fromtimestamp(now + 60, dt.UTC)
    )
    asked = await Dispatcher(registry).run(f"report now {report.id}", ctx)

    assert asked.in_channel
    assert as_slack_keeps_it(asked.message["blocks"]) == scheduled["blocks"]
    assert asked.message["text"] == scheduled["text"]


async def test_report_now_of_another_channels_report_says_how_to_list_this_channels(
    db: Database, sentry: SentryClient, reports: ReportStore
) -> None:
    now = time.time()
    report = await reports.add(
        "CELSEWHERE", "web", Schedule(Cadence.DAILY, at=dt.time(9), tz=ZoneInfo("UTC")), created_by="U1", now=now
    )
    services = Services(
        settings=Settings(_env_file=None),  # type: ignore[call-arg]
        sentry=sentry,
        identity=Identity(sentry=sentry, directory=OneUser()),
        store=db,
    )
    ctx = Ctx(services=services, user_id="UALICE", channel_id="C0REPORTS1", now=dt.datetime.now(dt.UTC))
    answer = await Dispatcher(registry).run(f"report now {report.id}", ctx)
    assert not answer.in_channel
    assert answer.message["text"].startswith(f"⚠️ This channel has no report #{report.id}.")
    assert "/sentry reports" in answer.message["text"]
