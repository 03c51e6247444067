"""Sparklines, a project's event counts, and the usage table."""

from __future__ import annotations

import re

import pytest

from bot.views.stats import SPARK_WIDTH, project_stats_card, sparkline, usage_table
from tests.views.builders import EVIL, stat_points, usage
from tests.views.limits import assert_within_limits
from tests.views.read import field, sections, visible_text


@pytest.mark.parametrize(
    ("values", "shape"),
    [
        ([0, 1, 2, 3, 4, 5, 6, 7], "▁▂▃▄▅▆▇█"),
        ([7, 6, 5, 4, 3, 2, 1, 0], "█▇▆▅▄▃▂▁"),
        ([0, 0, 0], "▁▁▁"),
        ([5, 5, 5], "███"),
        ([0, 1, 1000], "▁▂█"),  # a small non-zero count never looks like zero
        ([0.5, 1.0], "▅█"),
    ],
)
def test_sparkline_shapes(values, shape):
    assert sparkline(values) == shape


def test_sparkline_of_nothing_says_so():
    assert sparkline([]) == "no data"


def test_stats_card_shows_total_peak_window_and_buckets():
    counts = [0, 3, 10, 7, 0, 1]
    msg = project_stats_card("web", stat_points(counts), stat="received", resolution="1h")
    assert_within_limits(msg)
    assert sections(msg)[0] == "▁▃█▆▁▂"
    assert field(msg, "Total") == "21"
    assert field(msg, "Peak") == "10 at 2024-04-30 20:00 UTC"
    assert field(msg, "Window") == "2024-04-30 18:00 UTC → 2024-04-30 23:00 UTC"
    assert field(msg, "Buckets") == "6 × 1h"
    assert "Received events · web" in visible_text(msg)


def test_stats_card_without_points_says_no_data():
    msg = project_stats_card("web", [], stat="received", resolution=None)
    assert_within_limits(msg)
    assert sections(msg) == ["no data"]


def test_a_long_series_is_summed_into_a_readable_width():
    msg = project_stats_card("web", stat_points([1] * 10_000, step=10), stat="received", resolution="10s")
    assert_within_limits(msg)
    assert len(sections(msg)[0]) <= SPARK_WIDTH
    assert field(msg, "Total") == "10,000"
    assert field(msg, "Buckets") == "10,000 × 10s"


def _table_parts(msg):
    """The table's rows and its total lines (after the second rule)."""
    table = sections(msg)[0].strip("`\n").splitlines()
    rules = [i for i, line in enumerate(table) if line and set(line) == {"─"}]
    return table[rules[0] + 1 : rules[1]], table[rules[1] + 1 :]


def _table_rows(msg):
    return _table_parts(msg)[0]


def test_usage_table_sorts_by_total_with_thousands_separators():
    stats = usage(
        {
            ("transaction", "accepted"): 99,
            ("error", "accepted"): 1_234_567,
            ("attachment", "rate_limited"): 20_000,
        }
    )
    msg = usage_table(stats, field="sum(quantity)", group_by=["category", "outcome"], period="24h")
    assert_within_limits(msg)
    rows = _table_rows(msg)
    assert [r.split()[0] for r in rows] == ["error", "attachment", "transaction"]
    assert [r.split()[-1] for r in rows] == ["1,234,567", "20,000", "99"]


def test_usage_totals_each_category_in_its_own_unit_never_bytes_plus_events():
    stats = usage(
        {
            ("error", "accepted"): 1_000,
            ("error", "filtered"): 200,
            ("attachment", "accepted"): 7_000_000,
            ("profile_duration", "accepted"): 5_000,
        }
    )
    msg = usage_table(stats, field="sum(quantity)", group_by=["category", "outcome"], period="24h")
    _, totals = _table_parts(msg)
    assert [re.split(r"\s{2,}", line) for line in totals] == [
        ["Total attachment (bytes)", "7,000,000"],
        ["Total profile_duration (ms)", "5,000"],
        ["Total error", "1,200"],
    ]
    assert (
        msg["text"] == "Usage · sum(quantity): attachment (bytes) 7,000,000 · profile_duration (ms) 5,000 · error 1,200"
    )


def test_usage_by_project_totals_per_category():
    stats = usage({("web", "error"): 10, ("api", "error"): 5, ("web", "attachment"): 900}, keys=("project", "category"))
    msg = usage_table(stats, field="sum(quantity)", group_by=["project", "category"], period=None)
    _, totals = _table_parts(msg)
    assert [line.split() for line in totals] == [["Total", "attachment", "(bytes)", "900"], ["Total", "error", "15"]]


def test_usage_table_columns_are_aligned():
    stats = usage({("error", "accepted"): 1_234_567, ("transaction", "filtered"): 5})
    rows = _table_rows(usage_table(stats, field="sum(quantity)", group_by=["category", "outcome"], period=None))
    assert len({len(r) for r in rows}) == 1
    assert len({r.index(r.split()[1]) for r in rows}) == 1


def test_usage_table_shows_its_window():
    msg = usage_table(
        usage({("error", "accepted"): 1}), field="sum(quantity)", group_by=["category", "outcome"], period="24h"
    )
    assert "2024-04-30 12:00 UTC – 2024-05-01 12:00 UTC · 24h" in visible_text(msg)


def test_usage_table_of_500_rows_fits_one_section_and_says_how_many_are_left_out():
    stats = usage({(f"project-{i:03}",): i for i in range(500)}, keys=("project",))
    msg = usage_table(stats, field="sum(quantity)", group_by=["project"], period="14d")
    assert_within_limits(msg)
    table = sections(msg)[0]
    hidden = int(re.search(r"… ([\d,]+) more rows not shown", table).group(1).replace(",", ""))
    assert len(_table_rows(msg)) - 1 + hidden == 500  # one of the rows is the "more" line
    assert _table_rows(msg)[0].split() == ["project-499", "499"]
    assert "Total" in table


def test_usage_table_escapes_labels_without_breaking_alignment():
    stats = usage({(EVIL,): 10, ("plain",): 5}, keys=("project",))
    msg = usage_table(stats, field="sum(quantity)", group_by=["project"], period=None)
    table = sections(msg)[0]
    assert "<!" not in table
    assert "&amp; co" in table


def test_usage_without_groups_says_so():
    msg = usage_table(usage({}), field="sum(quantity)", group_by=["project"], period="24h")
    assert_within_limits(msg)
    assert sections(msg) == ["No usage recorded in this window."]


def test_usage_by_project_shows_slugs_where_known_and_ids_where_not():
    stats = usage({("4501",): 30, ("4502",): 20, ("9999",): 10}, keys=("project",))
    msg = usage_table(
        stats,
        field="sum(quantity)",
        group_by=["project"],
        period=None,
        names={"project": {"4501": "web", "4502": "api"}},
    )
    assert [row.split()[0] for row in _table_rows(msg)] == ["web", "api", "9999"]
