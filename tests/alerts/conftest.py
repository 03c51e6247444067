from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import Database
from tests.alerts.harness import FAKE_MIN_GAP, Pipeline
from tests.fakes import FakeSlack
from tests.store.support import BOTH, connected


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with connected("sqlite", tmp_path) as database:
        yield database


@pytest.fixture(params=BOTH)
async def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """The store on SQLite, then on PostgreSQL (`db` is SQLite only, for the pipeline tests)."""
    async with connected(request.param, tmp_path) as database:
        yield database


@pytest.fixture
async def pipeline(fake_slack: FakeSlack, db: Database) -> AsyncIterator[Pipeline]:
    """The pipeline on SQLite, posting to a fake Slack that refuses calls faster than Slack allows."""
    fake_slack.enforce_rate("chat.postMessage", per_channel_per_second=1 / FAKE_MIN_GAP)
    async with Pipeline.start(fake_slack, db) as started:
        yield started
