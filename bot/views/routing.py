"""What travels inside a message: action ids and the values that route a click back to its issue.

Every interactive element's `action_id` is an `Action`; its `value` (or the modal's
`private_metadata`) is `encode()`d JSON. No server-side session is needed to handle a click.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

__all__ = ["Action", "Callback", "decode", "encode"]


class Action(StrEnum):
    RESOLVE = "issue.resolve"
    UNRESOLVE = "issue.unresolve"
    ARCHIVE = "issue.archive"
    ASSIGN = "issue.assign"
    LINK = "issue.link"
    STATS = "issue.stats"
    OPEN = "issue.open"
    SHARE = "message.share"
    CHART = "message.chart"
    MORE = "list.more"
    RETRY = "command.retry"
    CONFIRM = "confirm.yes"
    CANCEL = "confirm.no"
    HOME_REFRESH = "home.refresh"
    MUTE = "alert.mute"  # the Mute menu on an alert message: a static_select, its option values carry the duration
    UNMUTE = "alert.unmute"
    # --- issue lists (lists) ---
    ROW = "issue.row"  # a list row's overflow menu; the chosen option's value says what to do
    RUN = "command.run"  # runs the command a plain-English request was answered with
    # tickets and Seer
    TICKET = "issue.ticket"
    ROOT_CAUSE = "issue.root_cause"


class Callback(StrEnum):
    """Modal `callback_id`s."""

    RESOLVE = "modal.resolve"
    ARCHIVE = "modal.archive"
    LINK = "modal.link"
    ASSIGN = "modal.assign"
    TICKET = "modal.ticket"


def encode(**data: Any) -> str:
    """Compact JSON for a button value or `private_metadata`."""
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def decode(raw: str | None) -> dict[str, Any]:
    """The inverse of `encode`; anything malformed decodes to `{}`."""
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
