"""The running bot for `serve` and `socket`: services, store, alert pipeline, Bolt and HTTP routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.metrics import refresh_outbox_gauges
from bot.alerts.outbox import Outbox
from bot.alerts.receiver import add_webhook_routes
from bot.alerts.subscriptions import SubscriptionService
from bot.alerts.worker import AlertWorker
from bot.audit import AuditLog, Post
from bot.identity_store import StoredOverrides
from bot.runtime import open_services
from bot.server import build_web_app
from bot.settings import Settings
from bot.slack.app import build_bolt_app
from bot.slack.calls import counted
from bot.slack.directory import SlackDirectory
from bot.store import Database
from bot.views.blocks import Block

__all__ = ["running_bot"]


@asynccontextmanager
async def running_bot(settings: Settings, client: AsyncWebClient) -> AsyncIterator[tuple[web.Application, AsyncApp]]:
    """Everything `serve` and `socket` run, started; stopped on exit."""
    async with (
        open_services(settings, directory=SlackDirectory(client)) as (services, dispatcher),
        Database.connect(settings.database_url) as db,
    ):
        services.store = db
        services.identity.overrides = await StoredOverrides.load(db)
        services.audit = AuditLog(db, channel=settings.bot_audit_channel, post=_poster(client))
        services.subscriptions = SubscriptionService(db, settings=settings, sentry=services.sentry)
        # The worker paces each channel and honours Retry-After itself, so its client must not retry 429s.
        alert_client = counted(AsyncWebClient(token=client.token, base_url=client.base_url))
        async with AlertWorker(db, alert_client) as worker:
            services.alerts = Outbox(db, on_stored=worker.wake)
            bolt = build_bolt_app(settings=settings, services=services, dispatcher=dispatcher, client=client)
            app = build_web_app(bolt, ready=db.ping, before_scrape=partial(refresh_outbox_gauges, db))
            add_webhook_routes(app, settings=settings, db=db, on_stored=worker.wake)
            yield app, bolt


def _poster(client: AsyncWebClient) -> Post:
    """The audit log's way to post: one chat.postMessage."""

    async def post(channel: str, text: str, blocks: list[Block]) -> None:
        await client.chat_postMessage(channel=channel, text=text, blocks=blocks)

    return post
