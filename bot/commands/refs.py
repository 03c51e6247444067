"""Turning what people type into Sentry identifiers: issue references, members, durations."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

from bot.commands.context import Ctx
from bot.commands.lookup import missing
from bot.commands.slash import slash
from bot.errors import NotFound, UsageError
from bot.sentry.models import Issue, Member

__all__ = [
    "SentryLink",
    "by_issue_ref",
    "csv",
    "find_member",
    "issue_id_from",
    "load_issue",
    "positive_int",
    "sentry_id",
    "sentry_link",
    "since_value",
    "unix_value",
]

# The paths Sentry's own Slack unfurler reads (getsentry/sentry src/sentry/integrations/slack/unfurl/
# issues.py): `/organizations/<org>/issues/<id>/` and, on customer domains (`<org>.sentry.io`),
# `/issues/<id>/`; both may go on to `/events/<event-id>/`. Whatever follows is a tab or a query.
_ISSUE_PATH = re.compile(r"^/(?:organizations/[^/]+/)?issues/(\d+)(?:/events/(\w+))?(?:/|$)")
_DURATION = re.compile(r"^(\d+)([smhdw])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

T = TypeVar("T")


@dataclass(frozen=True)
class SentryLink:
    """What a link to a Sentry issue (or to one of its events) names."""

    issue_id: str
    event_id: str | None = None


def _sentry_host(host: str, sentry_url: str) -> bool:
    """sentry.io and its organization and region subdomains (`acme.sentry.io`, `us.sentry.io`),
    or the host of SENTRY_URL (self-hosted) and its subdomains."""
    own = (urlsplit(sentry_url).hostname or "").lower()
    return any(host == base or host.endswith("." + base) for base in {"sentry.io", own} if base)


def sentry_link(url: str, *, sentry_url: str) -> SentryLink | None:
    """The issue (and event) a Sentry URL points at, or None when it is not a link to a Sentry issue."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not _sentry_host((parts.hostname or "").lower(), sentry_url):
        return None
    match = _ISSUE_PATH.match(parts.path)
    return SentryLink(match.group(1), match.group(2)) if match else None


def issue_id_from(ref: str, *, sentry_url: str = "https://sentry.io/") -> str | None:
    """The numeric id in `ref` when it is one, or a Sentry issue URL; None for a short ID."""
    ref = ref.strip().strip("<>")
    if ref.isdigit():
        return ref
    link = sentry_link(ref, sentry_url=sentry_url) if ref.startswith(("http://", "https://")) else None
    return link.issue_id if link else None


async def by_issue_ref(
    ctx: Ctx,
    ref: str,
    *,
    by_id: Callable[[str], Awaitable[T]],
    by_short_id: Callable[[str], Awaitable[T]],
) -> T:
    """What an issue reference names, read with `by_id` for a numeric ID or a Sentry issue (or event) URL
    and with `by_short_id` for a short ID (given upper-cased, as Sentry stores it).

    A link that is not to a Sentry issue, or a short ID Sentry does not know (`by_short_id` raising
    NotFound), is a UsageError saying what to type instead.
    """
    issue_id = issue_id_from(ref, sentry_url=str(ctx.settings.sentry_url))
    if issue_id is not None:
        return await by_id(issue_id)
    if ref.startswith(("http://", "https://")):
        host = urlsplit(str(ctx.settings.sentry_url)).hostname
        raise UsageError(
            f"That link is not a link to a Sentry issue of sentry.io or {host}.",
            usage=f"{slash()} issue <issue>",
            example=f"{slash()} issue https://acme.sentry.io/issues/5501024301/",
        )
    try:
        return await by_short_id(ref.upper())
    except NotFound:
        raise UsageError(
            f"No issue has the short ID {ref.upper()}.",
            usage=f"{slash()} help",
            example=f"{slash()} issue WEB-12A",
        ) from None


async def load_issue(ctx: Ctx, ref: str) -> Issue:
    """The issue a short ID (`WEB-12A`), numeric ID or Sentry issue (or event) URL names."""

    async def by_short_id(short_id: str) -> Issue:
        return (await ctx.sentry.resolve_short_id(short_id)).group

    return await by_issue_ref(ctx, ref, by_id=ctx.sentry.get_issue, by_short_id=by_short_id)


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


# The latest moment a timestamp may name: 9999-12-31 23:59:59 UTC, the last second Python's
# datetime (and Sentry's ISO dates) can show.
_LATEST = 253_402_300_799


def since_value(raw: str) -> int:
    """`24h`, `7d` (ago) or a unix timestamp, as a unix timestamp."""
    match = _DURATION.match(raw.lower())
    if match:
        seconds = int(match.group(1)) * _SECONDS[match.group(2)]
        now = int(time.time())
        if seconds > now:
            raise ValueError(f"`{raw[:40]}` reaches back before 1970; try 30d")
        return now - seconds
    try:
        float(raw)
    except ValueError:
        raise ValueError(f"`{raw[:40]}` is not a duration like 24h or 7d, nor a unix timestamp") from None
    return unix_value(raw)


def unix_value(raw: str) -> int:
    """A unix timestamp (seconds since 1970, fractions dropped) up to the year 9999."""
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"`{raw[:40]}` is not a unix timestamp, like 1714564800") from None
    if not 0 <= value <= _LATEST:  # NaN fails both comparisons
        raise ValueError(f"`{raw[:40]}` is not a unix timestamp between 0 and {_LATEST}, like 1714564800")
    return int(value)


def sentry_id(raw: str) -> int:
    """A numeric Sentry id (an integration's, a project's): digits only, within Sentry's 64-bit ids."""
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) < 2**63:
        raise ValueError(f"`{raw[:40]}` is not a numeric id, like 130414")
    return int(raw)


def positive_int(raw: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"`{raw}` is not a whole number above 0")
    return int(raw)
