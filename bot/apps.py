"""What to enter in Slack and in Sentry to install the bot: `sentry-bot manifest` and `sentry-bot sentry-app`.

    print(manifest_text(slack_manifest(url="https://bot.example.com", sentry_url="https://sentry.io/")))
    print(sentry_app_text(url="https://bot.example.com"))

Both are derived from the code, not written by hand: the Slack scopes from the Web API methods and
events the bot uses (`SLACK_METHOD_SCOPES`, `SLACK_EVENT_SCOPES`, checked against the code by
tests/test_apps.py), the Sentry permissions from the Sentry operations each registered command can reach
(walked from its handler) and the scopes Sentry's schema requires for them (`bot.sentry.scopes`).
"""

from __future__ import annotations

import inspect
import json
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.alerts.receiver import STORED_RESOURCES, WEBHOOK_PATH
from bot.alerts.rule_action import ALERT_RULE_ACTION_PATH, CHANNEL_OPTIONS_PATH
from bot.alerts.subscriptions import SubscriptionService
from bot.commands import registry as default_registry
from bot.commands.auth import authorize
from bot.commands.registry import Registry
from bot.identity import Identity
from bot.seer import SeerRuns
from bot.sentry import SentryClient
from bot.sentry.scopes import OPERATION_SCOPES

__all__ = [
    "ALERT_RULE_ACTION_PATH",
    "CHANNEL_OPTIONS_PATH",
    "SENTRY_PERMISSIONS",
    "SLACK_EVENT_SCOPES",
    "SLACK_METHOD_SCOPES",
    "Permission",
    "command_operations",
    "family_lines",
    "family_permissions",
    "manifest_text",
    "permission_of",
    "sentry_app_schema",
    "sentry_app_text",
    "slack_manifest",
    "unfurl_domain",
]

SLACK_EVENTS_PATH = "/slack/events"

# --- Slack ------------------------------------------------------------------------------------

# The bot-token scopes each Web API method needs as the bot calls it (docs.slack.dev/reference/methods/<method>,
# "Scopes > Bot token"). auth.test and views.open need none.
SLACK_METHOD_SCOPES: Mapping[str, tuple[str, ...]] = {
    "auth.test": (),
    "views.open": (),
    # The ticket form replaces its loading view (views.update needs no scope, as views.open).
    "views.update": (),
    # chat:write.public: "Send messages to channels @app isn't a member of"; the alert worker posts into
    # every subscribed channel without being invited first.
    "chat.postMessage": ("chat:write", "chat:write.public"),
    "chat.postEphemeral": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.unfurl": ("links:write",),
    # users.info carries `profile.email` only with users:read.email (the identity mapping is by email).
    "users.info": ("users:read", "users:read.email"),
    # The alert worker names an assignee as a mention: the Slack user with the member's email
    # (docs.slack.dev/reference/methods/users.lookupByEmail: users:read.email).
    "users.lookupByEmail": ("users:read.email",),
    # The worker reads public and private channels only (never DMs): channels:history, groups:history.
    "conversations.history": ("channels:history", "groups:history"),
    "conversations.replies": ("channels:history", "groups:history"),
    # Charts: slack_sdk's files_upload_v2 calls these two around the POST of the bytes.
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
    # The Home tab lists what concerns the channels a person is in: public ones (channels:read) and
    # private ones the bot shares with them (groups:read). views.publish needs no scope.
    "users.conversations": ("channels:read", "groups:read"),
    "views.publish": (),
    # The channels Sentry's alert-rule form offers: public ones (channels:read) and the private ones the
    # bot was invited to (groups:read).
    "conversations.list": ("channels:read", "groups:read"),
}

# The scope each Events API event the bot subscribes to requires (docs.slack.dev/reference/events/<event>).
SLACK_EVENT_SCOPES: Mapping[str, str | None] = {
    "link_shared": "links:read",
    "app_mention": "app_mentions:read",
    # "No scope required" (docs.slack.dev/reference/events/app_home_opened); the Home tab must be on.
    "app_home_opened": None,
}


def unfurl_domain(sentry_url: str) -> str:
    """The domain Slack should send link_shared for: issue links of sentry.io organizations are on
    `<org>.sentry.io` whichever region (`us.sentry.io`, `de.sentry.io`) serves the API, and Slack matches
    a registered domain's subdomains too; a self-hosted Sentry's links are on its own host."""
    host = (urlsplit(sentry_url).hostname or "").lower()
    return "sentry.io" if host == "sentry.io" or host.endswith(".sentry.io") else host


