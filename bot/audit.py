"""The audit log: who ran which write, admin or destructive command, on what, and how it ended.

    audit = AuditLog(db, channel=settings.bot_audit_channel, post=post_to_slack)
    services = Services(..., audit=audit)      # the Dispatcher calls audit.record(...) after each run
    entries = await audit.recent(20)           # newest first, for `/sentry audit`

With a channel and a `post` callable, each entry is also posted there. Posting is best effort: a
failure (or a slow Slack) is logged and never fails the command it reports.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.commands.context import Ctx
from bot.commands.dispatch import tokenize
from bot.commands.registry import Command
from bot.errors import SentryBotError
from bot.logs import redact
from bot.store import Database
from bot.store.audit import audit_log
from bot.views.audit import audit_post
from bot.views.blocks import Block

__all__ = ["AuditEntry", "AuditLog", "Post", "scrub", "target_of"]

log = logging.getLogger(__name__)

Post = Callable[[str, str, list[Block]], Awaitable[None]]
"""`post(channel, text, blocks)`: sends one message to a Slack channel."""

# Enough for one chat.postMessage; past it the command's answer waits on Slack for no benefit.
POST_TIMEOUT_SECONDS = 5.0

# What `redact` does not know: `--config secret_key=...,write_key=...` (data forwarders) and
# credentials inside URLs (`https://user:password@host`).
_SECRET_PAIR = re.compile(r"(?i)\b([\w-]*(?:secret|key|token|password)[\w-]*=)[^\s,]+")
_URL_PASSWORD = re.compile(r"(://[^/\s:@]+:)[^/\s@]+@")

# Column widths of `audit_log` (PostgreSQL enforces them; SQLite does not).
_COMMAND_MAX = 64
_EMAIL_MAX = 320
_TARGET_MAX = 255


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    slack_user_id: str
    member_email: str | None  # the Sentry member they were mapped to; None when unmapped
    command: str
    text: str  # secrets masked
    target: str | None
    result: str  # ok | denied | sentry_error | crash


def scrub(text: str) -> str:
    """`text` with every secret it may carry masked: tokens, `secret=` pairs, URL passwords."""
    text = redact(text)
    text = _SECRET_PAIR.sub(r"\1[redacted]", text)
    return _URL_PASSWORD.sub(r"\1[redacted]@", text)


def target_of(command: Command, text: str) -> str | None:
    """The first argument of `text` (`member remove bob@acme.example` → `bob@acme.example`)."""
    tokens = tokenize(text)
    lowered = [t.lower() for t in tokens]
    spelled = next((w for w in (command.words, *command.aliases) if tuple(lowered[: len(w)]) == w), None)
    first = next((p for p in command.params if p.kind == "arg"), None)
    if spelled is None or first is None:
        return None
    try:
        value = command.parse(tokens[len(spelled) :]).get(first.key)
    except SentryBotError:
        return None
    if isinstance(value, list):
        value = " ".join(map(str, value))
    return None if value in (None, "") else str(value)


class AuditLog:
    """Records commands to the store and, optionally, to an audit channel."""

    def __init__(self, db: Database, *, channel: str | None = None, post: Post | None = None) -> None:
        """
        Args:
            db: the store holding the `audit_log` table.
            channel: `BOT_AUDIT_CHANNEL`, where each entry is posted; None posts nothing.
            post: sends a message to a channel (wraps Slack's `chat.postMessage`).
        """
        self._db = db
        self._channel = channel
        self._post = post

    async def record(self, *, ctx: Ctx, command: Command, text: str, result: str) -> AuditEntry:
        """Store one run of `command` (as typed: `text`) by `ctx.user_id`, which ended in `result`."""
        target = target_of(command, text)
        row: dict[str, Any] = {
            "at": ctx.now.timestamp(),
            "slack_user_id": ctx.user_id,
            "member_email": await self._member_email(ctx),
            "command": command.name[:_COMMAND_MAX],
            "text": scrub(text),
            "target": scrub(target)[:_TARGET_MAX] if target else None,
            "result": result,
        }
        async with self._db.transaction() as conn:
            inserted = await conn.execute(audit_log.insert().values(**row).returning(audit_log.c.id))
            row["id"] = inserted.scalar_one()
        entry = _entry(row)
        await self._announce(entry)
        return entry

    async def record_external(
        self, *, actor: str, command: str, text: str, target: str | None, result: str, at: float
    ) -> AuditEntry:
        """Store one write another service made on the bot, on behalf of someone it does not name
        (Sentry checking an alert rule's settings): `actor` stands in the Slack user's place."""
        row: dict[str, Any] = {
            "at": at,
            "slack_user_id": actor[:32],
            "member_email": None,
            "command": command[:_COMMAND_MAX],
            "text": scrub(text),
            "target": scrub(target)[:_TARGET_MAX] if target else None,
            "result": result,
        }
        async with self._db.transaction() as conn:
            inserted = await conn.execute(audit_log.insert().values(**row).returning(audit_log.c.id))
            row["id"] = inserted.scalar_one()
        entry = _entry(row)
        await self._announce(entry)
        return entry

    async def recent(self, limit: int) -> list[AuditEntry]:
        """The newest `limit` entries, newest first."""
        query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_entry(dict(r)) for r in rows]

    async def _member_email(self, ctx: Ctx) -> str | None:
        # Sentry being down is a likely reason for the very failure being recorded: keep the
        # entry, without the member.
        try:
            who = await ctx.services.identity.who(ctx.user_id)
        except SentryBotError as exc:
            log.warning("audit.member-unknown", extra={"user": ctx.user_id, "error": type(exc).__name__})
            return None
        member = who.member
        if member is None:
            return None
        email = member.email or (member.user.email if member.user else None)
        return email[:_EMAIL_MAX] if email else None

    async def _announce(self, entry: AuditEntry) -> None:
        if self._post is None or not self._channel:
            return
        message = audit_post(entry)
        try:
            async with asyncio.timeout(POST_TIMEOUT_SECONDS):
                await self._post(self._channel, message["text"], message["blocks"])
        except Exception:  # any failure to post: the command already ran, and the row is stored
            log.warning("audit.post-failed", exc_info=True, extra={"channel": self._channel, "entry": entry.id})


def _entry(row: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        id=int(row["id"]),
        at=datetime.fromtimestamp(row["at"], tz=UTC),
        slack_user_id=row["slack_user_id"],
        member_email=row["member_email"],
        command=row["command"],
        text=row["text"],
        target=row["target"],
        result=row["result"],
    )
