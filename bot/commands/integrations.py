"""Integrations, providers, data forwarders, and external users and teams."""

from __future__ import annotations

from bot.commands.context import Ctx, Reply
from bot.commands.lookup import check_teams, integration_label, member_label, missing, naming
from bot.commands.refs import csv, find_member, sentry_id
from bot.commands.registry import Args, Level, arg, opt, registry
from bot.errors import UsageError
from bot.sentry.models import Forwarder, Integration
from bot.views.blocks import esc
from bot.views.common import notice
from bot.views.integrations import (
    external_team_card,
    external_user_card,
    forwarder_list,
    integration_card,
    integration_list,
    provider_list,
)

FAMILY = "Integrations"
FORWARDER_PROVIDERS = ("segment", "sqs", "splunk")
EXTERNAL_PROVIDERS = (
    "github",
    "github_enterprise",
    "gitlab",
    "slack",
    "msteams",
    "jira_server",
    "perforce",
    "custom_scm",
)


def on_off(raw: str) -> bool:
    if raw.lower() in ("on", "true", "yes", "1"):
        return True
    if raw.lower() in ("off", "false", "no", "0"):
        return False
    raise ValueError(f"`{raw}` is not on or off")


def key_values(raw: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in csv(raw):
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"`{item}` is not key=value")
        pairs[key.strip()] = value.strip()
    return pairs


def int_list(raw: str) -> list[int]:
    try:
        return [int(x) for x in csv(raw)]
    except ValueError:
        raise ValueError(f"`{raw}` is not a list of project ids like 1,2") from None


@registry.command(
    "integrations",
    opt("--provider", metavar="key"),
    summary="Installed integrations",
    level=Level.READ,
    examples=["integrations", "integrations --provider github"],
    family=FAMILY,
)
async def integrations(ctx: Ctx, args: Args) -> Reply:
    page = await ctx.sentry.list_integrations(provider_key=args.provider, cursor=ctx.cursor)
    command = "integrations" + (f" --provider {args.provider}" if args.provider else "")
    return Reply(integration_list(page, command=command), shareable=True)


@registry.command(
    "integration",
    arg("id"),
    summary="One integration",
    level=Level.READ,
    examples=["integration 130414"],
    family=FAMILY,
)
async def integration(ctx: Ctx, args: Args) -> Reply:
    return Reply(integration_card(await _integration(ctx, args.id)), shareable=True)


async def _integration(ctx: Ctx, integration_id: str) -> Integration:
    async with naming(lambda: _missing_integration(ctx, integration_id)):
        return await ctx.sentry.get_integration(integration_id)


async def _missing_integration(ctx: Ctx, typed: str) -> UsageError:
    installed = await ctx.sentry.list_integrations(max_pages=10)
    labels = {i.id: f"({esc(integration_label(i).rsplit(' (id', 1)[0])})" for i in installed}
    return missing("installed integration with id", typed, labels, usage="/sentry integrations", labels=labels)


@registry.command(
    "integration remove",
    arg("id"),
    summary="Uninstall an integration",
    level=Level.DESTRUCTIVE,
    examples=["integration remove 130415"],
    confirm=lambda a: f"uninstall integration *{esc(a.id)}* from the organization, with its configuration",
    describe=lambda ctx, a: _describe_integration(ctx, a.id),
    family=FAMILY,
)
async def integration_remove(ctx: Ctx, args: Args) -> Reply:
    found = await _integration(ctx, args.id)
    await ctx.sentry.delete_integration(args.id)
    return Reply(notice(f"🗑️ Integration {esc(integration_label(found))} removed."))


async def _describe_integration(ctx: Ctx, integration_id: str) -> str:
    found = await _integration(ctx, integration_id)
    return f"uninstall *{esc(integration_label(found))}* from the organization, with its configuration"


@registry.command(
    "providers", summary="Integrations that can be installed", level=Level.READ, examples=["providers"], family=FAMILY
)
async def providers(ctx: Ctx, args: Args) -> Reply:
    return Reply(provider_list(await ctx.sentry.list_providers()), shareable=True)


@registry.command(
    "forwarders",
    summary="Data forwarders (Segment, SQS, Splunk)",
    level=Level.ADMIN,
    examples=["forwarders"],
    family=FAMILY,
)
async def forwarders(ctx: Ctx, args: Args) -> Reply:
    return Reply(forwarder_list(await ctx.sentry.list_forwarders()))


