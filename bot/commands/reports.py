"""Scheduled reports of a channel: `report add`, `reports`, `report remove`, `report now`."""

from __future__ import annotations

from bot.commands.context import Ctx, Reply
from bot.commands.registry import Args, Level, arg, opt, registry
from bot.commands.slash import slash
from bot.errors import NotFound, UsageError
from bot.reports.content import build_report
from bot.reports.schedule import Cadence, Schedule, parse_at, parse_day, parse_tz
from bot.reports.store import ReportStore
from bot.store import Database
from bot.views.report import report_list, report_message, report_removed, report_saved

FAMILY = "Reports"
ALL = "all"
DEFAULT_AT = "09:00"
CADENCES = tuple(Cadence)
_MAX_ID = 2**63  # what an id column holds, on SQLite and PostgreSQL alike
NOT_RUNNING = "Scheduled reports need the bot's database: they work in `serve` and `socket` modes."


def _store(ctx: Ctx) -> ReportStore:
    db = ctx.services.store
    if not isinstance(db, Database):
        raise UsageError(NOT_RUNNING)
    return ReportStore(db)


def _add_usage(reason: str) -> UsageError:
    cmd = registry.find(("report", "add"))
    assert cmd is not None
    return cmd.usage_error(reason)


@registry.command(
    "report add",
    arg("project", optional=True, metavar="project|all"),
    arg("cadence", optional=True, choices=CADENCES),
    opt("--at", metavar="HH:MM", convert=parse_at),
    opt("--tz", metavar="Area/City", convert=parse_tz),
    opt("--day", metavar="mon", convert=parse_day),
    summary="Post a daily or weekly report of a project (or all) in this channel",
    level=Level.WRITE,
    examples=["report add web daily --at 09:00 --tz Europe/Berlin", "report add all weekly --day mon --at 08:30"],
    family=FAMILY,
)
async def report_add(ctx: Ctx, args: Args) -> Reply:
    project, cadence = args.project, args.cadence
    if cadence is None and project is not None and project.lower() in CADENCES:
        project, cadence = ALL, project.lower()  # `report add daily`: every project
    if cadence is None:
        raise _add_usage("Say how often: `daily` or `weekly`.")
    cadence = Cadence(cadence)
    if args.day is not None and cadence is not Cadence.WEEKLY:
        raise _add_usage("`--day` is for weekly reports: a daily one runs every day.")
    weekday = (args.day if args.day is not None else 0) if cadence is Cadence.WEEKLY else None
    tz = args.tz or parse_tz(ctx.settings.bot_timezone)
    schedule = Schedule(cadence, at=args.at or parse_at(DEFAULT_AT), tz=tz, weekday=weekday)
    slug = None if project is None or project.lower() == ALL else project
    if slug is not None:
        try:
            await ctx.sentry.get_project(slug)
        except NotFound:
            raise _add_usage(
                f"Sentry has no project `{slug}` (or the bot's token cannot see it): "
                f"`{slash()} projects` lists them, `all` reports on every one."
            ) from None
    store = _store(ctx)
    at_minute = schedule.at.hour * 60 + schedule.at.minute
    for existing in await store.of_channel(ctx.channel_id):
        same = (existing.project, existing.cadence, existing.at_minute, existing.tz, existing.weekday)
        if same == (slug, cadence, at_minute, tz.key, weekday):
            raise UsageError(
                f"This channel already has that report: #{existing.id}, {existing.when}.",
                usage=f"{slash()} report now {existing.id}",
                example=f"{slash()} reports",
            )
    report = await store.add(ctx.channel_id, slug, schedule, created_by=ctx.user_id, now=ctx.now.timestamp())
    return Reply(report_saved(report, channel_id=ctx.channel_id))


@registry.command(
    "reports",
    summary="This channel's scheduled reports, with their next run",
    level=Level.READ,
    examples=["reports"],
    family=FAMILY,
)
async def reports(ctx: Ctx, args: Args) -> Reply:
    found = await _store(ctx).of_channel(ctx.channel_id)
    return Reply(report_list(found, channel_id=ctx.channel_id, command=slash()))


def _report_id(raw: str) -> int:
    """A report's number, as `reports` lists it (`#3` or `3`)."""
    digits = raw.removeprefix("#")
    if not digits.isdigit() or not 0 < int(digits) < _MAX_ID:
        raise ValueError(f"`{raw[:20]}` is not a report number: `{slash()} reports` lists them")
    return int(digits)


def _no_such(report_id: int) -> UsageError:
    return UsageError(
        f"This channel has no report #{report_id}.", usage=f"{slash()} reports", example=f"{slash()} reports"
    )


@registry.command(
    "report remove",
    arg("id", convert=_report_id, metavar="id"),
    summary="Stop one of this channel's scheduled reports",
    level=Level.WRITE,
    examples=["report remove 1"],
    family=FAMILY,
)
async def report_remove(ctx: Ctx, args: Args) -> Reply:
    removed = await _store(ctx).remove(ctx.channel_id, args.id)
    if removed is None:
        raise _no_such(args.id)
    return Reply(report_removed(removed))


@registry.command(
    "report now",
    arg("id", convert=_report_id, metavar="id"),
    summary="Post one of this channel's reports now, for its last full period",
    level=Level.WRITE,
    examples=["report now 1"],
    family=FAMILY,
)
async def report_now(ctx: Ctx, args: Args) -> Reply:
    report = await _store(ctx).get(ctx.channel_id, args.id)
    if report is None:
        raise _no_such(args.id)
    schedule = report.schedule
    period = schedule.period_ending(schedule.last_at_or_before(ctx.now.timestamp()))
    content = await build_report(ctx.sentry, report, period)
    return Reply(report_message(content), in_channel=True)
