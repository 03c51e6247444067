"""`sentry-bot manifest` and `sentry-bot sentry-app`: what they print is derived from the code.

The Slack scopes are checked against the Web API methods and events the code uses; the Sentry scopes of
each client operation against Sentry's published schema; the operations each command is said to need
against the ones it really sends to the Sentry stand-in.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.apps import (
    EVERY_COMMAND,
    SLACK_EVENT_SCOPES,
    SLACK_METHOD_SCOPES,
    command_operations,
    family_permissions,
    permission_of,
    sentry_app_schema,
    slack_manifest,
    unfurl_domain,
)
from bot.cli import main
from bot.commands import Level, registry
from bot.commands.auth import authorize
from bot.commands.context import Ctx
from bot.sandbox import run_sandbox, seed_state
from bot.sentry import SentryClient
from bot.sentry.scopes import OPERATION_SCOPES

REPO = Path(__file__).resolve().parents[1]
SCHEMA = Path(os.environ.get("SENTRY_OPENAPI", REPO.parent / "shared" / "sentry-api" / "openapi.json"))


@pytest.fixture
def no_env(monkeypatch, tmp_path):
    for name in ("SENTRY_URL", "SLACK_COMMAND"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


# --- Slack ------------------------------------------------------------------------------------


def test_the_repository_manifest_is_what_manifest_prints_for_the_example_url(no_env, capsys):
    assert main(["manifest", "--url", "https://bot.example.com"]) == 0
    assert (REPO / "manifest.yml").read_text() == capsys.readouterr().out


def test_manifest_json_names_the_url_the_command_and_the_self_hosted_sentry(no_env, monkeypatch, capsys):
    monkeypatch.setenv("SENTRY_URL", "https://sentry.acme.example/")
    assert main(["manifest", "--url", "https://chat.acme.example/bot/", "--command", "/triage", "--json"]) == 0
    manifest = json.loads(capsys.readouterr().out)
    (command,) = manifest["features"]["slash_commands"]
    assert (command["command"], command["url"]) == ("/triage", "https://chat.acme.example/bot/slack/events")
    assert manifest["settings"]["interactivity"]["request_url"] == "https://chat.acme.example/bot/slack/events"
    assert manifest["features"]["unfurl_domains"] == ["sentry.acme.example"]


def test_manifest_takes_the_command_from_slack_command(no_env, monkeypatch, capsys):
    monkeypatch.setenv("SLACK_COMMAND", "/oops")
    assert main(["manifest", "--url", "https://bot.example.com", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["features"]["slash_commands"][0]["command"] == "/oops"


def test_a_bad_url_or_command_is_refused_with_what_to_type(no_env, capsys):
    with pytest.raises(SystemExit):
        main(["manifest", "--url", "bot.example.com"])
    assert "expected e.g. https://bot.example.com" in capsys.readouterr().err
    assert main(["manifest", "--url", "https://bot.example.com", "--command", "Sentry"]) == 2
    assert "expected e.g. /sentry or /triage" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("sentry_url", "domain"),
    [
        ("https://sentry.io/", "sentry.io"),
        ("https://us.sentry.io/", "sentry.io"),  # region API host; issue links are on <org>.sentry.io
        ("https://de.sentry.io", "sentry.io"),
        ("https://acme.sentry.io/", "sentry.io"),
        ("https://sentry.acme.example:9000/", "sentry.acme.example"),
        ("http://10.0.0.5:9000/", "10.0.0.5"),
    ],
)
def test_the_unfurl_domain_is_where_sentry_links_point(sentry_url, domain):
    assert unfurl_domain(sentry_url) == domain


# slack_sdk helpers that are several Web API methods: files_upload_v2 is the upload flow's two calls.
_SDK_COMPOSITES = {"files_upload_v2": ("files.getUploadURLExternal", "files.completeUploadExternal")}


def _sdk_methods(name: str) -> tuple[str, ...]:
    """slack_sdk's `chat_postMessage` is Slack's `chat.postMessage`."""
    if name in _SDK_COMPOSITES:
        return _SDK_COMPOSITES[name]
    family, _, method = name.partition("_")
    return (f"{family}.{method}",)


def used_slack_methods() -> set[str]:
    """Web API methods the bot's code calls: `client.<family>_<method>(`, or `api_call("x.y")`."""
    families = "admin|apps|auth|bookmarks|calls|chat|conversations|dnd|emoji|files|pins|reactions|reminders|search|team|usergroups|users|views|workflows"
    found: set[str] = set()
    for path in (REPO / "bot").rglob("*.py"):
        if "sandbox" in path.parts:
            continue
        text = path.read_text()
        found.update(m for name in re.findall(rf"\.((?:{families})_[A-Za-z0-9_]+)\(", text) for m in _sdk_methods(name))
        found.update(re.findall(r"api_call\(\s*[\"']([a-z]+\.[A-Za-z.]+)[\"']", text))
    return found


