"""Mutes: a channel stops hearing an issue's (or a project's) alerts for a while, and counts them.

    /sentry mute WEB-12A 4h     (or the Mute menu on an alert message)
        -> start_mute: the mute row, and the banner on the issue's message ("🔕 muted by @x until 14:00")
    alert while muted -> router: counted in the mute (the thread's state still kept), not posted
    until passes (worker, any replica) or /sentry unmute WEB-12A
        -> end_mutes: claimed once, then one thread line ("50 alerts came while muted") and the
           parent message drawn again, through the ordinary deliveries

Layers: `models` (pure), `state` (what is on; used by the router and the planner), `ending` and
`service` (they queue deliveries, so they sit above `bot.alerts.router`: import them by path).
"""

from bot.mutes.models import DURATION_HELP, Mute, MuteEnd, MuteKind, duration_seconds
from bot.mutes.state import Hush, active_mute, channel_mutes, next_end

__all__ = [
    "DURATION_HELP",
    "Hush",
    "Mute",
    "MuteEnd",
    "MuteKind",
    "active_mute",
    "channel_mutes",
    "duration_seconds",
    "next_end",
]
