"""A tag's values, each with its count and its share of the total."""

from __future__ import annotations

import math

from bot.sentry.models import TagValue
from bot.sentry.paging import Page
from bot.views import text as t
from bot.views.blocks import esc, truncate
from bot.views.common import Message, list_message, number

__all__ = ["share_bar", "tag_values"]

BAR_CELLS = 10
VALUE_MAX = 100


def share_bar(share: float, *, cells: int = BAR_CELLS) -> str:
    """A share (0..1) as a bar of `cells` cells: `▇▇▇░░░░░░░` for 0.3."""
    # Half a cell rounds up (round() would send 2.5 to 2).
    filled = max(0, min(cells, math.floor(share * cells + 0.5)))
    return "▇" * filled + "░" * (cells - filled)


def _value_row(tag: TagValue, total: int) -> str:
    count = tag.count or 0
    share = count / total if total else 0.0
    label = truncate(esc(tag.name or tag.value or t.NONE), VALUE_MAX)
    return f"`{share_bar(share)}` *{label}* · {number(count)} ({share:.1%})"


def tag_values(project: str, key: str, page: Page[TagValue]) -> Message:
    """Values sorted by count, most frequent first; shares are of the values listed here."""
    values = sorted(page.items, key=lambda v: v.count or 0, reverse=True)
    total = sum(v.count or 0 for v in values)
    return list_message(
        t.TAGS_TITLE.format(key=key, project=project),
        [_value_row(v, total) for v in values],
        command="",
        cursor=None,
        empty=t.TAGS_EMPTY,
        footer=t.TAGS_TOTAL.format(total=number(total), n=f"{len(values):,}") if values else None,
    )
