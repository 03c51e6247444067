"""Share in channel, through Slack: the button appears only when the command fits in its value."""

from __future__ import annotations

from bot.views.routing import Action
from tests.views.limits import assert_within_limits


def action_ids(answer):
    return [e["action_id"] for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]


async def test_a_short_command_offers_share(bot):
    answer = await bot.command("stats web")
    assert Action.SHARE in action_ids(answer)


async def test_a_command_too_long_for_a_button_value_is_answered_without_share(bot):
    text = "stats web" + " --stat received" * 150  # 2,409 characters: repeating an option is allowed
    answer = await bot.command(text)
    assert_within_limits(answer)
    assert answer["text"].startswith("Received events · web")
    assert Action.SHARE not in action_ids(answer)
