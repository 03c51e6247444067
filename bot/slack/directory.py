"""Slack's user directory, as the identity mapping needs it."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["SlackDirectory"]

log = logging.getLogger("bot.slack")


class SlackDirectory:
    """Emails of Slack users, from `users.info` (needs the `users:read.email` scope)."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def email_of(self, user_id: str) -> str | None:
        try:
            response = await self._client.users_info(user=user_id)
        except SlackApiError as exc:
            log.warning("slack.users_info.failed", extra={"user": user_id, "error": exc.response.get("error")})
            return None
        profile = (response.get("user") or {}).get("profile") or {}
        email = profile.get("email")
        return str(email) if email else None
