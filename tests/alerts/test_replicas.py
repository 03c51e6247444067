"""Two replicas on one PostgreSQL database: the outbox drains once, and each channel's pace holds across them."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from dataclasses import replace
from pathlib import Path

import aiohttp

from bot.alerts import SubscriptionService, parse_subscription_args
from bot.settings import Settings
from bot.store import Database
from tests.alerts.harness import FAST, account, hook_payload
from tests.alerts.replicas import drained, replicas_on, send_hook
from tests.fakes import FakeSlack
from tests.store.support import PG_URL, pg_schema

CHANNELS = {"CWEB": "web", "CAPI": "api", "CJOBS": "jobs", "COPS": "web"}
PACE = 0.25
# The fake refuses calls into one channel closer than this: a replica ignoring the other's pace would hit it.
FAKE_MIN_GAP = 0.15
CONFIG = replace(FAST, pace=PACE, storm_delay=2.0, senders=3)
TOKENS = ("xoxb-replica-1", "xoxb-replica-2")


async def test_two_replicas_share_the_work_without_double_delivery(fake_slack: FakeSlack, tmp_path: Path) -> None:
    fake_slack.enforce_rate("chat.postMessage", per_channel_per_second=1 / FAKE_MIN_GAP)
    alerts = [
        hook_payload(project=project, issue=f"{project}-{i}", event=f"{project}-{i}-{n}", title=f"{project} error {i}")
        for n in range(8)
        for i in range(4)
        for project in ("web", "api", "jobs")
    ]
    async with pg_schema() as schema, Database.connect(PG_URL, schema=schema) as db:
        service = SubscriptionService(db, settings=Settings(_env_file=None))  # type: ignore[call-arg]
        for channel, project in CHANNELS.items():
            await service.subscribe(channel, project, parse_subscription_args([]), created_by="U100")
        async with replicas_on(
            PG_URL, schema=schema, slack_api_url=fake_slack.api_url, config=CONFIG, tokens=TOKENS, logs=tmp_path
        ) as replicas:
            async with aiohttp.ClientSession() as session:
                gate = asyncio.Semaphore(6)

                async def send(payload: dict, url: str) -> int | None:  # type: ignore[type-arg]
                    async with gate:
                        return await send_hook(session, url, payload)

                # Half the deliveries to each replica, as a load balancer would; a few twice.
                targets = itertools.cycle(r.url for r in replicas)
                statuses = await asyncio.gather(*(send(a, next(targets)) for a in [*alerts, *alerts[:12]]))
                assert statuses == [200] * len(statuses)
            await drained(db)

    accounts = account(fake_slack)
    expected = Counter(a["project"]["slug"] for a in alerts)
    for channel, project in CHANNELS.items():
        assert accounts[channel].duplicates == [], f"{channel} got a message twice"
        assert accounts[channel].counted == expected[project]
    assert fake_slack.refused == 0, "a replica posted sooner than the pace allows"
    callers = Counter(c.headers["Authorization"].removeprefix("Bearer ") for c in fake_slack.calls)
    assert set(callers) == set(TOKENS), f"both replicas should have worked: {callers}"
