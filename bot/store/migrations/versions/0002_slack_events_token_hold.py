"""Slack events already handled (retried deliveries answered once) and the workspace-wide hold on a refused token.

Revision ID: 0002_slack_events_token_hold
Revises: 0001_baseline
Create Date: 2026-12-01 23:26:24.145941
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_slack_events_token_hold"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_auth_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("since", sa.Float(), nullable=False),
        sa.Column("refusals", sa.Integer(), nullable=False),
        sa.Column("probe_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_auth_hold")),
    )
    op.create_table(
        "slack_seen_events",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_slack_seen_events")),
    )
    with op.batch_alter_table("slack_seen_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slack_seen_events_seen_at"), ["seen_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("slack_seen_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_seen_events_seen_at"))

    op.drop_table("slack_seen_events")
    op.drop_table("slack_auth_hold")
