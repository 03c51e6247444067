"""The one `MetaData` every table joins, and the schema versions that let tables change later.

Each feature owns its tables in its own module (`bot/store/alerts.py`, later `audit.py`, ...):
it defines them on `metadata` and registers a `Component` naming its version and upgrade steps.
At start, `migrate()` upgrades existing components step by step, then creates whatever tables
are missing (a new component, or a table a step introduced), and records each version.

    AUDIT = register(Component("audit", version=2, upgrades={2: add_reason_column}))
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Column, Connection, Float, Integer, MetaData, String, Table, select

__all__ = ["Component", "Upgrade", "metadata", "migrate", "register", "schema_version"]

# Named constraints, so an upgrade step can refer to (and drop) them on PostgreSQL and SQLite alike.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

schema_version = Table(
    "schema_version",
    metadata,
    Column("component", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# An upgrade step runs inside the migration transaction, on a sync connection (`run_sync`).
Upgrade = Callable[[Connection], None]


@dataclass(frozen=True)
class Component:
    """The tables of one feature, versioned together.

    Args:
        name: a stable key in `schema_version`.
        version: the shape the code expects; bump it when adding an upgrade step.
        upgrades: `{n: step}` brings a database from version n-1 to n. Steps alter existing
            tables; brand-new tables need no step, `migrate()` creates missing tables itself.
    """

    name: str
    version: int = 1
    upgrades: Mapping[int, Upgrade] = field(default_factory=dict)


_components: dict[str, Component] = {}


def register(component: Component) -> Component:
    """Declare a component; its module must be imported before `migrate()` (see `bot/store/__init__.py`)."""
    if missing := [n for n in range(2, component.version + 1) if n not in component.upgrades]:
        raise ValueError(f"component {component.name!r} has no upgrade step to version(s) {missing}")
    _components[component.name] = component
    return component


def migrate(conn: Connection) -> None:
    """Bring the schema to what the code expects. The caller holds the transaction and its lock."""
    schema_version.create(conn, checkfirst=True)
    known = dict(conn.execute(select(schema_version.c.component, schema_version.c.version)).all())
    for component in _components.values():
        current = known.get(component.name)
        if current is not None and current > component.version:
            raise RuntimeError(
                f"the database holds {component.name!r} tables at version {current}, newer than this "
                f"sentry-bot understands ({component.version}): run the newer version, or restore a backup"
            )
        # A component with no row is new here: create_all below gives it its latest shape.
        for step in range((current or component.version) + 1, component.version + 1):
            component.upgrades[step](conn)
    metadata.create_all(conn, checkfirst=True)
    now = time.time()
    for component in _components.values():
        if component.name not in known:
            conn.execute(
                schema_version.insert().values(component=component.name, version=component.version, updated_at=now)
            )
        elif known[component.name] != component.version:
            conn.execute(
                schema_version.update()
                .where(schema_version.c.component == component.name)
                .values(version=component.version, updated_at=now)
            )
