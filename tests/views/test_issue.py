"""The issue card and the one-line issue."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.sentry.models import Assignee, DiscoverTable, EventDetails, IssueDetails
from bot.views.blocks import esc
from bot.views.issue import CardFacts, issue_card, issue_line, platform_tag, tag_tops
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


# --- what a triager reads first (issue 13) ------------------------------------------------------


def details(**overrides):
    """Issue details as Sentry sends them, shaped by the model's own aliases."""
    base = issue().model_dump(by_alias=True, mode="json")
    extra = {
        "priority": "high",
        "platform": "javascript",
        "firstRelease": {"version": "web@2.4.0", "shortVersion": "2.4.0"},
        "lastRelease": {"version": "web@2.4.1", "shortVersion": "2.4.1"},
        "stats": {
            "24h": [[1714546800 + 3600 * h, h % 5] for h in range(24)],
            "30d": [[1711929600 + 86400 * d, d] for d in range(30)],
        },
        "sentryAppIssues": [
            {
                "id": "1",
                "issueId": "4711",
                "serviceType": "tracker",
                "displayName": "SHOP#1500",
                "webUrl": "https://t.example/1500",
            }
        ],
        "integrationIssues": [{"id": "2", "key": "ENG-42", "url": "https://linear.app/acme/issue/ENG-42"}],
    }
    return IssueDetails.model_validate({**base, **extra, **overrides})


def latest(*, exc_type="TypeError", value="x is undefined", frames=None):
    frames = (
        frames
        if frames is not None
        else [
            {"filename": "node_modules/react-dom.js", "function": "render", "lineNo": 9, "inApp": False},
            {"filename": "app/pages/Cart.tsx", "function": "CartPage", "lineNo": 41, "inApp": True},
            {"filename": "app/components/Cart.tsx", "function": "renderCart", "lineNo": 27, "inApp": True},
        ]
    )
    entry = {
        "type": "exception",
        "data": {"values": [{"type": exc_type, "value": value, "stacktrace": {"frames": frames}}]},
    }
    return EventDetails.model_validate({"eventID": "a" * 32, "entries": [entry]})


KEYS = ("release", "environment", "browser.name")


def counts(*rows):
    return DiscoverTable(data=[dict(zip((*KEYS, "count()"), row, strict=True)) for row in rows])


def facts(**overrides):
    fields = {
        "event": latest(),
        "tag_counts": counts(("web@2.4.1", "production", "Chrome", 30), ("web@2.4.0", "staging", "Firefox", 10)),
        "tag_keys": KEYS,
    }
    return CardFacts(**{**fields, **overrides})


def test_the_full_card_shows_priority_releases_exception_frames_tags_sparklines_and_tickets():
    msg = issue_card(details(), now=NOW, facts=facts())
    assert_within_limits(msg)
    text = visible_text(msg)
    assert field(msg, "Priority") == "🔺 High"
    assert field(msg, "Releases") == "2.4.0 → 2.4.1"
    assert (
        "*TypeError*: x is undefined\n`app/components/Cart.tsx:27` in `renderCart`\n`app/pages/Cart.tsx:41` in `CartPage`"
        in text
    )
    assert "react-dom" not in text  # not the app's own code
    assert field(msg, "Top releases") == "web@2.4.1 · 75%\nweb@2.4.0 · 25%"
    assert field(msg, "Environments") == "production · 75%\nstaging · 25%"
    assert field(msg, "Browsers") == "Chrome · 75%\nFirefox · 25%"
    assert "Events · 24 h `" in text
    assert " · 14 d `▅▅▅▆▆▆▆▇▇▇▇███` 315" in text  # the last 14 of the 30 daily buckets
    assert "<https://t.example/1500|SHOP#1500>, <https://linear.app/acme/issue/ENG-42|ENG-42>" in text


def test_a_plain_issue_card_is_what_it_was():
    # Places holding only an Issue (tests, older snapshots) still get the card they had.
    msg = issue_card(issue(), now=NOW)
    assert "Releases" not in visible_text(msg) and "Tickets" not in visible_text(msg)