def used_slack_events() -> set[str]:
    text = "\n".join(p.read_text() for p in (REPO / "bot" / "slack").rglob("*.py"))
    return set(re.findall(r"\.event\(\s*[\"']([a-z_]+)[\"']", text))


def test_every_slack_method_the_code_calls_has_its_scopes_declared_and_none_is_stale():
    used = used_slack_methods()
    assert "chat.postMessage" in used and "users.info" in used  # the scan sees the code
    assert sorted(used - set(SLACK_METHOD_SCOPES)) == [], "declare these methods' scopes in bot/apps.py"
    assert sorted(set(SLACK_METHOD_SCOPES) - used) == [], "nothing calls these any more"


def test_the_manifest_asks_exactly_for_the_scopes_the_code_uses():
    used_methods, used_events = used_slack_methods(), used_slack_events()
    manifest = slack_manifest(url="https://bot.example.com", sentry_url="https://sentry.io/")
    needed = {"commands"} | {s for e in used_events if (s := SLACK_EVENT_SCOPES[e])}
    for method in used_methods:
        needed.update(SLACK_METHOD_SCOPES[method])
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == used_events


# --- Sentry: scopes of each operation, from the published schema -------------------------------


class _Sent(Exception):
    pass


async def sent_requests() -> dict[str, set[tuple[str, str]]]:
    """Each client method called with placeholder arguments: the (method, path) of every request it
    sends, by operation. Requests fail at once, after being noted; a method that reads the organization
    first gets a stand-in organization."""
    client = SentryClient(base_url="https://sentry.example/", token=SecretStr("t"), org="acme")
    sent: dict[str, set[tuple[str, str]]] = {}

    class Recorder:
        async def request(self, method: str, path: str, *, operation: str, **_: Any) -> Any:
            sent.setdefault(operation, set()).add((method, path))
            raise _Sent

    class Org:
        id, slug, name = "1", "acme", "Acme"

    async def organization() -> Org:
        sent.setdefault("get_organization", set()).add(("GET", "organizations/acme/"))
        return Org()

    client._http = Recorder()  # type: ignore[assignment]
    real_organization = client.get_organization
    for name, method in inspect.getmembers(SentryClient, inspect.iscoroutinefunction):
        if name.startswith("_") or name == "close":
            continue
        # The one method left as it is, so its own request is noted too.
        client.get_organization = real_organization if name == "get_organization" else organization  # type: ignore[method-assign]
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for param in list(inspect.signature(method).parameters.values())[1:]:
            if param.default is not param.empty or param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
                continue
            value: Any = ["1"] if "Sequence" in str(param.annotation) else "1"
            if param.kind is param.KEYWORD_ONLY:
                kwargs[param.name] = value
            else:
                args.append(value)
        with contextlib.suppress(_Sent):
            await getattr(client, name)(*args, **kwargs)
    return sent


