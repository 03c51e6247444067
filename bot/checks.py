"""`sentry-bot check`: independent probes, each reporting what it found, so one run lists every problem.

    findings = await run_probes(settings, mode="serve")

A probe is `async (settings, mode) -> list[Finding]` and never raises: it turns what went wrong into
findings in plain words (a probe that crashes anyway is reported as such, and the others still run).
Add one by appending it to `PROBES`. Secrets never appear in a finding: tokens are named by their kind.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

import aiohttp
from pydantic import ValidationError
from slack_sdk.errors import SlackApiError

from bot.apps import permission_of
from bot.errors import SentryAPIError, SentryUnavailable
from bot.sentry.scopes import OPERATION_SCOPES
from bot.settings import _EXPECTS, ConfigError, Settings

__all__ = [
    "PROBES",
    "CheckMode",
    "Finding",
    "Status",
    "config_probe",
    "database_probe",
    "lenient_settings",
    "run_probes",
    "sentry_probe",
    "sentry_token_kind",
    "slack_probe",
    "slack_token_kind",
]

CheckMode = Literal["serve", "socket", "console"]


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Finding:
    status: Status
    text: str
    subject: str = ""  # the variable it is about, so one variable is reported once

    def line(self) -> str:
        return f"{self.status.value:<6}{self.text}"


Probe = Callable[[Settings, CheckMode], Awaitable[list[Finding]]]


def ok(text: str) -> Finding:
    return Finding(Status.OK, text)


def warn(text: str) -> Finding:
    return Finding(Status.WARN, text)


def fail(text: str, *, subject: str = "") -> Finding:
    return Finding(Status.FAIL, text, subject)


# --- tokens, recognised by their prefix -----------------------------------------------------------

# Slack's token types (docs.slack.dev/authentication/tokens): bot xoxb-, user xoxp-, app-level xapp-,
# configuration xoxe.xoxp- / refresh xoxe-, legacy workspace xoxa-.
_SLACK_KINDS = (
    ("xoxb-", "a bot token (xoxb-)"),
    ("xoxp-", "a user token (xoxp-)"),
    ("xapp-", "an app-level token (xapp-)"),
    ("xoxe.", "a configuration token (xoxe.)"),
    ("xoxe-", "a refresh token (xoxe-)"),
    ("xoxa-", "a workspace token (xoxa-)"),
)


def slack_token_kind(token: str) -> str:
    return next((kind for prefix, kind in _SLACK_KINDS if token.startswith(prefix)), "not a Slack token")


# Sentry's token prefixes: AuthTokenType in getsentry/sentry src/sentry/types/token.py (user sntryu_,
# organization sntrys_, user application sntrya_, integration sntryi_); tokens made before the prefixes
# are 64 hexadecimal characters (secrets.token_hex(32), models/apitoken.py).
_LEGACY = re.compile(r"^[0-9a-f]{64}$")


def sentry_token_kind(token: str) -> str:
    if token.startswith("sntryi_"):
        return "integration"
    if token.startswith("sntrys_"):
        return "organization"
    if token.startswith("sntryu_"):
        return "user"
    if token.startswith("sntrya_"):
        return "user-app"
    return "legacy" if _LEGACY.match(token) else "unknown"


_WANTED_SLACK = {
    "SLACK_BOT_TOKEN": ("xoxb-", "the Bot User OAuth Token (xoxb-) from the Slack app's OAuth & Permissions page"),
    "SLACK_APP_TOKEN": ("xapp-", "an app-level token (xapp-) with connections:write, from Basic Information"),
}


def _setting_error(env: str, error: Any) -> Finding:
    """One invalid setting in words; a token is described by its kind, never shown."""
    if env in _WANTED_SLACK and isinstance(error.get("input"), str):
        _, wanted = _WANTED_SLACK[env]
        return fail(f"{env} is {slack_token_kind(error['input'])}: expected {wanted}.", subject=env)
    reason = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return fail(f"{env} is invalid ({reason}): expected {_EXPECTS.get(env, 'a valid value')}.", subject=env)


def lenient_settings() -> tuple[Settings, list[Finding]]:
    """The settings with every invalid value reported and set back to its default, so the other probes
    still run (`load_settings` stops at the first)."""
    try:
        return Settings(), []
    except ValidationError as exc:
        errors = exc.errors()
    findings: list[Finding] = []
    reset: dict[str, Any] = {}
    for error in errors:
        name = str(error["loc"][0]) if error["loc"] else ""
        findings.append(_setting_error(name.upper() or "configuration", error))
        if name in Settings.model_fields:
            reset[name] = Settings.model_fields[name].get_default(call_default_factory=True)
    try:
        return Settings(**reset), findings
    except ValidationError as exc:  # an error outside any one field: nothing else can be checked
        raise ConfigError("; ".join(f.text for f in findings) or str(exc)) from None


# --- the probes -------------------------------------------------------------------------------------

_NEEDED: dict[CheckMode, tuple[str, ...]] = {
    "serve": ("slack_bot_token", "slack_signing_secret", "sentry_auth_token", "sentry_org"),
    "socket": ("slack_bot_token", "slack_app_token", "sentry_auth_token", "sentry_org"),
    "console": ("sentry_auth_token", "sentry_org"),
}


async def config_probe(settings: Settings, mode: CheckMode) -> list[Finding]:
    """Every variable `mode` needs, and the kind of Sentry token given."""
    findings: list[Finding] = []
    for name in _NEEDED[mode]:
        try:
            settings.require(name)
        except ConfigError as exc:
            findings.append(fail(str(exc), subject=name.upper()))
    if mode != "console":
        if settings.sentry_client_secret is None:
            findings.append(
                warn(
                    "SENTRY_CLIENT_SECRET is not set: the integration's webhooks (alert rules, issue changes) "
                    "will be refused. Copy the Client Secret from the integration's Credentials."
                )
            )
        if settings.bot_public_url is None:
            findings.append(warn("BOT_PUBLIC_URL is not set: `subscribe` cannot create service hooks."))
    if settings.sentry_auth_token is not None:
        findings.append(_sentry_token_finding(sentry_token_kind(settings.sentry_auth_token.get_secret_value())))
    return findings or [ok(f"configuration for {mode}")]


def _sentry_token_finding(kind: str) -> Finding:
    recipe = "create an internal integration (`sentry-bot sentry-app --url <public URL>` says what to enter)"
    if kind == "integration":
        return ok("SENTRY_AUTH_TOKEN is an internal integration token (sntryi_)")
    if kind == "organization":
        return fail(
            "SENTRY_AUTH_TOKEN is an organization auth token (sntrys_): Sentry limits those to org:ci, so "
            f"every command would be refused. {recipe.capitalize()} and use its token."
        )
    if kind in ("user", "user-app"):
        return warn(
            f"SENTRY_AUTH_TOKEN is a personal token ({'sntryu_' if kind == 'user' else 'sntrya_'}): the bot acts "
            f"as you, with your role, and stops when you leave. Better: {recipe}."
        )
    if kind == "legacy":
        return ok("SENTRY_AUTH_TOKEN has no type prefix (made before Sentry added them)")
    return warn(f"SENTRY_AUTH_TOKEN does not look like a Sentry token (sntryi_...): {recipe}.")


async def slack_probe(settings: Settings, mode: CheckMode) -> list[Finding]:
    """auth.test with the bot token: reachable, and the token accepted."""
    if mode == "console" or settings.slack_bot_token is None:
        return []
    from bot.modes import slack_client

    where = str(settings.slack_api_url)
    client = slack_client(settings)
    try:
        auth = await client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown_error") if exc.response is not None else "unknown_error"
        return [fail(f"Slack refused SLACK_BOT_TOKEN ({error}) at {where}: reinstall the app and copy its bot token.")]
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        return [fail(f"could not reach Slack at {where}: {_reason(exc)}")]
    if not auth.get("bot_id"):
        return [fail("SLACK_BOT_TOKEN is not a bot's token (auth.test names no bot_id): use the xoxb- token.")]
    return [ok(f"Slack: signed in as {auth.get('user')} in workspace {auth.get('team')}")]


# Reads that need no argument but the organization, one per permission every command family relies on.
_SENTRY_READS = ("get_organization", "list_members", "list_projects")


async def sentry_probe(settings: Settings, mode: CheckMode) -> list[Finding]:
    """The organization, its members and a project, each read once: reachable, token valid (401), and the
    permissions granted (403 names the missing one)."""
    if settings.sentry_auth_token is None or not settings.sentry_org:
        return []
    from bot.commands.context import Directory
    from bot.runtime import open_services

    class _NoDirectory:
        async def email_of(self, user_id: str) -> str | None:
            return None

    directory: Directory = _NoDirectory()
    findings: list[Finding] = []
    async with open_services(settings, directory=directory) as (services, _):
        sentry = services.sentry
        for operation in _SENTRY_READS:
            try:
                if operation == "get_organization":
                    org = await sentry.get_organization()
                    findings.append(ok(f"Sentry: organization {org.slug} ({org.name}) at {settings.sentry_url}"))
                elif operation == "list_members":
                    await sentry.list_members()
                    findings.append(ok("Sentry: members readable"))
                else:
                    projects = (await sentry.list_projects()).items
                    findings.append(ok(f"Sentry: {len(projects)} project(s) readable"))
                    if projects:
                        await sentry.get_project(projects[0].slug)
                        findings.append(ok(f"Sentry: project {projects[0].slug} readable"))
            except SentryUnavailable as exc:
                findings.append(fail(f"could not reach Sentry at {settings.sentry_api_base}: {exc.user_message()}"))
                break
            except SentryAPIError as exc:
                findings.append(_sentry_refusal(exc, settings))
                if exc.status == 401:
                    break
    return findings


def _sentry_refusal(exc: SentryAPIError, settings: Settings) -> Finding:
    operation = exc.operation or "the request"
    if exc.status == 401:
        return fail(
            f"Sentry refused SENTRY_AUTH_TOKEN (401: {exc.detail or 'invalid token'}) at {settings.sentry_url}: "
            "it is wrong, revoked, or from another Sentry (SENTRY_URL). Copy the integration's token again."
        )
    if exc.status == 403:
        permission = permission_of(OPERATION_SCOPES.get(operation, ()))
        needed = f"{permission.resource}: {permission.level}" if permission else "a permission"
        return fail(
            f"Sentry refused {operation} (403): the integration needs {needed}. "
            "Raise it under the integration's Permissions and save."
        )
    if exc.status == 404:
        return fail(f"Sentry has no organization {settings.sentry_org!r} at {settings.sentry_url} (SENTRY_ORG).")
    return fail(f"Sentry {operation}: {exc.user_message()}")


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


async def database_probe(settings: Settings, mode: CheckMode) -> list[Finding]:
    """`DATABASE_URL` reachable and its schema current; then whether alert deliveries are held because
    Slack refused the bot's token (the worker records that in the database, bot/alerts/hold.py)."""
    if mode == "console":
        return []  # the console keeps nothing (the demo's store is its own)
    from bot.store.check import check_database

    found = await check_database(settings.database_url, auto_migrate=settings.bot_auto_migrate == "on")
    findings = [ok(line) if good else fail(line) for good, line in found]
    if all(good for good, _ in found):
        findings.extend(await _held_deliveries(settings))
    return findings


async def _held_deliveries(settings: Settings) -> list[Finding]:
    from bot.alerts import hold
    from bot.store import Database, migrations

    db = Database.from_url(settings.database_url)
    try:
        if await migrations.pending(db):
            return []  # the tables appear with the upgrade; nothing can be held before it
        held = await hold.problem(db, time.time())
        if held is None:
            return [ok("Alert delivery: not held (Slack has not refused the bot's token)")]
        return [fail(f"Alert delivery: {held}")]
    finally:
        await db.close()


PROBES: list[Probe] = [config_probe, slack_probe, sentry_probe, database_probe]


async def run_probes(settings: Settings, mode: CheckMode, probes: list[Probe] | None = None) -> list[Finding]:
    """Every probe's findings, in order; a probe that crashes is one finding, not the end of the check."""
    findings: list[Finding] = []
    for probe in PROBES if probes is None else probes:
        try:
            findings.extend(await probe(settings, mode))
        except Exception as exc:
            findings.append(fail(f"{probe.__name__} could not run: {type(exc).__name__}"))
    return findings
