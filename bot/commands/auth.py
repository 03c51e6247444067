"""The one permission check every command, button and modal passes through.

A command's declared level decides:
- read: any mapped Sentry member (anyone, with `BOT_READ_POLICY=everyone`);
- write (issue actions, links, subscriptions): Sentry role `member` or above;
- admin and destructive: Sentry `owner` or `manager`;
and anyone in `BOT_ADMINS` may run everything.
"""

from __future__ import annotations

from bot.commands.context import Ctx
from bot.commands.registry import Command, Level
from bot.errors import PermissionDenied
from bot.identity import ROLE_RANK, Who

__all__ = ["NEEDED_ROLE", "allowed", "authorize", "levels_allowed"]

NEEDED_ROLE: dict[Level, str | None] = {
    Level.READ: None,
    Level.WRITE: "member",
    Level.ADMIN: "manager",
    Level.DESTRUCTIVE: "manager",
}

HOW_TO_MAP = (
    "The bot matches your Slack email to a Sentry member; if yours differs, "
    "ask an admin to run `/sentry identity set @you <your-sentry-email>`."
)


def allowed(level: Level, who: Who, *, read_policy: str = "member") -> bool:
    if who.bot_admin:
        return True
    if level is Level.READ:
        return read_policy == "everyone" or who.member is not None
    needed = NEEDED_ROLE[level]
    return who.member is not None and who.rank >= ROLE_RANK[needed or "member"]


def levels_allowed(who: Who, *, read_policy: str = "member") -> list[str]:
    """The command levels `who` may run (`read`, `write`...), least powerful first."""
    return [level.value for level in Level if allowed(level, who, read_policy=read_policy)]


def _need(level: Level) -> str:
    needed = NEEDED_ROLE[level]
    if needed is None:
        return "a linked Sentry member"
    return "the Sentry role " + ("owner or manager" if needed == "manager" else f"{needed} or above")


def refusal(cmd: Command, who: Who) -> str:
    if who.member is None:
        mapped = f"your Slack account ({who.email or 'no email visible'}) is not linked to a Sentry member"
        return f"You can't run `{cmd.name}`: it needs {_need(cmd.level)}, and {mapped}. {HOW_TO_MAP}"
    return (
        f"You can't run `{cmd.name}`: it needs {_need(cmd.level)}, and yours is {who.role}. "
        "Ask an organization owner to change your role, or to add you to BOT_ADMINS."
    )


async def authorize(cmd: Command, ctx: Ctx) -> Who:
    """The requester, if they may run `cmd`; PermissionDenied (with how to get access) otherwise."""
    who = await ctx.services.identity.who(ctx.user_id)
    if not cmd.anyone and not allowed(cmd.level, who, read_policy=ctx.settings.bot_read_policy):
        raise PermissionDenied(refusal(cmd, who))
    return who
