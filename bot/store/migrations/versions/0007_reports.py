"""Scheduled reports: each channel's reports (project, daily or weekly, local time and zone), their next
run, and the period a replica is building (so a period is posted once, whatever the replicas).

Revision ID: 0007_reports
Revises: 0006_mutes
Create Date: 2026-12-02 05:32:47.258705
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_reports"
down_revision = "0006_mutes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("project", sa.String(length=100), nullable=True),
        sa.Column("cadence", sa.String(length=8), nullable=False),
        sa.Column("at_minute", sa.Integer(), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("next_run", sa.Float(), nullable=False),
        sa.Column("pending_end", sa.Float(), nullable=True),
        sa.Column("pending_late", sa.Boolean(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claim_until", sa.Float(), nullable=True),
        sa.Column("last_end", sa.Float(), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reports_channel_id"), ["channel_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_next_run"), ["next_run"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_next_run"))
        batch_op.drop_index(batch_op.f("ix_reports_channel_id"))

    op.drop_table("reports")
