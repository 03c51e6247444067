"""Mutes in the alert pipeline: alerts counted instead of posted, reported once when the mute ends."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from sqlalchemy import exists, select

from bot.alerts.janitor import prune
from bot.mutes import channel_mutes
from bot.mutes.ending import end_due
from bot.mutes.service import end_mute
from bot.store import Database
from bot.store.mutes import mutes
from tests.alerts.harness import Pipeline, hook_payload, messages, mute_issue, mute_project, posts, text_of


def parent_of(pipeline: Pipeline, channel: str = "C1") -> dict[str, Any]:
    (parent,) = messages(pipeline.fake, channel, thread=False)
    return parent


def thread_of(pipeline: Pipeline, channel: str = "C1") -> list[dict[str, Any]]:
    return messages(pipeline.fake, channel, thread=True)


async def ended(db: Database) -> None:
    """Wait for the worker to end every mute (it wakes for the next end)."""
    while True:
        async with db.read() as conn:
            if not await conn.scalar(select(exists().where(mutes.c.ended_at.is_(None)))):
                return
        await asyncio.sleep(0.02)


async def test_fifty_alerts_while_muted_post_nothing_then_one_line_and_the_parent_updated(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end")
    await pipeline.service_hook(hook_payload(event="first", count=1))
    await pipeline.drained()
    await mute_issue(pipeline.db)
    await pipeline.drained()
    assert "🔕 Muted by <@UMUTER> until <!date^" in text_of(parent_of(pipeline))
    posted = len(posts(pipeline.fake, "C1"))

    for n in range(50):
        assert await pipeline.service_hook(hook_payload(event=f"muted-{n}", count=n + 2)) == 200
    await pipeline.drained()
    assert len(posts(pipeline.fake, "C1")) == posted, "a muted alert was posted"
    (active,) = await channel_mutes(pipeline.db, ["C1"], time.time())
    assert active.alerts == 50

    await mute_issue(pipeline.db, seconds=0.05)  # muting again moves the end: it is over now
    await ended(pipeline.db)
    await pipeline.drained()

    (line,) = thread_of(pipeline)
    assert text_of(line).startswith("🔔 The mute by <@UMUTER> ended: *50* alerts came while muted; latest: 51 events")
    parent = text_of(parent_of(pipeline))
    assert "🔕" not in parent
    assert "51" in [f["text"].split("\n")[-1] for f in parent_of(pipeline)["blocks"][2]["fields"]]


async def test_unmute_ends_at_once_and_an_ending_is_reported_once(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end")
    await pipeline.service_hook(hook_payload(event="first"))
    await pipeline.drained()
    mute = await mute_issue(pipeline.db)
    for n in range(3):
        await pipeline.service_hook(hook_payload(event=f"muted-{n}"))
    await pipeline.drained()

    assert (await end_mute(pipeline.db, mute.id, by="UBOSS", now=time.time())) is not None
    assert await end_mute(pipeline.db, mute.id, by="UBOSS", now=time.time()) is None
    assert await end_due(pipeline.db, time.time() + 7200) == []
    await pipeline.drained()

    (line,) = thread_of(pipeline)
    assert text_of(line).startswith("🔔 <@UBOSS> ended the mute by <@UMUTER>: *3* alerts came while muted")
    await pipeline.service_hook(hook_payload(event="after"))
    await pipeline.drained()
    assert "Seen again" in text_of(thread_of(pipeline)[-1]), "alerts post again once unmuted"


async def test_a_project_mute_counts_each_issue_and_posts_an_issue_first_seen_while_muted(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end")
    await pipeline.subscribe("C2", "front-end")
    await pipeline.service_hook(hook_payload(issue="1", event="a0"))
    await pipeline.drained()
    await mute_project(pipeline.db)
    for n in range(4):
        await pipeline.service_hook(hook_payload(issue="1", event=f"a{n + 1}"))
    await pipeline.service_hook(hook_payload(issue="2", event="b1", title="TypeError: new while muted"))
    await pipeline.drained()
    assert len(posts(pipeline.fake, "C1")) == 1, "muted alerts were posted"
    assert len(posts(pipeline.fake, "C2")) == 6, "another channel's mute silenced this one"
    assert "🔕 *front-end* muted by <@UMUTER>" in text_of(parent_of(pipeline))

    (mute,) = await channel_mutes(pipeline.db, ["C1"], time.time())
    await end_mute(pipeline.db, mute.id, by="UMUTER", now=time.time())
    await pipeline.drained()

    parents = messages(pipeline.fake, "C1", thread=False)
    assert [json.loads(p["blocks"][-1]["block_id"])["issue"] for p in parents] == ["1", "2"]
    lines = sorted(text_of(m) for m in thread_of(pipeline))
    assert [line.split(": ", 1)[1].split(" came")[0] for line in lines] == ["*1* alert", "*4* alerts"]
    assert all("🔕" not in text_of(p) for p in parents)


async def test_the_worker_ends_a_mute_on_time_with_nothing_counted(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end")
    await pipeline.service_hook(hook_payload(event="first"))
    await pipeline.drained()
    await mute_issue(pipeline.db, seconds=0.2)
    await ended(pipeline.db)
    await pipeline.drained()
    (line,) = thread_of(pipeline)
    assert text_of(line).startswith("🔔 The mute by <@UMUTER> ended: no alerts came while muted.")


async def test_ended_mutes_are_forgotten_after_the_retention_and_active_ones_never(pipeline: Pipeline) -> None:
    over = await mute_issue(pipeline.db)
    await end_mute(pipeline.db, over.id, by="UMUTER", now=time.time())
    await mute_issue(pipeline.db, channel="C2")
    await prune(pipeline.db, before=time.time() + 1)
    async with pipeline.db.read() as conn:
        assert list((await conn.execute(select(mutes.c.channel_id))).scalars()) == ["C2"]


async def test_a_project_mute_ending_in_a_storm_reports_each_issue_in_the_digests_thread(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end")
    mute = await mute_project(pipeline.db)
    for n in range(30):
        await pipeline.service_hook(hook_payload(issue=str(100 + n % 15), event=f"s{n}", title=f"Error {n % 15}"))
    await pipeline.drained()
    assert posts(pipeline.fake, "C1") == []

    await end_mute(pipeline.db, mute.id, by="UMUTER", now=time.time())
    await pipeline.drained()

    (digest,) = messages(pipeline.fake, "C1", thread=False)
    assert digest["metadata"]["event_type"] == "sentry_bot_digest"
    lines = thread_of(pipeline)
    assert {line["thread_ts"] for line in lines} == {digest["ts"]}
    assert len(lines) == 15
    assert all("*2* alerts came while muted; latest: *" in line["text"] for line in lines)
