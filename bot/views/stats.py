"""Numbers over time: sparklines, a project's event counts, and the organization's usage table.

Each answer also has a chart of the same numbers (`*_chart`, a `ChartSpec`: data and words, no image),
drawn only when someone asks to post it in the channel.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from bot.charts import ChartSpec, Series
from bot.sentry.models import Issue, StatPoint, StatsGroup, StatsV2
from bot.views import text as t
from bot.views.blocks import LIMITS, context, esc, fields_section, header, message, section, truncate
from bot.views.common import Message, number, utc

__all__ = [
    "SPARK_BARS",
    "SPARK_WIDTH",
    "issue_stats_card",
    "issue_stats_chart",
    "project_stats_card",
    "project_stats_chart",
    "sparkline",
    "usage_chart",
    "usage_table",
]

SPARK_BARS = "▁▂▃▄▅▆▇█"
# Wider sparklines wrap in Slack's message pane; longer series are summed into this many columns.
SPARK_WIDTH = 72
CELL_MAX = 64
_FENCE = "```"


def sparkline(values: Sequence[float]) -> str:
    """Values as bars from ▁ (zero) to █ (the peak); any non-zero value is at least ▂.

    >>> sparkline([0, 1, 2, 3, 4, 5, 6, 7])
    '▁▂▃▄▅▆▇█'
    """
    if not values:
        return t.NO_DATA
    peak = max(values)
    if peak <= 0:
        return SPARK_BARS[0] * len(values)
    top = len(SPARK_BARS) - 1
    return "".join(SPARK_BARS[0 if v <= 0 else max(1, min(top, round(v / peak * top)))] for v in values)


def _columns(values: Sequence[float], width: int) -> list[float]:
    """`values` summed into at most `width` consecutive columns."""
    step = max(1, math.ceil(len(values) / width))
    return [sum(values[i : i + step]) for i in range(0, len(values), step)]


def _bucket_time(timestamp: int) -> str:
    return utc(datetime.fromtimestamp(timestamp, UTC))


def project_stats_card(project: str, points: Sequence[StatPoint], *, stat: str, resolution: str | None) -> Message:
    """A sparkline of a project's event counts, with the total, the peak, the window and the bucket count."""
    title = t.STATS_TITLE.format(stat=esc(stat).capitalize(), project=esc(project))
    if not points:
        return message(f"{title}: {t.NO_DATA}", [header(title), section(t.NO_DATA)])
    counts = [p.count for p in points]
    peak = max(points, key=lambda p: p.count)
    buckets = f"{len(points):,}" + (f" × {esc(resolution)}" if resolution else "")
    blocks = [
        header(title),
        section(sparkline(_columns(counts, SPARK_WIDTH))),
        fields_section(
            [
                ("Total", number(sum(counts))),
                ("Peak", f"{number(peak.count)} at {_bucket_time(peak.timestamp)}"),
                ("Window", f"{_bucket_time(points[0].timestamp)} → {_bucket_time(points[-1].timestamp)}"),
                ("Buckets", buckets),
            ]
        ),
    ]
    return message(f"{title}: {number(sum(counts))}", blocks)


def project_stats_chart(project: str, points: Sequence[StatPoint], *, stat: str) -> ChartSpec | None:
    """The project's counts as a chart (titled as the card, in plain words); None without data."""
    if not points:
        return None
    title = t.STATS_TITLE.format(stat=stat.capitalize(), project=project)
    return ChartSpec.events([(p.timestamp, p.count) for p in points], title=title)


ISSUE_STATS_PERIODS = {"24h": "last 24 hours, hourly", "30d": "last 30 days, daily"}


def issue_stats_chart(issue: Issue) -> ChartSpec | None:
    """The issue's events of the last 24 hours, hourly (the last 30 days when the day is empty of
    buckets); None when Sentry sent neither."""
    for period, label in ISSUE_STATS_PERIODS.items():
        points = issue.stats.get(period, [])
        if points:
            title = f"{t.ISSUE_STATS_TITLE.format(issue=issue.short_id or issue.id)} · {label}"
            return ChartSpec.events([(p.timestamp, p.count) for p in points], title=title)
    return None


def issue_stats_card(issue: Issue) -> Message:
    """The issue's own events over time: one sparkline per period Sentry sends (24h hourly, 30d daily)."""
    ref = esc(issue.short_id or issue.id)
    title = t.ISSUE_STATS_TITLE.format(issue=ref)
    blocks = [header(title), section(f"*{esc(truncate(issue.title, 200))}*")]
    total = 0.0
    for period, label in ISSUE_STATS_PERIODS.items():
        points = issue.stats.get(period, [])
        counts = [p.count for p in points]
        if period == "24h":
            total = sum(counts)
        line = sparkline(_columns(counts, SPARK_WIDTH)) if counts else t.NO_DATA
        blocks.append(section(f"*{esc(label)}* · {number(sum(counts))} events\n{line}"))
    return message(f"{title}: {number(total)} in 24h", blocks)


# --- usage table -------------------------------------------------------------------------------


def _group_total(group: StatsGroup, field: str) -> float:
    if field in group.totals:
        return group.totals[field]
    return sum(group.series.get(field, []))


def _row_cells(group: StatsGroup, keys: Sequence[str], names: Mapping[str, Mapping[str, str]]) -> list[str]:
    cells = []
    for key in keys:
        value = str(group.by.get(key, t.NONE))
        cells.append(truncate(names.get(key, {}).get(value, value), CELL_MAX))
    return cells


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    """Labels left-aligned, the last column (the number) right-aligned; escaped after padding so
    `&amp;` does not throw the columns off."""
    *labels, value = cells
    padded = [c.ljust(w) for c, w in zip(labels, widths[:-1], strict=True)] + [value.rjust(widths[-1])]
    return esc("  ".join(padded).rstrip())


