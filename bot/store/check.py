"""The database part of `sentry-bot check`: the URL, the connection, and whether the schema is current.

for ok, line in await check_database(settings.database_url, auto_migrate=settings.bot_auto_migrate == "on"):
    print(("ok    " if ok else "FAIL  ") + line)
"""

from __future__ import annotations

from pathlib import Path

from bot.settings import ConfigError
from bot.store import migrations
from bot.store.database import Database, database_url

__all__ = ["check_database"]


async def check_database(url: str, *, auto_migrate: bool = True) -> list[tuple[bool, str]]:
    """One (ok, line) per finding; a line that is not ok says what to do. Changes nothing: a schema
    behind the code is fine when the start upgrades it (`auto_migrate`), a failure otherwise."""
    try:
        sa_url = database_url(url)
    except ConfigError as exc:
        return [(False, str(exc))]
    where = sa_url.render_as_string(hide_password=True)
    if sa_url.get_backend_name() == "sqlite" and not _is_file(sa_url.database or ""):
        # Opening it would create it; the first start (or `sentry-bot migrate`) does that.
        return [(auto_migrate, f"Database: {where} does not exist yet; {_upgrade_hint(auto_migrate, 'creates it')}")]
    db = Database.from_url(url)
    try:
        todo = await migrations.pending(db)
    except migrations.SchemaError as exc:
        return [(True, f"Database: reachable at {where}"), (False, f"Database schema: {exc}")]
    except ConfigError as exc:
        return [(False, str(exc))]
    finally:
        await db.close()
    reachable = (True, f"Database: reachable at {where}")
    if not todo:
        return [reachable, (True, f"Database schema: current ({migrations.head()})")]
    behind = f"Database schema: revisions {', '.join(todo)} not applied; {_upgrade_hint(auto_migrate, 'applies them')}"
    return [reachable, (auto_migrate, behind)]


def _is_file(path: str) -> bool:  # one stat, at check time only
    return Path(path).is_file()


def _upgrade_hint(auto_migrate: bool, does: str) -> str:
    if auto_migrate:
        return f"the next start {does} (BOT_AUTO_MIGRATE=on), or run `sentry-bot migrate`"
    return f"BOT_AUTO_MIGRATE is off: run `sentry-bot migrate`, which {does}"
