"""Charts as PNG images, and the words that describe them.

matplotlib is imported only inside `render` (the first chart drawn pays for it: about 45 MiB of
RSS and 0.6 s, `python -m bench.charts`): commands, the console and start-up never load it. What a
chart shows is also said in words (`Chart.alt`, `describe`), for screen readers, the console and
logs, which never need the image. Rendering is CPU work of tens of milliseconds: async callers run it in a thread
(`asyncio.to_thread(render, spec)`). matplotlib's object API used here keeps no global figure state,
but matplotlib is not thread-safe (its fonts are shared objects), so renders take turns.

    chart = render_events([(1764633600, 3), (1764637200, 12)], title="Received events · web")
    chart.png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

__all__ = ["ALT_MAX", "Chart", "ChartSpec", "Series", "describe", "render", "render_events"]

# 800 × 320 px: about the width of Slack's message pane, so the preview is not scaled down.
WIDTH_IN, HEIGHT_IN, DPI = 8.0, 3.2, 100
# Slack refuses an `alt_txt` longer than 1,000 characters (files.getUploadURLExternal, alt_txt_too_large).
ALT_MAX = 1000
MAX_LINES = 8  # series beyond this many are summed into "other": a legend of dozens helps nobody
_COLOURS = ("#6c5fc7", "#f2b712", "#e1567c", "#3c74dd", "#2ba185", "#f58159", "#a396da", "#80708f")

Point = tuple[int, float]
_RENDERING = threading.Lock()


@dataclass(frozen=True)
class Series:
    """One line of a chart: its label and its (unix seconds, value) points, oldest first."""

    label: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class ChartSpec:
    """What a chart shows, without the image: commands return this, and only a click renders it."""

    title: str
    series: tuple[Series, ...]
    unit: str = "events"

    @classmethod
    def events(cls, points: Sequence[tuple[int, float]], *, title: str, unit: str = "events") -> ChartSpec:
        """One series of counts over time."""
        return cls(title=title, series=(Series(title, tuple(points)),), unit=unit)

    @property
    def empty(self) -> bool:
        return not any(s.points for s in self.series)

    @property
    def alt(self) -> str:
        return describe(self)


@dataclass(frozen=True)
class Chart:
    """A rendered chart: the PNG, the words describing it, and the file name to upload it as."""

    png: bytes
    alt: str
    filename: str
    title: str = field(default="")


def _when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def describe(spec: ChartSpec) -> str:
    """The chart in words: what it shows, the window, the total and the peak of each series.

    Two hourly buckets of 1 and 4 events read: "Chart: <title>, 1970-01-01 00:00 UTC to
    1970-01-01 01:00 UTC, 2 points: total 5 events, peak 4 at 1970-01-01 01:00 UTC."
    """
    points = [p for s in spec.series for p in s.points]
    if not points:
        return f"Chart: {spec.title}: no data."
    start, end = min(p[0] for p in points), max(p[0] for p in points)
    count = max(len(s.points) for s in spec.series)
    head = f"Chart: {spec.title}, {_when(start)} to {_when(end)}, {count:,} points"
    parts = []
    for s in spec.series:
        if not s.points:
            continue
        total = sum(v for _, v in s.points)
        peak = max(s.points, key=lambda p: p[1])
        label = "" if len(spec.series) == 1 else f"{s.label}: "
        parts.append(f"{label}total {_number(total)} {spec.unit}, peak {_number(peak[1])} at {_when(peak[0])}")
    text = f"{head}: {'; '.join(parts)}."
    return text if len(text) <= ALT_MAX else text[: ALT_MAX - 1] + "…"


def filename_for(title: str) -> str:
    """`Received events · web` -> `received-events-web.png`."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:80].strip("-")
    return f"{slug or 'chart'}.png"


def _lines(spec: ChartSpec) -> list[Series]:
    """The series to draw: the largest `MAX_LINES - 1` and the rest summed into "other"."""
    drawn = [s for s in spec.series if s.points]
    if len(drawn) <= MAX_LINES:
        return drawn
    drawn.sort(key=lambda s: sum(v for _, v in s.points), reverse=True)
    kept, rest = drawn[: MAX_LINES - 1], drawn[MAX_LINES - 1 :]
    summed: dict[int, float] = {}
    for s in rest:
        for at, value in s.points:
            summed[at] = summed.get(at, 0) + value
    return [*kept, Series(f"other ({len(rest)})", tuple(sorted(summed.items())))]


def render(spec: ChartSpec) -> Chart:
    """Draw `spec` as a PNG (a filled step chart for one series, lines with a legend for several)."""
    with _RENDERING:
        png = _draw(spec)
    return Chart(png=png, alt=describe(spec), filename=filename_for(spec.title), title=spec.title)


def _draw(spec: ChartSpec) -> bytes:
    # Imported here, not at the top: see the module's docstring.
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    ax = figure.add_subplot()
    ax.set_title(spec.title, loc="left", fontsize=11)
    lines = _lines(spec)
    if not lines:
        ax.text(0.5, 0.5, "No data", ha="center", va="center", transform=ax.transAxes, color="#80708f")
        ax.set_xticks([])
    for i, s in enumerate(lines):
        # matplotlib's dates are days since its epoch, 1970-01-01 by default (matplotlib.dates.get_epoch).
        times = [at / 86400 for at, _ in s.points]
        values = [v for _, v in s.points]
        colour = _COLOURS[i % len(_COLOURS)]
        if len(lines) == 1:
            # A step drawn "post" needs the end of the last bucket, or that bucket has no width.
            if len(times) > 1:
                times.append(times[-1] + (times[-1] - times[-2]))
                values.append(values[-1])
            ax.fill_between(times, values, step="post", color=colour, alpha=0.35, linewidth=0)
            ax.step(times, values, where="post", color=colour, linewidth=1.2)
        else:
            ax.plot(times, values, color=colour, linewidth=1.4, label=s.label)
    if len(lines) > 1:
        ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=min(4, len(lines)))
    if lines:
        # matplotlib's type hints leave these two constructors untyped.
        locator = AutoDateLocator(tz=UTC)  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator, tz=UTC))  # type: ignore[no-untyped-call]
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0)
    ax.set_ylabel(spec.unit, fontsize=9)
    ax.grid(axis="y", color="#e7e1ec", linewidth=0.8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    out = io.BytesIO()
    # No "Software" metadata: the same data gives the same bytes whatever matplotlib's version.
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def render_events(points: Sequence[tuple[int, int]], *, title: str) -> Chart:
    """Counts over time, `points` as (unix seconds, count) oldest first, drawn as a PNG.

    Args:
        points: the buckets, e.g. Sentry's project stats or an issue's `stats["24h"]`.
        title: the chart's title, also the start of its alt text and its file name.
    """
    return render(ChartSpec.events(points, title=title))