def _fit(head: list[str], rows: list[str], tail: list[str]) -> list[str]:
    """As many rows as fit in one section with the head and tail, then "… N more rows"."""
    budget = LIMITS["section_text"] - 2 * (len(_FENCE) + 1)
    budget -= sum(len(line) + 1 for line in head + tail)
    budget -= len(t.MORE_ROWS.format(n=f"{len(rows):,}")) + 1
    kept: list[str] = []
    for row in rows:
        if budget < len(row) + 1:
            break
        kept.append(row)
        budget -= len(row) + 1
    hidden = len(rows) - len(kept)
    more = [t.MORE_ROWS.format(n=f"{hidden:,}")] if hidden else []
    return [*head, *kept, *more, *tail]


# Sentry's stats_v2 `field` and `category` parameters (openapi.json): `sum(quantity)` is bytes for
# attachments and milliseconds for profile durations ("cannot be combined with other categories
# since quantity represents bytes"); every other category counts events. Adding them up is meaningless.
QUANTITY_UNITS = {"attachment": "bytes", "profile_duration": "ms", "profile_duration_ui": "ms"}


def category_label(category: str, field: str) -> str:
    """A data category with the unit its quantity is in, when that is not a count: `attachment (bytes)`."""
    unit = QUANTITY_UNITS.get(category) if field == "sum(quantity)" else None
    return f"{category} ({unit})" if unit else category


def _totals(groups: Sequence[StatsGroup], keys: Sequence[str], field: str) -> list[tuple[str | None, float]]:
    """The table's totals: one per data category when the rows carry one (their units differ),
    largest first; a single total (category None) otherwise."""
    if "category" not in keys:
        return [(None, sum(_group_total(g, field) for g in groups))]
    sums: dict[str, float] = {}
    for g in groups:
        category = str(g.by.get("category"))
        sums[category] = sums.get(category, 0) + _group_total(g, field)
    return sorted(sums.items(), key=lambda kv: kv[1], reverse=True)


def _total_row(category: str | None, total: float, keys: Sequence[str], field: str) -> list[str]:
    row = [t.USAGE_TOTAL, *([""] * (len(keys) - 1)), number(total)]
    if category is not None:
        at = keys.index("category")
        label = category_label(category, field)
        row[at] = f"{t.USAGE_TOTAL} {label}" if at == 0 else label
    return row


def usage_table(
    stats: StatsV2,
    *,
    field: str,
    group_by: Sequence[str],
    period: str | None,
    names: Mapping[str, Mapping[str, str]] | None = None,
) -> Message:
    """The organization's usage as an aligned table, largest first, with the window it covers.

    Args:
        stats: Sentry's stats_v2 answer.
        field: the measured field, e.g. `sum(quantity)`.
        group_by: the `groupBy` keys, one label column each.
        period: the requested period ("24h"), shown under the table.
        names: what to show for a key's values, e.g. `{"project": {"4501": "web"}}` (Sentry groups
            by project id); a value without a name is shown as it is.
    """
    title = t.USAGE_TITLE.format(field=esc(field))
    keys = list(group_by) or ["group"]
    groups = sorted(stats.groups, key=lambda g: _group_total(g, field), reverse=True)
    window = f"{utc(stats.start)} – {utc(stats.end)}" + (f" · {esc(period)}" if period else "")
    if not groups:
        return message(f"{title}: {t.USAGE_EMPTY}", [header(title), section(t.USAGE_EMPTY), context(window)])
    labels = {**(names or {})}
    if "category" in keys:
        labels["category"] = {c: category_label(c, field) for c in {str(g.by.get("category")) for g in groups}}
    cells = [[*_row_cells(g, keys, labels), number(_group_total(g, field))] for g in groups]
    totals = _totals(groups, keys, field)
    footing = [_total_row(category, total, keys, field) for category, total in totals]
    grand_total = " · ".join(
        number(total) if category is None else f"{category_label(category, field)} {number(total)}"
        for category, total in totals
    )
    heading = [*keys, field]
    widths = [max(len(row[i]) for row in [heading, *footing, *cells]) for i in range(len(heading))]
    rule = "─" * (sum(widths) + 2 * (len(widths) - 1))
    lines = _fit(
        [_line(heading, widths), rule],
        [_line(row, widths) for row in cells],
        [rule, *(_line(row, widths) for row in footing)],
    )
    table = "\n".join([_FENCE, *lines, _FENCE])
    return message(f"{title}: {grand_total}", [header(title), section(table), context(window)])


def usage_chart(
    stats: StatsV2,
    *,
    field: str,
    group_by: Sequence[str],
    names: Mapping[str, Mapping[str, str]] | None = None,
) -> ChartSpec | None:
    """The usage table's rows over time, one line each (the chart keeps the largest and sums the rest).

    Rows whose quantity is bytes or milliseconds (`QUANTITY_UNITS`) are left out: on one axis with
    counts they would flatten every other line. None when no row has a series to draw.
    """
    times = [int(at.timestamp()) for at in stats.intervals]
    keys = list(group_by) or ["group"]
    series = []
    for group in sorted(stats.groups, key=lambda g: _group_total(g, field), reverse=True):
        if field == "sum(quantity)" and str(group.by.get("category")) in QUANTITY_UNITS:
            continue
        values = group.series.get(field, [])
        if not values or len(values) != len(times):
            continue
        label = " · ".join(_row_cells(group, keys, names or {}))
        series.append(Series(label, tuple(zip(times, values, strict=True))))
    if not series:
        return None
    return ChartSpec(title=t.USAGE_TITLE.format(field=field), series=tuple(series), unit=field)
