"""How much is waiting: for readiness, `/metrics`, the storm bench and the tests."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from bot.store import Database
from bot.store.alerts import deliveries, digests, webhook_outbox

__all__ = ["QueueDepth", "queue_depth"]


@dataclass(frozen=True)
class QueueDepth:
    unrouted: int  # webhooks stored but not yet routed to channels
    pending: int  # Slack calls waiting
    unsynced_digests: int  # storm digests Slack does not show in full yet

    @property
    def empty(self) -> bool:
        return not (self.unrouted or self.pending or self.unsynced_digests)


async def queue_depth(db: Database) -> QueueDepth:
    async with db.read() as conn:
        unrouted = await conn.scalar(
            select(func.count()).select_from(webhook_outbox).where(webhook_outbox.c.routed_at.is_(None))
        )
        pending = await conn.scalar(
            select(func.count()).select_from(deliveries).where(deliveries.c.status == "pending")
        )
        unsynced = await conn.scalar(
            select(func.count()).select_from(digests).where(digests.c.closed.is_(False), digests.c.dirty.is_(True))
        )
    return QueueDepth(unrouted=unrouted or 0, pending=pending or 0, unsynced_digests=unsynced or 0)
