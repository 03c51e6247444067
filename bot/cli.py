"""`sentry-bot`: serve (HTTP), socket (Socket Mode), console (terminal chat), check (configuration),
worker (alert delivery only), migrate (database schema), manifest (the Slack app's manifest),
sentry-app (what to enter for the Sentry internal integration).

Exit codes: 0 done, 1 a check failed or the database schema cannot be used, 2 a configuration
problem (a variable, or a database that cannot be reached), 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
from collections.abc import Sequence
from urllib.parse import urlsplit

from bot import __version__
from bot.settings import ConfigError, Settings, load_settings
from bot.store.migrations import SchemaError

__all__ = ["log_level", "main"]

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sentry-bot", description="A Slack ChatOps bot for Sentry.")
    parser.add_argument("--version", action="version", version=f"sentry-bot {__version__}")
    parser.add_argument(
        "--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="overrides LOG_LEVEL (default INFO)"
    )
    sub = parser.add_subparsers(
        dest="mode", required=True, metavar="{serve,socket,worker,console,check,migrate,manifest,sentry-app}"
    )
    serve = sub.add_parser("serve", help="HTTP mode: Slack Events API and Sentry webhooks")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3000)
    socket = sub.add_parser("socket", help="Slack Socket Mode (no public URL needed)")
    socket.add_argument("--host", default="127.0.0.1")
    socket.add_argument("--port", type=int, default=3000, help="the Sentry webhook listener's port")
    console = sub.add_parser("console", help="a terminal chat with the bot")
    console.add_argument("--demo", action="store_true", help="run against the built-in Sentry stand-in")
    console.add_argument("--as", dest="email", help="the Sentry member email you act as")
    check = sub.add_parser("check", help="validate the configuration and reach Slack and Sentry")
    check.add_argument(
        "--mode", dest="check_mode", choices=["serve", "socket", "console"], default="serve", help="what to check for"
    )
    manifest = sub.add_parser("manifest", help="print the Slack app manifest for the bot's public URL")
    manifest.add_argument("--url", type=_public_url, required=True, help="the bot's public base URL")
    manifest.add_argument("--command", help="the slash command (default: SLACK_COMMAND, else /sentry)")
    manifest.add_argument("--name", default="Sentry", help="the app's name in Slack")
    manifest.add_argument("--json", action="store_true", help="JSON instead of YAML")
    sentry_app = sub.add_parser("sentry-app", help="print what to enter for the Sentry internal integration")
    sentry_app.add_argument("--url", type=_public_url, required=True, help="the bot's public base URL")
    worker = sub.add_parser("worker", help="only the alert worker: routing, delivery, schedules")
    worker.add_argument("--host", default="127.0.0.1")
    worker.add_argument("--port", type=int, default=3000, help="the port of /healthz, /readyz and /metrics")
    sub.add_parser("migrate", help="upgrade the database schema to this version and exit")
    return parser


def log_level(given: str | None, mode: str, settings: Settings) -> str:
    """`--log-level` when given, else `LOG_LEVEL`; the console, a chat where routine INFO lines would
    interleave with the answers, logs warnings only unless one of the two asks for more."""
    if given:
        return given
    if mode == "console" and "log_level" not in settings.model_fields_set:
        return "WARNING"
    return settings.log_level


def _public_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"{value!r} is not a URL: expected e.g. https://bot.example.com")
    return value.rstrip("/")


def _command_name(value: str) -> str:
    if not re.fullmatch(r"/[a-z0-9][a-z0-9_.-]{0,30}", value):
        raise ConfigError(f"--command {value!r} is not a slash command: expected e.g. /sentry or /triage.")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from bot.logs import configure_logging

    configure_logging(args.log_level or "INFO")
    try:
        if args.mode == "check":
            from bot.checks import lenient_settings
            from bot.modes import check

            settings, invalid = lenient_settings()
            return asyncio.run(check(settings, mode=args.check_mode, findings=invalid))
        settings = load_settings()
        configure_logging(log_level(args.log_level, args.mode, settings), settings.log_format)
        if args.mode == "manifest":
            from bot.apps import manifest_text, slack_manifest

            command = _command_name(args.command or settings.slack_command)
            manifest = slack_manifest(
                url=args.url, sentry_url=str(settings.sentry_url), command=command, name=args.name
            )
            print(manifest_text(manifest, url=args.url, as_json=args.json), end="")
            return 0
        if args.mode == "sentry-app":
            from bot.apps import sentry_app_text

            print(sentry_app_text(args.url), end="")
            return 0
        if args.mode == "console":
            from bot.modes import console

            return asyncio.run(console(settings, demo=args.demo, email=args.email))
        if args.mode == "migrate":
            from bot.modes import migrate

            return asyncio.run(migrate(settings))
        from bot.modes import serve, socket, worker
        from bot.selfmonitor import self_monitoring

        runner = {"serve": serve, "socket": socket, "worker": worker}[args.mode]
        with self_monitoring(settings):
            return asyncio.run(runner(settings, host=args.host, port=args.port))
    except SchemaError as exc:
        print(f"sentry-bot: {exc}", file=sys.stderr)
        return 1
    except ConfigError as exc:
        print(f"sentry-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
