"""Help, generated from the command registry: there is no hand-written help table."""

from __future__ import annotations

from collections import defaultdict

from bot.commands.registry import Command, Level, Registry
from bot.commands.slash import slash
from bot.views.blocks import context, divider, esc, header, message, section
from bot.views.common import Message

__all__ = ["command_help", "overview"]

LEVEL_WORDS = {
    Level.READ: "read: any linked Sentry member",
    Level.WRITE: "write: Sentry role member or above",
    Level.ADMIN: "admin: Sentry owner or manager",
    Level.DESTRUCTIVE: "destructive: Sentry owner or manager, after a confirmation",
}


FAMILY_ORDER = [
    "Issues",
    "Organization and projects",
    "Alerts",
    "Members",
    "Integrations",
    "Service hooks",
    "The bot",
]


def overview(registry: Registry) -> Message:
    families: dict[str, list[Command]] = defaultdict(list)
    for cmd in registry:
        if not cmd.hidden:
            families[cmd.family].append(cmd)
    blocks = [
        header("Sentry bot: commands"),
        section(f"Type `{slash()} WEB-12A` to see an issue, or `{slash()} help <command>` for details and examples."),
    ]
    ordered = sorted(families.items(), key=lambda kv: FAMILY_ORDER.index(kv[0]) if kv[0] in FAMILY_ORDER else 99)
    for family, cmds in ordered:
        lines = [f"`{esc(c.usage.removeprefix(slash() + ' '))}`  {c.summary}" for c in cmds]
        blocks.append(divider())
        blocks.append(section(f"*{family}*\n" + "\n".join(lines)))
    blocks.append(context("A short ID (`WEB-12A`), an event ID (32 hex characters) or an issue URL alone also works."))
    return message("Sentry bot: commands", blocks)


def command_help(cmd: Command) -> Message:
    examples = "\n".join(f"`{slash()} {esc(e)}`" for e in cmd.examples) or "—"
    blocks = [
        section(f"*{cmd.summary}*\nUsage: `{esc(cmd.usage)}`"),
        section(f"*Examples*\n{examples}"),
        context(f"Permission: {LEVEL_WORDS[cmd.level]}"),
    ]
    return message(f"Help for {slash()} {cmd.name}", blocks)