def schema_scopes(schema: dict[str, Any], method: str, path: str) -> tuple[str, ...]:
    """The scopes Sentry's schema accepts for a request, matching its most specific path template."""
    url = "/api/0/" + path
    best: tuple[int, dict[str, Any]] | None = None
    for template, operations in schema["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, url) and method.lower() in operations:
            literal = len(re.sub(r"\{[^}]+\}", "", template))
            if best is None or literal > best[0]:
                best = (literal, operations[method.lower()])
    assert best is not None, f"{method} {url} is not in Sentry's published schema"
    return tuple(s for requirement in best[1].get("security", []) for s in requirement.get("auth_token", []))


@pytest.fixture
def published_schema() -> dict[str, Any]:
    if not SCHEMA.exists():
        pytest.skip(f"Sentry's published schema is not at {SCHEMA} (set SENTRY_OPENAPI)")
    return json.loads(SCHEMA.read_text())


async def test_each_operations_scopes_are_the_published_schemas(published_schema):
    schema = published_schema
    derived = {}
    for operation, requests in (await sent_requests()).items():
        ((method, path),) = requests
        derived[operation] = schema_scopes(schema, method, path)
    table = "\n".join(f"    {op!r}: {scopes!r}," for op, scopes in sorted(derived.items()))
    assert dict(OPERATION_SCOPES) == derived, f"bot/sentry/scopes.py should read:\n{table}"


# --- Sentry: the permissions of the integration --------------------------------------------------


def test_the_lowest_permission_that_grants_one_of_the_scopes_is_chosen():
    assert permission_of(("member:admin", "member:read", "member:write")).level == "Read"
    assert permission_of(("event:admin", "event:write")).level == "Read & Write"
    assert permission_of(("org:admin", "org:integrations")).resource == "Organization"
    assert permission_of(("org:ci",)) is None  # what an organization auth token carries


def ctx_for(services) -> Ctx:
    from datetime import UTC, datetime

    return Ctx(services=services, user_id="UOWNER", channel_id="C1", now=datetime.now(UTC), confirmed=True)


async def test_the_operations_each_command_sends_are_the_ones_its_permissions_come_from(tmp_path):
    """Every command's examples, run as an owner against the stand-in (confirmed when destructive):
    each operation sent is one `command_operations` found for it, or for the permission check."""
    from bot.commands.dispatch import Dispatcher
    from bot.runtime import open_services
    from bot.settings import Settings

    class NoDirectory:
        async def email_of(self, user_id: str) -> str | None:
            return None

    state = seed_state()
    owner = next(m for m in state.data.members.values() if m.org_role == "owner")
    checked = 0
    async with run_sandbox(state) as url:
        settings = Settings(
            sentry_url=url, sentry_auth_token=SecretStr("t"), sentry_org="acme", bot_public_url="https://b.example",
            database_url=f"sqlite:///{tmp_path / 'b.db'}", _env_file=None,
        )  # fmt: skip
        async with open_services(settings, directory=NoDirectory()) as (services, _):
            await services.identity.pin("UOWNER", owner.email)
            sent: list[str] = []
            real = services.sentry._http.request

            async def noting(method: str, path: str, *, operation: str, **kw: Any) -> Any:
                sent.append(operation)
                return await real(method, path, operation=operation, **kw)

            services.sentry._http.request = noting  # type: ignore[method-assign]
            dispatcher = Dispatcher(registry)
            allowed_always = command_operations(authorize)
            for cmd in registry:
                if cmd.family == "Alerts" or not cmd.examples:
                    continue  # subscriptions need the alert store, which this bot is built without
                for example in cmd.examples:
                    sent.clear()
                    services.sentry.cache.invalidate("org", "members", "projects", "issues")
                    await dispatcher.run(example, ctx_for(services))
                    extra = set(sent) - command_operations(cmd.run) - allowed_always
                    assert not extra, f"{example!r} sent {sorted(extra)}, not found in {cmd.run.__name__}"
                    checked += len(sent)
                    if cmd.level is Level.DESTRUCTIVE:
                        break  # one is enough: the sample data has only so much to remove
    assert checked > len(registry.commands)  # the commands did reach Sentry


def test_every_family_needs_the_member_mapping_and_triage_needs_issue_write():
    needs = family_permissions()
    assert needs[EVERY_COMMAND]["Member"].level == "Read"
    assert needs["Issues"]["Issue & Event"].rank >= 2
    assert "Release" not in {r for per in needs.values() for r in per}  # nothing reads releases yet


def test_sentry_app_prints_the_form_as_sentry_shows_it(no_env, capsys):
    assert main(["sentry-app", "--url", "https://chat.acme.example/bot"]) == 0
    out = capsys.readouterr().out
    assert "Webhook URL:   https://chat.acme.example/bot/sentry/webhook" in out
    permissions = dict(re.findall(r"^  (Project|Team|Release|Issue & Event|Organization|Member):\s+(.+)$", out, re.M))
    assert set(permissions) == {"Project", "Team", "Release", "Issue & Event", "Organization", "Member"}
    assert set(permissions.values()) <= {"No Access", "Read", "Read & Write", "Admin"}
    assert "Webhooks (tick these resources): issue, error, comment" in out
    schema = json.loads(out[out.index("{") : out.rindex("}") + 1])
    assert schema == sentry_app_schema("https://chat.acme.example/bot")


def test_sentry_app_turns_the_alert_rule_action_on_now_that_the_bot_serves_it(no_env, capsys):
    assert main(["sentry-app", "--url", "https://bot.example.com"]) == 0
    out = capsys.readouterr().out
    assert "Alert Rule Action: on" in out
    assert "off for now" not in out


def test_the_alert_rule_action_posts_and_asks_for_options_on_the_bots_paths():
    (element,) = sentry_app_schema("https://chat.acme.example/bot/")["elements"]
    assert element["type"] == "alert-rule-action"
    settings = element["settings"]
    assert (settings["type"], settings["uri"]) == ("alert-rule-settings", "/bot/sentry/alert-rule-action")
    (channel,) = settings["required_fields"]
    assert (channel["type"], channel["uri"]) == ("select", "/bot/sentry/options/channels")
    assert sentry_app_schema("https://bot.example.com")["elements"][0]["settings"]["uri"] == "/sentry/alert-rule-action"
