"""Ending mutes, exactly once whichever replica (or `unmute`) notices first.

The ending is claimed with a conditional UPDATE (`ended_at IS NULL`) after the mute's channel row
is locked (the router's lock order), so of two replicas ending the same mute one wins and the other
finds it ended. The winner queues, in the same transaction, through the ordinary deliveries:
- for each issue counted (and each message that got the banner): its parent message drawn again
  (the banner gone, the latest state shown), or, for an issue first seen while muted, its message;
- one thread line per issue counted ("50 alerts came while muted").
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from sqlalchemy import Connection, exists, select, update

from bot.alerts.router import Kind, deliver, touch_channels
from bot.mutes.models import Mute, MuteEnd, MuteKind
from bot.mutes.state import mute_from_row
from bot.store import Database
from bot.store.alerts import alert_messages
from bot.store.mutes import mutes

__all__ = ["end_due", "end_mutes"]


def end_mutes(
    conn: Connection, db: Database, ids: Sequence[int], *, now: float, ended_by: str | None = None
) -> list[Mute]:
    """End the mutes `ids` that are still on; the ones this transaction ended."""
    m = mutes.c
    found = conn.execute(select(m.id, m.channel_id).where(m.id.in_(list(ids)), m.ended_at.is_(None))).all()
    if not found:
        return []
    # Channels first (bot/mutes/state.py): the ending then waits for a routing batch in that channel.
    touch_channels(db, conn, {row.channel_id: now for row in found})
    ended = []
    for row in sorted(found, key=lambda r: r.id):
        claimed = conn.execute(
            update(mutes).where(m.id == row.id, m.ended_at.is_(None)).values(ended_at=now, ended_by=ended_by)
        )
        if claimed.rowcount != 1:
            continue  # another replica (or an unmute) ended it meanwhile
        state = conn.execute(select(mutes).where(m.id == row.id)).one()
        mute = mute_from_row(state._mapping)
        _report(conn, mute, counts=dict(state.counts or {}), bannered=list(state.bannered or []), now=now)
        ended.append(mute)
    return ended


def _report(conn: Connection, mute: Mute, *, counts: dict[str, int], bannered: list[str], now: float) -> None:
    keys = sorted(set(counts) | set(bannered) | ({mute.issue_key} if mute.issue_key else set()))
    for key in keys:
        where = (alert_messages.c.channel_id == mute.channel_id) & (alert_messages.c.issue_key == key)
        thread = conn.execute(select(alert_messages).where(where).with_for_update()).first()
        count = counts.get(key, 0)
        if thread is None:
            continue  # nothing ever alerted here (or the thread was forgotten): nothing to report on
        if thread.ts:
            deliver(conn, mute.channel_id, Kind.UPDATE, outbox_id=None, issue_key=key, payload={}, now=now)
        elif count:
            # First seen while muted: its message now, drawn from the latest state.
            deliver(conn, mute.channel_id, Kind.ALERT, outbox_id=None, issue_key=key, payload=thread.alert, now=now)
        if count or (thread.ts and mute.kind is MuteKind.ISSUE):
            line = MuteEnd(
                label=mute.label, kind=mute.kind, muted_by=mute.muted_by, ended_by=mute.ended_by, count=count
            )
            deliver(
                conn, mute.channel_id, Kind.MUTED, outbox_id=None, issue_key=key, payload=line.model_dump(), now=now
            )


async def end_due(db: Database, now: float) -> list[Mute]:
    """End every mute whose time has come; the ones this call ended (another replica may end some)."""
    m = mutes.c
    due = m.ended_at.is_(None) & (m.until <= now)
    # A read first: on SQLite a write transaction takes the one write lock, and this runs every poll.
    async with db.read() as conn:
        if not await conn.scalar(select(exists().where(due))):
            return []
        ids = list((await conn.execute(select(m.id).where(due).order_by(m.id))).scalars())
    return await db.run_transaction(partial(end_mutes, db=db, ids=ids, now=now))
