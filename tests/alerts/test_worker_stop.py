"""Stopping the worker (SIGTERM's last step): the post the grace cut short goes back to the queue,
marked in flight, and the channel's lease is given up for the other replicas at once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.store.alerts import deliveries, slack_channels
from tests.alerts.harness import Pipeline, hook_payload
from tests.fakes import FakeSlack
from tests.store.support import connected


async def test_a_stop_past_its_grace_releases_the_channel_and_keeps_the_alert(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    fake_slack.latency = 3.0  # Slack is slow to answer: the post is under way when the grace ends
    async with connected("sqlite", tmp_path) as db, Pipeline.start(fake_slack, db) as pipeline:
        await pipeline.subscribe("C1", "front-end")
        assert await pipeline.service_hook(hook_payload()) == 200
        await fake_slack.wait_for("chat.postMessage", count=1, timeout=10)
        await pipeline.worker.stop(grace=0.1)
        async with db.read() as conn:
            channel = (await conn.execute(select(slack_channels))).one()
            delivery = (await conn.execute(select(deliveries))).one()
    assert (channel.lease_owner, channel.lease_until) == (None, None)
    assert delivery.status == "pending"
    assert delivery.in_flight_at is not None  # the next sender looks it up before posting again
