"""The organization and its projects: details, usage, event counts, users, tags, code and keys."""

from __future__ import annotations

from bot.commands.context import Ctx, Reply
from bot.commands.lookup import missing, missing_project, naming, project_slugs
from bot.commands.refs import since_value, unix_value
from bot.commands.registry import Args, Level, arg, opt, registry
from bot.errors import NotFound, UsageError
from bot.views.installations import installation_list
from bot.views.keys import client_key_list
from bot.views.org import organization_card
from bot.views.projects import project_card, project_list
from bot.views.relays import relay_list
from bot.views.repos import commit_list, repo_list
from bot.views.stats import project_stats_card, project_stats_chart, usage_chart, usage_table
from bot.views.tags import tag_values
from bot.views.users import affected_users

FAMILY = "Organization and projects"


@registry.command("org", summary="The organization's details", level=Level.READ, examples=["org"], family=FAMILY)
async def org(ctx: Ctx, args: Args) -> Reply:
    return Reply(organization_card(await ctx.sentry.get_organization(), now=ctx.now), shareable=True)


@registry.command("projects", summary="List the projects", level=Level.READ, examples=["projects"], family=FAMILY)
async def projects(ctx: Ctx, args: Args) -> Reply:
    page = await ctx.sentry.list_projects(cursor=ctx.cursor)
    return Reply(project_list(page, command="projects"), shareable=True)


@registry.command(
    "project",
    arg("project"),
    summary="One project's details",
    level=Level.READ,
    examples=["project web"],
    family=FAMILY,
)
async def project(ctx: Ctx, args: Args) -> Reply:
    async with naming(
        lambda: missing_project(ctx, args.project, usage="/sentry projects", example="/sentry project web")
    ):
        found = await ctx.sentry.get_project(args.project)
    return Reply(project_card(found, now=ctx.now), shareable=True)


@registry.command(
    "stats",
    arg("project"),
    opt("--stat", choices=("received", "rejected", "blacklisted", "generated"), default="received"),
    opt("--since", convert=since_value, metavar="24h|7d|<unix>"),
    opt("--until", convert=unix_value, metavar="<unix>"),
    opt("--resolution", choices=("10s", "1h", "1d")),
    summary="A project's event counts over time",
    level=Level.READ,
    examples=["stats web", "stats api --since 7d --resolution 1d", "stats web --stat rejected"],
    family=FAMILY,
)
async def stats(ctx: Ctx, args: Args) -> Reply:
    since = args.since if args.since is not None else since_value("24h")
    async with naming(lambda: missing_project(ctx, args.project, usage="/sentry stats <project>")):
        points = await ctx.sentry.project_stats(
            args.project, stat=args.stat, since=since, until=args.until, resolution=args.resolution
        )
    card = project_stats_card(args.project, points, stat=args.stat, resolution=args.resolution)
    return Reply(card, shareable=True, chart=project_stats_chart(args.project, points, stat=args.stat))


@registry.command(
    "usage",
    opt("--period", metavar="24h|14d", default="24h"),
    opt("--group-by", choices=("project", "category", "outcome"), default="category"),
    opt("--field", choices=("sum(quantity)", "sum(times_seen)"), default="sum(quantity)"),
    summary="The organization's usage (accepted, filtered, rate limited...)",
    level=Level.READ,
    examples=["usage", "usage --period 14d --group-by project", "usage --group-by outcome"],
    family=FAMILY,
)
async def usage(ctx: Ctx, args: Args) -> Reply:
    # Categories count in different units (attachments in bytes), so every table splits by category
    # and totals each one: a total across categories would add bytes to events.
    group_by = {"category": ["category", "outcome"], "project": ["project", "category"]}.get(
        args.group_by, [args.group_by, "category"]
    )
    result = await ctx.sentry.org_stats(field=args.field, group_by=group_by, stats_period=args.period)
    names = {}
    if "project" in group_by:  # Sentry groups by project id: show slugs (the project list is cached)
        names["project"] = {p.id: p.slug for p in await ctx.sentry.list_projects(max_pages=10)}
    reply = usage_table(result, field=args.field, group_by=group_by, period=args.period, names=names)
    return Reply(reply, shareable=True, chart=usage_chart(result, field=args.field, group_by=group_by, names=names))


