"""Releases and cron monitors, typed in Slack and answered from the Sentry stand-in."""

from __future__ import annotations

from tests.scenarios.conftest import BotUnderTest
from tests.views.limits import assert_within_limits
from tests.views.read import field, sections, visible_text


def calls_since(bot: BotUnderTest, before: int) -> list[str]:
    return [f"{r.method} {r.path}" for r in bot.sentry.requests[before:]]


async def test_releases_list_newest_first_with_their_counts(bot):
    answer = await bot.command("releases web")
    assert_within_limits(answer)
    rows = sections(answer)[0].splitlines()
    assert [r.split(" · ")[0] for r in rows] == ["*web@2024.6.3*", "*web@2024.6.2*", "*web@2024.5.9*"]
    assert "5 commits · 2 deploys" in rows[0]
    assert "`/sentry release <version>`" in visible_text(answer)


async def test_a_release_with_a_plus_in_its_version_shows_deploys_commits_authors_and_new_issues(bot):
    before = len(bot.sentry.requests)
    card = await bot.command("release com.acme.shop@5.12.0+1042")
    assert_within_limits(card)
    text = visible_text(card)
    assert field(card, "Projects") == "ios"
    assert field(card, "Authors") == "Grace Park, Carol Diaz"
    assert "*production* · " in text and "*staging* · " in text
    assert "fix(checkout): skip layout pass after the view is gone · Carol Diaz" in text
    # New issues: the issues whose first release it is, each linked, biggest first.
    new = [i for i in bot.sentry.data.issues.values() if i.first_release == "com.acme.shop@5.12.0+1042"]
    biggest = max(new, key=lambda i: i.count)
    assert f"|{bot.sentry.data.short_id(biggest)}>" in text
    assert '`/sentry issues firstRelease:"com.acme.shop@5.12.0+1042"`' in text
    paths = [r.path for r in bot.sentry.requests[before:]]
    assert "/api/0/organizations/acme/releases/com.acme.shop@5.12.0+1042/" in paths
    cold = calls_since(bot, before)
    assert len([c for c in cold if "/members/" not in c]) == 4
    before = len(bot.sentry.requests)
    await bot.command("release com.acme.shop@5.12.0+1042")
    assert calls_since(bot, before) == []


async def test_an_unknown_release_names_recent_ones_and_a_slash_is_refused_before_sentry(bot):
    missing = await bot.command("release web@0.0.1")
    assert "There is no release `web@0.0.1`. Recent ones: api@3.18.0, web@2024.6.3" in missing["text"]
    assert "Example: `/sentry release api@3.18.0`" in missing["text"]
    before = len(bot.sentry.requests)
    slashed = await bot.command("release web/2024.6.3")
    assert "is not a release version Sentry allows" in slashed["text"]
    assert calls_since(bot, before) == []


async def test_crons_of_a_project_show_status_schedule_and_last_check_in(bot):
    answer = await bot.command("crons api")
    assert_within_limits(answer)
    rows = sections(answer)[0].splitlines()
    assert rows[0].startswith("🔴 failing *Inventory sync* (`inventory-sync`) · api · every 15 minutes")
    assert rows[1].startswith("🟢 ok *Nightly billing run* (`nightly-billing`) · api · `0 2 * * *` (UTC)")
    assert len(rows) == 2


async def test_a_monitor_shows_its_last_check_ins_with_durations(bot):
    before = len(bot.sentry.requests)
    card = await bot.command("cron inventory-sync")
    assert_within_limits(card)
    lines = sections(card)[-1].splitlines()
    assert lines[0] == "*Last check-ins*"
    assert lines[1].startswith("⚠️ missed · ") and lines[1].endswith(" · — · production")
    assert lines[2].startswith("⌛ timed out · ")
    assert len(lines) == 11
    assert field(card, "Schedule") == "every 15 minutes"
    assert sorted(c for c in calls_since(bot, before) if "/members/" not in c) == [
        "GET /api/0/organizations/acme/monitors/inventory-sync/",
        "GET /api/0/organizations/acme/monitors/inventory-sync/checkins/",
    ]


async def test_mute_and_unmute_change_the_monitor_say_who_and_are_audited(bot):
    muted = await bot.command("cron mute nightly-billing", user="UDAVE")
    assert "🔇 muted" in field(muted, "Status")
    assert "muted by <@UDAVE>" in visible_text(muted)
    assert bot.sentry.data.monitors["nightly-billing"].is_muted
    (put,) = [r for r in bot.sentry.requests if r.method == "PUT"]
    assert put.path == "/api/0/organizations/acme/monitors/nightly-billing/"
    unmuted = await bot.command("cron unmute nightly-billing", user="UDAVE")
    assert "unmuted by <@UDAVE>" in visible_text(unmuted)
    assert not bot.sentry.data.monitors["nightly-billing"].is_muted
    audit = await bot.command("audit", user="UALICE")
    assert "`/sentry cron mute nightly-billing`" in visible_text(audit)
    assert "`/sentry cron unmute nightly-billing`" in visible_text(audit)


async def test_muting_needs_the_write_level(bot):
    denied = await bot.command("cron mute nightly-billing", user="UFRANK")
    assert "member" in denied["text"]
    assert not bot.sentry.data.monitors["nightly-billing"].is_muted
    assert not [r for r in bot.sentry.requests if r.method == "PUT"]


async def test_an_unknown_monitor_names_the_monitors_there_are(bot):
    answer = await bot.command("cron nightly")
    assert "There is no cron monitor `nightly`. Monitors: inventory-sync, push-digest" in answer["text"]
    assert "Usage: `/sentry crons`" in answer["text"]
