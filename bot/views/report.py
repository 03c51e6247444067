"""A scheduled report as one message (pure: `ReportContent` in, Block Kit out), and the messages of
`/sentry report add`, `reports` and `report remove`.

The report: the period, events and users against the period before (with the change in %), a
sparkline of the events (the chart itself follows in the report's thread), then new issues (count
and the top five), regressions, the most frequent unresolved issues and the resolved ones. Each
issue is linked and carries the card's buttons (the first time it is listed: a block id may appear
once per message). At most 49 blocks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.reports.models import Report, ReportContent, ReportIssue
from bot.views.blocks import Block, context, esc, fields_section, header, link, message, section, truncate
from bot.views.common import Message, number
from bot.views.issue import LEVEL_EMOJI
from bot.views.issue_actions import issue_action_buttons

__all__ = [
    "change",
    "chart_title",
    "report_list",
    "report_message",
    "report_removed",
    "report_row",
    "report_saved",
    "sparkline",
]

TITLE = {"daily": "Daily report", "weekly": "Weekly report"}
ALL_PROJECTS = "all projects"
LATE = "⏰ Late: this period ended at {end}, while the bot was not running; posted once now."
NOTHING = "Nothing happened in {project} this period: no events, no new or regressed issues, nothing resolved."
NONE_IN_SECTION = "None."
COUNTS = "An issue's events and users are those of the last {period}; buttons act as on the issue's card."
SECTIONS = (
    ("new_top", "New issues"),
    ("regressions", "Regressions"),
    ("frequent", "Most frequent unresolved"),
    ("resolved", "Resolved (seen this period)"),
)
_BARS = "▁▂▃▄▅▆▇█"
_LINE_TITLE_MAX = 100


def change(now: int, before: int) -> str:
    """`▲ 12%`, `▼ 3%`, `= 0%`; `new` when there was nothing before."""
    if before == 0:
        return "new" if now else "= 0%"
    pct = round((now - before) / before * 100)
    return f"▲ {pct}%" if pct > 0 else f"▼ {-pct}%" if pct < 0 else "= 0%"


def sparkline(values: Sequence[int]) -> str:
    """The series as bars, lowest to highest (`▁▃█▅`)."""
    if not values:
        return ""
    top = max(values)
    if top <= 0:
        return _BARS[0] * len(values)
    return "".join(_BARS[min(len(_BARS) - 1, round(v / top * (len(_BARS) - 1)))] for v in values)


def chart_title(content: ReportContent) -> str:
    """The title of a report's chart (also the start of its alt text and its file name)."""
    what = content.project or ALL_PROJECTS
    return f"Events · {what} · {_local(content.start, content.tz)} – {_local(content.end, content.tz)}"


def _local(epoch: float, tz: str) -> str:
    return dt.datetime.fromtimestamp(epoch, ZoneInfo(tz)).strftime("%a %d %b %H:%M")


def _line(issue: ReportIssue) -> str:
    label = issue.short_id or issue.id
    ref = link(issue.permalink, label) if issue.permalink else f"*{esc(label)}*"
    title = truncate(esc(issue.title), _LINE_TITLE_MAX)
    level = LEVEL_EMOJI.get(issue.level or "", "⚫")
    users = f" · {number(issue.users)} users" if issue.users is not None else ""
    return f"{level} {ref} {title} · {number(issue.count)} events{users}"


def report_message(content: ReportContent) -> Message:
    """The report, posted in its channel."""
    project = esc(content.project) if content.project else ALL_PROJECTS
    title = f"{TITLE[content.cadence]}: {content.project or ALL_PROJECTS}"
    period = f"{_local(content.start, content.tz)} – {_local(content.end, content.tz)} ({esc(content.tz)})"
    notes = [period, f"report #{content.report_id}"]
    blocks: list[Block] = [header(title)]
    if content.late:
        blocks.append(context(LATE.format(end=_local(content.end, content.tz)), *notes))
    else:
        blocks.append(context(*notes))
    if content.empty:
        blocks.append(section(NOTHING.format(project=project)))
        return message(f"{title}: nothing happened", blocks)
    new = f"{number(content.new_count)}{'+' if content.new_more else ''}"
    blocks.append(
        fields_section(
            [
                ("Events", f"{number(content.events)} ({change(content.events, content.events_before)})"),
                ("Users", f"{number(content.users)} ({change(content.users, content.users_before)})"),
                ("New issues", new),
                ("Regressions", number(len(content.regressions))),
            ]
        )
    )
    if content.series:
        blocks.append(context(f"Events over the period: {sparkline([n for _, n in content.series])}"))
    shown: set[str] = set()
    for field, label in SECTIONS:
        issues: list[ReportIssue] = getattr(content, field)
        heading = f"*{label}*" + (f" ({new})" if field == "new_top" else "")
        if not issues:
            blocks.append(section(f"{heading}\n{NONE_IN_SECTION}"))
            continue
        blocks.append(section(heading))
        for issue in issues:
            blocks.append(section(_line(issue)))
            if issue.id not in shown:
                shown.add(issue.id)
                blocks.append(
                    issue_action_buttons(issue.id, status=issue.status or "unresolved", permalink=issue.permalink)
                )
    if shown:
        blocks.append(context(COUNTS.format(period=esc(content.counts_period))))
    summary = (
        f"{title}: {number(content.events)} events ({change(content.events, content.events_before)}), {new} new issues"
    )
    return message(summary, blocks)


def _describe(r: Report) -> str:
    what = esc(r.project) if r.project else ALL_PROJECTS
    return f"*#{r.id}* {what}: {esc(r.when)}; next {_local(r.next_run, r.tz)}"


def report_row(report: Report) -> str:
    """One report as the Home tab lists it, with its channel."""
    return f"<#{report.channel_id}> {_describe(report)}"


def report_saved(report: Report, *, channel_id: str) -> Message:
    what = esc(report.project) if report.project else ALL_PROJECTS
    first = _local(report.next_run, report.tz)
    text = f"✅ Report #{report.id}: {what}, {esc(report.when)}, in <#{channel_id}>. First one {first}."
    return message(f"Report #{report.id} scheduled", [section(text)])


def report_list(reports: Sequence[Report], *, channel_id: str, command: str) -> Message:
    if not reports:
        text = f"<#{channel_id}> has no scheduled reports. Try `{command} report add all daily --at 09:00`."
        return message("No reports", [section(text)])
    rows = [_describe(r) for r in reports]
    tail = f"`{command} report now <id>` posts one now; `{command} report remove <id>` stops one."
    return message("Scheduled reports", [header("Reports of this channel"), section("\n".join(rows)), context(tail)])


def report_removed(report: Report) -> Message:
    what = esc(report.project) if report.project else ALL_PROJECTS
    text = f"✅ Report #{report.id} ({what}, {esc(report.when)}) removed."
    return message(f"Report #{report.id} removed", [section(text)])
