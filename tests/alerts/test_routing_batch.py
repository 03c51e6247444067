"""Routing a batch: the alerts of a batch are counted as if routed one by one (escalations at the
right alert, in order), with a number of statements that does not grow with the batch."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import event, select, update

from bot.alerts import SubscriptionService, parse_subscription_args
from bot.alerts.outbox import Incoming, Outbox
from bot.alerts.parse import Source
from bot.alerts.router import Router
from bot.settings import Settings
from bot.store import Database
from bot.store.alerts import alert_messages, deliveries, digests, slack_channels
from tests.alerts.harness import hook_payload, issue_payload


async def subscribe(db: Database, channel: str, project: str) -> None:
    service = SubscriptionService(db, settings=Settings(_env_file=None), sentry=None)  # type: ignore[call-arg]
    await service.subscribe(channel, project, parse_subscription_args([]), created_by="U1")


async def store_alerts(
    db: Database, count: int, *, issue: str = "7", project: str = "front-end", tag: str = ""
) -> None:
    outbox = Outbox(db)
    for n in range(count):
        payload = hook_payload(issue=issue, event=f"{tag}{issue}-{n}", project=project)
        await outbox.put(Incoming(Source.SERVICE_HOOK, "event", "alert", payload, dedupe_key=f"{tag}{issue}-{n}"))


async def queued(db: Database) -> list[tuple[str, str, Any]]:
    """(channel, kind, threshold or None) of every delivery, in id order."""
    async with db.read() as conn:
        rows = (await conn.execute(select(deliveries).order_by(deliveries.c.id))).all()
    return [(r.channel_id, r.kind, r.payload.get("threshold")) for r in rows]


async def thread_state(db: Database, channel: str, issue: str = "7") -> Any:
    async with db.read() as conn:
        return (
            await conn.execute(
                select(alert_messages).where(
                    alert_messages.c.channel_id == channel, alert_messages.c.issue_key == f"issue:{issue}"
                )
            )
        ).one()


@pytest.mark.parametrize("batches", [[120], [5, 50, 65], [1] * 12 + [108]])
async def test_counts_and_escalations_do_not_depend_on_how_alerts_are_batched(
    any_db: Database, batches: list[int]
) -> None:
    await subscribe(any_db, "CA", "front-end")
    await subscribe(any_db, "CB", "front-end")
    await store_alerts(any_db, sum(batches))
    router = Router(any_db, escalations=[10, 100, 1000])

    for size in batches:
        assert await router.route_batch(time.time(), limit=size) == size

    for channel in ("CA", "CB"):
        state = await thread_state(any_db, channel)
        assert (state.alerts, state.events, state.escalated) == (120, 120, 100)
        mine = [(kind, threshold) for ch, kind, threshold in await queued(any_db) if ch == channel]
        # The escalation right after the alert that crossed it: the 10th, then the 100th.
        assert mine.index(("escalation", 10)) == 10
        assert mine.index(("escalation", 100)) == 101
        assert len(mine) == 122


async def test_an_issue_change_sees_the_alerts_before_it_in_the_same_batch(any_db: Database) -> None:
    await subscribe(any_db, "CA", "front-end")
    await store_alerts(any_db, 3)
    outbox = Outbox(any_db)
    change = issue_payload("assigned", issue="7", assignedTo={"type": "user", "name": "Colleen"})
    await outbox.put(Incoming(Source.SENTRY_APP, "issue", "assigned", change, dedupe_key="change-1"))
    await store_alerts(any_db, 2, tag="later-")

    assert await Router(any_db, escalations=[10]).route_batch(time.time()) == 6

    state = await thread_state(any_db, "CA")
    assert state.alerts == 5
    assert state.assignee == "Colleen"  # the change found the thread the alerts before it opened


async def test_a_batch_of_alerts_costs_a_bounded_number_of_statements(any_db: Database) -> None:
    for n in range(5):
        await subscribe(any_db, f"C{n}", f"p{n}")
    outbox = Outbox(any_db)
    for n in range(100):
        payload = hook_payload(issue=f"{n % 5}{n % 7}", event=f"e{n}", project=f"p{n % 5}")
        await outbox.put(Incoming(Source.SERVICE_HOOK, "event", "alert", payload, dedupe_key=f"e{n}"))
    statements: list[str] = []
    for engine in any_db.sync_engines:
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    assert await Router(any_db, escalations=[10]).route_batch(time.time(), limit=100) == 100

    # Read, claim, subscriptions, a touch per channel, the threads, three writes, routed_at (+ BEGIN, ping).
    assert len(statements) <= 20, statements


async def test_in_a_storm_alerts_wait_for_the_digest_refresh_but_escalations_do_not(any_db: Database) -> None:
    await subscribe(any_db, "CA", "front-end")
    now = time.time()
    async with any_db.transaction() as conn:  # a storm is on: its digest is posted and up to date
        await conn.execute(
            digests.insert().values(
                channel_id="CA",
                ts="1.000100",
                entries={},
                total=0,
                opened_at=now,
                last_folded_at=now,
                synced_at=now,
                dirty=False,
                closed=False,
            )
        )
    woken: list[int] = []  # the worker's senders, woken only when a channel is due at once
    router = Router(any_db, escalations=[10], digest_refresh=5.0, on_due=lambda: woken.append(1))

    await store_alerts(any_db, 9)
    assert await router.route_batch(now) == 9
    assert await due_at(any_db, "CA") == pytest.approx(now + 5.0)  # folded at the next refresh, not now
    assert woken == []

    await store_alerts(any_db, 1, tag="tenth-")  # the issue's 10th alert: an escalation reply to post
    assert await router.route_batch(now + 1) == 1
    assert await due_at(any_db, "CA") == pytest.approx(now + 1)
    assert woken == [1]

    # Without the digest refresh (e.g. a Router built by hand), every batch makes its channels due now.
    async with any_db.transaction() as conn:
        await conn.execute(update(slack_channels).values(due_at=None))
    await store_alerts(any_db, 1, issue="8")
    assert await Router(any_db, escalations=[10]).route_batch(now + 2) == 1
    assert await due_at(any_db, "CA") == pytest.approx(now + 2)


async def due_at(db: Database, channel: str) -> float | None:
    async with db.read() as conn:
        return await conn.scalar(select(slack_channels.c.due_at).where(slack_channels.c.channel_id == channel))
