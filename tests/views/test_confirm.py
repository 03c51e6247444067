"""The question before an irreversible change."""

from __future__ import annotations

from bot.views.confirm import confirmation
from bot.views.routing import Action, decode, encode
from tests.views.limits import assert_within_limits
from tests.views.read import button, sections


def test_confirmation_says_what_will_happen_and_offers_confirm_and_cancel():
    value = encode(cmd="member remove bob@acme.example")
    msg = confirmation("remove *bob@acme.example* from the organization", value=value)
    assert_within_limits(msg)
    assert sections(msg) == ["⚠️ This will remove *bob@acme.example* from the organization. This cannot be undone."]
    confirm = button(msg, Action.CONFIRM)
    cancel = button(msg, Action.CANCEL)
    assert confirm is not None
    assert cancel is not None
    assert confirm["style"] == "danger"
    assert decode(confirm["value"]) == decode(cancel["value"]) == {"cmd": "member remove bob@acme.example"}


def test_the_summary_is_not_escaped_twice():
    msg = confirmation("delete hook `a&amp;b`", value="{}")
    assert "a&amp;b" in sections(msg)[0]
    assert "&amp;amp;" not in sections(msg)[0]
