"""The channels' reports, kept in the database: add, list, remove, and the one read the Home tab needs.

reports = ReportStore(db)
report = await reports.add("C123", "web", Schedule(...), created_by="U123", now=time.time())
await reports.of_channel("C123")
await channel_reports(db, ["C123", "C456"])   # the Home tab: every report of these channels
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select

from bot.reports.models import Report
from bot.reports.schedule import Schedule
from bot.store import Database
from bot.store.reports import reports

__all__ = ["ReportStore", "channel_reports"]


async def channel_reports(db: Database, channel_ids: Sequence[str]) -> list[Report]:
    """Every report of `channel_ids`, by channel, then id."""
    if not channel_ids:
        return []
    r = reports.c
    async with db.read() as conn:
        rows = await conn.execute(
            select(reports).where(r.channel_id.in_(list(channel_ids))).order_by(r.channel_id, r.id)
        )
        return [Report.from_row(row) for row in rows]


class ReportStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, channel_id: str, project: str | None, schedule: Schedule, *, created_by: str, now: float
    ) -> Report:
        """A new report of `channel_id`; its first run is the schedule's next tick after `now`."""
        values = {
            "channel_id": channel_id,
            "project": project,
            "cadence": schedule.cadence,
            "at_minute": schedule.at.hour * 60 + schedule.at.minute,
            "tz": schedule.tz.key,
            "weekday": schedule.weekday,
            "next_run": schedule.next_after(now),
            "pending_late": False,
            "created_by": created_by,
            "created_at": now,
        }
        async with self._db.transaction() as conn:
            new_id = (await conn.execute(reports.insert().values(values).returning(reports.c.id))).scalar_one()
            row = (await conn.execute(select(reports).where(reports.c.id == new_id))).one()
        return Report.from_row(row)

    async def of_channel(self, channel_id: str) -> list[Report]:
        return await channel_reports(self._db, [channel_id])

    async def get(self, channel_id: str, report_id: int) -> Report | None:
        """The report `report_id` if it belongs to `channel_id` (another channel's is not found)."""
        r = reports.c
        async with self._db.read() as conn:
            row = (await conn.execute(select(reports).where(r.id == report_id, r.channel_id == channel_id))).first()
        return Report.from_row(row) if row is not None else None

    async def remove(self, channel_id: str, report_id: int) -> Report | None:
        """Remove the channel's report `report_id`; the report removed, or None when it has none such."""
        r = reports.c
        async with self._db.transaction() as conn:
            row = (await conn.execute(select(reports).where(r.id == report_id, r.channel_id == channel_id))).first()
            if row is None:
                return None
            await conn.execute(delete(reports).where(r.id == report_id))
        return Report.from_row(row)
