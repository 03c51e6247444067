"""Service hook secrets: the ones the bot stored when it created a hook, then `SENTRY_SERVICE_HOOK_SECRETS`.

Secrets are looked up by the hook's GUID (`X-ServiceHook-GUID`); logs name the GUID, never the secret.
A hook's secret never changes, so one found is remembered: a storm costs no query per delivery.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from pydantic import SecretStr
from sqlalchemy import select

from bot.store import Database
from bot.store.alerts import hook_secrets

__all__ = ["HookSecrets"]


class HookSecrets:
    def __init__(self, db: Database, *, configured: Mapping[str, SecretStr]) -> None:
        self._db = db
        self._configured = configured
        self._found: dict[str, str] = {}

    async def get(self, guid: str) -> str | None:
        """The secret of hook `guid`, or None when the bot does not know that hook."""
        if guid in self._found:
            return self._found[guid]
        async with self._db.read() as conn:
            stored = await conn.scalar(select(hook_secrets.c.secret).where(hook_secrets.c.hook_id == guid))
        configured = self._configured.get(guid)
        secret = str(stored) if stored is not None else configured.get_secret_value() if configured else None
        if secret is not None:
            self._found[guid] = secret
        return secret

    async def save(self, guid: str, *, project: str, url: str, secret: str) -> None:
        values = {"project": project, "url": url, "secret": secret}
        stmt = self._db.insert(hook_secrets).values(hook_id=guid, created_at=time.time(), **values)
        async with self._db.transaction() as conn:
            await conn.execute(stmt.on_conflict_do_update(index_elements=[hook_secrets.c.hook_id], set_=values))
        self._found[guid] = secret
