"""The floor: a bare Bolt `AsyncApp` that acks `/sentry` and does nothing else.

    python -m bench.floor --port P --slack-api-url URL

Served exactly as the bot serves Bolt (aiohttp, Bolt's aiohttp adapter, `process_before_response`
off), so the ratio bot/floor is the cost of what the bot adds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from .common import BOT_TOKEN, SIGNING_SECRET


def build_floor(slack_api_url: str, *, inline_ack: bool = False) -> web.Application:
    bolt = AsyncApp(
        signing_secret=SIGNING_SECRET,
        client=AsyncWebClient(token=BOT_TOKEN, base_url=slack_api_url),
        process_before_response=inline_ack,
    )

    @bolt.command("/sentry")
    async def ack_only(ack: Callable[[], Awaitable[None]]) -> None:
        await ack()

    async def slack_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz)
    return app


async def _serve(port: int, slack_api_url: str, inline_ack: bool) -> None:
    runner = web.AppRunner(build_floor(slack_api_url, inline_ack=inline_ack), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--slack-api-url", required=True)
    parser.add_argument(
        "--inline-ack",
        action="store_true",
        help="process_before_response=True: the ack listener runs inline instead of Bolt polling for it every 10 ms",
    )
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.slack_api_url, args.inline_ack))
    return 0


if __name__ == "__main__":
    sys.exit(main())
