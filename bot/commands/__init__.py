"""Every `/sentry` command, declared once in `registry`. Importing this package registers them all."""

from bot.commands import (  # noqa: F401  (registration)
    admin,
    alerts,
    audit,
    crons,
    hooks,
    integrations,
    issues,
    lists,
    members,
    mutes,
    org,
    releases,
    reports,
    seer,
    tickets,
)
from bot.commands.registry import Level, registry

__all__ = ["Level", "registry"]
