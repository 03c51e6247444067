"""Shared pieces: relative times, masking, notices, the More and Share buttons, paged lists."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.views.blocks import esc
from bot.views.common import ago, error_message, list_message, mask, more_button, notice, share_button
from bot.views.routing import Action, decode, encode
from tests.views.builders import EVIL, NOW
from tests.views.limits import assert_within_limits
from tests.views.read import assert_inert, button, sections, visible_text


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(seconds=10), "just now"),
        (timedelta(minutes=1), "1 minute ago"),
        (timedelta(minutes=59), "59 minutes ago"),
        (timedelta(hours=3), "3 hours ago"),
        (timedelta(days=1), "1 day ago"),
        (timedelta(days=45), "1 month ago"),
        (timedelta(days=800), "2 years ago"),
        (-timedelta(days=2), "in 2 days"),
    ],
)
def test_ago_says_how_long_ago_in_words(delta, expected):
    assert ago(NOW - delta, NOW) == expected


def test_ago_of_an_unknown_time_is_a_dash():
    assert ago(None, NOW) == "—"


def test_ago_accepts_a_naive_timestamp_as_utc():
    assert ago(NOW.replace(tzinfo=None) - timedelta(hours=2), NOW) == "2 hours ago"


def test_mask_keeps_only_the_last_four_characters():
    secret = "8fcac28aaa4c4f5fa572b61d40a8e084364db25fd37449c299e5a41c0504cbc2"
    assert mask(secret) == "••••cbc2"


@pytest.mark.parametrize("secret", ["abcdefgh", "hunter2"])
def test_mask_shows_nothing_of_a_short_secret(secret):
    assert mask(secret) == "••••"


@pytest.mark.parametrize("secret", [None, ""])
def test_mask_of_no_secret_is_a_dash(secret):
    assert mask(secret) == "—"


def test_notice_keeps_the_callers_mrkdwn_and_escaped_parts():
    msg = notice(f"✅ <@U024BE7LH> linked to {esc(EVIL)}")
    assert_within_limits(msg)
    assert_inert(msg)
    assert sections(msg)[0].startswith("✅ <@U024BE7LH> linked to &lt;!channel&gt;")


def test_error_message_is_a_warning_with_escaped_text():
    msg = error_message(f"No issue called {EVIL}")
    assert_within_limits(msg)
    assert_inert(msg)
    assert sections(msg)[0].startswith("⚠️ No issue called ")


def test_more_button_carries_the_command_and_the_cursor():
    more = more_button("/sentry projects", "0:100:0")
    assert more is not None
    assert more["action_id"] == Action.MORE
    assert decode(more["value"]) == {"cmd": "/sentry projects", "cursor": "0:100:0"}


def test_no_more_button_without_a_cursor():
    assert more_button("/sentry projects", None) is None


def test_share_button_carries_the_command():
    share = share_button("/sentry members")
    assert share["action_id"] == Action.SHARE
    assert decode(share["value"]) == {"cmd": "/sentry members"}


def test_list_message_shows_the_empty_state_and_no_more_button():
    msg = list_message("Projects", [], command="/sentry projects", cursor=None, empty="No projects yet.")
    assert_within_limits(msg)
    assert sections(msg) == ["No projects yet."]
    assert button(msg, Action.MORE) is None


def test_list_message_puts_at_most_ten_rows_in_a_section():
    rows = [f"• row {i}" for i in range(25)]
    msg = list_message("Rows", rows, command="/sentry rows", cursor=None, empty="none")
    assert [len(s.splitlines()) for s in sections(msg)] == [10, 10, 5]


def test_list_message_of_500_rows_stays_within_limits_and_keeps_more():
    rows = [f"• *project-{i}* · " + "x" * 400 for i in range(500)]
    msg = list_message(
        "Projects", rows, command="/sentry projects", cursor="0:500:0", empty="none", footer="500 projects"
    )
    assert_within_limits(msg)
    more = button(msg, Action.MORE)
    assert more is not None
    assert decode(more["value"])["cursor"] == "0:500:0"
    shown = sum(len(s.splitlines()) for s in sections(msg))
    assert f"… {500 - shown:,} more rows not shown" in visible_text(msg)


def test_list_message_without_a_command_has_no_buttons():
    msg = list_message("Providers", ["• github"], command="", cursor="0:1:0", empty="none")
    assert not any(block["type"] == "actions" for block in msg["blocks"])


def test_list_message_escapes_its_title():
    msg = list_message(f"Tag {EVIL}", ["• a"], command="", cursor=None, empty="none")
    assert_inert(msg)


def test_an_error_that_may_pass_offers_a_retry_of_the_same_command():
    msg = error_message(f"Sentry answered 502 (not JSON): <html>{EVIL}</html>", retry=encode(cmd="org", cursor=None))
    assert_within_limits(msg)
    assert_inert(msg)
    retry = button(msg, Action.RETRY)
    assert retry is not None and decode(retry["value"]) == {"cmd": "org", "cursor": None}
    assert button(error_message("Sentry could not find that"), Action.RETRY) is None


def test_a_command_too_long_for_a_button_gets_no_retry():
    msg = error_message("Sentry is not answering right now", retry=encode(cmd="issues " + "x" * 2000))
    assert_within_limits(msg)
    assert button(msg, Action.RETRY) is None
