"""What a failed Slack call means for the delivery: wait and retry, give up on the message, or on the channel.

Failure
├── retry     429 (Retry-After honoured), 5xx, timeouts, connection errors, Slack's own hiccups
├── workspace Slack refuses the bot's token: hold every delivery, try again with backoff (bot/alerts/hold.py)
├── channel   Slack refuses the channel for good: pause its subscriptions, tell a person
└── message   Slack refuses this one message (bad blocks, message deleted): drop it, log it
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import aiohttp
from slack_sdk.errors import SlackApiError

__all__ = ["AUTH_ERRORS", "CHANNEL_ERRORS", "TRANSPORT_ERRORS", "Failure", "classify", "plain_reason"]

# What an AsyncWebClient call raises besides SlackApiError when Slack cannot be reached.
TRANSPORT_ERRORS = (TimeoutError, aiohttp.ClientError, OSError)

# Slack refuses the channel: no retry will help until a person acts.
CHANNEL_ERRORS = {
    "channel_not_found": "the channel no longer exists, or the bot cannot see it",
    "not_in_channel": "the bot is not a member of the channel (invite it with `/invite @Sentry`)",
    "is_archived": "the channel was archived",
    "channel_is_archived": "the channel was archived",
    "restricted_action": "the workspace does not let the bot post there",
    "restricted_action_read_only_channel": "the channel is read-only",
    "restricted_action_non_threadable_channel": "the channel does not allow threads",
    "restricted_action_thread_only_channel": "the channel only allows replies in threads",
    "team_access_not_granted": "the bot is not allowed in that workspace",
    "ekm_access_denied": "the workspace's encryption keys refuse the bot",
}
# Slack refuses the bot itself: every channel is affected alike, and no message can say so in Slack.
# Codes from the error lists of chat.postMessage and chat.update (docs.slack.dev/reference/methods).
AUTH_ERRORS = {
    "invalid_auth": "Slack does not accept the bot's token (check SLACK_BOT_TOKEN)",
    "not_authed": "the bot sent no Slack token (set SLACK_BOT_TOKEN)",
    "account_inactive": "the bot's Slack account was deactivated (reinstall the app)",
    "token_revoked": "the bot's Slack token was revoked (reinstall the app)",
    "token_expired": "the bot's Slack token expired (reinstall the app)",
    "missing_scope": "the bot lacks a Slack permission it needs (chat:write, chat:write.public)",
    "no_permission": "the bot lacks a Slack permission it needs",
}
# Slack's own transient errors, answered with HTTP 200 or 5xx.
RETRY_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}


@dataclass(frozen=True)
class Failure:
    kind: Literal["retry", "workspace", "channel", "message"]
    code: str
    retry_after: float | None = None  # seconds Slack asked to wait (429)
    # The call may have reached Slack (timeout, 5xx): a retried post must first look for it.
    maybe_posted: bool = False


def classify(exc: SlackApiError | TimeoutError | aiohttp.ClientError | OSError) -> Failure:
    """The meaning of an exception raised by an AsyncWebClient call."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        code = str(data.get("error") or f"http_{status}")
        if status == 429:
            return Failure("retry", code, retry_after=_retry_after(exc))
        if status >= 500:
            return Failure("retry", code, maybe_posted=True)
        if code in AUTH_ERRORS:
            return Failure("workspace", code)
        if code in CHANNEL_ERRORS:
            return Failure("channel", code)
        if code in RETRY_ERRORS:
            return Failure("retry", code)
        return Failure("message", code)
    if isinstance(exc, TimeoutError):
        return Failure("retry", "timeout", maybe_posted=True)
    # A connection error: the request may or may not have reached Slack.
    return Failure("retry", type(exc).__name__, maybe_posted=True)


def plain_reason(code: str) -> str:
    """Slack's error code in plain words, for logs, notices and `/sentry subscriptions`."""
    return CHANNEL_ERRORS.get(code) or AUTH_ERRORS.get(code) or f"Slack answered {code}"


def _retry_after(exc: SlackApiError) -> float | None:
    headers = exc.response.headers or {}
    raw = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        return float(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None
