"""The permission matrix: every declared command × every role is allowed or refused as its level says.

Generated from the registry, so a command is checked the moment it is declared: there is no list
of commands here to forget to update.
"""

from __future__ import annotations

import pytest

from bot.commands import registry
from bot.commands.auth import allowed
from bot.commands.dispatch import Dispatcher
from bot.commands.registry import Command, Level
from bot.views.routing import Action, decode
from tests.permissions.builders import ROLES, Team, sample_text, user_id, who
from tests.views.read import button, visible_text

# Issue #5 as written, on purpose not derived from bot.commands.auth: read → any Sentry member,
# write → member and above, admin and destructive → owner or manager, BOT_ADMINS → everything.
MAY_RUN: dict[Level, frozenset[str]] = {
    Level.READ: frozenset({"billing", "member", "admin", "manager", "owner", "bot_admin"}),
    Level.WRITE: frozenset({"member", "admin", "manager", "owner", "bot_admin"}),
    Level.ADMIN: frozenset({"manager", "owner", "bot_admin"}),
    Level.DESTRUCTIVE: frozenset({"manager", "owner", "bot_admin"}),
}
# How a refusal names the role it needs (for a user whose Sentry role falls short).
NEEDED_WORDS = {Level.WRITE: "member or above", Level.ADMIN: "owner or manager", Level.DESTRUCTIVE: "owner or manager"}
HOW_TO_MAP = "/sentry identity set"

COMMANDS = list(registry)
MATRIX = [pytest.param(cmd, role, id=f"{cmd.name}|{role}") for cmd in COMMANDS for role in ROLES]


def refused(shown: str, cmd: Command) -> bool:
    return f"You can't run `{cmd.name}`" in shown


def test_every_level_has_a_rule_and_a_command():
    assert set(MAY_RUN) == set(Level)
    assert {cmd.level for cmd in COMMANDS} == set(Level), "the registry looks half-loaded"


@pytest.mark.parametrize(("cmd", "role"), MATRIX)
def test_allowed_follows_the_level(cmd: Command, role: str):
    assert allowed(cmd.level, who(role)) is (role in MAY_RUN[cmd.level])


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: c.name)
def test_read_policy_everyone_opens_reads_only(cmd: Command):
    assert allowed(cmd.level, who("unmapped"), read_policy="everyone") is (cmd.level is Level.READ)


@pytest.mark.parametrize(("cmd", "role"), MATRIX)
async def test_dispatcher_enforces_the_level(cmd: Command, role: str):
    text = sample_text(cmd, registry)
    if text is None:
        pytest.fail(f"no example of `{cmd.name}` parses: give it one in its @registry.command declaration")
    team = Team.build()
    reply = await Dispatcher(registry).run(text, team.ctx(role))
    shown = visible_text(reply.message)
    results = [entry.result for entry in team.audit.entries]

    if role not in MAY_RUN[cmd.level] and not cmd.anyone:  # `whoami` answers everyone, unlinked users first
        assert refused(shown, cmd), shown
        if role == "unmapped":
            assert HOW_TO_MAP in shown
        else:
            assert NEEDED_WORDS[cmd.level] in shown and f"yours is {role}" in shown
        assert results == ([] if cmd.level is Level.READ else ["denied"])
    elif cmd.level is Level.DESTRUCTIVE:
        confirm = button(reply.message, Action.CONFIRM)
        assert confirm is not None, shown
        assert decode(confirm["value"])["by"] == user_id(role)
        assert results == [], "nothing ran yet, so nothing is audited"
    else:
        assert not refused(shown, cmd), shown
        assert "denied" not in results


@pytest.mark.parametrize("level", [Level.WRITE, Level.ADMIN, Level.DESTRUCTIVE])
async def test_refusal_of_an_unmapped_user_names_the_needed_role(level: Level):
    cmd = next(c for c in COMMANDS if c.level is level and sample_text(c, registry))
    text = sample_text(cmd, registry)
    assert text is not None
    reply = await Dispatcher(registry).run(text, Team.build().ctx("unmapped"))
    shown = visible_text(reply.message)
    assert HOW_TO_MAP in shown and NEEDED_WORDS[level] in shown
