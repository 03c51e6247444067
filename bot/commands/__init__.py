"""Every `/sentry` command, declared once in `registry`. Importing this package registers them all."""

from bot.commands import admin, alerts, audit, hooks, integrations, issues, members, org, reports  # noqa: F401  (registration)
from bot.commands.registry import Level, registry

__all__ = ["Level", "registry"]
