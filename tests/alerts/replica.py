"""One bot replica, for the restart and replica tests: `POST /sentry/webhook` plus the delivery worker.

    python -m tests.alerts.replica

Settings come from the environment as for the bot (DATABASE_URL, SLACK_API_URL, SLACK_BOT_TOKEN,
SENTRY_SERVICE_HOOK_SECRETS, SENTRY_CLIENT_SECRET), plus DATABASE_SCHEMA (a PostgreSQL schema),
ALERTS_CONFIG (JSON of DeliveryConfig fields) and SLACK_TIMEOUT (seconds). Prints `READY <port>`
once it accepts webhooks; runs until SIGTERM (graceful) or SIGKILL (the point of the tests).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket

from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts import AlertWorker, DeliveryConfig, add_webhook_routes
from bot.settings import load_settings
from bot.store import Database


async def main() -> None:
    settings = load_settings(_env_file=None)
    config = DeliveryConfig(**json.loads(os.environ.get("ALERTS_CONFIG", "{}")))
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    slack = AsyncWebClient(
        token=token, base_url=str(settings.slack_api_url), timeout=float(os.environ.get("SLACK_TIMEOUT", "5"))
    )
    async with (
        Database.connect(settings.database_url, schema=os.environ.get("DATABASE_SCHEMA")) as db,
        AlertWorker(db, slack, config=config) as worker,
    ):
        app = web.Application()
        add_webhook_routes(app, settings=settings, db=db, on_stored=worker.wake)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(runner, sock).start()
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        print(f"READY {sock.getsockname()[1]}", flush=True)
        await stop.wait()
        await runner.cleanup()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(main())
