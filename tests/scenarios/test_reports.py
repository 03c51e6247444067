"""Scheduled reports from Slack: what a person types, what the channel sees."""

from __future__ import annotations

from tests.alerts.harness import text_of


async def test_a_channel_schedules_lists_posts_and_removes_a_report(bot):
    added = await bot.command("report add web daily --at 09:00 --tz Europe/Berlin", user="UDAVE", channel="CREPORTS")
    assert added["response_type"] == "ephemeral"
    assert "✅ Report #1: web, daily at 09:00 Europe/Berlin, in <#CREPORTS>. First one " in text_of(added)

    listed = await bot.command("reports", user="UDAVE", channel="CREPORTS")
    assert "*#1* web: daily at 09:00 Europe/Berlin; next " in text_of(listed)
    elsewhere = await bot.command("reports", user="UDAVE", channel="COTHER")
    assert "<#COTHER> has no scheduled reports" in text_of(elsewhere)

    posted = await bot.command("report now 1", user="UDAVE", channel="CREPORTS")
    assert posted["response_type"] == "in_channel"
    assert posted["blocks"][0]["text"]["text"] == "Daily report: web"
    assert "(Europe/Berlin)" in text_of(posted) and "report #1" in text_of(posted)

    removed = await bot.command("report remove 1", user="UDAVE", channel="CREPORTS")
    assert "✅ Report #1 (web, daily at 09:00 Europe/Berlin) removed." in text_of(removed)
    again = await bot.command("report now 1", user="UDAVE", channel="CREPORTS")
    assert again["text"].startswith("⚠️ This channel has no report #1.")


async def test_report_writes_are_audited(bot):
    await bot.command("report add all weekly --day fri --at 16:30", user="UALICE", channel="CREPORTS")
    await bot.command("report remove 1", user="UALICE", channel="CREPORTS")
    audit = text_of(await bot.command("audit", user="UALICE", channel="CREPORTS"))
    assert "ran `/sentry report add all weekly --day fri --at 16:30`: done" in audit
    assert "ran `/sentry report remove 1`: done" in audit


async def test_a_billing_member_cannot_schedule_reports(bot):
    answer = await bot.command("report add web daily", user="UFRANK", channel="CREPORTS")
    assert answer["text"].startswith("⚠️")
    assert "Report #" not in answer["text"]
    listed = await bot.command("reports", user="UALICE", channel="CREPORTS")
    assert "has no scheduled reports" in text_of(listed)


async def test_a_time_zone_slack_cannot_know_is_refused_with_what_to_type(bot):
    answer = await bot.command("report add web daily --tz Europe/Berlim", user="UDAVE", channel="CREPORTS")
    assert answer["text"].startswith("⚠️ Bad `--tz`: `Europe/Berlim` is not a time zone I know")
    assert "like Europe/Berlin" in answer["text"]
    assert "Example: `/sentry report add web daily --at 09:00 --tz Europe/Berlin`" in answer["text"]


async def test_a_day_is_only_for_weekly_reports(bot):
    answer = await bot.command("report add web daily --day mon", user="UDAVE", channel="CREPORTS")
    assert answer["text"].startswith("⚠️ `--day` is for weekly reports")
    weekly = await bot.command("report add web weekly --day mon", user="UDAVE", channel="CREPORTS")
    assert "✅ Report #1: web, weekly on mon at 09:00 UTC" in text_of(weekly)


async def test_the_same_report_twice_in_a_channel_points_at_the_first(bot):
    await bot.command("report add web daily --at 09:00 --tz Europe/Berlin", user="UDAVE", channel="CREPORTS")
    again = await bot.command("report add web daily --at 9:00 --tz Europe/Berlin", user="UDAVE", channel="CREPORTS")
    assert again["text"].startswith("⚠️ This channel already has that report: #1, daily at 09:00 Europe/Berlin.")
    assert "`/sentry report now 1`" in again["text"]
    other = await bot.command("report add web daily --at 09:00 --tz Europe/Berlin", user="UDAVE", channel="COTHER")
    assert "✅ Report #2" in text_of(other)
