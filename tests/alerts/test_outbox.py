"""The outbox's group commit: deliveries that arrive together are stored in one transaction, each
caller answered only after that commit, each delivery deduplicated as if it came alone."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Text, cast, event, func, select

from bot.alerts.outbox import MAX_BATCH, Incoming, Outbox
from bot.alerts.parse import Source
from bot.store import Database
from bot.store.alerts import dedupe_keys, webhook_outbox
from tests.store.support import sqlite_url


def delivery(key: str | None, **payload: Any) -> Incoming:
    return Incoming(Source.SERVICE_HOOK, "event", "alert", {"event": {"id": key}, **payload}, dedupe_key=key)


async def count(db: Database, table: Any = webhook_outbox) -> int:
    async with db.read() as conn:
        return await conn.scalar(select(func.count()).select_from(table)) or 0


def count_commits(db: Database) -> list[int]:
    commits: list[int] = []
    for engine in db.sync_engines:
        event.listen(engine, "commit", lambda _conn: commits.append(1))
    return commits


async def test_deliveries_arriving_together_share_one_commit_and_each_is_answered(any_db: Database) -> None:
    woken: list[int] = []
    outbox = Outbox(any_db, on_stored=lambda fresh: woken.append(len(fresh)))
    commits = count_commits(any_db)

    answers = await asyncio.gather(*(outbox.put(delivery(f"k{n}")) for n in range(50)))

    assert answers == [True] * 50
    assert await count(any_db) == 50
    # The first delivery commits alone; the 49 that came while it committed share the next commit.
    assert len(commits) <= 3
    assert woken


async def test_a_batch_larger_than_the_limit_is_split(any_db: Database) -> None:
    outbox = Outbox(any_db)
    commits = count_commits(any_db)

    answers = await asyncio.gather(*(outbox.put(delivery(f"k{n}")) for n in range(2 * MAX_BATCH + 1)))

    assert all(answers)
    assert await count(any_db) == 2 * MAX_BATCH + 1
    assert len(commits) >= 3


async def test_a_key_repeated_within_a_batch_or_seen_before_is_stored_once(any_db: Database) -> None:
    outbox = Outbox(any_db)
    assert await outbox.put(delivery("seen")) is True

    answers = await asyncio.gather(
        outbox.put(delivery("new")),
        outbox.put(delivery("seen")),
        outbox.put(delivery("new")),
        outbox.put(delivery(None)),  # no key (a change made from Slack): always stored
        outbox.put(delivery(None)),
        outbox.put(delivery("other")),
    )

    assert answers == [True, False, False, True, True, True]
    assert await count(any_db) == 5  # seen, new, two without a key, other
    assert await count(any_db, dedupe_keys) == 3


async def test_one_delivery_the_database_refuses_does_not_fail_its_batch(any_db: Database) -> None:
    outbox = Outbox(any_db)
    good = [outbox.put(delivery(f"good{n}")) for n in range(5)]
    bad = outbox.put(delivery("bad", unserializable={1, 2}))  # a set: the JSON column refuses it

    results = await asyncio.gather(*good[:2], bad, *good[2:], return_exceptions=True)

    assert results[:2] == [True, True] and results[3:] == [True, True, True]
    assert isinstance(results[2], Exception)
    assert await count(any_db) == 5
    # The refused delivery left no dedupe key behind: Sentry's retry of it is not taken for a repeat.
    async with any_db.read() as conn:
        assert await conn.scalar(select(func.count()).where(dedupe_keys.c.key == "bad")) == 0


async def test_a_caller_that_goes_away_does_not_take_its_batch_down(any_db: Database) -> None:
    outbox = Outbox(any_db)
    first = asyncio.create_task(outbox.put(delivery("a")))
    gone = asyncio.create_task(outbox.put(delivery("b")))
    last = asyncio.create_task(outbox.put(delivery("c")))
    await asyncio.sleep(0)
    gone.cancel()

    assert await first is True and await last is True
    with pytest.raises(asyncio.CancelledError):
        await gone
    # Its delivery was stored all the same (it had joined the batch): a retry finds it a repeat.
    assert await count(any_db) == 3
    assert await outbox.put(delivery("b")) is False


async def test_a_database_that_fails_answers_every_caller_with_the_error(tmp_path: Path) -> None:
    async with Database.connect(sqlite_url(tmp_path)) as db:
        outbox = Outbox(db)
        await db.close()  # the engine is disposed; the file stays, so reconnecting would succeed...
        (tmp_path / "bot.db").unlink()
        (tmp_path / "bot.db").mkdir()  # ...unless the path is now a directory: every connect fails

        results = await asyncio.gather(*(outbox.put(delivery(f"k{n}")) for n in range(4)), return_exceptions=True)

        assert all(isinstance(r, Exception) for r in results)
        # And nothing waits forever: the committer is gone, the next caller starts a new one.
        assert outbox._committer is None


async def test_on_stored_hands_over_each_payload_under_its_outbox_id(any_db: Database) -> None:
    """The worker routes what the outbox hands over without reading it back: every id must be
    the row that holds that very payload, whatever the order the database returned the ids in."""
    handed: dict[int, bytes] = {}
    outbox = Outbox(any_db, on_stored=handed.update)

    answers = await asyncio.gather(*(outbox.put(delivery(f"k{n}", n=n)) for n in range(60)), outbox.put(delivery("k7")))

    assert answers.count(True) == 60
    async with any_db.read() as conn:
        rows = {
            id_: payload for id_, payload in await conn.execute(select(webhook_outbox.c.id, webhook_outbox.c.payload))
        }
    assert {id_: orjson.loads(body) for id_, body in handed.items()} == rows


async def test_a_body_at_hand_is_stored_as_it_came_not_encoded_again(any_db: Database) -> None:
    body = b'{"event": {"id": "e1", "title": "Caf\\u00e9 \xc3\xa9"},   "extra": [1, 2.5, null]}'
    incoming = Incoming(Source.SERVICE_HOOK, "event", "alert", orjson.loads(body), dedupe_key="e1", body=body)

    assert await Outbox(any_db).put(incoming) is True

    async with any_db.read() as conn:
        stored = await conn.scalar(select(webhook_outbox.c.payload))
        text = await conn.scalar(select(cast(webhook_outbox.c.payload, Text)))
    assert stored == {"event": {"id": "e1", "title": "Café é"}, "extra": [1, 2.5, None]}
    assert text == body.decode()
