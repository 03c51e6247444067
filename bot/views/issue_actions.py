"""The action buttons an issue carries, on its card and on alert messages alike."""

from __future__ import annotations

from collections.abc import Sequence

from bot.views import text as t
from bot.views.blocks import Block, actions, button
from bot.views.routing import Action, encode

__all__ = ["issue_action_buttons", "issue_actions_block_id"]


def issue_actions_block_id(issue_id: str) -> str:
    """The actions block's id: carries the issue id so any click routes without a session."""
    return encode(issue=issue_id)


def issue_action_buttons(
    issue_id: str,
    *,
    status: str = "unresolved",
    permalink: str | None = None,
    seer: bool = False,
    extra: Sequence[Block] = (),
) -> Block:
    """Resolve (or Unresolve), Archive, Assign, Link, Create ticket, Stats and Open in Sentry, for one
    issue; Root cause too when `seer` (the organization has Seer); then `extra`."""
    value = encode(issue=issue_id)
    toggle = (
        button("Unresolve", Action.UNRESOLVE, value=value)
        if status in ("resolved", "ignored")
        else button("Resolve", Action.RESOLVE, value=value, style="primary")
    )
    elements = [
        toggle,
        button("Archive", Action.ARCHIVE, value=value),
        button("Assign", Action.ASSIGN, value=value),
        button("Link issue", Action.LINK, value=value),
        # tickets and Seer
        button(t.CREATE_TICKET, Action.TICKET, value=value),
        *([button(t.ROOT_CAUSE, Action.ROOT_CAUSE, value=value)] if seer else []),
        button("Stats", Action.STATS, value=value),
    ]
    if permalink:
        elements.append(button("Open in Sentry", Action.OPEN, url=permalink, value=value))
    return actions(*elements, *extra, block_id=issue_actions_block_id(issue_id))