@registry.command(
    "users",
    arg("project"),
    summary="Users who experienced errors in a project",
    level=Level.READ,
    examples=["users web"],
    family=FAMILY,
)
async def users(ctx: Ctx, args: Args) -> Reply:
    async with naming(lambda: missing_project(ctx, args.project, usage="/sentry users <project>")):
        page = await ctx.sentry.list_project_users(args.project, cursor=ctx.cursor)
    return Reply(affected_users(args.project, page, command=f"users {args.project}"), shareable=True)


@registry.command(
    "tags",
    arg("project"),
    arg("key"),
    summary="The values of a tag in a project, with their share",
    level=Level.READ,
    examples=["tags web browser", "tags api environment"],
    family=FAMILY,
)
async def tags(ctx: Ctx, args: Args) -> Reply:
    async with naming(lambda: _missing_tag(ctx, args.project, args.key)):
        page = await ctx.sentry.list_tag_values(args.project, args.key, cursor=ctx.cursor)
    return Reply(tag_values(args.project, args.key, page), shareable=True)


async def _missing_tag(ctx: Ctx, project: str, key: str) -> UsageError:
    """A 404 on tag values: either the project or the tag key does not exist; say which."""
    usage = "/sentry tags <project> <key>"
    try:
        keys = [k.key for k in await ctx.sentry.list_tag_keys(project)]
    except NotFound:
        return await missing_project(ctx, project, usage=usage, example="/sentry tags web browser")
    if project not in await project_slugs(ctx):
        return await missing_project(ctx, project, usage=usage, example="/sentry tags web browser")
    return missing(
        "tag key", key, keys, where=f" in `{project}`", usage=usage, example=f"/sentry tags {project} release"
    )


@registry.command("repos", summary="Repositories linked to Sentry", level=Level.READ, examples=["repos"], family=FAMILY)
async def repos(ctx: Ctx, args: Args) -> Reply:
    return Reply(repo_list(await ctx.sentry.list_repos(cursor=ctx.cursor), command="repos"), shareable=True)


@registry.command(
    "commits",
    arg("repo", metavar="repo"),
    summary="Recent commits of a repository (by name or id)",
    level=Level.READ,
    examples=["commits acme/web"],
    family=FAMILY,
)
async def commits(ctx: Ctx, args: Args) -> Reply:
    repo_id = args.repo
    if not repo_id.isdigit():
        repos = await ctx.sentry.list_repos(max_pages=10)
        match = next((r for r in repos if r.name.lower() == repo_id.lower()), None)
        if match is None:
            known = ", ".join(r.name for r in repos.items[:10]) or "none"
            raise UsageError(f"There is no repository named {repo_id}. Known: {known}.", usage="/sentry repos")
        repo_id = match.id
    page = await ctx.sentry.list_repo_commits(repo_id, cursor=ctx.cursor)
    return Reply(commit_list(args.repo, page, command=f"commits {args.repo}"), shareable=True)


@registry.command(
    "relays", summary="Trusted Relays seen by the organization", level=Level.READ, examples=["relays"], family=FAMILY
)
async def relays(ctx: Ctx, args: Args) -> Reply:
    return Reply(relay_list(await ctx.sentry.list_relays(), now=ctx.now), shareable=True)


@registry.command(
    "keys", summary="Client keys (DSNs) of every project", level=Level.READ, examples=["keys"], family=FAMILY
)
async def keys(ctx: Ctx, args: Args) -> Reply:
    page = await ctx.sentry.list_client_keys(cursor=ctx.cursor)
    # Keys carry their project's id; people know projects by slug (the project list is cached).
    projects = {p.id: p.slug for p in await ctx.sentry.list_projects(max_pages=10)}
    return Reply(client_key_list(page, command="keys", projects=projects), shareable=True)


@registry.command(
    "installations",
    summary="Sentry App installations in the organization",
    level=Level.READ,
    examples=["installations"],
    family=FAMILY,
)
async def installations(ctx: Ctx, args: Args) -> Reply:
    page = await ctx.sentry.list_installations(cursor=ctx.cursor)
    return Reply(installation_list(page, command="installations"), shareable=True)