FORWARDER_OPTIONS = (
    opt("--config", convert=key_values, metavar="k=v,k=v"),
    opt("--projects", convert=int_list, metavar="1,2"),
    opt("--enabled", convert=on_off, metavar="on|off"),
    opt("--enroll-new", convert=on_off, metavar="on|off"),
)


@registry.command(
    "forwarder add",
    arg("provider", choices=FORWARDER_PROVIDERS),
    *FORWARDER_OPTIONS,
    summary="Forward events to Segment, SQS or Splunk",
    level=Level.ADMIN,
    examples=[
        "forwarder add splunk --config instance_url=https://splunk.acme.example:8088,index=sentry,source=sentry,token=abc"
        " --enroll-new on",
    ],
    family=FAMILY,
)
async def forwarder_add(ctx: Ctx, args: Args) -> Reply:
    # Sentry keeps one forwarder per provider and refuses a second (DataForwarderSerializer.validate).
    existing = next((f for f in await ctx.sentry.list_forwarders() if f.provider == args.provider), None)
    if existing is not None:
        raise UsageError(
            f"There is already a {args.provider} forwarder (id {esc(existing.id)}); Sentry keeps one for each "
            "provider. Change that one instead.",
            usage="/sentry forwarder update <id> [--config k=v,k=v] [--projects 1,2] [--enabled on|off]",
            example=f"/sentry forwarder update {existing.id} --enabled on",
        )
    await ctx.sentry.create_forwarder(
        args.provider,
        config=args.config,
        is_enabled=args.enabled,
        enroll_new_projects=args.enroll_new,
        project_ids=args.projects,
    )
    return Reply(notice(f"✅ {args.provider} forwarder created. `/sentry forwarders` lists it."))


@registry.command(
    "forwarder update",
    arg("id"),
    *FORWARDER_OPTIONS,
    summary="Change a data forwarder",
    level=Level.ADMIN,
    examples=["forwarder update 41 --enabled off", "forwarder update 42 --config write_key=new"],
    family=FAMILY,
)
async def forwarder_update(ctx: Ctx, args: Args) -> Reply:
    current = await _forwarder(ctx, args.id)
    await ctx.sentry.update_forwarder(
        args.id,
        current.provider,
        config=args.config,
        is_enabled=args.enabled,
        enroll_new_projects=args.enroll_new,
        project_ids=args.projects,
    )
    return Reply(notice(f"✅ Forwarder {esc(args.id)} ({esc(current.provider)}) updated."))


@registry.command(
    "forwarder remove",
    arg("id"),
    summary="Delete a data forwarder",
    level=Level.DESTRUCTIVE,
    examples=["forwarder remove 42"],
    confirm=lambda a: f"delete data forwarder *{esc(a.id)}*; events stop being forwarded",
    describe=lambda ctx, a: _describe_forwarder(ctx, a.id),
    family=FAMILY,
)
async def forwarder_remove(ctx: Ctx, args: Args) -> Reply:
    found = await _forwarder(ctx, args.id)
    await ctx.sentry.delete_forwarder(args.id)
    return Reply(notice(f"🗑️ The {esc(found.provider)} forwarder ({esc(args.id)}) was deleted."))


async def _forwarder(ctx: Ctx, forwarder_id: str) -> Forwarder:
    known = await ctx.sentry.list_forwarders()
    found = next((f for f in known if f.id == forwarder_id), None)
    if found is None:
        raise missing("data forwarder with id", forwarder_id, [f.id for f in known], usage="/sentry forwarders")
    return found


async def _describe_forwarder(ctx: Ctx, forwarder_id: str) -> str:
    found = await _forwarder(ctx, forwarder_id)
    projects = ", ".join(p.slug for p in found.enrolled_projects) or "no project"
    return f"delete the *{esc(found.provider)}* data forwarder ({esc(projects)}); events stop being forwarded"


async def _integration_id(ctx: Ctx, provider: str, given: int | None) -> int:
    if given is not None:
        return given
    found = await ctx.sentry.list_integrations(provider_key=provider)
    if not found.items:
        raise UsageError(
            f"No {provider} integration is installed; give one with --integration <id>.",
            usage="/sentry integrations",
        )
    return int(found.items[0].id)


async def _linked_member(ctx: Ctx, ref: str) -> tuple[int, str]:
    """The Sentry user id of the member `ref` names, and how to name them."""
    member = await find_member(ctx, ref)
    if member.user is None:
        raise UsageError(f"{ref} has not accepted their invitation yet, so has no Sentry user to link.")
    return int(member.user.id), member_label(member)


