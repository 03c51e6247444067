"""Cron monitors: the list, and one monitor with its schedule and last check-ins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.sentry.models import CheckIn, Monitor, MonitorConfig
from bot.sentry.paging import Page
from bot.views import text as t
from bot.views.blocks import context, esc, fields_section, header, message, section, truncate
from bot.views.common import Message, ago, list_message, or_none, utc

__all__ = ["check_in_line", "duration", "monitor_card", "monitor_list", "schedule"]

CHECKINS_SHOWN = 10
NAME_MAX = 100

# Monitor environment statuses (Sentry's MonitorStatus: ok, error, active = no check-in yet, disabled).
_STATUS = {"ok": "🟢 ok", "error": "🔴 failing", "active": "⚪ waiting for a first check-in", "disabled": "⏸ disabled"}
# Check-in statuses (CheckInStatus): ok, error, in_progress, missed, timeout, unknown.
_CHECKIN = {
    "ok": "✅ ok",
    "error": "❌ error",
    "missed": "⚠️ missed",
    "timeout": "⌛ timed out",
    "in_progress": "⏳ in progress",
}


def duration(milliseconds: int | None) -> str:
    """A check-in's duration as people say it: `850 ms`, `42 s`, `4 min 12 s`, `2 h 5 min`.

    >>> duration(252_000)
    '4 min 12 s'
    """
    if milliseconds is None:
        return t.NONE
    if milliseconds < 1000:
        return f"{milliseconds} ms"
    seconds = milliseconds // 1000
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def schedule(config: MonitorConfig) -> str:
    """`0 2 * * *` (UTC) for a crontab, "every 15 minutes" for an interval ([15, "minute"])."""
    value = config.schedule
    if config.schedule_type == "interval" and isinstance(value, list) and len(value) == 2:
        n, unit = value
        return f"every {esc(n)} {esc(unit)}" + ("" if str(n) == "1" else "s")
    if value in (None, ""):
        return t.NONE
    shown = f"`{esc(str(value).replace('`', ''))}`"
    return f"{shown} ({esc(config.timezone)})" if config.timezone else shown


def _status(monitor: Monitor) -> str:
    if monitor.status == "disabled":
        return _STATUS["disabled"]
    statuses = [e.status for e in monitor.environments if e.status]
    worst = "error" if "error" in statuses else (statuses[0] if statuses else "active")
    return _STATUS.get(worst, esc(worst))


def _muted(monitor: Monitor) -> bool:
    return bool(monitor.is_muted) or (bool(monitor.environments) and all(e.is_muted for e in monitor.environments))


def _last_check_in(monitor: Monitor) -> datetime | None:
    moments = [e.last_check_in for e in monitor.environments if e.last_check_in]
    return max(moments) if moments else None


def _row(monitor: Monitor, now: datetime) -> str:
    project = monitor.project.slug if monitor.project else None
    parts = [
        f"{_status(monitor)} *{esc(truncate(monitor.name, NAME_MAX))}* (`{esc(monitor.slug)}`)",
        or_none(project),
        schedule(monitor.config),
        f"last check-in {ago(_last_check_in(monitor), now)}",
    ]
    if _muted(monitor):
        parts.append(t.CRON_MUTED)
    return " · ".join(parts)


def monitor_list(page: Page[Monitor], *, project: str | None, command: str, now: datetime, slash: str) -> Message:
    """One line per monitor: status, name and slug, project, schedule, last check-in, muted.

    `slash` is the slash command's name (`SLACK_COMMAND`), for the hint under the list.
    """
    title = t.CRONS_OF.format(project=project) if project else t.CRONS_TITLE
    return list_message(
        title,
        [_row(m, now) for m in page.items],
        command=command,
        cursor=page.next_cursor,
        empty=t.CRONS_EMPTY,
        footer=t.CRONS_FOOTER.format(slash=slash),
    )


def check_in_line(check_in: CheckIn, now: datetime) -> str:
    status = _CHECKIN.get(check_in.status or "", or_none(check_in.status))
    env = f" · {esc(truncate(check_in.environment, 40))}" if check_in.environment else ""
    when = f"{utc(check_in.date_created)} ({ago(check_in.date_created, now)})"
    return f"{status} · {when} · {duration(check_in.duration)}{env}"


def _minutes(value: int | None) -> str:
    return f"{value} min" if value is not None else t.NONE


def monitor_card(
    monitor: Monitor, check_ins: Sequence[CheckIn], *, now: datetime, slash: str, changed: str | None = None
) -> Message:
    """A monitor: status, schedule, margins, when it last and next checks in, and its last check-ins.

    Args:
        slash: the slash command's name (`SLACK_COMMAND`), for the mute hint.
        changed: mrkdwn saying what just changed and who did it ("muted by <@U123>").
    """
    next_moments = [e.next_check_in for e in monitor.environments if e.next_check_in]
    blocks = [
        header(t.CRON_TITLE.format(name=esc(truncate(monitor.name, NAME_MAX)))),
        fields_section(
            [
                ("Status", _status(monitor) + (f" · {t.CRON_MUTED}" if _muted(monitor) else "")),
                ("Schedule", schedule(monitor.config)),
                ("Project", or_none(monitor.project.slug if monitor.project else None)),
                ("Slug", f"`{esc(monitor.slug)}`"),
                ("Check-in margin", _minutes(monitor.config.checkin_margin)),
                ("Max runtime", _minutes(monitor.config.max_runtime)),
                ("Last check-in", ago(_last_check_in(monitor), now)),
                ("Next check-in", ago(min(next_moments), now) if next_moments else t.NONE),
            ]
        ),
    ]
    lines = [check_in_line(c, now) for c in check_ins[:CHECKINS_SHOWN]]
    blocks.append(section("*Last check-ins*\n" + ("\n".join(lines) if lines else t.CRON_NO_CHECKINS)))
    hint = t.CRON_UNMUTE_HINT if _muted(monitor) else t.CRON_MUTE_HINT
    blocks.append(context(*(x for x in (changed, hint.format(slash=slash, slug=esc(monitor.slug))) if x)))
    return message(f"{t.CRON_TITLE.format(name=esc(truncate(monitor.name, NAME_MAX)))}: {_status(monitor)}", blocks)
