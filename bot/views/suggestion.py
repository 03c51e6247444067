"""The answer to a plain-English request: the command that does it, with a button that runs it."""

from __future__ import annotations

from bot.views import text as t
from bot.views.blocks import LIMITS, Block, actions, button, esc, message, section, truncate
from bot.views.common import Message
from bot.views.routing import Action, encode

__all__ = ["TYPED_MAX", "phrase_suggestion"]

TYPED_MAX = 120


def phrase_suggestion(typed: str, *, command: str, shown: str) -> Message:
    """ "`show me errors in web` is not a command, but this does it: `/sentry issues web level:error`".

    Args:
        typed: what the person wrote (escaped here).
        command: the command line the button runs, without the slash command's name.
        shown: the same command as they would type it (`/sentry issues web level:error`).
    """
    line = t.PHRASE_SUGGESTION.format(typed=truncate(esc(typed), TYPED_MAX), command=esc(shown))
    blocks: list[Block] = [section(line)]
    value = encode(cmd=command)
    if len(value) <= LIMITS["value"]:
        blocks.append(actions(button(t.PHRASE_RUN, Action.RUN, value=value, style="primary")))
    return message(line, blocks)
