"""Who a Slack user is in Sentry: mapped by email, with admin overrides.

A Slack user's email (from the chat directory, e.g. Slack's `users.info`) is matched against the
organization's members. Admins can pin a mapping with `/sentry identity set @user <email>`.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cachetools import TTLCache

from bot.identity_store import StoredOverrides
from bot.sentry.client import SentryClient
from bot.sentry.models import Member

if TYPE_CHECKING:  # bot.commands imports this module: a runtime import would be circular
    from bot.commands.context import Directory

__all__ = ["ROLE_RANK", "Identity", "Who"]

# Sentry's organization roles, least to most powerful (billing can see invoices, nothing else).
ROLE_RANK = {"billing": 0, "member": 1, "admin": 2, "manager": 3, "owner": 4}


@dataclass(frozen=True)
class Who:
    user_id: str
    email: str | None
    member: Member | None
    bot_admin: bool
    pinned: bool = False

    @property
    def role(self) -> str | None:
        return self.member.org_role if self.member else None

    @property
    def rank(self) -> int:
        return ROLE_RANK.get(self.role or "", -1)


class Identity:
    """Resolves Slack users to Sentry members; cached, since every command asks."""

    def __init__(
        self,
        *,
        sentry: SentryClient,
        directory: Directory,
        admins: frozenset[str] = frozenset(),
        overrides: MutableMapping[str, str] | None = None,
        ttl: float = 300.0,
    ) -> None:
        self._sentry = sentry
        self._directory = directory
        self._admins = admins
        self.overrides: MutableMapping[str, str] = overrides if overrides is not None else {}
        self._emails: TTLCache[str, str | None] = TTLCache(maxsize=4096, ttl=ttl)

    async def email_of(self, user_id: str) -> str | None:
        if isinstance(self.overrides, StoredOverrides):
            await self.overrides.refresh()  # another replica's links, within REFRESH_AFTER
        if user_id in self.overrides:
            return self.overrides[user_id]
        if user_id not in self._emails:
            self._emails[user_id] = await self._directory.email_of(user_id)
        return self._emails[user_id]

    async def member_by_email(self, email: str) -> Member | None:
        wanted = email.strip().lower()
        members = await self._sentry.list_members(max_pages=20)
        for member in members:
            emails = {member.email or "", member.user.email if member.user else ""}
            if wanted in {e.lower() for e in emails if e}:
                return member
        return None

    async def who(self, user_id: str) -> Who:
        email = await self.email_of(user_id)
        member = await self.member_by_email(email) if email else None
        return Who(
            user_id=user_id,
            email=email,
            member=member,
            bot_admin=user_id in self._admins,
            pinned=user_id in self.overrides,
        )

    async def pin(self, user_id: str, email: str, *, set_by: str = "") -> None:
        if isinstance(self.overrides, StoredOverrides):
            await self.overrides.save(user_id, email, set_by=set_by)  # the store first, then memory
        else:
            self.overrides[user_id] = email
        self._emails.pop(user_id, None)

    async def unpin(self, user_id: str) -> bool:
        self._emails.pop(user_id, None)
        if isinstance(self.overrides, StoredOverrides):
            return await self.overrides.delete(user_id)
        return self.overrides.pop(user_id, None) is not None
