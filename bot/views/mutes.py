"""Answers of `/sentry mute`, `unmute` and `mutes`. Pure: mutes in, messages out.

`command` is the slash command's configured name (`bot.commands.slash.slash()`), for the hints.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.mutes.models import Mute, MuteKind
from bot.views.alert import mute_banner
from bot.views.blocks import esc
from bot.views.common import Message, list_message, notice, number

__all__ = ["mute_line", "mute_list", "mute_saved", "unmuted"]

MUTED = (
    "🔕 {what} is muted in <#{channel}> until {until}: its alerts are counted, not posted, and when the mute "
    "ends its thread says how many came. `{slash} unmute {label}` ends it sooner."
)
UNMUTED = "🔔 {what} is no longer muted in <#{channel}>: {counted}"
COUNTED = "{n} {alerts} came while muted; the thread says so."
NONE_COUNTED = "no alerts came while muted."
LIST_TITLE = "Mutes in this channel"
LIST_EMPTY = "Nothing is muted in this channel. `{slash} mute &lt;issue|project&gt; 4h` mutes one."
LIST_ROW = "{banner} · {counted} so far · `{slash} unmute {label}`"


def _what(mute: Mute) -> str:
    return f"*{esc(mute.label)}*" if mute.kind is MuteKind.ISSUE else f"The project *{esc(mute.label)}*"


def _until(mute: Mute) -> str:
    # The banner's own date (each reader's time zone), without its "muted by".
    return mute_banner(mute).rpartition(" until ")[2]


def mute_saved(mute: Mute, *, command: str = "/sentry") -> Message:
    line = MUTED.format(
        what=_what(mute), channel=esc(mute.channel_id), until=_until(mute), slash=command, label=esc(mute.label)
    )
    return notice(line)


def unmuted(mute: Mute) -> Message:
    counted = (
        COUNTED.format(n=number(mute.alerts), alerts="alert" if mute.alerts == 1 else "alerts")
        if mute.alerts
        else NONE_COUNTED
    )
    return notice(UNMUTED.format(what=_what(mute), channel=esc(mute.channel_id), counted=counted))


def mute_line(mute: Mute) -> str:
    """What is muted, by whom and until when, in one line of mrkdwn."""
    return mute_banner(mute) if mute.kind is MuteKind.PROJECT else f"*{esc(mute.label)}*: {mute_banner(mute)}"


def mute_list(mutes: Sequence[Mute], *, command: str = "/sentry") -> Message:
    rows = [
        LIST_ROW.format(
            banner=mute_line(m),
            counted=f"{number(m.alerts)} {'alert' if m.alerts == 1 else 'alerts'}",
            slash=command,
            label=esc(m.label),
        )
        for m in mutes
    ]
    return list_message(LIST_TITLE, rows, command="", cursor=None, empty=LIST_EMPTY.format(slash=command))
