"""kill -9 mid-storm, restart: every webhook that got a 2xx reaches Slack, and none twice (SQLite)."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from pathlib import Path

import aiohttp

from bot.alerts import SubscriptionService, parse_subscription_args, queue_depth
from bot.settings import Settings
from bot.store import Database
from tests.alerts.harness import FAST, account, hook_payload
from tests.alerts.replicas import Replica, replica_env, send_hook
from tests.fakes import FakeSlack
from tests.store.support import sqlite_url

CHANNELS = {"CWEB": "web", "CAPI": "api", "CJOBS": "jobs"}
# Short leases so the restarted process takes over the dead one's channels quickly.
CONFIG = replace(FAST, lease=2.0, senders=3)


def storm() -> list[dict]:  # type: ignore[type-arg]
    """A trickle of separate messages, then a burst that folds into digests (150 alerts)."""
    return [
        hook_payload(project=project, issue=f"{project}-{i}", event=f"{project}-{i}-{n}", title=f"{project} error {i}")
        for n in range(10)
        for i in range(5)
        for project in CHANNELS.values()
    ]


async def wait_drained(db: Database, timeout: float) -> None:  # noqa: ASYNC109
    deadline = asyncio.get_running_loop().time() + timeout
    while not (depth := await queue_depth(db)).empty:
        assert asyncio.get_running_loop().time() < deadline, f"not drained after {timeout}s: {depth}"
        await asyncio.sleep(0.05)


async def test_a_killed_replica_loses_nothing_and_repeats_nothing(fake_slack: FakeSlack, tmp_path: Path) -> None:
    # The restarted process looks up (conversations.history) the posts its predecessor may have made.
    fake_slack.latency = 0.02  # calls take a moment, so the kill lands on one in flight
    url = sqlite_url(tmp_path)
    env = replica_env(database_url=url, slack_api_url=fake_slack.api_url, config=CONFIG)
    alerts = storm()

    async with Database.connect(url) as db, aiohttp.ClientSession() as session:
        service = SubscriptionService(db, settings=Settings(_env_file=None))  # type: ignore[call-arg]
        for channel, project in CHANNELS.items():
            await service.subscribe(channel, project, parse_subscription_args([]), created_by="U100")

        first = await Replica.start(env, log=tmp_path / "first.log")
        gate = asyncio.Semaphore(4)

        async def send(payload: dict, target: str) -> int | None:  # type: ignore[type-arg]
            async with gate:
                return await send_hook(session, target, payload)

        sending = asyncio.gather(*(send(a, first.url) for a in alerts))
        await fake_slack.wait_for("chat.postMessage", count=12, timeout=20, ok=True)
        depth = await queue_depth(db)
        await first.kill()
        statuses = await sending
        assert not depth.empty, "the kill should land mid-storm"

        second = await Replica.start(env, log=tmp_path / "second.log")
        try:
            # Sentry retries what got no 2xx, and some deliveries twice: dedupe keeps one of each.
            again = [a for a, s in zip(alerts, statuses, strict=True) if s != 200] + alerts[:10]
            assert await asyncio.gather(*(send(a, second.url) for a in again)) == [200] * len(again)
            await wait_drained(db, timeout=40)
        finally:
            await second.stop()

    accounts = account(fake_slack)
    expected = Counter(a["project"]["slug"] for a in alerts)
    for channel, project in CHANNELS.items():
        assert accounts[channel].duplicates == [], f"{channel} got a message twice"
        assert accounts[channel].counted == expected[project], f"{channel} lost alerts"
    assert Counter(statuses)[200] > 0
