"""Alembic's entry point: run by `bot.store.migrations` on a connection it already holds.

There is no alembic.ini: `bot.store.migrations.config()` builds the Config, and the caller puts
its open connection (inside its transaction, under its lock) in `config.attributes["connection"]`.
"""

from __future__ import annotations

from alembic import context

from bot.store import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, compare_type=True, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
