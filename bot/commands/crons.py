"""Cron monitors: the list, one monitor with its last check-ins, and muting its alerts."""

from __future__ import annotations

import asyncio
import re

from bot.commands.context import Ctx, Reply
from bot.commands.registry import Args, Level, arg, registry
from bot.commands.slash import slash
from bot.errors import NotFound, UsageError
from bot.sentry.models import Monitor
from bot.views.crons import monitor_card, monitor_list

FAMILY = "Releases and crons"

# A monitor is named by its slug (Sentry: `^(?![0-9]+$)[a-z0-9_\-]+$`, at most 50) or its id (a UUID).
_MONITOR = re.compile(r"[A-Za-z0-9_-]{1,64}")


def monitor_ref(raw: str) -> str:
    if not _MONITOR.fullmatch(raw):
        raise ValueError(f"`{raw[:40]}` is not a monitor slug (letters, digits, `-`, `_`), like nightly-billing")
    return raw.lower()


@registry.command(
    "crons",
    arg("project", optional=True),
    summary="Cron monitors and how their last check-in went, of the organization or one project",
    level=Level.READ,
    examples=["crons", "crons api"],
    family=FAMILY,
)
async def crons(ctx: Ctx, args: Args) -> Reply:
    # Sentry's `project` filter reads project ids; the project (cached) gives it.
    project_id = (await ctx.sentry.get_project(args.project)).id if args.project else None
    page = await ctx.sentry.list_monitors(project_id=project_id, cursor=ctx.cursor)
    command = f"crons {args.project}" if args.project else "crons"
    return Reply(monitor_list(page, project=args.project, command=command, now=ctx.now, slash=slash()), shareable=True)


async def _monitor(ctx: Ctx, slug: str) -> Monitor:
    try:
        return await ctx.sentry.get_monitor(slug)
    except NotFound:
        known = [m.slug for m in await ctx.sentry.list_monitors()]
        raise UsageError(
            f"There is no cron monitor `{slug}`." + (f" Monitors: {', '.join(known[:10])}." if known else ""),
            usage=f"{slash()} crons",
            example=f"{slash()} cron {known[0] if known else 'nightly-billing'}",
        ) from None


async def _card(ctx: Ctx, slug: str, changed: str | None = None) -> Reply:
    check_ins = asyncio.ensure_future(ctx.sentry.list_monitor_checkins(slug))
    try:
        # The monitor's own answer first: an unknown slug is answered with the monitors there are.
        found = await _monitor(ctx, slug)
    except BaseException:
        check_ins.cancel()
        # Its own failure (the same unknown slug) is read here, so it is not reported as unretrieved.
        check_ins.add_done_callback(lambda task: task.cancelled() or task.exception())
        raise
    return Reply(
        monitor_card(found, (await check_ins).items, now=ctx.now, slash=slash(), changed=changed),
        shareable=changed is None,
    )


@registry.command(
    "cron",
    arg("monitor", convert=monitor_ref),
    summary="One cron monitor: status, schedule and its last check-ins with their durations",
    level=Level.READ,
    examples=["cron nightly-billing"],
    family=FAMILY,
)
async def cron(ctx: Ctx, args: Args) -> Reply:
    return await _card(ctx, args.monitor)


async def _set_muted(ctx: Ctx, slug: str, *, muted: bool) -> Reply:
    found = await _monitor(ctx, slug)
    project = found.project.slug if found.project else ""
    await ctx.sentry.update_monitor(
        found.slug, project=project, name=found.name, config=found.config.writable(), is_muted=muted
    )
    return await _card(ctx, found.slug, changed=f"{'muted' if muted else 'unmuted'} by <@{ctx.user_id}>")


@registry.command(
    "cron mute",
    arg("monitor", convert=monitor_ref),
    summary="Mute a cron monitor: Sentry opens no incidents and sends no alerts for it",
    level=Level.WRITE,
    examples=["cron mute sitemap-rebuild"],
    family=FAMILY,
)
async def cron_mute(ctx: Ctx, args: Args) -> Reply:
    return await _set_muted(ctx, args.monitor, muted=True)


@registry.command(
    "cron unmute",
    arg("monitor", convert=monitor_ref),
    summary="Unmute a cron monitor: its incidents and alerts resume",
    level=Level.WRITE,
    examples=["cron unmute sitemap-rebuild"],
    family=FAMILY,
)
async def cron_unmute(ctx: Ctx, args: Args) -> Reply:
    return await _set_muted(ctx, args.monitor, muted=False)
