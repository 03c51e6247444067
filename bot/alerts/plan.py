"""Deciding a channel's next Slack call, inside the transaction that claimed the channel
(synchronous SQLAlchemy: the sender runs that transaction with `Database.run_transaction`).

In order:
1. a digest whose first post was interrupted (its outcome must be looked up first);
2. in a storm (a digest is open, or more alerts wait than the pace can post in `storm_delay`),
   every pending alert folds into the digest; the digest is posted, or updated at most every
   `digest_refresh` seconds;
3. else the oldest pending delivery: an alert (new message, or a reply in its issue's thread),
   an in-place update, a reply saying who did what, an escalation, a notice, a mute's end, a
   scheduled report and its chart (uploaded into the report's thread).
A parent message drawn while its issue is muted in the channel carries the mute's banner.
Deliveries that turn out to need no call (an update of a message never posted) are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, Row, func, select, update

from bot.alerts.config import DeliveryConfig
from bot.alerts.models import Alert, DigestEntry, IssueChange, SubscriptionFilters
from bot.alerts.router import Kind
from bot.alerts.subscriptions import subscription_from_row
from bot.mutes import MuteEnd, active_mute
from bot.reports.models import ReportContent
from bot.store.alerts import alert_messages, deliveries, digests, subscriptions
from bot.views.alert import (
    alert_message,
    broken_notice,
    change_reply,
    digest_message,
    escalation_reply,
    mute_ended_reply,
    repeat_reply,
)
from bot.views.common import Message
from bot.views.report import report_message
from bot.views.rule_action import rule_channel_notice

__all__ = ["Call", "Planner"]

# Slack message metadata marks every post, so an interrupted post can be found again.
ALERT_EVENT = "sentry_bot_alert"
DIGEST_EVENT = "sentry_bot_digest"
NOTE_EVENT = "sentry_bot_note"
REPORT_EVENT = "sentry_bot_report"
_DIGESTS_LOOKED_AT = 5


@dataclass(frozen=True)
class Call:
    """One Slack call a turn decided on, and what to record once Slack answers."""

    channel_id: str
    method: Literal["chat.postMessage", "chat.update", "files.upload"]
    message: Message
    key: str  # "d<delivery id>" or "g<digest id>", carried in the message metadata
    event_type: str
    thread_ts: str | None = None
    ts: str | None = None  # the message chat.update replaces
    lookup_since: float | None = None  # an earlier attempt's outcome is unknown: look for it first
    delivery_id: int | None = None
    kind: Kind | None = None
    issue_key: str | None = None
    attempts: int = 0
    digest_id: int | None = None
    digest_total: int = 0
    # The issue state an alert's parent message was drawn with (status, assignee).
    drawn: tuple[str | None, str | None] | None = None
    # This call also tries again the token Slack refused (bot/alerts/hold.py).
    probe: bool = False
    # A thread reply that also shows in the channel (`reply_broadcast`, the subscription's `--broadcast`).
    broadcast: bool = False
    # files.upload: the chart to draw and upload (a report's: `title` and `points`).
    chart: dict[str, Any] | None = None

    @property
    def metadata(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"key": self.key}
        if self.digest_id is not None:
            payload["alerts"] = self.digest_total
        return {"event_type": self.event_type, "event_payload": payload}


class Planner:
    def __init__(self, config: DeliveryConfig) -> None:
        self._config = config

    def plan(self, conn: Connection, channel_id: str, now: float) -> Call | None:
        """The channel's next call (its in-flight marks written), or None when it has nothing to send now."""
        digest = self._open_digest(conn, channel_id, now)
        if digest is not None and digest.in_flight_at is not None:
            return self._digest_call(conn, digest, now)
        # A post interrupted by a crash comes first: it may be in Slack already, so it must not
        # fold into a digest and be counted twice.
        if interrupted := self._next(conn, channel_id, deliveries.c.in_flight_at.is_not(None)):
            return self._delivery_or_skip(conn, interrupted, now) or self.plan(conn, channel_id, now)
        backlog = conn.scalar(
            select(func.count()).select_from(deliveries).where(_pending(channel_id), deliveries.c.kind == Kind.ALERT)
        )
        if backlog and (digest is not None or backlog > self._config.storm_backlog):
            digest = self._fold(conn, channel_id, digest, now)
        if digest is not None and digest.dirty and self._refreshable(digest, now):
            return self._digest_call(conn, digest, now)
        while item := self._next(conn, channel_id):
            if call := self._delivery_or_skip(conn, item, now):
                return call
        return None

    @staticmethod
    def _next(conn: Connection, channel_id: str, *where: ColumnElement[bool]) -> Row[Any] | None:
        query = select(deliveries).where(_pending(channel_id), *where).order_by(deliveries.c.id).limit(1)
        return (conn.execute(query)).first()

    def _delivery_or_skip(self, conn: Connection, item: Row[Any], now: float) -> Call | None:
        """The call for `item`, marked in flight; or None, `item` marked skipped (nothing to call)."""
        if call := self._delivery_call(conn, item, now):
            return self._mark_in_flight(conn, call, item, now)
        conn.execute(update(deliveries).where(deliveries.c.id == item.id).values(status="skipped", done_at=now))
        return None

    def _refreshable(self, digest: Row[Any], now: float) -> bool:
        return digest.ts is None or (digest.synced_at or 0.0) + self._config.digest_refresh <= now

    def next_due(self, digest: Row[Any] | None, *, pending: bool, now: float) -> float | None:
        """When the channel next has something to do: now, the digest's next refresh, or never."""
        if pending:
            return now
        if digest is not None and digest.dirty:
            return max(now, (digest.synced_at or 0.0) + self._config.digest_refresh)
        return None

    def _open_digest(self, conn: Connection, channel_id: str, now: float) -> Row[Any] | None:
        """The channel's storm digest, if a storm is on; one that went quiet is closed here."""
        digest = (
            conn.execute(select(digests).where(digests.c.channel_id == channel_id, digests.c.closed.is_(False)))
        ).first()
        quiet = digest is not None and now - digest.last_folded_at > self._config.storm_quiet
        if digest is not None and quiet and not digest.dirty and digest.in_flight_at is None:
            conn.execute(update(digests).where(digests.c.id == digest.id).values(closed=True))
            return None
        return digest

    def _fold(self, conn: Connection, channel_id: str, digest: Row[Any] | None, now: float) -> Row[Any]:
        """Count every pending alert of the channel in its digest (opening one if needed)."""
        alerts = (_pending(channel_id), deliveries.c.kind == Kind.ALERT)
        top = conn.scalar(select(func.max(deliveries.c.id)).where(*alerts))
        counts: dict[str, int] = dict(
            (
                conn.execute(
                    select(deliveries.c.issue_key, func.count())
                    .where(*alerts, deliveries.c.id <= top)
                    .group_by(deliveries.c.issue_key)
                )
            ).all()
        )
        if digest is None:
            digest_id = (
                conn.execute(
                    digests.insert()
                    .values(channel_id=channel_id, entries={}, total=0, opened_at=now, last_folded_at=now, dirty=True)
                    .returning(digests.c.id)
                )
            ).scalar_one()
            entries: dict[str, Any] = {}
            total = 0
        else:
            digest_id, entries, total = digest.id, dict(digest.entries), digest.total
        # The latest alert of each issue in this channel names it in the digest.
        latest = conn.execute(
            select(alert_messages.c.issue_key, alert_messages.c.alert).where(
                alert_messages.c.channel_id == channel_id, alert_messages.c.issue_key.in_(list(counts))
            )
        )
        for key, alert in latest.all():
            count = counts[key] + (entries[key]["count"] if key in entries else 0)
            entries[key] = DigestEntry.of(Alert.model_validate(alert), count).model_dump(mode="json")
        conn.execute(
            update(digests)
            .where(digests.c.id == digest_id)
            .values(entries=entries, total=total + sum(counts.values()), last_folded_at=now, dirty=True)
        )
        conn.execute(
            update(deliveries)
            .where(*alerts, deliveries.c.id <= top)
            .values(status="digested", digest_id=digest_id, done_at=now)
        )
        return (conn.execute(select(digests).where(digests.c.id == digest_id))).one()

    def _digest_call(self, conn: Connection, digest: Row[Any], now: float) -> Call:
        entries = [DigestEntry.model_validate(e) for e in digest.entries.values()]
        since = datetime.fromtimestamp(digest.opened_at, UTC)
        common: dict[str, Any] = {
            "channel_id": digest.channel_id,
            "message": digest_message(entries, total=digest.total, since=since),
            "key": f"g{digest.id}",
            "event_type": DIGEST_EVENT,
            "digest_id": digest.id,
            "digest_total": digest.total,
        }
        if digest.ts:
            return Call(method="chat.update", ts=digest.ts, **common)
        if digest.in_flight_at is None:
            conn.execute(update(digests).where(digests.c.id == digest.id).values(in_flight_at=now))
        return Call(method="chat.postMessage", lookup_since=digest.in_flight_at, **common)

    def _delivery_call(self, conn: Connection, item: Row[Any], now: float) -> Call | None:
        state = None
        if item.issue_key is not None:
            state = (
                conn.execute(
                    select(alert_messages).where(
                        alert_messages.c.channel_id == item.channel_id, alert_messages.c.issue_key == item.issue_key
                    )
                )
            ).first()
        parent = state.ts if state is not None else None
        common: dict[str, Any] = {
            "channel_id": item.channel_id,
            "key": f"d{item.id}",
            "event_type": NOTE_EVENT,
            "delivery_id": item.id,
            "kind": Kind(item.kind),
            "issue_key": item.issue_key,
            "attempts": item.attempts + 1,
        }
        match item.kind:
            case Kind.ALERT:
                alert = Alert.model_validate(item.payload)
                options = _options(conn, item.channel_id, alert.project)
                common["event_type"] = ALERT_EVENT
                regression = options.mention_for("regression", alert.level) if alert.regression else ()
                if state is not None and parent and item.threads:
                    message = repeat_reply(alert, events=state.events, mention=regression)
                    broadcast = alert.regression and "regression" in options.broadcast
                    return Call(
                        method="chat.postMessage", message=message, thread_ts=parent, broadcast=broadcast, **common
                    )
                drawn = (state.status, state.assignee) if state is not None else (None, None)
                # The issue's first message in this channel is its "new" moment.
                new = options.mention_for("new", alert.level) if state is None or not state.ts else ()
                message = alert_message(
                    alert,
                    status=drawn[0],
                    assignee=drawn[1],
                    assignee_user=state.assignee_user if state is not None else None,
                    regressed=bool(state is not None and state.regressed_at is not None),
                    mention=new or regression,
                    tags=options.tags,
                    muted=active_mute(conn, item.channel_id, alert, now),
                )
                return Call(method="chat.postMessage", message=message, drawn=drawn, **common)
            case Kind.UPDATE if state is not None and parent:
                # chat.update replaces the message's metadata: it must still say "alert", or the
                # next click on it is taken for a click on a personal card.
                common["event_type"] = ALERT_EVENT
                alert = Alert.model_validate(state.alert)
                options = _options(conn, item.channel_id, state.project)
                message = alert_message(
                    alert,
                    status=state.status,
                    assignee=state.assignee,
                    assignee_user=state.assignee_user,
                    regressed=state.regressed_at is not None,
                    # The parent keeps the mention it was posted with (an edit pings nobody again).
                    mention=options.mention_for("new", alert.level),
                    tags=options.tags,
                    muted=active_mute(conn, item.channel_id, alert, now),
                )
                return Call(method="chat.update", message=message, ts=parent, **common)
            case Kind.MUTED:
                # In the issue's thread; for an issue only a storm digest showed, in that digest's
                # thread; else in the channel (the count is news).
                parent = parent or _digest_showing(conn, item.channel_id, item.issue_key)
                latest = Alert.model_validate(state.alert) if state is not None else None
                message = mute_ended_reply(MuteEnd.model_validate(item.payload), latest=latest)
                return Call(method="chat.postMessage", message=message, thread_ts=parent, **common)
            case Kind.REPLY if parent:
                change = IssueChange.model_validate(item.payload)
                options = _options(conn, item.channel_id, state.project if state is not None else None)
                level = (state.alert or {}).get("level") if state is not None else None
                moment = "regression" if change.regression else "escalation" if change.escalating else None
                mention = options.mention_for(moment, level) if moment else ()
                message = change_reply(change, mention=mention)
                broadcast = bool(
                    (moment and moment in options.broadcast)
                    or (change.action == "resolved" and "resolved" in options.broadcast)
                )
                return Call(method="chat.postMessage", message=message, thread_ts=parent, broadcast=broadcast, **common)
            case Kind.ESCALATION:
                alert = Alert.model_validate(item.payload["alert"])
                options = _options(conn, item.channel_id, alert.project)
                # An issue that only ever showed in a storm digest escalates in that digest's thread.
                parent = parent or _digest_showing(conn, item.channel_id, item.issue_key)
                message = escalation_reply(
                    alert,
                    threshold=item.payload["threshold"],
                    events=item.payload["events"],
                    mention=options.mention_for("escalation", alert.level),
                )
                broadcast = bool(parent) and "escalation" in options.broadcast
                return Call(method="chat.postMessage", message=message, thread_ts=parent, broadcast=broadcast, **common)
            case Kind.NOTICE if "rule" in item.payload:
                message = rule_channel_notice(**item.payload["rule"])
                return Call(method="chat.postMessage", message=message, **common)
            case Kind.NOTICE:
                message = broken_notice(**item.payload)
                return Call(method="chat.postMessage", message=message, **common)
            case Kind.REPORT:
                common["event_type"] = REPORT_EVENT
                message = report_message(ReportContent.model_validate(item.payload))
                return Call(method="chat.postMessage", message=message, **common)
            case Kind.CHART:
                # The report before it in this channel was sent (deliveries go in id order), or
                # given up on: then there is no thread for its chart.
                report = conn.execute(
                    select(deliveries.c.status, deliveries.c.ts).where(deliveries.c.id == item.payload["after"])
                ).first()
                if report is None or report.status != "sent" or not report.ts:
                    return None
                return Call(method="files.upload", message={}, thread_ts=report.ts, chart=item.payload, **common)
        return None

    @staticmethod
    def _mark_in_flight(conn: Connection, call: Call, item: Row[Any], now: float) -> Call:
        values: dict[str, Any] = {"attempts": call.attempts}
        if call.method == "chat.postMessage":
            if item.in_flight_at is not None:
                call = replace(call, lookup_since=item.in_flight_at)
            else:
                values["in_flight_at"] = now
        conn.execute(update(deliveries).where(deliveries.c.id == item.id).values(**values))
        return call


def _digest_showing(conn: Connection, channel_id: str, issue_key: str) -> str | None:
    """The ts of the channel's latest posted digest that counts the issue (looking a few storms back)."""
    recent = conn.execute(
        select(digests.c.ts, digests.c.entries)
        .where(digests.c.channel_id == channel_id, digests.c.ts.is_not(None))
        .order_by(digests.c.id.desc())
        .limit(_DIGESTS_LOOKED_AT)
    )
    return next((ts for ts, entries in recent.all() if issue_key in entries), None)


def _options(conn: Connection, channel_id: str, project: str | None) -> SubscriptionFilters:
    """How the channel's subscription to `project` presents alerts (mentions, broadcast, tags); the
    defaults when it has none (a rule's alert, or a subscription removed since)."""
    if project is None:
        return SubscriptionFilters()
    row = conn.execute(
        select(subscriptions).where(subscriptions.c.channel_id == channel_id, subscriptions.c.project == project)
    ).first()
    return subscription_from_row(row._mapping).filters if row is not None else SubscriptionFilters()


def _pending(channel_id: str) -> ColumnElement[bool]:
    return (deliveries.c.channel_id == channel_id) & (deliveries.c.status == "pending")
