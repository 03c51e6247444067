"""Scheduled reports: one row per `/sentry report add`, with its next run and the period being built.

A replica claims a due row (`FOR UPDATE SKIP LOCKED` on PostgreSQL), moves `next_run` past now and
writes the period it is building into `pending_end` in that one transaction; a second transaction
queues the post and clears `pending_end`. A replica that dies in between leaves `pending_end` set,
and whoever claims the row after `claim_until` builds that same period again: once per period.
Times are epoch seconds, as floats, like every other table here.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Float, Index, Integer, String, Table

from bot.store.schema import metadata

__all__ = ["reports"]

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit id.
Id = BigInteger().with_variant(Integer(), "sqlite")

reports = Table(
    "reports",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("channel_id", String(32), nullable=False),
    Column("project", String(100)),  # a project slug; NULL = every project of the organization
    Column("cadence", String(8), nullable=False),  # daily | weekly
    Column("at_minute", Integer, nullable=False),  # local minutes past midnight: 09:00 = 540
    Column("tz", String(64), nullable=False),  # IANA name, e.g. Europe/Berlin
    Column("weekday", Integer),  # weekly: 0 = Monday ... 6 = Sunday; NULL for daily
    Column("next_run", Float, nullable=False),  # the next period's end
    Column("pending_end", Float),  # the end of the period a replica is building; NULL when none
    Column("pending_late", Boolean, nullable=False, default=False),
    Column("claimed_by", String(64)),
    Column("claim_until", Float),
    Column("last_end", Float),  # the end of the last period queued for posting
    Column("created_by", String(32), nullable=False),
    Column("created_at", Float, nullable=False),
    Index(None, "channel_id"),
    Index(None, "next_run"),
)
