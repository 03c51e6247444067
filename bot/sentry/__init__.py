"""Sentry's REST API: the async client, its models, the read cache."""

from bot.sentry.cache import ReadCache
from bot.sentry.client import SentryClient
from bot.sentry.paging import Page

__all__ = ["Page", "ReadCache", "SentryClient"]
