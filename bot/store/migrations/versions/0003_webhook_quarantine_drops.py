"""Webhooks set aside: the quarantine (a payload that could not be parsed, routed or stored) and
the reason each webhook that made no Slack call was dropped.

Revision ID: 0003_webhook_quarantine_drops
Revises: 0002_slack_events_token_hold
Create Date: 2026-12-01 23:31:39.448309
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_webhook_quarantine_drops"
down_revision = "0002_slack_events_token_hold"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_drops",
        sa.Column("outbox_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("dropped_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("outbox_id", name=op.f("pk_webhook_drops")),
    )
    with op.batch_alter_table("webhook_drops", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_drops_dropped_at"), ["dropped_at"], unique=False)

    op.create_table(
        "webhook_quarantine",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("outbox_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("resource", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("hook", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("quarantined_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_quarantine")),
    )
    with op.batch_alter_table("webhook_quarantine", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_quarantine_quarantined_at"), ["quarantined_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("webhook_quarantine", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_quarantine_quarantined_at"))

    op.drop_table("webhook_quarantine")
    with op.batch_alter_table("webhook_drops", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_drops_dropped_at"))

    op.drop_table("webhook_drops")
