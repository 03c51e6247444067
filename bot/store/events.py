"""Slack events already handled, so a redelivered one is not answered twice, by any replica.

The Events API sends an event again when it was not acked within 3 s, with the same `event_id`,
up to three times over about 5 minutes (api.slack.com/apis/connections/events-api, "Error
handling": immediately, after 1 minute, after 5 minutes). The first replica to insert the id
handles the event; every other delivery finds the row and is only acked. Rows expire after
`SEEN_EVENT_TTL`, well past Slack's last retry. Times are epoch seconds, as floats.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, String, Table, delete

from bot.store.database import Database
from bot.store.schema import metadata

__all__ = ["SEEN_EVENT_TTL", "SeenEvents", "slack_seen_events"]


SEEN_EVENT_TTL = 3600.0

slack_seen_events = Table(
    "slack_seen_events",
    metadata,
    Column("event_id", String(64), primary_key=True),  # Slack's `Ev…` id
    Column("seen_at", Float, nullable=False),
    Index(None, "seen_at"),
)


class SeenEvents:
    """`await seen.first_sighting("Ev0123", now)`: True once per event id, across every replica."""

    def __init__(self, db: Database, *, ttl: float = SEEN_EVENT_TTL) -> None:
        self._db = db
        self._ttl = ttl

    async def first_sighting(self, event_id: str, now: float) -> bool:
        """Record `event_id`; True when no delivery of it was recorded before (within the ttl)."""
        async with self._db.transaction() as conn:
            await conn.execute(delete(slack_seen_events).where(slack_seen_events.c.seen_at < now - self._ttl))
            inserted = await conn.execute(
                self._db.insert(slack_seen_events).values(event_id=event_id, seen_at=now).on_conflict_do_nothing()
            )
        return inserted.rowcount == 1
