"""Identity overrides: the Slack users an admin linked to a Sentry member by hand.

`/sentry identity set @user <email>` writes a row; `identity clear` deletes it. Rows outlive a
restart, so a mapping set once keeps holding (see `bot.identity_store.StoredOverrides`).
Times are epoch seconds, as floats, like every other table here.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, String, Table

from bot.store.schema import metadata

__all__ = ["identity_overrides"]


identity_overrides = Table(
    "identity_overrides",
    metadata,
    Column("slack_user_id", String(32), primary_key=True),
    Column("email", String(320), nullable=False),  # 320: the longest address RFC 5321 allows
    Column("set_by", String(32), nullable=False),  # the admin's Slack user id ("" when set at start)
    Column("set_at", Float, nullable=False),
)
