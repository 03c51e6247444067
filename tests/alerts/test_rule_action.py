"""The two endpoints of the alert-rule action, alone: what they refuse before asking Slack anything."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.rule_action import rule_action_routes
from bot.alerts.rule_channels import RuleChannels
from bot.settings import Settings
from bot.slack.channels import ChannelDirectory
from bot.store import Database
from tests.fakes import FakeSlack
from tests.fakes.signing import rule_settings_body, sentry_app_request_headers

SECRET = "sentry-client-secret"


async def endpoints(fake_slack: FakeSlack, db: Database, secret: str | None) -> TestClient[Any, Any]:
    settings = Settings(sentry_client_secret=SecretStr(secret) if secret else None, _env_file=None)  # type: ignore[call-arg]
    directory = ChannelDirectory(AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url))
    app = web.Application()
    app.add_routes(rule_action_routes(settings=settings, directory=directory, channels=RuleChannels(db, directory)))
    return TestClient(TestServer(app))


@pytest.fixture
async def sentry(fake_slack: FakeSlack, db: Database) -> AsyncIterator[TestClient[Any, Any]]:
    fake_slack.channels = {"C024BE91L": {"name": "general"}}
    async with await endpoints(fake_slack, db, SECRET) as client:
        yield client


async def test_without_the_client_secret_both_endpoints_refuse_and_say_what_to_set(fake_slack, db):
    async with await endpoints(fake_slack, db, None) as client:
        answer = await client.get("/sentry/options/channels", headers=sentry_app_request_headers(SECRET))
        assert answer.status == 401
        assert "SENTRY_CLIENT_SECRET is not set" in (await answer.json())["message"]
        body = rule_settings_body(("channel", "#general"))
        answer = await client.post(
            "/sentry/alert-rule-action", data=body, headers=sentry_app_request_headers(SECRET, body)
        )
        assert answer.status == 401
    assert fake_slack.count("conversations.list") == 0


async def test_a_body_that_is_no_rule_settings_is_refused_with_what_sentry_sends(sentry, fake_slack):
    for body in (b"[]", b"not json", b'{"fields": "channel"}'):
        answer = await sentry.post(
            "/sentry/alert-rule-action", data=body, headers=sentry_app_request_headers(SECRET, body)
        )
        assert answer.status == 400
        assert '{"fields": [...]}' in (await answer.json())["message"]
    assert fake_slack.count("conversations.list") == 0


async def test_an_oversized_body_is_refused_unread(sentry):
    body = b'{"fields": [], "x": "' + b"a" * 70_000 + b'"}'
    answer = await sentry.post("/sentry/alert-rule-action", data=body, headers=sentry_app_request_headers(SECRET, body))
    assert answer.status == 413


async def test_slack_not_answering_is_a_retry_later_not_a_refusal_of_the_rule(sentry, fake_slack):
    fake_slack.fail_next("conversations.list", status=503)
    answer = await sentry.get("/sentry/options/channels", headers=sentry_app_request_headers(SECRET))
    assert answer.status == 503
    assert (await answer.json())["message"] == "Slack did not answer the bot; try again in a minute."
    answer = await sentry.get("/sentry/options/channels", headers=sentry_app_request_headers(SECRET))
    assert [o["value"] for o in await answer.json()] == ["C024BE91L"]
