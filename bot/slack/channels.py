"""The Slack channels the bot can post alerts in, as Sentry's alert-rule form offers them.

    channels = ChannelDirectory(client)
    found = await channels.find("#general")       # by name or id; None when the bot cannot post there
    choices = await channels.postable(query="web")  # for the form's type-ahead

Which channels: every public channel that is not archived (the bot has `chat:write.public`, "send
messages to channels @app isn't a member of", so it needs no invitation there) and the private
channels the bot is a member of (the only private ones it can see or post in). Read with
`conversations.list` (docs.slack.dev/reference/methods/conversations.list: `types`,
`exclude_archived`, `limit` up to 1000 with 200 advised, paged by `response_metadata.next_cursor`,
an empty cursor on the last page; scopes `channels:read` and `groups:read`). The list is kept for
`ttl` seconds: Sentry asks on every keystroke, and the method is Tier 2 (about 20 calls a minute).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["Channel", "ChannelDirectory", "normalize"]

log = logging.getLogger("bot.slack")

# Enough for large workspaces (25 pages of 200); past it the directory answers what it has read.
MAX_PAGES = 25
PAGE_SIZE = 200
# A list this young is not read again for `find(fresh=True)`.
_FRESH_ENOUGH = 5.0
# Slack channel ids: C (public or private), G (older private channels).
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{6,}")
# A channel mention as Slack encodes it: <#C0123|general> or <#C0123>.
_MENTION = re.compile(r"<#([CG][A-Z0-9]{6,})(?:\|[^>]*)?>")


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    is_private: bool = False

    @property
    def label(self) -> str:
        return f"#{self.name} (private)" if self.is_private else f"#{self.name}"


def normalize(value: str) -> str:
    """A channel setting as rules may spell it (`#General`, `general`, `C0123ABCD`, `<#C0123ABCD|x>`):
    the channel id, or the name in lowercase without `#` (Slack's names are lowercase)."""
    text = value.strip()
    if mention := _MENTION.fullmatch(text):
        return mention.group(1)
    if _CHANNEL_ID.fullmatch(text):
        return text
    return text.removeprefix("#").strip().lower()


def is_channel_id(value: str) -> bool:
    return bool(_CHANNEL_ID.fullmatch(value))


class ChannelDirectory:
    """The channels the bot can post in, listed from Slack and kept `ttl` seconds."""

    def __init__(
        self, client: AsyncWebClient, *, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._clock = clock
        self._channels: list[Channel] | None = None
        self._read_at = 0.0
        self._lock = asyncio.Lock()

    async def postable(self, query: str = "", *, limit: int = 100) -> list[Channel]:
        """Up to `limit` channels whose name contains `query` (any case, `#` ignored), by name;
        names starting with it first."""
        wanted = query.strip().removeprefix("#").lower()
        channels = [c for c in await self._all() if wanted in c.name]
        channels.sort(key=lambda c: (not c.name.startswith(wanted), c.name))
        return channels[:limit]

    async def find(self, value: str, *, fresh: bool = False) -> Channel | None:
        """The channel a setting names (by id or name), if the bot can post in it. `fresh`: one not in
        the kept list is looked for in a new one (a channel made a moment ago, an invitation just sent)."""
        key = normalize(value)
        found = next((c for c in await self._all() if key in (c.id, c.name)), None)
        if found is None and fresh and self._clock() - self._read_at > _FRESH_ENOUGH:
            found = next((c for c in await self._all(refresh=True) if key in (c.id, c.name)), None)
        return found

    async def _all(self, *, refresh: bool = False) -> list[Channel]:
        async with self._lock:
            if refresh or self._channels is None or self._clock() - self._read_at > self._ttl:
                self._channels = await self._list()
                self._read_at = self._clock()
            return self._channels

    async def _list(self) -> list[Channel]:
        found: list[Channel] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page = await self._client.conversations_list(
                types="public_channel,private_channel", exclude_archived=True, limit=PAGE_SIZE, cursor=cursor
            )
            for raw in page.get("channels") or []:
                if not raw.get("id") or not raw.get("name") or raw.get("is_archived"):
                    continue
                private = bool(raw.get("is_private"))
                if private and not raw.get("is_member"):
                    continue  # a private channel the bot was not invited to: it cannot post there
                found.append(Channel(id=str(raw["id"]), name=str(raw["name"]), is_private=private))
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return found
        log.warning("slack.channels.truncated", extra={"pages": MAX_PAGES, "channels": len(found)})
        return found
