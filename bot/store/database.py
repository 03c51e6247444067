"""The database: one async SQLAlchemy engine built from `DATABASE_URL`, schema ready at start.

    async with Database.connect(settings.database_url) as db:  # upgrades the schema (Alembic)
        async with db.transaction() as conn:
            await conn.execute(...)
        ready = await db.ping()

SQLite (the default) runs in WAL mode so readers never wait for the writer, and every transaction
starts with `BEGIN IMMEDIATE`: a writer takes the lock up front instead of failing half-way when
another process wrote first. PostgreSQL is for several replicas: claims use
`SELECT ... FOR UPDATE SKIP LOCKED`, which SQLite's compiler simply leaves out (it has one writer).

On SQLite, `run_transaction` runs a whole transaction in one hand-off to a writer thread (a plain
sqlite3 connection), where aiosqlite takes three or four thread hops per statement: under load each
hop waits for a turn of the busy event loop, and the one write lock was held 5-20 ms for a
three-statement transaction. The alert pipeline (outbox, router, sender) writes this way.

A pooled connection is pinged before use only when it sat idle for `IDLE_PING_AFTER` seconds (a
restarted PostgreSQL is noticed after a quiet spell), not before every transaction as
`pool_pre_ping` would: that ping is three round trips on asyncpg (four thread hops on aiosqlite),
as many as a small transaction itself. A restart in the middle of busy traffic fails one operation
(a webhook answered 503, which Sentry retries), and SQLAlchemy then replaces every pooled connection.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Literal, TypeVar

from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import SingletonThreadPool

from bot import jsoncodec
from bot.settings import ConfigError
from bot.store import migrations
from bot.store.writer import WriterLock

__all__ = ["Database", "RawJSON", "database_url"]

log = logging.getLogger(__name__)

T = TypeVar("T")

_SQLITE_BUSY_TIMEOUT_MS = 10_000
# How long a start waits for another process's schema upgrade on SQLite, past the busy timeout.
_MIGRATE_WAIT_SECONDS = 120.0
_READ_ONLY = "sentry_bot_read_only"
IDLE_PING_AFTER = 5.0


def database_url(raw: str) -> URL:
    """`DATABASE_URL` as SQLAlchemy's async URL, or ConfigError saying what to write instead."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(
            f"DATABASE_URL {raw!r} is not a URL: expected sqlite:///path.db or postgresql://..."
        ) from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        if url.database in (None, "", ":memory:"):
            raise ConfigError(
                "DATABASE_URL points to an in-memory SQLite database, which loses queued alerts on restart: "
                "use a file, e.g. sqlite:///sentry-bot.db"
            )
        return url.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        if not url.database:
            # libpq would connect to the database named like the user, a database nobody chose.
            raise ConfigError(
                "DATABASE_URL names no PostgreSQL database: add its name after the host, "
                "e.g. postgresql://bot@db.example.com:5432/sentrybot"
            )
        return url.set(drivername="postgresql+asyncpg")
    raise ConfigError(f"DATABASE_URL scheme {backend!r} is not supported: use sqlite:///path.db or postgresql://...")


