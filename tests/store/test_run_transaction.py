"""`Database.run_transaction`: a synchronous `work(conn)` in one write transaction, committed when
it returns, rolled back when it raises. On SQLite it runs in the writer thread and queues for the
writer lock like `db.transaction()`; on PostgreSQL it runs through `run_sync`.

Tests taking `db` run on SQLite, then on PostgreSQL (tests/store/conftest.py).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Connection, event, func, select
from sqlalchemy.exc import IntegrityError

from bot.store import Database
from bot.store.alerts import dedupe_keys
from tests.store.support import connected, sqlite_url

T = TypeVar("T")


class Refused(Exception):
    pass


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    async with connected("sqlite", tmp_path) as database:
        yield database


async def started(coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    """`coro` as a task that has taken its first step: a writer that found the lock busy is queued."""
    task = asyncio.create_task(coro)
    await asyncio.sleep(0)
    return task


def add_keys(conn: Connection, *keys: str) -> None:
    conn.execute(dedupe_keys.insert(), [{"key": key, "created_at": 1.0} for key in keys])


def count_keys(conn: Connection) -> int:
    return conn.scalar(select(func.count()).select_from(dedupe_keys)) or 0


async def stored_keys(db: Database) -> list[str]:
    async with db.read() as conn:
        return list(await conn.scalars(select(dedupe_keys.c.key).order_by(dedupe_keys.c.key)))


async def test_the_work_is_committed_and_its_result_returned(db: Database) -> None:
    def work(conn: Connection) -> int:
        add_keys(conn, "a", "b")
        return count_keys(conn)

    assert await db.run_transaction(work) == 2
    assert await stored_keys(db) == ["a", "b"]


async def test_an_urgent_run_is_committed_the_same_way(db: Database) -> None:
    await db.run_transaction(lambda conn: add_keys(conn, "a"), urgent=True)

    assert await stored_keys(db) == ["a"]


async def test_an_exception_rolls_back_and_propagates(db: Database) -> None:
    def work(conn: Connection) -> None:
        add_keys(conn, "written before the failure")
        raise Refused("no")

    with pytest.raises(Refused, match="no"):
        await db.run_transaction(work)

    assert await stored_keys(db) == []
    # Nothing stays locked or half-open: both ways of writing still work.
    await db.run_transaction(lambda conn: add_keys(conn, "after"))
    async with db.transaction() as conn:
        await conn.run_sync(add_keys, "later")
    assert await stored_keys(db) == ["after", "later"]


async def test_a_database_error_rolls_back_the_whole_work(db: Database) -> None:
    await db.run_transaction(lambda conn: add_keys(conn, "taken"))

    def work(conn: Connection) -> None:
        add_keys(conn, "new")
        add_keys(conn, "taken")  # primary key violation

    with pytest.raises(IntegrityError):
        await db.run_transaction(work)

    assert await stored_keys(db) == ["taken"]


async def test_sync_engines_see_every_commit(db: Database) -> None:
    commits: list[str] = []
    for engine in db.sync_engines:
        event.listen(engine, "commit", lambda _conn: commits.append("commit"))

    async with db.transaction() as conn:
        await conn.run_sync(add_keys, "a")
    await db.run_transaction(lambda conn: add_keys(conn, "b"))

    assert commits == ["commit", "commit"]


async def test_close_can_be_called_twice(db: Database) -> None:
    await db.run_transaction(lambda conn: add_keys(conn, "a"))

    await db.close()
    await db.close()  # and the fixture closes it once more


async def test_on_sqlite_the_work_runs_in_one_writer_thread_on_the_same_file(sqlite_db: Database) -> None:
    async with sqlite_db.transaction() as conn:
        await conn.run_sync(add_keys, "written by the event loop's connection")

    def work(conn: Connection) -> tuple[threading.Thread, str, int]:
        return threading.current_thread(), conn.dialect.driver, count_keys(conn)

    first_thread, driver, seen = await sqlite_db.run_transaction(work)
    second_thread, _, _ = await sqlite_db.run_transaction(work, urgent=True)

    assert first_thread is not threading.current_thread()
    assert second_thread is first_thread
    assert driver == "pysqlite"
    assert seen == 1


async def test_on_sqlite_close_ends_the_writer_thread(tmp_path: Path) -> None:
    async with Database.connect(sqlite_url(tmp_path)) as db:
        writer_thread = await db.run_transaction(lambda _conn: threading.current_thread())
        assert writer_thread.is_alive()

    assert not writer_thread.is_alive()


async def test_on_sqlite_a_transaction_in_progress_delays_it(sqlite_db: Database) -> None:
    log: list[str] = []

    def log_begin(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        # Logged as BEGIN IMMEDIATE is sent: a writer that did not wait for the writer lock would
        # show up while the transaction below is open (and then wait in SQLite's busy handler).
        if statement.startswith("BEGIN"):
            log.append(f"{statement} on {conn.dialect.driver}")

    for engine in sqlite_db.sync_engines:
        event.listen(engine, "before_cursor_execute", log_begin)

    def work(conn: Connection) -> int:
        log.append("work")
        return count_keys(conn)

    async with sqlite_db.transaction() as conn:
        await conn.run_sync(add_keys, "first")
        later = await started(sqlite_db.run_transaction(work))
        await conn.run_sync(add_keys, "second")  # a round trip to the database while `later` waits
        assert not later.done()
    log.append("transaction committed")

    assert await later == 2
    assert log == [
        "BEGIN IMMEDIATE on aiosqlite",
        "transaction committed",
        "BEGIN IMMEDIATE on pysqlite",
        "work",
    ]


async def test_on_sqlite_it_queues_with_transactions_urgent_first(sqlite_db: Database) -> None:
    turns: list[str] = []

    async def transaction(name: str) -> None:
        async with sqlite_db.transaction() as conn:
            turns.append(name)
            await conn.run_sync(add_keys, name)

    def work(name: str) -> Callable[[Connection], None]:
        def write(conn: Connection) -> None:
            turns.append(name)
            add_keys(conn, name)

        return write

    async with sqlite_db.transaction():
        waiting = [
            await started(transaction("transaction")),
            await started(sqlite_db.run_transaction(work("run"))),
            await started(sqlite_db.run_transaction(work("urgent run"), urgent=True)),
        ]
        assert turns == []
    await asyncio.gather(*waiting)

    # Urgent first; then the others in the order they came, `transaction()` and `run_transaction()` alike.
    assert turns == ["urgent run", "transaction", "run"]


async def test_on_sqlite_a_cancelled_run_keeps_the_writer_lock_until_its_thread_is_done(sqlite_db: Database) -> None:
    """A caller that goes away (cancelled) while its work runs in the writer thread: the thread
    goes on to commit, holding SQLite's write lock, so the writer lock must stay taken until then;
    the writers queued meanwhile then go in the usual order, urgent first.

    Were the lock let go at once, the next writer would wait in SQLite's busy handler, polling
    (and fail with "database is locked" past the 10 s busy timeout), and an urgent writer arriving
    after it would queue behind it.
    """
    loop = asyncio.get_running_loop()
    in_work = asyncio.Event()
    finish_work = threading.Event()
    turns: list[str] = []

    def slow_work(conn: Connection) -> None:
        add_keys(conn, "cancelled caller")
        loop.call_soon_threadsafe(in_work.set)
        finish_work.wait()

    async def transaction(name: str, *, urgent: bool) -> None:
        async with sqlite_db.transaction(urgent=urgent) as conn:
            turns.append(name)
            await conn.run_sync(add_keys, name)

    cancelled = asyncio.create_task(sqlite_db.run_transaction(slow_work))
    try:
        await in_work.wait()
        cancelled.cancel()
        await asyncio.sleep(0)
        waiting = [
            await started(transaction("plain", urgent=False)),
            await started(transaction("urgent", urgent=True)),
        ]
        assert not cancelled.done()  # it waits for its thread, the lock still taken
    finally:
        finish_work.set()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    await asyncio.gather(*waiting)

    assert turns == ["urgent", "plain"]
    # The cancelled caller's work was committed all the same.
    assert await stored_keys(sqlite_db) == ["cancelled caller", "plain", "urgent"]
