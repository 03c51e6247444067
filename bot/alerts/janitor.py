"""Forgetting what is finished: dedupe keys, routed webhooks, sent deliveries, closed digests, old threads,
the records of quarantined and dropped webhooks, and ended mutes.

Kept for `DeliveryConfig.retention` (a week): long past Sentry's last retry of a delivery (about
15 minutes), and long enough that a repeat of an issue still finds its thread.
"""

from __future__ import annotations

from sqlalchemy import delete

from bot.store import Database
from bot.store.alerts import (
    alert_messages,
    dedupe_keys,
    deliveries,
    digests,
    webhook_drops,
    webhook_outbox,
    webhook_quarantine,
)
from bot.store.mutes import mutes

__all__ = ["prune"]


async def prune(db: Database, *, before: float) -> None:
    """Delete finished rows older than `before` (epoch seconds)."""
    async with db.transaction() as conn:
        await conn.execute(delete(dedupe_keys).where(dedupe_keys.c.created_at < before))
        await conn.execute(delete(deliveries).where(deliveries.c.status != "pending", deliveries.c.done_at < before))
        await conn.execute(delete(webhook_outbox).where(webhook_outbox.c.routed_at < before))
        await conn.execute(delete(digests).where(digests.c.closed.is_(True), digests.c.last_folded_at < before))
        await conn.execute(delete(alert_messages).where(alert_messages.c.updated_at < before))
        await conn.execute(delete(webhook_drops).where(webhook_drops.c.dropped_at < before))
        await conn.execute(delete(webhook_quarantine).where(webhook_quarantine.c.quarantined_at < before))
        await conn.execute(delete(mutes).where(mutes.c.ended_at < before))
