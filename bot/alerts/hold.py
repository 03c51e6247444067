"""When Slack refuses the bot's token, alert deliveries wait for the whole workspace, and nothing is lost.

A token problem (revoked, expired, a scope taken away) is the workspace's, not a channel's. Pausing
each channel's subscriptions, as a refused channel does, would lose what arrives meanwhile and leave
someone to subscribe every channel again once the token is fixed. Instead:

- the first refusal records a hold (`slack_auth_hold`) and logs it once, as an error;
- while it lasts, senders claim no channel: deliveries keep their place and their attempts;
- when `probe_at` comes, one sender (on any replica) makes its next real call as a probe. Refused
  again, the wait grows (`DeliveryConfig.backoff_for`, up to `backoff_max`); accepted, the hold ends,
  is logged once, and the queue drains in order.

Operators see it in `/metrics` (`sentry_bot_slack_token_refused`), `/sentry doctor` and `sentry-bot check`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, insert, select, update

from bot.alerts.metrics import TOKEN_REFUSED
from bot.alerts.slack_errors import plain_reason
from bot.alerts.stats import queue_depth
from bot.store import Database
from bot.store.alerts import slack_auth_hold

__all__ = ["Hold", "current", "end", "give_back", "problem", "refused", "take_probe"]

log = logging.getLogger(__name__)

_ROW = 1
_h = slack_auth_hold.c


@dataclass(frozen=True)
class Hold:
    code: str
    since: float
    refusals: int
    probe_at: float

    def describe(self, *, pending: int, now: float) -> str:
        """One line for operators: what Slack said, since when, what waits, when the bot tries again."""
        since = datetime.fromtimestamp(self.since, UTC).strftime("%Y-%m-%d %H:%M UTC")
        retry = max(0, round(self.probe_at - now))
        return (
            f"Slack refuses the bot's token since {since}: {plain_reason(self.code)} ({self.code}). "
            f"{pending} alert deliveries are held, none lost; the bot tries again in {retry}s "
            "and resumes on its own once the token works."
        )


def _read(conn: Connection) -> Hold | None:
    row = conn.execute(select(slack_auth_hold).where(_h.id == _ROW)).first()
    return Hold(row.code, row.since, row.refusals, row.probe_at) if row is not None else None


async def current(db: Database) -> Hold | None:
    """The hold in force, if any (for doctor, check and the senders' sleep)."""
    async with db.read() as conn:
        hold = await conn.run_sync(_read)
    TOKEN_REFUSED.set(hold is not None)
    return hold


async def problem(db: Database, now: float) -> str | None:
    """Why no alert reaches Slack right now, in one line for doctor and check; None when deliveries flow."""
    held = await current(db)
    if held is None:
        return None
    return held.describe(pending=(await queue_depth(db)).pending, now=now)


def take_probe(conn: Connection, now: float, *, until: float) -> Hold | bool:
    """Inside a sender's claim: True when there is no hold; False while it holds; the hold when this
    claim is the probe (its next call tries the token; others wait until `until` for the answer)."""
    hold = _read(conn)
    if hold is None:
        return True
    if hold.probe_at > now:
        return False
    # Compare-and-set: of the senders and replicas that see the probe due, one takes it.
    taken = conn.execute(update(slack_auth_hold).where(_h.id == _ROW, _h.probe_at <= now).values(probe_at=until))
    return hold if taken.rowcount == 1 else False


def give_back(conn: Connection, probe: Hold) -> None:
    """The probe's claim found nothing to send: the next claim may probe at once."""
    conn.execute(update(slack_auth_hold).where(_h.id == _ROW).values(probe_at=probe.probe_at))


def refused(conn: Connection, code: str, now: float, *, wait: Callable[[int], float]) -> Hold:
    """Record a refusal; `wait(refusals)` is how many seconds the next probe waits."""
    hold = _read(conn)
    if hold is None:
        hold = Hold(code, now, 1, now + wait(1))
        conn.execute(insert(slack_auth_hold).values(id=_ROW, **hold.__dict__))
        log.error("alerts.slack.token-refused", extra={"code": code, "reason": plain_reason(code)})
    else:
        hold = Hold(code, hold.since, hold.refusals + 1, now + wait(hold.refusals + 1))
        conn.execute(
            update(slack_auth_hold)
            .where(_h.id == _ROW)
            .values(code=code, refusals=hold.refusals, probe_at=hold.probe_at)
        )
        log.warning(
            "alerts.slack.token-still-refused",
            extra={"code": code, "refusals": hold.refusals, "held_seconds": round(now - hold.since)},
        )
    TOKEN_REFUSED.set(1)
    return hold


def end(conn: Connection, now: float) -> None:
    """Slack accepted the probe: lift the hold."""
    hold = _read(conn)
    if hold is None:
        return
    conn.execute(delete(slack_auth_hold).where(_h.id == _ROW))
    TOKEN_REFUSED.set(0)
    log.info(
        "alerts.slack.token-accepted",
        extra={"code": hold.code, "refusals": hold.refusals, "held_seconds": round(now - hold.since)},
    )
