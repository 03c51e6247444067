"""Organization members: the list and one member's card."""

from __future__ import annotations

from datetime import datetime

from bot.sentry.models import Member
from bot.sentry.paging import Page
from bot.views import text as t
from bot.views.blocks import esc, fields_section, message, section
from bot.views.common import Message, ago, list_message, or_none

__all__ = ["member_card", "member_list"]


def _name(member: Member) -> str:
    return member.name or (member.user.name if member.user else None) or member.email or member.id


def _email(member: Member) -> str | None:
    return member.email or (member.user.email if member.user else None)


def _state(member: Member) -> str:
    if member.expired:
        return t.INVITE_EXPIRED
    if member.pending:
        return t.INVITE_PENDING
    return t.MEMBER_ACTIVE


def _teams(member: Member) -> str:
    roles = {tr.team_slug: tr.role for tr in member.team_roles}
    slugs = list(dict.fromkeys([*member.teams, *roles]))
    return ", ".join(f"#{esc(s)}" + (f" ({esc(roles[s])})" if roles.get(s) else "") for s in slugs) or t.NONE


def _member_row(member: Member) -> str:
    name, email = _name(member), _email(member)
    who = f"*{esc(name)}*" + (f" · {esc(email)}" if email and email != name else "")
    pending = f" · {_state(member)}" if member.pending or member.expired else ""
    return f"{who} · {or_none(member.org_role)}{pending} · {_teams(member)}"


def member_list(page: Page[Member], *, command: str) -> Message:
    """One line per member: name and email, role, a marker for pending invites, and teams."""
    rows = [_member_row(m) for m in page.items]
    return list_message(t.MEMBERS_TITLE, rows, command=command, cursor=page.next_cursor, empty=t.MEMBERS_EMPTY)


def member_card(member: Member, *, now: datetime) -> Message:
    """Name and email, then role, state, teams, when they joined and their ids."""
    name, email = _name(member), _email(member)
    fields = [
        ("Email", or_none(email)),
        ("Role", or_none(member.org_role)),
        ("State", _state(member)),
        ("Teams", _teams(member)),
        ("Joined", ago(member.date_created, now)),
        ("Member ID", f"`{esc(member.id)}`"),
        ("User ID", f"`{esc(member.user.id)}`" if member.user else t.NONE),
    ]
    return message(f"{esc(name)} ({or_none(member.org_role)})", [section(f"*{esc(name)}*"), fields_section(fields)])
