"""Mute from an alert message's menu, alerts counted while muted, `/sentry mutes`, then `unmute`:
what the channel shows at each step, as Slack delivers the clicks and commands."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.views.routing import Action, decode
from tests.alerts.harness import text_of
from tests.alerts.payloads import hook_payload
from tests.views.limits import assert_within_limits

WEB_12A = "5501024301"  # WEB-12A in the Sentry stand-in
CHANNEL = "CALERTS"


def mute_menu(message: dict[str, Any]) -> dict[str, Any]:
    (menu,) = [
        e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"] if e["type"] == "static_select"
    ]
    return menu


def as_slack_has_it(posted: dict[str, Any], ts: str) -> dict[str, Any]:
    """The alert message as a click on it carries it: its ts, blocks and metadata."""
    return {"ts": ts, "blocks": posted["blocks"], "metadata": posted["metadata"]}


async def counted(bot: Any, n: int) -> dict[str, Any]:
    """`/sentry mutes`, asked until it counts `n` alerts (routing runs apart from the webhook's 200)."""
    for _ in range(100):
        answer = await bot.command("mutes", user="UDAVE", channel=CHANNEL)
        if f"{n} alerts so far" in text_of(answer):
            return answer
        await asyncio.sleep(0.1)
    raise AssertionError(f"/sentry mutes never counted {n}: {text_of(answer)}")


async def test_mute_from_the_menu_count_while_muted_and_unmute_with_the_count_in_the_thread(bot):
    await bot.command("subscribe web", user="UDAVE", channel=CHANNEL)
    assert await bot.service_hook(hook_payload(project="web", issue=WEB_12A, event="e0")) == 200
    (posted,) = await bot.slack.wait_for("chat.postMessage", timeout=10, ok=True)
    menu = mute_menu(posted)
    assert menu["placeholder"]["text"] == "🔕 Mute"
    assert [o["text"]["text"] for o in menu["options"]] == ["30 min", "4 hours", "1 day", "1 week"]
    four_hours = menu["options"][1]["value"]
    assert decode(four_hours) == {"issue": WEB_12A, "d": "4h"}
    (ts,) = [t for (c, t) in bot.slack.messages if c == CHANNEL]

    key = await bot.click(
        Action.MUTE,
        four_hours,
        user="UDAVE",
        channel=CHANNEL,
        message=as_slack_has_it(posted, ts),
        action_type="static_select",
    )
    (answer,) = await bot.slack.wait_for_response(key, timeout=10)
    assert answer["text"].startswith("🔕 *WEB-12A* is muted in <#CALERTS> until <!date^")
    assert "replace_original" not in answer, "the alert message is the pipeline's to redraw"

    (update,) = await bot.slack.wait_for("chat.update", timeout=10, ok=True)
    assert_within_limits(update)
    shown = bot.slack.messages[(CHANNEL, ts)]
    assert "🔕 Muted by <@UDAVE> until <!date^" in text_of(shown)
    assert "^{time}|" in text_of(shown), "a 4-hour mute shows the time, in each reader's own time zone"
    buttons = [e for b in shown["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [e["text"]["text"] for e in buttons if e["action_id"] == Action.UNMUTE] == ["🔔 Unmute"]

    for n in range(5):
        assert await bot.service_hook(hook_payload(project="web", issue=WEB_12A, event=f"muted-{n}")) == 200
    listing = await counted(bot, 5)
    assert "*WEB-12A*: 🔕 Muted by <@UDAVE>" in text_of(listing)
    assert bot.slack.count("chat.postMessage", ok=True) == 1, "a muted alert was posted"

    unmuted = await bot.command("unmute WEB-12A", user="UDAVE", channel=CHANNEL)
    assert unmuted["text"] == (
        "🔔 *WEB-12A* is no longer muted in <#CALERTS>: 5 alerts came while muted; the thread says so."
    )
    posts = await bot.slack.wait_for("chat.postMessage", count=2, timeout=10, ok=True)
    assert posts[1]["thread_ts"] == ts
    assert text_of(posts[1]).startswith("🔔 <@UDAVE> ended the mute by <@UDAVE>: *5* alerts came while muted")
    await bot.slack.wait_for("chat.update", count=2, timeout=10, ok=True)
    assert "🔕" not in text_of(bot.slack.messages[(CHANNEL, ts)])
    assert mute_menu(bot.slack.messages[(CHANNEL, ts)]), "the Mute menu is back"

    audit = json.dumps(await bot.command("audit", user="UALICE", channel=CHANNEL))
    assert f"mute {WEB_12A} 4h" in audit and "unmute WEB-12A" in audit


async def test_mute_says_what_to_type_instead(bot):
    bad_duration = await bot.command("mute web 2x", channel=CHANNEL)
    assert bad_duration["text"].startswith(
        "⚠️ Bad &lt;30m|4h|1d|1w&gt;: `2x` is not a duration like 30m, 4h, 1d or 1w (at most 1w)"
    )
    assert "Usage: `/sentry mute &lt;issue|project&gt; &lt;30m|4h|1d|1w&gt;`" in bad_duration["text"]
    too_long = await bot.command("mute web 2w", channel=CHANNEL)
    assert "(at most 1w)" in too_long["text"]
    typo = await bot.command("mute webb 4h", channel=CHANNEL)
    assert typo["text"].startswith("⚠️ There is no project or issue `webb`. Did you mean `web`")
    nothing = await bot.command("unmute web", channel=CHANNEL)
    assert nothing["text"].startswith("⚠️ Nothing is muted in this channel")
    assert "`/sentry mutes`" in nothing["text"]


async def test_muting_a_project_and_listing_it(bot):
    muted = await bot.command("mute web 1w", user="UDAVE", channel=CHANNEL)
    assert muted["text"].startswith("🔕 The project *web* is muted in <#CALERTS> until <!date^")
    assert "^{date_short_pretty} {time}|" in muted["text"], "a week-long mute shows the day too"
    listing = await bot.command("mutes", user="UDAVE", channel=CHANNEL)
    assert "🔕 *web* muted by <@UDAVE>" in text_of(listing)
    assert "0 alerts so far · `/sentry unmute web`" in text_of(listing)
    elsewhere = await bot.command("mutes", user="UDAVE", channel="COTHER")
    assert "Nothing is muted in this channel." in text_of(elsewhere)


async def test_muting_needs_the_write_role_from_the_menu_as_from_the_command(bot):
    denied = await bot.command("mute web 4h", user="UFRANK", channel=CHANNEL)
    assert denied["text"].startswith("⚠️ You can't run `mute`: it needs the Sentry role member or above")
    key = await bot.click(
        Action.MUTE,
        json.dumps({"d": "4h", "issue": WEB_12A}),
        user="UFRANK",
        channel=CHANNEL,
        message={"ts": "1700000000.000200", "blocks": [], "metadata": {"event_type": "sentry_bot_alert"}},
        action_type="static_select",
    )
    (answer,) = await bot.slack.wait_for_response(key, timeout=10)
    assert answer["text"].startswith("⚠️ You can't run `mute`")
    listing = await bot.command("mutes", user="UDAVE", channel=CHANNEL)
    assert "Nothing is muted" in text_of(listing)
