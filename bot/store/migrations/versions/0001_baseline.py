"""Baseline: the tables of sentry-bot 0.1.0 (alerts, audit log, identity overrides).

A database that 0.1.0 created (with its `schema_version` table) is stamped at this revision
instead of running it: its tables are these (bot.store.migrations).

Revision ID: 0001_baseline
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_messages",
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("issue_key", sa.String(length=80), nullable=False),
        sa.Column("issue_id", sa.String(length=32), nullable=True),
        sa.Column("project", sa.String(length=100), nullable=True),
        sa.Column("ts", sa.String(length=32), nullable=True),
        sa.Column("alert", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("assignee", sa.String(length=200), nullable=True),
        sa.Column("alerts", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("escalated", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", "issue_key", name=op.f("pk_alert_messages")),
    )
    with op.batch_alter_table("alert_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_messages_issue_id"), ["issue_id"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("member_email", sa.String(length=320), nullable=True),
        sa.Column("command", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=True),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "dedupe_keys",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_dedupe_keys")),
    )
    op.create_table(
        "digests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=True),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.Float(), nullable=False),
        sa.Column("last_folded_at", sa.Float(), nullable=False),
        sa.Column("synced_at", sa.Float(), nullable=True),
        sa.Column("dirty", sa.Boolean(), nullable=False),
        sa.Column("in_flight_at", sa.Float(), nullable=True),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
    )
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digests_channel_id_closed"), ["channel_id", "closed"], unique=False)

    op.create_table(
        "hook_secrets",
        sa.Column("hook_id", sa.String(length=64), nullable=False),
        sa.Column("project", sa.String(length=100), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("hook_id", name=op.f("pk_hook_secrets")),
    )
    op.create_table(
        "identity_overrides",
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("set_by", sa.String(length=32), nullable=False),
        sa.Column("set_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("slack_user_id", name=op.f("pk_identity_overrides")),
    )
    op.create_table(
        "slack_channels",
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("due_at", sa.Float(), nullable=True),
        sa.Column("next_allowed_at", sa.Float(), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_slack_channels")),
    )
    with op.batch_alter_table("slack_channels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slack_channels_due_at"), ["due_at"], unique=False)

    op.create_table(
        "subscriptions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("project", sa.String(length=100), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("environments", sa.JSON(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("threads", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("broken_reason", sa.Text(), nullable=True),
        sa.Column("broken_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("channel_id", "project", name=op.f("uq_subscriptions_channel_id_project")),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscriptions_project"), ["project"], unique=False)

    op.create_table(
        "webhook_outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("resource", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("hook", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.Float(), nullable=False),
        sa.Column("routed_at", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_outbox")),
    )
    with op.batch_alter_table("webhook_outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_outbox_pending",
            ["id"],
            unique=False,
            sqlite_where=sa.text("routed_at IS NULL"),
            postgresql_where=sa.text("routed_at IS NULL"),
        )

    op.create_table(
        "deliveries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("outbox_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("issue_key", sa.String(length=80), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("threads", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("in_flight_at", sa.Float(), nullable=True),
        sa.Column("ts", sa.String(length=32), nullable=True),
        sa.Column("digest_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("done_at", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["digest_id"], ["digests.id"], name=op.f("fk_deliveries_digest_id_digests"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["webhook_outbox.id"],
            name=op.f("fk_deliveries_outbox_id_webhook_outbox"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deliveries_pending",
            ["channel_id", "id"],
            unique=False,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_deliveries_pending",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )

    op.drop_table("deliveries")
    with op.batch_alter_table("webhook_outbox", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_webhook_outbox_pending",
            sqlite_where=sa.text("routed_at IS NULL"),
            postgresql_where=sa.text("routed_at IS NULL"),
        )

    op.drop_table("webhook_outbox")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_project"))

    op.drop_table("subscriptions")
    with op.batch_alter_table("slack_channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_channels_due_at"))

    op.drop_table("slack_channels")
    op.drop_table("identity_overrides")
    op.drop_table("hook_secrets")
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digests_channel_id_closed"))

    op.drop_table("digests")
    op.drop_table("dedupe_keys")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
    with op.batch_alter_table("alert_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_messages_issue_id"))

    op.drop_table("alert_messages")
