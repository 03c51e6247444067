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
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Any, NamedTuple

from pydantic import ValidationError
from sqlalchemy import BindParameter, Connection, Text, bindparam, case, cast, select, tuple_, update
from sqlalchemy.exc import SQLAlchemyError

from bot import jsoncodec
from bot.alerts.metrics import DROPPED, QUARANTINED
from bot.alerts.models import Alert, Drop, EventKind, IssueChange, Subscription
from bot.alerts.outage import TRANSIENT
from bot.alerts.parse import parse_or_drop
from bot.alerts.people import People
from bot.alerts.subscriptions import subscription_from_row
from bot.mutes.state import Hush
from bot.slack.channels import is_channel_id, normalize
from bot.store import Database
from bot.store.alerts import (
    alert_messages,
    deliveries,
    digests,
    slack_channels,
    subscriptions,
    webhook_drops,
    webhook_outbox,
    webhook_quarantine,
)
from bot.store.rule_channels import rule_channels

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

# `RuleChannels.resolve` (bot/alerts/rule_channels.py): the channel id of each alert rule's channel
# setting, or None when the bot cannot post there.
ResolveChannels = Callable[[Iterable[str], float], Awaitable[Mapping[str, str | None]]]


@dataclass(frozen=True)
class _Failed:
    """Why a row is quarantined: the stage that failed on it (decode, parse, route) and its error."""

    stage: str
    reason: str

    @classmethod
    def of(cls, stage: str, exc: BaseException) -> _Failed:
        return cls(stage, _storable(f"{type(exc).__name__}: {exc}")[:1000])


# A stored webhook, parsed: an alert, an issue change, why there is nothing to post, or why it failed.
Parsed = Alert | IssueChange | Drop | _Failed


class _Row(NamedTuple):
    row: Any  # id, source, resource, action, hook
    text: bytes | str  # the payload's JSON, as stored
    parsed: Parsed


@dataclass
class _Outcome:
    routed: int
    quarantined: list[str] = field(default_factory=list)  # stages
    dropped: list[Drop] = field(default_factory=list)
    due_now: bool = False


def _storable(text: str) -> str:
    """`text` without what the store cannot encode (an error message may quote the bad input)."""
    return _UNSTORABLE.sub("\ufffd", text)


_UNSTORABLE = re.compile("[\ud800-\udfff\x00]")


