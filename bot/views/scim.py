"""Users provisioned through SCIM."""

from __future__ import annotations

from bot.sentry.models import ScimList, ScimUser
from bot.views import text as t
from bot.views.blocks import esc
from bot.views.common import Message, list_message, or_none

__all__ = ["scim_user_list"]


def _scim_row(user: ScimUser) -> str:
    active = t.ACTIVE if user.active else t.INACTIVE
    return f"`{esc(user.id)}` *{or_none(user.user_name)}* · {active} · {or_none(user.sentry_org_role)}"


def scim_user_list(result: ScimList) -> Message:
    """One line per user: id (for `scim deactivate|remove <id>`), userName, active, role."""
    rows = [_scim_row(u) for u in result.resources]
    footer = None
    if rows:
        first = result.start_index
        footer = t.SCIM_FOOTER.format(
            first=f"{first:,}", last=f"{first + len(rows) - 1:,}", total=f"{max(result.total_results, len(rows)):,}"
        )
    return list_message(t.SCIM_TITLE, rows, command="", cursor=None, empty=t.SCIM_EMPTY, footer=footer)
