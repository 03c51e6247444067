"""Integrations, providers, data forwarders, and the external users and teams linked through them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.sentry.models import ExternalTeam, ExternalUser, Forwarder, Integration, Provider
from bot.sentry.paging import Page
from bot.views import text as t
from bot.views.blocks import esc, fields_section, message, section, truncate
from bot.views.common import Message, list_message, mask, or_none

__all__ = [
    "external_team_card",
    "external_user_card",
    "forwarder_list",
    "integration_card",
    "integration_list",
    "is_secret_key",
    "provider_list",
]

SECRET_WORDS = ("key", "secret", "token", "password")
CONFIG_VALUE_MAX = 120


def _provider_name(integration: Integration) -> str:
    provider = integration.provider
    return or_none(provider.name or provider.key) if provider else t.NONE


def _integration_row(integration: Integration) -> str:
    domain = f" · {esc(integration.domain_name)}" if integration.domain_name else ""
    return (
        f"`{esc(integration.id)}` *{esc(integration.name)}* · {_provider_name(integration)}"
        f"{domain} · {or_none(integration.status)}"
    )


def integration_list(page: Page[Integration], *, command: str) -> Message:
    """One line per integration: id (for `/sentry integration <id>`), name, provider, domain, status."""
    rows = [_integration_row(i) for i in page.items]
    return list_message(
        t.INTEGRATIONS_TITLE, rows, command=command, cursor=page.next_cursor, empty=t.INTEGRATIONS_EMPTY
    )


def integration_card(integration: Integration) -> Message:
    """One integration: name, then provider, domain, status, account type, ids and features."""
    features = integration.provider.features if integration.provider else []
    fields = [
        ("Provider", _provider_name(integration)),
        ("Domain", or_none(integration.domain_name)),
        ("Status", or_none(integration.organization_integration_status or integration.status)),
        ("Account type", or_none(integration.account_type)),
        ("ID", f"`{esc(integration.id)}`"),
        ("External ID", or_none(integration.external_id)),
        ("Features", ", ".join(esc(f) for f in features) or t.NONE),
    ]
    title = f"*{esc(integration.name)}*"
    return message(f"{esc(integration.name)} ({_provider_name(integration)})", [section(title), fields_section(fields)])


def _provider_row(provider: Provider) -> str:
    features = ", ".join(esc(f) for f in provider.features) or t.NONE
    can_add = t.YES if provider.can_add else t.NO
    return f"*{esc(provider.name)}* (`{esc(provider.key)}`) · {features} · can add: {can_add}"


def provider_list(providers: Sequence[Provider]) -> Message:
    """One line per provider: name, key (for `--provider`), features and whether it can be added."""
    rows = [_provider_row(p) for p in providers]
    return list_message(t.PROVIDERS_TITLE, rows, command="", cursor=None, empty=t.PROVIDERS_EMPTY)


def is_secret_key(name: str) -> bool:
    """Config keys that hold credentials (`secret_key`, `write_key`, `token`, ...) are never shown."""
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS)


def _config_value(name: str, value: Any) -> str:
    if is_secret_key(name):
        return mask(None if value is None else str(value))
    return truncate(esc(value), CONFIG_VALUE_MAX)


def _forwarder_row(forwarder: Forwarder) -> str:
    enabled = t.ACTIVE if forwarder.is_enabled else t.INACTIVE
    projects = ", ".join(esc(p.slug) for p in forwarder.enrolled_projects) or t.NONE
    enroll = t.YES if forwarder.enroll_new_projects else t.NO
    config = ", ".join(f"`{esc(k)}`={_config_value(k, v)}" for k, v in forwarder.config.items()) or t.NONE
    return (
        f"`{esc(forwarder.id)}` *{esc(forwarder.provider)}* · {enabled} · new projects: {enroll}"
        f" · projects: {projects}\n      {config}"
    )


def forwarder_list(forwarders: Sequence[Forwarder]) -> Message:
    """One entry per forwarder: id, provider, state, projects and its config with credentials masked."""
    rows = [_forwarder_row(f) for f in forwarders]
    return list_message(t.FORWARDERS_TITLE, rows, command="", cursor=None, empty=t.FORWARDERS_EMPTY)


def external_user_card(user: ExternalUser, *, verb: str, member: str | None = None) -> Message:
    """The result of linking ("Linked") or updating ("Updated") an external user; `member` names
    the Sentry user (shown instead of their id)."""
    line = t.EXTERNAL_USER.format(
        verb=esc(verb),
        name=or_none(user.external_name),
        provider=or_none(user.provider),
        user=or_none(member or user.user_id),
        id=esc(user.id),
    )
    return message(line, [section(line)])


def external_team_card(team: ExternalTeam, *, verb: str, slug: str | None = None) -> Message:
    """The result of linking ("Linked") or updating ("Updated") an external team; `slug` names the
    Sentry team (shown instead of its id)."""
    line = t.EXTERNAL_TEAM.format(
        verb=esc(verb),
        name=or_none(team.external_name),
        provider=or_none(team.provider),
        team=or_none(f"#{slug}" if slug else team.team_id),
        id=esc(team.id),
    )
    return message(line, [section(line)])
