"""The one `MetaData` every table joins.

Each feature owns its tables in its own module (`bot/store/alerts.py`, `audit.py`, ...) and
defines them on `metadata`; the schema changes themselves are Alembic revisions in
`bot/store/migrations/` (its docstring says how to add one).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import MetaData

__all__ = ["Component", "metadata", "register"]

# Named constraints, so a revision can refer to (and drop) them on PostgreSQL and SQLite alike.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


@dataclass(frozen=True)
class Component:
    """A feature's name, from before Alembic (0.1.0 recorded one `schema_version` row per component).

    Modules still declare theirs with `register(Component("alerts"))`; the versions now live in the
    Alembic revisions, so nothing but the name is kept.
    """

    name: str
    version: int = 1


def register(component: Component) -> Component:
    """Accept a module's component declaration (see `Component`); it changes nothing in the schema."""
    return component
