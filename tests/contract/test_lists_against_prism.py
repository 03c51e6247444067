"""`issues`, `mine` and `unassigned` against Prism serving Sentry's published schema: every request
they send is valid (zero violations), and the schema's own example answers make a list within
Slack's limits. With the paging copy of the schema, More follows Sentry's `Link` cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from bot.commands import registry
from bot.commands.context import Ctx, Services
from bot.commands.dispatch import Dispatcher
from bot.console import ConsoleDirectory
from bot.identity import Identity
from bot.sentry import ReadCache, SentryClient
from bot.settings import Settings
from bot.views.routing import Action, decode
from tests.contract.test_sentry_contract import Recorder
from tests.fakes.prism import prism_violations
from tests.views.limits import assert_within_limits

USER = "UPENGUIN"
# A member of the schema's example member list: the Slack user is them.
MEMBER = "sirpenguin@antarcticarocks.com"


@dataclass
class Bot:
    dispatcher: Dispatcher
    ctx: Ctx
    recorder: Recorder

    async def run(self, text: str, cursor: str | None = None) -> dict[str, Any]:
        return (await self.dispatcher.run(text, self.ctx.but(cursor=cursor))).message


async def bot_on(url: str) -> AsyncIterator[Bot]:
    recorder = Recorder()
    async with aiohttp.ClientSession(trace_configs=[recorder.trace]) as session:
        sentry = SentryClient(
            base_url=url,
            token="contract-test",
            org="the-interstellar-jurisdiction",
            session=session,
            cache=ReadCache(ttl=0),
        )
        identity = Identity(sentry=sentry, directory=ConsoleDirectory({USER: MEMBER}))
        services = Services(settings=Settings(_env_file=None), sentry=sentry, identity=identity)  # type: ignore[call-arg]
        ctx = Ctx(services=services, user_id=USER, channel_id="C1", now=datetime.now(UTC))
        yield Bot(Dispatcher(registry), ctx, recorder)


@pytest.fixture
async def bot(prism_url: str) -> AsyncIterator[Bot]:
    async for opened in bot_on(prism_url):
        yield opened


@pytest.fixture
async def paging_bot(prism_paging_url: str) -> AsyncIterator[Bot]:
    async for opened in bot_on(prism_paging_url):
        yield opened


def no_violations(recorder: Recorder) -> None:
    assert recorder.responses, "no request reached Prism"
    for method, path, status, headers in recorder.responses:
        violations = prism_violations(headers, None)
        assert status < 400, f"{method} {path} -> {status}: {violations}"
        assert violations == [], f"{method} {path}: {violations}"


def rows(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in message["blocks"] if b.get("accessory", {}).get("type") == "overflow"]


@pytest.mark.parametrize(
    "text",
    [
        "issues",
        "issues prime-mover level:error --period 24h --sort freq --env production",
        "issues assigned:me !level:info",
        "mine",
        "mine is:resolved",
        "unassigned",
        "unassigned prime-mover",
    ],
)
async def test_each_list_meets_the_published_contract(bot, text):
    message = await bot.run(text)
    assert_within_limits(message)
    assert not message["text"].startswith("⚠️"), message["text"]
    assert rows(message), "the schema's example issue is listed"
    no_violations(bot.recorder)


async def test_more_follows_sentrys_link_cursor(paging_bot):
    first = await paging_bot.run("issues")
    (more,) = [
        e for b in first["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == Action.MORE
    ]
    value = decode(more["value"])
    assert value["cmd"] == "issues"
    second = await paging_bot.run(value["cmd"], cursor=value["cursor"])
    assert rows(second)
    no_violations(paging_bot.recorder)
