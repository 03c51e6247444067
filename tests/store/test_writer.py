"""The writer lock: who gets SQLite's one write lock next, and what a cancelled writer leaves behind.

Writers here are named by class: "U1", "U2"... are urgent, "N1", "N2"... are not. Each test holds
the lock while writers queue up in a known order, then lets go and looks at the order of grants.
Nothing here sleeps: a task that asked for a busy lock is queued after its first step, which one
`asyncio.sleep(0)` lets it take.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest

from bot.store.writer import WriterLock

# Only for a lock that never hands over: the test fails there instead of hanging the suite.
DEADLOCK_GUARD_SECONDS = 5


async def started(coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    """`coro` as a task that has taken its first step: by then a writer has the lock or is queued."""
    task = asyncio.create_task(coro)
    await asyncio.sleep(0)
    return task


async def writer(lock: WriterLock, name: str, grants: list[str]) -> None:
    """Take the lock (urgent when `name` starts with "U"), note the turn, let go."""
    async with lock.held(urgent=name.startswith("U")):
        grants.append(name)


async def finished(*tasks: asyncio.Task[None]) -> None:
    """Wait until every task is done, whatever its outcome."""
    _, pending = await asyncio.wait(tasks, timeout=DEADLOCK_GUARD_SECONDS)
    assert not pending, f"still waiting for the lock: {pending}"


async def grant_order(*arrivals: str, holder: str = "N0") -> list[str]:
    """While `holder` holds the lock, writers named `arrivals` queue up in that order; `holder`
    lets go. The order in which they got the lock."""
    lock = WriterLock()
    grants: list[str] = []
    async with lock.held(urgent=holder.startswith("U")):
        tasks = [await started(writer(lock, name, grants)) for name in arrivals]
        assert grants == [], "a writer got a lock that was held"
    await finished(*tasks)
    await assert_free(lock)
    return grants


async def assert_free(lock: WriterLock) -> None:
    """Free: a writer of either class gets the lock in its first step, without waiting for anyone."""
    for name in ("N-probe", "U-probe"):
        grants: list[str] = []
        task = await started(writer(lock, name, grants))
        assert grants == [name], "the lock is still held, or writers are still queued"
        await task


async def test_a_free_lock_is_taken_at_once_and_free_again_afterwards() -> None:
    lock = WriterLock()

    async with lock.held():
        pass
    async with lock.held(urgent=True):
        pass

    await assert_free(lock)


async def test_urgent_writers_go_ahead_of_others() -> None:
    assert await grant_order("N1", "U1") == ["U1", "N1"]


async def test_within_a_class_first_come_first_served() -> None:
    assert await grant_order("N1", "N2", "N3") == ["N1", "N2", "N3"]
    # Urgent after urgent is fine while nobody else waits.
    assert await grant_order("U1", "U2", "U3", holder="U0") == ["U1", "U2", "U3"]


async def test_urgent_writers_never_go_twice_in_a_row_while_another_waits() -> None:
    # A flood of urgent writers: the others still get every other turn, in their own order.
    assert await grant_order("U1", "U2", "U3", "N1", "N2") == ["U1", "N1", "U2", "N2", "U3"]
    assert await grant_order("N1", "U1", "N2", "U2", "N3", "U3") == ["U1", "N1", "U2", "N2", "U3", "N3"]


async def test_after_an_urgent_holder_a_waiting_writer_goes_first() -> None:
    assert await grant_order("U1", "N1", holder="U0") == ["N1", "U1"]


async def test_one_holder_at_a_time() -> None:
    lock = WriterLock()
    inside: list[str] = []
    overlaps: list[tuple[str, ...]] = []

    async def busy_writer(name: str) -> None:
        async with lock.held(urgent=name.startswith("U")):
            inside.append(name)
            if len(inside) > 1:
                overlaps.append(tuple(inside))
            for _ in range(3):  # let every other task run while this one holds the lock
                await asyncio.sleep(0)
            inside.remove(name)

    await finished(*[asyncio.create_task(busy_writer(f"{'UN'[n % 2]}{n}")) for n in range(20)])

    assert overlaps == []
    await assert_free(lock)


async def test_a_writer_that_raises_lets_go_of_the_lock() -> None:
    lock = WriterLock()
    grants: list[str] = []

    async def failing_writer() -> None:
        async with lock.held():
            raise RuntimeError("the transaction failed")

    async with lock.held():
        failing = await started(failing_writer())
        after = await started(writer(lock, "N1", grants))
    await finished(failing, after)

    with pytest.raises(RuntimeError, match="the transaction failed"):
        failing.result()
    assert grants == ["N1"]
    await assert_free(lock)


@pytest.mark.parametrize("urgent", [False, True], ids=["others", "urgent"])
async def test_a_writer_cancelled_while_queued_leaves_the_queue(urgent: bool) -> None:
    lock = WriterLock()
    grants: list[str] = []
    u_or_n = "U" if urgent else "N"
    first, gone, last = (f"{u_or_n}{n}" for n in (1, 2, 3))

    async with lock.held():
        tasks = [await started(writer(lock, name, grants)) for name in (first, gone, last)]
        tasks[1].cancel()
        await finished(tasks[1])  # it gives up while the lock is still held
    await finished(*tasks)

    assert tasks[1].cancelled()
    assert grants == [first, last]
    await assert_free(lock)


@pytest.mark.parametrize("urgent", [False, True], ids=["others", "urgent"])
async def test_a_writer_cancelled_as_the_lock_is_handed_to_it_passes_it_on(urgent: bool) -> None:
    lock = WriterLock()
    grants: list[str] = []
    u_or_n = "U" if urgent else "N"

    async with lock.held():
        handed, next_in_line = [await started(writer(lock, f"{u_or_n}{n}", grants)) for n in (1, 2)]
    # Letting go handed the lock to `handed`, which has not run yet: it is cancelled holding it.
    handed.cancel()
    await finished(handed, next_in_line)

    assert handed.cancelled()
    assert grants == [f"{u_or_n}2"]
    await assert_free(lock)


async def test_a_writer_cancelled_together_with_the_holder_ends_cancelled() -> None:
    """A task group whose task failed, or the loop shutting down, cancels the holder and the
    writers queued behind it in the same step. When the holder unwinds first, it lets go and skips
    the cancelled writer; that writer must still end cancelled (not with a ValueError from removing
    itself from a queue that no longer holds it), and the lock go to the next in line.
    """
    lock = WriterLock()
    grants: list[str] = []
    never = asyncio.Event()

    async def holder() -> None:
        async with lock.held():
            await never.wait()

    holding = await started(holder())
    queued, next_in_line = [await started(writer(lock, name, grants)) for name in ("N1", "N2")]
    holding.cancel()
    queued.cancel()
    await finished(holding, queued, next_in_line)

    assert holding.cancelled()
    assert grants == ["N2"]
    assert queued.cancelled(), f"ended with {queued.exception()!r}"
    await assert_free(lock)
