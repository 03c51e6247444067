"""Tickets in the installed tracker (Jira, GitHub, GitLab...), made through Sentry from the tracker's own form.

    /sentry ticket WEB-12A                 the form of the tracker, as a modal (Create ticket button too)
    /sentry ticket WEB-12A github --link   its form for linking an existing ticket
    /sentry ticket create WEB-12A jira title="Checkout fails"    create it from the form's defaults
    /sentry ticket link WEB-12A jira SHOP-1500                    link an existing one

Sentry serves each tracker's form for the issue (`GET …/issues/{id}/integrations/{integration}/
?action=create|link`) and creates (`POST`) or links (`PUT`) on the same path; the bot never talks to
the tracker itself. The modal's submission runs `ticket create`/`ticket link` with the form's answers
(`ctx.extra["form"]`), so a click and a typed command are checked and audited alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.commands.context import Ctx, Reply
from bot.commands.refs import load_issue
from bot.commands.registry import Args, Level, arg, flag, registry
from bot.commands.slash import slash
from bot.commands.triage import issue_card_for
from bot.errors import UsageError
from bot.sentry.models import FormField, Integration, Issue, TicketForm
from bot.views.blocks import esc
from bot.views.common import notice
from bot.views.routing import encode
from bot.views.tickets import is_tracker, ticket_modal, ticket_note, tracker_label

__all__ = ["FORM", "ORIGIN", "installed_trackers", "pick_tracker", "typed_fields"]

FAMILY = "Issues"
# ctx.extra keys: the modal's answers by field name, and where the modal was opened from.
FORM = "form"
ORIGIN = "origin"
_ORIGIN_KEYS = ("rurl", "ch", "ts", "alert")


def typed_fields(raw: str) -> tuple[str, str]:
    """`name=value` as typed after `ticket create`."""
    name, sep, value = raw.partition("=")
    if not sep or not name.strip():
        raise ValueError(f'`{raw[:40]}` is not field=value (e.g. title="Checkout fails")')
    return name.strip(), value


async def installed_trackers(ctx: Ctx) -> list[Integration]:
    """The organization's integrations that create and link tickets, issue-syncing ones (Jira) first."""
    page = await ctx.sentry.list_integrations(max_pages=5)
    found = [i for i in page.items if is_tracker(i) and (i.status or "active") == "active"]
    return sorted(found, key=lambda i: "issue-sync" not in (i.provider.features if i.provider else []))


async def _no_tracker(ctx: Ctx, issue: Issue) -> UsageError:
    providers = await ctx.sentry.list_providers()
    names = sorted({p.name for p in providers if set(p.features) & {"issue-basic", "issue-sync"}})
    supported = ", ".join(esc(n) for n in names) or "Jira, GitHub, GitLab, Azure DevOps"
    return UsageError(
        f"No issue tracker is installed in Sentry, so there is nowhere to create a ticket. Sentry can "
        f"create tickets in: {supported}. An organization admin installs one in Sentry (Settings → "
        "Integrations); then try again.",
        usage=f"{slash()} providers",
        example=f"{slash()} ticket {issue.short_id or issue.id}",
    )


def pick_tracker(trackers: Sequence[Integration], ref: str | None, *, issue: Issue) -> Integration:
    """The tracker `ref` names (its id, provider key or name), or the first one."""
    if ref is None:
        return trackers[0]
    wanted = ref.lower()
    for integration in trackers:
        provider = integration.provider
        keys = {integration.id, integration.name.lower()}
        if provider is not None:
            keys |= {provider.key.lower(), (provider.name or "").lower()}
        if wanted in keys:
            return integration
    installed = ", ".join(f"{esc(tracker_label(i))} (`{esc(i.id)}`)" for i in trackers)
    raise UsageError(
        f"`{esc(ref[:40])}` is not an installed tracker. Installed: {installed}.",
        usage=f"{slash()} ticket <issue> [<integration>]",
        example=f"{slash()} ticket {issue.short_id or issue.id} {trackers[0].id}",
    )


def _fields(form: TicketForm, kind: str) -> list[FormField]:
    return form.link_issue_config if kind == "link" else form.create_issue_config


def _provider(integration: Integration | TicketForm) -> str:
    return (integration.provider.name if integration.provider else None) or integration.name


async def _target(ctx: Ctx, args: Args) -> tuple[Issue, Integration, list[Integration]]:
    """The issue `args.issue` names, the installed tracker `args.integration` names (or the first one),
    and all the installed trackers; no tracker installed is a UsageError naming those Sentry supports."""
    issue = await load_issue(ctx, args.issue)
    trackers = await installed_trackers(ctx)
    if not trackers:
        raise await _no_tracker(ctx, issue)
    return issue, pick_tracker(trackers, args.integration, issue=issue), trackers