def slack_manifest(
    *,
    url: str,
    sentry_url: str,
    command: str = "/sentry",
    name: str = "Sentry",
    methods: Iterable[str] = SLACK_METHOD_SCOPES,
    events: Iterable[str] = SLACK_EVENT_SCOPES,
) -> dict[str, Any]:
    """The Slack app manifest (docs.slack.dev/reference/app-manifest) for a bot served at `url`."""
    base = url.rstrip("/")
    events = sorted(events)
    scopes = {"commands"} | {scope for e in events if (scope := SLACK_EVENT_SCOPES[e])}
    for method in methods:
        scopes.update(SLACK_METHOD_SCOPES[method])
    request_url = base + SLACK_EVENTS_PATH
    return {
        "display_information": {
            "name": name,
            "description": "Look up, triage and administer Sentry from Slack; receive its alerts.",
            "background_color": "#362d59",
        },
        "features": {
            # Slack limits a bot user's display name to 80 characters, lowercase by convention.
            "bot_user": {"display_name": name.lower()[:80], "always_online": True},
            "slash_commands": [
                {
                    "command": command,
                    "url": request_url,
                    "description": "Sentry issues, alerts and administration",
                    "usage_hint": "WEB-12A | help | resolve WEB-12A | subscribe web",
                    # Users and channels typed in the text arrive as <@U…>/<#C…> ids, not names.
                    "should_escape": True,
                }
            ],
            "unfurl_domains": [unfurl_domain(sentry_url)],
            # The Home tab shows each person their issues and their channels' alerts (bot/views/home.py).
            # The Messages tab is where the bot's direct messages land (an alert rule's channel that
            # cannot be used, told to BOT_ADMINS); read-only, since the bot answers commands in channels.
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": True,
            },
        },
        "oauth_config": {"scopes": {"bot": sorted(scopes)}},
        "settings": {
            "event_subscriptions": {"request_url": request_url, "bot_events": events},
            "interactivity": {
                "is_enabled": True,
                "request_url": request_url,
                "message_menu_options_url": request_url,
            },
            "org_deploy_enabled": False,
            "socket_mode_enabled": False,
            "token_rotation_enabled": False,
        },
    }


MANIFEST_HEADER = """\
# Slack app manifest for sentry-bot, generated by `sentry-bot manifest --url {url}`.
# api.slack.com/apps → Create New App → From a manifest. Generate your own with your public URL;
# for Socket Mode, set settings.socket_mode_enabled to true and create an app-level token with
# the connections:write scope (SLACK_APP_TOKEN).
"""


def manifest_text(manifest: Mapping[str, Any], *, url: str, as_json: bool = False) -> str:
    """The manifest as Slack's "From a manifest" dialog takes it: YAML (default) or JSON."""
    if as_json:
        return json.dumps(manifest, indent=2) + "\n"
    return MANIFEST_HEADER.format(url=url) + "".join(_yaml(manifest, 0))


def _yaml(value: Any, indent: int) -> Iterable[str]:
    """Block-style YAML for the manifest's dicts, lists and scalars; every string is written as a
    JSON string, which is also a valid YAML double-quoted scalar, so nothing needs YAML quoting rules."""
    pad = "  " * indent
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(item, Mapping | list) and item:
                yield f"{pad}{key}:\n"
                yield from _yaml(item, indent + 1)
            else:
                yield f"{pad}{key}: {_scalar(item)}\n"
    else:
        for item in value:
            if isinstance(item, Mapping):
                lines = list(_yaml(item, indent + 1))
                yield f"{pad}- {lines[0].lstrip()}"
                yield from lines[1:]
            else:
                yield f"{pad}- {_scalar(item)}\n"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return json.dumps(value) if isinstance(value, str) else str(value)


# --- Sentry -----------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Permission:
    """A level of one of the resources Sentry's integration form offers."""

    rank: int  # 0 No Access, 1 Read, 2 Read & Write, 3 Admin
    resource: str
    level: str
    scopes: tuple[str, ...]


