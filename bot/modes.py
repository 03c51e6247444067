"""The four ways to run the bot, each an async function returning an exit code."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.checks import CheckMode, Finding, Status, run_probes
from bot.console import CONSOLE_USER, Console, demo_settings, run_console
from bot.runtime import open_services
from bot.server import serve_app
from bot.settings import Settings

__all__ = ["check", "console", "serve", "slack_client", "socket"]


def slack_client(settings: Settings) -> AsyncWebClient:
    """The Web API client: `SLACK_API_URL`, and 429s retried after their Retry-After."""
    assert settings.slack_bot_token is not None
    client = AsyncWebClient(token=settings.slack_bot_token.get_secret_value(), base_url=str(settings.slack_api_url))
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    return client


class _NoDirectory:
    """The console has no Slack directory: its one user is mapped explicitly."""

    async def email_of(self, user_id: str) -> str | None:
        return None


async def console(settings: Settings, *, demo: bool, email: str | None) -> int:
    if demo:
        async with demo_settings(settings) as (demo_config, owner_email):
            return await _console(demo_config, email or owner_email)
    return await _console(settings, email)


async def _console(settings: Settings, email: str | None) -> int:
    async with open_services(settings, directory=_NoDirectory()) as (services, dispatcher):
        if email:
            await services.identity.pin(CONSOLE_USER, email)
        await run_console(Console(services, dispatcher))
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

    async with running_bot(settings, slack_client(settings)) as (app, _bolt):
        await serve_app(app, host, port)
    return 0


async def socket(settings: Settings, *, host: str, port: int) -> int:
    settings.require("slack_bot_token", "slack_app_token", "sentry_auth_token", "sentry_org")
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from bot.wiring import running_bot

    assert settings.slack_app_token is not None
    async with running_bot(settings, slack_client(settings)) as (app, bolt):
        handler = AsyncSocketModeHandler(bolt, settings.slack_app_token.get_secret_value())
        await handler.connect_async()  # type: ignore[no-untyped-call]
        # The webhook listener still runs, for Sentry to reach when BOT_PUBLIC_URL points here.
        await serve_app(app, host, port)
    return 0
