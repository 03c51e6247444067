"""Help, generated from the command registry: there is no hand-written help table."""

from __future__ import annotations

from collections import defaultdict

from bot.commands.registry import Command, Level, Registry
from bot.commands.slash import slash
from bot.views.blocks import context, divider, esc, header, message, section
from bot.views.common import Message

__all__ = ["command_help", "group_help", "help_help", "overview"]

LEVEL_WORDS = {
    Level.READ: "read: any linked Sentry member",
    Level.WRITE: "write: Sentry role member or above",
    Level.ADMIN: "admin: Sentry owner or manager",
    Level.DESTRUCTIVE: "destructive: Sentry owner or manager, after a confirmation",
}
ANYONE = "anyone, linked to a Sentry member or not"

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


def _usage_lines(cmds: list[Command]) -> str:
    return "\n".join(f"`{esc(c.usage)}`  {c.summary}" for c in cmds)


def command_help(cmd: Command, related: list[Command] | None = None) -> Message:
    """One command's usage, examples and permission; `related` are the other commands its words start."""
    examples = "\n".join(f"`{slash()} {esc(e)}`" for e in cmd.examples) or "—"
    blocks = [
        section(f"*{cmd.summary}*\nUsage: `{esc(cmd.usage)}`"),
        section(f"*Examples*\n{examples}"),
    ]
    if related:
        blocks.append(section(f"*Related*\n{_usage_lines(related)}"))
    blocks.append(context(f"Permission: {ANYONE if cmd.anyone else LEVEL_WORDS[cmd.level]}"))
    return message(f"Help for {slash()} {cmd.name}", blocks)


def group_help(topic: str, cmds: list[Command]) -> Message:
    """Every command `topic` starts (`help scim`), each with its usage and first example."""
    lines = [f"`{esc(c.usage)}`  {c.summary}\n      e.g. `{esc(c.example)}`" for c in cmds]
    blocks = [
        header(f"{slash()} {topic}"),
        section("\n".join(lines)),
        context(f"`{slash()} help <command>` shows one command's details, e.g. `{slash()} help {esc(cmds[-1].name)}`."),
    ]
    return message(f"Help for {slash()} {topic}: {len(cmds)} commands", blocks)


def help_help() -> Message:
    """What `help` itself takes: it is answered before the registry, so it is described here."""
    blocks = [
        section(f"*Show the commands, or one command's usage and examples*\nUsage: `{slash()} help [command]`"),
        section(f"*Examples*\n`{slash()} help`\n`{slash()} help assign`\n`{slash()} help scim`"),
        context("Permission: anyone; a word that starts several commands (`scim`, `hook`) lists them all."),
    ]
    return message(f"Help for {slash()} help", blocks)
