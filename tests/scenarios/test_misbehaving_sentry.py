"""A misbehaving Sentry is contained: the bot, served over real HTTP, talks to the Sentry stand-in through
a local proxy that answers badly where a test says so, and every user still gets a clear answer."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web

from bot.commands import dispatch
from bot.sandbox import run_sandbox, seed_state
from bot.views.routing import Action
from tests.fakes import FakeSlack
from tests.fakes.signing import slash_command_body
from tests.scenarios.conftest import BotUnderTest, bot_settings, know_users, serving

Misbehaviour = Callable[[web.Request], Awaitable[web.StreamResponse | None]]

# nginx's stock page when the upstream (Sentry's web workers) is gone; Sentry's own errors are JSON.
NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    + "<!-- padding -->\r\n"
    * 40
)
ISSUE_ID = "5501024301"  # an issue of the stand-in's sample data
_HOP = {"content-length", "content-encoding", "transfer-encoding", "connection"}


class MisbehavingSentry:
    """A proxy in front of the stand-in: `misbehave(request)` answers instead of it, or returns None."""

    def __init__(self, upstream: str, session: aiohttp.ClientSession) -> None:
        self.upstream = upstream.rstrip("/")
        self.session = session
        self.misbehave: Misbehaviour | None = None
        self.paths: list[str] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.paths.append(request.path)
        if self.misbehave is not None and (answer := await self.misbehave(request)) is not None:
            return answer
        async with self.session.request(
            request.method,
            self.upstream + request.path_qs,
            data=await request.read(),
            headers={k: v for k, v in request.headers.items() if k.lower() not in _HOP | {"host"}},
        ) as upstream:
            body = await upstream.read()
            headers = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP}
            return web.Response(status=upstream.status, body=body, headers=headers)


@pytest.fixture
async def sentry_proxy() -> AsyncIterator[Callable[[str], Awaitable[tuple[MisbehavingSentry, str]]]]:
    runners: list[web.AppRunner] = []
    async with aiohttp.ClientSession() as session:

        async def start(upstream: str) -> tuple[MisbehavingSentry, str]:
            proxy = MisbehavingSentry(upstream, session)
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", proxy.handle)
            runner = web.AppRunner(app)
            await runner.setup()
            runners.append(runner)
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            return proxy, f"http://127.0.0.1:{port}/"

        try:
            yield start
        finally:
            for runner in runners:
                await runner.cleanup()


@pytest.fixture
async def bot_and_sentry(
    fake_slack: FakeSlack, tmp_path, sentry_proxy, monkeypatch
) -> AsyncIterator[tuple[BotUnderTest, MisbehavingSentry]]:
    # Short interim and deadline, so a stalled Sentry costs the suite seconds, not quarter minutes.
    monkeypatch.setattr(dispatch, "INTERIM_SECONDS", 0.5)
    monkeypatch.setattr(dispatch, "DEADLINE_SECONDS", 3.0)
    know_users(fake_slack)
    state = seed_state()
    async with run_sandbox(state, host="127.0.0.1", port=0) as upstream:
        proxy, sentry_url = await sentry_proxy(upstream)
        settings = bot_settings(fake_slack, sentry_url, tmp_path)
        async with serving(settings) as (url, bolt), aiohttp.ClientSession() as http:
            yield BotUnderTest(url, fake_slack, state, http, bolt, sentry_url), proxy


async def final_answer(bot: BotUnderTest, text: str) -> dict:
    """`/sentry <text>`'s last answer, after any interim "still waiting" one."""
    key = f"final-{text}"
    body = slash_command_body(text, user_id="UALICE", response_url=bot.slack.response_url(key))
    assert (await bot.post(body)).status == 200
    (first, *_) = await bot.slack.wait_for_response(key, count=1, timeout=10)
    if first["text"].startswith("⏳"):
        (_, first) = await bot.slack.wait_for_response(key, count=2, timeout=10)
    return first


def buttons(answer: dict) -> dict[str, str]:
    """The answer's buttons: action_id → value."""
    return {
        e["action_id"]: e.get("value", "")
        for block in answer.get("blocks", [])
        if block["type"] == "actions"
        for e in block["elements"]
    }


