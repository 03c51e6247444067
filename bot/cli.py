"""`sentry-bot`: serve (HTTP), socket (Socket Mode), console (terminal chat), check (configuration),
manifest (the Slack app's manifest), sentry-app (what to enter for the Sentry internal integration)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
from collections.abc import Sequence
from urllib.parse import urlsplit

from bot import __version__
from bot.settings import ConfigError, load_settings

__all__ = ["main"]

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sentry-bot", description="A Slack ChatOps bot for Sentry.")
    parser.add_argument("--version", action="version", version=f"sentry-bot {__version__}")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    sub = parser.add_subparsers(dest="mode", required=True, metavar="{serve,socket,console,check,manifest,sentry-app}")
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
    return parser


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

    # The console is a chat: routine INFO lines would interleave with the answers.
    quiet = args.mode == "console" and args.log_level == "INFO"
    configure_logging("WARNING" if quiet else args.log_level)
    try:
        if args.mode == "check":
            from bot.checks import lenient_settings
            from bot.modes import check

            settings, invalid = lenient_settings()
            return asyncio.run(check(settings, mode=args.check_mode, findings=invalid))
        settings = load_settings()
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
        from bot.modes import serve, socket

        runner = serve if args.mode == "serve" else socket
        return asyncio.run(runner(settings, host=args.host, port=args.port))
    except ConfigError as exc:
        print(f"sentry-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
