"""Ack latency of `/sentry` under load: signed slash commands over loopback HTTP, N in flight.

    .venv/bin/python -m bench.ack [--requests 2000] [--concurrency 20]

Measures the time from sending a signed slash command to the bot's HTTP 200 (Slack's 3-second ack),
for a bare Bolt AsyncApp that only acks (the floor) and for the bot, in the same run, and prints
medians, p99 and throughput with the ratio to the floor. The answers themselves go to a local
response_url and are not timed here.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
from aiohttp import web
from pydantic import SecretStr
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.modes import slack_client
from bot.sandbox import run_sandbox, seed_state
from bot.settings import Settings
from bot.wiring import running_bot
from tests.fakes import FakeSlack
from tests.fakes.signing import slack_headers, slash_command_body

SECRET = "bench-secret"


def slack_client_for(api_url: str) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-floor", base_url=api_url)


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/slack/events"


async def _load(url: str, texts: list[str], concurrency: int, response_url: str) -> tuple[list[float], float]:
    latencies: list[float] = []
    queue = list(texts)
    async with aiohttp.ClientSession() as http:

        async def worker() -> None:
            while queue:
                body = slash_command_body(queue.pop(), user_id="UALICE", response_url=response_url)
                headers = slack_headers(SECRET, body)
                started = time.perf_counter()
                async with http.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                    assert resp.status == 200, resp.status
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, time.perf_counter() - started


def _figures(name: str, latencies: list[float], elapsed: float) -> dict[str, float | str]:
    ordered = sorted(latencies)
    return {
        "name": name,
        "rps": len(latencies) / elapsed,
        "median_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000,
    }


async def main(requests: int, concurrency: int) -> None:
    async with FakeSlack() as slack:
        slack.users["UALICE"] = {"email": "alice@acme.example"}
        sink = slack.response_url("bench")
        floor = AsyncApp(signing_secret=SECRET, client=slack_client_for(slack.api_url))

        @floor.command("/sentry")
        async def ack_only(ack: Callable[[], Awaitable[None]]) -> None:
            await ack()

        floor_app = web.Application()

        async def handle(request: web.Request) -> web.Response:
            return await to_aiohttp_response(await floor.async_dispatch(await to_bolt_request(request)))

        floor_app.router.add_post("/slack/events", handle)
        runner, floor_url = await _serve(floor_app)
        results = [_figures("bare Bolt ack (floor)", *await _load(floor_url, ["help"] * requests, concurrency, sink))]
        await runner.cleanup()

        state = seed_state()
        async with run_sandbox(state) as sentry_url:
            with tempfile.TemporaryDirectory() as tmp:
                settings = Settings(
                    slack_bot_token=SecretStr("xoxb-bench"),
                    slack_signing_secret=SecretStr(SECRET),
                    slack_api_url=slack.api_url,
                    sentry_url=sentry_url,
                    sentry_auth_token=SecretStr("t"),
                    sentry_org="acme",
                    database_url=f"sqlite:///{Path(tmp) / 'bench.db'}",
                    _env_file=None,
                )
                async with running_bot(settings, slack_client(settings)) as (app, _):
                    runner, bot_url = await _serve(app)
                    for text in ("help", "WEB-1"):
                        results.append(
                            _figures(f"bot /sentry {text}", *await _load(bot_url, [text] * requests, concurrency, sink))
                        )
                    await runner.cleanup()
    floor_rps = float(results[0]["rps"])
    print(f"{'case':28} {'req/s':>9} {'median ms':>10} {'p99 ms':>8} {'vs floor':>9}")
    for r in results:
        print(
            f"{r['name']:28} {r['rps']:9.0f} {r['median_ms']:10.2f} {r['p99_ms']:8.2f}"
            f" {float(r['rps']) / floor_rps:9.2f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.concurrency))
