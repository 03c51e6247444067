"""Seer runs the bot follows: each polled with backoff, up to a bound, and posted in the issue's thread.

    seer = SeerRuns(post=post, thread_of=alert_thread(db))
    await seer.follow(sentry, issue, channel="C123", by="U123")    # after POST …/issues/{id}/autofix/
    ...
    await seer.close(grace=5)                                       # at shutdown: cancels what is left

A run is followed by one task of the bot process (not a durable job: a restart stops following it,
and the run goes on in Sentry, where its link leads). The thread is the issue's alert message in that
channel when there is one, else a new message that says Seer started.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from sqlalchemy import select

from bot.errors import SentryAPIError
from bot.sentry.client import SentryClient
from bot.sentry.models import AutofixRun, Issue
from bot.store.alerts import alert_messages
from bot.views.seer import seer_failed, seer_progress, seer_result, seer_started, seer_still_running

__all__ = ["DELAYS", "FINISHED", "MAX_SECONDS", "Post", "SeerRuns", "alert_thread"]

log = logging.getLogger("bot.seer")

# Seer's root cause takes about a minute, a solution a few more: poll often at first, then every 30 s.
DELAYS: tuple[float, ...] = (3, 5, 8, 13, 20, 30)
MAX_SECONDS = 15 * 60.0
# Seer's run statuses (getsentry/seer `AutofixStatus`): the ones after which nothing changes.
FINISHED = frozenset({"COMPLETED", "ERROR", "CANCELLED", "NEED_MORE_INFORMATION"})
# A failed poll (Sentry briefly down) is retried; this many in a row end the following.
MAX_FAILED_POLLS = 5


class Post(Protocol):
    """Post a message into `channel` (in the thread of `thread_ts` when given); returns its ts."""

    async def __call__(
        self, channel: str, text: str, blocks: list[dict[str, Any]], thread_ts: str | None
    ) -> str | None: ...


ThreadOf = Callable[[str, str], Awaitable[str | None]]


def alert_thread(db: Any) -> ThreadOf:
    """The ts of the issue's alert message in a channel, from the alert pipeline's store."""

    async def find(channel: str, issue_id: str) -> str | None:
        query = select(alert_messages.c.ts).where(
            alert_messages.c.channel_id == channel,
            alert_messages.c.issue_id == issue_id,
            alert_messages.c.ts.is_not(None),
        )
        async with db.read() as conn:
            found = (await conn.execute(query.limit(1))).scalar_one_or_none()
        return str(found) if found else None

    return find


class SeerRuns:
    def __init__(
        self,
        *,
        post: Post,
        thread_of: ThreadOf | None = None,
        delays: Sequence[float] | None = None,
        max_seconds: float | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._post = post
        self._thread_of = thread_of
        # Read at start, not at import, so a test (or an operator's build) can shorten them.
        self._delays = tuple(DELAYS if delays is None else delays) or (30.0,)
        self._max_seconds = MAX_SECONDS if max_seconds is None else max_seconds
        self._sleep = sleep
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def following(self) -> int:
        return len(self._tasks)

    async def thread(self, issue: Issue, *, channel: str, by: str) -> str | None:
        """Where the run's messages go: the alert's thread, or a new message saying Seer started."""
        if self._thread_of is not None:
            try:
                found = await self._thread_of(channel, issue.id)
            except Exception:
                log.warning("seer.thread_lookup_failed", exc_info=True)
                found = None
            if found:
                started = seer_started(issue, by=by)
                await self._post(channel, started["text"], started["blocks"], found)
                return found
        started = seer_started(issue, by=by)
        return await self._post(channel, started["text"], started["blocks"], None)

    async def follow(self, sentry: SentryClient, issue: Issue, *, channel: str, by: str) -> str | None:
        """Say the run started, then follow it in a task; returns the thread's ts."""
        thread = await self.thread(issue, channel=channel, by=by)
        task = asyncio.get_running_loop().create_task(self._follow(sentry, issue, channel, thread))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return thread

    async def _say(self, channel: str, thread: str | None, msg: dict[str, Any]) -> None:
        await self._post(channel, msg["text"], msg["blocks"], thread)

    async def _follow(self, sentry: SentryClient, issue: Issue, channel: str, thread: str | None) -> None:
        said: set[tuple[str, str]] = set()
        waited = 0.0
        failures = 0
        try:
            for poll in range(10_000):
                delay = self._delays[min(poll, len(self._delays) - 1)]
                if waited + delay > self._max_seconds:
                    await self._say(channel, thread, seer_still_running(issue, minutes=round(waited / 60)))
                    return
                await self._sleep(delay)
                waited += delay
                try:
                    run = (await sentry.get_autofix(issue.id)).autofix
                except SentryAPIError as exc:
                    failures += 1
                    log.info("seer.poll_failed", extra={"issue": issue.id, "error": type(exc).__name__})
                    if failures >= MAX_FAILED_POLLS:
                        await self._say(channel, thread, seer_failed(issue, "unreachable"))
                        return
                    continue
                failures = 0
                if run is None:
                    continue
                await self._steps(run, channel, thread, said)
                if (run.status or "").upper() in FINISHED:
                    done = (run.status or "").upper() == "COMPLETED"
                    msg = seer_result(issue, run) if done else seer_failed(issue, run.status or "stopped")
                    await self._say(channel, thread, msg)
                    return
        except asyncio.CancelledError:
            log.info("seer.follow_cancelled", extra={"issue": issue.id})
            raise
        except Exception:
            log.exception("seer.follow_crashed", extra={"issue": issue.id})

    async def _steps(self, run: AutofixRun, channel: str, thread: str | None, said: set[tuple[str, str]]) -> None:
        """One line a step, when it finishes: what Seer did, without repeating a step already told."""
        for step in run.steps:
            key = (step.id or step.key or step.title, step.status or "")
            if step.status != "COMPLETED" or key in said:
                continue
            said.add(key)
            await self._say(channel, thread, seer_progress(step))

    async def close(self, *, grace: float = 0.0) -> None:
        """Stop following: the runs go on in Sentry. Waits up to `grace` for a post under way."""
        tasks = set(self._tasks)
        if not tasks:
            return
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks, timeout=max(grace, 0.01))
