"""The App Home tab on Slack's side: which channels a person is in, and publishing their view.

`users.conversations` with `user=` lists a person's public channels, and the private ones the bot
shares with them ("Private channel membership is only listed when the calling user, bot user, or
app shares membership", docs.slack.dev/reference/methods/users.conversations); that is exactly the
set the bot may talk about with them. It pages by cursor; Slack recommends no more than 200 a page.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands.context import Ctx
from bot.home import gather
from bot.views.home import home_view

__all__ = ["CHANNEL_PAGES", "member_channels", "publish_home"]

log = logging.getLogger("bot.slack")

_PAGE = 200
# Five pages are 1,000 channels: more than one person's Home tab could show, and a bound on the calls.
CHANNEL_PAGES = 5


async def member_channels(client: AsyncWebClient, user_id: str) -> frozenset[str] | None:
    """The public and shared private channels `user_id` is in; None when Slack refuses to say."""
    found: set[str] = set()
    cursor: str | None = None
    for _ in range(CHANNEL_PAGES):
        try:
            response = await client.users_conversations(
                user=user_id, types="public_channel,private_channel", exclude_archived=True, limit=_PAGE, cursor=cursor
            )
        except SlackApiError as exc:
            log.warning("slack.users_conversations.failed", extra={"error": exc.response.get("error")})
            return None
        found.update(str(c["id"]) for c in response.get("channels") or [] if c.get("id"))
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            break
    return frozenset(found)


async def publish_home(client: AsyncWebClient, ctx: Ctx) -> None:
    """Gather `ctx.user_id`'s Home tab and publish it (views.publish needs no scope)."""
    channels = await member_channels(client, ctx.user_id)
    state = await gather(ctx, channels=channels)
    await client.views_publish(user_id=ctx.user_id, view=home_view(state, now=ctx.now))
