"""The report message: one message within Slack's limits whatever Sentry returns, each issue
actionable once, and a plain sentence when a project had nothing."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reports.models import ReportContent, ReportIssue
from bot.reports.schedule import Cadence
from bot.views.blocks import ELLIPSIS
from bot.views.issue_actions import issue_action_buttons
from bot.views.report import change, report_message, sparkline
from tests.views.limits import assert_within_limits

START = 1_806_134_400.0  # Sat 27 Mar 2027 09:00 Berlin
DAY = 86_400.0

issues = st.builds(
    ReportIssue,
    id=st.integers(1, 40).map(str),  # few ids: the same issue often shows in several sections
    short_id=st.from_regex(r"[A-Z]{2,8}-[0-9A-Z]{1,4}", fullmatch=True),
    title=st.text(min_size=0, max_size=400),
    permalink=st.just("https://acme.sentry.io/issues/1/"),
    level=st.sampled_from(["fatal", "error", "warning", "info", None]),
    status=st.sampled_from(["unresolved", "resolved", "ignored"]),
    count=st.integers(0, 10**9),
    users=st.one_of(st.none(), st.integers(0, 10**7)),
)
top = st.lists(issues, max_size=5)

contents = st.builds(
    ReportContent,
    report_id=st.integers(1, 10**6),
    project=st.one_of(st.none(), st.from_regex(r"[a-z][a-z0-9-]{0,99}", fullmatch=True)),
    cadence=st.sampled_from(list(Cadence)),
    tz=st.sampled_from(["Europe/Berlin", "UTC", "Asia/Kolkata", "America/St_Johns"]),
    start=st.just(START),
    end=st.just(START + 7 * DAY),
    events=st.integers(0, 10**10),
    events_before=st.integers(0, 10**10),
    users=st.integers(0, 10**8),
    users_before=st.integers(0, 10**8),
    new_count=st.integers(0, 100),
    new_more=st.booleans(),
    new_top=top,
    regressions=top,
    frequent=top,
    resolved=top,
    series=st.lists(st.tuples(st.integers(0, 2**31), st.integers(0, 10**9)), max_size=28),
    late=st.booleans(),
)


@settings(max_examples=100, deadline=None)
@given(contents)
def test_a_report_is_one_message_within_slacks_limits_with_nothing_cut(content: ReportContent) -> None:
    message = report_message(content)
    assert_within_limits(message)
    assert len(message["blocks"]) <= 49
    assert f"{ELLIPSIS} " not in json.dumps(message["blocks"][-1]), "blocks were left out"
    block_ids = [b["block_id"] for b in message["blocks"] if "block_id" in b]
    assert len(block_ids) == len(set(block_ids)), "Slack refuses a message with a repeated block_id"


def test_every_listed_issue_gets_the_cards_buttons_once() -> None:
    issue = ReportIssue(
        id="7", short_id="WEB-7", title="TypeError", level="error", permalink="https://acme.sentry.io/issues/7/"
    )
    content = _content(new_top=[issue], frequent=[issue], events=10)
    message = report_message(content)
    actions = [b for b in message["blocks"] if b["type"] == "actions"]
    assert len(actions) == 1
    # The very buttons of the issue's card, routed the same way.
    assert actions[0] == issue_action_buttons("7", status="unresolved", permalink=issue.permalink)
    texts = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section" and "text" in b]
    lines = [text for text in texts if "WEB-7" in text]
    assert lines == ["🔴 <https://acme.sentry.io/issues/7/|WEB-7> TypeError · — events"] * 2


def test_a_project_that_had_nothing_says_so_in_a_sentence() -> None:
    message = report_message(_content(project="jobs"))
    texts = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section" and "text" in b]
    assert texts == ["Nothing happened in jobs this period: no events, no new or regressed issues, nothing resolved."]


def test_the_change_against_the_period_before_is_in_percent() -> None:
    assert [change(112, 100), change(97, 100), change(100, 100), change(5, 0), change(0, 0)] == [
        "▲ 12%",
        "▼ 3%",
        "= 0%",
        "new",
        "= 0%",
    ]


def test_the_sparkline_scales_to_the_busiest_bucket() -> None:
    assert sparkline([0, 1, 2, 4, 8]) == "▁▂▃▅█"
    assert sparkline([0, 0]) == "▁▁"


def _content(**fields: object) -> ReportContent:
    values: dict[str, object] = {
        "report_id": 1,
        "project": "web",
        "cadence": Cadence.DAILY,
        "tz": "Europe/Berlin",
        "start": START,
        "end": START + DAY,
        "events": 0,
        "events_before": 0,
        "users": 0,
        "users_before": 0,
        "new_count": 0,
        "new_more": False,
        "new_top": [],
        "regressions": [],
        "frequent": [],
        "resolved": [],
        "series": [],
    }
    return ReportContent.model_validate(values | fields)