class Kind(StrEnum):
    """`deliveries.kind`: the Slack call a delivery stands for."""

    ALERT = "alert"  # a new message, or a reply in the issue's thread
    UPDATE = "update"  # chat.update of the issue's parent message
    REPLY = "reply"  # "who did what" in the issue's thread
    ESCALATION = "escalation"  # "reached 100 events" in the issue's thread
    NOTICE = "notice"  # a direct message about a channel Slack refuses
    MUTED = "muted"  # "50 alerts came while muted" in the issue's thread, when its mute ends
    REPORT = "report"  # a scheduled report (bot/reports/runner.py), its content in the payload
    CHART = "chart"  # a report's chart, uploaded into the report's thread once the report is posted


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
    rule_channels: resolves the channels alert rules chose (before the batch's transaction, so
        Slack is never called inside it); without it, a rule's channel setting must be a channel id.
    people: finds the Slack user of an assignee (by email), to name them as a mention.
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
        rule_channels: ResolveChannels | None = None,
        people: People | None = None,
    ) -> None:
        self._db = db
        self._rule_channels = rule_channels
        self._people = people
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

        A row that cannot be decoded or parsed is quarantined in that transaction. A batch the
        database refuses for anything but an outage is split in halves, and those again, so the
        one row it cannot take is quarantined alone and the others are routed (see `TRANSIENT`).
        """
        o = webhook_outbox.c
        async with self._db.read() as conn:
            rows = (
                await conn.execute(
                    select(o.id, o.source, o.resource, o.action, o.hook)
                    .where(o.routed_at.is_(None))
                    .order_by(o.id)
                    .limit(limit)
                )
            ).all()
            if not rows:
                return 0
            texts = {row.id: p for row in rows if (p := self._fresh.pop(row.id, None)) is not None}
            if missing := [row.id for row in rows if row.id not in texts]:
                # As text: a payload the JSON decoder refuses must fail alone, not this query.
                found = await conn.execute(select(o.id, cast(o.payload, Text)).where(o.id.in_(_IDS)), {"ids": missing})
                texts.update((id_, text) for id_, text in found)
        batch = [_Row(row, text := texts.get(row.id, ""), _parse(row, text)) for row in rows]
        if self._people is not None:
            batch = await self._with_slack_users(batch, self._people)
        chosen = {c for r in batch if isinstance(r.parsed, Alert) for c in r.parsed.rule_channels}
        resolved: Mapping[str, str | None] = {}
        if chosen:
            resolved = await self._rule_channels(chosen, now) if self._rule_channels else _ids_only(chosen)
        return await self._route(batch, now, resolved)

    @staticmethod
    async def _with_slack_users(batch: list[_Row], people: People) -> list[_Row]:
        """The batch with each assignee's Slack user filled in (found before the write transaction)."""
        emails = [r.parsed.assignee_email for r in batch if isinstance(r.parsed, Alert | IssueChange)]
        found = await people.slack_users(e for e in emails if e)
        if not found:
            return batch
        named = []
        for r in batch:
            item = r.parsed
            if isinstance(item, Alert | IssueChange) and (user := found.get((item.assignee_email or "").lower())):
                r = r._replace(parsed=item.model_copy(update={"assignee_user": user}))
            named.append(r)
        return named

    async def _route(self, batch: list[_Row], now: float, resolved: Mapping[str, str | None]) -> int:
        try:
            outcome = await self._db.run_transaction(partial(self._write, batch=batch, now=now, resolved=resolved))
        except TRANSIENT:
            raise  # the database's trouble, not the webhooks': the rows stay queued (the worker logs it)
        except Exception as exc:
            if len(batch) > 1:
                half = len(batch) // 2
                return await self._route(batch[:half], now, resolved) + await self._route(batch[half:], now, resolved)
            (row,) = batch
            log.warning(
                "alerts.route.refused-by-store",
                extra={"outbox_id": row.row.id, "resource": row.row.resource, "error": type(exc).__name__},
            )
            outcome = await self._db.run_transaction(
                partial(self._write, batch=[row._replace(parsed=_Failed.of("route", exc))], now=now)
            )
        for stage in outcome.quarantined:
            QUARANTINED.labels(stage).inc()
        for reason in outcome.dropped:
            DROPPED.labels(reason).inc()
        if outcome.due_now and self._on_due is not None:
            self._on_due()
        return outcome.routed

    def _write(
        self, conn: Connection, *, batch: list[_Row], now: float, resolved: Mapping[str, str | None] | None = None
    ) -> _Outcome:
        """Route the parsed rows still unrouted (another replica may have taken some): how many
        were, what was quarantined or dropped, and whether a channel became due at once."""
        o = webhook_outbox.c
        claim = select(o.id).where(o.id.in_(_IDS), o.routed_at.is_(None)).with_for_update(skip_locked=True)
        claimed = set(conn.execute(claim, {"ids": [r.row.id for r in batch]}).scalars())
        batch = [r for r in batch if r.row.id in claimed]
        outcome = _Outcome(routed=len(batch))
        if not batch:
            return outcome
        items = [r.parsed for r in batch]
        projects = {p for item in items if isinstance(item, Alert) for p in item.projects}
        subs = self._subscriptions(conn, projects) if projects else []
        targets = [self._targets(conn, item, subs, resolved or {}) for item in items]
        alerted = set().union(*(t for item, t in zip(items, targets, strict=True) if isinstance(item, Alert)))
        changed = set().union(*(t for item, t in zip(items, targets, strict=True) if not isinstance(item, Alert)))
        later = self._refresh_times(conn, sorted(alerted - changed), now)
        # Every channel of the batch is locked first, in one order (see the module docstring).
        touch_channels(self._db, conn, {ch: later.get(ch, now) for ch in alerted | changed})
        failed: dict[int, _Failed] = {}
        dropped: dict[int, Drop] = {}
        alerts = _AlertWrites(self._escalations, now)
        for r, channels in zip(batch, targets, strict=True):
            item, outbox_id = r.parsed, r.row.id
            result: _Failed | Drop | None = item if isinstance(item, _Failed | Drop) else None
            if isinstance(item, Alert):
                missing = Drop.NO_CHANNEL if item.rule_channels else Drop.NO_SUBSCRIBER
                result = alerts.add(r.row, item, channels) or (None if channels else missing)
            elif isinstance(item, IssueChange):
                alerts.flush(conn)  # the change must see the alerts before it
                result = self._apply(conn, r.row, item, channels, now)
            if isinstance(result, _Failed):
                failed[outbox_id] = result
            elif result is not None:
                dropped[outbox_id] = result
        alerts.flush(conn)
        # An escalation is not folded into a digest: its channel is due now after all (locked already).
        escalated = alerts.urgent & set(later)
        touch_channels(self._db, conn, dict.fromkeys(escalated, now))
        conn.execute(update(webhook_outbox).where(o.id.in_(_IDS)).values(routed_at=now), {"ids": sorted(claimed)})
        if failed:
            self._quarantine(conn, [r for r in batch if r.row.id in failed], failed, now)
        if dropped:
            conn.execute(
                webhook_drops.insert(),
                [{"outbox_id": i, "reason": reason, "dropped_at": now} for i, reason in sorted(dropped.items())],
            )
        outcome.quarantined = [f.stage for f in failed.values()]
        outcome.dropped = list(dropped.values())
        outcome.due_now = bool((alerted | changed) - set(later) or escalated)
        return outcome

    @staticmethod
    def _quarantine(conn: Connection, rows: list[_Row], failed: Mapping[int, _Failed], now: float) -> None:
        o = webhook_outbox.c
        for r in rows:
            conn.execute(update(webhook_outbox).where(o.id == r.row.id).values(error=failed[r.row.id].reason))
        conn.execute(
            webhook_quarantine.insert(),
            [
                {
                    "outbox_id": r.row.id,
                    "source": r.row.source,
                    "resource": r.row.resource,
                    "action": r.row.action,
                    "hook": r.row.hook,
                    "payload": _storable(r.text if isinstance(r.text, str) else r.text.decode("utf-8", "replace")),
                    "stage": failed[r.row.id].stage,
                    "reason": failed[r.row.id].reason,
                    "quarantined_at": now,
                }
                for r in rows
            ],
        )
        for r in rows:
            failure = failed[r.row.id]
            log.error(
                "alerts.route.quarantined",
                extra={
                    "outbox_id": r.row.id,
                    "resource": r.row.resource,
                    "stage": failure.stage,
                    "reason": failure.reason,
                },
            )

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
        conn: Connection,
        item: Parsed,
        subs: Sequence[Subscription] = (),
        resolved: Mapping[str, str | None] | None = None,
    ) -> dict[str, bool]:
        """The channels an item goes to, each with its threads flag. An alert whose rule chose
        channels goes to those alone, whatever the subscriptions say."""
        if isinstance(item, IssueChange):
            where = alert_messages.c.issue_key == item.key
            return dict.fromkeys((conn.execute(select(alert_messages.c.channel_id).where(where))).scalars(), True)
        if not isinstance(item, Alert):
            return {}
        if item.rule_channels:
            chosen = {c: True for v in item.rule_channels if (c := (resolved or {}).get(v))}
            if not chosen:
                log.info("alerts.route.no-rule-channel", extra={"channels": list(item.rule_channels), "key": item.key})
            return chosen
        threads: dict[str, bool] = {}
        for sub in subs:
            if sub.project in item.projects and sub.filters.matches(item):
                threads[sub.channel_id] = threads.get(sub.channel_id, False) or sub.filters.threads
        if not threads:
            log.info("alerts.route.no-subscriber", extra={"projects": list(item.projects), "key": item.key})
        return threads

    def _apply(
        self, conn: Connection, row: Any, change: IssueChange, channels: dict[str, bool], now: float
    ) -> _Failed | Drop | None:
        """Queue an issue change's deliveries; why it made none, if it made none."""
        try:
            with conn.begin_nested():
                # Again: an alert earlier in the batch may have just given the issue a channel
                # (which the batch has locked already).
                current = self._targets(conn, change)
                if not current:
                    return Drop.NO_MESSAGE
                queued = self._route_change(conn, change, sorted(current), outbox_id=row.id, now=now)
        except SQLAlchemyError:
            raise  # the store refused: the batch is split until this row fails alone (`_route`)
        except (ValidationError, ValueError, KeyError, TypeError) as exc:
            # A payload this code cannot handle must not block the queue behind it.
            return _Failed.of("route", exc)
        return None if queued else Drop.ALREADY_SHOWN

    def _route_change(
        self, conn: Connection, change: IssueChange, channels: list[str], *, outbox_id: int, now: float
    ) -> int:
        """Queue the change's updates and replies in `channels`; how many."""
        queued = 0
        where = alert_messages.c.issue_key == change.key
        subs = conn.execute(
            select(subscriptions).where(
                subscriptions.c.channel_id.in_(channels), subscriptions.c.broken_reason.is_(None)
            )
        )
        subscribed = [subscription_from_row(r._mapping) for r in subs]
        wanted = {(s.channel_id, s.project) for s in subscribed if change.kind in s.filters.events}
        # A channel only alert rules post to (nobody subscribed it) hears every change, as by default.
        ruled = set(
            conn.execute(
                select(rule_channels.c.channel_id).where(
                    rule_channels.c.channel_id.in_(set(channels) - {s.channel_id for s in subscribed}),
                    rule_channels.c.broken_reason.is_(None),
                )
            ).scalars()
        )
        payload = change.model_dump(mode="json")
        for channel_id in channels:
            key = where & (alert_messages.c.channel_id == channel_id)
            state = (conn.execute(select(alert_messages).where(key).with_for_update())).one()
            # The new assignee hears of it once in the thread, whoever made the change and however
            # often it is reported (a button, then Sentry's webhook echoing it).
            ping = bool(
                change.kind is EventKind.ASSIGNED and change.assignee_user and change.assignee_user != state.pinged_user
            )
            if change.kind is not EventKind.COMMENT:
                status = change.status if change.kind is EventKind.RESOLVED else state.status
                assignee = change.assignee if change.kind is EventKind.ASSIGNED else state.assignee
                user = state.assignee_user
                if change.kind is EventKind.ASSIGNED:
                    # The same assignee reported without their Slack user (Slack did not answer
                    # this time) keeps the one already known.
                    same = assignee == state.assignee
                    user = change.assignee_user or (state.assignee_user if same else None)
                regressed_at = _regressed_at(change, state.regressed_at, now)
                drawn = (state.status, state.assignee, state.assignee_user, state.regressed_at is not None)
                if (status, assignee, user, regressed_at is not None) == drawn and not ping:
                    # Already shown: e.g. Sentry's webhook echoing a change made with a button.
                    continue
                refreshed = {
                    k: v for k, v in (("title", change.title), ("events", change.events), ("users", change.users)) if v
                }
                values: dict[str, Any] = {
                    "status": status,
                    "assignee": assignee,
                    "assignee_user": user,
                    "regressed_at": regressed_at,
                    "alert": {**state.alert, **refreshed},
                    "updated_at": now,
                }
                if change.kind is EventKind.ASSIGNED and (change.assignee_user or not same):
                    # Reassigning someone after an unassignment (or a team) is news to them again.
                    values["pinged_user"] = change.assignee_user
                conn.execute(update(alert_messages).where(key).values(values))
                if state.ts:
                    deliver(
                        conn, channel_id, Kind.UPDATE, outbox_id=outbox_id, issue_key=change.key, payload={}, now=now
                    )
                    queued += 1
            if (channel_id, state.project) in wanted or channel_id in ruled or ping:
                deliver(
                    conn, channel_id, Kind.REPLY, outbox_id=outbox_id, issue_key=change.key, payload=payload, now=now
                )
                queued += 1
        return queued


