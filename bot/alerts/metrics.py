"""The alert pipeline's Prometheus counters, on the bot's one registry (served at `GET /metrics`)."""

from __future__ import annotations

from prometheus_client import Counter

from bot.metrics import REGISTRY

__all__ = ["DROPPED", "QUARANTINED", "SLACK_CALLS", "WEBHOOKS"]

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
    "Slack calls made by the alert worker, by method and outcome (ok, retry, channel, message).",
    ["method", "outcome"],
    registry=REGISTRY,
)
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
