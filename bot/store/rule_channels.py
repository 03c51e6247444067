"""The channels Sentry alert rules choose for the bot (the alert-rule action's `channel` setting).

One row per setting value as rules spell it (`general` for `#general`, or a channel id), with the
channel id it resolved to, so routing an alert never waits on Slack: the settings check
(`POST /sentry/alert-rule-action`) writes the row when a rule is saved, and the router resolves a
value it has never seen once. A channel Slack refuses for good is paused here (`broken_reason`)
until a rule naming it is saved again. Times are epoch seconds, as floats.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, String, Table, Text

from bot.store.schema import metadata

__all__ = ["rule_channels"]

rule_channels = Table(
    "rule_channels",
    metadata,
    Column("value", String(100), primary_key=True),  # the setting, normalized: "general" or "C0123ABCD"
    Column("channel_id", String(32)),  # NULL: Slack has no channel of that name the bot can post in
    Column("name", String(100)),  # the channel's name when resolved, for notices and logs
    Column("checked_at", Float, nullable=False),  # when Slack was last asked
    Column("broken_reason", Text),  # why alerts stopped (Slack refused the channel); NULL = working
    Column("broken_at", Float),
    Index(None, "channel_id"),
)
