"""The bot as an action of Sentry's alert rules: the two endpoints its UI component names.

- `GET /sentry/options/channels`: Sentry's alert-rule form asks for the channel choices, with
  `installationId`, `projectSlug`, `query` (what the user typed, for type-ahead) and `dependentData`
  in the query string. The answer is `[{"label", "value", "default"}]` (docs.sentry.io, Integration
  Platform → UI Components → FormField, "URI response format"; Sentry checks `label` and `value`).
- `POST /sentry/alert-rule-action`: when a rule is saved, Sentry posts its settings,
  `{"fields": [{"name": "channel", "value": ...}], "installationId": ...}`. A 2xx saves the rule; a
  4xx refuses it, and Sentry shows the answer's `message` to whoever saves it, as
  "<integration name>: <message>" (getsentry/sentry `SentryAppAlertRuleActionRequester`
  `_get_response_message`).

Both are signed the way getsentry/sentry's `SelectRequester` and `SentryAppAlertRuleActionRequester`
sign them: header `Sentry-App-Signature` = hex HMAC-SHA256 of the body with the integration's client
secret (`SentryApp.build_signature`), where the GET's body is the empty string (the query is not
signed), plus a `Request-ID`. Unsigned or wrongly signed requests get 401, as does every request
while `SENTRY_CLIENT_SECRET` is unset. The GET's signature covers no data, so it proves only that
Sentry sent such a request once: the channel names it lists are all it gives away.

Each settings check is audited: Sentry makes it for whoever saves the rule without naming them, so
the entry's actor is `sentry` (the integration) and its text the channel chosen.

    app.add_routes(rule_action_routes(settings=settings, channels=rule_channels, audit=audit))
"""

from __future__ import annotations

import logging
import time
from typing import Any

import orjson
from aiohttp import web
from slack_sdk.errors import SlackApiError

from bot.alerts.rule_channels import RuleChannels
from bot.alerts.signatures import signature_matches
from bot.alerts.slack_errors import TRANSPORT_ERRORS
from bot.audit import AuditLog
from bot.settings import Settings
from bot.slack.channels import ChannelDirectory, is_channel_id

__all__ = ["ALERT_RULE_ACTION_PATH", "CHANNEL_OPTIONS_PATH", "RuleActionEndpoints", "rule_action_routes"]

log = logging.getLogger(__name__)

ALERT_RULE_ACTION_PATH = "/sentry/alert-rule-action"
CHANNEL_OPTIONS_PATH = "/sentry/options/channels"
SIGNATURE_HEADER = "Sentry-App-Signature"
# The one field of the bot's alert-rule action (bot/apps.py `sentry_app_schema`).
CHANNEL_FIELD = "channel"
# Options offered at once: Sentry's select shows them in a list the user types into.
MAX_OPTIONS = 100
# A settings body is a few fields: anything much larger is not Sentry's.
MAX_BODY_BYTES = 64 * 1024
AUDIT_ACTOR = "sentry"
AUDIT_COMMAND = "alert-rule action"

# Answers, in plain words: Sentry shows `message` to the person saving the rule.
REQUESTS_OFF = "The bot refuses Sentry's requests: SENTRY_CLIENT_SECRET is not set."
BAD_SIGNATURE = "The Sentry-App-Signature header is missing or does not match."
NOT_SETTINGS = 'The body is not the settings of an alert rule ({"fields": [...]}).'
NO_CHANNEL = "Choose the Slack channel to post the alerts in."
UNKNOWN_CHANNEL = (
    "There is no Slack channel {channel} the bot can post in. Choose one from the list; "
    "for a private channel, invite the bot first (/invite @Sentry in that channel)."
)
SLACK_DOWN = "Slack did not answer the bot; try again in a minute."
SAVED = "Alerts of this rule will be posted in {channel}."


