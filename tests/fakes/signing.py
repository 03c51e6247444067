"""Requests signed exactly as Slack and Sentry sign them, and the bodies Slack sends.

Every builder returns the raw bytes to POST (or, for Events API events, the inner event
dict to pass to `event_body`), so a test reads like the request it sends:

    body = slash_command_body("resolve WEB-12A", response_url=fake.response_url("r1"))
    await client.post("/slack/events", data=body, headers=slack_headers(SECRET, body))

The shapes follow what Slack really posts (api.slack.com reference payloads): Bolt and our
own code read fields such as `container.message_ts` or `view.state.values`, so a simplified
shape would let bugs through.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

__all__ = [
    "API_APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "TEAM_DOMAIN",
    "TEAM_ID",
    "app_home_opened_event",
    "app_mention_event",
    "block_actions_body",
    "block_suggestion_body",
    "event_body",
    "link_shared_event",
    "new_trigger_id",
    "retry_headers",
    "sentry_app_headers",
    "sentry_signature",
    "service_hook_headers",
    "slack_encoded",
    "slack_headers",
    "slack_signature",
    "slash_command_body",
    "url_verification_body",
    "view_submission_body",
]

# The identities the fake workspace uses everywhere (FakeSlack's auth.test answers the same).
TEAM_ID = "T0001"
TEAM_DOMAIN = "acme"
API_APP_ID = "A0001"
BOT_USER_ID = "UBOT"
BOT_ID = "B0001"
# Slack still sends the legacy verification token in every payload; Bolt ignores it.
VERIFICATION_TOKEN = "verification-token"
# Default response_url: a closed local port, so a test that forgets to pass
# `fake.response_url(...)` fails loudly instead of posting to hooks.slack.com.
DEAD_RESPONSE_URL = "http://127.0.0.1:9/response/unset"
DEFAULT_MESSAGE_TS = "1700000000.000100"

_counter = itertools.count(1)


# --------------------------------------------------------------------------- signatures


def _bytes(value: bytes | str) -> bytes:
    return value.encode() if isinstance(value, str) else value


def slack_signature(secret: str, timestamp: int | str, body: bytes | str) -> str:
    """`v0=` + hex HMAC-SHA256(secret, `v0:{timestamp}:{body}`): Slack's request signature."""
    base = b"v0:" + str(timestamp).encode() + b":" + _bytes(body)
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slack_headers(secret: str, body: bytes | str, *, timestamp: int | str | None = None) -> dict[str, str]:
    """Headers of a signed Slack request; `timestamp` defaults to now (pass an old one to test replay)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    # Events API posts JSON; slash commands and interactivity post a form.
    is_json = _bytes(body).lstrip().startswith(b"{")
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": slack_signature(secret, ts, body),
        "Content-Type": "application/json" if is_json else "application/x-www-form-urlencoded",
    }


def retry_headers(
    secret: str, body: bytes | str, *, retry_num: int = 1, reason: str = "http_timeout"
) -> dict[str, str]:
    """Headers of an Events API redelivery: Slack sends the same body again (same `event_id`) when the
    first was not acked within 3 s, adding `X-Slack-Retry-Num` (1 to 3) and `X-Slack-Retry-Reason`
    (api.slack.com/apis/connections/events-api, "Error handling"; `http_timeout` is the 3 s case)."""
    return {
        **slack_headers(secret, body),
        "X-Slack-Retry-Num": str(retry_num),
        "X-Slack-Retry-Reason": reason,
    }


# --------------------------------------------------------------------------- text as Slack sends it

# What Slack's client wraps before an app sees it (api.slack.com/docs/formatting, "Retrieving
# messages"; the slash command's `should_escape: true` in manifest.yml): `<@U…>`, `<#C…>` and `<!…>`
# a person picked from autocomplete (tests write them so), links, bare `www.` hosts and emails.
_MENTION = r"<[@#!][^<>\s]*>"
_URL = r"https?://[^\s<>\"']+"
_WWW = r"www\.[^\s<>\"']+"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_TYPED = re.compile(f"({_MENTION})|({_URL})|({_WWW})|({_EMAIL})")


def _entities(text: str) -> str:
    # The three characters Slack encodes everywhere in text it sends (api.slack.com/docs/formatting).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_encoded(typed: str) -> str:
    """`typed` (what a person typed, with `<@U123>` for a person picked from autocomplete) as Slack
    sends it in a command's or an event's text: `R&D <x>` → `R&amp;D &lt;x&gt;`,
    `https://a/?b=1&c=2` → `<https://a/?b=1&amp;c=2>`, `bob@x.example` → `<mailto:bob@x.example|bob@x.example>`,
    `www.foo.com` → `<http://www.foo.com|www.foo.com>` (../shared/fixtures/slack/slack.escaping.json)."""
    out: list[str] = []
    at = 0
    for match in _TYPED.finditer(typed):
        out.append(_entities(typed[at : match.start()]))
        mention, url, www, email = match.groups()
        if mention:
            out.append(mention)
        elif url:
            out.append(f"<{_entities(url)}>")
        elif www:
            out.append(f"<http://{_entities(www)}|{_entities(www)}>")
        else:
            out.append(f"<mailto:{email}|{email}>")
        at = match.end()
    out.append(_entities(typed[at:]))
    return "".join(out)


def sentry_signature(secret: str, body: bytes | str) -> str:
    """Hex HMAC-SHA256(secret, raw body): both service hooks and Sentry App webhooks use it."""
    return hmac.new(secret.encode(), _bytes(body), hashlib.sha256).hexdigest()


def service_hook_headers(
    secret: str, body: bytes | str, *, guid: str, timestamp: int | str | None = None
) -> dict[str, str]:
    """Headers of a Sentry service hook delivery (`event.alert`, `event.created`)."""
    return {
        "X-ServiceHook-Timestamp": str(int(time.time()) if timestamp is None else timestamp),
        "X-ServiceHook-GUID": guid,
        "X-ServiceHook-Signature": sentry_signature(secret, body),
        "Content-Type": "application/json",
    }


def sentry_app_headers(
    secret: str,
    body: bytes | str,
    *,
    resource: str,
    request_id: str | None = None,
    timestamp: int | str | None = None,
) -> dict[str, str]:
    """Headers of a Sentry App (integration) webhook; `resource` is e.g. `issue`, `event_alert`."""
    return {
        "Request-ID": request_id or str(uuid.uuid4()),
        "Sentry-Hook-Resource": resource,
        "Sentry-Hook-Timestamp": str(int(time.time()) if timestamp is None else timestamp),
        "Sentry-Hook-Signature": sentry_signature(secret, body),
        "Content-Type": "application/json",
    }


def sentry_app_request_headers(secret: str, body: bytes | str = b"") -> dict[str, str]:
    """Headers of the requests Sentry makes to an integration's UI components: the select options
    (a GET, whose signed body is the empty string: getsentry/sentry `SelectRequester._build_headers`
    signs `""`) and the alert-rule settings check (a POST of `rule_settings_body`:
    `SentryAppAlertRuleActionRequester._build_headers` signs that body). Both carry `Request-ID`."""
    return {
        "Content-Type": "application/json",
        "Request-ID": uuid.uuid4().hex,
        "Sentry-App-Signature": sentry_signature(secret, body),
    }


def rule_settings_body(*fields: tuple[str, str], installation: str = "a8e5d37a-696c-4c54-adb5-b3f28d64c7de") -> bytes:
    """What Sentry posts to the alert-rule action's settings `uri` when a rule is saved:
    `{"fields": [{"name", "value"}], "installationId"}` (getsentry/sentry
    `SentryAppAlertRuleActionRequester.body`, serialized once and signed as sent)."""
    payload = {"fields": [{"name": name, "value": value} for name, value in fields], "installationId": installation}
    return json.dumps(payload).encode()


# --------------------------------------------------------------------------- ids


def new_trigger_id() -> str:
    """A trigger_id shaped like Slack's (`<digits>.<digits>.<hex>`).

    The first part is the creation time in milliseconds, so FakeSlack (with `trigger_ttl` set)
    can refuse a `views.open` that comes more than 3 s later, as Slack does.
    """
    return f"{int(time.time() * 1000)}.{next(_counter)}.{uuid.uuid4().hex[:24]}"


def _action_ts() -> str:
    return f"{time.time():.6f}"


def _user(user_id: str, user_name: str, team_id: str) -> dict[str, Any]:
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id}


def _team(team_id: str) -> dict[str, Any]:
    return {"id": team_id, "domain": TEAM_DOMAIN}


def _form_payload(payload: Mapping[str, Any]) -> bytes:
    # Interactivity arrives as a form with one field, `payload`, holding JSON.
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode()


# --------------------------------------------------------------------------- slash commands


def slash_command_body(
    text: str,
    *,
    command: str = "/sentry",
    user_id: str = "U123",
    user_name: str = "alice",
    channel_id: str = "C123",
    channel_name: str = "alerts",
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    response_url: str = DEAD_RESPONSE_URL,
    trigger_id: str | None = None,
    api_app_id: str = API_APP_ID,
    raw: bool = False,
) -> bytes:
    """A `/sentry <text>` slash command, form-encoded as Slack posts it: `text` is what the person
    typed, sent encoded (`slack_encoded`); pass `raw=True` to send `text` exactly as given."""
    return urlencode(
        {
            "command": command,
            "text": text if raw else slack_encoded(text),
            "user_id": user_id,
            "user_name": user_name,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "team_id": team_id,
            "team_domain": team_domain,
            "response_url": response_url,
            "trigger_id": trigger_id or new_trigger_id(),
            "api_app_id": api_app_id,
            "is_enterprise_install": "false",
            "token": VERIFICATION_TOKEN,
        }
    ).encode()


# --------------------------------------------------------------------------- interactivity


def _action_element(action_id: str, value: str, action_type: str) -> dict[str, Any]:
    """The `actions[0]` entry: buttons carry `value`, selects carry the selected option/user."""
    base: dict[str, Any] = {"action_id": action_id, "type": action_type, "action_ts": _action_ts()}
    if action_type == "button":
        base |= {"text": {"type": "plain_text", "text": action_id, "emoji": True}, "value": value}
    elif action_type in ("static_select", "external_select", "overflow", "radio_buttons"):
        base["selected_option"] = {"text": {"type": "plain_text", "text": value}, "value": value}
    elif action_type == "users_select":
        base["selected_user"] = value
    elif action_type == "conversations_select":
        base["selected_conversation"] = value
    elif action_type == "channels_select":
        base["selected_channel"] = value
    else:
        base["value"] = value
    return base


def _find_block_id(message: Mapping[str, Any] | None, action_id: str) -> str | None:
    """The block holding `action_id` in a message (what Slack would report), if any."""
    for block in (message or {}).get("blocks", []) or []:
        elements = list(block.get("elements", []) or [])
        if isinstance(block.get("accessory"), dict):
            elements.append(block["accessory"])
        if isinstance(block.get("element"), dict):
            elements.append(block["element"])
        if any(isinstance(e, dict) and e.get("action_id") == action_id for e in elements):
            return str(block.get("block_id")) if block.get("block_id") else None
    return None


def block_actions_body(
    action_id: str,
    value: str,
    *,
    block_id: str | None = None,
    action_type: str = "button",
    user_id: str = "U123",
    user_name: str = "alice",
    channel_id: str = "C123",
    channel_name: str = "alerts",
    team_id: str = TEAM_ID,
    message: Mapping[str, Any] | None = None,
    view: Mapping[str, Any] | None = None,
    response_url: str = DEAD_RESPONSE_URL,
    trigger_id: str | None = None,
    state_values: Mapping[str, Any] | None = None,
    ephemeral: bool = False,
    thread_ts: str | None = None,
) -> bytes:
    """A click on a button (or a choice in a select) in a message, or in a modal when `view` is given.

    `thread_ts`: the message is a reply in that thread; the container says so (`container.thread_ts`,
    ../shared/fixtures/slack/slackedge.block_actions.fields.json).

    `ephemeral`: the button is on an ephemeral message (a command's answer): Slack then sends no
    `message`, only `container.is_ephemeral: true` (bolt-python tests/scenario_tests_async/
    test_block_actions.py; ../shared/fixtures/slack/bolt.block_actions.ephemeral.json).

    `message` is the message that holds the button (as the bot posted it, with `ts`); by default
    a one-block message with that button. `block_id` defaults to the block of `message` that holds
    `action_id`, else "actions". For a select, pass `action_type="static_select"` (value becomes
    `selected_option.value`), `"users_select"` (`selected_user`), ...
    """
    action = _action_element(action_id, value, action_type)
    block_id = block_id or _find_block_id(message or view, action_id) or "actions"
    action["block_id"] = block_id
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, user_name, team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": dict(state_values or {})},
        "actions": [action],
    }
    if view is not None:
        # In a modal there is no channel, message or response_url: only the view.
        full_view = _view(view.get("callback_id", ""), view, team_id=team_id)
        payload["container"] = {"type": "view", "view_id": full_view["id"]}
        payload["view"] = full_view
        return _form_payload(payload)
    if message is None:
        element = {k: v for k, v in action.items() if k not in ("action_ts", "block_id")}
        message = {
            "type": "message",
            "ts": DEFAULT_MESSAGE_TS,
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": API_APP_ID,
            "team": team_id,
            "text": "",
            "blocks": [{"type": "actions", "block_id": block_id, "elements": [element]}],
        }
    else:
        message = {"type": "message", "ts": DEFAULT_MESSAGE_TS, **message}
    payload |= {
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel_id,
            "is_ephemeral": ephemeral,
        },
        "channel": {"id": channel_id, "name": channel_name},
        "response_url": response_url,
    }
    if thread_ts:
        payload["container"]["thread_ts"] = thread_ts
        message = {**message, "thread_ts": thread_ts}
    if not ephemeral:
        payload["message"] = message
    return _form_payload(payload)


def block_suggestion_body(
    action_id: str,
    value: str,
    *,
    block_id: str | None = None,
    user_id: str = "U123",
    user_name: str = "alice",
    channel_id: str = "C123",
    team_id: str = TEAM_ID,
    view: Mapping[str, Any] | None = None,
    message_ts: str = DEFAULT_MESSAGE_TS,
) -> bytes:
    """What Slack posts while a user types into an `external_select` (`value` is the typed text).

    In a modal when `view` is given (the usual place), otherwise in a message.
    """
    payload: dict[str, Any] = {
        "type": "block_suggestion",
        "user": _user(user_id, user_name, team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "action_id": action_id,
        "block_id": block_id or _find_block_id(view, action_id) or "suggest",
        "value": value,
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
    }
    if view is not None:
        full_view = _view(view.get("callback_id", ""), view, team_id=team_id)
        payload["container"] = {"type": "view", "view_id": full_view["id"]}
        payload["view"] = full_view
    else:
        payload["container"] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel_id, "name": "alerts"}
    return _form_payload(payload)


def _state_values(values: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Slack's `view.state.values`; a plain string (or None) is shorthand for a text input."""
    out: dict[str, dict[str, Any]] = {}
    for block_id, actions in values.items():
        out[block_id] = {}
        for action_id, state in actions.items():
            if state is None or isinstance(state, str):
                out[block_id][action_id] = {"type": "plain_text_input", "value": state}
            else:
                out[block_id][action_id] = dict(state)
    return out


def _view(
    callback_id: str,
    view: Mapping[str, Any] | None = None,
    *,
    values: Mapping[str, Mapping[str, Any]] | None = None,
    private_metadata: str | None = None,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """A modal view as Slack echoes it back (ids, hash and state filled in)."""
    base: dict[str, Any] = {
        "id": "V0000000001",
        "team_id": team_id,
        "type": "modal",
        "title": {"type": "plain_text", "text": "Sentry"},
        "blocks": [],
        "private_metadata": "",
        "callback_id": callback_id,
        "state": {"values": {}},
        "hash": "1700000000.abcdef",
        "clear_on_close": False,
        "notify_on_close": False,
        "close": None,
        "submit": {"type": "plain_text", "text": "Submit"},
        "previous_view_id": None,
        "root_view_id": "V0000000001",
        "app_id": API_APP_ID,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": BOT_ID,
    }
    base.update(view or {})
    if values is not None:
        base["state"] = {"values": _state_values(values)}
    if private_metadata is not None:
        base["private_metadata"] = private_metadata
    return base


def view_submission_body(
    callback_id: str,
    values: Mapping[str, Mapping[str, Any]],
    *,
    private_metadata: str = "",
    user_id: str = "U123",
    user_name: str = "alice",
    team_id: str = TEAM_ID,
    view: Mapping[str, Any] | None = None,
    trigger_id: str | None = None,
) -> bytes:
    """The submit of a modal.

    `values` is `{block_id: {action_id: state}}` as in Slack's `view.state.values`; a state that is a
    plain string is shorthand for a text input (`{"type": "plain_text_input", "value": "..."}`),
    a dict is passed through (e.g. `{"type": "static_select", "selected_option": {...}}`).
    `view` overrides other view fields (e.g. the `blocks` the bot opened it with).
    """
    payload = {
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(user_id, user_name, team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "view": _view(callback_id, view, values=values, private_metadata=private_metadata, team_id=team_id),
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _form_payload(payload)


# --------------------------------------------------------------------------- Events API


def event_body(event: Mapping[str, Any], *, team_id: str = TEAM_ID, event_id: str | None = None) -> bytes:
    """An Events API `event_callback` envelope around `event`, as JSON bytes."""
    n = next(_counter)
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": API_APP_ID,
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id or f"Ev{n:010d}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-eyJldCI6ImV2ZW50In0-{n}",
    }
    return json.dumps(envelope).encode()


def url_verification_body(challenge: str = "challenge-token") -> bytes:
    """The handshake Slack sends when the Events API request URL is configured."""
    return json.dumps({"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}).encode()


def link_shared_event(
    urls: Iterable[str],
    *,
    channel: str = "C123",
    message_ts: str = DEFAULT_MESSAGE_TS,
    user: str = "U123",
    thread_ts: str | None = None,
    composer: bool = False,
) -> dict[str, Any]:
    """A `link_shared` event (the inner event: wrap it with `event_body`).

    `composer`: the link is still being typed, in no channel yet: `channel: COMPOSER`, `source:
    composer`, `message_ts` = `unfurl_id` (../shared/fixtures/slack/slack.link_shared.composer.json).

    The bot answers it with `chat.unfurl(channel, ts=message_ts, unfurls=...)`. `urls` are as the
    browser has them; the event carries them with `&` as `&amp;`, as Slack does
    (slackapi/python-slack-events-api issue #49).
    """
    event: dict[str, Any] = {
        "type": "link_shared",
        "channel": channel,
        "is_bot_user_member": True,
        "user": user,
        "message_ts": message_ts,
        "unfurl_id": f"C{message_ts.replace('.', '')}",
        "source": "conversations_history",
        "links": [{"domain": urlsplit(u).hostname or "", "url": u.replace("&", "&amp;")} for u in urls],
        "event_ts": _action_ts(),
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    if composer:
        draft = f"{user}-{uuid.uuid4()}-{uuid.uuid4().hex[:32]}"
        event |= {"channel": "COMPOSER", "message_ts": draft, "unfurl_id": draft, "source": "composer"}
    return event


def app_mention_event(
    text: str,
    *,
    channel: str = "C123",
    user: str = "U123",
    ts: str = DEFAULT_MESSAGE_TS,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """An `app_mention` event (inner event; `text`, as typed, should contain `<@UBOT>`), its text
    encoded as Slack sends it (`slack_encoded`). `thread_ts`: the mention is a reply in that thread
    (getsentry/sentry tests/sentry/integrations/slack/webhooks/events/test_app_mention.py)."""
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": user,
        "text": slack_encoded(text),
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "team": TEAM_ID,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def app_home_opened_event(user: str, *, tab: str = "home", view: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An `app_home_opened` event (inner event): `user` opened the app's `tab` ("home" or "messages");
    `view` is the Home view last published to them, sent only once one was (the payload on
    docs.slack.dev/reference/events/app_home_opened)."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D" + user.lstrip("UW"),
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }
    if view is not None:
        event["view"] = _view("", view)
    return event
