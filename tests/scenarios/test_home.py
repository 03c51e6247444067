"""The App Home tab, from a person opening it (as Slack sends `app_home_opened`) to the view Slack
shows them (`views.publish`, recorded by the fake Slack, which holds it to the Home tab's limits)."""

from __future__ import annotations

from bot.views.routing import Action
from tests.fakes.signing import app_home_opened_event, block_actions_body, slack_headers
from tests.scenarios.conftest import SIGNING_SECRET, BotUnderTest
from tests.views.limits import assert_within_limits
from tests.views.read import button, visible_text


async def open_home(bot: BotUnderTest, user: str, *, tab: str = "home") -> dict[str, object] | None:
    before = bot.slack.count("views.publish")
    await bot.event(app_home_opened_event(user, tab=tab))
    await bot.settled()
    if bot.slack.count("views.publish") == before:
        return None
    return bot.slack.home_views[user]


async def test_a_member_opening_the_home_tab_sees_their_issues_and_their_channels_alerts(bot):
    bot.slack.channel_members["C123"] |= {"UDAVE"}
    bot.slack.channel_members["C999"] |= {"UALICE"}  # not Dave's channel: not on his tab
    await bot.command("subscribe web --level error,fatal", channel="C123")
    await bot.command("subscribe api", channel="C999")

    view = await open_home(bot, "UDAVE")

    assert view is not None
    assert_within_limits(view)
    text = visible_text(view)
    # The seeded issue assigned to Dave (WEB-5), found by his member's email, not `assigned:me`.
    assert "WEB-5" in text and "is not valid JSON" in text
    assert "<#C123>" in text and "*web*: error, fatal" in text
    assert "<#C999>" not in text and "*api*" not in text
    assert "read, write" in text
    assert "Bot health" not in text  # Dave is a member, not an admin
    (publish,) = bot.slack.calls_to("views.publish")
    assert publish["user_id"] == "UDAVE"


async def test_what_is_muted_in_a_members_channel_shows_on_their_home_tab(bot):
    bot.slack.channel_members["C123"] |= {"UDAVE"}
    await bot.command("mute WEB-12A 4h", channel="C123")

    view = await open_home(bot, "UDAVE")

    assert view is not None
    channel = visible_text(view).split("<#C123>")[1]
    assert "*WEB-12A*: 🔕 Muted by" in channel


async def test_someone_not_linked_to_sentry_sees_how_to_get_linked(bot):
    view = await open_home(bot, "USTRANGER")

    assert view is not None
    text = visible_text(view)
    assert "You are not linked to a Sentry member yet" in text
    assert "identity set <@USTRANGER>" in text
    assert button(view, Action.OPEN) is None
    assert_within_limits(view)


async def test_an_owner_also_sees_the_bots_health(bot):
    view = await open_home(bot, "UALICE")

    assert view is not None
    text = visible_text(view)
    assert "Bot health (admins)" in text and "checks fine" in text


async def test_opening_the_messages_tab_publishes_nothing(bot):
    assert await open_home(bot, "UDAVE", tab="messages") is None


async def test_refresh_on_the_home_tab_publishes_it_again_with_what_changed(bot):
    bot.slack.channel_members["C123"] |= {"UDAVE"}
    view = await open_home(bot, "UDAVE")
    assert view is not None and "<#C123>" not in visible_text(view)
    await bot.command("subscribe web", channel="C123")

    # A click on the Home tab carries the view, no channel and no response_url (block_actions).
    body = block_actions_body(Action.HOME_REFRESH, '{"home":1}', user_id="UDAVE", view=view)
    async with bot.http.post(bot.url + "slack/events", data=body, headers=slack_headers(SIGNING_SECRET, body)) as resp:
        assert resp.status == 200
    await bot.settled()

    assert bot.slack.count("views.publish") == 2
    assert "<#C123>" in visible_text(bot.slack.home_views["UDAVE"])


async def test_the_home_tab_lists_the_reports_of_the_persons_channels_with_their_next_run(bot):
    bot.slack.channel_members["C123"] |= {"UDAVE"}
    bot.slack.channel_members["C999"] |= {"UALICE"}
    await bot.command("report add web daily --at 09:00 --tz Europe/Berlin", channel="C123")
    await bot.command("report add all weekly --day fri", channel="C999")

    view = await open_home(bot, "UDAVE")

    assert view is not None
    assert_within_limits(view)
    text = visible_text(view)
    assert "Reports in your channels" in text
    assert "<#C123> *#1* web: daily at 09:00 Europe/Berlin; next " in text
    assert "weekly on fri" not in text, "not Dave's channel"