class Database:
    """An engine plus what the bot needs around it. Build it with `Database.connect(url)`."""

    def __init__(self, engine: AsyncEngine, *, schema: str | None = None, writer: Engine | None = None) -> None:
        self.engine = engine
        self.is_postgres = engine.dialect.name == "postgresql"
        self.schema = schema if self.is_postgres else None
        # SQLite: a synchronous engine on the same file, used only from its one thread.
        self._sync_writer = writer
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer") if writer is not None else None
        # SQLite has one writer. Its busy handler makes waiting connections poll with growing
        # sleeps, so under load some wait seconds; queueing this process's writers here instead
        # serves them in turn. (Other processes still meet the busy timeout.)
        self._writer = None if self.is_postgres else WriterLock()

    @classmethod
    def from_url(cls, url: str, *, schema: str | None = None) -> Database:
        """An engine for `url`, not yet connected. `schema` (PostgreSQL) puts the tables in that schema."""
        sa_url = database_url(url)
        # jsoncodec (orjson first): the outbox stores and reads back every webhook's payload (about
        # 5 KB each), and the stdlib's json was the largest cost of intake and routing in the profiles.
        kwargs: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": jsoncodec.loads}
        if sa_url.get_backend_name() == "postgresql" and schema:
            kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
        engine = create_async_engine(sa_url, **kwargs)
        _ping_when_idle(engine.sync_engine)
        if engine.dialect.name != "sqlite":
            return cls(engine, schema=schema)
        _configure_sqlite(engine.sync_engine)
        writer = create_engine(sa_url.set(drivername="sqlite+pysqlite"), poolclass=SingletonThreadPool, **kwargs)
        _configure_sqlite(writer)
        return cls(engine, schema=schema, writer=writer)

    @classmethod
    @asynccontextmanager
    async def connect(
        cls, url: str, *, schema: str | None = None, migrate: Literal["auto", "refuse-behind"] = "auto"
    ) -> AsyncIterator[Database]:
        """Open the database, bring its schema up to date, and close it on exit.

        `migrate="refuse-behind"` (`BOT_AUTO_MIGRATE=off`) upgrades nothing: a database behind the
        code is refused, naming `sentry-bot migrate`. Raises ConfigError (one plain line, no
        password) when the database cannot be reached, SchemaError when its schema cannot be used.
        """
        db = cls.from_url(url, schema=schema)
        try:
            if migrate == "auto":
                await db.migrate()
            elif todo := await migrations.pending(db):
                raise migrations.SchemaError(
                    f"the database schema is behind this sentry-bot (revisions {', '.join(todo)} not applied) "
                    "and BOT_AUTO_MIGRATE is off: run `sentry-bot migrate` first"
                )
            yield db
        finally:
            await db.close()

    @asynccontextmanager
    async def transaction(self, *, urgent: bool = False) -> AsyncIterator[AsyncConnection]:
        """`async with db.transaction() as conn:` commits on success, rolls back on error.

        `urgent`: someone is waiting on a socket for this commit (Sentry, for the webhook outbox);
        on SQLite it goes ahead of the other writers of this process (see `bot.store.writer`).
        Do not open one inside another in the same task: on SQLite the second would wait for the first.
        """
        if self._writer is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._writer.held(urgent=urgent), self.engine.begin() as conn:
            yield conn

    @property
    def sync_engines(self) -> list[Engine]:
        """Every engine this database talks through, for event listeners (statement counts, tests)."""
        return [self.engine.sync_engine, *([self._sync_writer] if self._sync_writer is not None else [])]

    async def run_transaction(self, work: Callable[[Connection], T], *, urgent: bool = False) -> T:
        """`work(conn)` (synchronous SQLAlchemy) in one write transaction, committed when it returns.

        On SQLite it runs in the writer thread, in one hand-off; on PostgreSQL through `run_sync`
        on a pooled connection. `urgent` as for `transaction`.
        """
        if self._sync_writer is None or self._writer is None:
            async with self.engine.begin() as conn:
                return await conn.run_sync(work)
        if self._thread is None:
            raise RuntimeError("the database is closed")
        writer = self._sync_writer

        def run() -> T:
            with writer.begin() as conn:
                return work(conn)

        async with self._writer.held(urgent=urgent):
            done = asyncio.get_running_loop().run_in_executor(self._thread, run)
            try:
                return await asyncio.shield(done)
            except asyncio.CancelledError:
                # The thread goes on to commit or roll back: the lock is ours until it has.
                await asyncio.wait([done])
                raise

    def read(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """`async with db.read() as conn:` for queries that write nothing (on SQLite, they don't
        take the write lock)."""
        return self.engine.execution_options(**{_READ_ONLY: True}).connect()

    def insert(self, table: Table) -> postgresql.Insert | sqlite.Insert:
        """An INSERT with `on_conflict_do_nothing` / `on_conflict_do_update` (both dialects have them)."""
        return postgresql.insert(table) if self.is_postgres else sqlite.insert(table)

    async def migrate(self) -> list[str]:
        """Upgrade the schema to the code's newest revision; returns the revisions applied.

        Replicas starting together take turns: on PostgreSQL under an advisory lock held until
        commit (keyed by the schema), on SQLite under the write lock `BEGIN IMMEDIATE` takes.
        """
        deadline = time.monotonic() + _MIGRATE_WAIT_SECONDS
        while True:
            try:
                return await self._migrate_once()
            except OperationalError as exc:
                # SQLite: another process held the write lock past the busy timeout, most likely its
                # own upgrade on a busy host. Keep taking turns, within a bound.
                if self.is_postgres or "database is locked" not in str(exc) or time.monotonic() > deadline:
                    raise self._unreachable(exc) from exc
                log.info("store.migrate-waiting", extra={"reason": _reason(exc)})
            except (SQLAlchemyError, OSError) as exc:
                raise self._unreachable(exc) from exc

    async def _migrate_once(self) -> list[str]:
        async with self.transaction() as conn:
            if self.is_postgres:
                # Locked before CREATE SCHEMA, which itself races; the key names the schema
                # (current_schema() is NULL while the schema does not exist yet).
                key = f"sentry-bot:{self.schema}" if self.schema else None
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(hashtext(coalesce(:key, 'sentry-bot:' || current_schema())))"),
                    {"key": key},
                )
            if self.schema:
                quoted = self.engine.dialect.identifier_preparer.quote_identifier(self.schema)
                await conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quoted}"))
            return await conn.run_sync(migrations.upgrade_on)

    async def inspect_schema(self, look: Callable[[Connection], T]) -> T:
        """`look(conn)` (synchronous SQLAlchemy, reads only) on a read connection; ConfigError when unreachable."""
        try:
            async with self.read() as conn:
                return await conn.run_sync(look)
        except (SQLAlchemyError, OSError) as exc:
            raise self._unreachable(exc) from exc

    def _unreachable(self, exc: BaseException) -> ConfigError:
        where = self.engine.url.render_as_string(hide_password=True)
        return ConfigError(f"DATABASE_URL: cannot open the database at {where}: {_reason(exc)}")

    async def ping(self) -> bool:
        """True when the database answers (readiness); the reason is logged when it does not."""
        try:
            async with self.read() as conn:
                await conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as exc:
            log.warning("store.ping-failed", extra={"reason": _reason(exc)})
            return False
        return True

    async def close(self) -> None:
        await self.engine.dispose()
        if self._sync_writer is not None and self._thread is not None:
            thread, self._thread = self._thread, None
            await asyncio.get_running_loop().run_in_executor(thread, self._sync_writer.dispose)
            thread.shutdown()


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection that sat idle `IDLE_PING_AFTER` seconds before handing it out; a dead
    one is replaced (the pool retries with a fresh connection)."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_AFTER:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            log.info("store.stale-connection", extra={"reason": _reason(exc)})
            raise DisconnectionError(_reason(exc)) from exc


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite would defer it).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        # The busy timeout first: switching a new file to WAL takes a lock, and replicas starting
        # together on a fresh database meet there (with pysqlite's 5 s default they could give up).
        cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a webhook acknowledged to Sentry survives a power cut, not only a crash.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(_READ_ONLY) else "BEGIN IMMEDIATE")


class RawJSON(str):
    """JSON text already encoded (a webhook's body as it came): a JSON column stores it as it is."""

    __slots__ = ()


def _json_dumps(value: Any) -> str:
    if isinstance(value, RawJSON):
        return value
    return jsoncodec.dumps(value).decode()


def _reason(exc: BaseException) -> str:
    """The driver's own words, without SQLAlchemy's boilerplate (and without the URL)."""
    orig = getattr(exc, "orig", None) or exc
    return str(orig).splitlines()[0] if str(orig) else type(orig).__name__
