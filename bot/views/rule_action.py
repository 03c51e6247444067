"""What the bot says about the channels Sentry alert rules choose for it (bot/alerts/rule_channels.py)."""

from __future__ import annotations

from bot.views.blocks import esc, message, section
from bot.views.common import Message

__all__ = ["RULE_CHANNEL_BROKEN", "rule_channel_notice"]

RULE_CHANNEL_BROKEN = (
    "⚠️ A Sentry alert rule sends its alerts to {channel}, but I can't post there: {reason}. "
    "I've stopped posting that rule's alerts. Once that's fixed, open the alert rule in Sentry "
    "and save it again, choosing a channel from the list."
)


def rule_channel_notice(channel_id: str | None, name: str | None, reason: str) -> Message:
    """A direct message to the admins when the channel an alert rule chose cannot be posted in."""
    channel = f"<#{esc(channel_id)}>" if channel_id else f"*#{esc(name or '')}*"
    line = RULE_CHANNEL_BROKEN.format(channel=channel, reason=esc(reason))
    return message(line, [section(line)])
