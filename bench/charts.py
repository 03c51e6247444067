"""`python -m bench.charts`: what a chart costs. PNG size, time to render, RSS matplotlib adds.

    .venv/bin/python -m bench.charts            # 20 renders of each chart (a few seconds)
    .venv/bin/python -m bench.charts --reps 2   # a smoke run

Runs in its own process so that the RSS before matplotlib is loaded is the bot's alone: it imports
the bot's modules (the Slack app, the console, the commands) first, then reads VmRSS, draws one chart
(which imports matplotlib), reads VmRSS again, and then times `--reps` renders of each chart.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from bot.charts import ChartSpec, Series, render

HOUR, DAY = 3600, 86400
START = 1_764_633_600  # 2025-12-02 00:00 UTC


def _wave(n: int, step: int, scale: int) -> tuple[tuple[int, float], ...]:
    return tuple((START + i * step, float((i * 37) % 50 * scale + (9 * scale if i % 11 == 3 else 0))) for i in range(n))


# The charts the bot draws: stats over a day (25 hourly buckets, as Sentry answers `--since 24h`),
# stats over a week (daily), and usage grouped by outcome (8 lines over 25 hours).
CASES = {
    "stats 24h hourly": ChartSpec.events(_wave(25, HOUR, 3), title="Received events · web"),
    "stats 7d daily": ChartSpec.events(_wave(8, DAY, 100), title="Received events · api"),
    "usage by outcome (8 series)": ChartSpec(
        "Usage · sum(quantity)",
        tuple(Series(f"outcome {k} · error", _wave(25, HOUR, k + 1)) for k in range(8)),
        unit="sum(quantity)",
    ),
}


def rss_kib() -> int:
    """The process's resident set size (VmRSS in /proc/self/status), KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20, help="renders of each chart (median reported)")
    args = parser.parse_args(argv)

    import bot.console
    import bot.slack.app
    import bot.wiring  # noqa: F401  (the bot as it runs, before any chart)

    assert not any(m.split(".")[0] == "matplotlib" for m in sys.modules), "matplotlib loaded before a chart"
    before = rss_kib()
    started = time.perf_counter()
    render(CASES["stats 24h hourly"])
    first = time.perf_counter() - started
    after = rss_kib()

    rows = []
    for name, spec in CASES.items():
        times, size = [], 0
        for _ in range(args.reps):
            t0 = time.perf_counter()
            size = len(render(spec).png)
            times.append(time.perf_counter() - t0)
        rows.append(
            {
                "chart": name,
                "png_bytes": size,
                "median_ms": statistics.median(times) * 1000,
                "min_ms": min(times) * 1000,
                "max_ms": max(times) * 1000,
                "reps": args.reps,
            }
        )
    result = {
        "rss_before_kib": before,
        "rss_after_first_chart_kib": after,
        "rss_added_kib": after - before,
        "first_chart_ms": first * 1000,
        "charts": rows,
    }
    print(
        f"RSS before matplotlib {before / 1024:.1f} MiB, after the first chart {after / 1024:.1f} MiB "
        f"(+{(after - before) / 1024:.1f} MiB); first chart (import included) {first * 1000:.0f} ms"
    )
    print(f"{'chart':<30} {'PNG bytes':>10} {'median ms':>10} {'min–max ms':>14}")
    for row in rows:
        spread = f"{row['min_ms']:.1f}–{row['max_ms']:.1f}"
        print(f"{row['chart']:<30} {row['png_bytes']:>10,} {row['median_ms']:>10.1f} {spread:>14}")
    print(json.dumps(result), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
