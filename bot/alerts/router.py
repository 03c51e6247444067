"""Routing: stored webhooks become deliveries in the channels that want them, a batch per transaction.

An alert goes to every channel whose subscription matches it; its counts per channel decide
escalations (10, 100, 1000 events). An issue change goes to every channel that has a message
about the issue: the message is updated in place, and its thread hears who did what.

The alerts of a batch are routed in memory and written with a handful of statements whatever
their number (one read of their threads' counts, then one insert of the deliveries, one of the new
threads, one update of the others): routing keeps up with intake, and on SQLite the one write lock
is held for milliseconds, not for one round of statements per alert. An issue change in the batch
first writes out the alerts before it, so it sees them.

Deadlock-free by lock order: a batch locks every channel row it touches first (`slack_channels`,
sorted), then those channels' `alert_messages` rows; a sender holds one channel row, then that
channel's `alert_messages` rows. Nobody waits for a channel while holding an `alert_messages` row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from functools import partial
from typing import Any

from pydantic import ValidationError
from sqlalchemy import BindParameter, Connection, bindparam, case, select, tuple_, update
from sqlalchemy.exc import SQLAlchemyError

from bot import jsoncodec
from bot.alerts.models import Alert, EventKind, IssueChange, Subscription
from bot.alerts.parse import parse
from bot.alerts.subscriptions import subscription_from_row
from bot.store import Database
from bot.store.alerts import alert_messages, deliveries, digests, slack_channels, subscriptions, webhook_outbox

__all__ = ["Kind", "Router", "deliver", "touch_channel", "touch_channels"]

log = logging.getLogger(__name__)

# Webhooks routed per transaction: under a storm, routing keeps up with intake.
BATCH = 50

# Payloads handed over by this process's outbox and not routed yet, at most (a backlog beyond it,
# or rows stored by another replica, are read back from the database).
FRESH_MAX = 1000

# A list of outbox ids, bound as one parameter: building `in_([...])` afresh per batch cost more
# than running the statement.
_IDS: BindParameter[int] = bindparam("ids", expanding=True)

# A stored webhook, parsed: an alert, an issue change, None (nothing to post), or why it failed.
Parsed = Alert | IssueChange | str | None


class Kind(StrEnum):
    """`deliveries.kind`: the Slack call a delivery stands for."""

    ALERT = "alert"  # a new message, or a reply in the issue's thread
    UPDATE = "update"  # chat.update of the issue's parent message
    REPLY = "reply"  # "who did what" in the issue's thread
    ESCALATION = "escalation"  # "reached 100 events" in the issue's thread
    NOTICE = "notice"  # a direct message about a channel Slack refuses


def touch_channel(db: Database, conn: Connection, channel_id: str, due: float) -> None:
    """Make the channel due at `due` (keeping an earlier due time) and lock its row for this transaction."""
    touch_channels(db, conn, {channel_id: due})


def touch_channels(db: Database, conn: Connection, due: Mapping[str, float]) -> None:
    """`touch_channel` for several channels in one statement, locking their rows in channel order."""
    if not due:
        return
    stmt = db.insert(slack_channels)
    due_at, wanted = slack_channels.c.due_at, stmt.excluded.due_at
    stmt = stmt.on_conflict_do_update(
        index_elements=[slack_channels.c.channel_id],
        set_={"due_at": case((due_at.is_(None), wanted), (due_at > wanted, wanted), else_=due_at)},
    )
    # executemany (sent as one multi-row statement, in this order); SQLAlchemy caches its compiled
    # form, which it does not for `.values([...])`.
    rows = [{"channel_id": channel_id, "due_at": due[channel_id], "next_allowed_at": 0.0} for channel_id in sorted(due)]
    conn.execute(stmt, rows)


class Router:
    """Args:
    db: the store.
    escalations: event counts that earn an issue a reply in its thread.
    digest_refresh: `DeliveryConfig.digest_refresh`. When given, a channel in a storm (its digest
        posted and shown up to date) that a batch brings only alerts is made due when the digest
        may next be refreshed, not at once: folding new alerts into the digest sooner would show
        nothing sooner, and cost a sender turn per channel and batch.
    """

    def __init__(
        self,
        db: Database,
        *,
        escalations: Sequence[int],
        digest_refresh: float | None = None,
        on_due: Callable[[], None] | None = None,
    ) -> None:
        self._db = db
        self._escalations = sorted(escalations)
        self._digest_refresh = digest_refresh
        self._on_due = on_due
        self._fresh: dict[int, bytes] = {}

    def remember(self, payloads: Mapping[int, bytes]) -> None:
        """Keep payloads just stored (JSON, by outbox id), so routing them skips reading them back
        through the database (about 5 KB each). The oldest are forgotten past FRESH_MAX."""
        self._fresh.update(payloads)
        for _ in range(len(self._fresh) - FRESH_MAX):
            del self._fresh[next(iter(self._fresh))]

    async def route_batch(self, now: float, *, limit: int = BATCH) -> int:
        """Route up to `limit` of the oldest unrouted webhooks in one transaction; how many were.

        They are read and parsed before the write transaction begins (on SQLite the one write lock
        is not held while payloads are decoded, nor taken at all when nothing waits), then claimed
        in it. `on_due` is called after the
        commit when a channel became due at once (not when every channel waits for its digest).
        """
        o = webhook_outbox.c
        async with self._db.read() as conn:
            rows = (
                await conn.execute(
                    select(o.id, o.source, o.resource, o.action)
                    .where(o.routed_at.is_(None))
                    .order_by(o.id)
                    .limit(limit)
                )
            ).all()
            if not rows:
                return 0
            payloads = {row.id: jsoncodec.loads(p) for row in rows if (p := self._fresh.pop(row.id, None)) is not None}
            if missing := [row.id for row in rows if row.id not in payloads]:
                found = await conn.execute(select(o.id, o.payload).where(o.id.in_(_IDS)), {"ids": missing})
                payloads.update((id_, payload) for id_, payload in found)
        batch = [(row, _parse(row, payloads[row.id])) for row in rows]
        routed, due_now = await self._db.run_transaction(partial(self._write, batch=batch, now=now))
        if due_now and self._on_due is not None:
            self._on_due()
        return routed

    def _write(self, conn: Connection, *, batch: list[tuple[Any, Parsed]], now: float) -> tuple[int, bool]:
        """Route the parsed rows still unrouted (another replica may have taken some); how many
        were, and whether a channel became due at once."""
        o = webhook_outbox.c
        claim = select(o.id).where(o.id.in_(_IDS), o.routed_at.is_(None)).with_for_update(skip_locked=True)
        claimed = set(conn.execute(claim, {"ids": [row.id for row, _ in batch]}).scalars())
        batch = [(row, item) for row, item in batch if row.id in claimed]
        if not batch:
            return 0, False
        items = [item for _, item in batch]
        projects = {p for item in items if isinstance(item, Alert) for p in item.projects}
        subs = self._subscriptions(conn, projects) if projects else []
        targets = [self._targets(conn, item, subs) for item in items]
        alerted = set().union(*(t for item, t in zip(items, targets, strict=True) if isinstance(item, Alert)))
        changed = set().union(*(t for item, t in zip(items, targets, strict=True) if not isinstance(item, Alert)))
        later = self._refresh_times(conn, sorted(alerted - changed), now)
        # Every channel of the batch is locked first, in one order (see the module docstring).
        touch_channels(self._db, conn, {ch: later.get(ch, now) for ch in alerted | changed})
        failed: dict[int, str] = {}
        alerts = _AlertWrites(self._escalations, now)
        for (row, item), channels in zip(batch, targets, strict=True):
            error = item if isinstance(item, str) else None
            if isinstance(item, Alert):
                error = alerts.add(row, item, channels)
            elif isinstance(item, IssueChange):
                alerts.flush(conn)  # the change must see the alerts before it
                error = self._apply(conn, row, item, channels, now)
            if error:
                failed[row.id] = error
        alerts.flush(conn)
        # An escalation is not folded into a digest: its channel is due now after all (locked already).
        escalated = alerts.urgent & set(later)
        touch_channels(self._db, conn, dict.fromkeys(escalated, now))
        conn.execute(update(webhook_outbox).where(o.id.in_(_IDS)).values(routed_at=now), {"ids": sorted(claimed)})
        for outbox_id, error in failed.items():
            conn.execute(update(webhook_outbox).where(o.id == outbox_id).values(error=error))
        return len(batch), bool((alerted | changed) - set(later) or escalated)

    def _refresh_times(self, conn: Connection, channels: list[str], now: float) -> dict[str, float]:
        """Of `channels`, those in a storm whose digest Slack shows, with when it may next be refreshed."""
        if self._digest_refresh is None or not channels:
            return {}
        d = digests.c
        open_digests = conn.execute(
            select(d.channel_id, d.synced_at).where(
                d.channel_id.in_(channels), d.closed.is_(False), d.ts.is_not(None), d.in_flight_at.is_(None)
            )
        )
        refresh = {channel_id: (synced_at or 0.0) + self._digest_refresh for channel_id, synced_at in open_digests}
        return {channel_id: at for channel_id, at in refresh.items() if at > now}

    @staticmethod
    def _subscriptions(conn: Connection, projects: set[str]) -> list[Subscription]:
        """The working subscriptions to any of `projects` (one query for a whole batch)."""
        rows = conn.execute(
            select(subscriptions).where(subscriptions.c.project.in_(projects), subscriptions.c.broken_reason.is_(None))
        )
        return [subscription_from_row(r._mapping) for r in rows]

    @staticmethod
    def _targets(
        conn: Connection, item: Alert | IssueChange | str | None, subs: Sequence[Subscription] = ()
    ) -> dict[str, bool]:
        """The channels an item goes to, each with its threads flag."""
        if isinstance(item, IssueChange):
            where = alert_messages.c.issue_key == item.key
            return dict.fromkeys((conn.execute(select(alert_messages.c.channel_id).where(where))).scalars(), True)
        if not isinstance(item, Alert):
            return {}
        threads: dict[str, bool] = {}
        for sub in subs:
            if sub.project in item.projects and sub.filters.matches(item):
                threads[sub.channel_id] = threads.get(sub.channel_id, False) or sub.filters.threads
        if not threads:
            log.info("alerts.route.no-subscriber", extra={"projects": list(item.projects), "key": item.key})
        return threads

    def _apply(
        self, conn: Connection, row: Any, change: IssueChange, channels: dict[str, bool], now: float
    ) -> str | None:
        """Queue an issue change's deliveries; the reason it could not be, if it could not."""
        try:
            with conn.begin_nested():
                # Again: an alert earlier in the batch may have just given the issue a channel
                # (which the batch has locked already).
                current = self._targets(conn, change)
                self._route_change(conn, change, sorted(current), outbox_id=row.id, now=now)
        except SQLAlchemyError:
            raise  # the database's trouble, not the webhook's: the whole batch is retried later
        except (ValidationError, ValueError, KeyError, TypeError) as exc:
            # A payload this code cannot handle must not block the queue behind it.
            log.exception("alerts.route.failed", extra={"outbox_id": row.id, "resource": row.resource})
            return f"{type(exc).__name__}: {exc}"[:1000]
        return None

    def _route_change(
        self, conn: Connection, change: IssueChange, channels: list[str], *, outbox_id: int, now: float
    ) -> None:
        where = alert_messages.c.issue_key == change.key
        subs = conn.execute(
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
            state = (conn.execute(select(alert_messages).where(key).with_for_update())).one()
            if change.kind is not EventKind.COMMENT:
                status = change.status if change.kind is EventKind.RESOLVED else state.status
                assignee = change.assignee if change.kind is EventKind.ASSIGNED else state.assignee
                if (status, assignee) == (state.status, state.assignee):
                    # Already shown: e.g. Sentry's webhook echoing a change made with a button.
                    continue
                refreshed = {
                    k: v for k, v in (("title", change.title), ("events", change.events), ("users", change.users)) if v
                }
                conn.execute(
                    update(alert_messages)
                    .where(key)
                    .values(status=status, assignee=assignee, alert={**state.alert, **refreshed}, updated_at=now)
                )
                if state.ts:
                    deliver(
                        conn, channel_id, Kind.UPDATE, outbox_id=outbox_id, issue_key=change.key, payload={}, now=now
                    )
            if (channel_id, state.project) in wanted:
                deliver(
                    conn, channel_id, Kind.REPLY, outbox_id=outbox_id, issue_key=change.key, payload=payload, now=now
                )


class _AlertWrites:
    """The alerts of a batch, routed in memory and written together by `flush`.

    Per alert and subscribed channel: a delivery, the count of its issue in that channel (the
    thread's `alert_messages` row, created by the issue's first alert), and an escalation
    delivery when the count crosses a threshold. Deliveries keep the batch's order.
    """

    def __init__(self, escalations: Sequence[int], now: float) -> None:
        self._escalations = escalations
        self._now = now
        self._alerts: list[tuple[int, Alert, dict[str, Any], dict[str, bool]]] = []
        self.urgent: set[str] = set()  # channels that got more than alerts (escalations)

    def add(self, row: Any, alert: Alert, channels: dict[str, bool]) -> str | None:
        """Queue an alert's deliveries; the reason it could not be, if it could not."""
        try:
            payload = alert.model_dump(mode="json")
        except (ValidationError, ValueError, KeyError, TypeError) as exc:
            # A payload this code cannot handle must not block the queue behind it.
            log.exception("alerts.route.failed", extra={"outbox_id": row.id, "resource": row.resource})
            return f"{type(exc).__name__}: {exc}"[:1000]
        if channels:
            self._alerts.append((row.id, alert, payload, channels))
        return None

    def flush(self, conn: Connection) -> None:
        """Write what `add` queued: a few statements, however many alerts."""
        if not self._alerts:
            return
        alerts, self._alerts = self._alerts, []
        now, m = self._now, alert_messages.c
        wanted = sorted({(channel_id, alert.key) for _, alert, _, channels in alerts for channel_id in channels})
        # Row values (`(a, b) IN ((..), ..)`): PostgreSQL, and SQLite since 3.15.
        found = conn.execute(
            select(m.channel_id, m.issue_key, *(m[name] for name in _COUNTED if name != "alert"))
            .where(tuple_(m.channel_id, m.issue_key).in_(wanted))
            .with_for_update()
        )
        states: dict[tuple[str, str], dict[str, Any]] = {(r.channel_id, r.issue_key): dict(r._mapping) for r in found}
        created: set[tuple[str, str]] = set()
        queued: list[dict[str, Any]] = []
        for outbox_id, alert, payload, channels in alerts:
            for channel_id in sorted(channels):
                queued.append(
                    _delivery(channel_id, Kind.ALERT, outbox_id, alert.key, payload, now, threads=channels[channel_id])
                )
                key = (channel_id, alert.key)
                state = states.get(key)
                if state is None:
                    events = max(alert.events or 0, 1)
                    states[key] = {
                        "channel_id": channel_id,
                        "issue_key": alert.key,
                        "issue_id": alert.issue_id,
                        "project": alert.project,
                        "alert": payload,
                        "status": alert.status,
                        "assignee": alert.assignee,
                        "alerts": 1,
                        "events": events,
                        # The first message shows the count: only later crossings are news.
                        "escalated": max((t for t in self._escalations if t <= events), default=0),
                        "updated_at": now,
                    }
                    created.add(key)
                    continue
                count = state["alerts"] + 1
                events = max(state["events"], alert.events or 0, count)
                reached = max((t for t in self._escalations if state["escalated"] < t <= events), default=None)
                state.update(
                    alert=payload,
                    alerts=count,
                    events=events,
                    escalated=reached or state["escalated"],
                    status=alert.status or state["status"],
                    assignee=alert.assignee if alert.assignee is not None else state["assignee"],
                    updated_at=now,
                )
                if reached:
                    escalation = {"alert": payload, "threshold": reached, "events": events}
                    queued.append(_delivery(channel_id, Kind.ESCALATION, outbox_id, alert.key, escalation, now))
                    self.urgent.add(channel_id)
        # executemany inserts in order: deliveries keep the batch's order (ids ascending).
        conn.execute(deliveries.insert(), queued)
        if created:
            conn.execute(alert_messages.insert(), [states[key] for key in sorted(created)])
        if changed := sorted(set(states) - created):
            conn.execute(
                update(alert_messages)
                .where(m.channel_id == bindparam("key_channel"), m.issue_key == bindparam("key_issue"))
                .values({name: bindparam(name) for name in _COUNTED}),
                [
                    {
                        "key_channel": channel_id,
                        "key_issue": issue_key,
                        **{n: states[channel_id, issue_key][n] for n in _COUNTED},
                    }
                    for channel_id, issue_key in changed
                ],
            )


# What an alert changes in its thread's row.
_COUNTED = ("alert", "alerts", "events", "escalated", "status", "assignee", "updated_at")


def _delivery(
    channel_id: str,
    kind: Kind,
    outbox_id: int | None,
    issue_key: str | None,
    payload: dict[str, Any],
    now: float,
    *,
    threads: bool = True,
) -> dict[str, Any]:
    return {
        "outbox_id": outbox_id,
        "channel_id": channel_id,
        "kind": kind,
        "issue_key": issue_key,
        "payload": payload,
        "threads": threads,
        "status": "pending",
        "created_at": now,
        "attempts": 0,
    }


def _parse(row: Any, payload: Mapping[str, Any]) -> Parsed:
    """The row's alert or change; None when there is nothing to post; a string saying why it failed."""
    try:
        return parse(row.source, row.resource, row.action, payload)
    except (ValidationError, ValueError, KeyError, TypeError) as exc:
        log.exception("alerts.route.unparsable", extra={"outbox_id": row.id, "resource": row.resource})
        return f"{type(exc).__name__}: {exc}"[:1000]


def deliver(
    conn: Connection,
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
    conn.execute(
        deliveries.insert().values(_delivery(channel_id, kind, outbox_id, issue_key, payload, now, threads=threads))
    )
