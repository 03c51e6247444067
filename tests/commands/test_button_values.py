"""What a command's buttons carry stays within Slack's 2,000 characters a button value, whole.

Slack's Block Kit reference (button element, `value`): "Maximum length for this field is 2000
characters"; a message with a longer value is refused whole (`invalid_blocks`).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands import registry
from bot.commands.dispatch import Dispatcher
from bot.errors import UsageError
from bot.views.blocks import LIMITS
from bot.views.common import share_button, with_share
from bot.views.routing import Action, decode
from tests.permissions.builders import Team, user_id
from tests.views.read import button, visible_text

# Lengths drawn on their own, so commands around and far past the limit are as likely as short ones.
local_parts = st.builds(
    lambda n, chars: (chars * n)[:n], st.integers(1, 4000), st.text("abcdefghijklmnopqrstuvwxyz0123456789.", min_size=1)
)
commands = st.builds(lambda n, chars: (chars * n)[:n], st.integers(1, 3000), st.text(min_size=1, max_size=8))


# `bob` is a member (its Confirm names him); a made-up member that fits is refused as unknown before
# any Confirm, since `member remove` looks the member up to name them.
@settings(max_examples=60, deadline=None)
@given(local=st.one_of(st.just("bob"), local_parts))
async def test_a_confirm_value_is_whole_json_within_slacks_limit_or_the_command_is_refused(local):
    text = f"member remove {local}@acme.example"
    reply = await Dispatcher(registry).run(text, Team.build().ctx("manager"))
    confirm = button(reply.message, Action.CONFIRM)
    if confirm is None:
        shown = visible_text(reply.message)
        if f"There is no member with the email `{local}@acme.example`" in shown:
            assert local != "bob"
            return
        assert "`member remove` is too long to confirm" in shown, shown
        assert "Usage: `/sentry member remove" in shown
        return
    assert len(confirm["value"]) <= LIMITS["value"]
    value = json.loads(confirm["value"])
    assert value["cmd"] == text and value["by"] == user_id("manager")


async def test_a_long_destructive_command_is_refused_before_any_confirm_is_offered():
    reply = await Dispatcher(registry).run(f"member remove {'a' * 2100}@acme.example", Team.build().ctx("manager"))
    assert button(reply.message, Action.CONFIRM) is None
    assert "too long to confirm" in visible_text(reply.message)


def test_a_damaged_confirm_value_says_so():
    damaged = decode('{"cmd":"member remove bob@acme.exa')
    with pytest.raises(UsageError, match=r"^This confirmation is damaged\. Run the command again\.$"):
        Dispatcher(registry).check_confirmation(damaged, user_id("manager"))


@given(command=commands)
def test_share_is_left_out_rather_than_cut_when_the_command_is_too_long(command):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "answer"}}]
    shared = with_share(blocks, command)
    share = share_button(command)
    if share is None:
        assert shared == blocks
    else:
        assert len(share["value"]) <= LIMITS["value"]
        assert decode(share["value"]) == {"cmd": command}
        assert shared == [*blocks, {"type": "actions", "elements": [share]}]
