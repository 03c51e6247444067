"""The four ways to run the bot, each an async function returning an exit code."""

from __future__ import annotations

import sys

from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.console import open_console, run_console
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
    async with open_console(settings, demo=demo, email=email) as chat:
        await run_console(chat)
    return 0


async def check(settings: Settings) -> int:
    """Validate the configuration, then reach Slack and Sentry; print what is wrong in plain words."""
    from bot.settings import ConfigError

    failures = 0

    def report(ok: bool, line: str) -> None:
        nonlocal failures
        failures += not ok
        print(("ok    " if ok else "FAIL  ") + line)

    for names, what in (
        (("sentry_auth_token", "sentry_org"), "Sentry settings"),
        (("slack_bot_token",), "Slack bot token"),
        (("slack_signing_secret",), "Slack signing secret (needed by serve)"),
    ):
        try:
            settings.require(*names)
            report(True, what)
        except ConfigError as exc:
            report(False, str(exc))
    if settings.slack_bot_token is not None:
        try:
            auth = await slack_client(settings).auth_test()
            report(True, f"Slack: signed in as {auth.get('user')} in workspace {auth.get('team')}")
        except Exception as exc:  # any failure is reported in words, never as a traceback
            report(False, f"Slack auth.test failed: {getattr(exc, 'response', {}).get('error', type(exc).__name__)}")
    if settings.sentry_auth_token is not None and settings.sentry_org:
        async with open_services(settings, directory=_NoDirectory()) as (services, _):
            try:
                org = await services.sentry.get_organization()
                report(True, f"Sentry: organization {org.slug} ({org.name}) at {settings.sentry_url}")
            except Exception as exc:
                message = exc.user_message() if hasattr(exc, "user_message") else type(exc).__name__
                report(False, f"Sentry organization {settings.sentry_org}: {message}")
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
