"""The HTTP server of `sentry-bot serve`: Slack's endpoint, Sentry's webhooks, health and metrics."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.metrics import REGISTRY
from bot.slack.app import BotApp

__all__ = ["build_web_app", "serve_app"]

log = logging.getLogger("bot")

Ready = Callable[[], Awaitable[bool]]


def build_web_app(bolt: AsyncApp | None, *, ready: Ready | None = None) -> web.Application:
    """`POST /slack/events` (when `bolt` is given), `GET /healthz`, `/readyz` and `/metrics`.

    Other routes (the Sentry webhook receiver) are added by their owners on the returned app.
    """
    app = web.Application(client_max_size=1024**2 + 1)

    async def slack_events(request: web.Request) -> web.Response:
        assert bolt is not None
        try:
            # Bolt decodes the body before it checks the signature: bytes that are not UTF-8
            # would be a UnicodeDecodeError there (a 500). Slack sends UTF-8 only.
            (await request.read()).decode("utf-8")
        except UnicodeDecodeError:
            return web.json_response({"ok": False, "error": "The body is not UTF-8."}, status=400)
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(request: web.Request) -> web.Response:
        ok = await ready() if ready is not None else True
        return web.json_response({"status": "ready" if ok else "not ready"}, status=200 if ok else 503)

    async def metrics(request: web.Request) -> web.Response:
        body = generate_latest(REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def close_bolt(_: web.Application) -> None:
        assert isinstance(bolt, BotApp)
        await bolt.close()  # lets the answers in flight go out, then closes its keep-alive session

    if bolt is not None:
        app.router.add_post("/slack/events", slack_events)
        if isinstance(bolt, BotApp):
            app.on_cleanup.append(close_bolt)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return app


async def serve_app(app: web.Application, host: str, port: int, *, stop: asyncio.Event | None = None) -> None:
    """Serve `app` on host:port until `stop` is set (for ever without one), then clean it up."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("bot.listening", extra={"url": f"http://{host}:{port}"})
    # What is alive once the server has started (modules, the app, the pools) lives as long as the
    # process: freezing it keeps full collections to what requests create. Unfrozen, each full
    # collection stopped the loop for 35-70 ms under webhook load, which set the intake's p99.
    gc.collect()
    gc.freeze()
    # A webhook allocates a few hundred containers (its JSON, the SQL, the request), nearly all
    # freed by reference counting: collecting the young generation every 700 of them (the default)
    # cost a fifth of the CPU at full intake. Every 20,000 it costs a few ms, 30x less often.
    gc.set_threshold(20_000, 10, 10)
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        await runner.cleanup()
