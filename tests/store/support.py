"""Databases for tests: a SQLite file per test, and a PostgreSQL schema per test.

PostgreSQL is `TEST_DATABASE_URL` (default: the local server, user postgres, database test).
When it does not answer, its tests skip saying why; under CI=true they fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

from bot.store import Database

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")

# The `params` of a fixture that gives a test both databases, one after the other.
BOTH = ["sqlite", "postgresql"]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1")


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'bot.db'}"


@asynccontextmanager
async def pg_schema() -> AsyncIterator[str]:
    """A fresh schema name on PG_URL for one test (pass it as `Database.connect(url, schema=...)`);
    dropped afterwards, so parallel runs never share tables."""
    dsn = PG_URL.replace("postgresql+asyncpg://", "postgresql://")
    try:
        conn = await asyncpg.connect(dsn, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        reason = f"PostgreSQL at {PG_URL} is not answering ({exc}); set TEST_DATABASE_URL to run these tests"
        if in_ci():
            pytest.fail(f"CI=true: {reason}", pytrace=False)
        pytest.skip(reason)
    schema = f"test_{uuid.uuid4().hex[:12]}"
    try:
        yield schema
    finally:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.close()


@asynccontextmanager
async def connected(kind: str, tmp_path: Path) -> AsyncIterator[Database]:
    """The store on a SQLite file in `tmp_path` ("sqlite"), or in a PostgreSQL schema of its own."""
    if kind == "sqlite":
        async with Database.connect(sqlite_url(tmp_path)) as database:
            yield database
        return
    async with pg_schema() as schema, Database.connect(PG_URL, schema=schema) as database:
        yield database
