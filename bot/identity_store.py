"""Identity overrides that survive a restart: a mapping kept in memory, written through to the store.

    overrides = await StoredOverrides.load(db)
    identity = Identity(sentry=sentry, directory=directory, overrides=overrides)
    await overrides.save("U123", "alice@acme.example", set_by="U999")  # what `Identity.pin` calls

Reads (`Identity.email_of` on every command) come from memory, so they cost no query; `refresh`
(which `Identity` awaits first) reads the table again once the copy is `REFRESH_AFTER` seconds old,
so a link another replica set or cleared holds here within that time. Writes go to the database
first and to memory only once committed: a failed write changes nothing.
Item assignment (`overrides[user] = email`) changes this process only; `save`/`delete` persist.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, MutableMapping

from sqlalchemy import delete, select

from bot.store import Database
from bot.store.identity import identity_overrides

__all__ = ["REFRESH_AFTER", "StoredOverrides"]

# Seconds a replica may go on using a link another replica has changed (one query per period).
REFRESH_AFTER = 30.0


class StoredOverrides(MutableMapping[str, str]):
    """Slack user id → the email an admin linked them to. Build it with `await StoredOverrides.load(db)`."""

    def __init__(self, db: Database, entries: dict[str, str], *, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._entries = entries
        self._local: dict[str, str] = {}  # set by item assignment: this process only
        self._clock = clock
        self._read_at = clock()

    @classmethod
    async def load(cls, db: Database, *, clock: Callable[[], float] = time.time) -> StoredOverrides:
        """Every override in the store."""
        return cls(db, await _read(db), clock=clock)

    async def refresh(self) -> None:
        """Read the store again if the copy in memory is REFRESH_AFTER seconds old or more."""
        if self._clock() - self._read_at < REFRESH_AFTER:
            return
        self._read_at = self._clock()  # first: the commands arriving meanwhile do not read it too
        self._entries = {**await _read(self._db), **self._local}

    async def save(self, user_id: str, email: str, *, set_by: str) -> None:
        """Link `user_id` to `email` (replacing any earlier link), as `set_by` asked."""
        values = {"email": email, "set_by": set_by, "set_at": self._clock()}
        insert = self._db.insert(identity_overrides).values(slack_user_id=user_id, **values)
        async with self._db.transaction() as conn:
            await conn.execute(insert.on_conflict_do_update(index_elements=["slack_user_id"], set_=values))
        self._entries[user_id] = email
        self._local.pop(user_id, None)

    async def delete(self, user_id: str) -> bool:
        """Remove the link of `user_id`; True when there was one."""
        async with self._db.transaction() as conn:
            result = await conn.execute(delete(identity_overrides).where(identity_overrides.c.slack_user_id == user_id))
        # Either may know the link: memory holds links set by item assignment only, and the store
        # holds links another replica made after this one loaded.
        self._local.pop(user_id, None)
        return self._entries.pop(user_id, None) is not None or result.rowcount > 0

    def __getitem__(self, user_id: str) -> str:
        return self._entries[user_id]

    def __setitem__(self, user_id: str, email: str) -> None:
        self._entries[user_id] = self._local[user_id] = email

    def __delitem__(self, user_id: str) -> None:
        del self._entries[user_id]
        self._local.pop(user_id, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


async def _read(db: Database) -> dict[str, str]:
    async with db.read() as conn:
        rows = await conn.execute(select(identity_overrides.c.slack_user_id, identity_overrides.c.email))
        return {user_id: email for user_id, email in rows}