class _AlertWrites:
    """The alerts of a batch, routed in memory and written together by `flush`.

    Per alert and subscribed channel: a delivery, the count of its issue in that channel (the
    thread's `alert_messages` row, created by the issue's first alert), and an escalation
    delivery when the count crosses a threshold. Deliveries keep the batch's order. In a channel
    that muted the issue or its project, the alert is counted in the mute instead of delivered
    (the thread's row still keeps its latest state), and escalates nothing (bot/mutes/).
    """

    def __init__(self, escalations: Sequence[int], now: float) -> None:
        self._escalations = escalations
        self._now = now
        self._alerts: list[tuple[int, Alert, dict[str, Any], dict[str, bool]]] = []
        self.urgent: set[str] = set()  # channels that got more than alerts (escalations)

    def add(self, row: Any, alert: Alert, channels: dict[str, bool]) -> _Failed | None:
        """Queue an alert's deliveries; why it could not be, if it could not."""
        try:
            payload = alert.model_dump(mode="json")
        except (ValidationError, ValueError, KeyError, TypeError) as exc:
            # A payload this code cannot handle must not block the queue behind it.
            return _Failed.of("route", exc)
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
        hush = Hush.load(conn, {channel_id for channel_id, _ in wanted}, now)
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
                muted = hush.counted(channel_id, alert, payload)
                key = (channel_id, alert.key)
                state = states.get(key)
                regression = _regression(alert, state)
                if not muted:
                    queued.append(
                        _delivery(
                            channel_id,
                            Kind.ALERT,
                            outbox_id,
                            alert.key,
                            {**payload, "regression": True} if regression else payload,
                            now,
                            threads=channels[channel_id],
                        )
                    )
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
                        "assignee_user": alert.assignee_user,
                        "regressed_at": now if alert.substatus == "regressed" else None,
                        # Assigned already: the first message names them.
                        "pinged_user": alert.assignee_user,
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
                    status="unresolved" if regression else alert.status or state["status"],
                    assignee=alert.assignee if alert.assignee is not None else state["assignee"],
                    assignee_user=alert.assignee_user if alert.assignee is not None else state["assignee_user"],
                    regressed_at=now if regression else state["regressed_at"],
                    updated_at=now,
                )
                if alert.assignee_user and alert.assignee_user != state["pinged_user"]:
                    # Assigned in Sentry, and only this alert says so (service hooks report no
                    # assignments): the new assignee hears of it once in the thread all the same.
                    state["pinged_user"] = alert.assignee_user
                    ping = IssueChange(
                        kind=EventKind.ASSIGNED,
                        issue_id=alert.issue_id or alert.key.partition(":")[2],
                        action="assigned",
                        actor="Someone",
                        assignee=alert.assignee,
                        assignee_user=alert.assignee_user,
                    )
                    queued.append(
                        _delivery(channel_id, Kind.REPLY, outbox_id, alert.key, ping.model_dump(mode="json"), now)
                    )
                if regression:
                    # The parent says so too (the planner skips this when it was never posted).
                    queued.append(_delivery(channel_id, Kind.UPDATE, outbox_id, alert.key, {}, now))
                    self.urgent.add(channel_id)
                if reached and not muted:
                    escalation = {"alert": payload, "threshold": reached, "events": events}
                    queued.append(_delivery(channel_id, Kind.ESCALATION, outbox_id, alert.key, escalation, now))
                    self.urgent.add(channel_id)
        hush.write(conn)
        # executemany inserts in order: deliveries keep the batch's order (ids ascending).
        if queued:
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
_COUNTED = (
    "alert",
    "alerts",
    "events",
    "escalated",
    "status",
    "assignee",
    "updated_at",
    "assignee_user",
    "regressed_at",
    "pinged_user",
)


