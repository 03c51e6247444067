"""Mentions, broadcast and tags (issue 14): per subscription, whom to ping and when (`mentions`,
`mention_on`), which thread replies also reach the channel (`broadcast`) and which tag values the
alert shows (`tags`); per alert thread, the assignee's Slack user, the last assignee pinged (each
assignment pings once) and when a resolved issue was seen again (`regressed_at`). Every new column
is nullable: NULL in existing rows means the old behaviour.

Revision ID: 0005_mentions
Revises: 0004_rules
Create Date: 2026-12-02 05:34:24.722504
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_mentions"
down_revision = "0004_rules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignee_user", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("pinged_user", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("regressed_at", sa.Float(), nullable=True))

    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mentions", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("mention_on", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("broadcast", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("tags", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("tags")
        batch_op.drop_column("broadcast")
        batch_op.drop_column("mention_on")
        batch_op.drop_column("mentions")

    with op.batch_alter_table("alert_messages", schema=None) as batch_op:
        batch_op.drop_column("regressed_at")
        batch_op.drop_column("pinged_user")
        batch_op.drop_column("assignee_user")
