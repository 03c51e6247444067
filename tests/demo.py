"""`sentry-bot console --demo`, in-process: the Sentry stand-in with its sample data, a throw-away
store, and the console in front, opened the way the `console --demo` mode opens it.

    async with demo() as console:
        lines = await answer(console, "/sentry WEB-12A")
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.console import Console, open_console
from bot.settings import Settings
from bot.views import text as t

__all__ = ["answer", "demo", "is_error"]


@asynccontextmanager
async def demo() -> AsyncIterator[Console]:
    async with open_console(Settings(_env_file=None), demo=True, out=io.StringIO()) as console:
        yield console


async def answer(console: Console, line: str) -> list[str]:
    """What the console shows for `line`, as lines of text."""
    await console.handle(line)
    return console.screen.lines


def is_error(lines: list[str]) -> bool:
    """Whether the answer is a warning (what to type instead), as every expected error is."""
    return bool(lines) and lines[0].startswith(t.WARNING.format(text=""))
