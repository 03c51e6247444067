"""The outbox: every accepted webhook, durable before Sentry hears 2xx, stored once however often it comes.

    outbox = Outbox(db, on_stored=worker.wake)
    stored = await outbox.put(Incoming(source=Source.SENTRY_APP, resource="issue", ...))

Changes made from Slack enter the same way (`issue_changed`), so they are paced, retried and
threaded exactly like changes reported by Sentry.

Group commit: deliveries that arrive while a transaction is being committed wait for the next one
and are stored together, in one transaction (up to `MAX_BATCH`). Every caller still hears back only
after the transaction holding its delivery committed. One transaction costs about as much as its
round trips and its fsync, whatever it holds (SQLite: ~2.5 ms for one delivery, ~0.2 ms a delivery
for 16), so under load the cost per webhook falls instead of the queue growing; alone, a delivery
is stored exactly as before. A batch the database refuses is retried one delivery per transaction,
so one bad delivery cannot fail the others.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import Connection

from bot import jsoncodec
from bot.alerts.parse import Source
from bot.store import Database, RawJSON
from bot.store.alerts import dedupe_keys, webhook_outbox

__all__ = ["ISSUE_ACTIONS", "MAX_BATCH", "Incoming", "OnStored", "Outbox"]

# What issue_changed() accepts: the Sentry App `issue` webhook's actions, plus unassigned.
ISSUE_ACTIONS = frozenset({"resolved", "unresolved", "ignored", "archived", "assigned", "unassigned"})

# Called after each commit that stored something, with the payloads stored (JSON), by outbox id:
# the worker routes them without reading them back (see `AlertWorker.wake`). Bytes, not dicts:
# a thousand decoded payloads waiting to be routed made every garbage collection walk them.
OnStored = Callable[[Mapping[int, bytes]], None]

# Deliveries stored in one transaction at most (a batch forms only while the previous one commits).
MAX_BATCH = 200


@dataclass(frozen=True)
class Incoming:
    """A verified webhook, ready to store."""

    source: Source
    resource: str
    action: str
    payload: Mapping[str, Any]
    # Sentry sends a delivery again after a timeout or a 5xx: the same key means the same delivery.
    dedupe_key: str | None
    hook: str | None = None  # the service hook GUID or Sentry App installation, for logs
    body: bytes | None = None  # the payload as it came (JSON), when at hand

    def json(self) -> bytes:
        """The payload as JSON: the body as it came, when at hand."""
        return self.body if self.body is not None else jsoncodec.dumps(self.payload)


class Outbox:
    def __init__(self, db: Database, *, on_stored: OnStored | None = None) -> None:
        self._db = db
        self._on_stored = on_stored
        self._waiting: list[tuple[Incoming, asyncio.Future[bool]]] = []
        self._committer: asyncio.Task[None] | None = None

    async def put(self, incoming: Incoming) -> bool:
        """Store `incoming` unless its dedupe key was seen; True when stored, False for a repeat.

        Returns once the transaction holding it committed; raises what the database raised.
        """
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((incoming, done))
        if self._committer is None:
            self._committer = asyncio.create_task(self._commit_waiting(), name="alerts-outbox-commit")
        try:
            # Shielded: a caller that goes away (its request cancelled) must not cancel the answer
            # the others in its batch wait for; its delivery is stored all the same.
            return await asyncio.shield(done)
        except asyncio.CancelledError:
            done.add_done_callback(_forget)
            raise

    async def _commit_waiting(self) -> None:
        """Store what waits, a batch per transaction, until nothing does."""
        batch: list[tuple[Incoming, asyncio.Future[bool]]] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                ids = await self._store_batch(batch)
                fresh = {i: incoming.json() for (incoming, _), i in zip(batch, ids, strict=True) if i is not None}
                if self._on_stored and fresh:
                    self._on_stored(fresh)
                batch = []
        except BaseException as exc:
            # Cancelled (the loop is closing) or a bug: nobody may wait for an answer forever.
            for _, done in [*batch, *self._waiting]:
                if isinstance(exc, asyncio.CancelledError):
                    done.cancel()
                else:
                    _settle(done, exc)
            self._waiting = []
            raise
        finally:
            self._committer = None

    async def _store_batch(self, batch: Sequence[tuple[Incoming, asyncio.Future[bool]]]) -> list[int | None]:
        """Store a batch and answer its callers; per delivery, its outbox id (None: not stored)."""
        try:
            ids = await self._store([incoming for incoming, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0][1], exc)
                return [None]
            # One delivery the database refuses must not fail the others: one transaction each.
            ids = []
            for incoming, done in batch:
                try:
                    ids += await self._store([incoming])
                except Exception as one:
                    ids.append(None)
                    _settle(done, one)
        for (_, done), id_ in zip(batch, ids, strict=True):
            _settle(done, id_ is not None)
        return ids

    async def _store(self, batch: Sequence[Incoming]) -> list[int | None]:
        """Store `batch` in one transaction; per delivery, its outbox id, or None when seen before."""
        return await self._db.run_transaction(partial(self._store_in, batch=batch, now=time.time()), urgent=True)

    def _store_in(self, conn: Connection, *, batch: Sequence[Incoming], now: float) -> list[int | None]:
        new = self._new_keys(conn, batch, now)
        stored = [incoming.dedupe_key is None or new.pop(incoming.dedupe_key, False) for incoming in batch]
        rows = [
            {
                "source": incoming.source,
                "resource": incoming.resource,
                "action": incoming.action,
                "hook": incoming.hook,
                # The body as Sentry sent it, not encoded again (a tenth of the CPU at full intake).
                "payload": RawJSON(incoming.json().decode()),
                "received_at": now,
            }
            for incoming, was_stored in zip(batch, stored, strict=True)
            if was_stored
        ]
        if not rows:
            return [None] * len(batch)
        # The ids in the rows' order. SQLAlchemy gets them in order on PostgreSQL in the one
        # statement, but on SQLite only row by row; there each new row takes the largest rowid
        # plus one (we hold the write lock), so sorting what RETURNING gives is the same.
        insert = webhook_outbox.insert().returning(webhook_outbox.c.id, sort_by_parameter_order=self._db.is_postgres)
        ids = conn.execute(insert, rows).scalars().all()
        inserted = iter(ids if self._db.is_postgres else sorted(ids))
        return [next(inserted) if was_stored else None for was_stored in stored]

    def _new_keys(self, conn: Connection, batch: Sequence[Incoming], now: float) -> dict[str, bool]:
        """Record the batch's dedupe keys; those not seen before (each counts once, even if repeated in the batch)."""
        keys = list(dict.fromkeys(i.dedupe_key for i in batch if i.dedupe_key is not None))
        if not keys:
            return {}
        # executemany, not `.values([...])`: SQLAlchemy caches the compiled statement of the former only.
        inserted = conn.execute(
            self._db.insert(dedupe_keys).on_conflict_do_nothing().returning(dedupe_keys.c.key),
            [{"key": key, "created_at": now} for key in keys],
        )
        return dict.fromkeys(inserted.scalars(), True)

    async def issue_changed(
        self,
        issue_id: str,
        *,
        actor: str,
        action: str,
        issue: Mapping[str, Any] | None = None,
        assignee: str | None = None,
    ) -> None:
        """Record a change made from Slack, so every alert message about the issue shows it.

        The parent messages are updated in place and their threads get "<actor> resolved this issue".
        When Sentry then reports the same change by webhook, it finds nothing new and stays quiet.

        Args:
            issue_id: Sentry's numeric issue id.
            actor: who did it: a Slack user id (shown as a mention) or a name.
            action: one of `ISSUE_ACTIONS`.
            issue: the issue as Sentry returned it after the change (status, assignedTo, count...),
                when the caller has it; without it the new status is inferred from `action`.
            assignee: for "assigned", the new assignee's name when `issue` does not carry it.
        """
        if action not in ISSUE_ACTIONS:
            raise ValueError(f"issue_changed: action must be one of {sorted(ISSUE_ACTIONS)}, not {action!r}")
        data = {**(issue or {}), "id": str(issue_id)}
        if assignee is not None:
            data["assignedTo"] = {"name": assignee}
        payload = {"action": action, "actor": {"type": "user", "name": actor}, "data": {"issue": data}}
        await self.put(Incoming(source=Source.SLACK, resource="issue", action=action, payload=payload, dedupe_key=None))


def _forget(done: asyncio.Future[bool]) -> None:
    """Mark the outcome of a delivery whose caller went away as seen (no "never retrieved" warning)."""
    if not done.cancelled():
        done.exception()


def _settle(done: asyncio.Future[bool], outcome: bool | BaseException) -> None:
    if done.done():
        return
    if isinstance(outcome, BaseException):
        done.set_exception(outcome)
    else:
        done.set_result(outcome)
