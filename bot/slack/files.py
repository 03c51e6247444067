"""Posting a chart into a channel or thread with Slack's upload flow.

`files.upload` is retired; an upload is three steps (docs.slack.dev/reference/methods/
files.getUploadURLExternal, "Usage info"): `files.getUploadURLExternal` (file name and length) gives
an upload URL and a file id, the bytes are POSTed to that URL, and `files.completeUploadExternal`
shares the file id into a channel (`channel_id`, optionally a thread). slack_sdk's `files_upload_v2`
does the three; its calls go through the client's retry handlers, so they are counted
(`bot.slack.calls`) like every other Slack call.

An ephemeral answer cannot carry a file: a chart always goes to a channel or a thread.
"""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.charts import ALT_MAX, Chart

__all__ = ["upload_chart"]


async def upload_chart(
    client: AsyncWebClient,
    *,
    channel_id: str,
    chart: Chart,
    thread_ts: str | None = None,
    comment: str | None = None,
) -> str:
    """Upload `chart`'s PNG into `channel_id` (as a reply in `thread_ts`, if given); the file's id.

    Args:
        client: the bot's Web API client (bot token with `files:write`).
        channel_id: a channel id (`C…`, `G…`, `D…`); Slack refuses user ids here, and answers
            `not_in_channel` when the bot is not a member (chat:write.public does not cover files).
        chart: what `bot.charts.render` drew; its alt text goes to screen readers.
        thread_ts: the parent message's ts, to post the chart in that thread.
        comment: mrkdwn posted with the file (`initial_comment`).

    Raises:
        slack_sdk.errors.SlackApiError: Slack refused a step (`not_in_channel`, `channel_not_found`...).
    """
    response = await client.files_upload_v2(
        channel=channel_id,
        file=chart.png,
        filename=chart.filename,
        title=chart.title or chart.filename,
        alt_txt=chart.alt[:ALT_MAX],
        thread_ts=thread_ts,
        initial_comment=comment,
    )
    return str(response["file"]["id"])
