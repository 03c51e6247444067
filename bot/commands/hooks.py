"""Service hooks: Sentry's per-project webhooks."""

from __future__ import annotations

from bot.commands.context import Ctx, Reply
from bot.commands.registry import Args, Level, arg, registry
from bot.errors import UsageError
from bot.views.blocks import esc
from bot.views.common import notice
from bot.views.hooks import hook_created, hook_list

FAMILY = "Service hooks"
HOOK_EVENTS = ("event.alert", "event.created")


@registry.command(
    "hooks",
    arg("project"),
    summary="A project's service hooks",
    level=Level.ADMIN,
    examples=["hooks web"],
    family=FAMILY,
)
async def hooks(ctx: Ctx, args: Args) -> Reply:
    page = await ctx.sentry.list_hooks(args.project, cursor=ctx.cursor)
    return Reply(hook_list(args.project, page, command=f"hooks {args.project}"))


@registry.command(
    "hook add",
    arg("project"),
    arg("url"),
    arg("events", rest=True, choices=HOOK_EVENTS, metavar="event"),
    summary="Send a project's events to a URL (the secret is shown once, only to you)",
    level=Level.ADMIN,
    examples=["hook add web https://hooks.example.com/sentry event.alert event.created"],
    family=FAMILY,
)
async def hook_add(ctx: Ctx, args: Args) -> Reply:
    if not args.url.startswith(("https://", "http://")):
        raise UsageError(
            f"`{args.url}` is not a URL.",
            usage="/sentry hook add <project> <url> <event>...",
            example="/sentry hook add web https://hooks.example.com/sentry event.alert",
        )
    hook = await ctx.sentry.create_hook(args.project, args.url, sorted(set(args.events)))
    # The one time the secret is shown: the reply is ephemeral, to the requester only.
    return Reply(hook_created(args.project, hook, reveal_secret=True))


@registry.command(
    "hook remove",
    arg("project"),
    arg("hook_id", metavar="hook-id"),
    summary="Delete a service hook",
    level=Level.DESTRUCTIVE,
    examples=["hook remove web e655f6aa8e18a60ed2e83592e220532f"],
    confirm=lambda a: f"delete service hook *{esc(a.hook_id)}* of project *{esc(a.project)}*; it stops sending events",
    family=FAMILY,
)
async def hook_remove(ctx: Ctx, args: Args) -> Reply:
    await ctx.sentry.delete_hook(args.project, args.hook_id)
    return Reply(notice(f"🗑️ Service hook {esc(args.hook_id)} of {esc(args.project)} deleted."))
