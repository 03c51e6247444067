"""The alert pipeline's Prometheus counters, on the bot's one registry (served at `GET /metrics`)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

from bot.metrics import REGISTRY

__all__ = ["SLACK_CALLS", "TOKEN_REFUSED", "WEBHOOKS"]

WEBHOOKS = Counter(
    "sentry_bot_webhooks",
    "Sentry deliveries to /sentry/webhook, by kind (service_hook, sentry_app, unsigned) and outcome "
    "(stored, duplicate, ignored, bad_signature, unknown_hook, no_secret, too_large, bad_json, unavailable).",
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
