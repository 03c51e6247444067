"""The issue card and the one-line issue."""

from __future__ import annotations

import pytest

from bot.sentry.models import Assignee
from bot.views.blocks import esc
from bot.views.issue import issue_card, issue_line
from bot.views.routing import Action, decode
from tests.views.builders import EVIL, NOW, issue
from tests.views.limits import assert_within_limits
from tests.views.read import assert_inert, button, field, sections, visible_text


def test_card_shows_what_triage_needs():
    msg = issue_card(issue(), now=NOW)
    assert_within_limits(msg)
    assert "TypeError: Cannot read properties of undefined (reading 'id')" in sections(msg)[0]
    assert "<https://acme.sentry.io/issues/4711/|WEB-12A>" in sections(msg)[0]
    assert "`app/components/Cart.tsx in renderCart`" in visible_text(msg)
    assert field(msg, "Level") == "🔴 error"
    assert field(msg, "Status") == "Unresolved (ongoing)"
    assert field(msg, "Project") == "web"
    assert field(msg, "Events") == "1,337"
    assert field(msg, "Users") == "42"
    assert field(msg, "First seen") == "3 days ago"
    assert field(msg, "Last seen") == "3 hours ago"
    assert field(msg, "Assignee") == "Unassigned"


def test_card_carries_the_issue_buttons_routed_to_the_issue():
    msg = issue_card(issue(), now=NOW)
    resolve = button(msg, Action.RESOLVE)
    assert resolve is not None
    assert decode(resolve["value"]) == {"issue": "4711"}
    open_in_sentry = button(msg, Action.OPEN)
    assert open_in_sentry is not None
    assert open_in_sentry["url"] == "https://acme.sentry.io/issues/4711/"


def test_a_resolved_issue_offers_unresolve():
    msg = issue_card(issue(status="resolved", substatus=None), now=NOW)
    assert button(msg, Action.RESOLVE) is None
    assert button(msg, Action.UNRESOLVE) is not None


@pytest.mark.parametrize(
    ("status", "substatus", "details", "words"),
    [
        ("resolved", None, {"inNextRelease": True}, "Resolved in next release"),
        ("resolved", None, {"inRelease": "web@2.4.1"}, "Resolved in release web@2.4.1"),
        ("resolved", None, {"inCommit": {"id": "acbafc639127fd89"}}, "Resolved in commit acbafc6"),
        ("ignored", "archived_until_escalating", {}, "Archived until escalating"),
        ("ignored", "archived_until_condition_met", {"ignoreCount": 1000}, "Archived until 1,000 more events"),
        ("ignored", "archived_forever", {}, "Archived forever"),
        ("unresolved", "regressed", {}, "Unresolved (regressed)"),
    ],
)
def test_status_is_said_in_words(status, substatus, details, words):
    msg = issue_card(issue(status=status, substatus=substatus, status_details=details), now=NOW)
    assert field(msg, "Status") == words


def test_level_has_an_emoji():
    assert field(issue_card(issue(level="warning"), now=NOW), "Level") == "🟠 warning"
    assert field(issue_card(issue(level="fatal"), now=NOW), "Level") == "🟥 fatal"


def test_assignee_user_and_team():
    user = issue(assigned_to=Assignee(type="user", id="1", name="Alice", email="alice@acme.example"))
    team = issue(assigned_to=Assignee(type="team", id="2", name="backend"))
    assert field(issue_card(user, now=NOW), "Assignee") == "Alice"
    assert field(issue_card(team, now=NOW), "Assignee") == "Team #backend"


@pytest.mark.parametrize(
    ("changed_by", "shown"),
    [
        ("U024BE7LH", "Resolved by <@U024BE7LH>"),
        ("<@U024BE7LH>", "Resolved by <@U024BE7LH>"),
        ("<!channel> Bob", "Resolved by &lt;!channel&gt; Bob"),
    ],
)
def test_changed_by_says_who_changed_it(changed_by, shown):
    msg = issue_card(issue(status="resolved"), now=NOW, changed_by=changed_by)
    assert shown in visible_text(msg)


def test_a_note_says_what_changed():
    msg = issue_card(issue(), now=NOW, changed_by="U024BE7LH", note="Assigned to team:backend")
    assert "Assigned to team:backend by <@U024BE7LH>" in visible_text(msg)


def test_no_change_line_without_changed_by_or_note():
    assert " by " not in visible_text(issue_card(issue(), now=NOW))


def test_outside_text_renders_inert():
    # The note is mrkdwn its caller composed, with outside text escaped (as `notice` takes it).
    msg = issue_card(issue(title=EVIL, culprit=EVIL, project=None), now=NOW, note=esc(EVIL))
    assert_inert(msg)


def test_a_10000_character_title_stays_within_limits():
    msg = issue_card(issue(title="A" * 10_000, culprit="c" * 10_000), now=NOW)
    assert_within_limits(msg)
    assert "…" in sections(msg)[0]


def test_missing_facts_show_as_dashes():
    bare = issue(culprit=None, level=None, count=None, user_count=None, first_seen=None, last_seen=None, project=None)
    msg = issue_card(bare, now=NOW)
    assert_within_limits(msg)
    assert field(msg, "Events") == "—"
    assert field(msg, "First seen") == "—"


def test_issue_line_links_the_short_id_and_counts_events():
    line = issue_line(issue())
    assert line.startswith("<https://acme.sentry.io/issues/4711/|WEB-12A> TypeError")
    assert line.endswith("· 1,337 events")


def test_issue_line_escapes_the_title():
    line = issue_line(issue(title=EVIL))
    assert "<!" not in line
    assert "&amp; co" in line


def test_the_change_line_shows_a_mention_as_slack_renders_it_and_escapes_names_once():
    msg = issue_card(issue(), now=NOW, changed_by="U123", note=f"assigned to <@U456> and {esc('R&D <team>')}")
    text = visible_text(msg)
    assert "assigned to <@U456> and R&amp;D &lt;team&gt; by <@U123>" in text
    assert "&amp;amp;" not in text and "&lt;@U456&gt;" not in text
