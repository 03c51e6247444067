"""Turning what people type into Sentry identifiers: issue references, members, durations."""

from __future__ import annotations

import re
import time

from bot.commands.context import Ctx
from bot.commands.lookup import missing
from bot.errors import NotFound, UsageError
from bot.sentry.models import Issue, Member

__all__ = ["csv", "find_member", "issue_id_from", "load_issue", "since_value"]

_URL_ISSUE = re.compile(r"/issues/(\d+)")
_DURATION = re.compile(r"^(\d+)([smhdw])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def issue_id_from(ref: str) -> str | None:
    """The numeric id in `ref` when it is one, or an issue URL; None for a short ID."""
    ref = ref.strip().strip("<>")
    if ref.isdigit():
        return ref
    match = _URL_ISSUE.search(ref) if ref.startswith(("http://", "https://")) else None
    return match.group(1) if match else None


async def load_issue(ctx: Ctx, ref: str) -> Issue:
    """The issue a short ID (`WEB-12A`), numeric ID or Sentry issue URL names."""
    issue_id = issue_id_from(ref)
    if issue_id is not None:
        return await ctx.sentry.get_issue(issue_id)
    if ref.startswith(("http://", "https://")):
        raise UsageError(
            "That link is not a Sentry issue URL.", usage="/sentry issue <issue>", example="/sentry issue WEB-12A"
        )
    try:
        return (await ctx.sentry.resolve_short_id(ref.upper())).group
    except NotFound:
        raise UsageError(
            f"No issue has the short ID {ref.upper()}.",
            usage="/sentry help",
            example="/sentry issue WEB-12A",
        ) from None


async def find_member(ctx: Ctx, ref: str) -> Member:
    """A member by email or member id; a miss names near matches among the members' emails."""
    if "@" not in ref and ref.isdigit():
        try:
            return await ctx.sentry.get_member(ref)
        except NotFound:
            raise await missing_member(ctx, ref, kind="member with id") from None
    member = await ctx.services.identity.member_by_email(ref)
    if member is None:
        raise await missing_member(ctx, ref, kind="member with the email")
    return member


async def missing_member(ctx: Ctx, typed: str, *, kind: str) -> UsageError:
    members = await ctx.sentry.list_members(max_pages=10)
    labels = {m.email or m.id: f"(id {m.id})" for m in members}
    return missing(
        kind, typed, labels, usage="/sentry members", example="/sentry member alice@acme.example", labels=labels
    )


def csv(raw: str) -> list[str]:
    items = [p.strip() for p in raw.split(",") if p.strip()]
    if not items:
        raise ValueError("give a comma-separated list, e.g. backend,frontend")
    return items


def since_value(raw: str) -> float:
    """`24h`, `7d` (ago) or a unix timestamp, as a unix timestamp."""
    match = _DURATION.match(raw.lower())
    if match:
        return time.time() - int(match.group(1)) * _SECONDS[match.group(2)]
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"`{raw}` is not a duration like 24h or 7d, nor a unix timestamp") from None


def unix_value(raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"`{raw}` is not a unix timestamp") from None


def positive_int(raw: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"`{raw}` is not a whole number above 0")
    return int(raw)
