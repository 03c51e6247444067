"""Mentions, tags and assignees in Slack (issue 14): typed as Slack delivers them, seen where Slack
shows them. Slack sends a picked user group as `<!subteam^ID|@handle>` and a person as
`<@ID|name>` in the command's text (../shared/fixtures/slack/slack.escaping.json)."""

from __future__ import annotations

from typing import Any

from tests.alerts.harness import text_of
from tests.alerts.payloads import hook_payload

WEB_12A = "5501024301"


async def _alert(bot: Any, **fields: Any) -> dict[str, Any]:
    assert await bot.service_hook(hook_payload(project="web", issue=WEB_12A, **fields)) == 200
    (posted,) = await bot.slack.wait_for("chat.postMessage", timeout=10)
    return posted


async def test_a_channel_pinging_its_oncall_group_sees_the_mention_and_the_tags(bot):
    answer = await bot.command(
        "subscribe web --mention <!subteam^S0ONCALL|@oncall> --tags release,browser", user="UDAVE", channel="CALERTS"
    )
    assert "mention `<!subteam^S0ONCALL>` on new" in text_of(answer)
    assert "tags release, browser" in text_of(answer)

    posted = await _alert(bot, tags={"release": "web@2.3.0"})
    assert posted["channel"] == "CALERTS"
    assert posted["text"].startswith("<!subteam^S0ONCALL> ")
    shown = text_of(posted)
    assert "🔔 <!subteam^S0ONCALL>" in shown
    assert "*release*\nweb@2.3.0" in shown and "*browser*\nChrome 75.0.3770" in shown

    listed = await bot.command("subscriptions", channel="CALERTS")
    assert "broadcast" not in text_of(listed) and "mention `<!subteam^S0ONCALL>`" in text_of(listed)


async def test_a_name_slack_did_not_recognise_says_what_to_type(bot):
    answer = await bot.command("subscribe web --mention @oncal", user="UDAVE", channel="CALERTS")
    shown = text_of(answer)
    assert "`@oncal` is neither" in shown and "pick from the list" in shown
    assert "[--mention @user|@group|here]" in shown  # the usage, with the options


async def test_assigning_with_the_bot_pings_the_assignee_once_in_the_alert_s_thread(bot):
    # Assignment replies are off in this channel: the ping comes all the same.
    await bot.command("subscribe web --events alert,resolved", user="UDAVE", channel="CALERTS")
    await _alert(bot)
    (parent_ts,) = [ts for (channel, ts), m in bot.slack.messages.items() if channel == "CALERTS"]

    await bot.command("assign WEB-12A <@UDAVE|dave>", user="UALICE", channel="CALERTS")
    await bot.command("assign WEB-12A <@UDAVE|dave>", user="UALICE", channel="CALERTS")  # again: no news
    await bot.command("resolve WEB-12A", user="UALICE", channel="CALERTS")
    # A channel's calls go out in the order of the changes, and each reply is drawn from its own
    # change: once the resolution's reply is in the thread, every reply before it is too.
    await bot.slack.wait_for("chat.postMessage", count=3, timeout=10)

    ping, resolved = [c for c in bot.slack.calls_to("chat.postMessage", ok=True) if c.get("thread_ts")]
    assert ping["thread_ts"] == resolved["thread_ts"] == parent_ts
    assert "<@UALICE> assigned this issue to <@UDAVE>." in text_of(ping)
    assert "<@UALICE> resolved this issue." in text_of(resolved)
    (parent,) = [
        m for (channel, _ts), m in bot.slack.messages.items() if channel == "CALERTS" and not m.get("thread_ts")
    ]
    assert "👤 Assigned to <@UDAVE>" in text_of(parent)
