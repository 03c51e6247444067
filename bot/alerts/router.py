"""Routing: stored webhooks become deliveries in the channels that want them, a batch per transaction.

An alert goes to every channel whose subscription matches it; its counts per channel decide
escalations (10, 100, 1000 events). An issue change goes to every channel that has a message
about the issue: the message is updated in place, and its thread hears who did what.

Deadlock-free by lock order: a batch locks every channel row it touches first (`slack_channels`,
sorted), then those channels' `alert_messages` rows; a sender holds one channel row, then that
channel's `alert_messages` rows. Nobody waits for a channel while holding an `alert_messages` row.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from sqlalchemy import case, exists, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.alerts.models import Alert, EventKind, IssueChange, Subscription
from bot.alerts.parse import parse
from bot.alerts.subscriptions import subscription_from_row
from bot.store import Database
from bot.store.alerts import alert_messages, deliveries, slack_channels, subscriptions, webhook_outbox

__all__ = ["Kind", "Router", "deliver", "touch_channel"]

log = logging.getLogger(__name__)

# Webhooks routed per transaction: under a storm, routing keeps up with intake.
BATCH = 50


class Kind(StrEnum):
    """`deliveries.kind`: the Slack call a delivery stands for."""

    ALERT = "alert"  # a new message, or a reply in the issue's thread
    UPDATE = "update"  # chat.update of the issue's parent message
    REPLY = "reply"  # "who did what" in the issue's thread
    ESCALATION = "escalation"  # "reached 100 events" in the issue's thread
    NOTICE = "notice"  # a direct message about a channel Slack refuses


async def touch_channel(db: Database, conn: AsyncConnection, channel_id: str, now: float) -> None:
    """Make the channel due now (keeping an earlier due time) and lock its row for this transaction."""
    due = slack_channels.c.due_at
    stmt = db.insert(slack_channels).values(channel_id=channel_id, due_at=now, next_allowed_at=0.0)
    stmt = stmt.on_conflict_do_update(
        index_elements=[slack_channels.c.channel_id],
        set_={"due_at": case((due.is_(None), now), (due > now, now), else_=due)},
    )
    await conn.execute(stmt)


class Router:
    def __init__(self, db: Database, *, escalations: Sequence[int]) -> None:
        self._db = db
        self._escalations = sorted(escalations)

    async def waiting(self) -> bool:
        """Whether any webhook waits to be routed (a read: it takes no lock)."""
        async with self._db.read() as conn:
            return bool(await conn.scalar(select(exists().where(webhook_outbox.c.routed_at.is_(None)))))

    async def route_batch(self, now: float, *, limit: int = BATCH) -> int:
        """Route up to `limit` of the oldest unrouted webhooks in one transaction; how many were."""
        async with self._db.transaction() as conn:
            rows = (
                await conn.execute(
                    select(webhook_outbox)
                    .where(webhook_outbox.c.routed_at.is_(None))
                    .order_by(webhook_outbox.c.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            items = [_parse(row) for row in rows]
            projects = {p for item in items if isinstance(item, Alert) for p in item.projects}
            subs = await self._subscriptions(conn, projects) if projects else []
            targets = [await self._targets(conn, item, subs) for item in items]
            # Every channel of the batch is locked first, in one order (see the module docstring).
            for channel_id in sorted(set().union(*targets)):
                await touch_channel(self._db, conn, channel_id, now)
            failed: dict[int, str] = {}
            for row, item, channels in zip(rows, items, targets, strict=True):
                error = item if isinstance(item, str) else None
                if isinstance(item, Alert | IssueChange):
                    error = await self._apply(conn, row, item, channels, now)
                if error:
                    failed[row.id] = error
            ids = [row.id for row in rows]
            await conn.execute(update(webhook_outbox).where(webhook_outbox.c.id.in_(ids)).values(routed_at=now))
            for outbox_id, error in failed.items():
                await conn.execute(update(webhook_outbox).where(webhook_outbox.c.id == outbox_id).values(error=error))
        return len(rows)

    @staticmethod
    async def _subscriptions(conn: AsyncConnection, projects: set[str]) -> list[Subscription]:
        """The working subscriptions to any of `projects` (one query for a whole batch)."""
        rows = await conn.execute(
            select(subscriptions).where(subscriptions.c.project.in_(projects), subscriptions.c.broken_reason.is_(None))
        )
        return [subscription_from_row(r._mapping) for r in rows]

    @staticmethod
    async def _targets(
        conn: AsyncConnection, item: Alert | IssueChange | str | None, subs: Sequence[Subscription] = ()
    ) -> dict[str, bool]:
        """The channels an item goes to, each with its threads flag."""
        if isinstance(item, IssueChange):
            where = alert_messages.c.issue_key == item.key
            return dict.fromkeys((await conn.execute(select(alert_messages.c.channel_id).where(where))).scalars(), True)
        if not isinstance(item, Alert):
            return {}
        threads: dict[str, bool] = {}
        for sub in subs:
            if sub.project in item.projects and sub.filters.matches(item):
                threads[sub.channel_id] = threads.get(sub.channel_id, False) or sub.filters.threads
        if not threads:
            log.info("alerts.route.no-subscriber", extra={"projects": list(item.projects), "key": item.key})
        return threads

    async def _apply(
        self, conn: AsyncConnection, row: Any, item: Alert | IssueChange, channels: dict[str, bool], now: float
    ) -> str | None:
        """Queue the item's deliveries; the reason it could not be, if it could not."""
        try:
            async with conn.begin_nested():
                if isinstance(item, Alert):
                    await self._route_alert(conn, item, channels, outbox_id=row.id, now=now)
                else:
                    # Again: an alert earlier in the batch may have just given the issue a channel
                    # (which the batch has locked already).
                    current = await self._targets(conn, item)
                    await self._route_change(conn, item, sorted(current), outbox_id=row.id, now=now)
        except SQLAlchemyError:
            raise  # the database's trouble, not the webhook's: the whole batch is retried later
        except (ValidationError, ValueError, KeyError, TypeError) as exc:
            # A payload this code cannot handle must not block the queue behind it.
            log.exception("alerts.route.failed", extra={"outbox_id": row.id, "resource": row.resource})
            return f"{type(exc).__name__}: {exc}"[:1000]
        return None

    async def _route_alert(
        self, conn: AsyncConnection, alert: Alert, channels: dict[str, bool], *, outbox_id: int, now: float
    ) -> None:
        payload = alert.model_dump(mode="json")
        for channel_id in sorted(channels):
            await deliver(
                conn,
                channel_id,
                Kind.ALERT,
                outbox_id=outbox_id,
                issue_key=alert.key,
                payload=payload,
                now=now,
                threads=channels[channel_id],
            )
            await self._count(conn, channel_id, alert, payload, outbox_id=outbox_id, now=now)

    async def _count(
        self,
        conn: AsyncConnection,
        channel_id: str,
        alert: Alert,
        payload: dict[str, Any],
        *,
        outbox_id: int,
        now: float,
    ) -> None:
        """Count the alert against its issue in this channel; queue an escalation when a threshold is crossed."""
        key = (alert_messages.c.channel_id == channel_id) & (alert_messages.c.issue_key == alert.key)
        state = (await conn.execute(select(alert_messages).where(key).with_for_update())).first()
        if state is None:
            events = max(alert.events or 0, 1)
            await conn.execute(
                alert_messages.insert().values(
                    channel_id=channel_id,
                    issue_key=alert.key,
                    issue_id=alert.issue_id,
                    project=alert.project,
                    alert=payload,
                    status=alert.status,
                    assignee=alert.assignee,
                    alerts=1,
                    events=events,
                    # The first message shows the count: only later crossings are news.
                    escalated=max((t for t in self._escalations if t <= events), default=0),
                    updated_at=now,
                )
            )
            return
        alerts = state.alerts + 1
        events = max(state.events, alert.events or 0, alerts)
        reached = max((t for t in self._escalations if state.escalated < t <= events), default=None)
        await conn.execute(
            update(alert_messages)
            .where(key)
            .values(
                alert=payload,
                alerts=alerts,
                events=events,
                escalated=reached or state.escalated,
                status=alert.status or state.status,
                assignee=alert.assignee if alert.assignee is not None else state.assignee,
                updated_at=now,
            )
        )
        if reached:
            escalation = {"alert": payload, "threshold": reached, "events": events}
            await deliver(
                conn, channel_id, Kind.ESCALATION, outbox_id=outbox_id, issue_key=alert.key, payload=escalation, now=now
            )

    async def _route_change(
        self, conn: AsyncConnection, change: IssueChange, channels: list[str], *, outbox_id: int, now: float
    ) -> None:
        where = alert_messages.c.issue_key == change.key
        subs = await conn.execute(
            select(subscriptions).where(
                subscriptions.c.channel_id.in_(channels), subscriptions.c.broken_reason.is_(None)
            )
        )
        wanted = {
            (s.channel_id, s.project)
            for s in map(subscription_from_row, (r._mapping for r in subs))
            if change.kind in s.filters.events
        }
        payload = change.model_dump(mode="json")
        for channel_id in channels:
            key = where & (alert_messages.c.channel_id == channel_id)
            state = (await conn.execute(select(alert_messages).where(key).with_for_update())).one()
            if change.kind is not EventKind.COMMENT:
                status = change.status if change.kind is EventKind.RESOLVED else state.status
                assignee = change.assignee if change.kind is EventKind.ASSIGNED else state.assignee
                if (status, assignee) == (state.status, state.assignee):
                    # Already shown: e.g. Sentry's webhook echoing a change made with a button.
                    continue
                refreshed = {
                    k: v for k, v in (("title", change.title), ("events", change.events), ("users", change.users)) if v
                }
                await conn.execute(
                    update(alert_messages)
                    .where(key)
                    .values(status=status, assignee=assignee, alert={**state.alert, **refreshed}, updated_at=now)
                )
                if state.ts:
                    await deliver(
                        conn, channel_id, Kind.UPDATE, outbox_id=outbox_id, issue_key=change.key, payload={}, now=now
                    )
            if (channel_id, state.project) in wanted:
                await deliver(
                    conn, channel_id, Kind.REPLY, outbox_id=outbox_id, issue_key=change.key, payload=payload, now=now
                )


def _parse(row: Any) -> Alert | IssueChange | str | None:
    """The row's alert or change; None when there is nothing to post; a string saying why it failed."""
    try:
        return parse(row.source, row.resource, row.action, row.payload)
    except (ValidationError, ValueError, KeyError, TypeError) as exc:
        log.exception("alerts.route.unparsable", extra={"outbox_id": row.id, "resource": row.resource})
        return f"{type(exc).__name__}: {exc}"[:1000]


async def deliver(
    conn: AsyncConnection,
    channel_id: str,
    kind: Kind,
    *,
    outbox_id: int | None,
    issue_key: str | None,
    payload: dict[str, Any],
    now: float,
    threads: bool = True,
) -> None:
    """Queue one Slack call for a channel (whose row the caller has locked with `touch_channel`)."""
    await conn.execute(
        deliveries.insert().values(
            outbox_id=outbox_id,
            channel_id=channel_id,
            kind=kind,
            issue_key=issue_key,
            payload=payload,
            threads=threads,
            status="pending",
            created_at=now,
            attempts=0,
        )
    )
