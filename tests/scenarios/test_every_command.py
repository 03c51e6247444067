"""Every command of the registry, typed in Slack as its own first example, answers usefully.

The examples are the ones `/sentry help` shows, and they are written against the Sentry stand-in's
sample data, so each one works in `sentry-bot console --demo` too.
"""

from __future__ import annotations

import re

import pytest

from bot.commands import Level, registry
from tests.views.limits import assert_within_limits

COMMANDS = [cmd for cmd in registry if cmd.examples]
# What must be true before the example makes sense.
SETUP = {
    "unsubscribe": "subscribe web",
    "unmute": "mute WEB-12A 4h",
    "report remove": "report add web daily",
    "report now": "report add web daily",
}
# Commands whose answer is for the whole channel (a report posted at once).
IN_CHANNEL = {"report now"}
# Commands whose work is a message in the channel by design: Seer's run, in the thread.
POSTS_IN_CHANNEL = {"fix"}


def test_every_command_has_an_example():
    assert [c.name for c in registry if not c.examples] == []


def as_slack_sends_it(example: str) -> str:
    """With "escape users" on (manifest.yml), Slack sends a typed `@alice` as `<@UALICE|alice>`."""
    return re.sub(
        r"^(identity (?:set|clear)) @(\w+)", lambda m: f"{m.group(1)} <@U{m.group(2).upper()}|{m.group(2)}>", example
    )


@pytest.mark.parametrize("cmd", COMMANDS, ids=[c.name for c in COMMANDS])
async def test_each_command_example_answers_in_slack(bot, cmd):
    if cmd.name in SETUP:
        await bot.command(SETUP[cmd.name], user="UALICE", channel="C123")
    answer = await bot.command(as_slack_sends_it(cmd.examples[0]), user="UALICE", channel="C123")
    assert_within_limits(answer)
    text = answer["text"]
    assert answer["response_type"] == ("in_channel" if cmd.name in IN_CHANNEL else "ephemeral")
    if cmd.level is Level.DESTRUCTIVE:
        assert text.startswith("⚠️ This will ")
        assert text.endswith("This cannot be undone.")
        assert [b["text"]["text"] for b in answer["blocks"][-1]["elements"]] == ["Confirm", "Cancel"]
    else:
        assert not text.startswith("⚠️"), f"/sentry {cmd.examples[0]} -> {text}"
    if cmd.name in POSTS_IN_CHANNEL:
        assert {c["channel"] for c in bot.slack.calls_to("chat.postMessage")} == {"C123"}
    else:
        assert bot.slack.count("chat.postMessage") == 0
