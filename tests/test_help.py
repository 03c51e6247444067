"""`/sentry help`, generated from the registry: one command, a group of commands, and help itself."""

from __future__ import annotations

import pytest

from bot.commands import registry
from bot.commands.dispatch import Dispatcher
from bot.views.blocks import esc
from tests.permissions.builders import Team

GROUPS = {
    "scim": ["scim users", "scim add", "scim deactivate", "scim remove"],
    "hook": ["hooks", "hook add", "hook remove"],
    "forwarder": ["forwarders", "forwarder add", "forwarder update", "forwarder remove"],
    "identity": ["identity set", "identity clear"],
}


async def ask(text: str) -> str:
    reply = await Dispatcher(registry).run(text, Team.build().ctx("member"))
    return "\n".join(block["text"]["text"] for block in reply.message["blocks"] if "text" in block)


@pytest.mark.parametrize("word", GROUPS)
async def test_help_for_a_word_that_starts_several_commands_lists_every_one(word):
    shown = await ask(f"help {word}")
    assert not shown.startswith("⚠️"), shown
    for name in GROUPS[word]:
        assert f"`{esc(registry.find(name.split()).usage)}`" in shown


async def test_a_group_lists_more_than_three_commands():
    shown = await ask("help forwarder")
    assert sum(f"`/sentry {name}" in shown for name in GROUPS["forwarder"]) == 4


async def test_help_for_one_command_also_names_the_commands_its_word_starts():
    shown = await ask("help member")
    assert "Usage: `/sentry member &lt;email|id&gt;`" in shown
    assert "*Related*" in shown
    assert "`/sentry member remove &lt;email|id&gt;`" in shown


async def test_help_help_describes_help():
    shown = await ask("help help")
    assert "Usage: `/sentry help [command]`" in shown
    assert "`/sentry help scim`" in shown


async def test_a_bare_group_word_says_which_commands_it_starts():
    shown = await ask("scim")
    assert shown.startswith("⚠️ `scim` starts several commands: `scim users`, `scim add`")
    assert "Usage: `/sentry help scim`" in shown


async def test_an_unknown_topic_still_suggests_close_commands():
    shown = await ask("help membrs")
    assert shown.startswith("⚠️ There is no `membrs` command. Did you mean `members`")
