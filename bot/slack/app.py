"""The Bolt app: one `/sentry` command, the buttons, the modals, the assignee picker, link unfurls.

Listeners are thin: they ack at once, then a background task turns the Slack payload into a `Ctx` and
hands it to the transport-neutral `Dispatcher`/`Interactions`. No Sentry call happens before the ack.

Why not Bolt's defaults (measured in bench/README.md):
- `process_before_response=True`: the ack goes out as soon as the ack listener returns. With False,
  Bolt runs the listener as a task and polls for its ack every 10 ms, and that poll, not the work,
  capped the ack rate. So every listener only acks (the assignee picker aside: its ack is the answer).
- `BotApp.after_ack` instead of Bolt's lazy listeners: a lazy listener starts with a deep copy of the
  whole request and its context, a fifth of the bot's CPU per `/sentry help`. The task gets the body
  Bolt already parsed; crashes are logged, and the user told when there is a response_url.
- `ResponseUrls`: answers go over one keep-alive session, not a new session and connection (and
  TLS handshake with Slack) per answer as with Bolt's `respond`; the Web API client shares it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.alerts.plan import ALERT_EVENT, DIGEST_EVENT, REPORT_EVENT
from bot.charts import render
from bot.commands.auth import authorize
from bot.commands.context import Ctx, Reply, Services
from bot.commands.dispatch import Dispatcher, answer_in_time, normalize, tokenize
from bot.commands.refs import sentry_link
from bot.commands.slash import using
from bot.commands.triage import issue_card_for
from bot.errors import PermissionDenied
from bot.interactions import Interactions, OpenModal, PostChart, flatten_state
from bot.settings import Settings
from bot.slack.files import upload_chart
from bot.slack.home import publish_home
from bot.slack.text import from_slack, slack_url
from bot.store.events import SeenEvents
from bot.views.blocks import esc
from bot.views.common import error_message, still_waiting, with_share
from bot.views.routing import Action, Callback, decode, encode
from bot.views.tickets import form_not_opened, loading_modal, message_modal, submission_errors

__all__ = ["Answered", "BotApp", "ResponseUrls", "build_bolt_app", "payload_for"]

log = logging.getLogger("bot.slack")

MODAL_ACTIONS = {Action.RESOLVE, Action.ARCHIVE, Action.ASSIGN, Action.LINK}
# Clicks on the Home tab carry no response_url and no channel: they republish the tab instead.
HOME_ACTIONS = {Action.HOME_REFRESH}
# Clicks and commands whose modal needs Sentry first (the ticket form): a loading view opens at once,
# while the trigger_id is valid, and `views.update` puts the form (or what went wrong) in its place.
LOADED_MODAL_ACTIONS = {Action.TICKET}
LOADED_MODAL_COMMANDS = {"ticket"}
# A ticket submission waits this long for Sentry before the ack, so the tracker's field errors can
# go back onto the form (`response_action: errors` exists only in the ack, due within 3 s).
TICKET_ACK_SECONDS = 2.5
WORKSPACE_REFUSED = "This bot serves another Slack workspace."
CRASHED = "Something went wrong on the bot's side; it has been logged."
CHANNEL_REFUSED = "The bot does not answer in this channel; ask an admin which channels it serves."
CHART_COMMENT = "{command} · asked by <@{user}>"
# files.completeUploadExternal needs the bot in the channel, even where chat:write.public lets it post.
CHART_NOT_IN_CHANNEL = (
    "I can only post a chart in a channel I am a member of. Add me to this one "
    "(`/invite @` and my name, or the channel's *Integrations* tab), then click *Post chart in channel* again; "
    "*Share in channel* posts the numbers as text without that."
)
CHART_REFUSED = "Slack refused the chart ({error}). *Share in channel* posts the numbers as text."


_JSON = {"Content-Type": "application/json;charset=utf-8"}
_DROPPED = (aiohttp.ServerDisconnectedError, aiohttp.ServerConnectionError, aiohttp.ClientOSError)


@dataclass(frozen=True)
class Answered:
    """What a response_url said to an answer."""

    status: int
    body: str


class ResponseUrls:
    """Posts answers to response_urls over one keep-alive session (Slack's are all on hooks.slack.com).

    Bolt's `respond` opens a new aiohttp session, so a new connection and TLS handshake, per answer;
    slack_sdk's webhook client on a shared session still costs half as much CPU again as a plain post
    (bench/README.md). As that client does, a post that meets a dropped connection (a pooled one Slack
    closed) is sent once more. The session also carries the Web API client's calls (`build_bolt_app`).
    """

    def __init__(self, *, timeout: float = 30.0) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        """The keep-alive session (made on first use, in the running loop)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def send(self, url: str | None, payload: dict[str, Any]) -> Answered:
        if not url:
            raise ValueError("this request has no response_url to answer")
        data = json.dumps(payload).encode()
        for attempt in (1, 2):
            try:
                async with self.session().post(url, data=data, headers=_JSON) as resp:
                    answered = Answered(resp.status, await resp.text())
                break
            except _DROPPED:
                if attempt == 2:
                    raise
        if answered.status != 200:
            log.warning("slack.respond.refused", extra={"status": answered.status, "error": answered.body[:100]})
        return answered

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class BotApp(AsyncApp):
    """The Bolt app plus what it owns: the work started after acks, and the response_url session."""

    def __init__(self, *, responses: ResponseUrls, **options: Any) -> None:
        super().__init__(**options)
        self.responses = responses
        self._work: set[asyncio.Task[None]] = set()

    def after_ack(self, work: Coroutine[Any, Any, None], *, answer_to: str | None = None) -> None:
        """Start `work` without holding up the ack. A crash is logged, and said to `answer_to` (a response_url)."""
        task = asyncio.get_running_loop().create_task(self._guarded(work, answer_to))
        self._work.add(task)  # the loop keeps only a weak reference to a task
        task.add_done_callback(self._work.discard)

    async def _guarded(self, work: Coroutine[Any, Any, None], answer_to: str | None) -> None:
        try:
            await work
        except Exception as error:
            log.exception("slack.listener.crashed", exc_info=error)
            if answer_to:
                try:
                    await self.responses.send(answer_to, payload_for(Reply(error_message(CRASHED))))
                except Exception:
                    log.exception("slack.respond.failed")

    async def close(self, *, grace: float = 10.0) -> None:
        """Let the work in flight finish (for up to `grace` seconds), then close the session."""
        if self._work:
            _, late = await asyncio.wait(set(self._work), timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await self.responses.close()


def on_alert_message(body: dict[str, Any]) -> bool:
    """Whether the click came from a message the alert pipeline posted (it carries their metadata),
    a scheduled report among them: a click's answer must not replace a whole report."""
    metadata = (body.get("message") or {}).get("metadata") or {}
    return metadata.get("event_type") in (ALERT_EVENT, DIGEST_EVENT, REPORT_EVENT)


def keep_alert_messages(reply: Reply, from_alert: bool) -> Reply:
    """An alert message is the alert pipeline's: it re-renders it (and says who did what in its thread)
    when told of the change, so the click's answer goes to the clicker instead of replacing it."""
    return replace(reply, replace_original=False) if from_alert and reply.replace_original else reply


def action_value(action: dict[str, Any]) -> str | None:
    """What a click carries: a button's `value`, or the chosen option's of a select or overflow menu
    (Slack's block_actions payload: `selected_option.value`)."""
    if "value" in action:
        return action.get("value")
    return (action.get("selected_option") or {}).get("value")


def payload_for(reply: Reply, command_text: str = "") -> dict[str, Any]:
    """The response_url / chat payload for a reply: ephemeral unless in_channel; Share when shareable,
    and "Post chart in channel" when it has a chart (an ephemeral answer cannot show the image)."""
    blocks = list(reply.message.get("blocks", []))
    if reply.shareable and command_text:
        blocks = with_share(blocks, command_text, chart=reply.chart is not None and not reply.in_channel)
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
) -> BotApp:
    """The Bolt app for HTTP and Socket Mode alike."""
    interactions = Interactions(dispatcher)
    responses = ResponseUrls()
    if client.session is None:
        # The Web API client (users.info, views.open, chat.*) shares the keep-alive session: without
        # one, slack_sdk opens a session and a connection per call (bench/README.md, memory). Once the
        # session is closed on shutdown, slack_sdk goes back to a session per call.
        client.session = responses.session()
    app = BotApp(
        responses=responses,
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else "",
        # Ack listeners only ack, so answer as soon as they return (see the module's docstring).
        process_before_response=True,
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

    async def run_command(body: dict[str, Any]) -> None:
        text = from_slack(body.get("text") or "")
        url = body.get("response_url")
        if body.get("trigger_id") and opens_loaded_modal(text):
            origin = {"rurl": url, "ch": body.get("channel_id")}
            await run_in_loaded_modal(body, dispatcher.run(text, make_ctx(body, origin=origin)), url, say=True)
            return

        async def interim() -> None:
            await responses.send(url, payload_for(Reply(still_waiting())))

        reply, waited = await answer_in_time(dispatcher.run(text, make_ctx(body)), interim=interim)
        if waited:
            # The final answer takes the interim one's place (response_url's `replace_original`,
            # api.slack.com/interactivity/handling#message_responses); an in-channel answer cannot
            # replace an ephemeral message, so the interim one is deleted and the answer posted.
            if reply.in_channel:
                await responses.send(url, {"delete_original": True})
            else:
                reply = replace(reply, replace_original=True)
        await responses.send(url, payload_for(reply, text.strip()))

    @app.command(settings.slack_command)
    async def ack_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        app.after_ack(run_command(body), answer_to=body.get("response_url"))

    def opens_loaded_modal(text: str) -> bool:
        found = dispatcher.registry.match(tokenize(normalize(text)))
        return found is not None and found[0].name in LOADED_MODAL_COMMANDS

    async def run_in_loaded_modal(
        body: dict[str, Any], work: Coroutine[Any, Any, Reply], url: str | None, *, say: bool = False
    ) -> None:
        """Open a loading modal now, then show the reply's modal in it (or its message, an error).

        With `say` (a typed command), the reply's message also answers on the response_url, so the
        channel keeps a trace of the command; a click's answer is the modal alone."""
        try:
            opened = await client.views_open(trigger_id=body["trigger_id"], view=loading_modal())
            view_id = str((opened.get("view") or {}).get("id") or "")
        except SlackApiError as exc:
            # The trigger expired or Slack refused: answer as text instead.
            log.info("slack.modal.not_opened", extra={"error": str(exc.response.get("error"))})
            view_id = ""
        reply = await work
        if view_id:
            await client.views_update(view_id=view_id, view=reply.modal or message_modal(reply.message))
        if not view_id and reply.modal is not None:
            reply = Reply(form_not_opened())
        if (say or not view_id) and url:
            await responses.send(url, payload_for(reply))

    # --- buttons ------------------------------------------------------------------------------

    async def open_modal(body: dict[str, Any], client: AsyncWebClient) -> None:
        # Opening a modal needs the click's trigger_id, which expires in 3 s: no Sentry call here.
        action = body["actions"][0]
        value = decode(action.get("value"))
        metadata = encode(
            issue=value.get("issue"),
            rurl=body.get("response_url"),
            ch=(body.get("channel") or {}).get("id"),
            ts=(body.get("container") or {}).get("message_ts"),
            alert=on_alert_message(body) or None,
        )
        outcome = await interactions.button(action["action_id"], metadata, make_ctx(body))
        if isinstance(outcome, OpenModal):
            await client.views_open(trigger_id=body["trigger_id"], view=outcome.view)

    async def open_loaded_modal(body: dict[str, Any]) -> None:
        action = body["actions"][0]
        value = decode(action.get("value"))
        # Where the answer goes once the form is sent: the card clicked (or the alert message).
        origin = encode(
            issue=value.get("issue"),
            integ=value.get("integ"),
            link=value.get("link"),
            rurl=body.get("response_url"),
            ch=(body.get("channel") or {}).get("id"),
            ts=(body.get("container") or {}).get("message_ts"),
            alert=on_alert_message(body) or None,
        )

        async def answer() -> Reply:
            outcome = await interactions.button(action["action_id"], origin, make_ctx(body))
            # The Create ticket button answers with the form (a modal) or with what went wrong.
            assert not isinstance(outcome, PostChart)
            return outcome if isinstance(outcome, Reply) else Reply(outcome.view, modal=outcome.view)

        await run_in_loaded_modal(body, answer(), body.get("response_url"))

    async def post_chart(outcome: PostChart, body: dict[str, Any], client: AsyncWebClient) -> None:
        """Draw the chart (in a thread: it is CPU work) and upload it where the button was clicked:
        the channel, or the thread the answer was in. A refusal is told to the clicker only."""
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
        thread = container.get("thread_ts") or (body.get("message") or {}).get("thread_ts")
        user = (body.get("user") or {}).get("id") or ""
        chart = await asyncio.to_thread(render, outcome.spec)
        comment = CHART_COMMENT.format(command=f"`{esc(dispatcher.command)} {esc(outcome.command)}`", user=user)
        try:
            await upload_chart(client, channel_id=str(channel), chart=chart, thread_ts=thread, comment=comment)
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "unknown")
            log.warning("slack.chart.refused", extra={"error": error, "channel": channel})
            text = CHART_NOT_IN_CHANNEL if error == "not_in_channel" else CHART_REFUSED.format(error=esc(error))
            await responses.send(body.get("response_url"), payload_for(Reply(error_message(text))))
            return
        # The log has the chart's words, never the image.
        log.info("slack.chart.posted", extra={"bytes": len(chart.png), "channel": channel, "alt": chart.alt})

    async def run_action(body: dict[str, Any], client: AsyncWebClient) -> None:
        action = body["actions"][0]
        outcome = await interactions.button(action["action_id"], action_value(action), make_ctx(body))
        if isinstance(outcome, PostChart):
            await post_chart(outcome, body, client)
        elif isinstance(outcome, Reply):
            outcome = keep_alert_messages(outcome, on_alert_message(body))
            url = body.get("response_url")
            if outcome.in_channel:
                await responses.send(url, {"delete_original": True})
            await responses.send(url, payload_for(outcome))

    async def ack_action(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        action_id = body["actions"][0]["action_id"]
        if action_id == Action.OPEN:
            return
        if action_id in LOADED_MODAL_ACTIONS:
            work = open_loaded_modal(body)
        else:
            work = open_modal(body, client) if action_id in MODAL_ACTIONS else run_action(body, client)
        app.after_ack(work, answer_to=body.get("response_url"))

    for action_id in Action:
        if action_id not in HOME_ACTIONS:
            app.action(action_id.value)(ack_action)

    # --- modals -------------------------------------------------------------------------------

    async def run_view(body: dict[str, Any]) -> None:
        view = body["view"]
        metadata = view.get("private_metadata") or ""
        values = flatten_state((view.get("state") or {}).get("values") or {})
        meta = decode(metadata)
        reply = await interactions.submit(view["callback_id"], metadata, values, make_ctx(body))
        await _deliver_to_origin(meta, reply, body)

    async def _deliver_to_origin(meta: dict[str, Any], reply: Reply, body: dict[str, Any]) -> None:
        """Update the card the modal was opened from; errors go to the requester only."""
        reply = keep_alert_messages(reply, bool(meta.get("alert")))
        payload = payload_for(reply)
        if meta.get("rurl"):
            await responses.send(meta["rurl"], payload)
            return
        user = (body.get("user") or {}).get("id")
        if meta.get("ch") and meta.get("ts") and reply.replace_original:
            await client.chat_update(channel=meta["ch"], ts=meta["ts"], text=payload["text"], blocks=payload["blocks"])
        elif meta.get("ch") and user:
            await client.chat_postEphemeral(
                channel=meta["ch"], user=user, text=payload["text"], blocks=payload["blocks"]
            )

    async def ack_view(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        app.after_ack(run_view(body))

    async def submit_view(body: dict[str, Any]) -> Reply:
        view = body["view"]
        metadata = view.get("private_metadata") or ""
        values = flatten_state((view.get("state") or {}).get("values") or {})
        return await interactions.submit(view["callback_id"], metadata, values, make_ctx(body))

    async def ack_ticket_view(ack: AsyncAck, body: dict[str, Any]) -> None:
        """Send the form to Sentry before the ack when it answers in time: a refused field then shows
        on the form itself; a slow Sentry gets the ack, and the answer goes to the card when it comes."""
        meta = decode(body["view"].get("private_metadata"))
        task = asyncio.ensure_future(submit_view(body))
        done, _ = await asyncio.wait({task}, timeout=TICKET_ACK_SECONDS)
        if done and not task.cancelled() and task.exception() is None:
            reply = task.result()
            inputs = [str(b.get("block_id")) for b in body["view"].get("blocks") or [] if b.get("type") == "input"]
            errors = submission_errors(reply.field_errors or {}, inputs)
            if errors:
                await ack(response_action="errors", errors=errors)
                return
            await ack()
            app.after_ack(_deliver_to_origin(meta, reply, body))
            return
        await ack()

        async def later() -> None:
            await _deliver_to_origin(meta, await task, body)

        app.after_ack(later())

    for callback in Callback:
        app.view(callback.value)(ack_ticket_view if callback is Callback.TICKET else ack_view)

    # --- the assignee picker --------------------------------------------------------------------

    @app.options(Action.ASSIGN.value)
    async def assignee_options(ack: AsyncAck, body: dict[str, Any]) -> None:
        try:
            # The picker's modal names its issue in `view.private_metadata` (bolt.block_suggestion.json).
            metadata = str((body.get("view") or {}).get("private_metadata") or "")
            query = body.get("value") or ""
            options = await interactions.suggest(Action.ASSIGN, query, make_ctx(body), metadata=metadata)
        except Exception:
            log.exception("slack.options.failed")
            options = []
        await ack(options=options)

    # --- events: Bolt acks them itself once the listener returns ----------------------------------

    seen = SeenEvents(services.store) if services.store is not None else None

    @app.middleware
    async def each_event_once(body: dict[str, Any], next: Callable[[], Any]) -> Any:
        """A redelivered event (same `event_id`, `X-Slack-Retry-Num` set) is acked, not handled again:
        the delivery Slack thinks failed is being handled, here or by another replica."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if seen is None or not event_id:
            return await next()
        try:
            first = await seen.first_sighting(str(event_id), clock())
        except (SQLAlchemyError, OSError):
            # Better a rare second answer than none: handle it, as if the store had said "first".
            log.exception("slack.event.unrecorded", extra={"event_id": event_id})
            first = True
        if first:
            return await next()
        log.info("slack.event.redelivered", extra={"event_id": event_id})
        return BoltResponse(status=200, body="")

    async def unfurl_issue_links(event: dict[str, Any], client: AsyncWebClient) -> None:
        ctx = make_ctx({"user_id": event.get("user"), "channel_id": event.get("channel")})
        issue_cmd = dispatcher.registry.find(["issue"])
        assert issue_cmd is not None
        unfurls: dict[str, Any] = {}
        for link in event.get("links") or []:
            sent = link.get("url", "")
            # chat.unfurl is keyed by the URL as the event gave it; Sentry is asked with the decoded one.
            url = slack_url(sent)
            if sentry_link(url, sentry_url=str(settings.sentry_url)) is None:
                continue
            try:
                await authorize(issue_cmd, ctx)
                card = await issue_card_for(ctx, url)
            except PermissionDenied:
                return
            except Exception:
                log.info("slack.unfurl.skipped", extra={"url_domain": link.get("domain")})
                continue
            unfurls[sent] = {"blocks": card["blocks"]}
        if not unfurls:
            return
        if event.get("unfurl_id") and event.get("source"):
            # Links typed in the composer are not in a channel yet (`channel: COMPOSER`): only
            # unfurl_id and source name them (docs.slack.dev/changelog/2021-08-changes-to-unfurls).
            await client.chat_unfurl(unfurl_id=event["unfurl_id"], source=event["source"], unfurls=unfurls)
        else:
            await client.chat_unfurl(channel=event["channel"], ts=event["message_ts"], unfurls=unfurls)

    @app.event("link_shared")
    async def on_link_shared(event: dict[str, Any], client: AsyncWebClient) -> None:
        app.after_ack(unfurl_issue_links(event, client))

    async def answer_mention(event: dict[str, Any], client: AsyncWebClient) -> None:
        text = re.sub(r"^\s*<@[A-Z0-9]+>\s*", "", from_slack(event.get("text") or ""))
        ctx = make_ctx({"user_id": event.get("user"), "channel_id": event.get("channel")})
        reply = await dispatcher.run(text, ctx)
        payload = payload_for(reply)
        # An ephemeral in a thread is shown only when that thread exists (chat.postEphemeral,
        # `thread_ts`): a mention in a thread is answered there, a top-level one in the channel.
        thread = event.get("thread_ts")
        await client.chat_postEphemeral(
            channel=event["channel"], user=ctx.user_id, thread_ts=thread, text=payload["text"], blocks=payload["blocks"]
        )

    @app.event("app_mention")
    async def on_app_mention(event: dict[str, Any], client: AsyncWebClient) -> None:
        app.after_ack(answer_mention(event, client))

    # --- the Home tab ------------------------------------------------------------------------------

    async def show_home(user_id: str, client: AsyncWebClient) -> None:
        with using(settings.slack_command):
            await publish_home(client, make_ctx({"user_id": user_id}))

    @app.event("app_home_opened")
    async def on_home_opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        # The event also comes when the Messages or About tab is opened (`tab`, docs.slack.dev/
        # reference/events/app_home_opened); only the Home tab shows a view.
        if event.get("tab", "home") == "home" and event.get("user"):
            app.after_ack(show_home(str(event["user"]), client))

    @app.action(Action.HOME_REFRESH.value)
    async def on_home_refresh(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        user = (body.get("user") or {}).get("id")
        if user:
            app.after_ack(show_home(str(user), client))

    @app.error
    async def on_error(error: Exception, body: dict[str, Any], respond: AsyncRespond | None = None) -> None:
        log.exception("slack.listener.crashed", exc_info=error)
        if respond is not None:
            await respond(**payload_for(Reply(error_message(CRASHED))))

    return app
