"""The alert worker runs the report tick: a due report reaches Slack through the alert senders."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts import AlertWorker
from bot.alerts.plan import REPORT_EVENT
from bot.reports.schedule import Cadence, Schedule
from bot.reports.store import ReportStore
from bot.sentry import SentryClient
from bot.store import Database
from tests.alerts.harness import BOT_TOKEN, FAST, text_of
from tests.fakes import FakeSlack

BERLIN = ZoneInfo("Europe/Berlin")


async def test_the_worker_posts_a_due_report_once_marked_as_a_report(
    db: Database, sentry: SentryClient, fake_slack: FakeSlack
) -> None:
    now = dt.datetime(2027, 3, 29, 9, 1, tzinfo=BERLIN).timestamp()
    await ReportStore(db).add(
        "C0REPORTS1", "web", Schedule(Cadence.DAILY, at=dt.time(9), tz=BERLIN), created_by="U1", now=now - 3600
    )
    slack = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url, timeout=5)
    async with AlertWorker(db, slack, config=FAST, sentry=sentry, clock=lambda: now, report_every=0.05):
        await fake_slack.wait_for("chat.postMessage", count=1, timeout=10)
    (report,) = await ReportStore(db).of_channel("C0REPORTS1")
    assert report.next_run == dt.datetime(2027, 3, 30, 9, 0, tzinfo=BERLIN).timestamp()
    (post,) = fake_slack.calls_to("chat.postMessage", ok=True)
    assert post["channel"] == "C0REPORTS1"
    assert post["metadata"]["event_type"] == REPORT_EVENT
    assert "Sun 28 Mar 09:00 – Mon 29 Mar 09:00" in text_of(post)