EXTERNAL_USER_ARGS = (
    arg("member", metavar="email|id"),
    arg("provider", choices=EXTERNAL_PROVIDERS),
    arg("external_name", metavar="external-name"),
    opt("--integration", metavar="id", convert=sentry_id),
)


@registry.command(
    "external-user add",
    *EXTERNAL_USER_ARGS,
    summary="Link a member to their name in GitHub, Slack, GitLab...",
    level=Level.ADMIN,
    examples=["external-user add alice@acme.example github @alice"],
    family=FAMILY,
)
async def external_user_add(ctx: Ctx, args: Args) -> Reply:
    user_id, who = await _linked_member(ctx, args.member)
    created = await ctx.sentry.create_external_user(
        user_id=user_id,
        external_name=args.external_name,
        provider=args.provider,
        integration_id=await _integration_id(ctx, args.provider, args.integration),
    )
    return Reply(external_user_card(created, verb="Linked", member=who))


@registry.command(
    "external-user update",
    arg("id"),
    *EXTERNAL_USER_ARGS,
    summary="Change an external user link",
    level=Level.ADMIN,
    examples=["external-user update 501 alice@acme.example github @alice-acme"],
    family=FAMILY,
)
async def external_user_update(ctx: Ctx, args: Args) -> Reply:
    user_id, who = await _linked_member(ctx, args.member)
    updated = await ctx.sentry.update_external_user(
        args.id,
        user_id=user_id,
        external_name=args.external_name,
        provider=args.provider,
        integration_id=await _integration_id(ctx, args.provider, args.integration),
    )
    return Reply(external_user_card(updated, verb="Updated", member=who))


@registry.command(
    "external-user remove",
    arg("id"),
    summary="Remove an external user link",
    level=Level.DESTRUCTIVE,
    examples=["external-user remove 501"],
    confirm=lambda a: f"remove external user link *{esc(a.id)}*",
    family=FAMILY,
)
async def external_user_remove(ctx: Ctx, args: Args) -> Reply:
    await ctx.sentry.delete_external_user(args.id)
    return Reply(notice(f"🗑️ External user link {esc(args.id)} removed."))


@registry.command(
    "external-team add",
    arg("team"),
    arg("provider", choices=EXTERNAL_PROVIDERS),
    arg("external_name", metavar="external-name"),
    opt("--integration", metavar="id", convert=sentry_id),
    summary="Link a team to its name in GitHub, Slack, GitLab...",
    level=Level.ADMIN,
    examples=["external-team add backend github @acme/backend"],
    family=FAMILY,
)
async def external_team_add(ctx: Ctx, args: Args) -> Reply:
    await check_teams(ctx, [args.team], usage="/sentry external-team add <team> <provider> <external-name>")
    created = await ctx.sentry.create_external_team(
        args.team,
        external_name=args.external_name,
        provider=args.provider,
        integration_id=await _integration_id(ctx, args.provider, args.integration),
    )
    return Reply(external_team_card(created, verb="Linked", slug=args.team))


@registry.command(
    "external-team update",
    arg("team"),
    arg("id"),
    arg("provider", choices=EXTERNAL_PROVIDERS),
    arg("external_name", metavar="external-name"),
    opt("--integration", metavar="id", convert=sentry_id),
    summary="Change an external team link",
    level=Level.ADMIN,
    examples=["external-team update frontend 601 slack #frontend-oncall"],
    family=FAMILY,
)
async def external_team_update(ctx: Ctx, args: Args) -> Reply:
    await check_teams(ctx, [args.team], usage="/sentry external-team update <team> <id> <provider> <external-name>")
    updated = await ctx.sentry.update_external_team(
        args.team,
        args.id,
        external_name=args.external_name,
        provider=args.provider,
        integration_id=await _integration_id(ctx, args.provider, args.integration),
    )
    return Reply(external_team_card(updated, verb="Updated", slug=args.team))


@registry.command(
    "external-team remove",
    arg("team"),
    arg("id"),
    summary="Remove an external team link",
    level=Level.DESTRUCTIVE,
    examples=["external-team remove frontend 601"],
    confirm=lambda a: f"remove external team link *{esc(a.id)}* of team *{esc(a.team)}*",
    family=FAMILY,
)
async def external_team_remove(ctx: Ctx, args: Args) -> Reply:
    await ctx.sentry.delete_external_team(args.team, args.id)
    return Reply(notice(f"🗑️ External team link {esc(args.id)} of {esc(args.team)} removed."))
