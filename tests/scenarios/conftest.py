"""The bot served over real HTTP, with the Sentry stand-in behind it and the fake Slack in front.

Requests are signed exactly as Slack signs them; answers are read where Slack would receive them
(the response_url, or Web API calls recorded by the fake Slack).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from bot.modes import slack_client
from bot.sandbox import SandboxState, run_sandbox, seed_state
from bot.settings import Settings
from bot.slack.app import BotApp
from bot.wiring import running_bot
from tests.fakes import FakeSlack
from tests.fakes.signing import (
    BOT_USER_ID,
    app_mention_event,
    block_actions_body,
    block_suggestion_body,
    event_body,
    retry_headers,
    service_hook_headers,
    slack_headers,
    slash_command_body,
    view_submission_body,
)

SIGNING_SECRET = "test-signing-secret"
BOT_PUBLIC_URL = "https://bot.acme.example"

# Slack users of the test workspace, and the Sentry member each one is (by email).
USERS = {
    "UALICE": "alice@acme.example",  # owner
    "UBOB": "bob@acme.example",  # manager
    "UCAROL": "carol@acme.example",  # admin
    "UDAVE": "dave@acme.example",  # member
    "UFRANK": "frank@acme.example",  # billing
    "USTRANGER": "stranger@elsewhere.example",  # not a Sentry member
}

_keys = itertools.count()


@dataclass
class BotUnderTest:
    url: str
    slack: FakeSlack
    sentry: SandboxState
    http: aiohttp.ClientSession
    bolt: BotApp
    sentry_url: str  # SENTRY_URL: the Sentry stand-in, as a self-hosted Sentry

    async def post(self, body: bytes, *, headers: dict[str, str] | None = None) -> aiohttp.ClientResponse:
        async with self.http.post(
            self.url + "slack/events", data=body, headers=headers or slack_headers(SIGNING_SECRET, body)
        ) as resp:
            await resp.read()
            return resp

    async def service_hook(self, payload: dict[str, Any], *, secret: str | None = None) -> int:
        """Sentry fires the service hook the bot created (`subscribe`), signed with that hook's secret
        (or `secret`, to forge one); the HTTP status the bot answered."""
        (hook,) = [h for h in self.sentry.data.hooks.values() if h.url == f"{BOT_PUBLIC_URL}/sentry/webhook"]
        body = json.dumps(payload).encode()
        headers = service_hook_headers(hook.secret if secret is None else secret, body, guid=hook.id)
        async with self.http.post(self.url + "sentry/webhook", data=body, headers=headers) as resp:
            await resp.read()
            return resp.status

    async def command(self, text: str, *, user: str = "UALICE", channel: str = "C123") -> dict[str, Any]:
        """`/sentry <text>` typed by `user`: the answer posted to the command's response_url."""
        key = f"cmd-{next(_keys)}"
        body = slash_command_body(text, user_id=user, channel_id=channel, response_url=self.slack.response_url(key))
        resp = await self.post(body)
        assert resp.status == 200, resp.status
        (answer,) = await self.slack.wait_for_response(key, count=1, timeout=10)
        return answer

    async def click(
        self,
        action_id: str,
        value: str | None,
        *,
        user: str = "UALICE",
        message: dict[str, Any] | None = None,
        channel: str = "C123",
        thread_ts: str | None = None,
        action_type: str = "button",
    ) -> str:
        """A button click (or a choice in a menu: `action_type="static_select"`); returns the
        response_url key its answers arrive at.

        Without `message`, the button is on a command's (ephemeral) answer, and Slack sends no message.
        `thread_ts`: the message with the button is in that thread.
        """
        key = f"click-{next(_keys)}"
        body = block_actions_body(
            action_id,
            value,
            user_id=user,
            channel_id=channel,
            message=message or {"ts": "1700000000.000100", "blocks": []},
            ephemeral=message is None,
            response_url=self.slack.response_url(key),
            trigger_id="trigger-1",
            thread_ts=thread_ts,
            action_type=action_type,
        )
        resp = await self.post(body)
        assert resp.status == 200
        return key

    async def submit(self, callback_id: str, values: dict[str, Any], *, metadata: str, user: str = "UALICE") -> None:
        body = view_submission_body(callback_id, values, private_metadata=metadata, user_id=user)
        resp = await self.post(body)
        assert resp.status == 200

    async def suggest(self, action_id: str, query: str, *, user: str = "UALICE") -> dict[str, Any]:
        body = block_suggestion_body(action_id, query, user_id=user)
        async with self.http.post(
            self.url + "slack/events", data=body, headers=slack_headers(SIGNING_SECRET, body)
        ) as resp:
            assert resp.status == 200
            return json.loads(await resp.text())

    async def event(self, event: dict[str, Any], *, redeliveries: int = 0) -> None:
        """Deliver an Events API event; `redeliveries`: Slack sends it again that many times, as it
        does when it saw no ack within 3 s (same body and `event_id`, retry headers)."""
        body = event_body(event)
        resp = await self.post(body)
        assert resp.status == 200
        for n in range(1, redeliveries + 1):
            resp = await self.post(body, headers=retry_headers(SIGNING_SECRET, body, retry_num=n))
            assert resp.status == 200

    async def mention(
        self, text: str, *, user: str = "UALICE", channel: str = "C123", in_thread_of: str | None = None
    ) -> dict[str, Any]:
        """`@sentry <text>` posted by `user` (in the thread of the message `in_thread_of`, if given);
        Slack keeps the message and sends its app_mention. Returns the message."""
        said = self.slack.user_says(f"<@{BOT_USER_ID}> {text}", channel=channel, user=user, thread_ts=in_thread_of)
        await self.event(
            app_mention_event(said["text"], channel=channel, user=user, ts=said["ts"], thread_ts=in_thread_of)
        )
        return said

    async def settled(self) -> None:
        """Wait until the work the bot started after its acks has finished."""
        # The tasks BotApp.after_ack started (BotApp.close waits on them too); one may start another.
        while started := set(self.bolt._work):
            await asyncio.wait(started)


