"""The report tick the alert worker runs: due reports claimed, built from Sentry, queued for posting.

    runner = ReportRunner(db, sentry, owner=worker.name)
    await runner.tick(time.time())     # how many reports were queued

A tick:
1. claims the due reports in one transaction (`FOR UPDATE SKIP LOCKED`: replicas take different
   rows; SQLite has one writer anyway). For each it picks the period to post, the one ending at the
   schedule's latest tick at or before now, moves `next_run` to the first tick after now and records
   the period in `pending_end`. So after downtime the periods missed collapse into one late post.
2. builds each report's content from Sentry, with no transaction open;
3. queues the post as a `report` delivery (the sender posts it at the channel's pace, retried, held
   while Slack refuses the token, looked up after a crash), then its chart as a `chart` delivery
   (uploaded into the report's thread once the report is posted), and clears `pending_end`, in one
   transaction that first checks the claim is still this runner's.
A runner that dies between 1 and 3 leaves `pending_end` set: once the claim runs out, the next tick
(of any replica) builds that same period. Each period is queued once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from sqlalchemy import ColumnElement, Connection, func, or_, select, update

from bot.alerts.router import Kind, deliver, touch_channel
from bot.errors import SentryAPIError
from bot.reports.content import build_report
from bot.reports.models import Report, ReportContent
from bot.reports.schedule import Period
from bot.sentry.client import SentryClient
from bot.store import Database
from bot.store.alerts import deliveries
from bot.store.reports import reports
from bot.views.report import chart_title

__all__ = ["LATE_AFTER", "Claim", "ReportRunner"]

log = logging.getLogger(__name__)

# A period posted more than this long after its end says it is late.
LATE_AFTER = 15 * 60.0
# How long a claim holds before another replica may build the period again.
CLAIM_FOR = 300.0
# Reports claimed per tick at most (each is seven Sentry reads).
BATCH = 10


@dataclass(frozen=True)
class Claim:
    report: Report
    period: Period
    late: bool


class ReportRunner:
    def __init__(
        self, db: Database, sentry: SentryClient, *, owner: str, claim_for: float = CLAIM_FOR, batch: int = BATCH
    ) -> None:
        self._db = db
        self._sentry = sentry
        self._owner = owner
        self._claim_for = claim_for
        self._batch = batch

    async def tick(self, now: float) -> int:
        """Queue every due report (up to the batch); how many were queued."""
        async with self._db.read() as conn:
            # Look before taking the write lock: most ticks find nothing due.
            if (await conn.execute(select(reports.c.id).where(_due(now)).limit(1))).first() is None:
                return 0
        claims = await self._db.run_transaction(partial(self._claim, now=now))
        queued = 0
        for claim in claims:
            try:
                content = await build_report(self._sentry, claim.report, claim.period, late=claim.late)
            except SentryAPIError as exc:
                # Sentry is down or refuses (a project deleted since): the claim runs out and a later
                # tick tries that period again.
                log.warning(
                    "reports.build-failed",
                    extra={"report": claim.report.id, "error": type(exc).__name__, "status": exc.status},
                )
                continue
            except Exception:
                log.exception("reports.build-crashed", extra={"report": claim.report.id})
                continue
            if await self._db.run_transaction(partial(self._queue, claim=claim, content=content, now=now)):
                queued += 1
                log.info(
                    "reports.queued",
                    extra={"report": claim.report.id, "channel": claim.report.channel_id, "late": claim.late},
                )
        return queued

    def _claim(self, conn: Connection, *, now: float) -> list[Claim]:
        r = reports.c
        rows = conn.execute(
            select(reports).where(_due(now)).order_by(r.next_run).limit(self._batch).with_for_update(skip_locked=True)
        ).all()
        claims = []
        for row in rows:
            report = Report.from_row(row)
            schedule = report.schedule
            if row.pending_end is None:
                end = schedule.last_at_or_before(now)
                late = now - end > LATE_AFTER
                values = {"pending_end": end, "pending_late": late, "next_run": schedule.next_after(now)}
            else:  # an earlier claim ran out before its period was queued: build that period
                end, late = row.pending_end, row.pending_late or now - row.pending_end > LATE_AFTER
                values = {"pending_late": late}
            # Only if the row is still as read: SKIP LOCKED keeps replicas apart on PostgreSQL, and
            # this keeps a claim from being taken twice wherever a lock was not held.
            unchanged = (r.id == report.id) & (r.next_run == row.next_run) & _same(r.claim_until, row.claim_until)
            taken = conn.execute(
                update(reports)
                .where(unchanged)
                .values(**values, claimed_by=self._owner, claim_until=now + self._claim_for)
            )
            if taken.rowcount:
                claims.append(Claim(report, schedule.period_ending(end), late))
        return claims

    def _queue(self, conn: Connection, *, claim: Claim, content: ReportContent, now: float) -> bool:
        r = reports.c
        mine = (r.id == claim.report.id) & (r.pending_end == claim.period.end) & (r.claimed_by == self._owner)
        done = conn.execute(
            update(reports)
            .where(mine)
            .values(pending_end=None, pending_late=False, claimed_by=None, claim_until=None, last_end=claim.period.end)
        )
        if not done.rowcount:
            return False  # removed meanwhile, or the claim ran out and another replica took it
        touch_channel(self._db, conn, claim.report.channel_id, now)
        channel = claim.report.channel_id
        payload = content.model_dump(mode="json")
        deliver(conn, channel, Kind.REPORT, outbox_id=None, issue_key=None, payload=payload, now=now)
        if content.series:
            # The channel's row is locked (touch_channel): the newest report delivery there is ours.
            d = deliveries.c
            after = conn.scalar(select(func.max(d.id)).where(d.channel_id == channel, d.kind == Kind.REPORT))
            chart = {"after": after, "title": chart_title(content), "points": content.series}
            deliver(conn, channel, Kind.CHART, outbox_id=None, issue_key=None, payload=chart, now=now)
        return True


def _same(column: ColumnElement[float | None], value: float | None) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def _due(now: float) -> ColumnElement[bool]:
    r = reports.c
    return or_(
        r.pending_end.is_(None) & (r.next_run <= now),
        r.pending_end.is_not(None) & (r.claim_until < now),
    )
