"""The database schema's history, as Alembic revisions shipped inside the package (no alembic.ini).

`Database.connect()` upgrades to the newest revision at start, under a lock (PostgreSQL: an
advisory lock on the schema; SQLite: `BEGIN IMMEDIATE`), so replicas starting together take turns;
`sentry-bot migrate` does the same and exits; with `BOT_AUTO_MIGRATE=off` a database behind the
code is refused at start instead. `pending(db)` says which revisions a database still lacks.

Adding or changing a table is two steps:

1. Define it on `bot.store.metadata` in the store module that owns it (`bot/store/<feature>.py`).
2. Add one revision in `bot/store/migrations/versions/`, named `NNNN_what.py`, whose
   `down_revision` is the current head. Alembic can write its body for you:

       .venv/bin/python -m bot.store.migrations revision "add webhook quarantine"

   (it upgrades a scratch SQLite database to the head, compares it with `metadata`, and writes
   the difference). Read what it wrote: Alembic cannot guess renames, and data moves are yours.

tests/store/test_migrations.py upgrades empty databases on SQLite and PostgreSQL and compares them
with `metadata` (Alembic's autogenerate compare): a table defined without its revision fails there.

Databases created before Alembic (sentry-bot 0.1.0: a `schema_version` table with one row per
component) are recognised on their first upgrade: stamped at the baseline revision, which has
exactly their tables, and their `schema_version` table dropped. Their rows are kept as they are.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from bot.settings import ConfigError

if TYPE_CHECKING:
    from bot.store.database import Database

__all__ = ["BASELINE", "SchemaError", "config", "head", "pending", "pending_on", "upgrade_on"]

log = logging.getLogger(__name__)
# Alembic says "Context impl SQLiteImpl." and the like at INFO on every start; `store.migrated`
# says what ran.
logging.getLogger("alembic").setLevel(logging.WARNING)

BASELINE = "0001_baseline"

# What sentry-bot 0.1.0 recorded in `schema_version`, and the tables it had created by then.
_LEGACY_VERSIONS = {"alerts": 1, "audit": 1, "identity": 1}
_LEGACY_TABLES = {
    "webhook_outbox",
    "dedupe_keys",
    "subscriptions",
    "hook_secrets",
    "slack_channels",
    "deliveries",
    "alert_messages",
    "digests",
    "audit_log",
    "identity_overrides",
}


class SchemaError(ConfigError):
    """The database's schema is one this code cannot use or upgrade (newer, or unrecognised)."""


def config() -> Config:
    """Alembic's configuration for the revisions in this package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent))
    return cfg


def head() -> str:
    """The newest revision this code knows."""
    current = ScriptDirectory.from_config(config()).get_current_head()
    assert current is not None
    return current


def pending_on(conn: Connection) -> list[str]:
    """The revisions `conn`'s database lacks, oldest first ([] when current). Raises SchemaError
    when the database is at a revision this code does not know."""
    script = ScriptDirectory.from_config(config())
    at = _revisions(conn, script)
    missing = [rev.revision for rev in script.iterate_revisions("head", at[0] if at else "base")]
    return list(reversed(missing))


def upgrade_on(conn: Connection) -> list[str]:
    """Upgrade `conn`'s database to the head and return the revisions applied, oldest first.

    The caller holds the transaction and the lock (`Database.migrate()`); Alembic joins them.
    """
    if _is_legacy(conn):
        _adopt_legacy(conn)
    todo = pending_on(conn)
    if todo:
        cfg = config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        log.info("store.migrated", extra={"revisions": todo, "head": todo[-1]})
    return todo


async def pending(database: Database) -> list[str]:
    """The revisions `database` still lacks, oldest first: [] when its schema is current.

    A database that predates Alembic (or an empty one) lacks all of them. Raises SchemaError for a
    database newer than this code, and ConfigError when it cannot be reached.
    """
    return await database.inspect_schema(pending_on)


def _revisions(conn: Connection, script: ScriptDirectory) -> tuple[str, ...]:
    at = MigrationContext.configure(conn).get_current_heads()
    for revision in at:
        if revision not in {rev.revision for rev in script.walk_revisions()}:
            raise SchemaError(
                f"the database is at schema revision {revision!r}, newer than this sentry-bot knows "
                f"(its newest is {head()!r}): run the newer version, or restore a backup"
            )
    return at


def _is_legacy(conn: Connection) -> bool:
    tables = set(inspect(conn).get_table_names())
    return "schema_version" in tables and "alembic_version" not in tables


def _adopt_legacy(conn: Connection) -> None:
    """A 0.1.0 database has the baseline's tables: record it at the baseline, drop the old bookkeeping."""
    rows: dict[str, int] = {
        name: version for name, version in conn.execute(text("SELECT component, version FROM schema_version"))
    }
    if unknown := {name: v for name, v in rows.items() if _LEGACY_VERSIONS.get(name) != v}:
        raise SchemaError(
            f"the database's schema_version table holds {unknown}, which no sentry-bot release wrote "
            f"(0.1.0 wrote {_LEGACY_VERSIONS}): restore a backup, or point DATABASE_URL at a new database"
        )
    if missing := sorted(_LEGACY_TABLES - set(inspect(conn).get_table_names())):
        raise SchemaError(
            f"the database has a schema_version table but lacks the tables {', '.join(missing)} that "
            f"sentry-bot 0.1.0 created with it: restore a backup, or point DATABASE_URL at a new database"
        )
    cfg = config()
    cfg.attributes["connection"] = conn
    command.stamp(cfg, BASELINE)
    conn.execute(text("DROP TABLE schema_version"))
    log.info("store.adopted-legacy-schema", extra={"components": rows, "revision": BASELINE})
