"""Client keys (DSNs). The key's secret and the secret DSN never appear: only masked."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

from bot.sentry.models import ClientKey
from bot.sentry.paging import Page
from bot.views import text as t
from bot.views.blocks import esc
from bot.views.common import Message, list_message, mask, or_none

__all__ = ["client_key_list", "public_dsn"]


def public_dsn(key: ClientKey) -> str | None:
    """The key's public DSN, with any password in it removed (old-style DSNs carried the secret)."""
    dsn = key.dsn.get("public")
    if not isinstance(dsn, str) or not dsn:
        return None
    parts = urlsplit(dsn)
    if parts.password is not None:
        host = parts.netloc.rsplit("@", 1)[-1]
        dsn = urlunsplit(parts._replace(netloc=f"{parts.username}@{host}"))
    # Belt and braces: a DSN that still contains the secret is not shown at all.
    return None if key.secret and key.secret in dsn else dsn


def _key_row(key: ClientKey, projects: Mapping[str, str]) -> str:
    name = key.name or key.label or key.id
    active = t.ACTIVE if key.is_active else t.INACTIVE
    project = projects.get(str(key.project_id)) or key.project_id
    return (
        f"*{esc(name)}* · project `{or_none(project)}` · {active}\n"
        f"      DSN `{or_none(public_dsn(key))}` · secret {mask(key.secret)}"
    )


def client_key_list(page: Page[ClientKey], *, command: str, projects: Mapping[str, str] | None = None) -> Message:
    """One entry per key: name, project (its slug, from `projects`: id → slug), active, the public
    DSN, and the secret masked."""
    rows = [_key_row(k, projects or {}) for k in page.items]
    return list_message(t.KEYS_TITLE, rows, command=command, cursor=page.next_cursor, empty=t.KEYS_EMPTY)
