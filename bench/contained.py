"""A misbehaving Sentry, measured: what users wait for and what the process holds.

    .venv/bin/python -m bench.contained            # both parts, each in its own process

- `stalled`: the stand-in answers every short-ID lookup after 60 s. Eight `/sentry WEB-n` wait on it;
  the time an unrelated `/sentry issue <id>` takes meanwhile, and what the eight get, and when.
- `big`: the stand-in answers `projects` with a 50 MB JSON list. RSS before and after five such
  answers, and how long a `help` typed meanwhile takes, with the transport's byte cap and without it
  (`max_response_bytes` raised to 1 GB, as the transport read before the cap).

Each part runs the real dispatcher and Sentry client against a local aiohttp stand-in over loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from aiohttp import web
from pydantic import SecretStr

from bot.commands import registry
from bot.commands.context import Ctx, Services
from bot.commands.dispatch import Dispatcher, answer_in_time
from bot.identity import Identity
from bot.sandbox import run_sandbox, seed_state
from bot.sentry import ReadCache, SentryClient
from bot.settings import Settings

OWNER = "alice@acme.example"
ISSUE_ID = "5501024301"
WARM_ISSUE_ID = "5501024302"  # looked up first, so the measured lookup is not a cache hit


class _Owner:
    async def email_of(self, user_id: str) -> str | None:
        return OWNER


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@asynccontextmanager
async def proxy(upstream: str, *, stall: float = 0.0, big: bytes = b"") -> AsyncIterator[str]:
    """The stand-in behind a proxy that stalls short-ID lookups for `stall` s, and answers members with `big`."""
    async with aiohttp.ClientSession() as session:

        async def handle(request: web.Request) -> web.StreamResponse:
            if stall and "/shortids/" in request.path:
                await asyncio.sleep(stall)
            if big and request.path.endswith("/acme/projects/"):
                return web.Response(body=big, content_type="application/json")
            auth = {"Authorization": request.headers.get("Authorization", "")}
            async with session.request(request.method, upstream.rstrip("/") + request.path_qs, headers=auth) as up:
                return web.Response(status=up.status, body=await up.read(), content_type="application/json")

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            yield f"http://127.0.0.1:{port}/"
        finally:
            await runner.cleanup()


@asynccontextmanager
async def bot(sentry_url: str, **client: object) -> AsyncIterator[tuple[Dispatcher, Ctx]]:
    settings = Settings(sentry_url=sentry_url, sentry_auth_token=SecretStr("t"), sentry_org="acme", _env_file=None)
    async with aiohttp.ClientSession() as session:
        sentry = SentryClient(
            base_url=sentry_url, token="t", org="acme", session=session, cache=ReadCache(ttl=60), **client
        )  # type: ignore[arg-type]
        services = Services(settings=settings, sentry=sentry, identity=Identity(sentry=sentry, directory=_Owner()))
        ctx = Ctx(services=services, user_id="UBENCH", channel_id="CBENCH", now=datetime.now(UTC))
        yield Dispatcher(registry), ctx


async def stalled() -> dict[str, object]:
    async with (
        run_sandbox(seed_state(), host="127.0.0.1", port=0) as upstream,
        proxy(upstream, stall=60) as url,
        bot(url) as (dispatcher, ctx),
    ):
        await dispatcher.run(f"issue {WARM_ISSUE_ID}", ctx)  # warm: identity, connection
        started = time.monotonic()
        events: list[tuple[float, str]] = []

        async def waiting(n: int) -> None:
            async def interim() -> None:
                events.append((time.monotonic() - started, "interim"))

            reply, _ = await answer_in_time(dispatcher.run(f"WEB-{n}", ctx), interim=interim)
            events.append((time.monotonic() - started, reply.message["text"][:60]))

        eight = [asyncio.create_task(waiting(n)) for n in range(1, 9)]
        await asyncio.sleep(0.5)
        before = time.monotonic()
        other = await dispatcher.run(f"issue {ISSUE_ID}", ctx.but(now=datetime.now(UTC)))
        unrelated = time.monotonic() - before
        await asyncio.gather(*eight)
    interims = [t for t, what in events if what == "interim"]
    finals = [(t, what) for t, what in events if what != "interim"]
    return {
        "unrelated_issue_ms": round(unrelated * 1000, 1),
        "unrelated_answer": other.message["text"][:60],
        "interim_after_s": [round(min(interims), 2), round(max(interims), 2)] if interims else None,
        "final_after_s": [round(min(t for t, _ in finals), 2), round(max(t for t, _ in finals), 2)],
        "final_answer": finals[0][1],
    }


async def serve_big() -> None:
    """The stand-in with a 50 MB `projects` answer, in its own process so its buffers are not the bot's RSS."""
    row = {"name": "A project", "platform": "python", "dateCreated": "2024-05-01T14:00:00Z", "padding": "x" * 200}
    rows = json.dumps([{**row, "id": str(i), "slug": f"project-{i}"} for i in range(147_000)]).encode()
    async with run_sandbox(seed_state(), host="127.0.0.1", port=0) as upstream, proxy(upstream, big=rows) as url:
        print(url, len(rows), flush=True)
        await asyncio.Event().wait()


async def big(cap: bool) -> dict[str, object]:
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.contained", "--part", "serve-big", stdout=asyncio.subprocess.PIPE
    )
    try:
        assert server.stdout is not None
        url, size = (await server.stdout.readline()).decode().split()
        client = {} if cap else {"max_response_bytes": 1 << 30}
        async with bot(url, **client) as (dispatcher, ctx):
            await dispatcher.run(f"issue {ISSUE_ID}", ctx)  # warm: identity, connection
            before = rss_mb()
            help_ms: list[float] = []
            answers: list[str] = []
            for _ in range(5):
                ctx.services.sentry.cache.clear()
                projects = asyncio.create_task(dispatcher.run("projects", ctx))
                await asyncio.sleep(0.05)
                started = time.monotonic()
                await dispatcher.run("help", ctx)
                help_ms.append((time.monotonic() - started) * 1000)
                answers.append((await projects).message["text"][:90])
            after = rss_mb()
    finally:
        server.terminate()
        await server.wait()
    return {
        "answer_mb": round(int(size) / 1e6, 1),
        "cap": cap,
        "rss_before_mb": round(before, 1),
        "rss_after_mb": round(after, 1),
        "help_ms_max": round(max(help_ms), 1),
        "projects_answer": answers[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["stalled", "big-capped", "big-uncapped", "serve-big"])
    args = parser.parse_args()
    if args.part == "serve-big":
        asyncio.run(serve_big())
    elif args.part == "stalled":
        print(json.dumps(asyncio.run(stalled())))
    elif args.part:
        print(json.dumps(asyncio.run(big(args.part == "big-capped"))))
    else:
        for part in ("stalled", "big-capped", "big-uncapped"):
            out = subprocess.run(  # noqa: S603 (fixed arguments)
                [sys.executable, "-m", "bench.contained", "--part", part], capture_output=True, text=True, check=True
            )
            print(part, out.stdout.strip())


if __name__ == "__main__":
    main()
