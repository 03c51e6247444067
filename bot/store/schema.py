"""The one `MetaData` every table joins.

Each feature owns its tables in its own module (`bot/store/alerts.py`, `audit.py`, ...) and
defines them on `metadata`; the schema changes themselves are Alembic revisions in
`bot/store/migrations/` (its docstring says how to add one).
"""

from __future__ import annotations

from sqlalchemy import MetaData

__all__ = ["metadata"]

# Named constraints, so a revision can refer to (and drop) them on PostgreSQL and SQLite alike.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
