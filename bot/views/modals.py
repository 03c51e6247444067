"""Modals for the issue buttons (resolve, archive, link, assign) and the assignee type-ahead.

A submission handler reads the answer at `view["state"]["values"][BLOCK][ACTION]`, with the ids
below; they are fixed so the handler and the view cannot drift apart:

    modal    block_id               action_id               element           answer
    resolve  RESOLVE_BLOCK          RESOLVE_ACTION          radio_buttons     selected_option.value: RESOLVE_NOW
                                                                              or RESOLVE_NEXT_RELEASE
    archive  ARCHIVE_BLOCK          ARCHIVE_ACTION          radio_buttons     selected_option.value:
                                                                              ARCHIVE_UNTIL_ESCALATING,
                                                                              ARCHIVE_FOREVER or `count:<n>`
    link     LINK_URL_BLOCK         LINK_URL_ACTION         url_text_input    value (required)
    link     LINK_IDENTIFIER_BLOCK  LINK_IDENTIFIER_ACTION  plain_text_input  value (optional: may be None)
    assign   ASSIGN_BLOCK           ASSIGN_ACTION           external_select   selected_option.value:
                                                                              `user:<id>`, `team:<id>` or `none`

`ASSIGN_ACTION` is `Action.ASSIGN`. `private_metadata` is whatever the caller encoded (the issue id,
the message to update, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.sentry.models import Member, Team
from bot.views import text as t
from bot.views.blocks import LIMITS, Block, esc, guard, section, truncate
from bot.views.routing import Action, Callback

__all__ = [
    "ARCHIVE_ACTION",
    "ARCHIVE_BLOCK",
    "ARCHIVE_COUNTS",
    "ARCHIVE_FOREVER",
    "ARCHIVE_UNTIL_ESCALATING",
    "ASSIGN_ACTION",
    "ASSIGN_BLOCK",
    "ASSIGN_NONE",
    "LINK_IDENTIFIER_ACTION",
    "LINK_IDENTIFIER_BLOCK",
    "LINK_URL_ACTION",
    "LINK_URL_BLOCK",
    "MAX_OPTIONS",
    "RESOLVE_ACTION",
    "RESOLVE_BLOCK",
    "RESOLVE_NEXT_RELEASE",
    "RESOLVE_NOW",
    "View",
    "archive_count_value",
    "archive_modal",
    "assign_modal",
    "assign_options",
    "link_modal",
    "resolve_modal",
]

View = dict[str, Any]

RESOLVE_BLOCK = "resolve.when"
RESOLVE_ACTION = "resolve.when.choice"
RESOLVE_NOW = "now"
RESOLVE_NEXT_RELEASE = "in_next_release"

ARCHIVE_BLOCK = "archive.until"
ARCHIVE_ACTION = "archive.until.choice"
ARCHIVE_UNTIL_ESCALATING = "until_escalating"
ARCHIVE_FOREVER = "forever"
ARCHIVE_COUNTS = (10, 100, 1000)

LINK_URL_BLOCK = "link.url"
LINK_URL_ACTION = "link.url.input"
LINK_IDENTIFIER_BLOCK = "link.identifier"
LINK_IDENTIFIER_ACTION = "link.identifier.input"

ASSIGN_BLOCK = "assign.assignee"
# The select's action id is the Assign button's: Slack's options request (block_suggestion) names it.
ASSIGN_ACTION = str(Action.ASSIGN)
ASSIGN_NONE = "none"
MAX_OPTIONS = 100


def archive_count_value(count: int) -> str:
    """The archive choice "until <count> more events": `count:<count>`."""
    return f"count:{count}"


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": _plain(truncate(label, LIMITS["option_text"])), "value": value}


def _input(block_id: str, label: str, element: Block, *, optional: bool = False) -> Block:
    block: Block = {"type": "input", "block_id": block_id, "label": _plain(label), "element": element}
    if optional:
        block["optional"] = True
    return block


def _radio(action_id: str, options: list[dict[str, Any]]) -> Block:
    return {"type": "radio_buttons", "action_id": action_id, "options": options, "initial_option": options[0]}


def _issue_section(issue_id: str, short_id: str | None) -> Block:
    return section(t.MODAL_ISSUE.format(issue=esc(short_id or issue_id)))


def _modal(callback: Callback, title: str, submit: str, metadata: str, blocks: list[Block]) -> View:
    view: View = {
        "type": "modal",
        "callback_id": str(callback),
        "private_metadata": metadata,
        "title": _plain(title),
        "submit": _plain(submit),
        "close": _plain(t.MODAL_CLOSE),
        "blocks": blocks,
    }
    return guard(view, modal=True)


def resolve_modal(issue_id: str, *, short_id: str | None, metadata: str) -> View:
    """Resolve now, or in the next release."""
    choice = _radio(
        RESOLVE_ACTION,
        [_option(t.RESOLVE_NOW, RESOLVE_NOW), _option(t.RESOLVE_NEXT_RELEASE, RESOLVE_NEXT_RELEASE)],
    )
    blocks = [_issue_section(issue_id, short_id), _input(RESOLVE_BLOCK, t.RESOLVE_TITLE, choice)]
    return _modal(Callback.RESOLVE, t.RESOLVE_TITLE, t.RESOLVE_SUBMIT, metadata, blocks)


def archive_modal(issue_id: str, *, short_id: str | None, metadata: str) -> View:
    """Archive until it escalates, forever, or until 10 / 100 / 1000 more events."""
    options = [
        _option(t.ARCHIVE_ESCALATING, ARCHIVE_UNTIL_ESCALATING),
        _option(t.ARCHIVE_FOREVER, ARCHIVE_FOREVER),
        *(_option(t.ARCHIVE_COUNT.format(n=f"{n:,}"), archive_count_value(n)) for n in ARCHIVE_COUNTS),
    ]
    blocks = [
        _issue_section(issue_id, short_id),
        _input(ARCHIVE_BLOCK, t.ARCHIVE_TITLE, _radio(ARCHIVE_ACTION, options)),
    ]
    return _modal(Callback.ARCHIVE, t.ARCHIVE_TITLE, t.ARCHIVE_SUBMIT, metadata, blocks)


def link_modal(issue_id: str, *, short_id: str | None, metadata: str) -> View:
    """The URL of an external issue (required) and its identifier (optional)."""
    url = {"type": "url_text_input", "action_id": LINK_URL_ACTION}
    identifier = {"type": "plain_text_input", "action_id": LINK_IDENTIFIER_ACTION}
    blocks = [
        _issue_section(issue_id, short_id),
        _input(LINK_URL_BLOCK, t.LINK_URL, url),
        _input(LINK_IDENTIFIER_BLOCK, t.LINK_IDENTIFIER, identifier, optional=True),
    ]
    return _modal(Callback.LINK, t.LINK_TITLE, t.LINK_SUBMIT, metadata, blocks)


def assign_modal(issue_id: str, *, short_id: str | None, metadata: str) -> View:
    """A type-ahead of Sentry members and teams; its options come from `assign_options`."""
    select = {
        "type": "external_select",
        "action_id": ASSIGN_ACTION,
        "min_query_length": 0,
        "placeholder": _plain(t.ASSIGN_PLACEHOLDER),
    }
    blocks = [_issue_section(issue_id, short_id), _input(ASSIGN_BLOCK, t.ASSIGN_LABEL, select)]
    return _modal(Callback.ASSIGN, t.ASSIGN_TITLE, t.ASSIGN_SUBMIT, metadata, blocks)


# --- the assignee type-ahead -------------------------------------------------------------------


def _matches(query: str, *candidates: str | None) -> bool:
    needle = query.strip().lower()
    return not needle or any(needle in c.lower() for c in candidates if c)


def _member_label(member: Member) -> str:
    user = member.user
    name = member.name or (user.name if user else None)
    email = member.email or (user.email if user else None)
    if name and email and name != email:
        return f"{name} ({email})"
    return name or email or member.id


def _member_options(members: Sequence[Member], query: str) -> list[dict[str, Any]]:
    # Only members with a Sentry user can be assigned; pending invites have none yet.
    return [
        _option(esc(_member_label(m)), f"user:{m.user.id}")
        for m in members
        if m.user is not None and _matches(query, m.name, m.email, m.user.name, m.user.email, m.user.username)
    ]


def _team_label(team: Team) -> str:
    same = not team.name or team.name.lower() == team.slug.lower()
    return f"#{team.slug}" if same else f"#{team.slug} ({team.name})"


def _team_options(teams: Sequence[Team], query: str) -> list[dict[str, Any]]:
    return [
        _option(esc(_team_label(team)), f"team:{team.id}") for team in teams if _matches(query, team.slug, team.name)
    ]


def assign_options(members: Sequence[Member], teams: Sequence[Team], query: str) -> list[dict[str, Any]]:
    """Slack `option`s for the assignee select: "Unassign", then members, then teams, filtered by `query`.

    Values: `user:<Sentry user id>`, `team:<team id>`, or `none` to unassign. At most 100 options,
    each label at most 75 characters, as Slack requires.
    """
    unassign = [_option(t.UNASSIGN, ASSIGN_NONE)] if _matches(query, t.UNASSIGN, ASSIGN_NONE) else []
    return [*unassign, *_member_options(members, query), *_team_options(teams, query)][:MAX_OPTIONS]
