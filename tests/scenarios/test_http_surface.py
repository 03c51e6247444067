"""The bot's HTTP surface: health, readiness, metrics, and requests Slack would never send."""

from __future__ import annotations

import time

from tests.fakes.signing import slack_headers, slash_command_body
from tests.scenarios.conftest import SIGNING_SECRET


async def test_health_and_readiness(bot):
    async with bot.http.get(bot.url + "healthz") as resp:
        assert resp.status == 200
    async with bot.http.get(bot.url + "readyz") as resp:
        assert (resp.status, await resp.json()) == (200, {"status": "ready"})


async def test_metrics_count_commands_by_name_and_outcome(bot):
    await bot.command("WEB-12A")
    await bot.command("member add zed@acme.example member", user="UDAVE")
    async with bot.http.get(bot.url + "metrics") as resp:
        text = await resp.text()
    assert 'sentry_bot_commands_total{command="issue",outcome="ok"}' in text
    assert 'sentry_bot_commands_total{command="member add",outcome="denied"}' in text
    assert 'sentry_bot_command_seconds_bucket{command="issue"' in text


async def test_a_request_older_than_five_minutes_is_refused(bot):
    body = slash_command_body("WEB-12A", response_url=bot.slack.response_url("old"))
    stale = slack_headers(SIGNING_SECRET, body, timestamp=str(int(time.time()) - 301))
    resp = await bot.post(body, headers=stale)
    assert resp.status == 401
    assert bot.slack.responses("old") == []


async def test_a_bad_signature_is_refused(bot):
    body = slash_command_body("WEB-12A", response_url=bot.slack.response_url("forged"))
    resp = await bot.post(body, headers=slack_headers("not-the-secret", body))
    assert resp.status == 401


async def test_another_workspace_is_refused(bot):
    key = "foreign"
    body = slash_command_body("WEB-12A", team_id="TOTHER", response_url=bot.slack.response_url(key))
    async with bot.http.post(bot.url + "slack/events", data=body, headers=slack_headers(SIGNING_SECRET, body)) as resp:
        assert resp.status == 200
        assert "another Slack workspace" in await resp.text()
    assert bot.slack.responses(key) == []
    assert bot.sentry.requests == [] or all("/issues/" not in r.path for r in bot.sentry.requests)


async def test_a_body_that_is_not_utf8_is_refused_with_400(bot):
    """Slack sends UTF-8 form bodies; Latin-1 bytes (signed or not) are a client's error, never a 500."""
    body = "command=/sentry&text=caf\xe9".encode("latin-1")
    resp = await bot.post(body)
    assert resp.status == 400
    assert bot.slack.count("chat.postMessage") == 0