# The permission form of an integration (Settings → Developer Settings → Custom Integrations), resource
# by resource, and the scopes each choice grants: SENTRY_APP_PERMISSIONS in getsentry/sentry
# static/app/constants/index.tsx. A choice grants the scopes of the choices below it.
SENTRY_PERMISSIONS: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...] = (
    (
        "Project",
        (
            ("Read", ("project:read",)),
            ("Read & Write", ("project:read", "project:write")),
            ("Admin", ("project:read", "project:write", "project:admin")),
        ),
    ),
    (
        "Team",
        (
            ("Read", ("team:read",)),
            ("Read & Write", ("team:read", "team:write")),
            ("Admin", ("team:read", "team:write", "team:admin")),
        ),
    ),
    ("Release", (("Admin", ("project:releases",)),)),
    (
        "Issue & Event",
        (
            ("Read", ("event:read",)),
            ("Read & Write", ("event:read", "event:write")),
            ("Admin", ("event:read", "event:write", "event:admin")),
        ),
    ),
    (
        "Organization",
        (
            ("Read", ("org:read",)),
            ("Read & Write", ("org:read", "org:write")),
            ("Admin", ("org:read", "org:write", "org:admin", "org:integrations")),
        ),
    ),
    (
        "Member",
        (
            ("Read", ("member:read",)),
            ("Read & Write", ("member:read", "member:write")),
            ("Admin", ("member:read", "member:write", "member:admin")),
        ),
    ),
)
_RANKS = {"Read": 1, "Read & Write": 2, "Admin": 3}
RESOURCES = tuple(resource for resource, _ in SENTRY_PERMISSIONS)


def permission_of(scopes: Iterable[str]) -> Permission | None:
    """The lowest permission the form offers that grants one of `scopes` (Sentry accepts any one of an
    endpoint's scopes); None when no choice of the form grants any (`org:ci`, `member:invite`...)."""
    wanted = set(scopes)
    offers = [
        Permission(_RANKS[level], resource, level, granted)
        for resource, choices in SENTRY_PERMISSIONS
        for level, granted in choices
        if wanted & set(granted)
    ]
    return min(offers, default=None)


def _client_operations(name: str, seen: set[types.CodeType]) -> set[str]:
    """The operations a SentryClient method sends: the operation names among its constants, and those of
    the client methods it calls (`create_forwarder` reads the organization first)."""
    method = getattr(SentryClient, name, None)
    if not inspect.isfunction(method) or method.__code__ in seen:
        return set()
    seen.add(method.__code__)
    found: set[str] = set()
    for code in _codes(method.__code__):
        found.update(c for c in code.co_consts if isinstance(c, str) and c in OPERATION_SCOPES)
        for called in code.co_names:
            found |= _client_operations(called, seen)
    return found


def _codes(code: types.CodeType) -> Iterable[types.CodeType]:
    """A function's code and the code of the functions and lambdas defined in it."""
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


# Services a command reaches through `ctx.services.<name>.<method>`, whose methods may call Sentry.
_SERVICES: tuple[type, ...] = (Identity, SubscriptionService, SeerRuns)


def _service_methods() -> dict[str, list[Callable[..., Any]]]:
    methods: dict[str, list[Callable[..., Any]]] = {}
    for cls in _SERVICES:
        for name, member in vars(cls).items():
            function = getattr(member, "__func__", member)
            if inspect.isfunction(function):
                methods.setdefault(name, []).append(function)
    return methods


def command_operations(function: Callable[..., Any]) -> set[str]:
    """The Sentry operations `function` can send: followed through the functions it names (resolved in its
    module, not guessed by name), the services' methods, and the client's methods."""
    services = _service_methods()
    seen: set[types.CodeType] = set()
    found: set[str] = set()

    def walk(fn: Callable[..., Any]) -> None:
        code = getattr(fn, "__code__", None)
        if code is None or code in seen:
            return
        seen.add(code)
        namespace = getattr(fn, "__globals__", {})
        for part in _codes(code):
            for name in part.co_names:
                if hasattr(SentryClient, name):
                    found.update(_client_operations(name, set()))
                    continue
                target = namespace.get(name)
                if inspect.isfunction(target):
                    walk(target)
                for method in services.get(name, ()):
                    walk(method)

    walk(function)
    return found


EVERY_COMMAND = "every command (who is asking)"


def family_permissions(registry: Registry = default_registry) -> dict[str, dict[str, Permission]]:
    """For each command family, the permission it needs per resource (the highest any of its commands needs).

    `EVERY_COMMAND` is the permission check that runs before any command: it maps the Slack user to a
    Sentry member."""
    needs: dict[str, dict[str, Permission]] = {}

    def need(family: str, operations: Iterable[str]) -> None:
        for operation in operations:
            permission = permission_of(OPERATION_SCOPES[operation])
            if permission is None:
                raise ValueError(f"no integration permission grants {operation}: {OPERATION_SCOPES[operation]}")
            current = needs.setdefault(family, {}).get(permission.resource)
            if current is None or permission.rank > current.rank:
                needs[family][permission.resource] = permission

    need(EVERY_COMMAND, command_operations(authorize))
    for cmd in registry:
        need(cmd.family, command_operations(cmd.run))
    return needs


