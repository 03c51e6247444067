"""The channels Sentry alert rules choose for the bot: each `channel` setting as rules spell it, the
Slack channel id it resolved to, and whether Slack refused that channel (paused).

Revision ID: 0004_rules
Revises: 0003_webhook_quarantine_drops
Create Date: 2026-12-02 05:33:41.576403
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_rules"
down_revision = "0003_webhook_quarantine_drops"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rule_channels",
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("checked_at", sa.Float(), nullable=False),
        sa.Column("broken_reason", sa.Text(), nullable=True),
        sa.Column("broken_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("value", name=op.f("pk_rule_channels")),
    )
    with op.batch_alter_table("rule_channels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rule_channels_channel_id"), ["channel_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rule_channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rule_channels_channel_id"))

    op.drop_table("rule_channels")
