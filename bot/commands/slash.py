"""The slash command's name as people type it: `SLACK_COMMAND`, `/sentry` unless configured.

Sentry's own Slack app also claims `/sentry`, so a workspace may give this bot another name. Usage lines,
examples, help and "did you mean" are written with `slash()`; the dispatcher sets it for the requests it
runs (`using`), so the registry stays one declaration shared by every transport and test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["DEFAULT", "renamed", "slash", "using"]

DEFAULT = "/sentry"

_current: ContextVar[str] = ContextVar("slash_command", default=DEFAULT)


def slash() -> str:
    """The command name of the request being answered."""
    return _current.get()


@contextmanager
def using(name: str) -> Iterator[None]:
    """Answer with `name` as the command until the block ends."""
    token = _current.set(name)
    try:
        yield
    finally:
        _current.reset(token)


def renamed(text: str | None) -> str | None:
    """A usage line or example written with `/sentry` (text elsewhere in the code), said with `slash()`."""
    name = slash()
    if text is None or name == DEFAULT or not text.startswith(DEFAULT):
        return text
    rest = text[len(DEFAULT) :]
    return name + rest if not rest or rest[0] == " " else text