def overall(needs: Mapping[str, Mapping[str, Permission]]) -> dict[str, Permission | None]:
    """Per resource of the form, in its order, the highest level any family needs (None: No Access)."""
    best: dict[str, Permission | None] = dict.fromkeys(RESOURCES)
    for per_resource in needs.values():
        for resource, permission in per_resource.items():
            current = best[resource]
            if current is None or permission.rank > current.rank:
                best[resource] = permission
    return best


# Webhook resources the integration form lets you subscribe to that the bot turns into Slack messages;
# event_alert and metric_alert come from alert rules naming the integration, and installation is always
# sent (docs.sentry.io/organization/integrations/integration-platform/webhooks/).
_SUBSCRIBABLE = ("issue", "error", "comment")
WEBHOOK_RESOURCES = tuple(r for r in _SUBSCRIBABLE if r in STORED_RESOURCES)


def _path_on(url: str, path: str) -> str:
    """Sentry appends a UI component's `uri` to the host of the webhook URL (docs.sentry.io, Integration
    Platform → UI Components), so a bot served under a path prefix keeps it."""
    return urlsplit(url).path.rstrip("/") + path


def sentry_app_schema(url: str) -> dict[str, Any]:
    """The UI components schema: the bot as an alert-rule action with a channel to post to.

    Shape from docs.sentry.io (Integration Platform → UI Components → Alert Rule Action, FormField) and
    getsentry/sentry's own tests of it (an alert-rule-settings `uri`, a required select with a `uri`)."""
    return {
        "elements": [
            {
                "type": "alert-rule-action",
                "title": "Post to a Slack channel",
                "settings": {
                    "type": "alert-rule-settings",
                    "uri": _path_on(url, ALERT_RULE_ACTION_PATH),
                    "description": "Post the alert to a Slack channel, with buttons to resolve, archive and assign.",
                    "required_fields": [
                        {
                            "type": "select",
                            "name": "channel",
                            "label": "Slack channel",
                            "uri": _path_on(url, CHANNEL_OPTIONS_PATH),
                        }
                    ],
                },
            }
        ]
    }


def family_lines(needs: Mapping[str, Mapping[str, Permission]]) -> list[tuple[str, str]]:
    """(family, "Resource: Level, ...") for each family, the permission check first; the README's table."""
    rows = []
    for family, per_resource in sorted(needs.items(), key=lambda kv: (kv[0] != EVERY_COMMAND, kv[0])):
        ordered = sorted(per_resource.values(), key=lambda p: RESOURCES.index(p.resource))
        rows.append((family, ", ".join(f"{p.resource}: {p.level}" for p in ordered) or "nothing"))
    return rows


def sentry_app_text(url: str, registry: Registry = default_registry) -> str:
    """What to enter in Sentry's form for an internal integration serving the bot at `url`."""
    base = url.rstrip("/")
    needs = family_permissions(registry)
    lines = [
        "Sentry → Settings → Developer Settings → Custom Integrations → Create New Integration → Internal Integration",
        "",
        "Name:          Slack bot (any name)",
        f"Webhook URL:   {base}{WEBHOOK_PATH}",
        # Sentry loads the channel choices from the schema's select `uri` and checks a saved rule's settings
        # at its settings `uri` (bot/alerts/rule_action.py serves both).
        "Alert Rule Action: on (alert rules can then post to a Slack channel chosen in the rule)",
        "",
        "Permissions (the lowest level that runs every command):",
    ]
    for resource, permission in overall(needs).items():
        level = permission.level if permission else "No Access"
        lines.append(f"  {resource + ':':<15}{level}")
    lines += ["", "Which command families need what:"]
    lines += [f"  {family}: {wanted}" for family, wanted in family_lines(needs)]
    lines += [
        "",
        f"Webhooks (tick these resources): {', '.join(WEBHOOK_RESOURCES)}",
        "  error sends one webhook per event: leave it off unless you subscribe channels to every error.",
        "",
        "Schema (UI components), to paste under Alert Rule Action:",
        json.dumps(sentry_app_schema(url), indent=2),
        "",
        "Save, then copy into the bot's environment:",
        "  SENTRY_AUTH_TOKEN     the token under Tokens (sntryi_...)",
        "  SENTRY_CLIENT_SECRET  the Client Secret under Credentials (signs the webhooks and the alert-rule requests)",
    ]
    return "\n".join(lines) + "\n"
