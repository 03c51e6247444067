"""Sending: one channel at a time, one Slack call per turn, at Slack's pace, whatever the replicas.

A turn:
1. claim, in one transaction: a channel that is due, whose pace allows a call and that nobody
   holds, taken with `SELECT ... FOR UPDATE SKIP LOCKED` so replicas pick different channels;
   decide its call (`Planner`); take a lease on it; move its `next_allowed_at` one pace ahead;
   mark a post as in flight. The pace lives in the database, so it holds across processes.
2. call Slack, with no transaction open. A post whose earlier attempt was interrupted (crash,
   timeout) is first looked up by its metadata key, and not posted twice if it went through.
3. record the answer (`Recorder`): the ts and "sent" in one transaction, then release.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Connection, Select, case, func, or_, select, update

from bot.alerts import hold
from bot.alerts.config import DeliveryConfig
from bot.alerts.metrics import SLACK_CALLS, TOKEN_REFUSED
from bot.alerts.plan import Call, Planner
from bot.alerts.record import Recorder
from bot.alerts.slack_errors import TRANSPORT_ERRORS, classify
from bot.charts import render_events
from bot.slack.files import upload_chart
from bot.store import Database
from bot.store.alerts import slack_auth_hold, slack_channels

__all__ = ["Sender"]

log = logging.getLogger(__name__)

# Messages posted before this many seconds ahead of the interrupted attempt are not looked at
# (covers clock differences between the bot's hosts and Slack).
_LOOKUP_MARGIN = 60.0
_LOOKUP_PAGES = 5


def _earliest_ready() -> Select[Any]:
    c = slack_channels.c
    paced = case((c.next_allowed_at > c.due_at, c.next_allowed_at), else_=c.due_at)
    ready = case((c.lease_until > paced, c.lease_until), else_=paced)
    earliest = select(func.min(ready)).where(c.due_at.is_not(None)).scalar_subquery()
    # While Slack refuses the token, nothing is ready before the next probe.
    probe = select(slack_auth_hold.c.probe_at).scalar_subquery()
    return select(earliest, probe)


# Built once: the senders ask after every wake-up, and building it cost more than running it.
_EARLIEST_READY = _earliest_ready()


class Sender:
    def __init__(
        self,
        db: Database,
        slack: AsyncWebClient,
        *,
        config: DeliveryConfig,
        owner: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._slack = slack
        self._config = config
        self._owner = owner
        self._clock = clock
        self._planner = Planner(config)
        self._recorder = Recorder(db, config=config, planner=self._planner, owner=owner)

    async def turn(self) -> bool:
        """Serve one ready channel; False when none is ready."""
        call = await self._db.run_transaction(partial(self._claim, now=self._clock()))
        if not isinstance(call, Call):
            return call  # False: no channel was ready; True: one was, and needed no call
        started = self._clock()
        try:
            ts = await self._call(call)
        except (SlackApiError, *TRANSPORT_ERRORS) as exc:
            failure = classify(exc)
            SLACK_CALLS.labels(call.method, failure.kind).inc()
            await self._recorder.failed(call, failure, self._clock(), started=started)
        else:
            SLACK_CALLS.labels(call.method, "ok").inc()
            await self._recorder.sent(call, ts, self._clock(), started=started)
        return True

    def _claim(self, conn: Connection, *, now: float) -> Call | bool:
        """Claim the most overdue ready channel and plan its call, in one transaction: the call to
        make; False when no channel is ready; True when the one claimed needed no call."""
        probe = hold.take_probe(conn, now, until=now + self._config.lease)
        if probe is False:
            return False
        c = slack_channels.c
        channel = conn.execute(
            select(slack_channels)
            .where(c.due_at <= now, c.next_allowed_at <= now, or_(c.lease_until.is_(None), c.lease_until < now))
            .order_by(c.due_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if channel is None:
            if isinstance(probe, hold.Hold):
                hold.give_back(conn, probe)
            return False
        call = self._planner.plan(conn, channel.channel_id, now)
        if call is None:
            if isinstance(probe, hold.Hold):
                hold.give_back(conn, probe)
            self._recorder.settle(conn, channel, now)
            return True
        conn.execute(
            update(slack_channels)
            .where(c.channel_id == channel.channel_id)
            .values(
                lease_owner=self._owner,
                lease_until=now + self._config.lease,
                next_allowed_at=now + self._config.pace,
            )
        )
        return replace(call, probe=True) if isinstance(probe, hold.Hold) else call

    async def next_ready(self) -> float | None:
        """The earliest time a channel may become ready, to sleep until; None when all are idle."""
        async with self._db.read() as conn:
            earliest, probe_at = (await conn.execute(_EARLIEST_READY)).one()
        TOKEN_REFUSED.set(probe_at is not None)
        if earliest is None:
            return None
        return max(float(earliest), float(probe_at)) if probe_at is not None else float(earliest)

    async def _call(self, call: Call) -> str:
        """Make the call; the ts of the message it posted or updated (an upload: the file's id)."""
        if call.method == "files.upload" and call.chart is not None:
            # Drawing is CPU work of tens of milliseconds: off the event loop (bot/charts).
            points = [(int(at), int(n)) for at, n in call.chart["points"]]
            chart = await asyncio.to_thread(render_events, points, title=call.chart["title"])
            return await upload_chart(self._slack, channel_id=call.channel_id, chart=chart, thread_ts=call.thread_ts)
        if call.method == "chat.update":
            response = await self._slack.chat_update(
                channel=call.channel_id, ts=call.ts or "", metadata=call.metadata, **call.message
            )
            return str(response["ts"])
        if call.lookup_since is not None and (found := await self._find_posted(call)):
            log.info("alerts.slack.found-interrupted-post", extra={"channel": call.channel_id, "key": call.key})
            return found
        # reply_broadcast only means something in a thread (api.slack.com/methods/chat.postMessage).
        response = await self._slack.chat_postMessage(
            channel=call.channel_id,
            thread_ts=call.thread_ts,
            metadata=call.metadata,
            reply_broadcast=True if call.broadcast and call.thread_ts else None,
            unfurl_links=False,
            unfurl_media=False,
            **call.message,
        )
        return str(response["ts"])

    async def _find_posted(self, call: Call) -> str | None:
        """The ts of this call's message if an interrupted attempt posted it, found by its metadata key.

        Reading history needs the channels:history / groups:history scopes. Without them the bot
        cannot tell, and posts again: at worst a duplicate, never a loss.
        """
        args: dict[str, Any] = {
            "channel": call.channel_id,
            "oldest": f"{(call.lookup_since or 0.0) - _LOOKUP_MARGIN:.6f}",
            "include_all_metadata": True,
            "limit": 200,
        }
        for _ in range(_LOOKUP_PAGES):
            try:
                if call.thread_ts:
                    page = await self._slack.conversations_replies(ts=call.thread_ts, **args)
                else:
                    page = await self._slack.conversations_history(**args)
            except SlackApiError as exc:
                if classify(exc).kind in ("retry", "workspace"):
                    raise  # ask again later rather than risk a duplicate
                log.warning(
                    "alerts.slack.lookup-unavailable",
                    extra={"channel": call.channel_id, "code": classify(exc).code, "key": call.key},
                )
                return None
            for message in page.get("messages") or []:
                payload = (message.get("metadata") or {}).get("event_payload") or {}
                if payload.get("key") == call.key:
                    return str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
            args["cursor"] = cursor
        return None