async def test_an_html_502_is_shown_with_a_retry_that_runs_the_command_again(bot_and_sentry):
    bot, sentry = bot_and_sentry

    async def bad_gateway(request: web.Request) -> web.Response | None:
        if request.path == "/api/0/organizations/acme/":
            return web.Response(text=NGINX_502, status=502, content_type="text/html")
        return None

    sentry.misbehave = bad_gateway
    answer = await final_answer(bot, "org")
    assert answer["text"].startswith("⚠️ Sentry answered 502 (not JSON): &lt;html&gt;")
    assert "502 Bad Gateway" in answer["text"]
    retry = buttons(answer)[Action.RETRY]

    sentry.misbehave = None  # Sentry is back
    key = await bot.click(Action.RETRY, retry)
    (again,) = await bot.slack.wait_for_response(key)
    assert again["replace_original"] is True
    assert "Acme Corp" in json.dumps(again["blocks"])


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/0/organizations/acme/", b'{"id": "2", "slug": "ac'),  # truncated JSON
        ("/api/0/organizations/acme/", b"[]"),  # a list where the organization belongs
        (f"/api/0/organizations/acme/issues/{ISSUE_ID}/", b'{"id": "1", "title": "t", "count": {"n": 1}}'),
    ],
)
async def test_an_answer_of_the_wrong_shape_is_said_plainly_not_as_a_crash(bot_and_sentry, path, body):
    bot, sentry = bot_and_sentry

    async def wrong_shape(request: web.Request) -> web.Response | None:
        if request.path == path:
            return web.Response(body=body, content_type="application/json")
        return None

    sentry.misbehave = wrong_shape
    answer = await final_answer(bot, "org" if path.endswith("/acme/") else f"issue {ISSUE_ID}")
    assert answer["text"].startswith("⚠️ Sentry's answer had an unexpected shape")
    assert dispatch.GENERIC_FAILURE not in answer["text"]


async def test_a_429_ten_years_ahead_tells_when_to_retry_and_spares_other_commands(bot_and_sentry):
    bot, sentry = bot_and_sentry
    ten_years = str(int(time.time()) + 10 * 365 * 86400)

    async def limited(request: web.Request) -> web.Response | None:
        if request.path == "/api/0/organizations/acme/":
            headers = {"X-Sentry-Rate-Limit-Remaining": "0", "X-Sentry-Rate-Limit-Reset": ten_years}
            return web.json_response({"detail": "Limit is 40 requests in 1 seconds"}, status=429, headers=headers)
        return None

    sentry.misbehave = limited
    answer = await final_answer(bot, "org")
    assert "rate limiting" in answer["text"] and "Try again in 60 minutes." in answer["text"]
    assert Action.RETRY in buttons(answer)
    projects = await final_answer(bot, "projects")  # another endpoint, another bucket
    assert not projects["text"].startswith("⚠️")


def by_short_id(path: str) -> bool:
    """A lookup of an issue by its short ID: the short ID endpoint, or issue details named by the short
    ID (the issue card reads those directly, as Sentry's issue endpoints take a short ID for the id)."""
    return "/shortids/" in path or re.search(r"/issues/[A-Za-z][^/]*/$", path) is not None


def stall_short_ids(*, until: asyncio.Event) -> Callable[[web.Request], Awaitable[web.Response | None]]:
    """Misbehaviour: short-ID lookups hang until `until` is set; everything else passes through."""

    async def misbehave(request: web.Request) -> web.Response | None:
        if by_short_id(request.path):
            await until.wait()
        return None

    return misbehave


async def test_a_stalled_sentry_answers_in_time_and_leaves_room_for_other_commands(bot_and_sentry):
    bot, sentry = bot_and_sentry
    released = asyncio.Event()
    sentry.misbehave = stall_short_ids(until=released)
    keys = [f"stalled-{n}" for n in range(8)]
    try:
        for n, key in enumerate(keys):  # eight lookups of different short IDs, all stalled
            body = slash_command_body(f"WEB-{n + 1}", user_id="UALICE", response_url=bot.slack.response_url(key))
            assert (await bot.post(body)).status == 200
        answer = await bot.command(f"issue {ISSUE_ID}")  # unrelated: another endpoint, free slots
        assert not answer["text"].startswith("⚠️"), answer["text"]
        for key in keys:
            interim, final = await bot.slack.wait_for_response(key, count=2, timeout=10)
            assert interim["text"].startswith("⏳ Still waiting for Sentry")
            assert final["replace_original"] is True
            assert final["text"].startswith("⚠️ Sentry did not answer within 3 seconds")
            assert Action.RETRY in buttons(final)
    finally:
        released.set()


async def test_a_lookup_sharing_a_stalled_read_gets_an_answer_when_the_first_one_gives_up(bot_and_sentry):
    bot, sentry = bot_and_sentry
    released = asyncio.Event()
    sentry.misbehave = stall_short_ids(until=released)
    try:
        for key in ("first", "second"):  # the second joins the first's read (one call per key)
            body = slash_command_body("WEB-12A", user_id="UALICE", response_url=bot.slack.response_url(key))
            assert (await bot.post(body)).status == 200
            await asyncio.sleep(1)
        for key in ("first", "second"):
            _, final = await bot.slack.wait_for_response(key, count=2, timeout=10)
            assert final["text"].startswith("⚠️ Sentry did not answer within 3 seconds")
        assert sum(by_short_id(p) for p in sentry.paths) == 1
    finally:
        released.set()
