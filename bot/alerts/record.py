"""Recording what Slack answered, in one transaction with releasing the channel.

A post's ts and its delivery's "sent" are written together, so a restart never sends it again.
A retryable failure pushes the channel's pace back (Retry-After, or a growing backoff); a message
Slack refuses is dropped; a channel Slack refuses pauses its subscriptions, once, with a notice; a
token Slack refuses holds every delivery until it works again (bot/alerts/hold.py).
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from sqlalchemy import Connection, Row, exists, select, update

from bot.alerts import hold, rule_channels
from bot.alerts.config import DeliveryConfig
from bot.alerts.metrics import DELIVERY_LAG
from bot.alerts.plan import Call, Planner
from bot.alerts.router import Kind, deliver, touch_channel
from bot.alerts.slack_errors import Failure, plain_reason
from bot.store import Database
from bot.store.alerts import alert_messages, deliveries, digests, slack_channels, subscriptions, webhook_outbox

__all__ = ["Recorder"]

log = logging.getLogger(__name__)


class Recorder:
    def __init__(self, db: Database, *, config: DeliveryConfig, planner: Planner, owner: str) -> None:
        self._db = db
        self._config = config
        self._planner = planner
        self._owner = owner

    async def sent(self, call: Call, ts: str, now: float, *, started: float) -> None:
        """Record a call Slack accepted; `started` is when it was made (the pace counts from there)."""
        received = await self._db.run_transaction(partial(self._sent, call=call, ts=ts, now=now, started=started))
        if received is not None:  # observed once committed, so a transaction run again counts once
            DELIVERY_LAG.observe(max(0.0, now - received))

    async def failed(self, call: Call, failure: Failure, now: float, *, started: float) -> None:
        await self._db.run_transaction(partial(self._failed, call=call, failure=failure, now=now, started=started))

    def _sent(self, conn: Connection, *, call: Call, ts: str, now: float, started: float) -> float | None:
        """Records the answer; returns when the webhook behind the message arrived, if one did."""
        channel = _lock_channel(conn, call.channel_id)
        received = None
        if call.digest_id is not None:
            conn.execute(
                update(digests)
                .where(digests.c.id == call.digest_id)
                .values(ts=ts, synced_at=now, dirty=digests.c.total != call.digest_total, in_flight_at=None)
            )
        else:
            self._delivered(conn, call, ts, now)
            outbox_id = select(deliveries.c.outbox_id).where(deliveries.c.id == call.delivery_id).scalar_subquery()
            received = conn.scalar(select(webhook_outbox.c.received_at).where(webhook_outbox.c.id == outbox_id))
        if call.probe:
            hold.end(conn, now)
        self.settle(conn, channel, now, not_before=started + self._config.pace)
        return received

    def _failed(self, conn: Connection, *, call: Call, failure: Failure, now: float, started: float) -> None:
        channel = _lock_channel(conn, call.channel_id)
        not_before = started + self._config.pace
        if call.kind is Kind.CHART and failure.kind not in ("retry", "workspace"):
            # A report's chart Slack will not take (files need the bot in the channel, which
            # chat:write.public does not cover): the report stands without it.
            self._drop(conn, call, failure, now)
        elif failure.kind == "retry":
            wait = failure.retry_after or self._config.backoff_for(call.attempts)
            not_before = max(not_before, now + wait)
            self._retry(conn, call, failure, now)
        elif failure.kind == "workspace":
            self._hold(conn, call, failure, now)
        elif failure.kind == "message":
            self._drop(conn, call, failure, now)
        else:
            self._pause(conn, call, failure, now)
        self.settle(conn, channel, now, not_before=not_before)

    def settle(self, conn: Connection, channel: Row[Any], now: float, *, not_before: float | None = None) -> None:
        """Release the channel (unless another process holds a live lease on it); note when it is next due.

        `not_before` pushes its pace back: a pace measured from when the call was really made
        (not from when it was planned), or Slack's Retry-After.
        """
        pending = conn.scalar(
            select(exists().where(deliveries.c.channel_id == channel.channel_id, deliveries.c.status == "pending"))
        )
        digest = (
            conn.execute(select(digests).where(digests.c.channel_id == channel.channel_id, digests.c.closed.is_(False)))
        ).first()
        values: dict[str, Any] = {"due_at": self._planner.next_due(digest, pending=bool(pending), now=now)}
        if not_before is not None:
            values["next_allowed_at"] = max(channel.next_allowed_at, not_before)
        if channel.lease_owner in (None, self._owner) or (channel.lease_until or 0.0) < now:
            values |= {"lease_owner": None, "lease_until": None}
        else:
            # Our lease ran out and another process took the channel: leave its claim alone.
            log.warning("alerts.lease.lost", extra={"channel": channel.channel_id, "holder": channel.lease_owner})
        conn.execute(update(slack_channels).where(slack_channels.c.channel_id == channel.channel_id).values(**values))

    def _delivered(self, conn: Connection, call: Call, ts: str, now: float) -> None:
        conn.execute(
            update(deliveries)
            .where(deliveries.c.id == call.delivery_id)
            .values(status="sent", ts=ts, done_at=now, in_flight_at=None, error=None)
        )
        if call.kind is not Kind.ALERT or call.thread_ts is not None or call.issue_key is None:
            return
        key = (alert_messages.c.channel_id == call.channel_id) & (alert_messages.c.issue_key == call.issue_key)
        state = (conn.execute(select(alert_messages).where(key))).first()
        if state is None:
            return
        if state.ts is None:
            conn.execute(update(alert_messages).where(key).values(ts=ts))
        if call.drawn is not None and call.drawn != (state.status, state.assignee):
            # The issue changed while its message was on its way: draw it again.
            deliver(conn, call.channel_id, Kind.UPDATE, outbox_id=None, issue_key=call.issue_key, payload={}, now=now)

    def _retry(self, conn: Connection, call: Call, failure: Failure, now: float) -> None:
        extra = {"channel": call.channel_id, "code": failure.code, "attempts": call.attempts}
        if call.digest_id is not None:
            if not failure.maybe_posted:
                conn.execute(update(digests).where(digests.c.id == call.digest_id).values(in_flight_at=None))
            log.warning("alerts.slack.retry", extra=extra)
            return
        values: dict[str, Any] = {"error": failure.code}
        if not failure.maybe_posted:
            values["in_flight_at"] = None  # Slack refused it outright: nothing to look up next time
        if call.attempts >= self._config.max_attempts:
            values |= {"status": "failed", "done_at": now}
            log.error("alerts.slack.gave-up", extra=extra)
        else:
            log.warning("alerts.slack.retry", extra=extra)
        conn.execute(update(deliveries).where(deliveries.c.id == call.delivery_id).values(**values))

    def _hold(self, conn: Connection, call: Call, failure: Failure, now: float) -> None:
        """Slack refuses the token: the call goes back to its place, its attempt not counted, and
        every channel waits for the next probe (no channel is paused, nothing is dropped)."""
        hold.refused(conn, failure.code, now, wait=self._config.backoff_for)
        # Slack refused this attempt outright; only an earlier, interrupted one may have posted.
        if call.digest_id is not None:
            conn.execute(update(digests).where(digests.c.id == call.digest_id).values(in_flight_at=call.lookup_since))
            return
        conn.execute(
            update(deliveries)
            .where(deliveries.c.id == call.delivery_id)
            .values(attempts=call.attempts - 1, error=failure.code, in_flight_at=call.lookup_since)
        )

    def _drop(self, conn: Connection, call: Call, failure: Failure, now: float) -> None:
        log.error(
            "alerts.slack.refused-message",
            extra={"channel": call.channel_id, "code": failure.code, "method": call.method, "key": call.key},
        )
        if call.digest_id is not None:
            conn.execute(
                update(digests)
                .where(digests.c.id == call.digest_id)
                .values(closed=True, dirty=False, in_flight_at=None)
            )
            return
        conn.execute(
            update(deliveries)
            .where(deliveries.c.id == call.delivery_id)
            .values(status="failed", error=failure.code, done_at=now, in_flight_at=None)
        )
        if call.kind is Kind.UPDATE and failure.code == "message_not_found":
            # Someone deleted the parent: the issue's next alert starts a new one.
            conn.execute(
                update(alert_messages)
                .where(alert_messages.c.channel_id == call.channel_id, alert_messages.c.issue_key == call.issue_key)
                .values(ts=None)
            )

    def _pause(self, conn: Connection, call: Call, failure: Failure, now: float) -> None:
        """Slack refuses the channel for good: pause its subscriptions, drop its queue, tell who subscribed."""
        channel_id, reason = call.channel_id, plain_reason(failure.code)
        subs = (
            conn.execute(
                select(subscriptions.c.project, subscriptions.c.created_by).where(
                    subscriptions.c.channel_id == channel_id, subscriptions.c.broken_reason.is_(None)
                )
            )
        ).all()
        conn.execute(
            update(subscriptions)
            .where(subscriptions.c.channel_id == channel_id, subscriptions.c.broken_reason.is_(None))
            .values(broken_reason=reason, broken_at=now)
        )
        conn.execute(
            update(deliveries)
            .where(deliveries.c.channel_id == channel_id, deliveries.c.status == "pending")
            .values(status="failed", error=failure.code, done_at=now, in_flight_at=None)
        )
        conn.execute(
            update(digests)
            .where(digests.c.channel_id == channel_id, digests.c.closed.is_(False))
            .values(closed=True, dirty=False, in_flight_at=None)
        )
        rule_paused = rule_channels.pause(conn, self._db, channel_id, reason, now, notify=self._config.rule_notify)
        projects = sorted({s.project for s in subs})
        log.error(
            "alerts.channel.refused",
            extra={
                "channel": channel_id,
                "code": failure.code,
                "reason": reason,
                "paused": projects,
                "rule_paused": rule_paused,
            },
        )
        if call.kind is Kind.NOTICE:
            return  # the notice's own channel (a DM) is refused: the log above is the report
        by_user: dict[str, list[str]] = {}
        for sub in subs:
            by_user.setdefault(sub.created_by, []).append(sub.project)
        for user, user_projects in sorted(by_user.items()):
            notice = {"channel_id": channel_id, "projects": sorted(user_projects), "reason": reason}
            _notify(conn, db=self._db, user=user, notice=notice, now=now)


def _notify(conn: Connection, *, db: Database, user: str, notice: dict[str, Any], now: float) -> None:
    """Queue a direct message to `user` (a DM is a channel of its own, paced like the others)."""
    touch_channel(db, conn, user, now)
    deliver(conn, user, Kind.NOTICE, outbox_id=None, issue_key=None, payload=notice, now=now)


def _lock_channel(conn: Connection, channel_id: str) -> Row[Any]:
    return (
        conn.execute(select(slack_channels).where(slack_channels.c.channel_id == channel_id).with_for_update())
    ).one()
