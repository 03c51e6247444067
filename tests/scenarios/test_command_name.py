"""SLACK_COMMAND: the bot answers to another slash command (Sentry's own app also claims /sentry),
and its help, usage lines and examples say that command."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from bot.sandbox import run_sandbox, seed_state
from tests.fakes import FakeSlack
from tests.fakes.signing import slack_headers, slash_command_body
from tests.scenarios.conftest import SIGNING_SECRET, bot_settings, know_users, serving


@pytest.fixture
async def triage_bot(fake_slack: FakeSlack, tmp_path) -> AsyncIterator[str]:
    """The bot configured with SLACK_COMMAND=/triage, served over HTTP; yields its base URL."""
    know_users(fake_slack)
    async with run_sandbox(seed_state()) as sentry_url:
        settings = bot_settings(
            fake_slack, sentry_url, tmp_path, slack_command="/triage", sentry_auth_token=SecretStr("sntryi_test")
        )
        async with serving(settings) as (url, _bolt):
            yield url


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
