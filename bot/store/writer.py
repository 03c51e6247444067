"""SQLite's one write lock, handed out within this process: urgent writers first, nobody starved.

    writer = WriterLock()
    async with writer.held(urgent=True):   # the webhook outbox: Sentry is waiting for its answer
        ...
    async with writer.held():              # routing, sending, commands: nobody is waiting on a socket
        ...

Urgent waiters go ahead of the others, but never twice in a row while another waits: an urgent
writer waits for at most the one transaction in progress and one other, and under a flood of
webhooks the router and the senders still get every other turn. Within a class, first come, first
served. (SQLite's own busy handler would make waiters poll with growing sleeps instead.)
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

__all__ = ["WriterLock"]


class WriterLock:
    def __init__(self) -> None:
        self._held = False
        self._last_urgent = False  # whether the holder (or the last one) came from the urgent queue
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._others: deque[asyncio.Future[None]] = deque()

    @asynccontextmanager
    async def held(self, *, urgent: bool = False) -> AsyncIterator[None]:
        await self._acquire(urgent)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, urgent: bool) -> None:
        if not self._held and not self._urgent and not self._others:
            self._held, self._last_urgent = True, urgent
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._urgent if urgent else self._others
        queue.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # the lock was handed over as the waiter was cancelled: pass it on
            elif turn in queue:  # (a release may have dropped it already)
                queue.remove(turn)
            raise

    def _release(self) -> None:
        # Urgent first, unless the last holder was urgent and another writer waits.
        urgent_first = not (self._last_urgent and self._others)
        for queue in (self._urgent, self._others) if urgent_first else (self._others, self._urgent):
            while queue:
                turn = queue.popleft()
                if not turn.done():
                    self._last_urgent = queue is self._urgent
                    turn.set_result(None)  # `_held` stays True: the lock goes straight to `turn`
                    return
        self._held = False
