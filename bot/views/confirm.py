"""The question asked before anything that cannot be undone."""

from __future__ import annotations

from bot.views import text as t
from bot.views.blocks import actions, button, message, section
from bot.views.common import Message
from bot.views.routing import Action

__all__ = ["confirmation"]


def confirmation(summary: str, *, value: str) -> Message:
    """ "⚠️ This will <summary>. This cannot be undone." with Confirm and Cancel buttons.

    Args:
        summary: what will happen, composed by the caller from escaped parts (not escaped again),
            e.g. "remove *bob@acme.example* from the organization".
        value: the routing data both buttons carry (`encode(...)`), so the click knows what to do.
    """
    line = t.CONFIRM.format(summary=summary)
    buttons = actions(
        button(t.CONFIRM_YES, Action.CONFIRM, value=value, style="danger"),
        button(t.CONFIRM_NO, Action.CANCEL, value=value),
    )
    return message(line, [section(line), buttons])
