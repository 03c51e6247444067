"""The Home tab view: what a linked member, an unlinked person and an admin see, within the Home tab's
limits whatever Sentry and the store hold."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.alerts.models import Subscription, SubscriptionFilters
from bot.home import HomeState, Part
from bot.identity import Who
from bot.mutes.models import Mute, MuteKind
from bot.reports.models import Report
from bot.reports.schedule import Cadence
from bot.views.home import home_view
from bot.views.routing import Action
from tests.fakes.slack_api import block_kit_errors
from tests.views.builders import EVIL, NOW, issue, member
from tests.views.limits import assert_within_limits
from tests.views.read import button, visible_text

DAVE = Who(user_id="UDAVE", email="dave@acme.example", member=member("dave@acme.example"), bot_admin=False)
STRANGER = Who(user_id="USTRANGER", email="stranger@elsewhere.example", member=None, bot_admin=False)


def subscription(channel: str, project: str, **filters: object) -> Subscription:
    return Subscription(
        id=1,
        channel_id=channel,
        project=project,
        filters=SubscriptionFilters(**filters),  # type: ignore[arg-type]
        created_by="UALICE",
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
    )


def report(n: int, channel: str, project: str | None) -> Report:
    return Report(
        id=n,
        channel_id=channel,
        project=project,
        cadence=Cadence.DAILY,
        at_minute=540,
        tz="Europe/Berlin",
        weekday=None,
        next_run=NOW.timestamp() + 3600,
        created_by="UALICE",
    )


def state(who: Who = DAVE, **overrides: object) -> HomeState:
    fields: dict[str, object] = {
        "user_id": who.user_id,
        "who": who,
        "allows": ["read", "write"] if who.member else [],
        "assigned": Part(items=[issue()]) if who.member else None,
        "channels_known": True,
        "subscriptions": Part(items=[subscription("C123", "web", levels=frozenset({"error"}))]),
    }
    return HomeState(**(fields | overrides))  # type: ignore[arg-type]


def test_a_linked_member_sees_their_issues_with_a_link_and_their_channels_alerts():
    view = home_view(state(), now=NOW)
    text = visible_text(view)
    assert view["type"] == "home"
    assert "WEB-12A" in text and "Cannot read properties of undefined" in text
    assert button(view, Action.OPEN)["url"] == "https://acme.sentry.io/issues/4711/"
    assert "<#C123>" in text and "*web*: error" in text
    assert "read, write" in text
    assert button(view, Action.HOME_REFRESH) is not None
    assert "Bot health" not in text  # not an admin


def test_an_unlinked_person_is_told_how_to_get_linked_and_sees_no_issue_list():
    view = home_view(state(STRANGER), now=NOW)
    text = visible_text(view)
    assert "You are not linked to a Sentry member yet" in text
    assert "identity set <@USTRANGER> <your-sentry-email>" in text
    assert "stranger@elsewhere.example" in text
    assert button(view, Action.OPEN) is None


def test_a_channels_mutes_are_listed_under_it_with_who_muted_and_until_when():
    mute = Mute(
        id=1,
        channel_id="C123",
        kind=MuteKind.ISSUE,
        target="4711",
        label="WEB-12A",
        muted_by="UBOB",
        created_at=NOW.timestamp(),
        until=NOW.timestamp() + 4 * 3600,
    )
    text = visible_text(home_view(state(mutes=Part(items=[mute])), now=NOW))
    channel = text.split("<#C123>")[1]
    assert "*web*: error" in channel and "*WEB-12A*: 🔕 Muted by" in channel


def test_nothing_assigned_and_no_subscriptions_say_what_to_do_next():
    view = home_view(state(assigned=Part(items=[]), subscriptions=Part(items=[])), now=NOW)
    text = visible_text(view)
    assert "Nothing unresolved is assigned to you" in text
    assert "subscribe <project>" in text


def test_a_part_that_could_not_be_read_says_so_and_the_rest_still_shows():
    down = Part[object](problem="Your issues: Sentry did not answer (timeout).")
    view = home_view(state(assigned=down), now=NOW)
    text = visible_text(view)
    assert "⚠️ Your issues: Sentry did not answer" in text
    assert "<#C123>" in text


def test_an_admin_sees_the_self_check_summary_with_only_the_problems_spelled_out():
    checks = Part(items=["✅ Sentry organization *acme* reachable", "✅ members", "❌ Alert delivery: token revoked"])
    view = home_view(state(doctor=checks), now=NOW)
    text = visible_text(view)
    assert "✅ 2 of 3 checks fine. Needs a look:" in text
    assert "❌ Alert delivery: token revoked" in text
    assert "members" not in text.split("Bot health")[1]


def test_the_reports_of_the_persons_channels_show_with_their_next_run_and_none_show_nothing():
    with_reports = visible_text(home_view(state(reports=Part(items=[report(3, "C123", "web")])), now=NOW))
    assert "Reports in your channels" in with_reports
    assert "<#C123> *#3* web: daily at 09:00 Europe/Berlin; next " in with_reports
    assert "Reports in your channels" not in visible_text(home_view(state(), now=NOW))


def test_more_assigned_issues_than_shown_point_to_mine():
    view = home_view(state(more_assigned=True), now=NOW)
    assert "mine` lists them all" in visible_text(view)


def test_outside_text_stays_inert_on_the_home_tab():
    evil = state(
        assigned=Part(items=[issue(title=EVIL)]),
        subscriptions=Part(items=[subscription("C123", "web", environments=frozenset({EVIL}))]),
    )
    text = visible_text(home_view(evil, now=NOW))
    assert "<!channel>" not in text and "<https://evil.example" not in text
    assert "&lt;!channel&gt;" in text


_channel = st.from_regex(r"C[A-Z0-9]{8,10}", fullmatch=True)
_project = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,99}", fullmatch=True)
_env = st.text(min_size=1, max_size=64)


@settings(max_examples=40, deadline=None)
@given(
    titles=st.lists(st.text(max_size=400), max_size=30),
    subs=st.lists(st.tuples(_channel, _project, st.frozensets(_env, max_size=8)), max_size=300),
    linked=st.booleans(),
    admin=st.booleans(),
    more=st.booleans(),
    reports=st.lists(st.tuples(_channel, st.one_of(st.none(), _project)), max_size=200),
)
def test_the_home_tab_fits_slacks_limits_whatever_it_holds(titles, subs, linked, admin, more, reports):
    who = DAVE if linked else STRANGER
    checks = Part(items=[f"❌ check {n}: " + "x" * 300 for n in range(12)]) if admin else None
    view = home_view(
        state(
            who,
            assigned=Part(items=[issue(id=str(n), title=t) for n, t in enumerate(titles)]) if linked else None,
            subscriptions=Part(items=[subscription(c, p, environments=e) for c, p, e in subs]),
            doctor=checks,
            more_assigned=more,
            reports=Part(items=[report(n, c, p) for n, (c, p) in enumerate(reports, 1)]),
        ),
        now=NOW,
    )
    assert_within_limits(view)
    assert block_kit_errors(view["blocks"], max_blocks=100) == []
    assert "blocks not shown" not in visible_text(view), "the tab left blocks out instead of fitting its rows"
