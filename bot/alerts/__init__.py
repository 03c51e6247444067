"""Sentry alerts into the Slack channels that subscribed: verified, durable, threaded, paced, in sync.

    Sentry --POST /sentry/webhook--> receiver --> outbox (committed before the 2xx)
        --> worker: router --> deliveries per channel --> sender (paced, leased) --> Slack

Wiring (serve mode):

    async with Database.connect(settings.database_url) as db:
        async with AlertWorker(db, slack_client) as worker:
            add_webhook_routes(app, settings=settings, db=db, on_stored=worker.wake)
            subscriptions = SubscriptionService(db, settings=settings, sentry=sentry_client)
            outbox = Outbox(db, on_stored=worker.wake)   # outbox.issue_changed(...) from buttons
"""

from bot.alerts.config import DeliveryConfig
from bot.alerts.models import Alert, EventKind, IssueChange, Subscription, SubscriptionFilters
from bot.alerts.outbox import ISSUE_ACTIONS, Outbox
from bot.alerts.receiver import WEBHOOK_PATH, add_webhook_routes, webhook_routes
from bot.alerts.stats import QueueDepth, queue_depth
from bot.alerts.subscriptions import HookClient, SubscriptionService, parse_subscription_args
from bot.alerts.worker import AlertWorker

__all__ = [
    "ISSUE_ACTIONS",
    "WEBHOOK_PATH",
    "Alert",
    "AlertWorker",
    "DeliveryConfig",
    "EventKind",
    "HookClient",
    "IssueChange",
    "Outbox",
    "QueueDepth",
    "Subscription",
    "SubscriptionFilters",
    "SubscriptionService",
    "add_webhook_routes",
    "parse_subscription_args",
    "queue_depth",
    "webhook_routes",
]
