"""Which mutes are on, for the alert pipeline (inside its transactions) and for the Home tab.

Lock order, as the router's (bot/alerts/router.py): a transaction that changes a mute has locked
its channel's `slack_channels` row first, and takes `alert_messages` rows only after the mute.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select, update

from bot.mutes.models import Mute, MuteKind
from bot.store import Database
from bot.store.mutes import mutes

if TYPE_CHECKING:
    # Types only: the alert pipeline imports this module (bot/alerts/router.py).
    from bot.alerts.models import Alert

__all__ = ["Hush", "active_mute", "channel_mutes", "mute_from_row", "next_end"]


def mute_from_row(row: Any) -> Mute:
    """A `mutes` row (its `_mapping`) as a Mute."""
    return Mute(
        id=row["id"],
        channel_id=row["channel_id"],
        kind=MuteKind(row["kind"]),
        target=row["target"],
        label=row["label"],
        muted_by=row["muted_by"],
        created_at=row["created_at"],
        until=row["until"],
        ended_at=row["ended_at"],
        ended_by=row["ended_by"],
        alerts=row["alerts"],
    )


def _active(now: float) -> Any:
    return mutes.c.ended_at.is_(None) & (mutes.c.until > now)


@dataclass
class Hush:
    """The active mutes of a routing batch's channels: an alert one of them covers is counted in it
    (with the latest alert kept) instead of becoming a delivery.

        hush = Hush.load(conn, channels, now)
        if not hush.counted(channel_id, alert, payload): queue its delivery
        hush.write(conn)
    """

    by_channel: dict[str, list[Mute]]
    _counts: dict[int, dict[str, int]] = field(default_factory=dict)
    _latest: dict[int, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Connection, channels: Iterable[str], now: float) -> Hush:
        """Lock and read the channels' active mutes (the caller holds the channels' rows already)."""
        wanted = sorted(set(channels))
        if not wanted:
            return cls({})
        rows = conn.execute(
            select(mutes).where(mutes.c.channel_id.in_(wanted), _active(now)).order_by(mutes.c.id).with_for_update()
        )
        found: dict[str, list[Mute]] = {}
        for row in rows:
            found.setdefault(row.channel_id, []).append(mute_from_row(row._mapping))
        return cls(found)

    def counted(self, channel_id: str, alert: Alert, payload: dict[str, Any]) -> bool:
        """Count `alert` in the mute of `channel_id` that covers it; False when none does."""
        mute = next((m for m in self.by_channel.get(channel_id, ()) if m.covers(alert)), None)
        if mute is None:
            return False
        counts = self._counts.setdefault(mute.id, {})
        counts[alert.key] = counts.get(alert.key, 0) + 1
        self._latest[mute.id] = payload
        return True

    def write(self, conn: Connection) -> None:
        """Add what was counted to the mutes' rows (locked by `load`)."""
        for mute_id in sorted(self._counts):
            counts = self._counts[mute_id]
            row = conn.execute(select(mutes.c.counts).where(mutes.c.id == mute_id)).one()
            merged = dict(row.counts or {})
            for key, n in counts.items():
                merged[key] = merged.get(key, 0) + n
            conn.execute(
                update(mutes)
                .where(mutes.c.id == mute_id)
                .values(alerts=mutes.c.alerts + sum(counts.values()), counts=merged, latest=self._latest[mute_id])
            )
        self._counts.clear()
        self._latest.clear()


def active_mute(conn: Connection, channel_id: str, alert: Alert, now: float) -> Mute | None:
    """The mute of `channel_id` covering `alert` now, if any (the banner its parent message shows)."""
    targets = [t for t in (alert.issue_id, *alert.projects) if t]
    if not targets:
        return None
    rows = conn.execute(
        select(mutes).where(mutes.c.channel_id == channel_id, mutes.c.target.in_(targets), _active(now))
    )
    covering = [m for m in map(mute_from_row, (r._mapping for r in rows)) if m.covers(alert)]
    # The issue's own mute names it best; otherwise the one that lasts longest.
    covering.sort(key=lambda m: (m.kind is not MuteKind.ISSUE, -m.until))
    return covering[0] if covering else None


async def channel_mutes(db: Database, channel_ids: Sequence[str], now: float) -> list[Mute]:
    """The active mutes of those channels, soonest to end first (for `/sentry mutes` and the Home tab)."""
    if not channel_ids:
        return []
    async with db.read() as conn:
        rows = await conn.execute(
            select(mutes)
            .where(mutes.c.channel_id.in_(sorted(set(channel_ids))), _active(now))
            .order_by(mutes.c.until, mutes.c.id)
        )
        return [mute_from_row(r._mapping) for r in rows]


async def next_end(db: Database) -> float | None:
    """When the next mute still on ends (None: none is on), for the worker to wake then."""
    async with db.read() as conn:
        until = await conn.scalar(select(func.min(mutes.c.until)).where(mutes.c.ended_at.is_(None)))
    return float(until) if until is not None else None
