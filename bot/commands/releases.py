"""Releases: the list, and one release with its deploys, commits and the new issues it brought."""

from __future__ import annotations

import asyncio
import re

from bot.commands.context import Ctx, Reply
from bot.commands.registry import Args, Level, arg, registry
from bot.commands.slash import slash
from bot.errors import NotFound, UsageError
from bot.sentry.models import Release
from bot.views.releases import release_card, release_list

FAMILY = "Releases and crons"

# Sentry's rules for release names (docs.sentry.io, "Releases > Setup": "Release names cannot
# contain newlines, tabs, forward slashes or back slashes, be (in their entirety) period, double
# period or space, exceed 200 characters, or be `latest`").
_FORBIDDEN = re.compile(r"[\n\t/\\]")
VERSION_MAX = 200
NEW_ISSUES_SHOWN = 10


def version(raw: str) -> str:
    """A release version as Sentry allows it; `@` and `+` are kept (the client percent-encodes them)."""
    if _FORBIDDEN.search(raw) or raw in (".", "..", "latest") or not raw.strip() or len(raw) > VERSION_MAX:
        raise ValueError(
            f"`{raw[:40]}` is not a release version Sentry allows (no `/` or `\\`, at most 200 characters), "
            "like web@2024.6.3"
        )
    return raw


async def _release(ctx: Ctx, wanted: str) -> Release:
    try:
        return await ctx.sentry.get_release(wanted)
    except NotFound:
        recent = [r.version for r in await ctx.sentry.list_releases()]
        raise UsageError(
            f"There is no release `{wanted}`." + (f" Recent ones: {', '.join(recent[:5])}." if recent else ""),
            usage=f"{slash()} releases",
            example=f"{slash()} release {recent[0] if recent else 'web@2024.6.3'}",
        ) from None


@registry.command(
    "releases",
    arg("project", optional=True),
    summary="Recent releases, of the organization or one project",
    level=Level.READ,
    examples=["releases", "releases web"],
    family=FAMILY,
)
async def releases(ctx: Ctx, args: Args) -> Reply:
    page = await ctx.sentry.list_releases(project=args.project, cursor=ctx.cursor)
    command = f"releases {args.project}" if args.project else "releases"
    return Reply(release_list(page, project=args.project, command=command, now=ctx.now, slash=slash()), shareable=True)


@registry.command(
    "release",
    arg("version", convert=version),
    summary="One release: when and where it was deployed, its commits and authors, and its new issues",
    level=Level.READ,
    examples=["release web@2024.6.3", "release com.acme.shop@5.12.0+1042"],
    family=FAMILY,
)
async def release(ctx: Ctx, args: Args) -> Reply:
    # Sentry's issue search needs a period; 90 days is the longest it keeps.
    quoted = args.version.replace('"', '\\"')
    # The release first: a version Sentry does not know is answered with the ones it does.
    found = await _release(ctx, args.version)
    commits, deploys, new_issues = await asyncio.gather(
        ctx.sentry.list_release_commits(args.version),
        ctx.sentry.list_release_deploys(args.version),
        ctx.sentry.list_issues(
            query=f'firstRelease:"{quoted}"', sort="freq", stats_period="90d", limit=NEW_ISSUES_SHOWN
        ),
    )
    card = release_card(
        found, commits=commits, deploys=deploys, new_issues=new_issues.items, now=ctx.now, slash=slash()
    )
    return Reply(card, shareable=True)
