"""The alert pipeline's tables: what came in, who wants it, and what was posted where.

    webhook_outbox --route--> deliveries --send--> Slack
          |                       |                  |
     dedupe_keys          slack_channels       alert_messages, digests
                          (pace and claims)    (threads, in-place updates, storms)

Times are epoch seconds (`time.time()`), as floats, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from bot.store.schema import metadata

__all__ = [
    "alert_messages",
    "dedupe_keys",
    "deliveries",
    "digests",
    "hook_secrets",
    "slack_auth_hold",
    "slack_channels",
    "subscriptions",
    "webhook_drops",
    "webhook_outbox",
    "webhook_quarantine",
]


# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit id.
Id = BigInteger().with_variant(Integer(), "sqlite")

# Partial indexes: the queues are scanned for their few open rows, not their long history.
_UNROUTED = text("routed_at IS NULL")
_PENDING = text("status = 'pending'")

# Every accepted webhook (and every change made from Slack), committed before Sentry gets its 2xx.
webhook_outbox = Table(
    "webhook_outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source", String(16), nullable=False),  # service_hook | sentry_app | slack
    Column("resource", String(32), nullable=False),  # Sentry-Hook-Resource, or "event" for service hooks
    Column("action", String(32), nullable=False),
    Column("hook", String(64)),  # service hook GUID or Sentry App installation, for logs
    Column("payload", JSON, nullable=False),
    Column("received_at", Float, nullable=False),
    Column("routed_at", Float),  # NULL until routed into deliveries
    Column("error", Text),  # why routing gave up on it, if it did
    Index("ix_webhook_outbox_pending", "id", sqlite_where=_UNROUTED, postgresql_where=_UNROUTED),
)

# Dead letters: a stored webhook that could not be parsed, routed or stored further, set aside
# (its outbox row marked routed) so that it never blocks the ones behind it. Kept as it came, to
# look at or replay.
webhook_quarantine = Table(
    "webhook_quarantine",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("outbox_id", Id),  # not a foreign key: the dead letter outlives its pruned outbox row
    Column("source", String(16), nullable=False),
    Column("resource", String(32), nullable=False),
    Column("action", String(32), nullable=False),
    Column("hook", String(64)),
    Column("payload", Text, nullable=False),  # the JSON text as stored, which may not even decode
    Column("stage", String(16), nullable=False),  # decode | parse | route: where it failed
    Column("reason", Text, nullable=False),  # the error, e.g. "OverflowError: cannot convert float infinity"
    Column("quarantined_at", Float, nullable=False),
    Index(None, "quarantined_at"),
)

# Webhooks routed to no Slack call, and why (`bot.alerts.router.Drop`): nothing in them to post,
# no channel subscribed, no message about the issue to update. One row per such outbox row.
webhook_drops = Table(
    "webhook_drops",
    metadata,
    Column("outbox_id", Id, primary_key=True),
    Column("reason", String(32), nullable=False),
    Column("dropped_at", Float, nullable=False),
    Index(None, "dropped_at"),
)

# One row per delivery Sentry may send again (Request-ID, or hook GUID + event id).
dedupe_keys = Table(
    "dedupe_keys",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("created_at", Float, nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("channel_id", String(32), nullable=False),
    Column("project", String(100), nullable=False),
    Column("levels", JSON, nullable=False),  # [] = every level
    Column("environments", JSON, nullable=False),  # [] = every environment
    Column("events", JSON, nullable=False),
    Column("threads", Boolean, nullable=False),
    Column("created_by", String(32), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("broken_reason", Text),  # set when Slack refuses the channel for good; routing skips it
    Column("broken_at", Float),
    # --- mentions, broadcast and tags (issue 14); NULL in older rows means the default ---
    Column("mentions", JSON),  # Slack mention forms to ping: ["<@U123>", "<!subteam^S1>", "<!here>"]
    Column("mention_on", JSON),  # when: ["new", "regression", "escalation", "level:fatal"]; NULL = new
    Column("broadcast", JSON),  # thread replies also shown in the channel: ["regression", ...]
    Column("tags", JSON),  # tag keys shown on the alert: ["release", "browser"]
    UniqueConstraint("channel_id", "project"),
    Index(None, "project"),
)

# Secrets of the service hooks the bot created (Sentry shows a hook's secret to its creator).
hook_secrets = Table(
    "hook_secrets",
    metadata,
    Column("hook_id", String(64), primary_key=True),  # the hook's GUID, sent as X-ServiceHook-GUID
    Column("project", String(100), nullable=False),
    Column("url", Text, nullable=False),
    Column("secret", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

# One row per channel the bot posts to: its pace and who holds it. A sender claims a channel by
# taking its lease, so one channel is served by one process at a time, in order.
slack_channels = Table(
    "slack_channels",
    metadata,
    Column("channel_id", String(32), primary_key=True),
    Column("due_at", Float),  # when it next has something to do; NULL = idle
    Column("next_allowed_at", Float, nullable=False, default=0.0),  # Slack's pace and Retry-After
    Column("lease_owner", String(64)),
    Column("lease_until", Float),
    Index(None, "due_at"),
)

# At most one row: Slack refuses the bot's token (revoked, expired, a scope removed). Every channel
# would fail alike, so deliveries wait for the whole workspace instead of pausing channel by channel,
# and one sender at a time, across replicas, tries the token again when `probe_at` comes.
slack_auth_hold = Table(
    "slack_auth_hold",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1: the bot has one token
    Column("code", String(64), nullable=False),  # Slack's error, e.g. token_revoked
    Column("since", Float, nullable=False),
    Column("refusals", Integer, nullable=False),  # calls Slack refused since `since`
    Column("probe_at", Float, nullable=False),
)

# One Slack call to make (or, for alerts folded into a digest, no longer to make) in one channel.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("outbox_id", Id, ForeignKey("webhook_outbox.id", ondelete="SET NULL")),
    Column("channel_id", String(32), nullable=False),
    Column("kind", String(16), nullable=False),  # alert | update | reply | escalation | notice
    Column("issue_key", String(80)),  # "issue:123" or "metric:45": the thread it belongs to
    Column("payload", JSON, nullable=False),
    Column("threads", Boolean, nullable=False, default=True),
    Column("status", String(10), nullable=False, default="pending"),  # pending|sent|digested|skipped|failed
    Column("created_at", Float, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    # Set while a post is on its way: after a crash, its outcome is unknown and must be looked up.
    Column("in_flight_at", Float),
    Column("ts", String(32)),
    Column("digest_id", Id, ForeignKey("digests.id", ondelete="SET NULL")),
    Column("done_at", Float),
    Column("error", Text),
    Index(
        "ix_deliveries_pending",
        "channel_id",
        "id",
        sqlite_where=_PENDING,
        postgresql_where=_PENDING,
    ),
)

# What the bot knows about one issue in one channel: the parent message, its state, its counts.
alert_messages = Table(
    "alert_messages",
    metadata,
    Column("channel_id", String(32), primary_key=True),
    Column("issue_key", String(80), primary_key=True),
    Column("issue_id", String(32)),  # Sentry's issue id, for issue_changed()
    Column("project", String(100)),
    Column("ts", String(32)),  # the parent message; NULL while pending or when only in digests
    Column("alert", JSON, nullable=False),  # the latest alert, to render the parent again
    Column("status", String(16)),
    Column("assignee", String(200)),
    Column("alerts", Integer, nullable=False, default=0),  # alerts accepted for it here
    Column("events", Integer, nullable=False, default=0),  # the most events Sentry reported, or alerts
    Column("escalated", Integer, nullable=False, default=0),  # the highest threshold announced
    Column("updated_at", Float, nullable=False),
    # --- mentions and regressions (issue 14) ---
    Column("assignee_user", String(32)),  # the assignee's Slack user, when linked: shown as a mention
    Column("pinged_user", String(32)),  # the last assignee pinged in the thread: each assignment pings once
    Column("regressed_at", Float),  # a resolved issue seen again, until it is resolved or archived again
    Index(None, "issue_id"),
)

# A storm digest: one message per channel and storm, updated in place as alerts fold into it.
digests = Table(
    "digests",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("channel_id", String(32), nullable=False),
    Column("ts", String(32)),
    Column("entries", JSON, nullable=False),  # {issue_key: {"title", "project", "link", "count"}}
    Column("total", Integer, nullable=False, default=0),
    Column("opened_at", Float, nullable=False),
    Column("last_folded_at", Float, nullable=False),
    Column("synced_at", Float),  # when Slack last showed its current state
    Column("dirty", Boolean, nullable=False, default=True),  # Slack shows less than `entries`
    Column("in_flight_at", Float),  # as deliveries.in_flight_at, for the first post
    Column("closed", Boolean, nullable=False, default=False),
    Index(None, "channel_id", "closed"),
)