def test_an_event_without_in_app_frames_says_so():
    msg = issue_card(details(), now=NOW, facts=facts(event=latest(frames=[{"filename": "lib.js", "inApp": False}])))
    assert "No in-app frames in the latest event." in visible_text(msg)


def test_outside_text_in_the_event_tags_and_tickets_renders_inert():
    evil_frames = [{"filename": EVIL + "`", "function": EVIL, "lineNo": 1, "inApp": True}]
    tickets = [{"id": "1", "issueId": "4711", "serviceType": "t", "displayName": EVIL, "webUrl": "https://t.example/1"}]
    msg = issue_card(
        details(sentryAppIssues=tickets, firstRelease={"version": EVIL}, integrationIssues=[]),
        now=NOW,
        facts=facts(
            event=latest(exc_type=EVIL, value=EVIL, frames=evil_frames), tag_counts=counts((EVIL, EVIL, EVIL, 3))
        ),
    )
    assert_inert(msg)


def test_a_huge_event_and_many_values_stay_within_slacks_limits():
    frames = [{"filename": "f" * 5000, "function": "g" * 5000, "lineNo": n, "inApp": True} for n in range(200)]
    many = counts(*((f"r{n}" * 100, f"e{n}" * 100, f"b{n}" * 100, n + 1) for n in range(100)))
    tickets = [
        {
            "id": str(n),
            "issueId": "4711",
            "serviceType": "t",
            "displayName": "T" * 500,
            "webUrl": f"https://t.example/{n}/" + "x" * 500,
        }
        for n in range(50)
    ]
    msg = issue_card(
        details(title="A" * 10_000, sentryAppIssues=tickets),
        now=NOW,
        facts=facts(event=latest(exc_type="E" * 5000, value="v" * 50_000, frames=frames), tag_counts=many),
    )
    assert_within_limits(msg)
    tickets = next(b for b in msg["blocks"] if "Tickets" in str(b))["elements"][0]["text"]
    assert tickets.startswith("🎫 Tickets (51): <https://t.example/")
    assert tickets.endswith(">…")  # whole links only, then the sign that more were left out


@pytest.mark.parametrize(
    ("platform", "key"),
    [
        ("javascript", "browser.name"),
        ("javascript-react", "browser.name"),
        ("python", "os.name"),
        ("cocoa", "os.name"),
        (None, "os.name"),
    ],
)
def test_the_platform_decides_browser_or_os(platform, key):
    assert platform_tag(platform) == key


rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d", "", None]),
        st.sampled_from(["prod", "dev"]),
        st.sampled_from(["x"]),
        st.integers(0, 10_000),
    ),
    max_size=30,
)


@given(rows)
def test_tag_tops_are_the_biggest_values_with_shares_that_add_up(table):
    tops = tag_tops(counts(*table), KEYS, limit=3)
    for values in tops.values():
        shares = [share for _, share in values]
        assert shares == sorted(shares, reverse=True)
        assert 0 < sum(shares) <= 1 + 1e-9
        assert len(values) <= 3
    if tops:
        # Every counted event has one value of each key, so all of a key's values share the whole.
        assert abs(sum(share for _, share in tag_tops(counts(*table), KEYS, limit=100)["environment"]) - 1) < 1e-9


def test_a_ticket_linked_twice_shows_once_and_annotations_count():
    # Sentry lists a tracker's link in `annotations` and, with `expand`, in `integrationIssues` too.
    url = "https://linear.app/acme/issue/ENG-42"
    msg = issue_card(details(annotations=[{"displayName": "ENG-42", "url": url}]), now=NOW, facts=facts())
    tickets = next(b for b in msg["blocks"] if "Tickets" in str(b))["elements"][0]["text"]
    assert tickets == f"🎫 Tickets (2): <{url}|ENG-42>, <https://t.example/1500|SHOP#1500>"