def bot_settings(fake_slack: FakeSlack, sentry_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    """The bot's settings in these scenarios: the fake Slack, the Sentry stand-in at `sentry_url`, a
    SQLite store in `tmp_path`; `overrides` are other Settings fields (`slack_command="/triage"`)."""
    fields: dict[str, Any] = {
        "slack_bot_token": SecretStr("xoxb-test"),
        "slack_signing_secret": SecretStr(SIGNING_SECRET),
        "slack_api_url": fake_slack.api_url,
        "sentry_url": sentry_url,
        "sentry_auth_token": SecretStr("sntrys_test"),
        "sentry_org": "acme",
        "database_url": f"sqlite:///{tmp_path / 'bot.db'}",
    }
    return Settings(**(fields | overrides), _env_file=None)  # type: ignore[call-arg]


def know_users(fake_slack: FakeSlack) -> None:
    """The fake Slack knows the workspace's USERS, with the emails that map them to Sentry members."""
    for user, email in USERS.items():
        fake_slack.users[user] = {"email": email, "name": user.lower()}


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[str, BotApp]]:
    """The whole bot (`running_bot`) served over HTTP on a free port: its base URL and its Bolt app."""
    async with running_bot(settings, slack_client(settings)) as (app, bolt_app):
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            assert isinstance(bolt_app, BotApp)
            yield f"http://127.0.0.1:{port}/", bolt_app
        finally:
            await runner.cleanup()


@pytest.fixture
async def bot(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[BotUnderTest]:
    know_users(fake_slack)
    state = seed_state()
    async with run_sandbox(state, host="127.0.0.1", port=0) as sentry_url:
        settings = bot_settings(fake_slack, sentry_url, tmp_path, bot_public_url=BOT_PUBLIC_URL)
        async with serving(settings) as (url, bolt_app), aiohttp.ClientSession() as http:
            yield BotUnderTest(url, fake_slack, state, http, bolt_app, sentry_url)
