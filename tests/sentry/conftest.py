"""A scripted Sentry on 127.0.0.1: each test says how it answers, and reads what it was asked."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web

from bot.sentry import ReadCache, SentryClient

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ScriptedSentry:
    def __init__(self) -> None:
        self.handler: Handler | None = None
        self.requests: list[web.Request] = []
        self.bodies: list[bytes] = []
        self.url = ""

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request)
        self.bodies.append(await request.read())
        assert self.handler is not None, "the test did not say how Sentry answers"
        return await self.handler(request)

    @property
    def paths(self) -> list[str]:
        return [r.raw_path for r in self.requests]


@pytest.fixture
async def sentry_server() -> AsyncIterator[ScriptedSentry]:
    scripted = ScriptedSentry()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", scripted._dispatch)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    scripted.url = f"http://127.0.0.1:{port}/"
    try:
        yield scripted
    finally:
        await runner.cleanup()


@pytest.fixture
async def make_client(sentry_server: ScriptedSentry) -> AsyncIterator[Callable[..., SentryClient]]:
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())

        def make(**kw: object) -> SentryClient:
            kw.setdefault("cache", ReadCache(ttl=60))
            kw.setdefault("backoff", 0.01)
            return SentryClient(base_url=sentry_server.url, token="sntrys_secret", org="acme", session=session, **kw)  # type: ignore[arg-type]

        yield make