@registry.command(
    "ticket",
    arg("issue", metavar="issue"),
    arg("integration", optional=True, metavar="integration"),
    flag("--link"),
    summary="Create a ticket in the installed tracker (Jira, GitHub...) from its own form; --link links one",
    level=Level.WRITE,
    examples=["ticket WEB-12A", "ticket WEB-12A github", "ticket WEB-12A jira --link"],
    family=FAMILY,
)
async def ticket(ctx: Ctx, args: Args) -> Reply:
    issue, chosen, trackers = await _target(ctx, args)
    kind = "link" if args.link else "create"
    form = await ctx.sentry.get_ticket_form(issue.id, chosen.id, kind)
    fields = _fields(form, kind)
    origin = {k: v for k, v in (ctx.extra.get(ORIGIN) or {}).items() if k in _ORIGIN_KEYS and v}
    metadata = encode(
        issue=issue.id,
        integ=chosen.id,
        kind=kind,
        multi=[f.name for f in fields if f.multiple] or None,
        bools=[f.name for f in fields if f.type in ("boolean", "checkbox")] or None,
        **origin,
    )
    others = [i for i in trackers if i.id != chosen.id]
    view = ticket_modal(form, issue, kind=kind, metadata=metadata, others=others, command=slash())
    shown = esc(issue.short_id or issue.id)
    # Where the form opens, this is the trace left in the channel; where it cannot (a mention), the way on.
    verb = "link" if kind == "link" else "create"
    said = (
        f"📝 The {esc(_provider(chosen))} form for {shown} is open. Without a form: "
        f"`{slash()} ticket {verb} {shown} {esc(chosen.id)} field=value...`."
    )
    return Reply(notice(said), modal=view)


async def _made(ctx: Ctx, issue: Issue, integration_id: str, kind: str, body: dict[str, Any]) -> Reply:
    if kind == "link":
        made = await ctx.sentry.link_ticket(issue.id, integration_id, body)
    else:
        made = await ctx.sentry.create_ticket(issue.id, integration_id, body)
    provider = next((_provider(i) for i in await installed_trackers(ctx) if i.id == integration_id), "Tracker")
    note = ticket_note(made, provider=provider, kind=kind)
    # The card the form was opened from shows the ticket; a typed command gets the card anew.
    from_card = bool((ctx.extra.get(ORIGIN) or {}).get("ts"))
    card = await issue_card_for(ctx, issue.id, changed_by=ctx.user_id, note=note)
    return Reply(card, replace_original=from_card)


async def _answers(ctx: Ctx, issue: Issue, integration_id: str, kind: str) -> dict[str, Any]:
    """The fields to send for a `kind` ticket: the modal's answers when its form was submitted, else
    (a typed command) the defaults of the tracker's form."""
    answered = ctx.extra.get(FORM)
    if answered is not None:
        return dict(answered)
    form = await ctx.sentry.get_ticket_form(issue.id, integration_id, kind)
    return {f.name: f.default for f in _fields(form, kind) if f.default not in (None, "", [])}


@registry.command(
    "ticket create",
    arg("issue", metavar="issue"),
    arg("integration", metavar="integration"),
    arg("fields", optional=True, rest=True, convert=typed_fields, metavar="field=value"),
    summary="Create a ticket from the tracker's form: its defaults, and the fields you give",
    level=Level.WRITE,
    examples=['ticket create WEB-12A jira title="Checkout total crashes"', "ticket create WEB-12A github"],
    family=FAMILY,
)
async def ticket_create(ctx: Ctx, args: Args) -> Reply:
    issue, chosen, _ = await _target(ctx, args)
    body = await _answers(ctx, issue, chosen.id, "create")
    body.update(dict(args.fields or []))
    return await _made(ctx, issue, chosen.id, "create", body)


@registry.command(
    "ticket link",
    arg("issue", metavar="issue"),
    arg("integration", metavar="integration"),
    arg("external", optional=True, metavar="ticket"),
    arg("fields", optional=True, rest=True, convert=typed_fields, metavar="field=value"),
    summary="Link an existing ticket of the tracker to the issue",
    level=Level.WRITE,
    examples=["ticket link WEB-12A jira SHOP-1500", "ticket link WEB-12A github 42 repo=acme/web"],
    family=FAMILY,
)
async def ticket_link(ctx: Ctx, args: Args) -> Reply:
    issue, chosen, _ = await _target(ctx, args)
    body = await _answers(ctx, issue, chosen.id, "link")
    if args.external:
        body["externalIssue"] = args.external
    body.update(dict(args.fields or []))
    if not body.get("externalIssue"):
        shown = issue.short_id or issue.id
        raise UsageError(
            "Say which ticket to link.",
            usage=f"{slash()} ticket link <issue> <integration> <ticket>",
            example=f"{slash()} ticket link {shown} {chosen.id} SHOP-1500",
        )
    return await _made(ctx, issue, chosen.id, "link", body)
