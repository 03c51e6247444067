"""Issue lists (`issues`, `mine`, `unassigned`): what each row says, its menu, and Slack's limits at any size."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sentry.models import Assignee, IssueSummary
from bot.views.issue_list import OWN_ROWS, IssueListing, issue_list
from bot.views.routing import Action, decode
from tests.fakes.slack_api import block_kit_errors
from tests.views.builders import NOW, issue, page
from tests.views.limits import assert_within_limits
from tests.views.read import sections, visible_text


def summary(**overrides: Any) -> IssueSummary:
    return IssueSummary(**issue(**overrides).model_dump())


def listing(issues: list[IssueSummary], *, cursor: str | None = None, **overrides: Any) -> IssueListing:
    fields: dict[str, Any] = {
        "title": "Issues",
        "searched": "`is:unresolved` · seen in the last 24h",
        "page": page(issues, cursor),
        "period": "24h",
        "command": "issues web",
        "empty": "No issue matches this search.",
    }
    return IssueListing(**(fields | overrides))


def menus(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b["accessory"] for b in message["blocks"] if b.get("accessory", {}).get("type") == "overflow"]


def test_a_row_says_level_short_id_title_counts_in_the_period_last_seen_and_assignee():
    row = summary(assigned_to=Assignee(type="user", id="5201", name="alice@acme.example"))
    message = issue_list(listing([row], assignees={"5201": "Alice Nguyen <alice@acme.example>"}), now=NOW)
    (text,) = [s for s in sections(message) if "WEB-12A" in s]
    assert text.startswith("🔴 <https://acme.sentry.io/issues/4711/|WEB-12A> *TypeError:")
    assert "error · 1,337 events · 42 users in 24h · last seen 3 hours ago" in text
    assert text.endswith("Alice Nguyen &lt;alice@acme.example&gt;")


def test_teams_and_nobody_are_named_as_on_the_card():
    team = summary(assigned_to=Assignee(type="team", id="1204837", name="frontend"))
    nobody = summary(id="4712", short_id="WEB-12B")
    text = visible_text(issue_list(listing([team, nobody]), now=NOW))
    assert "Team #frontend" in text
    assert "Unassigned" in text


def test_outside_text_is_escaped_and_long_titles_are_shortened():
    row = summary(title="<!channel> " + "x" * 400)
    (text,) = [s for s in sections(issue_list(listing([row]), now=NOW)) if "WEB-12A" in s]
    assert "<!channel>" not in text
    assert "&lt;!channel&gt;" in text
    assert len(text) < 400


def test_each_row_has_a_menu_that_routes_to_its_issue():
    rows = [summary(), summary(id="4712", short_id="WEB-12B", status="resolved")]
    first, second = menus(issue_list(listing(rows), now=NOW))
    assert first["action_id"] == Action.ROW
    assert [decode(o["value"]) for o in first["options"]] == [
        {"do": "open", "issue": "4711"},
        {"do": "resolve", "issue": "4711"},
        {"do": "archive", "issue": "4711"},
        {"do": "assign_me", "issue": "4711"},
    ]
    assert [decode(o["value"])["do"] for o in second["options"]][1] == "unresolve"  # a resolved row reopens


def test_more_runs_the_same_command_from_the_next_cursor():
    message = issue_list(listing([summary()], cursor="0:20:0"), now=NOW)
    (more,) = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert more["action_id"] == Action.MORE
    assert decode(more["value"]) == {"cmd": "issues web", "cursor": "0:20:0"}


def test_no_more_button_on_the_last_page():
    message = issue_list(listing([summary()]), now=NOW)
    assert not [b for b in message["blocks"] if b["type"] == "actions"]


def test_an_empty_list_says_what_was_searched_and_what_to_try():
    message = issue_list(listing([], empty="No issue matches this search. Try:\n• a wider period"), now=NOW)
    text = visible_text(message)
    assert "`is:unresolved` · seen in the last 24h" in text
    assert "a wider period" in text


titles = st.text(min_size=0, max_size=600)


@settings(max_examples=40, deadline=None)
@given(count=st.integers(0, 120), title=titles, more=st.booleans(), command=st.text(max_size=2500))
def test_any_page_size_and_any_titles_fit_slacks_limits(count, title, more, command):
    rows = [
        summary(id=str(5000 + n), short_id=f"WEB-{n}", title=title, last_seen=NOW - timedelta(minutes=n))
        for n in range(count)
    ]
    message = issue_list(listing(rows, cursor="0:100:0" if more else None, command=command), now=NOW)
    assert_within_limits(message)
    assert block_kit_errors(message["blocks"]) == []
    assert len(menus(message)) == min(count, OWN_ROWS)
    shown = visible_text(message)
    # Every row is there, or the message says how many were left out.
    assert all(f"WEB-{n}>" in shown for n in range(count)) or "more rows not shown" in shown
