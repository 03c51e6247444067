"""The bot's own alert routing: which channels receive which projects' alerts."""

from __future__ import annotations

from bot.alerts.subscriptions import SubscriptionService, parse_subscription_args
from bot.commands.context import Ctx, Reply
from bot.commands.registry import Args, Level, arg, opt, registry
from bot.errors import UsageError
from bot.views.blocks import esc
from bot.views.common import notice
from bot.views.subscriptions import subscription_list, subscription_saved

FAMILY = "Alerts"
NOT_RUNNING = "Alert subscriptions need the bot's database: they work in `serve` and `socket` modes."


def _service(ctx: Ctx) -> SubscriptionService:
    service = ctx.services.subscriptions
    if not isinstance(service, SubscriptionService):
        raise UsageError(NOT_RUNNING)
    return service


@registry.command(
    "subscribe",
    arg("project"),
    opt("--level", metavar="error,fatal"),
    opt("--env", metavar="production"),
    opt("--events", metavar="alert,created,resolved,assigned,comment,metric"),
    opt("--threads", metavar="on|off"),
    opt("--mention", metavar="@user|@group|here"),
    opt("--mention-on", metavar="new,regression,escalation,level:fatal"),
    opt("--broadcast", metavar="regression,escalation,resolved"),
    opt("--tags", metavar="release,browser"),
    summary="Post a project's alerts in this channel",
    level=Level.WRITE,
    examples=[
        "subscribe web",
        "subscribe api --level error,fatal --env production --threads off",
        "subscribe web --mention here --mention-on new,regression --broadcast regression --tags release,browser",
    ],
    family=FAMILY,
)
async def subscribe(ctx: Ctx, args: Args) -> Reply:
    service = _service(ctx)
    raw: list[str] = []
    for name in ("level", "env", "events", "threads", "mention", "mention_on", "broadcast", "tags"):
        if args[name] is not None:
            raw += [f"--{name.replace('_', '-')}", args[name]]
    filters = parse_subscription_args(raw)
    sub = await service.subscribe(ctx.channel_id, args.project, filters, created_by=ctx.user_id)
    return Reply(subscription_saved(sub, channel_id=ctx.channel_id))


@registry.command(
    "unsubscribe",
    arg("project"),
    summary="Stop posting a project's alerts in this channel",
    level=Level.WRITE,
    examples=["unsubscribe web"],
    family=FAMILY,
)
async def unsubscribe(ctx: Ctx, args: Args) -> Reply:
    removed = await _service(ctx).unsubscribe(ctx.channel_id, args.project)
    if not removed:
        raise UsageError(f"This channel is not subscribed to {args.project}.", usage="/sentry subscriptions")
    return Reply(notice(f"This channel no longer receives alerts from {esc(args.project)}."))


@registry.command(
    "subscriptions",
    summary="The projects whose alerts this channel receives",
    level=Level.READ,
    examples=["subscriptions"],
    family=FAMILY,
)
async def subscriptions(ctx: Ctx, args: Args) -> Reply:
    subs = await _service(ctx).list(ctx.channel_id)
    return Reply(subscription_list(subs, channel_id=ctx.channel_id))
