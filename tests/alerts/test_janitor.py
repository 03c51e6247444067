"""Finished rows are forgotten after the retention; work still queued never is."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from bot.alerts.janitor import prune
from bot.store import Database
from bot.store.alerts import alert_messages, dedupe_keys, deliveries, webhook_outbox
from tests.alerts.harness import Pipeline, hook_payload


async def counts(db: Database) -> dict[str, int]:
    async with db.read() as conn:
        return {
            t.name: await conn.scalar(select(func.count()).select_from(t)) or 0
            for t in (dedupe_keys, webhook_outbox, deliveries, alert_messages)
        }


async def test_prune_forgets_finished_rows_only(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end")
    await pipeline.service_hook(hook_payload(event="e1"))
    await pipeline.drained()
    await pipeline.worker.stop()
    await pipeline.service_hook(hook_payload(event="e2"))  # stored, not yet routed

    await prune(pipeline.db, before=time.time() - 3600)
    assert await counts(pipeline.db) == {"dedupe_keys": 2, "webhook_outbox": 2, "deliveries": 1, "alert_messages": 1}

    await prune(pipeline.db, before=time.time() + 1)
    # The unrouted webhook stays; the delivered one, its delivery, its key and its thread go.
    assert await counts(pipeline.db) == {"dedupe_keys": 0, "webhook_outbox": 1, "deliveries": 0, "alert_messages": 0}
