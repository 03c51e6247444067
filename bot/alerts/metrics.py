"""The alert pipeline's Prometheus metrics, on the bot's one registry (served at `GET /metrics`).

The outbox gauges are computed when `/metrics` is scraped (`refresh_outbox_gauges`), from the
pending-row indexes, so they cost nothing between scrapes and are never stale.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import func, select

from bot.alerts.stats import queue_depth
from bot.metrics import REGISTRY
from bot.store import Database
from bot.store.alerts import deliveries, webhook_outbox

__all__ = [
    "DELIVERY_LAG",
    "DROPPED",
    "OUTBOX_DEPTH",
    "OUTBOX_OLDEST_AGE",
    "QUARANTINED",
    "SLACK_CALLS",
    "TOKEN_REFUSED",
    "WEBHOOKS",
    "refresh_outbox_gauges",
]

WEBHOOKS = Counter(
    "sentry_bot_webhooks",
    "Sentry deliveries to /sentry/webhook, by kind (service_hook, sentry_app, unsigned) and outcome "
    "(stored, duplicate, ignored, bad_signature, unknown_hook, no_secret, too_large, bad_json, bad_field, "
    "unstorable, unavailable).",
    ["kind", "outcome"],
    registry=REGISTRY,
)
SLACK_CALLS = Counter(
    "sentry_bot_alert_slack_calls",
    "Slack calls made by the alert worker, by method and outcome (ok, retry, channel, message, workspace).",
    ["method", "outcome"],
    registry=REGISTRY,
)
TOKEN_REFUSED = Gauge(
    "sentry_bot_slack_token_refused",
    "1 while Slack refuses the bot's token and alert deliveries are held for the whole workspace, else 0.",
    registry=REGISTRY,
)
DELIVERY_LAG = Histogram(
    "sentry_bot_alert_delivery_lag_seconds",
    "From a webhook's arrival to Slack accepting a message it caused (post, thread reply, update).",
    buckets=(0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600),
    registry=REGISTRY,
)
OUTBOX_DEPTH = Gauge(
    "sentry_bot_outbox_depth",
    "Work waiting in the outbox, by stage: routing (webhooks stored, not yet routed to channels), "
    "delivery (Slack messages waiting), digest (storm digests Slack does not show in full yet).",
    ["stage"],
    registry=REGISTRY,
)
OUTBOX_OLDEST_AGE = Gauge(
    "sentry_bot_outbox_oldest_age_seconds",
    "Age of the oldest webhook not yet delivered to Slack (unrouted, or routed with a message pending), "
    "from its arrival; 0 when nothing waits.",
    registry=REGISTRY,
)


async def refresh_outbox_gauges(db: Database, *, clock: Callable[[], float] = time.time) -> None:
    """Set the outbox gauges from the database, for the scrape about to be answered."""
    depth = await queue_depth(db)
    # A pending message made by routing dates from its webhook; one with no webhook (a redraw), from itself.
    waiting_since = func.coalesce(webhook_outbox.c.received_at, deliveries.c.created_at)
    async with db.read() as conn:
        unrouted = await conn.scalar(
            select(func.min(webhook_outbox.c.received_at)).where(webhook_outbox.c.routed_at.is_(None))
        )
        pending = await conn.scalar(
            select(func.min(waiting_since))
            .select_from(deliveries.outerjoin(webhook_outbox, webhook_outbox.c.id == deliveries.c.outbox_id))
            .where(deliveries.c.status == "pending")
        )
    OUTBOX_DEPTH.labels("routing").set(depth.unrouted)
    OUTBOX_DEPTH.labels("delivery").set(depth.pending)
    OUTBOX_DEPTH.labels("digest").set(depth.unsynced_digests)
    oldest = min((t for t in (unrouted, pending) if t is not None), default=None)
    OUTBOX_OLDEST_AGE.set(max(0.0, clock() - oldest) if oldest is not None else 0.0)


QUARANTINED = Counter(
    "sentry_bot_webhooks_quarantined",
    "Stored webhooks set aside in webhook_quarantine, by the stage that failed on them "
    "(decode, parse, route); `/sentry doctor` shows the latest.",
    ["stage"],
    registry=REGISTRY,
)
DROPPED = Counter(
    "sentry_bot_webhooks_dropped",
    "Stored webhooks that became no Slack call, by reason (not_posted, no_id, no_subscriber, no_message, "
    "already_shown).",
    ["reason"],
    registry=REGISTRY,
)
