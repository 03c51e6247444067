"""A storm: 300 alerts over 3 channels, Slack answering 429 now and then. Calm, complete, no duplicates."""

from __future__ import annotations

import asyncio
import random

from tests.alerts.harness import Pipeline, account, hook_payload, messages, text_of

CHANNELS = {"CWEB": "web", "CAPI": "api", "CJOBS": "jobs"}
ISSUES_PER_PROJECT = 10
ALERTS_PER_ISSUE = 10  # each issue reaches 10 events: one escalation apiece


async def test_a_storm_folds_into_digests_and_every_alert_is_counted_once(pipeline: Pipeline) -> None:
    fake = pipeline.fake
    for channel, project in CHANNELS.items():
        await pipeline.subscribe(channel, project)
    fake.fail_next("chat.postMessage", status=429, retry_after=1, times=3)
    fake.fail_next("chat.update", status=429, retry_after=1)

    alerts = [
        hook_payload(project=project, issue=f"{project}-{i}", event=f"{project}-{i}-{n}", title=f"{project} error {i}")
        for project in CHANNELS.values()
        for i in range(ISSUES_PER_PROJECT)
        for n in range(ALERTS_PER_ISSUE)
    ]
    random.Random(4).shuffle(alerts)
    gate = asyncio.Semaphore(20)

    async def send(payload: dict) -> int:  # type: ignore[type-arg]
        async with gate:
            return await pipeline.service_hook(payload)

    assert await asyncio.gather(*map(send, alerts)) == [200] * len(alerts)
    await pipeline.drained(timeout=40)

    accounts = account(fake)
    for channel in CHANNELS:
        mine = accounts[channel]
        assert mine.duplicates == []
        assert mine.counted == ISSUES_PER_PROJECT * ALERTS_PER_ISSUE
        assert mine.digest_totals, "the storm should have folded into a digest"
        # Calm: far fewer posts than alerts.
        assert len(mine.alert_posts) + len(mine.digest_posts) < ISSUES_PER_PROJECT * ALERTS_PER_ISSUE / 3
        escalations = [m for m in messages(fake, channel) if "reached *10* events" in text_of(m)]
        assert len(escalations) == ISSUES_PER_PROJECT
        assert all(m.get("thread_ts") for m in escalations)
    # Digests were updated in place, not posted again.
    updated = {(c["channel"], c["ts"]) for c in fake.calls_to("chat.update", ok=True)}
    assert updated <= set(fake.messages)
