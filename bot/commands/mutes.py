"""Mutes: a channel stops hearing an issue's or a project's alerts for a while (bot/mutes/)."""

from __future__ import annotations

import re

from bot.commands.context import Ctx, Reply
from bot.commands.dispatch import SHORT_ID
from bot.commands.lookup import missing, project_slugs
from bot.commands.refs import issue_id_from, load_issue
from bot.commands.registry import Args, Level, arg, registry
from bot.commands.slash import slash
from bot.errors import NotFound, UsageError
from bot.mutes import Mute, MuteKind, channel_mutes, duration_seconds
from bot.mutes.service import end_mute, start_mute
from bot.store import Database
from bot.views.mutes import mute_list, mute_saved, unmuted

FAMILY = "Mutes"
NOT_RUNNING = "Mutes need the bot's database: they work in `serve` and `socket` modes."
MUTE_USAGE = "/sentry mute <issue|project> <duration>"
MUTE_EXAMPLE = "/sentry mute WEB-12A 4h"
# A slug, a short ID or an issue id: what may name a mute's target (a link is checked apart).
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def _db(ctx: Ctx) -> Database:
    db = ctx.services.store
    if not isinstance(db, Database):
        raise UsageError(NOT_RUNNING)
    return db


async def _target(ctx: Ctx, ref: str) -> tuple[MuteKind, str, str]:
    """What `ref` names: (kind, target, label). An issue by short ID, id or link; a project by slug."""
    if issue_id_from(ref, sentry_url=str(ctx.settings.sentry_url)) or ref.startswith(("https://", "http://")):
        issue = await load_issue(ctx, ref)
        return MuteKind.ISSUE, issue.id, issue.short_id or issue.id
    if not _NAME.fullmatch(ref):
        raise UsageError(
            f"`{ref[:40]}` is neither an issue nor a project: give a short ID (WEB-12A), an issue's link, "
            "or a project's slug (web).",
            usage=MUTE_USAGE,
            example=MUTE_EXAMPLE,
        )
    slugs = await project_slugs(ctx)
    slug = next((s for s in slugs if s.lower() == ref.lower()), None)
    if slug is not None:
        return MuteKind.PROJECT, slug, slug
    if SHORT_ID.match(ref):
        try:
            issue = (await ctx.sentry.resolve_short_id(ref.upper())).group
        except NotFound:
            pass
        else:
            return MuteKind.ISSUE, issue.id, issue.short_id or issue.id
    raise missing("project or issue", ref, slugs, usage=MUTE_USAGE, example=MUTE_EXAMPLE)


@registry.command(
    "mute",
    arg("target", metavar="issue|project"),
    arg("duration", convert=duration_seconds, metavar="30m|4h|1d|1w"),
    summary="Count an issue's or a project's alerts in this channel instead of posting them, for a while",
    level=Level.WRITE,
    examples=["mute WEB-12A 4h", "mute web 30m"],
    family=FAMILY,
)
async def mute(ctx: Ctx, args: Args) -> Reply:
    db = _db(ctx)
    kind, target, label = await _target(ctx, args.target)
    started = await start_mute(
        db,
        channel_id=ctx.channel_id,
        kind=kind,
        target=target,
        label=label,
        seconds=args.duration,
        by=ctx.user_id,
        now=ctx.now.timestamp(),
    )
    return Reply(mute_saved(started, command=slash()))


def _named(mutes: list[Mute], ref: str, *, sentry_url: str) -> Mute | None:
    """The mute `ref` names: by its label (short ID, slug) or its target (issue id, or an issue's link)."""
    wanted = {ref.lower()}
    if issue_id := issue_id_from(ref, sentry_url=sentry_url):
        wanted.add(issue_id)
    return next((m for m in mutes if m.label.lower() in wanted or m.target.lower() in wanted), None)


@registry.command(
    "unmute",
    arg("target", metavar="issue|project"),
    summary="End a mute in this channel now; its thread says how many alerts came",
    level=Level.WRITE,
    examples=["unmute WEB-12A"],
    family=FAMILY,
)
async def unmute(ctx: Ctx, args: Args) -> Reply:
    db = _db(ctx)
    now = ctx.now.timestamp()
    active = await channel_mutes(db, [ctx.channel_id], now)
    found = _named(active, args.target, sentry_url=str(ctx.settings.sentry_url))
    if found is None:
        names = [m.label for m in active]
        if not names:
            raise UsageError(
                f"Nothing is muted in this channel, so `{args.target[:40]}` is not.",
                usage=f"{slash()} mutes",
                example=MUTE_EXAMPLE,
            )
        raise missing("mute of", args.target[:40], names, usage=f"{slash()} unmute <issue|project>", where=" here")
    ended = await end_mute(db, found.id, by=ctx.user_id, now=now)
    # Ended meanwhile (its time ran out, or someone else unmuted it): it is over all the same.
    return Reply(unmuted(ended or found))


@registry.command(
    "mutes",
    summary="What is muted in this channel, until when, and how many alerts were counted",
    level=Level.READ,
    examples=["mutes"],
    family=FAMILY,
)
async def mutes(ctx: Ctx, args: Args) -> Reply:
    return Reply(mute_list(await channel_mutes(_db(ctx), [ctx.channel_id], ctx.now.timestamp()), command=slash()))
