"""The HTTP server of `sentry-bot serve`: Slack's endpoint, Sentry's webhooks, health and metrics.

Stopping (SIGTERM or SIGINT, see `Shutdown`): `/readyz` answers 503 at once, the listening socket
closes, the requests already received are answered, then the work after their acks finishes (all of
it within `BOT_SHUTDOWN_GRACE`, shared with the alert worker's stop that follows in `bot.wiring`).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.metrics import REGISTRY
from bot.slack.app import BotApp

__all__ = ["Shutdown", "build_web_app", "serve_app"]

log = logging.getLogger("bot")

Ready = Callable[[], Awaitable[bool]]
Refresh = Callable[[], Awaitable[None]]


class Shutdown:
    """The process's stop: requested once (a signal), then `grace` seconds shared by every step.

    shutdown = Shutdown(grace=settings.bot_shutdown_grace)
    with shutdown.on_signals():
        await shutdown.requested.wait()
    await worker.stop(grace=shutdown.remaining())
    """

    def __init__(self, grace: float = 10.0) -> None:
        self.grace = grace
        self.requested = asyncio.Event()
        self._deadline: float | None = None

    def request(self, reason: str = "requested") -> None:
        if self._deadline is not None:
            return
        self._deadline = asyncio.get_running_loop().time() + self.grace
        log.info("bot.stopping", extra={"reason": reason, "grace_seconds": self.grace})
        self.requested.set()

    def remaining(self) -> float:
        """Seconds left of the grace (all of it before the stop is requested)."""
        if self._deadline is None:
            return self.grace
        return max(0.0, self._deadline - asyncio.get_running_loop().time())

    @contextmanager
    def on_signals(self) -> Iterator[None]:
        """SIGTERM (docker stop, Kubernetes) and SIGINT (Ctrl-C) request the stop while inside."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request, sig.name)
        try:
            yield
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)


def build_web_app(
    bolt: AsyncApp | None,
    *,
    ready: Ready | None = None,
    shutdown: Shutdown | None = None,
    before_scrape: Refresh | None = None,
) -> web.Application:
    """`POST /slack/events` (when `bolt` is given), `GET /healthz`, `/readyz` and `/metrics`.

    `before_scrape` sets the gauges computed at scrape time (the outbox's); if it fails, the other
    metrics are served all the same and the failure is logged.

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
        if shutdown is not None and shutdown.requested.is_set():
            # A load balancer stops sending here before the listener closes.
            return web.json_response({"status": "stopping"}, status=503)
        ok = await ready() if ready is not None else True
        return web.json_response({"status": "ready" if ok else "not ready"}, status=200 if ok else 503)

    async def metrics(request: web.Request) -> web.Response:
        if before_scrape is not None:
            try:
                await before_scrape()
            except Exception:
                log.exception("metrics.refresh-failed")
        body = generate_latest(REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def close_bolt(_: web.Application) -> None:
        assert isinstance(bolt, BotApp)
        # Lets the answers in flight go out, then closes its keep-alive session.
        await bolt.close(grace=shutdown.remaining() if shutdown is not None else 10.0)

    if bolt is not None:
        app.router.add_post("/slack/events", slack_events)
        if isinstance(bolt, BotApp):
            app.on_cleanup.append(close_bolt)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return app


async def serve_app(
    app: web.Application,
    host: str,
    port: int,
    *,
    stop: asyncio.Event | None = None,
    shutdown: Shutdown | None = None,
) -> None:
    """Serve `app` on host:port until `shutdown` is requested (or `stop` set; for ever without
    either), then stop accepting, answer the requests under way (within the shutdown's grace) and
    clean the app up. Port 0 picks a free port: the `bot.listening` line gives the one bound."""
    grace = shutdown.grace if shutdown is not None else 10.0
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=grace)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    bound = runner.addresses[0] if runner.addresses else (host, port)
    log.info("bot.listening", extra={"url": f"http://{bound[0]}:{bound[1]}"})
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
        await (shutdown.requested if shutdown is not None else stop or asyncio.Event()).wait()
    finally:
        # Closes the listening socket first, then waits for the handlers under way (aiohttp's
        # BaseRunner.cleanup: pre_shutdown, shutdown(timeout), then on_cleanup).
        await runner.cleanup()
        log.info("bot.http-stopped")
