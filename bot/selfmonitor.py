"""The bot's own errors and traces, sent to `SENTRY_DSN` through sentry-sdk; off when it is unset.

Everything leaves through one scrubber (`Scrubber`, as `before_send`, `before_send_transaction` and
`before_breadcrumb`): the configured tokens and secrets are masked wherever they appear, so are
token-shaped strings (`bot.logs.redact`) and Slack's `response_url`s (each one lets anyone answer
in that channel); request bodies, cookies, signature and authorization headers, command text and
Slack message text (`text`, `blocks`, ... keys) are dropped. The SDK is also told not to collect
them: no request bodies and no local variables (personal data is off by default).

    with self_monitoring(settings):
        asyncio.run(serve(settings, host=host, port=port))
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from typing import Any

from bot import __version__
from bot.logs import redact
from bot.settings import Settings

__all__ = ["TRACES_SAMPLE_RATE", "Scrubber", "self_monitoring"]

log = logging.getLogger("bot")

# A share of requests traced: enough to see latency, not a transaction per webhook in a storm.
TRACES_SAMPLE_RATE = 0.1

# At exit, the most spent sending the last reports: a stop must stay within BOT_SHUTDOWN_GRACE.
FLUSH_SECONDS = 2.0

REDACTED = "[redacted]"
# Keys whose values are what people typed or what Slack shows them, or bodies and credentials.
_DROPPED_KEYS = frozenset(
    {
        "text",
        "command_text",
        "blocks",
        "attachments",
        "private_metadata",
        "body",
        "payload",
        "cookies",
        "authorization",
        "cookie",
        "x-slack-signature",
        "x-servicehook-signature",
        "sentry-hook-signature",
    }
)
# hooks.slack.com/commands/..., /actions/..., /services/...: each path is a credential.
_SLACK_HOOK = re.compile(r"https://hooks\.slack\.com/[^\s\"'<>]+")


class Scrubber:
    """Masks secrets and drops message text in whatever sentry-sdk is about to send."""

    def __init__(self, secrets: list[str]) -> None:
        # Longest first, so a secret that contains another is masked whole.
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def __call__(self, event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
        scrubbed: dict[str, Any] = self._clean(event)
        request = scrubbed.get("request")
        if isinstance(request, dict) and "data" in request:
            request["data"] = REDACTED  # the body of a request the bot received: a command, a webhook
        return scrubbed

    def _clean(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._mask(value)
        if isinstance(value, dict):
            return {k: _dropped(v) if str(k).lower() in _DROPPED_KEYS else self._clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            # Headers travel as [name, value] pairs too.
            if len(value) == 2 and isinstance(value[0], str) and value[0].lower() in _DROPPED_KEYS:
                return [value[0], REDACTED]
            return [self._clean(v) for v in value]
        return value

    def _mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return _SLACK_HOOK.sub("https://hooks.slack.com/" + REDACTED, redact(text))


def _dropped(value: Any) -> Any:
    """An empty value of the same kind, so Sentry's schema still accepts the event."""
    if isinstance(value, dict):
        return {}
    if isinstance(value, (list, tuple)):
        return []
    return REDACTED


def _secrets_of(settings: Settings) -> list[str]:
    values = [
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.sentry_auth_token,
        settings.sentry_client_secret,
        settings.sentry_dsn,
        *settings.sentry_service_hook_secrets.values(),
    ]
    return [v.get_secret_value() for v in values if v is not None]


@contextlib.contextmanager
def self_monitoring(settings: Settings, *, traces_sample_rate: float = TRACES_SAMPLE_RATE) -> Iterator[bool]:
    """Report the bot's errors (ERROR logs and unhandled exceptions) and traces while inside; yields
    whether it is on. Leaving flushes what is queued and turns it off."""
    if settings.sentry_dsn is None:
        yield False
        return
    import sentry_sdk
    from sentry_sdk.integrations.aiohttp import AioHttpIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    scrub = Scrubber(_secrets_of(settings))
    sentry_sdk.init(
        dsn=settings.sentry_dsn.get_secret_value(),
        release=f"sentry-bot@{__version__}",
        traces_sample_rate=traces_sample_rate,
        max_request_body_size="never",
        include_local_variables=False,
        integrations=[AioHttpIntegration(), LoggingIntegration(level=logging.INFO, event_level=logging.ERROR)],
        before_send=scrub,  # type: ignore[arg-type]
        before_send_transaction=scrub,  # type: ignore[arg-type]
        before_breadcrumb=scrub,
    )
    log.info("selfmonitor.on", extra={"traces_sample_rate": traces_sample_rate})
    try:
        yield True
    finally:
        sentry_sdk.get_client().close(timeout=FLUSH_SECONDS)  # sends what is queued
        sentry_sdk.get_global_scope().set_client(None)
