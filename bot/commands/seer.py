"""`/sentry fix <issue>`: start Seer's analysis of an issue; its progress and result go to the issue's thread."""

from __future__ import annotations

from bot.commands.context import Ctx, Reply
from bot.commands.refs import load_issue
from bot.commands.registry import Args, Level, arg, registry
from bot.commands.slash import slash
from bot.errors import Forbidden, NotFound, UsageError
from bot.views.blocks import esc, link
from bot.views.common import notice
from bot.views.seer import seer_url

__all__ = ["fix"]

FAMILY = "Issues"


@registry.command(
    "fix",
    arg("issue", metavar="issue"),
    summary="Ask Seer for the root cause and a fix; its progress goes to the issue's thread",
    level=Level.WRITE,
    examples=["fix WEB-12A"],
    family=FAMILY,
)
async def fix(ctx: Ctx, args: Args) -> Reply:
    issue = await load_issue(ctx, args.issue)
    shown = esc(issue.short_id or issue.id)
    try:
        await ctx.sentry.start_autofix(issue.id)
    except (Forbidden, NotFound) as exc:
        # Sentry answers 403 (and self-hosted without Seer 404) when the organization has no Seer.
        said = f' (Sentry says: "{esc(exc.detail)}")' if exc.detail else ""
        raise UsageError(
            f"This organization has no access to Seer, Sentry's AI debugger{said}, so I can't start it for "
            f"{shown}. An owner can turn it on in Sentry (Settings → Seer); until then, look at the issue "
            "yourself.",
            usage=f"{slash()} issue <issue>",
            example=f"{slash()} issue {issue.short_id or issue.id}",
        ) from None
    where = link(url, "in Sentry") if (url := seer_url(issue)) else "in Sentry"
    seer = ctx.services.seer
    if seer is None or not ctx.channel_id:
        return Reply(notice(f"🔎 Seer started on {shown}. Follow it {where}."))
    await seer.follow(ctx.sentry, issue, channel=ctx.channel_id, by=ctx.user_id)
    return Reply(
        notice(f"🔎 Seer started on {shown}: its root cause and proposed steps follow in the issue's thread here.")
    )
