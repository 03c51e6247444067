"""Reports against the Sentry stand-in (its sample organization), a store, and the fake Slack."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.sender import Sender
from bot.reports.runner import ReportRunner
from bot.reports.store import ReportStore
from bot.sandbox import run_sandbox, seed_state
from bot.sentry import ReadCache, SentryClient
from bot.store import Database
from tests.alerts.harness import BOT_TOKEN, FAST
from tests.fakes import FakeSlack
from tests.store.support import connected

TOKEN = "sntrys_reports"


@pytest.fixture
async def sentry() -> AsyncIterator[SentryClient]:
    """A client of the Sentry stand-in, no cache (every report reads afresh)."""
    state = seed_state()
    state.auth_token = TOKEN
    async with run_sandbox(state) as url, aiohttp.ClientSession() as session:
        yield SentryClient(base_url=url, token=TOKEN, org="acme", session=session, cache=ReadCache(ttl=0))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with connected("sqlite", tmp_path) as database:
        yield database


@dataclass
class Clock:
    """The time every part of the test reads: moved by the test, never by the wall clock."""

    now: float

    def __call__(self) -> float:
        return self.now


@dataclass
class Deployment:
    """One replica's report tick and sender, sharing one clock: `step(now)` runs a tick at `now`
    and then sends what it queued, recording when each post went out."""

    db: Database
    fake: FakeSlack
    clock: Clock
    runner: ReportRunner
    sender: Sender
    posted_at: list[float] = field(default_factory=list)

    async def step(self, now: float) -> None:
        self.clock.now = now
        await self.runner.tick(now)
        while await self.sender.turn():
            pass
        posts = self.fake.count("chat.postMessage", ok=True)
        self.posted_at += [now] * (posts - len(self.posted_at))

    @property
    def posts(self) -> list[dict[str, Any]]:
        return self.fake.calls_to("chat.postMessage", ok=True)


DeploymentOf = Callable[..., Deployment]


@pytest.fixture
def deployment(fake_slack: FakeSlack, sentry: SentryClient) -> DeploymentOf:
    def make(db: Database, *, owner: str = "replica-1", start: float = 0.0) -> Deployment:
        clock = Clock(start)
        slack = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url, timeout=5)
        sender = Sender(db, slack, config=FAST, owner=owner, clock=clock)
        return Deployment(db, fake_slack, clock, ReportRunner(db, sentry, owner=owner), sender)

    return make


@pytest.fixture
def reports(db: Database) -> ReportStore:
    return ReportStore(db)
