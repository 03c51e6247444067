"""The bot's own commands: who you are to it, its health, and identity overrides."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.alerts.outage import TRANSIENT
from bot.alerts.quarantine import quarantine_summary
from bot.commands.auth import levels_allowed
from bot.commands.context import Ctx, Reply
from bot.commands.registry import Args, Level, arg, registry
from bot.errors import SentryAPIError, UsageError
from bot.views.blocks import esc, fields_section, header, message, section
from bot.views.common import notice

FAMILY = "The bot"

UNLINKED = (
    "You are not linked to a Sentry member: your Slack id is `{user_id}` and your Slack email ({email}) "
    "matches no member of the organization. To get linked, ask an organization owner or manager to run "
    "`/sentry identity set <@{user_id}> <your-sentry-email>`, or to invite your Slack email to Sentry."
)


def _slack_user(raw: str) -> str:
    user = raw.strip("<>@").split("|")[0]
    if not user or user[0] not in "UW" or not user.isalnum():
        raise ValueError(f"`{raw}` is not a Slack user: mention them, like @alice")
    return user


@registry.command(
    "whoami",
    summary="Your Sentry identity and what it allows",
    level=Level.READ,
    examples=["whoami"],
    family=FAMILY,
    anyone=True,
)
async def whoami(ctx: Ctx, args: Args) -> Reply:
    who = await ctx.services.identity.who(ctx.user_id)
    may = levels_allowed(who, read_policy=ctx.settings.bot_read_policy)
    member = who.member
    fields = [
        ("Slack user", f"<@{ctx.user_id}> (`{esc(ctx.user_id)}`)"),
        ("Email", esc(who.email or "not visible to the bot")),
        ("Sentry member", esc(member.email or member.id) if member else "not linked"),
        ("Sentry role", esc(who.role or "—")),
        ("Bot admin", "yes" if who.bot_admin else "no"),
        ("Mapping", "set by an admin" if who.pinned else "by email"),
        ("You may run", ", ".join(may) or "nothing yet"),
    ]
    blocks = [header("Who you are to the bot"), fields_section(fields)]
    if member is None:
        blocks.append(section(UNLINKED.format(user_id=esc(ctx.user_id), email=esc(who.email or "none visible"))))
    return Reply(message("Who you are to the bot", blocks))


@registry.command(
    "doctor", summary="Check the bot's access to Sentry", level=Level.READ, examples=["doctor"], family=FAMILY
)
async def doctor(ctx: Ctx, args: Args) -> Reply:
    checks = await self_check(ctx)
    return Reply(message("Bot self-check", [header("Bot self-check"), section("\n".join(checks))]))


async def self_check(ctx: Ctx) -> list[str]:
    """The self-check, one mrkdwn line per check, each starting ✅ (fine), ➖ (off), ⚠️ or ❌."""
    checks: list[str] = []
    try:
        org = await ctx.sentry.get_organization()
        checks.append(f"✅ Sentry organization *{esc(org.slug)}* reachable")
    except SentryAPIError as exc:
        checks.append(f"❌ Sentry organization: {esc(exc.user_message())}")
    for label, probe in (
        ("members (member:read)", ctx.sentry.list_members),
        ("projects (project:read)", ctx.sentry.list_projects),
        ("integrations (org:integrations)", ctx.sentry.list_integrations),
    ):
        try:
            await probe()
            checks.append(f"✅ {label}")
        except SentryAPIError as exc:
            checks.append(f"❌ {label}: {esc(exc.user_message())}")
    settings = ctx.settings
    checks.append(
        "✅ Alerts: bot creates service hooks"
        if settings.bot_public_url
        else "➖ BOT_PUBLIC_URL unset: subscribe won't create hooks"
    )
    checks.append(
        "✅ Sentry App webhooks verified"
        if settings.sentry_client_secret
        else "➖ SENTRY_CLIENT_SECRET unset: Sentry App webhooks refused"
    )
    if ctx.services.subscriptions is not None:
        problem = await ctx.services.subscriptions.delivery_problem(ctx.now.timestamp())
        checks.append(f"❌ Alert delivery: {esc(problem)}" if problem else "✅ Alert delivery: not held")
    if ctx.services.store is not None:
        checks.append(await _quarantine_line(ctx))
    return checks


async def _quarantine_line(ctx: Ctx) -> str:
    """Webhooks the router set aside (bot/alerts/quarantine.py): what failed last, and where to look."""
    try:
        summary = await quarantine_summary(ctx.services.store)
    except TRANSIENT:
        return "❌ Alert store unreachable: the quarantine could not be read"
    if not summary.count:
        return "✅ No webhooks quarantined"
    when = datetime.fromtimestamp(summary.latest_at or 0.0, UTC).strftime("%Y-%m-%d %H:%M UTC")
    plural = "webhook" if summary.count == 1 else "webhooks"
    return (
        f"⚠️ {summary.count} {plural} quarantined (could not be parsed or routed; the others were): "
        f"latest at {when}, outbox id {summary.latest_outbox_id}: {esc((summary.latest_reason or '')[:300])}. "
        "Their payloads are in the `webhook_quarantine` table."
    )


@registry.command(
    "identity set",
    arg("user", convert=_slack_user, metavar="@user"),
    arg("email"),
    summary="Link a Slack user to a Sentry member by email",
    level=Level.ADMIN,
    examples=["identity set @alice alice@acme.example"],
    family=FAMILY,
)
async def identity_set(ctx: Ctx, args: Args) -> Reply:
    member = await ctx.services.identity.member_by_email(args.email)
    if member is None:
        raise UsageError(f"No Sentry member has the email {args.email}.", usage="/sentry members")
    await ctx.services.identity.pin(args.user, args.email, set_by=ctx.user_id)
    return Reply(notice(f"✅ <@{args.user}> is now linked to {esc(args.email)} ({esc(member.org_role or 'member')})."))


@registry.command(
    "identity clear",
    arg("user", convert=_slack_user, metavar="@user"),
    summary="Go back to matching a Slack user by email",
    level=Level.ADMIN,
    examples=["identity clear @alice"],
    family=FAMILY,
)
async def identity_clear(ctx: Ctx, args: Args) -> Reply:
    cleared = await ctx.services.identity.unpin(args.user)
    said = "now matched by their Slack email again" if cleared else "had no link set by an admin"
    return Reply(notice(f"<@{args.user}> {said}."))
