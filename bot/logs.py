"""Logging: one line per record, `extra=` fields appended, and no secret ever printed."""

from __future__ import annotations

import logging
import re

__all__ = ["RedactingFilter", "configure_logging", "redact"]

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


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(ExtrasFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
