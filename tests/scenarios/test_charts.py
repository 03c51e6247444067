"""Charts through Slack: an ephemeral answer offers "Post chart in channel", and the click uploads the
chart into the channel (or the thread it was asked in) with Slack's three upload steps."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.metrics import REGISTRY
from bot.views.routing import Action, decode
from bot.views.stats import SPARK_BARS
from tests.fakes.slack_api import UPLOAD
from tests.views.limits import assert_within_limits

CHANNEL = "C0123ABCDE"  # files.completeUploadExternal checks the id's form: ^[CGDZ][A-Z0-9]{8,}$
CHARTED = ["stats web", "stats api --since 7d --resolution 1d", "issue stats WEB-12A", "usage --group-by outcome"]


def buttons(answer):
    return {e["action_id"]: e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]}


async def click_chart(bot, command, *, user="UALICE", thread_ts=None):
    answer = await bot.command(command, user=user, channel=CHANNEL)
    chart = buttons(answer)[Action.CHART]
    key = await bot.click(Action.CHART, chart["value"], user=user, channel=CHANNEL, thread_ts=thread_ts)
    await bot.settled()
    return answer, key


@pytest.mark.parametrize("command", CHARTED)
async def test_the_chart_button_uploads_a_png_into_the_channel(bot, command):
    answer, key = await click_chart(bot, command)

    assert_within_limits(answer)
    assert decode(buttons(answer)[Action.CHART]["value"]) == {"cmd": command}
    assert Action.SHARE in buttons(answer)
    (posted,) = bot.slack.shared_files(CHANNEL)
    image = Image.open(io.BytesIO(posted.content))
    assert image.format == "PNG" and image.size[0] >= 600
    assert len(image.convert("RGB").getcolors(maxcolors=1 << 16) or range(99)) > 2
    (asked,) = bot.slack.calls_to("files.getUploadURLExternal")
    assert asked["alt_txt"].startswith("Chart: ")
    assert bot.slack.count(UPLOAD, ok=True) == 1
    assert f"/sentry {command}" in posted.initial_comment and "<@UALICE>" in posted.initial_comment
    assert bot.slack.responses(key) == []  # the image in the channel is the answer


async def test_the_ephemeral_answer_keeps_its_text_sparkline(bot):
    answer = await bot.command("stats web", channel=CHANNEL)
    text = "\n".join(b.get("text", {}).get("text", "") for b in answer["blocks"] if b["type"] == "section")
    assert any(bar in text for bar in SPARK_BARS)
    assert answer["response_type"] == "ephemeral"


async def test_a_chart_asked_for_in_a_thread_goes_into_that_thread(bot):
    await click_chart(bot, "stats web", thread_ts="1700000000.000900")
    (posted,) = bot.slack.shared_files(CHANNEL)
    assert posted.thread_ts == "1700000000.000900"


async def test_a_channel_the_bot_is_not_in_gets_told_how_to_invite_it(bot):
    bot.slack.not_member_of.add(CHANNEL)
    _, key = await click_chart(bot, "stats web")
    (told,) = await bot.slack.wait_for_response(key)
    assert told["response_type"] == "ephemeral"
    assert "/invite @" in told["text"] + str(told["blocks"])
    assert bot.slack.shared_files() == []


async def test_the_click_is_permission_checked_like_the_command(bot):
    answer = await bot.command("stats web", channel=CHANNEL)
    key = await bot.click(Action.CHART, buttons(answer)[Action.CHART]["value"], user="USTRANGER", channel=CHANNEL)
    (told,) = await bot.slack.wait_for_response(key)
    await bot.settled()
    assert bot.slack.shared_files() == []
    assert bot.slack.count("files.getUploadURLExternal") == 0
    assert told["response_type"] == "ephemeral"


async def test_a_shared_answer_has_no_chart_button(bot):
    answer = await bot.command("stats web", channel=CHANNEL)
    key = await bot.click(Action.SHARE, buttons(answer)[Action.SHARE]["value"], channel=CHANNEL)
    shared = (await bot.slack.wait_for_response(key, count=2))[-1]
    assert shared["response_type"] == "in_channel"
    assert Action.CHART not in buttons(shared)


async def test_commands_without_numbers_offer_no_chart(bot):
    answer = await bot.command("projects", channel=CHANNEL)
    assert Action.CHART not in buttons(answer)


def sentry_requests() -> float:
    """Every Sentry API attempt the bot made so far (the request histogram's counts)."""
    return sum(
        s.value
        for metric in REGISTRY.collect()
        if metric.name == "sentry_bot_sentry_request_duration_seconds"
        for s in metric.samples
        if s.name.endswith("_count")
    )


async def test_a_click_soon_after_the_command_reads_sentry_from_the_cache(bot):
    answer = await bot.command("issue stats WEB-12A", channel=CHANNEL)
    before = sentry_requests()
    await bot.click(Action.CHART, buttons(answer)[Action.CHART]["value"], channel=CHANNEL)
    await bot.settled()
    assert sentry_requests() == before
    steps = [c.method for c in bot.slack.calls if c.method.startswith("files.") or c.method == UPLOAD]
    assert steps == ["files.getUploadURLExternal", UPLOAD, "files.completeUploadExternal"]


async def test_the_issue_cards_stats_button_offers_the_chart_too(bot):
    card = await bot.command("WEB-12A", channel=CHANNEL)
    key = await bot.click(Action.STATS, buttons(card)[Action.STATS]["value"], channel=CHANNEL)
    (stats,) = await bot.slack.wait_for_response(key)
    assert_within_limits(stats)
    assert decode(buttons(stats)[Action.CHART]["value"]) == {"cmd": "issue stats 5501024301"}
    await bot.click(Action.CHART, buttons(stats)[Action.CHART]["value"], channel=CHANNEL)
    await bot.settled()
    (posted,) = bot.slack.shared_files(CHANNEL)
    assert posted.title.startswith("Events of WEB-12A")


async def test_a_command_too_long_for_a_button_value_offers_no_chart(bot):
    text = "stats web" + " --stat received" * 150  # the value would pass Slack's 2,000 characters
    answer = await bot.command(text, channel=CHANNEL)
    assert_within_limits(answer)
    assert Action.CHART not in buttons(answer)
