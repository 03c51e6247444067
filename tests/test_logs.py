"""Operators' logs: `LOG_FORMAT=json` lines, `LOG_LEVEL` and `--log-level`, and a quiet start."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.cli import log_level
from bot.logs import configure_logging
from bot.settings import ConfigError, Settings, load_settings


@pytest.fixture
def out() -> Iterator[io.StringIO]:
    """What the bot's root handler writes; pytest's own handlers put back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)


def test_a_json_line_has_time_level_logger_message_and_the_extra_fields(out: io.StringIO) -> None:
    configure_logging("INFO", "json", stream=out)
    logging.getLogger("bot.commands").info("command", extra={"command": "issue", "outcome": "ok", "ms": 12.5})

    (line,) = out.getvalue().splitlines()
    record = json.loads(line)
    assert set(record) == {"time", "level", "logger", "message", "fields"}
    assert record["time"].endswith("Z") and record["time"][10] == "T"
    assert (record["level"], record["logger"], record["message"]) == ("INFO", "bot.commands", "command")
    assert record["fields"] == {"command": "issue", "outcome": "ok", "ms": 12.5}


def test_a_json_line_carries_the_traceback_with_secrets_masked(out: io.StringIO) -> None:
    configure_logging("INFO", "json", stream=out)
    try:
        raise RuntimeError("Slack refused xoxb-1234-abcdef")
    except RuntimeError:
        logging.getLogger("bot").exception("command.crashed", extra={"token": "xoxb-1234-abcdef"})

    (line,) = out.getvalue().splitlines()
    record = json.loads(line)
    assert "RuntimeError" in record["exception"]
    assert "xoxb-1234-abcdef" not in line


def test_text_stays_the_default_format(out: io.StringIO) -> None:
    configure_logging("INFO", stream=out)
    logging.getLogger("bot").info("bot.listening", extra={"url": "http://127.0.0.1:3000"})
    assert out.getvalue().rstrip().endswith("INFO bot bot.listening url=http://127.0.0.1:3000")


def test_log_level_is_the_flag_when_given_else_LOG_LEVEL(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings(_env_file=None)
    assert settings.log_level == "DEBUG"
    assert log_level(None, "serve", settings) == "DEBUG"
    assert log_level("WARNING", "serve", settings) == "WARNING"
    assert log_level(None, "console", settings) == "DEBUG"  # asked for: the console shows it too
    monkeypatch.delenv("LOG_LEVEL")
    assert log_level(None, "console", Settings(_env_file=None)) == "WARNING"
    assert log_level(None, "serve", Settings(_env_file=None)) == "INFO"


@pytest.mark.parametrize(("name", "value"), [("LOG_FORMAT", "xml"), ("LOG_LEVEL", "loud")])
def test_a_wrong_log_setting_is_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings(_env_file=None)


async def test_bolt_does_not_warn_at_start_that_the_bots_client_wins_over_SLACK_BOT_TOKEN(
    out: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The documented way to run the bot: the token in the environment, which Bolt reads by itself.
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-abc")
    configure_logging("INFO", stream=out)
    AsyncApp(client=AsyncWebClient(token="xoxb-1-abc"), signing_secret="s")
    assert "WARNING" not in out.getvalue()


def test_slack_sdk_keeps_its_per_request_lines_for_debug(out: io.StringIO) -> None:
    configure_logging("INFO", stream=out)
    # slack_sdk logs "A retry handler found" at INFO, and builds every debug line, while this holds.
    loggers = [logging.getLogger(f"slack_sdk.{name}") for name in ("web.async_base_client", "webhook.async_client")]
    assert not any(logger.level <= logging.DEBUG for logger in loggers)
    configure_logging("DEBUG", stream=out)
    assert all(logger.level <= logging.DEBUG for logger in loggers)


def test_the_dsn_is_a_secret_setting() -> None:
    settings = Settings(sentry_dsn=SecretStr("https://key@o1.ingest.sentry.io/2"), _env_file=None)
    assert "key@" not in repr(settings)
