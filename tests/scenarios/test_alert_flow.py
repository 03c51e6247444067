"""Subscribe in Slack, then Sentry's service hook fires: the alert lands in that channel."""

from __future__ import annotations

import json

import pytest

from tests.alerts.payloads import hook_payload


@pytest.fixture
def service_hook_payload() -> dict:
    return hook_payload(project="web")


async def test_a_subscribed_channel_receives_the_alert_with_its_buttons(bot, service_hook_payload):
    answer = await bot.command("subscribe web", user="UDAVE", channel="CALERTS")
    assert answer["text"].startswith("Subscribed to web")
    assert await bot.service_hook(service_hook_payload) == 200

    (posted,) = await bot.slack.wait_for("chat.postMessage", timeout=10)
    assert posted["channel"] == "CALERTS"
    blocks = json.dumps(posted["blocks"])
    assert "blooopy is not defined" in blocks
    assert "issue.resolve" in blocks


async def test_a_forged_webhook_is_refused(bot, service_hook_payload):
    await bot.command("subscribe web", user="UDAVE", channel="CALERTS")
    assert await bot.service_hook(service_hook_payload, secret="not-the-secret") == 401
    assert bot.slack.count("chat.postMessage") == 0
