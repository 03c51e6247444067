"""The outbox: every accepted webhook, durable before Sentry hears 2xx, stored once however often it comes.

    outbox = Outbox(db, on_stored=worker.wake)
    stored = await outbox.put(Incoming(source=Source.SENTRY_APP, resource="issue", ...))

Changes made from Slack enter the same way (`issue_changed`), so they are paced, retried and
threaded exactly like changes reported by Sentry.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.alerts.parse import Source
from bot.store import Database
from bot.store.alerts import dedupe_keys, webhook_outbox

__all__ = ["ISSUE_ACTIONS", "Incoming", "Outbox"]

# What issue_changed() accepts: the Sentry App `issue` webhook's actions, plus unassigned.
ISSUE_ACTIONS = frozenset({"resolved", "unresolved", "ignored", "archived", "assigned", "unassigned"})


@dataclass(frozen=True)
class Incoming:
    """A verified webhook, ready to store."""

    source: Source
    resource: str
    action: str
    payload: Mapping[str, Any]
    # Sentry sends a delivery again after a timeout or a 5xx: the same key means the same delivery.
    dedupe_key: str | None
    hook: str | None = None  # the service hook GUID or Sentry App installation, for logs


class Outbox:
    def __init__(self, db: Database, *, on_stored: Callable[[], None] | None = None) -> None:
        self._db = db
        self._on_stored = on_stored

    async def put(self, incoming: Incoming) -> bool:
        """Store `incoming` unless its dedupe key was seen; True when stored, False for a repeat."""
        now = time.time()
        async with self._db.transaction() as conn:
            if incoming.dedupe_key is not None:
                seen = await conn.execute(
                    self._db.insert(dedupe_keys)
                    .values(key=incoming.dedupe_key, created_at=now)
                    .on_conflict_do_nothing()
                )
                if seen.rowcount == 0:
                    return False
            await conn.execute(
                webhook_outbox.insert().values(
                    source=incoming.source,
                    resource=incoming.resource,
                    action=incoming.action,
                    hook=incoming.hook,
                    payload=dict(incoming.payload),
                    received_at=now,
                )
            )
        if self._on_stored:
            self._on_stored()
        return True

    async def issue_changed(
        self,
        issue_id: str,
        *,
        actor: str,
        action: str,
        issue: Mapping[str, Any] | None = None,
        assignee: str | None = None,
    ) -> None:
        """Record a change made from Slack, so every alert message about the issue shows it.

        The parent messages are updated in place and their threads get "<actor> resolved this issue".
        When Sentry then reports the same change by webhook, it finds nothing new and stays quiet.

        Args:
            issue_id: Sentry's numeric issue id.
            actor: who did it: a Slack user id (shown as a mention) or a name.
            action: one of `ISSUE_ACTIONS`.
            issue: the issue as Sentry returned it after the change (status, assignedTo, count...),
                when the caller has it; without it the new status is inferred from `action`.
            assignee: for "assigned", the new assignee's name when `issue` does not carry it.
        """
        if action not in ISSUE_ACTIONS:
            raise ValueError(f"issue_changed: action must be one of {sorted(ISSUE_ACTIONS)}, not {action!r}")
        data = {**(issue or {}), "id": str(issue_id)}
        if assignee is not None:
            data["assignedTo"] = {"name": assignee}
        payload = {"action": action, "actor": {"type": "user", "name": actor}, "data": {"issue": data}}
        await self.put(Incoming(source=Source.SLACK, resource="issue", action=action, payload=payload, dedupe_key=None))
