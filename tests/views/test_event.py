"""The event card."""

from __future__ import annotations

from bot.views.event import event_card
from tests.views.builders import EVIL, NOW, event_resolution
from tests.views.limits import assert_within_limits
from tests.views.read import assert_inert, field, visible_text


def test_event_card_shows_where_and_when():
    msg = event_card(event_resolution(), now=NOW)
    assert_within_limits(msg)
    text = visible_text(msg)
    assert "Event 9fac2ceed9344f2bbfdd1fdacb0ed9b1" in text
    assert "*ZeroDivisionError: division by zero*" in text
    assert "`billing/invoice.py:42`" in text
    assert field(msg, "Project") == "billing"
    assert field(msg, "Issue") == "`4711` (`/sentry issue 4711`)"
    assert field(msg, "Time") == "20 minutes ago · 2024-05-01 11:40 UTC"
    assert field(msg, "Platform") == "python"
    assert field(msg, "Release") == "2.4.1"
    assert field(msg, "Environment") == "production"


def test_event_tags_other_than_the_fields_are_listed():
    text = visible_text(event_card(event_resolution(), now=NOW))
    assert "`browser: Chrome 124`" in text
    assert "`os: macOS`" in text
    assert "`environment: production`" not in text


def test_an_event_without_an_issue_or_release():
    msg = event_card(event_resolution(group_id=None, release=None, tags={}), now=NOW)
    assert_within_limits(msg)
    assert field(msg, "Issue") == "—"
    assert field(msg, "Release") == "—"


def test_outside_text_renders_inert():
    msg = event_card(event_resolution(title=EVIL, location=EVIL, tags={"browser": EVIL}), now=NOW)
    assert_inert(msg)


def test_many_long_tags_stay_within_limits():
    tags = {f"tag{i}": "v" * 5000 for i in range(200)}
    assert_within_limits(event_card(event_resolution(tags=tags, title="T" * 10_000), now=NOW))
