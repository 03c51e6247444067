"""The App Home tab: what one person should see when they open the bot, gathered for them.

    state = await gather(ctx, channels=frozenset({"C123", "C456"}))
    view = home_view(state)          # bot/views/home.py: pure Block Kit
    await client.views_publish(user_id=ctx.user_id, view=view)

Slack says which channels the person is in (`bot/slack/home.py` asks `users.conversations`); this
module asks the bot's own store and Sentry what concerns those channels and that person. A part that
cannot be read (Sentry down, the store unreachable) is shown as such; the rest still publishes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from bot.alerts.models import Subscription
from bot.alerts.outage import TRANSIENT
from bot.alerts.subscriptions import SubscriptionService
from bot.commands.admin import self_check
from bot.commands.auth import allowed, levels_allowed
from bot.commands.context import Ctx
from bot.commands.registry import Level
from bot.errors import SentryBotError
from bot.identity import Who
from bot.mutes import channel_mutes
from bot.mutes.models import Mute
from bot.reports.models import Report
from bot.reports.store import channel_reports
from bot.sentry.models import Issue
from bot.store import Database

__all__ = ["ASSIGNED_SHOWN", "HomeState", "Part", "gather"]

log = logging.getLogger("bot.home")

# The Home tab holds 100 blocks; a person's first screen should show what they own, not everything.
ASSIGNED_SHOWN = 10
# Each part is read at once, and none may hold up the tab: Slack shows the old view until publish.
PART_SECONDS = 8.0

T = TypeVar("T")


@dataclass(frozen=True)
class Part(Generic[T]):
    """One section's content, or why it could not be read (`problem`, said as is to the person)."""

    items: Sequence[T] = ()
    problem: str | None = None


@dataclass(frozen=True)
class HomeState:
    """Everything the Home view shows for one person (`bot.views.home.home_view` draws it)."""

    user_id: str
    who: Who
    allows: Sequence[str]
    assigned: Part[Issue] | None  # None: not linked to a Sentry member, so nothing can be assigned
    channels_known: bool  # False when Slack would not say which channels the person is in
    subscriptions: Part[Subscription] = field(default_factory=Part)
    mutes: Part[Mute] = field(default_factory=Part)
    doctor: Part[str] | None = None  # admins only
    more_assigned: bool = False
    reports: Part[Report] = field(default_factory=Part)  # scheduled reports of the person's channels


async def _part(what: str, read: Awaitable[Sequence[T]]) -> Part[T]:
    try:
        return Part(items=await asyncio.wait_for(read, PART_SECONDS))
    except TimeoutError:
        return Part(problem=f"{what}: no answer within {PART_SECONDS:.0f} s; refresh to try again.")
    except SentryBotError as exc:
        return Part(problem=f"{what}: {exc.user_message()}")
    except TRANSIENT:
        log.warning("home.part_unreadable", extra={"part": what}, exc_info=True)
        return Part(problem=f"{what}: the bot's store is unreachable; refresh to try again.")


async def _assigned(ctx: Ctx, email: str) -> Sequence[Issue]:
    # `assigned:me` would be the token's user (DESIGN.md §3): the linked member's email says who.
    page = await ctx.sentry.list_issues(
        query=f'is:unresolved assigned:"{email}"', sort="date", limit=ASSIGNED_SHOWN + 1
    )
    return list(page)


async def _subscriptions(ctx: Ctx, channels: frozenset[str]) -> Sequence[Subscription]:
    service: SubscriptionService | None = ctx.services.subscriptions
    if service is None or not channels:
        return []
    return await service.in_channels(sorted(channels))


async def _mutes(ctx: Ctx, channels: frozenset[str]) -> Sequence[Mute]:
    if ctx.services.store is None or not channels:
        return []
    return await channel_mutes(ctx.services.store, sorted(channels), ctx.now.timestamp())


async def _reports(ctx: Ctx, channels: frozenset[str]) -> Sequence[Report]:
    db = ctx.services.store
    if not isinstance(db, Database) or not channels:
        return []
    return await channel_reports(db, sorted(channels))


async def _skipped() -> None:
    return None


async def gather(ctx: Ctx, *, channels: frozenset[str] | None) -> HomeState:
    """The Home tab's content for `ctx.user_id`, who is in `channels` (None: Slack would not say)."""
    who = await ctx.services.identity.who(ctx.user_id)
    policy = ctx.settings.bot_read_policy
    email = (who.member.email if who.member else None) or who.email
    assigned, subs, mutes, reports, doctor = await asyncio.gather(
        _part("Your issues", _assigned(ctx, email)) if who.member is not None and email else _skipped(),
        _part("Subscriptions", _subscriptions(ctx, channels or frozenset())),
        _part("Mutes", _mutes(ctx, channels or frozenset())),
        _part("Reports", _reports(ctx, channels or frozenset())),
        _part("Self-check", self_check(ctx)) if allowed(Level.ADMIN, who, read_policy=policy) else _skipped(),
    )
    more = assigned is not None and len(assigned.items) > ASSIGNED_SHOWN
    if assigned is not None and more:
        assigned = Part(items=assigned.items[:ASSIGNED_SHOWN])
    return HomeState(
        user_id=ctx.user_id,
        who=who,
        allows=levels_allowed(who, read_policy=policy),
        assigned=assigned,
        channels_known=channels is not None,
        subscriptions=subs,
        mutes=mutes,
        reports=reports,
        doctor=doctor,
        more_assigned=more,
    )
