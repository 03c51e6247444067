"""The store for audit and identity tests: an SQLite file in tmp_path, and PostgreSQL when one answers.

PostgreSQL (`PERMISSIONS_PG_URL`, default the local test server) gets a fresh schema per test,
dropped afterwards; without a server those cases skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.store import Database

PG_URL = os.environ.get("PERMISSIONS_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@dataclass(frozen=True)
class Store:
    """Where a test's database lives; `connect()` opens it (again), schema up to date."""

    url: str
    schema: str | None = None

    def connect(self) -> AbstractAsyncContextManager[Database]:
        return Database.connect(self.url, schema=self.schema)


async def _drop_schema(store: Store) -> None:
    database = Database.from_url(store.url)
    try:
        async with database.transaction() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{store.schema}" CASCADE'))
    finally:
        await database.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        yield Store(f"sqlite:///{tmp_path / 'bot.db'}")
        return
    found = Store(PG_URL, schema=f"permissions_{uuid.uuid4().hex[:12]}")
    try:
        async with found.connect():
            pass
    except Exception as exc:  # no server, no driver, no rights: the SQLite case still runs
        pytest.skip(f"PostgreSQL unavailable at {PG_URL}: {exc}")
    try:
        yield found
    finally:
        await _drop_schema(found)


@pytest.fixture
async def db(store: Store) -> AsyncIterator[Database]:
    async with store.connect() as opened:
        yield opened
