from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import Database
from tests.alerts.harness import FAKE_MIN_GAP, Pipeline
from tests.fakes import FakeSlack
from tests.store.support import sqlite_url


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database.connect(sqlite_url(tmp_path)) as database:
        yield database


@pytest.fixture
async def pipeline(fake_slack: FakeSlack, db: Database) -> AsyncIterator[Pipeline]:
    """The pipeline on SQLite, posting to a fake Slack that refuses calls faster than Slack allows."""
    fake_slack.enforce_rate("chat.postMessage", per_channel_per_second=1 / FAKE_MIN_GAP)
    async with Pipeline.start(fake_slack, db) as started:
        yield started
