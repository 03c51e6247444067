"""A Slack event is handled once: the first replica to record its `event_id` wins, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.store import Database
from bot.store.events import SEEN_EVENT_TTL, SeenEvents
from tests.store.support import BOTH, PG_URL, pg_schema, sqlite_url


@asynccontextmanager
async def two_replicas(kind: str, tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    """Two processes' stores on one database, as two replicas of the bot have them."""
    if kind == "sqlite":
        async with Database.connect(sqlite_url(tmp_path)) as a, Database.connect(sqlite_url(tmp_path)) as b:
            yield a, b
        return
    async with (
        pg_schema() as schema,
        Database.connect(PG_URL, schema=schema) as a,
        Database.connect(PG_URL, schema=schema) as b,
    ):
        yield a, b


@pytest.mark.parametrize("kind", BOTH)
async def test_a_redelivered_event_is_new_to_no_replica(kind: str, tmp_path: Path):
    async with two_replicas(kind, tmp_path) as (a, b):
        first, again = SeenEvents(a), SeenEvents(b)
        assert await first.first_sighting("Ev0001", now=1000.0) is True
        # Slack's retries: immediately, after 1 minute, after 5 minutes, to whichever replica.
        for delay in (0.0, 60.0, 300.0):
            assert await again.first_sighting("Ev0001", now=1000.0 + delay) is False
            assert await first.first_sighting("Ev0001", now=1000.0 + delay) is False
        assert await again.first_sighting("Ev0002", now=1400.0) is True


@pytest.mark.parametrize("kind", BOTH)
async def test_deliveries_arriving_together_are_handled_by_exactly_one(kind: str, tmp_path: Path):
    async with two_replicas(kind, tmp_path) as (a, b):
        replicas = [SeenEvents(a), SeenEvents(b)] * 4
        answers = await asyncio.gather(*(r.first_sighting("Ev0003", now=1000.0) for r in replicas))
        assert sorted(answers) == [False] * 7 + [True]


@pytest.mark.parametrize("kind", BOTH)
async def test_ids_expire_long_after_slacks_last_retry(kind: str, tmp_path: Path):
    async with two_replicas(kind, tmp_path) as (a, _b):
        seen = SeenEvents(a)
        assert await seen.first_sighting("Ev0004", now=1000.0)
        assert SEEN_EVENT_TTL > 300.0
        # A later event's insert clears the expired row, so the table stays small.
        assert await seen.first_sighting("Ev0005", now=1000.0 + SEEN_EVENT_TTL + 1)
        assert await seen.first_sighting("Ev0004", now=1000.0 + SEEN_EVENT_TTL + 2)
