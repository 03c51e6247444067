"""Starting and ending mutes from commands and clicks (each in one transaction)."""

from __future__ import annotations

from functools import partial

from sqlalchemy import Connection, select, update

from bot.alerts.router import Kind, deliver, touch_channel
from bot.mutes.ending import end_mutes
from bot.mutes.models import Mute, MuteKind
from bot.mutes.state import mute_from_row
from bot.store import Database
from bot.store.alerts import alert_messages
from bot.store.mutes import mutes

__all__ = ["BANNERED_MAX", "end_mute", "start_mute"]

# A project's mute puts its banner on the messages of its most recently alerting issues in the
# channel, at most this many: each is a chat.update (Tier 3, ~50 a minute) at the channel's pace.
BANNERED_MAX = 10


async def start_mute(
    db: Database, *, channel_id: str, kind: MuteKind, target: str, label: str, seconds: float, by: str, now: float
) -> Mute:
    """Mute `target` in `channel_id` for `seconds` (muting it again moves the end); the mute as it stands."""
    work = partial(
        _start, db=db, channel_id=channel_id, kind=kind, target=target, label=label, until=now + seconds, by=by, now=now
    )
    return await db.run_transaction(work)


def _start(
    conn: Connection,
    *,
    db: Database,
    channel_id: str,
    kind: MuteKind,
    target: str,
    label: str,
    until: float,
    by: str,
    now: float,
) -> Mute:
    m = mutes.c
    # The channel's row first, as every writer of mutes and threads does (bot/mutes/state.py).
    touch_channel(db, conn, channel_id, now)
    insert = db.insert(mutes).values(
        channel_id=channel_id,
        kind=kind,
        target=target,
        label=label,
        muted_by=by,
        created_at=now,
        until=until,
        alerts=0,
        counts={},
        latest=None,
        bannered=[],
    )
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=[m.channel_id, m.kind, m.target],
            index_where=m.ended_at.is_(None),
            set_={"until": until, "muted_by": by, "label": label, "created_at": now},
        )
    )
    active = m.channel_id == channel_id, m.kind == kind, m.target == target, m.ended_at.is_(None)
    row = conn.execute(select(mutes).where(*active)).one()
    a = alert_messages.c
    threads = select(a.issue_key).where(a.channel_id == channel_id, a.ts.is_not(None))
    if kind is MuteKind.ISSUE:
        threads = threads.where(a.issue_key == f"issue:{target}")
    else:
        threads = threads.where(a.project == target).order_by(a.updated_at.desc()).limit(BANNERED_MAX)
    bannered = list(row.bannered or [])
    for key in conn.execute(threads).scalars():
        # Drawn again now: the planner gives it the banner while the mute is on.
        deliver(conn, channel_id, Kind.UPDATE, outbox_id=None, issue_key=key, payload={}, now=now)
        if key not in bannered:
            bannered.append(key)
    conn.execute(update(mutes).where(m.id == row.id).values(bannered=bannered))
    return mute_from_row(row._mapping)


async def end_mute(db: Database, mute_id: int, *, by: str, now: float) -> Mute | None:
    """End one mute now (`unmute`); None when it had ended already."""
    ended = await db.run_transaction(partial(end_mutes, db=db, ids=[mute_id], now=now, ended_by=by))
    return ended[0] if ended else None
