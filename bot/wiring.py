"""The running bot for `serve` and `socket`: services, store, alert pipeline, Bolt and HTTP routes.

`BOT_ALERT_WORKER=off` leaves the alert worker out (webhooks are stored for a `sentry-bot worker`
to deliver); `BOT_AUTO_MIGRATE=off` refuses a database behind the code instead of upgrading it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from functools import partial

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.config import DeliveryConfig
from bot.alerts.metrics import refresh_outbox_gauges
from bot.alerts.outbox import Outbox
from bot.alerts.receiver import add_webhook_routes
from bot.alerts.rule_action import rule_action_routes
from bot.alerts.rule_channels import RuleChannels
from bot.alerts.subscriptions import SubscriptionService
from bot.alerts.worker import AlertWorker
from bot.audit import AuditLog, Post
from bot.identity_store import StoredOverrides
from bot.runtime import open_services
from bot.seer import Post as SeerPost
from bot.seer import SeerRuns, alert_thread
from bot.sentry import ReadCache, SentryClient
from bot.server import Shutdown, build_web_app
from bot.settings import Settings
from bot.slack.app import build_bolt_app
from bot.slack.calls import counted
from bot.slack.channels import ChannelDirectory
from bot.slack.directory import SlackDirectory
from bot.store import Database
from bot.views.blocks import Block

__all__ = ["open_database", "report_sentry", "running_bot", "running_worker"]


def open_database(settings: Settings) -> AbstractAsyncContextManager[Database]:
    """`DATABASE_URL`, upgraded at start unless `BOT_AUTO_MIGRATE=off` (then refused when behind)."""
    return Database.connect(
        settings.database_url, migrate="auto" if settings.bot_auto_migrate == "on" else "refuse-behind"
    )


@asynccontextmanager
async def report_sentry(settings: Settings) -> AsyncIterator[SentryClient | None]:
    """For `sentry-bot worker`: the Sentry client scheduled reports read with, or None (reports then
    wait for a worker that has one) when `SENTRY_AUTH_TOKEN` or `SENTRY_ORG` is not set."""
    if settings.sentry_auth_token is None or settings.sentry_org is None:
        yield None
        return
    async with aiohttp.ClientSession() as session:
        yield SentryClient(
            base_url=str(settings.sentry_url),
            token=settings.sentry_auth_token,
            org=settings.sentry_org,
            session=session,
            cache=ReadCache(ttl=settings.cache_ttl_seconds),
        )


@asynccontextmanager
async def running_worker(
    db: Database,
    client: AsyncWebClient,
    *,
    shutdown: Shutdown | None = None,
    admins: Iterable[str] = (),
    sentry: SentryClient | None = None,
) -> AsyncIterator[AlertWorker]:
    """The alert worker (routing, delivery, janitor; scheduled reports when given `sentry`), started; on
    exit it finishes the Slack calls under way within what is left of the shutdown's grace and gives
    up its channel leases. `admins` hear of channels Sentry alert rules chose that the bot cannot post in."""
    # The worker paces each channel and honours Retry-After itself, so its client must not retry 429s.
    worker = AlertWorker(
        db,
        counted(AsyncWebClient(token=client.token, base_url=client.base_url)),
        config=DeliveryConfig(rule_notify=tuple(sorted(admins))),
        sentry=sentry,
    )
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop(grace=shutdown.remaining() if shutdown is not None else 10.0)


@asynccontextmanager
async def running_bot(
    settings: Settings, client: AsyncWebClient, *, shutdown: Shutdown | None = None
) -> AsyncIterator[tuple[web.Application, AsyncApp]]:
    """Everything `serve` and `socket` run, started; stopped on exit."""
    async with (
        open_services(settings, directory=SlackDirectory(client)) as (services, dispatcher),
        open_database(settings) as db,
        AsyncExitStack() as stack,
    ):
        services.store = db
        services.identity.overrides = await StoredOverrides.load(db)
        services.audit = AuditLog(db, channel=settings.bot_audit_channel, post=_poster(client))
        services.subscriptions = SubscriptionService(db, settings=settings, sentry=services.sentry)
        worker = None
        if settings.bot_alert_worker == "on":
            worker = await stack.enter_async_context(
                running_worker(db, client, shutdown=shutdown, admins=settings.bot_admins, sentry=services.sentry)
            )
        # Without a worker here, another process's worker finds the stored rows when it polls.
        wake = worker.wake if worker is not None else None
        services.alerts = Outbox(db, on_stored=wake)
        services.seer = SeerRuns(post=_thread_poster(client), thread_of=alert_thread(db))
        # Runs under way are no longer followed at shutdown (they go on in Sentry, which the thread links).
        stack.push_async_callback(services.seer.close)
        bolt = build_bolt_app(settings=settings, services=services, dispatcher=dispatcher, client=client)
        app = build_web_app(bolt, ready=db.ping, shutdown=shutdown, before_scrape=partial(refresh_outbox_gauges, db))
        add_webhook_routes(app, settings=settings, db=db, on_stored=wake)
        directory = ChannelDirectory(client)
        rule_channels = RuleChannels(db, directory, notify=tuple(sorted(settings.bot_admins)))
        app.add_routes(
            rule_action_routes(settings=settings, directory=directory, channels=rule_channels, audit=services.audit)
        )
        yield app, bolt


def _thread_poster(client: AsyncWebClient) -> SeerPost:
    """Seer's way to post: one chat.postMessage, in a thread when given; returns the message's ts."""

    async def post(channel: str, text: str, blocks: list[Block], thread_ts: str | None) -> str | None:
        sent = await client.chat_postMessage(channel=channel, text=text, blocks=blocks, thread_ts=thread_ts)
        return str(sent.get("ts") or "") or None

    return post


def _poster(client: AsyncWebClient) -> Post:
    """The audit log's way to post: one chat.postMessage."""

    async def post(channel: str, text: str, blocks: list[Block]) -> None:
        await client.chat_postMessage(channel=channel, text=text, blocks=blocks)

    return post
