"""What every view shares: the `Message` type, relative times, masking, notices and paged lists.

Conventions for every view module:
- Outside text (anything Sentry or a user typed) is escaped with `esc` before it enters mrkdwn.
- Rows handed to `list_message` are mrkdwn that the view already escaped.
- Everything returns through `message()`, so Slack's limits are enforced in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.views import text as t
from bot.views.blocks import LIMITS, Block, actions, button, context, esc, header, message, section, truncate
from bot.views.routing import Action, encode

__all__ = [
    "ROWS_PER_SECTION",
    "Message",
    "ago",
    "chart_button",
    "error_message",
    "list_message",
    "mask",
    "more_button",
    "notice",
    "number",
    "or_none",
    "row_blocks",
    "share_button",
    "still_waiting",
    "utc",
    "utc_day",
    "with_share",
]

Message = dict[str, Any]

ROWS_PER_SECTION = 10

_UNITS = (
    (365 * 86400, "year"),
    (30 * 86400, "month"),
    (86400, "day"),
    (3600, "hour"),
    (60, "minute"),
)
_JUST_NOW_SECONDS = 45
# Secrets shorter than this show no characters at all: four of eight would be half the secret.
_MASK_MIN_LENGTH = 12


def _aware(ts: datetime) -> datetime:
    """Sentry sends UTC; treat a naive timestamp as UTC so it compares with an aware `now`."""
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def ago(ts: datetime | None, now: datetime) -> str:
    """`ts` relative to `now`: "3 hours ago", "just now", "in 2 days"; "—" when unknown."""
    if ts is None:
        return t.NONE
    seconds = (_aware(now) - _aware(ts)).total_seconds()
    if abs(seconds) < _JUST_NOW_SECONDS:
        return t.JUST_NOW
    size = abs(seconds)
    unit_seconds, unit = next(((s, u) for s, u in _UNITS if size >= s), _UNITS[-1])
    n = max(1, int(size // unit_seconds))
    plural = unit if n == 1 else f"{unit}s"
    return (t.AGO if seconds > 0 else t.IN).format(n=n, unit=plural)


def utc(ts: datetime | None) -> str:
    """An absolute time in UTC, to the minute: "2024-05-01 14:00 UTC"."""
    if ts is None:
        return t.NONE
    return _aware(ts).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def utc_day(ts: datetime | None) -> str:
    """The UTC date alone: "2024-05-01"."""
    if ts is None:
        return t.NONE
    return _aware(ts).astimezone(UTC).strftime("%Y-%m-%d")


def number(value: float | None) -> str:
    """A count with thousands separators; whole floats print as integers."""
    if value is None:
        return t.NONE
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def or_none(value: object) -> str:
    """Escaped outside text, or "—" when missing or empty."""
    return esc(value) if value not in (None, "") else t.NONE


def mask(secret: str | None) -> str:
    """A secret reduced to its last four characters (`••••cbc2`); "—" when there is none."""
    if not secret:
        return t.NONE
    if len(secret) < _MASK_MIN_LENGTH:
        return "••••"
    return f"••••{esc(secret[-4:])}"


def notice(text: str) -> Message:
    """A one-line result: "✅ Member bob@acme.example added as member".

    `text` is mrkdwn composed by the caller, who escapes the outside parts (`esc(email)`), so it may
    carry a mention (`<@U123>`) or `code`. It is not escaped again here.
    """
    return message(text, [section(text)])


def error_message(text: str, *, retry: str | None = None) -> Message:
    """A warning-styled answer to an expected error. `text` is plain: escaped here.

    Args:
        retry: the `encode()`d command (and cursor) a Retry button runs again; no button when None,
            or when it is too long for a button's value.
    """
    line = t.WARNING.format(text=esc(text))
    blocks = [section(line)]
    if retry is not None and len(retry) <= LIMITS["value"]:
        blocks.append(actions(button(t.RETRY, Action.RETRY, value=retry)))
    return message(line, blocks)


def still_waiting() -> Message:
    """The interim answer to a command that Sentry is slow to answer; the final answer replaces it."""
    return message(t.STILL_WAITING, [context(t.STILL_WAITING)])


def more_button(command: str, cursor: str | None) -> Block | None:
    """A "More" button that re-runs `command` from `cursor`; None when there is nothing more."""
    if not cursor:
        return None
    return button(t.MORE, Action.MORE, value=encode(cmd=command, cursor=cursor))


def share_button(command: str) -> Block | None:
    """A "Share in channel" button: re-runs `command` and posts its answer for everyone.

    None when `command` is too long to travel in a button: Slack refuses a whole message whose
    button value exceeds 2,000 characters (Block Kit reference, button element: `value`, "Maximum
    length for this field is 2000 characters"), and a cut value would re-run another command.
    """
    value = encode(cmd=command)
    if len(value) > LIMITS["value"]:
        return None
    return button(t.SHARE, Action.SHARE, value=value)


def chart_button(command: str) -> Block | None:
    """A "Post chart in channel" button: re-runs `command` and uploads its numbers as a chart image
    (an ephemeral answer cannot carry one). None when `command` is too long for a button value."""
    value = encode(cmd=command)
    if len(value) > LIMITS["value"]:
        return None
    return button(t.POST_CHART, Action.CHART, value=value)


def with_share(blocks: Sequence[Block], command: str, *, chart: bool = False) -> list[Block]:
    """`blocks` with a Share row at the end (and "Post chart in channel" when `chart`), kept inside
    Slack's 50 blocks (it replaces the last one when the message is full); `blocks` alone when
    `command` is too long to travel in a button."""
    buttons = [b for b in (share_button(command), chart_button(command) if chart else None) if b is not None]
    if not buttons:
        return list(blocks)
    return [*blocks[: LIMITS["blocks"] - 1], actions(*buttons)]


def row_blocks(rows: Sequence[str], *, room: int) -> list[Block]:
    """Rows (mrkdwn, one per line) packed into at most `room` blocks.

    A section holds up to `ROWS_PER_SECTION` rows and never more than Slack's 3000 characters.
    When the rows need more blocks than `room`, the last one says how many rows were left out.
    """
    limit = LIMITS["section_text"]
    chunks: list[list[str]] = []
    for row in rows:
        line = truncate(row, limit)
        last = chunks[-1] if chunks else []
        if last and len(last) < ROWS_PER_SECTION and len("\n".join([*last, line])) <= limit:
            last.append(line)
        else:
            chunks.append([line])
    if len(chunks) > room:
        kept = chunks[: room - 1]
        hidden = len(rows) - sum(len(c) for c in kept)
        return [*(section("\n".join(c)) for c in kept), context(t.MORE_ROWS.format(n=f"{hidden:,}"))]
    return [section("\n".join(c)) for c in chunks]


def list_message(
    title: str,
    rows: list[str],
    *,
    command: str,
    cursor: str | None,
    empty: str,
    footer: str | None = None,
) -> Message:
    """A titled list: a header, the rows, an optional footer, then a More button when paged.

    "Share in channel" is not added here: the Slack layer adds it to any shareable reply.

    Args:
        title: plain words for the header; escaped here.
        rows: one mrkdwn line per item, already escaped by the view that built them.
        command: the command text that produced the list, carried by the More button;
            "" for a list that cannot page.
        cursor: the next page's cursor; a More button appears only when set.
        empty: mrkdwn shown instead of rows when there are none.
        footer: a mrkdwn context line under the rows.
    """
    more = more_button(command, cursor) if command else None
    fixed = 1 + (1 if footer else 0) + (1 if more else 0)
    body = row_blocks(rows, room=LIMITS["blocks"] - fixed) if rows else [section(empty)]
    blocks = [header(esc(title)), *body]
    if footer:
        blocks.append(context(footer))
    if more:
        blocks.append(actions(more))
    fallback = f"{esc(title)} ({len(rows):,})" if rows else f"{esc(title)}: {empty}"
    return message(fallback, blocks)
