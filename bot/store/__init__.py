"""Everything the bot keeps: SQLAlchemy Core tables on one `metadata`, and the `Database` around them.

A feature's tables live in their own module here, on `metadata`; import that module below, and add
its Alembic revision (bot/store/migrations/__init__.py says how) so `Database.connect()` creates or
upgrades its tables at start.
"""

# alert pipeline, audit log, Slack events seen, identity, mutes, channels Sentry alert rules choose,
# scheduled reports
from bot.store import alerts, audit, events, identity, mutes, reports, rule_channels
from bot.store.database import Database, RawJSON, database_url
from bot.store.schema import metadata

__all__ = [
    "Database",
    "RawJSON",
    "alerts",
    "audit",
    "database_url",
    "events",
    "identity",
    "metadata",
    "mutes",
    "reports",
    "rule_channels",
]
