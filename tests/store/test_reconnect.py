"""A PostgreSQL connection that died in the pool (a restart, a failover): noticed by a ping after a
quiet spell, else by the one operation that meets it; either way the next operation works."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

import bot.store.database as database
from bot.store import Database
from tests.store.support import PG_URL, pg_schema


@pytest.fixture
async def pg() -> AsyncIterator[Database]:
    async with pg_schema() as schema, Database.connect(PG_URL, schema=schema) as db:
        yield db


async def kill_pooled_connection(db: Database) -> None:
    async with db.read() as conn:
        pid = await conn.scalar(text("SELECT pg_backend_pid()"))
    admin = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()
    await asyncio.sleep(0.1)  # the backend is gone once the server has processed the signal


async def answer(db: Database) -> int | None:
    async with db.transaction() as conn:
        return await conn.scalar(text("SELECT 1"))


async def test_a_connection_that_died_while_idle_is_replaced_before_use(
    pg: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "IDLE_PING_AFTER", 0.0)
    await kill_pooled_connection(pg)

    assert await answer(pg) == 1  # the ping found it dead; the pool handed out a fresh one


async def test_a_connection_that_died_under_load_fails_one_operation_only(
    pg: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "IDLE_PING_AFTER", 3600.0)  # busy: no connection is ever pinged
    await kill_pooled_connection(pg)

    with pytest.raises(SQLAlchemyError):
        await answer(pg)
    assert await answer(pg) == 1  # the disconnect invalidated the pool
