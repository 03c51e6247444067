"""What a mute is: a channel hears nothing of one issue or one project until a time."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    # Types only: the alert pipeline imports this module (bot/alerts/router.py).
    from bot.alerts.models import Alert


__all__ = ["DURATION_HELP", "MAX_SECONDS", "Mute", "MuteEnd", "MuteKind", "duration_seconds"]

# The menu's choices; `duration_seconds` takes any whole number of minutes, hours, days or weeks up to a week.
MENU = (("30m", "30 min"), ("4h", "4 hours"), ("1d", "1 day"), ("1w", "1 week"))
MAX_SECONDS = 7 * 86400  # longer than this and the alert pipeline has forgotten the threads (retention)
DURATION_HELP = "a duration like 30m, 4h, 1d or 1w (at most 1w)"
_DURATION = re.compile(r"(\d{1,6})([mhdw])")
_UNIT = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def duration_seconds(raw: str) -> int:
    """`30m`, `4h`, `1d`, `1w` (any count of minutes, hours, days or weeks, up to a week) in seconds."""
    match = _DURATION.fullmatch(raw.strip().lower())
    if match is None:
        raise ValueError(f"`{raw[:40]}` is not {DURATION_HELP}")
    seconds = int(match.group(1)) * _UNIT[match.group(2)]
    if not 0 < seconds <= MAX_SECONDS:
        raise ValueError(f"`{raw[:40]}` is not {DURATION_HELP}")
    return seconds


class MuteKind(StrEnum):
    ISSUE = "issue"  # target: Sentry's numeric issue id
    PROJECT = "project"  # target: the project's slug


class Mute(BaseModel):
    """One mute of one channel (`bot.store.mutes.mutes` row)."""

    model_config = ConfigDict(frozen=True)

    id: int
    channel_id: str
    kind: MuteKind
    target: str
    label: str  # the short ID or the slug, as people type it
    muted_by: str  # Slack user id
    created_at: float
    until: float
    ended_at: float | None = None
    ended_by: str | None = None
    alerts: int = 0  # counted so far

    def covers(self, alert: Alert) -> bool:
        if self.kind is MuteKind.ISSUE:
            return alert.issue_id == self.target
        return self.target in alert.projects

    def active(self, now: float) -> bool:
        return self.ended_at is None and self.until > now

    @property
    def issue_key(self) -> str | None:
        """The thread an issue mute is about (`alert_messages.issue_key`)."""
        return f"issue:{self.target}" if self.kind is MuteKind.ISSUE else None


class MuteEnd(BaseModel):
    """What the thread line at a mute's end says (a `muted` delivery's payload)."""

    model_config = ConfigDict(frozen=True)

    label: str
    kind: MuteKind
    muted_by: str
    ended_by: str | None = None  # None: its time ran out
    count: int  # this issue's alerts counted while muted
