"""Alembic migrations: a 0.1.0 database upgraded with its data, models and revisions in agreement,
replicas migrating together, `pending()`, and `BOT_AUTO_MIGRATE=off`."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, select, text

from bot.store import Database, metadata, migrations
from bot.store import database as store_database
from bot.store.alerts import alert_messages, deliveries, subscriptions, webhook_outbox
from bot.store.audit import audit_log
from bot.store.identity import identity_overrides
from tests.store.support import BOTH, PG_URL, connected, pg_schema, sqlite_url

RELEASE_0_1_0 = Path(__file__).parent / "release_0_1_0"


def statements(kind: str) -> list[str]:
    """The DDL and rows sentry-bot 0.1.0 wrote into a new database (see the files' headers)."""
    lines = [line for line in (RELEASE_0_1_0 / f"{kind}.sql").read_text().splitlines() if not line.startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


# What people had stored with 0.1.0: a routed alert and its delivery, a subscription, an audit row,
# an identity override. Raw SQL, as 0.1.0's tables took it.
DATA_0_1_0 = [
    "INSERT INTO webhook_outbox (source, resource, action, hook, payload, received_at, routed_at) "
    "VALUES ('sentry_app', 'event_alert', 'triggered', 'inst-1', '{\"data\": {\"event\": {\"title\": \"boom\"}}}', 100.0, 101.0)",
    "INSERT INTO deliveries (outbox_id, channel_id, kind, issue_key, payload, threads, status, created_at, attempts, ts) "
    "VALUES ((SELECT max(id) FROM webhook_outbox), 'C0ALERTS', 'alert', 'issue:42', '{\"text\": \"boom\"}', TRUE, 'sent', 101.0, 1, '1700000000.000100')",
    "INSERT INTO alert_messages (channel_id, issue_key, issue_id, project, ts, alert, alerts, events, escalated, updated_at) "
    "VALUES ('C0ALERTS', 'issue:42', '42', 'web', '1700000000.000100', '{\"title\": \"boom\"}', 1, 1, 0, 101.0)",
    "INSERT INTO subscriptions (channel_id, project, levels, environments, events, threads, created_by, created_at) "
    "VALUES ('C0ALERTS', 'web', '[\"error\"]', '[]', '[\"issue.created\"]', TRUE, 'U0ADMIN', 90.0)",
    "INSERT INTO audit_log (at, slack_user_id, member_email, command, text, target, result) "
    "VALUES (95.0, 'U0ADMIN', 'admin@example.com', 'member remove', 'member remove bob@example.com', 'bob@example.com', 'ok')",
    "INSERT INTO identity_overrides (slack_user_id, email, set_by, set_at) VALUES ('U0BOB', 'bob@example.com', 'U0ADMIN', 96.0)",
]


@asynccontextmanager
async def release_0_1_0(
    kind: str, tmp_path: Path, *, extra: list[str] = DATA_0_1_0
) -> AsyncIterator[tuple[str, str | None]]:
    """A database exactly as sentry-bot 0.1.0 created it, with `extra` statements run after: (url, schema)."""
    if kind == "sqlite":
        url = sqlite_url(tmp_path)
        with sqlite3.connect(tmp_path / "bot.db") as conn:
            for statement in [*statements("sqlite"), *extra]:
                conn.execute(statement)
        yield url, None
        return
    async with pg_schema() as schema:
        conn = await asyncpg.connect(PG_URL)
        try:
            await conn.execute(f'CREATE SCHEMA "{schema}"')
            await conn.execute(f'SET search_path TO "{schema}"')
            for statement in [*statements("postgresql"), *extra]:
                await conn.execute(statement)
        finally:
            await conn.close()
        yield PG_URL, schema


def differences(conn: Connection) -> list[object]:
    """What Alembic's autogenerate would write to bring the database to `metadata` ([] = they agree)."""
    return list(compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata))


def table_names(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


@pytest.mark.parametrize("kind", BOTH)
async def test_a_0_1_0_database_is_upgraded_with_its_data(kind: str, tmp_path: Path) -> None:
    async with release_0_1_0(kind, tmp_path) as (url, schema), Database.connect(url, schema=schema) as db:
        async with db.read() as conn:
            outbox = (await conn.execute(select(webhook_outbox))).mappings().one()
            delivery = (await conn.execute(select(deliveries))).mappings().one()
            message = (await conn.execute(select(alert_messages))).mappings().one()
            subscription = (await conn.execute(select(subscriptions))).mappings().one()
            audit = (await conn.execute(select(audit_log))).mappings().one()
            override = (await conn.execute(select(identity_overrides))).mappings().one()
            tables = await conn.run_sync(table_names)
            revision = await conn.scalar(text("SELECT version_num FROM alembic_version"))
        assert outbox["payload"] == {"data": {"event": {"title": "boom"}}}
        assert (delivery["outbox_id"], delivery["status"], delivery["threads"]) == (outbox["id"], "sent", True)
        assert message["alert"] == {"title": "boom"}
        assert (subscription["project"], subscription["levels"]) == ("web", ["error"])
        assert (audit["command"], audit["result"]) == ("member remove", "ok")
        assert override["email"] == "bob@example.com"
        assert "schema_version" not in tables
        assert revision == migrations.head()
        assert await migrations.pending(db) == []
        # New rows still get ids after the old ones.
        async with db.transaction() as conn:
            new_id = (
                await conn.execute(
                    webhook_outbox.insert().values(
                        source="slack", resource="x", action="y", payload={}, received_at=1.0
                    )
                )
            ).inserted_primary_key[0]
        assert new_id > outbox["id"]


@pytest.mark.parametrize("kind", BOTH)
async def test_the_models_and_the_migrations_agree(kind: str, tmp_path: Path) -> None:
    """A table (or column, index) defined on `metadata` without its revision fails here: see
    bot/store/migrations for the revision to add."""
    async with connected(kind, tmp_path) as db, db.read() as conn:
        assert await conn.run_sync(differences) == []


@pytest.mark.parametrize("kind", BOTH)
async def test_an_upgraded_0_1_0_database_matches_the_models(kind: str, tmp_path: Path) -> None:
    async with (
        release_0_1_0(kind, tmp_path, extra=[]) as (url, schema),
        Database.connect(url, schema=schema) as db,
        db.read() as conn,
    ):
        assert await conn.run_sync(differences) == []


async def test_alembic_keeps_its_version_table_in_the_schema_asked_for(tmp_path: Path) -> None:
    async with pg_schema() as schema, Database.connect(PG_URL, schema=schema) as db, db.read() as conn:
        # Other schemas of the same database (other tests', benchmarks') hold their own version tables.
        found = await conn.scalar(
            text(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_name = 'alembic_version' AND table_schema = :schema"
            ),
            {"schema": schema},
        )
    assert found == 1


@pytest.mark.parametrize("kind", BOTH)
async def test_replicas_starting_together_migrate_once(kind: str, tmp_path: Path) -> None:
    async with pg_schema() if kind == "postgresql" else _no_schema() as schema:
        url = PG_URL if kind == "postgresql" else sqlite_url(tmp_path)
        replicas = [Database.from_url(url, schema=schema) for _ in range(4)]
        try:
            applied = await asyncio.gather(*(replica.migrate() for replica in replicas))
            async with replicas[0].read() as conn:
                versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
        finally:
            for replica in replicas:
                await replica.close()
    # One replica did the work; the others waited for it, then found nothing to do.
    did = [revisions for revisions in applied if revisions]
    assert len(did) == 1
    assert did[0][-1] == migrations.head()
    assert versions == [migrations.head()]


@asynccontextmanager
async def _no_schema() -> AsyncIterator[None]:
    yield None


async def test_pending_names_what_a_database_lacks(tmp_path: Path) -> None:
    empty = Database.from_url(sqlite_url(tmp_path))
    try:
        lacking = await migrations.pending(empty)
        assert lacking[0] == migrations.BASELINE and lacking[-1] == migrations.head()
        await empty.migrate()
        assert await migrations.pending(empty) == []
    finally:
        await empty.close()


async def test_pending_on_a_0_1_0_database_is_the_baseline(tmp_path: Path) -> None:
    async with release_0_1_0("sqlite", tmp_path) as (url, _):
        db = Database.from_url(url)
        try:
            # Adopted at the baseline, which it has already; everything after it is pending.
            lacking = await migrations.pending(db)
            assert lacking[0] == migrations.BASELINE and lacking[-1] == migrations.head()
        finally:
            await db.close()


async def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    async with Database.connect(url) as db, db.transaction() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    with pytest.raises(migrations.SchemaError, match="newer than this sentry-bot"):
        async with Database.connect(url):
            pass


async def test_an_unknown_schema_version_is_refused_not_guessed(tmp_path: Path) -> None:
    bumped = ["UPDATE schema_version SET version = 2 WHERE component = 'alerts'"]
    async with release_0_1_0("sqlite", tmp_path, extra=bumped) as (url, _):
        with pytest.raises(migrations.SchemaError, match="no sentry-bot release wrote"):
            async with Database.connect(url):
                pass
        with sqlite3.connect(tmp_path / "bot.db") as conn:
            assert conn.execute("SELECT count(*) FROM schema_version").fetchone() == (3,)


async def test_with_auto_migrate_off_a_database_behind_is_refused_naming_migrate(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    with pytest.raises(migrations.SchemaError, match="sentry-bot migrate"):
        async with Database.connect(url, migrate="refuse-behind"):
            pass
    async with Database.connect(url):
        pass
    async with Database.connect(url, migrate="refuse-behind") as db:
        assert await db.ping()


async def test_a_start_waits_past_the_busy_timeout_for_another_process_upgrading_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another process (a plain sqlite3 connection) holds the write lock four busy timeouts long,
    # as a replica upgrading on a busy host does: the start takes its turn after it, not an error.
    monkeypatch.setattr(store_database, "_SQLITE_BUSY_TIMEOUT_MS", 100)
    path = tmp_path / "bot.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("BEGIN IMMEDIATE")
    db = Database.from_url(sqlite_url(tmp_path))
    try:
        upgrade = asyncio.create_task(db.migrate())
        await asyncio.sleep(0.4)
        assert not upgrade.done()
        holder.execute("COMMIT")
        assert (await upgrade)[-1] == migrations.head()
    finally:
        holder.close()
        await db.close()
