"""The store: URLs, schema creation and versions, readiness, and the dialect helpers the queues rely on."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text

from bot.settings import ConfigError
from bot.store import Database, database_url, migrations
from bot.store.alerts import dedupe_keys
from tests.store.support import sqlite_url

ALERT_TABLES = {
    "webhook_outbox",
    "dedupe_keys",
    "subscriptions",
    "hook_secrets",
    "slack_channels",
    "deliveries",
    "alert_messages",
    "digests",
}


@pytest.mark.parametrize(
    ("raw", "driver"),
    [
        ("sqlite:///sentry-bot.db", "sqlite+aiosqlite"),
        ("sqlite:////var/lib/bot/bot.db", "sqlite+aiosqlite"),
        ("postgresql://bot:pw@db/bot", "postgresql+asyncpg"),
        ("postgres://bot@db/bot", "postgresql+asyncpg"),
    ],
)
def test_database_url_picks_the_async_driver(raw: str, driver: str) -> None:
    assert database_url(raw).drivername == driver


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("sqlite://", "in-memory"),
        ("sqlite:///:memory:", "in-memory"),
        ("mysql://db/bot", "not supported"),
        ("not a url", "not a URL"),
        ("postgresql://", "names no PostgreSQL database"),
        ("postgresql://bot:pw@db.example.com:5432", "names no PostgreSQL database"),
        ("postgresql://bot@db.example.com/", "names no PostgreSQL database"),
    ],
)
def test_database_url_refuses_in_plain_words(raw: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        database_url(raw)


async def test_connect_creates_every_table_at_the_newest_revision(db: Database) -> None:
    async with db.read() as conn:
        tables = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
        revision = await conn.scalar(text("SELECT version_num FROM alembic_version"))
    assert tables >= {*ALERT_TABLES, "alembic_version"}
    assert "schema_version" not in tables
    assert revision == migrations.head()
    assert await db.ping()


async def test_connecting_again_keeps_data(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    async with Database.connect(url) as db, db.transaction() as conn:
        await conn.execute(dedupe_keys.insert().values(key="k", created_at=1.0))
    async with Database.connect(url) as db, db.read() as conn:
        assert await conn.scalar(select(func.count()).select_from(dedupe_keys)) == 1


async def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    async with Database.connect(sqlite_url(tmp_path)) as db, db.read() as conn:
        assert await conn.scalar(text("PRAGMA journal_mode")) == "wal"
        assert await conn.scalar(text("PRAGMA busy_timeout")) > 0


async def test_insert_ignore_reports_a_repeat(db: Database) -> None:
    async with db.transaction() as conn:
        first = await conn.execute(db.insert(dedupe_keys).values(key="k", created_at=1.0).on_conflict_do_nothing())
        again = await conn.execute(db.insert(dedupe_keys).values(key="k", created_at=2.0).on_conflict_do_nothing())
    assert (first.rowcount, again.rowcount) == (1, 0)


async def test_an_unreachable_database_is_a_config_error_without_the_password() -> None:
    with pytest.raises(ConfigError, match="cannot open the database") as err:
        async with Database.connect("postgresql://bot:hunter2@127.0.0.1:9/bot"):
            pass
    assert "hunter2" not in str(err.value)


async def test_ping_is_false_when_the_database_is_gone(tmp_path: Path) -> None:
    db = Database.from_url("postgresql://bot@127.0.0.1:9/bot")
    try:
        assert not await db.ping()
    finally:
        await db.close()
