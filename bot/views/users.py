"""The users who experienced a project's errors."""

from __future__ import annotations

from bot.sentry.models import ProjectUser
from bot.sentry.paging import Page
from bot.views import text as t
from bot.views.blocks import esc
from bot.views.common import Message, list_message

__all__ = ["affected_users"]


def _user_row(user: ProjectUser) -> str:
    name = user.name or user.username or user.email or user.identifier or user.tag_value or user.ip_address
    details = []
    if user.email and user.email != name:
        details.append(esc(user.email))
    if user.ip_address and user.ip_address != name:
        details.append(f"IP {esc(user.ip_address)}")
    suffix = "".join(f" · {d}" for d in details)
    return f"• *{esc(name or t.NONE)}*{suffix}"


def affected_users(project: str, page: Page[ProjectUser], *, command: str) -> Message:
    """One line per user: their name (or whatever identifies them), email and IP address."""
    rows = [_user_row(u) for u in page.items]
    return list_message(
        t.USERS_TITLE.format(project=project),
        rows,
        command=command,
        cursor=page.next_cursor,
        empty=t.USERS_EMPTY,
    )
