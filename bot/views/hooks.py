"""Service hooks: the list (secrets masked) and the answer to creating one."""

from __future__ import annotations

from bot.sentry.models import ServiceHook
from bot.sentry.paging import Page
from bot.views import text as t
from bot.views.blocks import context, esc, fields_section, message, section
from bot.views.common import Message, list_message, mask, or_none

__all__ = ["hook_created", "hook_list"]


def _events(hook: ServiceHook) -> str:
    return ", ".join(f"`{esc(e)}`" for e in hook.events) or t.NONE


def _hook_row(hook: ServiceHook) -> str:
    return (
        f"`{esc(hook.id)}` {esc(hook.url)}\n      {_events(hook)} · {or_none(hook.status)} · secret {mask(hook.secret)}"
    )


def hook_list(project: str, page: Page[ServiceHook], *, command: str) -> Message:
    """One entry per hook: id, URL, events, status and its secret masked."""
    rows = [_hook_row(h) for h in page.items]
    return list_message(
        t.HOOKS_TITLE.format(project=project),
        rows,
        command=command,
        cursor=page.next_cursor,
        empty=t.HOOKS_EMPTY,
    )


def hook_created(project: str, hook: ServiceHook, *, reveal_secret: bool) -> Message:
    """The new hook. Its secret is shown in full only with `reveal_secret`, which the caller sets
    only for the ephemeral answer to the person who created it; anywhere else it is masked."""
    line = t.HOOK_CREATED.format(id=esc(hook.id), project=esc(project))
    secret = f"`{esc(hook.secret)}`" if reveal_secret and hook.secret else mask(hook.secret)
    blocks = [
        section(line),
        fields_section(
            [
                ("URL", esc(hook.url)),
                ("Events", _events(hook)),
                ("Status", or_none(hook.status)),
                ("Secret", secret),
            ]
        ),
    ]
    if reveal_secret and hook.secret:
        blocks.append(context(t.HOOK_SHOWN_ONCE))
    return message(line, blocks)