def _regression(alert: Alert, state: Mapping[str, Any] | None) -> bool:
    """Whether `alert` shows a resolved issue seen again, in a channel whose thread is in `state`.

    Either the channel saw the issue resolved, or Sentry says so: a regression reopens the issue
    with substatus `regressed` (event_manager.py `_handle_regression`), which it keeps for days,
    so only the first alert after the channel last knew it resolved counts.
    """
    if state is None or alert.kind is EventKind.METRIC:
        return False
    return state["status"] == "resolved" or (alert.substatus == "regressed" and state["regressed_at"] is None)


def _regressed_at(change: IssueChange, regressed_at: float | None, now: float) -> float | None:
    """When the thread's issue regressed, after `change`: Sentry reopening it marks it, resolving
    or archiving it clears the mark."""
    if change.kind is not EventKind.RESOLVED:
        return regressed_at
    if change.regression:
        return regressed_at or now
    return None if change.status in ("resolved", "ignored") else regressed_at


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


def _ids_only(values: Iterable[str]) -> dict[str, str | None]:
    """Rule channel settings resolved without Slack: those that are channel ids."""
    return {v: n if is_channel_id(n := normalize(v)) else None for v in values}


def _parse(row: Any, text: bytes | str) -> Parsed:
    """The row's alert or change, why there is nothing to post, or why it could not be read."""
    try:
        payload = jsoncodec.loads(text)
    except Exception as exc:  # RecursionError as well as ValueError: nothing may escape a row
        return _Failed.of("decode", exc)
    if not isinstance(payload, Mapping):
        return _Failed("decode", f"not a JSON object but {type(payload).__name__}")
    try:
        return parse_or_drop(row.source, row.resource, row.action, payload)
    except Exception as exc:
        # A payload this code cannot handle must not block the queue behind it.
        return _Failed.of("parse", exc)


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
