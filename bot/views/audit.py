"""The audit log as admins read it: the `/sentry audit` list and the line posted to BOT_AUDIT_CHANNEL.

Pure: entries in, message out. Everything in an entry came from a user (the command text, the
target) or from Sentry (the member email), so all of it is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.views.blocks import esc, message, section, truncate
from bot.views.common import Message, list_message, utc

if TYPE_CHECKING:
    from bot.audit import AuditEntry

__all__ = ["audit_line", "audit_list", "audit_post"]

TITLE = "Audit log"
EMPTY = "Nobody has run a write, admin or destructive command yet."
FOOTER = (
    "Newest first: writes, admin and destructive commands, refusals included. `/sentry audit --limit N` shows more."
)
LINE = "{emoji} `{at}` {who} ({member}) ran `/sentry {text}`: {result}"
# A write another service made on the bot (Sentry checking an alert rule's settings), for someone unnamed.
EXTERNAL_LINE = "{emoji} `{at}` {who} (on behalf of whoever saved it) ran `{text}`: {result}"
NOT_LINKED = "not linked to Sentry"
RESULTS = {
    "ok": ("✅", "done"),
    "denied": ("🚫", "refused"),
    "sentry_error": ("⚠️", "Sentry error"),
    "crash": ("💥", "crashed"),
}
TEXT_MAX = 300

_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def _who(user_id: str) -> str:
    # Only a real Slack user id becomes a mention; anything else is shown as text.
    return f"<@{user_id}>" if _SLACK_USER_ID.fullmatch(user_id) else esc(user_id)


def audit_line(entry: AuditEntry) -> str:
    """One mrkdwn line: result, time, who (and their Sentry member), and what they typed."""
    emoji, said = RESULTS.get(entry.result, ("❔", entry.result))
    if not _SLACK_USER_ID.fullmatch(entry.slack_user_id):
        return EXTERNAL_LINE.format(
            emoji=emoji,
            at=utc(entry.at),
            who=esc(entry.slack_user_id),
            text=truncate(esc(entry.text), TEXT_MAX),
            result=esc(said),
        )
    return LINE.format(
        emoji=emoji,
        at=utc(entry.at),
        who=_who(entry.slack_user_id),
        member=esc(entry.member_email) if entry.member_email else NOT_LINKED,
        text=truncate(esc(entry.text), TEXT_MAX),
        result=esc(said),
    )


def audit_list(entries: Sequence[AuditEntry]) -> Message:
    """`/sentry audit`: the entries, newest first as given. No Share button: the log is for admins."""
    rows = [audit_line(e) for e in entries]
    return list_message(TITLE, rows, command="", cursor=None, empty=EMPTY, footer=FOOTER)


def audit_post(entry: AuditEntry) -> Message:
    """The message posted to BOT_AUDIT_CHANNEL for one entry."""
    line = audit_line(entry)
    return message(line, [section(line)])
