"""What a mute is: the durations people may type, and which alerts a mute covers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.alerts.models import Alert, EventKind
from bot.mutes import Mute, MuteKind, duration_seconds
from bot.mutes.models import MAX_SECONDS

UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}


@given(st.integers(min_value=1, max_value=10_080), st.sampled_from(sorted(UNITS)))
def test_a_count_of_minutes_hours_days_or_weeks_up_to_a_week_is_a_duration(n: int, unit: str) -> None:
    seconds = n * UNITS[unit]
    if seconds <= MAX_SECONDS:
        assert duration_seconds(f"{n}{unit}") == duration_seconds(f" {n}{unit.upper()} ") == seconds
    else:
        with pytest.raises(ValueError, match=r"at most 1w"):
            duration_seconds(f"{n}{unit}")


@given(st.text(max_size=12).filter(lambda s: not s.strip().lower().rstrip("mhdw").isdigit()))
def test_anything_else_says_what_to_type(raw: str) -> None:
    with pytest.raises(ValueError, match=r"a duration like 30m, 4h, 1d or 1w"):
        duration_seconds(raw)


@pytest.mark.parametrize("raw", ["0m", "0w", "8d", "1y", "-1h", "1.5h", "4 h"])
def test_the_edges_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match=r"is not a duration like"):
        duration_seconds(raw)


def mute(kind: MuteKind, target: str) -> Mute:
    return Mute(
        id=1, channel_id="C1", kind=kind, target=target, label=target, muted_by="U1", created_at=0.0, until=60.0
    )


def test_an_issue_mute_covers_that_issue_and_a_project_mute_every_alert_of_the_project() -> None:
    web_1 = Alert(kind=EventKind.ALERT, key="issue:1", title="x", issue_id="1", projects=("web",))
    web_2 = Alert(kind=EventKind.ALERT, key="issue:2", title="y", issue_id="2", projects=("web",))
    metric = Alert(kind=EventKind.METRIC, key="metric:9", title="p95", projects=("api", "web"))
    assert [mute(MuteKind.ISSUE, "1").covers(a) for a in (web_1, web_2, metric)] == [True, False, False]
    assert [mute(MuteKind.PROJECT, "web").covers(a) for a in (web_1, web_2, metric)] == [True, True, True]
    assert not mute(MuteKind.PROJECT, "api").covers(web_1)


def test_a_mute_is_on_until_it_ends_or_its_time_passes() -> None:
    on = mute(MuteKind.ISSUE, "1")
    assert on.active(59.9) and not on.active(60.0)
    assert not on.model_copy(update={"ended_at": 10.0}).active(20.0)
