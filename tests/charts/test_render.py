"""Charts as PNG: what the image holds, what its alt text says, and that only drawing loads matplotlib."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from bot.charts import ALT_MAX, DPI, HEIGHT_IN, WIDTH_IN, ChartSpec, Series, describe, render, render_events

HOUR = 3600
START = 1_764_633_600  # 2025-12-02 00:00 UTC

DAY = [(START + i * HOUR, (i * 37) % 50) for i in range(24)]


def pixels(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_a_chart_of_a_day_is_a_png_of_the_promised_size_with_more_than_one_colour():
    chart = render_events(DAY, title="Received events · web")

    image = pixels(chart.png)
    assert image.format == "PNG"
    assert image.size == (int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI))
    colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 2  # None: more colours than counted, far from one
    assert chart.filename == "received-events-web.png"


def test_the_alt_text_gives_the_window_the_total_and_the_peak():
    points = [(START, 3), (START + HOUR, 12), (START + 2 * HOUR, 5)]
    alt = render_events(points, title="Received events · web").alt
    assert alt == (
        "Chart: Received events · web, 2025-12-02 00:00 UTC to 2025-12-02 02:00 UTC, 3 points: "
        "total 20 events, peak 12 at 2025-12-02 01:00 UTC."
    )


def test_no_data_still_draws_an_image_and_says_so():
    chart = render_events([], title="Received events · web")
    assert pixels(chart.png).size == (int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI))
    assert chart.alt == "Chart: Received events · web: no data."


def test_several_series_are_described_each_and_drawn_with_a_legend():
    spec = ChartSpec(
        "Usage · sum(quantity)",
        (Series("error", ((START, 10), (START + HOUR, 30))), Series("transaction", ((START, 5), (START + HOUR, 1)))),
    )
    chart = render(spec)
    assert "error: total 40 events, peak 30" in chart.alt
    assert "transaction: total 6 events, peak 5" in chart.alt
    assert len(pixels(chart.png).convert("RGB").getcolors(maxcolors=1 << 16) or range(99)) > 3


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.text(min_size=1, max_size=40), st.integers(0, 10**9)), min_size=1, max_size=60))
def test_the_alt_text_always_fits_slacks_1000_characters(named):
    spec = ChartSpec("t", tuple(Series(label, ((START, value),)) for label, value in named))
    assert len(describe(spec)) <= ALT_MAX


def test_importing_the_bot_and_answering_commands_does_not_load_matplotlib(tmp_path):
    # A fresh interpreter: this test process has drawn charts already.
    script = textwrap.dedent(
        """
        import asyncio, json, sys
        from bot.console import open_console
        from bot.settings import Settings
        import bot.wiring, bot.slack.app, bot.slack.files, bot.charts  # noqa: F401

        async def main():
            settings = Settings(_env_file=None, sentry_auth_token="x", sentry_org="acme")
            import io
            out = io.StringIO()
            async with open_console(settings, demo=True, out=out) as console:
                for line in ("stats web", "issue stats WEB-1", "usage", "help"):
                    await console.handle(line)
            return out.getvalue()

        text = asyncio.run(main())
        print(json.dumps({"loaded": sorted(m for m in sys.modules if m.split(".")[0] == "matplotlib"), "text": text}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "Received events" in result["text"]  # the commands did run
    assert result["loaded"] == []


def test_the_chart_benchmark_runs_and_reports_size_time_and_rss():
    run = subprocess.run(
        [sys.executable, "-m", "bench.charts", "--reps", "1"],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stderr.strip().splitlines()[-1])
    assert result["rss_added_kib"] > 0
    assert [row["chart"] for row in result["charts"]] == [
        "stats 24h hourly",
        "stats 7d daily",
        "usage by outcome (8 series)",
    ]
    assert all(row["png_bytes"] > 1000 and row["median_ms"] > 0 for row in result["charts"])
