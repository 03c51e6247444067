"""The Bolt app: one `/sentry` command, the buttons, the modals, the assignee picker, link unfurls.

Listeners are thin: they ack at once, then a lazy listener turns the Slack payload into a `Ctx` and
hands it to the transport-neutral `Dispatcher`/`Interactions`. No Sentry call happens before the ack.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.commands.auth import authorize
from bot.commands.context import Ctx, Reply, Services
from bot.commands.dispatch import ISSUE_URL, Dispatcher
from bot.commands.refs import load_issue
from bot.errors import PermissionDenied
from bot.interactions import Interactions, OpenModal, flatten_state
from bot.settings import Settings
from bot.views.blocks import LIMITS, actions
from bot.views.common import error_message, share_button
from bot.views.issue import issue_card
from bot.views.routing import Action, Callback, decode, encode

__all__ = ["build_bolt_app", "payload_for"]

log = logging.getLogger("bot.slack")

MODAL_ACTIONS = {Action.RESOLVE, Action.ARCHIVE, Action.ASSIGN, Action.LINK}
WORKSPACE_REFUSED = "This bot serves another Slack workspace."
CHANNEL_REFUSED = "The bot does not answer in this channel; ask an admin which channels it serves."


def payload_for(reply: Reply, command_text: str = "") -> dict[str, Any]:
    """The response_url / chat payload for a reply: ephemeral unless in_channel; Share when shareable."""
    blocks = list(reply.message.get("blocks", []))
    if reply.shareable and command_text:
        # Keep the Share row inside Slack's 50 blocks: it replaces the last one when the list is full.
        blocks = [*blocks[: LIMITS["blocks"] - 1], actions(share_button(command_text))]
    payload: dict[str, Any] = {
        "text": reply.message.get("text", ""),
        "blocks": blocks,
        "response_type": "in_channel" if reply.in_channel else "ephemeral",
    }
    if reply.replace_original:
        payload["replace_original"] = True
    return payload


def build_bolt_app(
    *,
    settings: Settings,
    services: Services,
    dispatcher: Dispatcher,
    client: AsyncWebClient,
    clock: Callable[[], float] = time.time,
    **bolt_options: Any,
) -> AsyncApp:
    """The Bolt app for HTTP and Socket Mode alike."""
    interactions = Interactions(dispatcher)
    app = AsyncApp(
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else "",
        process_before_response=False,
        **bolt_options,
    )
    expected_team: dict[str, str | None] = {"id": None}

    def make_ctx(body: dict[str, Any], **extra: Any) -> Ctx:
        user = body.get("user_id") or (body.get("user") or {}).get("id") or ""
        channel = body.get("channel_id") or (body.get("channel") or {}).get("id") or ""
        team = body.get("team_id") or (body.get("team") or {}).get("id")
        return Ctx(
            services=services,
            user_id=user,
            channel_id=channel,
            team_id=team,
            now=datetime.fromtimestamp(clock(), UTC),
            extra=extra,
        )

    @app.middleware
    async def only_our_workspace_and_channels(context: AsyncBoltContext, next: Callable[[], Any]) -> Any:
        """Refuse requests from another workspace, and channels outside BOT_ALLOWED_CHANNELS."""
        team = context.team_id
        if expected_team["id"] is None:
            auth = await client.auth_test()
            expected_team["id"] = auth.get("team_id")
        if team and expected_team["id"] and team != expected_team["id"]:
            log.warning("slack.request.foreign_workspace", extra={"team": team})
            return _refuse(WORKSPACE_REFUSED)
        allowed = settings.bot_allowed_channels
        if allowed and context.channel_id and context.channel_id not in allowed:
            return _refuse(CHANNEL_REFUSED)
        return await next()

    def _refuse(text: str) -> BoltResponse:
        # Answered in the ack itself: nothing runs, no Sentry call is made.
        body = json.dumps({"response_type": "ephemeral", "text": text})
        return BoltResponse(status=200, body=body, headers={"content-type": "application/json"})

    # --- /sentry ------------------------------------------------------------------------------

    async def ack_command(ack: AsyncAck) -> None:
        await ack()

    async def run_command(body: dict[str, Any], respond: AsyncRespond) -> None:
        text = body.get("text") or ""
        reply = await dispatcher.run(text, make_ctx(body))
        await respond(**payload_for(reply, text.strip()))

    app.command(re.compile(r"^/sentry"))(ack=ack_command, lazy=[run_command])

    # --- buttons ------------------------------------------------------------------------------

    async def ack_action(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        action = body["actions"][0]
        if action["action_id"] not in MODAL_ACTIONS:
            return
        # Opening a modal needs the click's trigger_id, which expires in 3 s: no Sentry call here.
        value = decode(action.get("value"))
        metadata = encode(
            issue=value.get("issue"),
            rurl=body.get("response_url"),
            ch=(body.get("channel") or {}).get("id"),
            ts=(body.get("container") or {}).get("message_ts"),
        )
        outcome = await interactions.button(action["action_id"], metadata, make_ctx(body))
        if isinstance(outcome, OpenModal):
            await client.views_open(trigger_id=body["trigger_id"], view=outcome.view)

    async def run_action(body: dict[str, Any], respond: AsyncRespond) -> None:
        action = body["actions"][0]
        if action["action_id"] in MODAL_ACTIONS or action["action_id"] == Action.OPEN:
            return
        outcome = await interactions.button(action["action_id"], action.get("value"), make_ctx(body))
        if isinstance(outcome, Reply):
            if outcome.in_channel:
                await respond(delete_original=True)
            await respond(**payload_for(outcome))

    for action_id in Action:
        app.action(action_id.value)(ack=ack_action, lazy=[run_action])

    # --- modals -------------------------------------------------------------------------------

    async def ack_view(ack: AsyncAck) -> None:
        await ack()

    async def run_view(body: dict[str, Any]) -> None:
        view = body["view"]
        metadata = view.get("private_metadata") or ""
        values = flatten_state((view.get("state") or {}).get("values") or {})
        meta = decode(metadata)
        reply = await interactions.submit(view["callback_id"], metadata, values, make_ctx(body))
        await _deliver_to_origin(meta, reply, body)

    async def _deliver_to_origin(meta: dict[str, Any], reply: Reply, body: dict[str, Any]) -> None:
        """Update the card the modal was opened from; errors go to the requester only."""
        payload = payload_for(reply)
        if meta.get("rurl"):
            await AsyncWebhookClient(meta["rurl"]).send_dict(payload)
            return
        user = (body.get("user") or {}).get("id")
        if meta.get("ch") and meta.get("ts") and reply.replace_original:
            await client.chat_update(channel=meta["ch"], ts=meta["ts"], text=payload["text"], blocks=payload["blocks"])
        elif meta.get("ch") and user:
            await client.chat_postEphemeral(
                channel=meta["ch"], user=user, text=payload["text"], blocks=payload["blocks"]
            )

    for callback in Callback:
        app.view(callback.value)(ack=ack_view, lazy=[run_view])

    # --- the assignee picker --------------------------------------------------------------------

    @app.options(Action.ASSIGN.value)
    async def assignee_options(ack: AsyncAck, body: dict[str, Any]) -> None:
        try:
            options = await interactions.suggest(Action.ASSIGN, body.get("value") or "", make_ctx(body))
        except Exception:
            log.exception("slack.options.failed")
            options = []
        await ack(options=options)

    # --- events -------------------------------------------------------------------------------

    @app.event("link_shared")
    async def unfurl_issue_links(event: dict[str, Any], client: AsyncWebClient) -> None:
        ctx = make_ctx({"user_id": event.get("user"), "channel_id": event.get("channel")})
        issue_cmd = dispatcher.registry.find(["issue"])
        assert issue_cmd is not None
        unfurls: dict[str, Any] = {}
        for link in event.get("links") or []:
            url = link.get("url", "")
            if not ISSUE_URL.match(url):
                continue
            try:
                await authorize(issue_cmd, ctx)
                issue = await load_issue(ctx, url)
            except PermissionDenied:
                return
            except Exception:
                log.info("slack.unfurl.skipped", extra={"url_domain": link.get("domain")})
                continue
            unfurls[url] = {"blocks": issue_card(issue, now=ctx.now)["blocks"]}
        if unfurls:
            await client.chat_unfurl(channel=event["channel"], ts=event["message_ts"], unfurls=unfurls)

    @app.event("app_mention")
    async def answer_mention(event: dict[str, Any], client: AsyncWebClient) -> None:
        text = re.sub(r"^\s*<@[A-Z0-9]+>\s*", "", event.get("text") or "")
        ctx = make_ctx({"user_id": event.get("user"), "channel_id": event.get("channel")})
        reply = await dispatcher.run(text, ctx)
        payload = payload_for(reply)
        thread = event.get("thread_ts") or event.get("ts")
        await client.chat_postEphemeral(
            channel=event["channel"], user=ctx.user_id, thread_ts=thread, text=payload["text"], blocks=payload["blocks"]
        )

    @app.error
    async def on_error(error: Exception, body: dict[str, Any], respond: AsyncRespond | None = None) -> None:
        log.exception("slack.listener.crashed", exc_info=error)
        if respond is not None:
            await respond(
                **payload_for(Reply(error_message("Something went wrong on the bot's side; it has been logged.")))
            )

    return app
