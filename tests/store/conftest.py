from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import Database
from tests.store.support import BOTH, connected


@pytest.fixture(params=BOTH)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """The store on SQLite, then on PostgreSQL (a schema of its own)."""
    async with connected(request.param, tmp_path) as database:
        yield database
