"""Service hooks: Sentry's per-project webhooks."""

from __future__ import annotations

from bot.commands.context import Ctx, Reply
from bot.commands.lookup import missing, missing_project, naming
from bot.commands.registry import Args, Level, arg, registry
from bot.errors import UsageError
from bot.sentry.models import ServiceHook
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
    async with naming(lambda: missing_project(ctx, args.project, usage="/sentry hooks <project>")):
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
    async with naming(lambda: missing_project(ctx, args.project, usage="/sentry hook add <project> <url> <event>...")):
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
    describe=lambda ctx, a: _describe_hook(ctx, a.project, a.hook_id),
    family=FAMILY,
)
async def hook_remove(ctx: Ctx, args: Args) -> Reply:
    hook = await _hook(ctx, args.project, args.hook_id)
    await ctx.sentry.delete_hook(args.project, args.hook_id)
    return Reply(notice(f"🗑️ Service hook {esc(hook.url)} of {esc(args.project)} deleted."))


async def _hook(ctx: Ctx, project: str, hook_id: str) -> ServiceHook:
    """The hook `hook_id` of `project`, or an answer naming what is missing and the hooks there are."""
    usage = "/sentry hook remove <project> <hook-id>"
    async with naming(lambda: missing_project(ctx, project, usage=usage)):
        hooks = await ctx.sentry.list_hooks(project, max_pages=10)
    found = next((h for h in hooks if h.id == hook_id), None)
    if found is None:
        labels = {h.id: f"→ {esc(h.url)}" for h in hooks}
        raise missing(
            "service hook", hook_id, labels, where=f" in `{project}`", usage="/sentry hooks <project>", labels=labels
        )
    return found


async def _describe_hook(ctx: Ctx, project: str, hook_id: str) -> str:
    hook = await _hook(ctx, project, hook_id)
    return f"delete the service hook of *{esc(project)}* that posts to *{esc(hook.url)}*; it stops sending events"