class RuleActionEndpoints:
    """The two handlers. Build them with `rule_action_routes`."""

    def __init__(
        self,
        *,
        client_secret: str | None,
        directory: ChannelDirectory,
        channels: RuleChannels,
        audit: AuditLog | None,
    ) -> None:
        self._secret = client_secret
        self._directory = directory
        self._channels = channels
        self._audit = audit

    async def options(self, request: web.Request) -> web.Response:
        if refused := await self._refused(request, b""):
            return refused
        query = request.query.get("query", "")
        try:
            found = await self._directory.postable(query, limit=MAX_OPTIONS)
        except (SlackApiError, *TRANSPORT_ERRORS) as exc:
            log.warning("sentry.rule-action.options-failed", extra={"error": _code(exc)})
            return web.json_response({"message": SLACK_DOWN}, status=503)
        log.info("sentry.rule-action.options", extra={"query": query[:80], "options": len(found)})
        return web.json_response([{"label": c.label, "value": c.id, "default": False} for c in found])

    async def settings(self, request: web.Request) -> web.Response:
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return web.json_response({"message": NOT_SETTINGS}, status=413)
        # The app's client_max_size (1 MiB) bounds a body sent without a length.
        body = await request.read()
        if refused := await self._refused(request, body):
            return refused
        value = _channel_setting(body)
        if value is None:
            return web.json_response({"message": NOT_SETTINGS}, status=400)
        if not value:
            return web.json_response({"message": NO_CHANNEL}, status=400)
        try:
            channel = await self._channels.check(value, time.time())
        except (SlackApiError, *TRANSPORT_ERRORS) as exc:
            log.warning("sentry.rule-action.check-failed", extra={"error": _code(exc)})
            return web.json_response({"message": SLACK_DOWN}, status=503)
        shown = value if value.startswith("#") or is_channel_id(value) else f"#{value}"
        if channel is None:
            await self._record(value, None, "denied")
            return web.json_response({"message": UNKNOWN_CHANNEL.format(channel=shown)}, status=400)
        await self._record(value, channel.id, "ok")
        log.info("sentry.rule-action.saved", extra={"channel": channel.id})
        return web.json_response({"message": SAVED.format(channel=channel.label)})

    async def _refused(self, request: web.Request, body: bytes) -> web.Response | None:
        """The 401 for a request Sentry did not sign; None for one it did."""
        if self._secret is None:
            log.warning("sentry.rule-action.no-client-secret", extra={"path": request.path})
            return web.json_response({"message": REQUESTS_OFF}, status=401)
        if len(body) > MAX_BODY_BYTES or not signature_matches(
            self._secret, body, request.headers.get(SIGNATURE_HEADER)
        ):
            log.warning(
                "sentry.rule-action.bad-signature",
                extra={"path": request.path, "signed": SIGNATURE_HEADER in request.headers},
            )
            return web.json_response({"message": BAD_SIGNATURE}, status=401)
        return None

    async def _record(self, value: str, channel_id: str | None, result: str) -> None:
        if self._audit is None:
            return
        await self._audit.record_external(
            actor=AUDIT_ACTOR,
            command=AUDIT_COMMAND,
            text=f"{AUDIT_COMMAND} {CHANNEL_FIELD}={value}",
            target=channel_id or value,
            result=result,
            at=time.time(),
        )


def _channel_setting(body: bytes) -> str | None:
    """The `channel` field's value ("" when the rule sets none); None for a body that is no settings."""
    try:
        payload: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    fields = payload.get("fields") if isinstance(payload, dict) else None
    if not isinstance(fields, list):
        return None
    for field in fields:
        if isinstance(field, dict) and field.get("name") == CHANNEL_FIELD:
            value = field.get("value")
            return value.strip() if isinstance(value, str) else ""
    return ""


def _code(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or "slack_error")
    return type(exc).__name__


def rule_action_routes(
    *,
    settings: Settings,
    directory: ChannelDirectory,
    channels: RuleChannels,
    audit: AuditLog | None = None,
) -> list[web.RouteDef]:
    """`GET /sentry/options/channels` and `POST /sentry/alert-rule-action`, for `app.add_routes(...)`.

    Args:
        settings: supplies SENTRY_CLIENT_SECRET.
        directory: the channels the bot can post in (Slack).
        channels: where the channel each saved rule chose is kept.
        audit: records each settings check.
    """
    secret = settings.sentry_client_secret
    endpoints = RuleActionEndpoints(
        client_secret=secret.get_secret_value() if secret else None,
        directory=directory,
        channels=channels,
        audit=audit,
    )
    return [web.get(CHANNEL_OPTIONS_PATH, endpoints.options), web.post(ALERT_RULE_ACTION_PATH, endpoints.settings)]
