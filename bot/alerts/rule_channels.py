"""The channel a Sentry alert rule chose for the bot, resolved to a Slack channel id, durably.

    rule_channels = RuleChannels(db, ChannelDirectory(slack), notify=("UADMIN",))
    ids = await rule_channels.resolve(["#general", "C0123ABCD"], now)  # {"#general": "C024BE91L", ...}
    channel = await rule_channels.check("#general", now)               # when Sentry saves a rule

The settings arrive as the rule saved them: the option the form offered (a channel id), or a name
(`#general`, as in Sentry's published example, from rules made through the API). A value is
resolved once and kept in `rule_channels` (bot/store/rule_channels.py), so routing an alert reads
a row instead of calling Slack; a value never seen is resolved before its batch is routed, a name
Slack does not know is asked again after `recheck` seconds. A channel Slack refuses for good is
paused (`pause`) until a rule naming it is saved again; who is in `notify` (BOT_ADMINS) gets a
direct message when a rule's channel cannot be resolved or is paused, the notice subscribers get today.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from functools import partial

from slack_sdk.errors import SlackApiError
from sqlalchemy import Connection, select, update

from bot.alerts.router import Kind, deliver, touch_channel
from bot.alerts.slack_errors import TRANSPORT_ERRORS
from bot.slack.channels import Channel, ChannelDirectory, is_channel_id, normalize
from bot.store import Database
from bot.store.rule_channels import rule_channels

__all__ = ["NO_SUCH_CHANNEL", "RuleChannels", "pause"]

log = logging.getLogger(__name__)

NO_SUCH_CHANNEL = "there is no channel {channel} the bot can post in (a private channel needs `/invite @Sentry` first)"
# After Slack failed to answer, routing does not ask again for this long (alerts of unknown names drop).
_SLACK_BACKOFF = 60.0
_MAX_VALUE = 100


class RuleChannels:
    """Args:
    db: the store.
    directory: the channels the bot can post in (Slack); None resolves channel ids only.
    notify: Slack users told when a rule's channel cannot be resolved or is paused.
    recheck: seconds before a name Slack did not know is asked again.
    """

    def __init__(
        self,
        db: Database,
        directory: ChannelDirectory | None,
        *,
        notify: Sequence[str] = (),
        recheck: float = 600.0,
    ) -> None:
        self._db = db
        self._directory = directory
        self._notify = tuple(sorted(notify))
        self._recheck = recheck
        self._slack_failed_at: float | None = None

    async def resolve(self, values: Iterable[str], now: float) -> dict[str, str | None]:
        """For each setting value, the channel id its alerts go to; None when it names no channel the
        bot can post in, or one that is paused."""
        keys = {value: normalize(value)[:_MAX_VALUE] for value in values}
        if not keys:
            return {}
        c = rule_channels.c
        query = select(rule_channels).where(c.value.in_(set(keys.values())))
        async with self._db.read() as conn:
            rows = {r.value: r for r in await conn.execute(query)}
        found: dict[str, str | None] = {}
        for key in set(keys.values()):
            row = rows.get(key)
            if not key:
                found[key] = None  # "#" alone names nothing
            elif row is not None and (row.broken_reason or row.channel_id or now - row.checked_at < self._recheck):
                found[key] = None if row.broken_reason else row.channel_id
            elif is_channel_id(key):
                # An option the form offered: posting tells whether Slack takes it.
                await self._db.run_transaction(partial(self._store, key=key, channel=Channel(key, key), now=now))
                found[key] = key
            else:
                found[key] = await self._ask(key, now)
        if ids := {i for i in found.values() if i}:
            # A channel is paused for every value naming it, also one first seen after the pause.
            paused = select(c.channel_id).where(c.channel_id.in_(ids), c.broken_reason.is_not(None))
            async with self._db.read() as conn:
                stopped = set((await conn.execute(paused)).scalars())
            found = {key: None if i in stopped else i for key, i in found.items()}
        return {value: found[key] for value, key in keys.items()}

    async def check(self, value: str, now: float) -> Channel | None:
        """The channel a rule being saved names, if the bot can post in it; its row is written (and a
        pause on that channel lifted) so the rule's alerts route there."""
        if self._directory is None:
            return None
        channel = await self._directory.find(value, fresh=True)
        if channel is not None:
            key = normalize(value)[:_MAX_VALUE]
            await self._db.run_transaction(partial(self._store, key=key, channel=channel, now=now, unpause=True))
        return channel

    async def _ask(self, key: str, now: float) -> str | None:
        if self._directory is None:
            return None
        if self._slack_failed_at is not None and time.monotonic() - self._slack_failed_at < _SLACK_BACKOFF:
            return None
        try:
            channel = await self._directory.find(key)
        except (SlackApiError, *TRANSPORT_ERRORS) as exc:
            self._slack_failed_at = time.monotonic()
            code = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
            log.warning("alerts.rule-channel.slack-failed", extra={"channel": key, "error": code})
            return None
        await self._db.run_transaction(partial(self._store, key=key, channel=channel, now=now))
        return channel.id if channel is not None else None

    def _store(self, conn: Connection, *, key: str, channel: Channel | None, now: float, unpause: bool = False) -> None:
        c = rule_channels.c
        before = conn.execute(select(rule_channels).where(c.value == key).with_for_update()).first()
        values = {
            "channel_id": channel.id if channel else None,
            "name": channel.name if channel and channel.name != channel.id else (before.name if before else None),
            "checked_at": now,
        }
        if unpause:
            values |= {"broken_reason": None, "broken_at": None}
        # An upsert: another replica may be resolving the same value at this moment.
        stmt = self._db.insert(rule_channels).values(value=key, **values)
        conn.execute(stmt.on_conflict_do_update(index_elements=[c.value], set_=values))
        if unpause and channel is not None:
            conn.execute(
                update(rule_channels).where(c.channel_id == channel.id).values(broken_reason=None, broken_at=None)
            )
        if channel is None and (before is None or before.channel_id is not None):
            log.warning("alerts.rule-channel.unknown", extra={"channel": key})
            reason = NO_SUCH_CHANNEL.format(channel=f"#{key}")
            _tell(conn, self._db, self._notify, channel_id=None, name=key, reason=reason, now=now)


def pause(conn: Connection, db: Database, channel_id: str, reason: str, now: float, *, notify: Sequence[str]) -> bool:
    """Slack refuses `channel_id` for good: stop routing rule alerts there, and tell `notify` once.
    False when no alert rule chose that channel (or it was paused already)."""
    c = rule_channels.c
    rows = conn.execute(
        select(c.value).where(c.channel_id == channel_id, c.broken_reason.is_(None)).with_for_update()
    ).all()
    if not rows:
        return False
    conn.execute(
        update(rule_channels)
        .where(c.channel_id == channel_id, c.broken_reason.is_(None))
        .values(broken_reason=reason, broken_at=now)
    )
    log.error("alerts.rule-channel.paused", extra={"channel": channel_id, "reason": reason})
    _tell(conn, db, notify, channel_id=channel_id, name=None, reason=reason, now=now)
    return True


def _tell(
    conn: Connection,
    db: Database,
    users: Sequence[str],
    *,
    channel_id: str | None,
    name: str | None,
    reason: str,
    now: float,
) -> None:
    """Queue a direct message to each of `users` (a DM is a channel of its own, paced like the others)."""
    notice = {"rule": {"channel_id": channel_id, "name": name, "reason": reason}}
    for user in users:
        touch_channel(db, conn, user, now)
        deliver(conn, user, Kind.NOTICE, outbox_id=None, issue_key=None, payload=notice, now=now)
