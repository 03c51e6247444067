"""Which Slack user a Sentry member is, for naming an assignee as a real mention (issue 14).

    people = People(db, slack)
    await people.slack_user("dave@acme.example")   # "UDAVE", or None when nobody is linked

The inverse of `bot.identity.Identity`, by the same rules: an admin's link
(`/sentry identity set @user <email>`, the `identity_overrides` table) first, then the Slack user
whose directory email is the member's (Slack's `users.lookupByEmail`, scope `users:read.email`).
Answers are cached for a while; a Slack that fails or is slow gives no mention (the assignee is
then named as Sentry names them), never a stuck alert.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from cachetools import TTLCache
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

from bot.alerts.slack_errors import TRANSPORT_ERRORS
from bot.store import Database
from bot.store.identity import identity_overrides

__all__ = ["LOOKUP_TIMEOUT", "People"]

log = logging.getLogger(__name__)

# Routing waits this long for Slack at most per batch of new emails: alerts must keep flowing.
LOOKUP_TIMEOUT = 3.0
# Slack's answer when no user has the email (api.slack.com/methods/users.lookupByEmail, Errors).
_NOBODY = "users_not_found"


class People:
    """Args:
    db: the store (for the identity links admins set).
    slack: the Web API client; None: admin links only.
    ttl: seconds an answer is kept.
    """

    def __init__(self, db: Database, slack: AsyncWebClient | None, *, ttl: float = 300.0) -> None:
        self._db = db
        self._slack = slack
        self._known: TTLCache[str, str | None] = TTLCache(maxsize=4096, ttl=ttl)

    async def slack_users(self, emails: Iterable[str]) -> dict[str, str]:
        """The linked Slack user of each of `emails` that has one (keys lowercased)."""
        wanted = {e.strip().lower() for e in emails if e and e.strip()}
        missing = sorted(e for e in wanted if e not in self._known)
        if missing:
            try:
                await asyncio.wait_for(self._look_up(missing), timeout=LOOKUP_TIMEOUT)
            except TimeoutError:
                log.warning("alerts.people.slow", extra={"emails": len(missing)})
        return {e: user for e in wanted if (user := self._known.get(e))}

    async def slack_user(self, email: str) -> str | None:
        return (await self.slack_users([email])).get(email.strip().lower())

    async def _look_up(self, emails: list[str]) -> None:
        async with self._db.read() as conn:
            rows = await conn.execute(
                select(identity_overrides.c.slack_user_id, func.lower(identity_overrides.c.email)).where(
                    func.lower(identity_overrides.c.email).in_(emails)
                )
            )
            for user_id, email in rows:
                self._known[email] = user_id
        for email in emails:
            if email in self._known:
                continue
            if self._slack is None:
                self._known[email] = None
                continue
            try:
                answer = await self._slack.users_lookupByEmail(email=email)
            except SlackApiError as exc:
                code = exc.response.get("error")
                if code == _NOBODY:
                    self._known[email] = None
                else:  # not cached: the next alert asks again
                    log.warning("alerts.people.lookup-failed", extra={"error": code})
                continue
            except TRANSPORT_ERRORS as exc:
                log.warning("alerts.people.lookup-failed", extra={"error": type(exc).__name__})
                continue
            user = answer.get("user") or {}
            self._known[email] = str(user["id"]) if user.get("id") and not user.get("deleted") else None
