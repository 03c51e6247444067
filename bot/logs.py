"""Logging: one line per record, `extra=` fields appended, and no secret ever printed.

`LOG_FORMAT=text` (the default) writes `time LEVEL logger message key=value ...`; `LOG_FORMAT=json`
writes one JSON object a line, `{"time", "level", "logger", "message", "fields": {...extras}}`, plus
`"exception"` (the traceback) when there is one:

    configure_logging("INFO", "json")
    logging.getLogger("bot.commands").info("command", extra={"command": "issue", "ms": 12.5})
    # {"time": "2026-12-01T22:50:00.123Z", "level": "INFO", "logger": "bot.commands", "message": "command",
    #  "fields": {"command": "issue", "ms": 12.5}}
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

__all__ = ["JsonFormatter", "RedactingFilter", "configure_logging", "redact"]

# Slack tokens, Sentry tokens, bearer headers, and `secret=`/`token=` pairs.
_SECRET_PATTERNS = [
    re.compile(r"xox[abposr]-[A-Za-z0-9-]+"),
    re.compile(r"xapp-[A-Za-z0-9-]+"),
    re.compile(r"sntry[su]_[A-Za-z0-9_=+/-]+"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)((?:secret|token|password|client_secret|signing_secret)[\"']?\s*[=:]\s*[\"']?)[^\s,\"'&}]+"),
]
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + "[redacted]", text)
    return text


class RedactingFilter(logging.Filter):
    """Masks anything shaped like a token or secret in the message, its arguments and its extras."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Format first, then mask: masking the template alone can eat a placeholder (`secret=%s`),
        # and logging then reports the broken record on stderr with its raw arguments.
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):  # the caller's format bug: keep both parts, masked
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = redact(message), None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact(value))
        return True


class ExtrasFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if extras:
            base += " " + " ".join(f"{k}={v}" for k, v in extras.items())
        return redact(base)


class JsonFormatter(logging.Formatter):
    """One JSON object a line; the `extra=` fields under "fields", so they never shadow the fixed keys."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "fields": {k: _plain(v) for k, v in vars(record).items() if k not in _STANDARD},
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        # Masked after encoding too: a token inside a traceback or a non-string field is caught here.
        return redact(json.dumps(line, ensure_ascii=False, default=str))


def _plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None), list, dict)) else str(value)


class _BoltSameToken(logging.Filter):
    """Drops Bolt's "As you gave `client` as well, `token` will be unused.": Bolt reads SLACK_BOT_TOKEN
    from the environment by itself (`slack_bolt/app/async_app.py`) and warns at every start that the
    client the bot gives it wins, when that client was built from the same variable."""

    def filter(self, record: logging.LogRecord) -> bool:
        from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

        return record.getMessage() != warning_client_prioritized_and_token_skipped()


# slack_sdk tests `logger.level <= DEBUG` on its own logger, which is 0 (NOTSET) unless set: it then
# builds a debug line of every request and answer and logs "A retry handler found" at INFO.
_SLACK_SDK_LOGGERS = (
    "slack_sdk.web.async_base_client",
    "slack_sdk.web.base_client",
    "slack_sdk.webhook.async_client",  # Bolt's `respond`, to response_urls
)


def configure_logging(
    level: str = "INFO", fmt: Literal["text", "json"] = "text", *, stream: TextIO | None = None
) -> None:
    """The root logger writes `fmt` lines at `level` to `stream` (stderr), secrets masked."""
    handler = logging.StreamHandler(stream)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(ExtrasFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # aiosqlite's DEBUG lines repeat every statement with its parameters: hook secrets among them.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    for name in _SLACK_SDK_LOGGERS:
        logging.getLogger(name).setLevel(level)
    bolt = logging.getLogger("slack_bolt.AsyncApp")
    bolt.filters[:] = [f for f in bolt.filters if not isinstance(f, _BoltSameToken)] + [_BoltSameToken()]
