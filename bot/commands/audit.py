"""`/sentry audit`: the audit log of writes, for admins."""

from __future__ import annotations

from bot.commands.context import Ctx, Reply
from bot.commands.registry import Args, Level, opt, registry
from bot.errors import UsageError
from bot.views.audit import audit_list

FAMILY = "The bot"
DEFAULT_LIMIT = 20
MAX_LIMIT = 200
NO_AUDIT_LOG = "The audit log is not available: this bot runs without its database (DATABASE_URL)."


def _limit(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ValueError(f"give a number from 1 to {MAX_LIMIT}")
    return int(raw)


@registry.command(
    "audit",
    opt("--limit", convert=_limit, metavar="N", default=DEFAULT_LIMIT),
    summary="The audit log: who ran which write, admin or destructive command, and how it ended",
    level=Level.ADMIN,
    examples=["audit", "audit --limit 50"],
    family=FAMILY,
)
async def audit(ctx: Ctx, args: Args) -> Reply:
    log = ctx.services.audit
    if log is None:
        raise UsageError(NO_AUDIT_LOG)
    return Reply(audit_list(await log.recent(args.limit)))
