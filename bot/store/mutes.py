"""Mutes: a channel hears nothing of an issue or a project for a while, and counts what it missed.

One row per mute. It is active while `ended_at` is NULL and `until` is ahead; whoever sets
`ended_at` (the worker when `until` passes, on any replica, or an `unmute`) owns its ending and
queues the one thread line that reports `alerts`. Times are epoch seconds, as floats.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Float, Index, Integer, String, Table, text

from bot.store.schema import metadata

__all__ = ["mutes"]

_Id = BigInteger().with_variant(Integer(), "sqlite")
_ACTIVE = text("ended_at IS NULL")

mutes = Table(
    "mutes",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("channel_id", String(32), nullable=False),
    Column("kind", String(8), nullable=False),  # issue | project
    Column("target", String(100), nullable=False),  # Sentry's issue id, or the project slug
    Column("label", String(200), nullable=False),  # what people call it: the short ID, or the slug
    Column("muted_by", String(32), nullable=False),  # Slack user id
    Column("created_at", Float, nullable=False),
    Column("until", Float, nullable=False),
    Column("ended_at", Float),  # NULL while active
    Column("ended_by", String(32)),  # who unmuted it; NULL when its time ran out
    Column("alerts", Integer, nullable=False, default=0),  # alerts counted instead of posted
    Column("counts", JSON, nullable=False),  # {issue_key: alerts counted} ("issue:123")
    Column("latest", JSON),  # the latest alert counted (bot.alerts.models.Alert as JSON)
    Column("bannered", JSON, nullable=False),  # issue keys whose parent message was given the banner
    # One active mute per channel and target: muting again moves its end.
    Index(
        "uq_mutes_active",
        "channel_id",
        "kind",
        "target",
        unique=True,
        sqlite_where=_ACTIVE,
        postgresql_where=_ACTIVE,
    ),
    Index(None, "until", sqlite_where=_ACTIVE, postgresql_where=_ACTIVE),
)
