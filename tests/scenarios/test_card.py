"""The issue card as a triager meets it: typed in Slack, answered from the Sentry stand-in."""

from __future__ import annotations

from tests.scenarios.conftest import BotUnderTest
from tests.views.limits import assert_within_limits
from tests.views.read import field, visible_text


def sentry_calls(bot: BotUnderTest, since: int) -> list[str]:
    return [f"{r.method} {r.path}" for r in bot.sentry.requests[since:]]


async def test_the_card_shows_what_a_triager_reads_first(bot):
    card = await bot.command("WEB-12A")
    text = visible_text(card)
    assert_within_limits(card)
    assert field(card, "Priority") == "🔺 High"
    assert field(card, "Releases") == "2024.6.3"
    assert "*TypeError*: Cannot read properties of undefined (reading 'map')" in text
    # The innermost in-app frame first, as file:line in function.
    frames = "`src/components/CartSummary.tsx:27` in `CartSummary`\n`src/pages/CartPage.tsx:41` in `CartPage`"
    assert frames in text
    # The Discover counts of the issue's two events in the stand-in: the latest weighs 3 to the earlier one's 2.
    assert field(card, "Top releases") == "web@2024.6.3 · 60%\nweb@2024.6.2 · 40%"
    assert field(card, "Environments") == "production · 100%"
    assert field(card, "Browsers") == "Chrome · 100%"
    assert "Events · 24 h `" in text and " · 14 d `" in text
    assert "🎫 Tickets (1): <https://tracker.acme.example/SHOP/issues/1423|SHOP#SHOP-1423>" in text


async def test_a_server_issue_shows_operating_systems_instead_of_browsers(bot):
    card = await bot.command("issue API-1")
    assert field(card, "OS") == "Linux · 100%"
    assert "Browsers" not in visible_text(card)


async def test_the_card_costs_three_sentry_calls_cold_and_none_warm(bot):
    await bot.command("whoami")  # the caller's identity is looked up once; not the card's cost
    before = len(bot.sentry.requests)
    await bot.command("issue WEB-12A")
    cold = sentry_calls(bot, before)
    assert sorted(cold) == [
        "GET /api/0/organizations/acme/events/",
        "GET /api/0/organizations/acme/issues/5501024301/events/latest/",
        "GET /api/0/organizations/acme/issues/WEB-12A/",
    ]
    before = len(bot.sentry.requests)
    await bot.command("issue WEB-12A")
    assert sentry_calls(bot, before) == []


async def test_the_card_after_a_resolve_rereads_the_issue_not_its_events(bot):
    await bot.command("issue WEB-12A", user="UBOB")
    before = len(bot.sentry.requests)
    card = await bot.command("resolve WEB-12A", user="UBOB")
    assert "resolved by <@UBOB>" in visible_text(card)
    assert field(card, "Top releases").startswith("web@2024.6.3")
    reads = [c for c in sentry_calls(bot, before) if c.startswith("GET")]
    # The write made the details stale; the latest event and the tag counts are still fresh.
    assert "GET /api/0/organizations/acme/issues/5501024301/" in reads
    assert not [c for c in reads if "/events/" in c]


async def test_a_card_without_events_still_shows_the_issue(bot):
    issue = next(i for i in bot.sentry.data.issues.values() if bot.sentry.data.short_id(i) == "WEB-1")
    for event_id in [e.event_id for e in bot.sentry.data.events.values() if e.issue_id == issue.id]:
        del bot.sentry.data.events[event_id]
    card = await bot.command("issue WEB-1")
    assert "ChunkLoadError" in card["blocks"][0]["text"]["text"]
    assert "Top releases" not in visible_text(card)
    assert field(card, "Priority") == "🔹 Low"
    # "No event" is an answer too: cached, so the next look costs nothing.
    before = len(bot.sentry.requests)
    await bot.command("issue WEB-1")
    assert sentry_calls(bot, before) == []
