"""The ways to run the bot, each an async function returning an exit code."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from functools import partial

from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.checks import CheckMode, Finding, Status, run_probes
from bot.console import open_console, run_console
from bot.server import Shutdown, build_web_app, serve_app
from bot.settings import Settings
from bot.slack.calls import counted

__all__ = ["check", "console", "migrate", "serve", "slack_client", "socket", "worker"]


def slack_client(settings: Settings) -> AsyncWebClient:
    """The Web API client: `SLACK_API_URL`, and 429s retried after their Retry-After."""
    assert settings.slack_bot_token is not None
    client = AsyncWebClient(token=settings.slack_bot_token.get_secret_value(), base_url=str(settings.slack_api_url))
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    return counted(client)


async def console(settings: Settings, *, demo: bool, email: str | None) -> int:
    async with open_console(settings, demo=demo, email=email) as chat:
        await run_console(chat)
    return 0


async def check(settings: Settings, *, mode: CheckMode = "serve", findings: Sequence[Finding] = ()) -> int:
    """Run every probe for `mode` and print each finding; 1 when any failed. `findings` are problems
    found before (invalid settings), listed first."""
    every: list[Finding] = []
    for finding in [*findings, *await run_probes(settings, mode)]:
        # An invalid variable is reset to its default to let the rest run: say it once, as invalid.
        if not finding.subject or all(f.subject != finding.subject for f in every):
            every.append(finding)
    for finding in every:
        print(finding.line())
    failures = sum(f.status is Status.FAIL for f in every)
    print("All checks passed." if not failures else f"{failures} check(s) failed.", file=sys.stderr)
    return 1 if failures else 0


async def serve(settings: Settings, *, host: str, port: int) -> int:
    settings.require("slack_bot_token", "slack_signing_secret", "sentry_auth_token", "sentry_org")
    from bot.wiring import running_bot

    shutdown = Shutdown(grace=settings.bot_shutdown_grace)
    with shutdown.on_signals():
        async with running_bot(settings, slack_client(settings), shutdown=shutdown) as (app, _bolt):
            await serve_app(app, host, port, shutdown=shutdown)
    return 0


async def socket(settings: Settings, *, host: str, port: int) -> int:
    settings.require("slack_bot_token", "slack_app_token", "sentry_auth_token", "sentry_org")
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from bot.wiring import running_bot

    assert settings.slack_app_token is not None
    shutdown = Shutdown(grace=settings.bot_shutdown_grace)
    with shutdown.on_signals():
        async with running_bot(settings, slack_client(settings), shutdown=shutdown) as (app, bolt):
            handler = AsyncSocketModeHandler(bolt, settings.slack_app_token.get_secret_value())
            await handler.connect_async()  # type: ignore[no-untyped-call]

            async def close_socket() -> None:
                # At once on a stop, so no new request arrives while the ones received are answered
                # (Slack sends what is not acknowledged again, to another connection).
                await shutdown.requested.wait()
                await handler.close_async()  # type: ignore[no-untyped-call]

            closing = asyncio.create_task(close_socket())
            try:
                # The webhook listener still runs, for Sentry to reach when BOT_PUBLIC_URL points here.
                await serve_app(app, host, port, shutdown=shutdown)
            finally:
                shutdown.request("socket mode ended")
                await closing
    return 0


async def worker(settings: Settings, *, host: str, port: int) -> int:
    """Only the alert worker (routing, delivery, schedules), beside receivers run with
    `BOT_ALERT_WORKER=off`; `/healthz`, `/readyz` and `/metrics` on host:port."""
    settings.require("slack_bot_token")
    from bot.alerts.metrics import refresh_outbox_gauges
    from bot.wiring import open_database, report_sentry, running_worker

    shutdown = Shutdown(grace=settings.bot_shutdown_grace)
    with shutdown.on_signals():
        async with (
            open_database(settings) as db,
            report_sentry(settings) as sentry,
            running_worker(db, slack_client(settings), shutdown=shutdown, admins=settings.bot_admins, sentry=sentry),
        ):
            app = build_web_app(
                None, ready=db.ping, shutdown=shutdown, before_scrape=partial(refresh_outbox_gauges, db)
            )
            await serve_app(app, host, port, shutdown=shutdown)
    return 0


async def migrate(settings: Settings) -> int:
    """Upgrade the database schema (under the same lock as a start) and say what was done."""
    from bot.store import Database

    db = Database.from_url(settings.database_url)
    where = db.engine.url.render_as_string(hide_password=True)
    try:
        applied = await db.migrate()
    finally:
        await db.close()
    from bot.store.migrations import head

    if applied:
        print(f"{where}: upgraded to {head()} (applied {', '.join(applied)})")
    else:
        print(f"{where}: already at {head()}, nothing to do")
    return 0
