from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import Database
from tests.store.support import PG_URL, pg_schema, sqlite_url


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """The store on SQLite, then on PostgreSQL (a schema of its own)."""
    if request.param == "sqlite":
        async with Database.connect(sqlite_url(tmp_path)) as database:
            yield database
        return
    async with pg_schema() as schema, Database.connect(PG_URL, schema=schema) as database:
        yield database
