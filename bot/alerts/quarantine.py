"""What the quarantine holds, for `/sentry doctor`: stored webhooks the router set aside.

    summary = await quarantine_summary(db)
    summary.count, summary.latest_reason, summary.latest_at

A webhook lands there when it could not be decoded, parsed or routed (`bot.alerts.router`); its
payload and reason stay in `webhook_quarantine` for the retention (`DeliveryConfig.retention`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from bot.store import Database
from bot.store.alerts import webhook_quarantine

__all__ = ["QuarantineSummary", "quarantine_summary"]


@dataclass(frozen=True)
class QuarantineSummary:
    count: int
    latest_reason: str | None = None  # e.g. "route: OverflowError: ..."
    latest_at: float | None = None  # epoch seconds
    latest_outbox_id: int | None = None


async def quarantine_summary(db: Database) -> QuarantineSummary:
    q = webhook_quarantine.c
    async with db.read() as conn:
        count = await conn.scalar(select(func.count()).select_from(webhook_quarantine)) or 0
        latest = (
            await conn.execute(select(q.stage, q.reason, q.quarantined_at, q.outbox_id).order_by(q.id.desc()).limit(1))
        ).first()
    if latest is None:
        return QuarantineSummary(count=count)
    return QuarantineSummary(
        count=count,
        latest_reason=f"{latest.stage}: {latest.reason}",
        latest_at=latest.quarantined_at,
        latest_outbox_id=latest.outbox_id,
    )
