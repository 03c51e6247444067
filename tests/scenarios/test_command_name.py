"""SLACK_COMMAND: the bot answers to another slash command (Sentry's own app also claims /sentry),
and its help, usage lines and examples say that command."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from bot.modes import slack_client
from bot.sandbox import run_sandbox, seed_state
from bot.settings import Settings
from bot.wiring import running_bot
from tests.fakes import FakeSlack
from tests.fakes.signing import slack_headers, slash_command_body
from tests.scenarios.conftest import SIGNING_SECRET, USERS


@pytest.fixture
async def triage_bot(fake_slack: FakeSlack, tmp_path) -> AsyncIterator[str]:
    """The bot configured with SLACK_COMMAND=/triage, served over HTTP; yields its base URL."""
    for user, email in USERS.items():
        fake_slack.users[user] = {"email": email, "name": user.lower()}
    async with run_sandbox(seed_state()) as sentry_url:
        settings = Settings(
            slack_bot_token=SecretStr("xoxb-test"),
            slack_signing_secret=SecretStr(SIGNING_SECRET),
            slack_api_url=fake_slack.api_url,
            slack_command="/triage",
            sentry_url=sentry_url,
            sentry_auth_token=SecretStr("sntryi_test"),
            sentry_org="acme",
            database_url=f"sqlite:///{tmp_path / 'bot.db'}",
            _env_file=None,
        )
        async with running_bot(settings, slack_client(settings)) as (app, _bolt):
            runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            try:
                yield f"http://127.0.0.1:{runner.addresses[0][1]}/"
            finally:
                await runner.cleanup()


async def typed(url: str, slack: FakeSlack, command: str, text: str) -> tuple[int, list[dict[str, Any]]]:
    """`<command> <text>` typed by alice: the HTTP status Slack gets, and what reached the response_url."""
    key = f"{command.strip('/')}-{'-'.join(text.split())}"
    body = slash_command_body(text, command=command, user_id="UALICE", response_url=slack.response_url(key))
    headers = slack_headers(SIGNING_SECRET, body)
    async with aiohttp.ClientSession() as http, http.post(url + "slack/events", data=body, headers=headers) as resp:
        status = resp.status
    answers = await slack.wait_for_response(key, count=1, timeout=10) if status == 200 else []
    return status, answers


async def test_help_and_usage_say_the_configured_command(triage_bot, fake_slack):
    _, (overview,) = await typed(triage_bot, fake_slack, "/triage", "help")
    assert "`/triage WEB-12A`" in str(overview["blocks"])
    assert "/sentry" not in str(overview["blocks"])

    _, (help_resolve,) = await typed(triage_bot, fake_slack, "/triage", "help resolve")
    assert help_resolve["text"] == "Help for /triage resolve"
    assert "Usage: `/triage resolve &lt;issue&gt;" in str(help_resolve["blocks"])  # mrkdwn-escaped

    _, (usage,) = await typed(triage_bot, fake_slack, "/triage", "resolve")
    assert "Usage: `/triage resolve &lt;issue&gt;" in usage["text"]
    assert "Example: `/triage resolve" in usage["text"]


async def test_a_usage_line_written_elsewhere_is_said_with_the_configured_command(triage_bot, fake_slack):
    _, (answer,) = await typed(triage_bot, fake_slack, "/triage", "frobnicate")
    assert "Usage: `/triage help`" in answer["text"]
    assert "/sentry" not in answer["text"]


async def test_the_other_apps_sentry_command_is_not_this_bots(triage_bot, fake_slack):
    status, answers = await typed(triage_bot, fake_slack, "/sentry", "help")
    assert status == 404  # Bolt: no listener for that command
    assert answers == []
