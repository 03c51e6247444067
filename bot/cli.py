"""`sentry-bot`: serve (HTTP), socket (Socket Mode), console (terminal chat), check (configuration),
worker (alert delivery only), migrate (database schema).

Exit codes: 0 done, 1 a check failed or the database schema cannot be used, 2 a configuration
problem (a variable, or a database that cannot be reached), 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from bot import __version__
from bot.settings import ConfigError, load_settings
from bot.store.migrations import SchemaError

__all__ = ["main"]

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sentry-bot", description="A Slack ChatOps bot for Sentry.")
    parser.add_argument("--version", action="version", version=f"sentry-bot {__version__}")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    sub = parser.add_subparsers(dest="mode", required=True, metavar="{serve,socket,worker,console,check,migrate}")
    serve = sub.add_parser("serve", help="HTTP mode: Slack Events API and Sentry webhooks")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3000)
    socket = sub.add_parser("socket", help="Slack Socket Mode (no public URL needed)")
    socket.add_argument("--host", default="127.0.0.1")
    socket.add_argument("--port", type=int, default=3000, help="the Sentry webhook listener's port")
    console = sub.add_parser("console", help="a terminal chat with the bot")
    console.add_argument("--demo", action="store_true", help="run against the built-in Sentry stand-in")
    console.add_argument("--as", dest="email", help="the Sentry member email you act as")
    sub.add_parser("check", help="validate the configuration and reach Slack and Sentry")
    worker = sub.add_parser("worker", help="only the alert worker: routing, delivery, schedules")
    worker.add_argument("--host", default="127.0.0.1")
    worker.add_argument("--port", type=int, default=3000, help="the port of /healthz, /readyz and /metrics")
    sub.add_parser("migrate", help="upgrade the database schema to this version and exit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from bot.logs import configure_logging

    # The console is a chat: routine INFO lines would interleave with the answers.
    quiet = args.mode == "console" and args.log_level == "INFO"
    configure_logging("WARNING" if quiet else args.log_level)
    try:
        settings = load_settings()
        if args.mode == "console":
            from bot.modes import console

            return asyncio.run(console(settings, demo=args.demo, email=args.email))
        if args.mode == "check":
            from bot.modes import check

            return asyncio.run(check(settings))
        if args.mode == "migrate":
            from bot.modes import migrate

            return asyncio.run(migrate(settings))
        if args.mode == "worker":
            from bot.modes import worker

            return asyncio.run(worker(settings, host=args.host, port=args.port))
        from bot.modes import serve, socket

        runner = serve if args.mode == "serve" else socket
        return asyncio.run(runner(settings, host=args.host, port=args.port))
    except SchemaError as exc:
        print(f"sentry-bot: {exc}", file=sys.stderr)
        return 1
    except ConfigError as exc:
        print(f"sentry-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
