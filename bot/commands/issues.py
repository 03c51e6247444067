"""Issues and events: look up, resolve, archive, assign, and link to other trackers."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bot.commands.context import Ctx, Reply
from bot.commands.lookup import assignable, member_label
from bot.commands.refs import load_issue, positive_int
from bot.commands.registry import Args, Level, arg, flag, opt, registry
from bot.commands.triage import issue_card_for, load_card
from bot.errors import InvalidInput, UsageError
from bot.sentry.models import Installation, Issue
from bot.views.blocks import esc
from bot.views.common import notice
from bot.views.event import event_card
from bot.views.installations import external_issue_card, external_issue_list
from bot.views.issue import issue_card
from bot.views.stats import issue_stats_card, issue_stats_chart

FAMILY = "Issues"
ISSUE = "<issue>"


@registry.command(
    "issue",
    arg("issue", metavar="issue"),
    summary="Show an issue, with buttons to act on it",
    level=Level.READ,
    examples=["issue WEB-12A", "issue https://acme.sentry.io/issues/5501024301/"],
    family=FAMILY,
)
async def show_issue(ctx: Ctx, args: Args) -> Reply:
    return Reply(await issue_card_for(ctx, args.issue), shareable=True)


@registry.command(
    "event",
    arg("event_id", metavar="event-id"),
    summary="Find the issue an event belongs to",
    level=Level.READ,
    examples=["event 566bf9d7c55a45f8d1a6e55e9b9b1325"],
    family=FAMILY,
)
async def show_event(ctx: Ctx, args: Args) -> Reply:
    found = await ctx.sentry.resolve_event_id(args.event_id.replace("-", ""))
    issue_id = found.group_id or found.event.group_id
    issue = await ctx.sentry.get_issue(issue_id) if issue_id else None
    return Reply(event_card(found, now=ctx.now, issue=issue), shareable=True)


@registry.command(
    "issue stats",
    arg("issue", metavar="issue"),
    summary="An issue's own events over time (24 hours and 30 days)",
    level=Level.READ,
    examples=["issue stats WEB-12A"],
    family=FAMILY,
)
async def show_issue_stats(ctx: Ctx, args: Args) -> Reply:
    # Issue details carry the issue's counts in `stats` ("24h" hourly, "30d" daily; openapi.json).
    # A short ID resolves to a summary without `stats`; the details carry them.
    issue = await load_issue(ctx, args.issue)
    details = await ctx.sentry.get_issue(issue.id)
    return Reply(issue_stats_card(details), shareable=True, chart=issue_stats_chart(details))


async def _changed(ctx: Ctx, issue_id: str, kind: str, said: str) -> Reply:
    """The issue card after a change, showing who made it; alert messages about it follow suit.

    `kind` is the change in the alert pipeline's words (resolved, unresolved, archived, assigned,
    unassigned); `said` is how the card words it, as mrkdwn with its outside parts escaped.
    """
    issue, facts = await load_card(ctx, issue_id)
    if ctx.services.alerts is not None:
        snapshot = issue.model_dump(by_alias=True, mode="json")
        await ctx.services.alerts.issue_changed(issue_id, actor=ctx.user_id, action=kind, issue=snapshot)
    card = issue_card(issue, now=ctx.now, changed_by=ctx.user_id, note=said, facts=facts)
    return Reply(card, replace_original=True)


@registry.command(
    "resolve",
    arg("issue", metavar="issue"),
    flag("--in-next-release"),
    summary="Resolve an issue, now or in the next release",
    level=Level.WRITE,
    examples=["resolve WEB-12A", "resolve WEB-12A --in-next-release"],
    family=FAMILY,
)
async def resolve(ctx: Ctx, args: Args) -> Reply:
    issue = await load_issue(ctx, args.issue)
    status = "resolvedInNextRelease" if args.in_next_release else "resolved"
    await ctx.sentry.update_issue(issue.id, status=status)
    said = "resolved in the next release" if args.in_next_release else "resolved"
    return await _changed(ctx, issue.id, "resolved", said)


@registry.command(
    "unresolve",
    arg("issue", metavar="issue"),
    summary="Reopen a resolved or archived issue",
    level=Level.WRITE,
    examples=["unresolve WEB-12A"],
    family=FAMILY,
)
async def unresolve(ctx: Ctx, args: Args) -> Reply:
    issue = await load_issue(ctx, args.issue)
    await ctx.sentry.update_issue(issue.id, status="unresolved", substatus="ongoing")
    return await _changed(ctx, issue.id, "unresolved", "reopened")


@registry.command(
    "archive",
    arg("issue", metavar="issue"),
    flag("--until-escalating"),
    flag("--forever"),
    opt("--count", convert=positive_int, metavar="N"),
    summary="Archive an issue until it escalates (default), forever, or until N more events",
    level=Level.WRITE,
    examples=["archive WEB-12A", "archive WEB-12A --forever", "archive WEB-12A --count 100"],
    family=FAMILY,
)
async def archive(ctx: Ctx, args: Args) -> Reply:
    chosen = sum(bool(x) for x in (args.until_escalating, args.forever, args.count))
    if chosen > 1:
        raise UsageError(
            "Choose one of --until-escalating, --forever or --count N.",
            usage="/sentry archive <issue> [--until-escalating | --forever | --count N]",
            example="/sentry archive WEB-12A --count 100",
        )
    issue = await load_issue(ctx, args.issue)
    if args.forever:
        await ctx.sentry.update_issue(issue.id, status="ignored", substatus="archived_forever")
        how = "archived forever"
    elif args.count:
        await ctx.sentry.update_issue(
            issue.id, status="ignored", substatus="archived_until_condition_met", ignore_count=args.count
        )
        how = f"archived until {args.count:,} more events"
    else:
        await ctx.sentry.update_issue(issue.id, status="ignored", substatus="archived_until_escalating")
        how = "archived until it escalates"
    return await _changed(ctx, issue.id, "archived", how)


async def assignee_value(ctx: Ctx, issue: Issue, target: str) -> tuple[str, str]:
    """Sentry's `assignedTo` for what was typed, and how to say it.

    Sentry refuses anyone outside the issue's project's teams ("Cannot assign to non-team member"),
    so the target is checked against those first and a refusal names who can be assigned.
    """
    lowered = target.lower()
    if lowered in ("none", "nobody", "-"):
        return "", "unassigned"
    shown = issue.short_id or issue.id
    who = await assignable(ctx, issue)
    if lowered == "me" or target.startswith("<@"):
        user_id = ctx.user_id if lowered == "me" else target.strip("<>@").split("|")[0]
        email = await ctx.services.identity.email_of(user_id)
        if not email:
            raise UsageError(
                f"I can't see an email for <@{user_id}>, so I can't find them in Sentry.",
                usage="/sentry assign <issue> <email>",
                example="/sentry assign WEB-12A alice@acme.example",
            )
        member = who.member_by_email(email)
        if member is None or member.user is None:
            raise who.refusal(email, shown)
        return f"user:{member.user.id}", f"assigned to <@{user_id}>"
    if lowered.startswith("team:"):
        slug = target.split(":", 1)[1]
        team = who.team(slug)
        if team is None:
            raise who.refusal(target, shown)
        return f"team:{team.id}", f"assigned to team #{esc(team.slug)}"
    if lowered.startswith("user:") or "@" in target:
        member = who.member_by_user_id(target[5:]) if lowered.startswith("user:") else who.member_by_email(target)
        if member is None or member.user is None:
            raise who.refusal(target, shown)
        return f"user:{member.user.id}", f"assigned to {esc(member_label(member))}"
    raise UsageError(
        f"`{target}` is not someone I can assign.",
        usage="/sentry assign <issue> <@user | email | team:slug | me | none>",
        example="/sentry assign WEB-12A me",
    )


@registry.command(
    "assign",
    arg("issue", metavar="issue"),
    arg("assignee", metavar="@user | email | team:slug | me | none"),
    summary="Assign an issue to a person or a team, or unassign it",
    level=Level.WRITE,
    examples=["assign WEB-12A me", "assign WEB-12A team:frontend", "assign WEB-12A none"],
    family=FAMILY,
)
async def assign(ctx: Ctx, args: Args) -> Reply:
    issue = await load_issue(ctx, args.issue)
    value, said = await assignee_value(ctx, issue, args.assignee)
    try:
        await ctx.sentry.update_issue(issue.id, assigned_to=value)
    except InvalidInput as exc:
        if "assignedTo" not in exc.fields:
            raise
        # Teams changed since the check: answer as for any target Sentry refuses.
        raise (await assignable(ctx, issue)).refusal(args.assignee, issue.short_id or issue.id) from None
    return await _changed(ctx, issue.id, "assigned" if value else "unassigned", said)


async def _installation(ctx: Ctx) -> Installation:
    installs = await ctx.sentry.list_installations(max_pages=5)
    installed = [i for i in installs if (i.status or "installed") == "installed"]
    if not installed:
        raise UsageError(
            "Linking needs a Sentry integration (Sentry App) installed in the organization; there is none.",
            usage="/sentry installations",
        )
    return installed[0]


_TRACKER_ID = re.compile(r"^(?P<project>[A-Za-z][\w.]*)-(?P<number>\d+)$")


def tracker_parts(url: str, identifier: str | None) -> tuple[str, str]:
    """The tracker's project and the issue's identifier in it, as Sentry wants them.

    Sentry labels a link `{project}#{identifier}` (ExternalIssueCreator), so `SHOP-1500` becomes
    project `SHOP`, identifier `1500`, shown as `SHOP#1500`. Without an identifier, the URL's last
    segment is the identifier and its first path segment (or host) the project.
    """
    path = [p for p in urlsplit(url).path.split("/") if p]
    typed = identifier or (path[-1] if path else "")
    match = _TRACKER_ID.match(typed)
    if match:
        return match.group("project"), match.group("number")
    project = path[0] if len(path) > 1 else (urlsplit(url).hostname or "link")
    return project, typed or url


@registry.command(
    "links",
    arg("issue", metavar="issue"),
    summary="External issues linked to an issue",
    level=Level.READ,
    examples=["links WEB-12A"],
    family=FAMILY,
)
async def links(ctx: Ctx, args: Args) -> Reply:
    issue = await load_issue(ctx, args.issue)
    found = await ctx.sentry.list_external_issues(issue.id)
    return Reply(external_issue_list(issue.short_id or issue.id, found), shareable=True)


@registry.command(
    "link",
    arg("issue", metavar="issue"),
    arg("url"),
    arg("identifier", optional=True),
    summary="Link an issue in another tracker to a Sentry issue",
    level=Level.WRITE,
    examples=["link WEB-1 https://tracker.acme.example/SHOP/issues/1500 SHOP-1500"],
    family=FAMILY,
)
async def link(ctx: Ctx, args: Args) -> Reply:
    if not args.url.startswith(("https://", "http://")):
        raise UsageError(
            f"`{args.url}` is not a link.",
            usage="/sentry link <issue> <url> [identifier]",
            example="/sentry link WEB-12A https://linear.app/acme/issue/ENG-42 ENG-42",
        )
    issue = await load_issue(ctx, args.issue)
    project, identifier = tracker_parts(args.url, args.identifier)
    installation = await _installation(ctx)
    # Sentry keeps one link per issue and integration: linking again replaces it, so say so.
    app = str(installation.app.get("slug") or "")
    before = [x for x in await ctx.sentry.list_external_issues(issue.id) if x.service_type == app]
    created = await ctx.sentry.create_external_issue(
        installation.uuid, issue_id=issue.id, web_url=args.url, project=project, identifier=identifier
    )
    replaced = next((x for x in before if (x.web_url, x.display_name) != (created.web_url, created.display_name)), None)
    return Reply(external_issue_card(created, verb="Linked", replaced=replaced))


@registry.command(
    "unlink",
    arg("link_id", metavar="link-id"),
    summary="Remove a link to an external issue",
    level=Level.WRITE,
    examples=["unlink 7302"],
    family=FAMILY,
)
async def unlink(ctx: Ctx, args: Args) -> Reply:
    await ctx.sentry.delete_external_issue((await _installation(ctx)).uuid, args.link_id)
    return Reply(notice(f"Link {esc(args.link_id)} removed."))
