"""The issue modals and the assignee type-ahead."""

from __future__ import annotations

import pytest

from bot.views import modals
from bot.views.modals import archive_modal, assign_modal, assign_options, link_modal, resolve_modal
from bot.views.routing import Action, Callback, decode, encode
from tests.views.builders import EVIL, invited, member, team
from tests.views.limits import assert_within_limits
from tests.views.read import visible_text

METADATA = encode(issue="4711", channel="C123", ts="1714560000.000100")


def _input(view, block_id):
    return next(block for block in view["blocks"] if block.get("block_id") == block_id)


def _option_values(element):
    return [option["value"] for option in element["options"]]


def test_resolve_modal_offers_now_or_next_release():
    view = resolve_modal("4711", short_id="WEB-12A", metadata=METADATA)
    assert_within_limits(view)
    assert view["callback_id"] == Callback.RESOLVE
    assert decode(view["private_metadata"]) == decode(METADATA)
    element = _input(view, modals.RESOLVE_BLOCK)["element"]
    assert element["action_id"] == modals.RESOLVE_ACTION
    assert _option_values(element) == [modals.RESOLVE_NOW, modals.RESOLVE_NEXT_RELEASE]
    assert "Issue *WEB-12A*" in visible_text(view)


def test_archive_modal_offers_escalating_forever_and_counts():
    view = archive_modal("4711", short_id="WEB-12A", metadata=METADATA)
    assert_within_limits(view)
    assert view["callback_id"] == Callback.ARCHIVE
    element = _input(view, modals.ARCHIVE_BLOCK)["element"]
    assert element["action_id"] == modals.ARCHIVE_ACTION
    assert _option_values(element) == ["until_escalating", "forever", "count:10", "count:100", "count:1000"]
    assert [o["text"]["text"] for o in element["options"]][-1] == "Until 1,000 more events"


def test_link_modal_requires_a_url_and_makes_the_identifier_optional():
    view = link_modal("4711", short_id=None, metadata=METADATA)
    assert_within_limits(view)
    assert view["callback_id"] == Callback.LINK
    url = _input(view, modals.LINK_URL_BLOCK)
    identifier = _input(view, modals.LINK_IDENTIFIER_BLOCK)
    assert url["element"] == {"type": "url_text_input", "action_id": modals.LINK_URL_ACTION}
    assert not url.get("optional")
    assert identifier["optional"] is True
    assert identifier["element"]["action_id"] == modals.LINK_IDENTIFIER_ACTION
    assert "Issue *4711*" in visible_text(view)


def test_assign_modal_is_a_type_ahead_of_members_and_teams():
    view = assign_modal("4711", short_id="WEB-12A", metadata=METADATA)
    assert_within_limits(view)
    assert view["callback_id"] == Callback.ASSIGN == "modal.assign"
    select = _input(view, modals.ASSIGN_BLOCK)["element"]
    assert select["type"] == "external_select"
    assert select["action_id"] == modals.ASSIGN_ACTION == Action.ASSIGN
    assert select["min_query_length"] == 0


def test_modals_escape_the_issue_reference():
    view = resolve_modal("4711", short_id=EVIL, metadata=METADATA)
    assert "<!" not in visible_text(view)


def test_too_much_metadata_is_refused_rather_than_cut():
    with pytest.raises(ValueError, match="private_metadata"):
        resolve_modal("4711", short_id=None, metadata="x" * 3001)


MEMBERS = [member("alice@acme.example"), member("bob@acme.example", id="2", user=None), invited("carol@acme.example")]
TEAMS = [team("backend"), team("frontend")]


def test_assign_options_list_unassign_members_then_teams():
    alice = member("alice@acme.example")
    options = assign_options([alice], TEAMS, "")
    assert [o["value"] for o in options] == ["none", "user:280094367316", "team:t-backend", "team:t-frontend"]
    assert [o["text"]["text"] for o in options] == ["Unassign", "Alice (alice@acme.example)", "#backend", "#frontend"]


def test_assign_options_skip_members_who_cannot_be_assigned_yet():
    values = [o["value"] for o in assign_options(MEMBERS, [], "")]
    assert values == ["none", "user:280094367316"]


def test_assign_options_filter_by_the_query():
    options = assign_options([member("alice@acme.example"), member("dave@acme.example")], TEAMS, "FRONT")
    assert [o["value"] for o in options] == ["team:t-frontend"]
    by_email = assign_options([member("alice@acme.example"), member("dave@acme.example")], TEAMS, "dave@")
    assert [o["text"]["text"] for o in by_email] == ["Dave (dave@acme.example)"]


def test_assign_options_are_capped_and_short():
    many = [member(f"{'x' * 90}{i}@acme.example") for i in range(300)]
    options = assign_options(many, TEAMS, "")
    assert len(options) == 100
    assert max(len(o["text"]["text"]) for o in options) <= 75


def test_assign_option_labels_are_escaped():
    options = assign_options([member("eve@acme.example", name=EVIL)], [], "")
    assert all("<!" not in o["text"]["text"] for o in options)
