"""Members of the organization, and SCIM provisioning."""

from __future__ import annotations

from bot.commands.context import Ctx, Reply
from bot.commands.lookup import check_teams, member_label, naming
from bot.commands.refs import csv, find_member, missing_member
from bot.commands.registry import Args, Level, arg, opt, registry
from bot.views.blocks import esc
from bot.views.common import notice
from bot.views.members import member_card, member_list
from bot.views.scim import scim_user_list

FAMILY = "Members"
ROLES = ("member", "admin", "manager", "owner", "billing")
SCIM_ROLES = ("member", "admin", "manager", "billing")
TEAM_ROLE = "contributor"


def _email(raw: str) -> str:
    if "@" not in raw or raw.startswith("@") or raw.endswith("@"):
        raise ValueError(f"`{raw}` is not an email address")
    return raw


@registry.command(
    "members", summary="List the organization's members", level=Level.READ, examples=["members"], family=FAMILY
)
async def members(ctx: Ctx, args: Args) -> Reply:
    return Reply(member_list(await ctx.sentry.list_members(cursor=ctx.cursor), command="members"), shareable=True)


@registry.command(
    "member",
    arg("member", metavar="email|id"),
    summary="One member's role and teams",
    level=Level.READ,
    examples=["member alice@acme.example"],
    family=FAMILY,
)
async def member(ctx: Ctx, args: Args) -> Reply:
    found = await find_member(ctx, args.member)
    return Reply(member_card(await ctx.sentry.get_member(found.id), now=ctx.now), shareable=True)


@registry.command(
    "member add",
    arg("email", convert=_email),
    arg("role", choices=ROLES),
    opt("--teams", convert=csv, metavar="a,b"),
    summary="Invite someone to the organization",
    level=Level.ADMIN,
    examples=["member add ivan@acme.example member --teams backend,frontend"],
    family=FAMILY,
)
async def member_add(ctx: Ctx, args: Args) -> Reply:
    await check_teams(ctx, args.teams or [], usage="/sentry member add <email> <role> [--teams a,b]")
    added = await ctx.sentry.add_member(
        args.email, org_role=args.role, team_roles=[(t, TEAM_ROLE) for t in args.teams or []]
    )
    teams = f" in {', '.join(esc(t) for t in args.teams)}" if args.teams else ""
    return Reply(notice(f"✅ Invited {esc(added.email or args.email)} as {args.role}{teams}."))


@registry.command(
    "member role",
    arg("member", metavar="email|id"),
    arg("role", choices=ROLES),
    opt("--teams", convert=csv, metavar="a,b"),
    summary="Change a member's role (and teams)",
    level=Level.ADMIN,
    examples=["member role bob@acme.example admin", "member role bob@acme.example member --teams backend"],
    family=FAMILY,
)
async def member_role(ctx: Ctx, args: Args) -> Reply:
    found = await find_member(ctx, args.member)
    await check_teams(ctx, args.teams or [], usage="/sentry member role <email|id> <role> [--teams a,b]")
    teams = [(t, TEAM_ROLE) for t in args.teams] if args.teams else None
    updated = await ctx.sentry.update_member(found.id, org_role=args.role, team_roles=teams)
    return Reply(notice(f"✅ {esc(updated.email or found.email or found.id)} is now {args.role}."))


@registry.command(
    "member remove",
    arg("member", metavar="email|id"),
    summary="Remove a member from the organization",
    level=Level.DESTRUCTIVE,
    examples=["member remove bob@acme.example"],
    confirm=lambda a: f"remove *{esc(a.member)}* from the Sentry organization; they lose access at once",
    describe=lambda ctx, a: _describe_removal(ctx, a.member),
    family=FAMILY,
)
async def member_remove(ctx: Ctx, args: Args) -> Reply:
    found = await find_member(ctx, args.member)
    await ctx.sentry.remove_member(found.id)
    return Reply(notice(f"🗑️ {esc(member_label(found))} was removed from the organization."))


async def _describe_removal(ctx: Ctx, ref: str) -> str:
    found = await find_member(ctx, ref)
    return f"remove *{esc(member_label(found))}* from the Sentry organization; they lose access at once"


@registry.command(
    "scim users",
    opt("--filter", convert=_email, metavar="email"),
    summary="Users provisioned through SCIM",
    level=Level.ADMIN,
    examples=["scim users", "scim users --filter alice@acme.example"],
    family=FAMILY,
)
async def scim_users(ctx: Ctx, args: Args) -> Reply:
    return Reply(scim_user_list(await ctx.sentry.list_scim_users(email=args.filter)))


@registry.command(
    "scim add",
    arg("email", convert=_email),
    arg("given", optional=True),
    arg("family", optional=True),
    opt("--role", choices=SCIM_ROLES),
    summary="Provision a user through SCIM",
    level=Level.ADMIN,
    examples=["scim add judy@acme.example Judy Moss", "scim add ken@acme.example --role admin"],
    family=FAMILY,
)
async def scim_add(ctx: Ctx, args: Args) -> Reply:
    user = await ctx.sentry.provision_scim_user(
        args.email, org_role=args.role, given_name=args.given, family_name=args.family
    )
    return Reply(notice(f"✅ Provisioned {esc(user.user_name or args.email)} (SCIM id {esc(user.id)})."))


def _scim_id(raw: str) -> str:
    if not raw.isdigit():
        raise ValueError(f"`{raw}` is not a SCIM user id (a number: see /sentry scim users)")
    return raw


@registry.command(
    "scim deactivate",
    arg("id", convert=_scim_id),
    summary="Deactivate a SCIM user (removes their membership)",
    level=Level.DESTRUCTIVE,
    examples=["scim deactivate 1047"],
    confirm=lambda a: f"deactivate SCIM user *{esc(a.id)}*, which removes their membership of the organization",
    describe=lambda ctx, a: _describe_scim(
        ctx, a.id, "deactivate", "which removes their membership of the organization"
    ),
    family=FAMILY,
)
async def scim_deactivate(ctx: Ctx, args: Args) -> Reply:
    who = await _scim_member(ctx, args.id)
    await ctx.sentry.deactivate_scim_user(args.id)
    return Reply(notice(f"🗑️ {esc(who)} (SCIM user {esc(args.id)}) deactivated."))


@registry.command(
    "scim remove",
    arg("id", convert=_scim_id),
    summary="Delete a SCIM user",
    level=Level.DESTRUCTIVE,
    examples=["scim remove 1047"],
    confirm=lambda a: f"delete SCIM user *{esc(a.id)}* and their membership of the organization",
    describe=lambda ctx, a: _describe_scim(ctx, a.id, "delete", "and their membership of the organization"),
    family=FAMILY,
)
async def scim_remove(ctx: Ctx, args: Args) -> Reply:
    who = await _scim_member(ctx, args.id)
    await ctx.sentry.remove_scim_user(args.id)
    return Reply(notice(f"🗑️ {esc(who)} (SCIM user {esc(args.id)}) removed."))


async def _scim_member(ctx: Ctx, scim_id: str) -> str:
    """Who SCIM user `scim_id` is: Sentry's SCIM user id is the organization member's id."""
    async with naming(lambda: missing_member(ctx, scim_id, kind="SCIM user with id")):
        return member_label(await ctx.sentry.get_member(scim_id))


async def _describe_scim(ctx: Ctx, scim_id: str, verb: str, consequence: str) -> str:
    who = await _scim_member(ctx, scim_id)
    return f"{verb} SCIM user *{esc(who)}* (id {esc(scim_id)}), {consequence}"


__all__ = ["ROLES"]
