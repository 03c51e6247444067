"""The audit log: one row per write, admin or destructive command someone ran (or was refused).

Rows are only ever inserted; `/sentry audit` reads the newest. The command text is stored with
its secrets masked (`bot.audit.scrub`), so the table is safe to show to admins.
Times are epoch seconds, as floats, like every other table here.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, Integer, String, Table, Text

from bot.store.schema import metadata

__all__ = ["audit_log"]


# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit id.
Id = BigInteger().with_variant(Integer(), "sqlite")

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("slack_user_id", String(32), nullable=False),
    Column("member_email", String(320)),  # the Sentry member they were mapped to; NULL when unmapped
    Column("command", String(64), nullable=False),  # the declared name: "member remove"
    Column("text", Text, nullable=False),  # everything typed after /sentry, secrets masked
    Column("target", String(255)),  # the first argument: the issue, member, project... acted on
    Column("result", String(16), nullable=False),  # ok | denied | sentry_error | crash
    Index(None, "at"),
)
