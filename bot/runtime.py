"""Assembling the bot's long-lived parts from the settings, for every mode (serve, socket, console)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from bot.commands import registry
from bot.commands.context import Directory, Services
from bot.commands.dispatch import Dispatcher
from bot.identity import Identity
from bot.sentry import ReadCache, SentryClient
from bot.settings import Settings

__all__ = ["open_services"]


@asynccontextmanager
async def open_services(
    settings: Settings, *, directory: Directory, admins: frozenset[str] | None = None
) -> AsyncIterator[tuple[Services, Dispatcher]]:
    """The Sentry client, cache, identity mapping and dispatcher; closed on exit."""
    settings.require("sentry_auth_token", "sentry_org")
    assert settings.sentry_auth_token is not None and settings.sentry_org is not None
    async with aiohttp.ClientSession() as session:
        sentry = SentryClient(
            base_url=str(settings.sentry_url),
            token=settings.sentry_auth_token,
            org=settings.sentry_org,
            session=session,
            cache=ReadCache(ttl=settings.cache_ttl_seconds),
        )
        identity = Identity(
            sentry=sentry, directory=directory, admins=settings.bot_admins if admins is None else admins
        )
        yield (
            Services(settings=settings, sentry=sentry, identity=identity),
            Dispatcher(registry, command=settings.slack_command),
        )
