"""Mutes across processes: 50 alerts counted while muted, reported once when the mute ends, whichever
replica notices, and after a kill -9 and restart."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import aiohttp
from sqlalchemy import exists, select

from bot.alerts import SubscriptionService, parse_subscription_args, queue_depth
from bot.mutes import channel_mutes
from bot.settings import Settings
from bot.store import Database
from bot.store.mutes import mutes
from tests.alerts.harness import FAST, hook_payload, messages, mute_issue, text_of
from tests.alerts.replicas import Replica, drained, replica_env, replicas_on, send_hook
from tests.fakes import FakeSlack
from tests.store.support import PG_URL, pg_schema, sqlite_url

CONFIG = replace(FAST, lease=2.0, senders=2)
TOKENS = ("xoxb-replica-1", "xoxb-replica-2")


async def settle(db: Database, *, timeout: float = 40.0) -> None:  # noqa: ASYNC109
    """Until no mute is left to end and every Slack call is made."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with db.read() as conn:
            open_mutes = await conn.scalar(select(exists().where(mutes.c.ended_at.is_(None))))
        depth = await queue_depth(db)
        if not open_mutes and depth.empty:
            return
        assert asyncio.get_running_loop().time() < deadline, f"not settled: mutes open {open_mutes}, {depth}"
        await asyncio.sleep(0.05)


_events = itertools.count()


async def send_all(session: aiohttp.ClientSession, urls: Sequence[str], n: int) -> None:
    """`n` alerts of the issue, each a new event, spread over `urls` as a load balancer would."""
    targets = itertools.cycle(urls)
    statuses = [await send_hook(session, next(targets), hook_payload(event=f"e{next(_events)}")) for _ in range(n)]
    assert statuses == [200] * n


def assert_reported_once(fake: FakeSlack, count: int) -> None:
    alerts = [c for c in fake.calls_to("chat.postMessage", ok=True) if not c.get("thread_ts")]
    assert len(alerts) == 1, "a muted alert was posted"
    (line,) = messages(fake, "C1", thread=True)
    assert f"*{count}* alerts came while muted" in text_of(line)
    (parent,) = messages(fake, "C1", thread=False)
    assert "🔕" not in text_of(parent), "the parent still shows the banner"


async def subscribed(db: Database) -> None:
    service = SubscriptionService(db, settings=Settings(_env_file=None))  # type: ignore[call-arg]
    await service.subscribe("C1", "front-end", parse_subscription_args([]), created_by="U100")


async def test_two_replicas_count_fifty_alerts_and_end_the_mute_once(fake_slack: FakeSlack, tmp_path: Path) -> None:
    async with pg_schema() as schema, Database.connect(PG_URL, schema=schema) as db:
        await subscribed(db)
        async with (
            replicas_on(
                PG_URL, schema=schema, slack_api_url=fake_slack.api_url, config=CONFIG, tokens=TOKENS, logs=tmp_path
            ) as replicas,
            aiohttp.ClientSession() as session,
        ):
            await send_all(session, [replicas[0].url], 1)
            await drained(db)
            await mute_issue(db)
            await send_all(session, [r.url for r in replicas], 50)
            await drained(db)
            (active,) = await channel_mutes(db, ["C1"], time.time())
            assert active.alerts == 50
            await mute_issue(db, seconds=0.3)  # both replicas race for its end
            await settle(db)
    assert_reported_once(fake_slack, 50)


async def test_the_mute_ends_on_the_replica_that_did_not_count_it(fake_slack: FakeSlack, tmp_path: Path) -> None:
    async with pg_schema() as schema, Database.connect(PG_URL, schema=schema) as db:
        await subscribed(db)
        env = replica_env(database_url=PG_URL, schema=schema, slack_api_url=fake_slack.api_url, config=CONFIG)
        counting = await Replica.start(env, log=tmp_path / "counting.log")
        async with aiohttp.ClientSession() as session:
            await send_all(session, [counting.url], 1)
            await drained(db)
            await mute_issue(db)
            await send_all(session, [counting.url], 50)
            await drained(db)
        await counting.kill()
        await mute_issue(db, seconds=0.3)
        other = await Replica.start(env, log=tmp_path / "other.log")
        try:
            await settle(db)
        finally:
            await other.stop()
    assert_reported_once(fake_slack, 50)


async def test_a_mute_survives_a_kill_and_restart(fake_slack: FakeSlack, tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    env = replica_env(database_url=url, slack_api_url=fake_slack.api_url, config=CONFIG)
    async with Database.connect(url) as db, aiohttp.ClientSession() as session:
        await subscribed(db)
        first = await Replica.start(env, log=tmp_path / "first.log")
        await send_all(session, [first.url], 1)
        await drained(db)
        await mute_issue(db)
        await send_all(session, [first.url], 20)
        await drained(db)
        await first.kill()

        second = await Replica.start(env, log=tmp_path / "second.log")
        try:
            await send_all(session, [second.url], 30)  # still muted after the restart
            await drained(db)
            await mute_issue(db, seconds=0.3)
            await settle(db)
        finally:
            await second.stop()
    assert_reported_once(fake_slack, 50)
