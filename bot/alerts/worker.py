"""The delivery worker: drains the outbox into Slack until stopped. Run one per process; any number
of processes may share one PostgreSQL database (their clocks in sync, as NTP keeps them).

    slack = AsyncWebClient(token=settings.slack_bot_token.get_secret_value(), base_url=str(settings.slack_api_url))
    async with AlertWorker(db, slack) as worker:
        add_webhook_routes(app, settings=settings, db=db, on_stored=worker.wake)
        ...

The client should not retry 429s itself (no `AsyncRateLimitErrorRetryHandler`): the worker honours
`Retry-After` per channel, so one slow channel never holds up the others.

Exactly once across crashes: a post that was on its way when the process died is looked up (by
its message metadata) before it is sent again. That lookup reads channel history, so give the app
the `channels:history` and `groups:history` scopes; without them a crash in the instant between
Slack's answer and the commit can repeat that one message (it never loses one).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from types import TracebackType

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import update

from bot.alerts.config import DeliveryConfig
from bot.alerts.janitor import prune
from bot.alerts.people import People
from bot.alerts.router import BATCH, Router
from bot.alerts.rule_channels import RuleChannels
from bot.alerts.sender import Sender
from bot.mutes import next_end
from bot.mutes.ending import end_due
from bot.reports.runner import ReportRunner
from bot.sentry.client import SentryClient
from bot.slack.channels import ChannelDirectory
from bot.store import Database
from bot.store.alerts import slack_channels

__all__ = ["AlertWorker", "Trouble"]

log = logging.getLogger(__name__)

# Never sleep less than this between two polls, so a claim lost to another replica cannot spin.
_MIN_SLEEP = 0.005

# How often the report tick looks for due reports (a report posts at most this late, plus its build).
REPORT_EVERY = 30.0

# While a loop keeps failing (the database is down), how often it logs how many polls failed.
TROUBLE_REPORT_EVERY = 30.0


class Trouble:
    """One loop's failures in a row, logged once when they start (with the traceback), as a count
    every `report_every` seconds while they last, and once when the loop works again: a database
    outage of a few seconds is three lines, not a traceback per poll.

        trouble = Trouble("route")
        try: ...; trouble.ended()
        except Exception as exc: trouble.failed(exc)
    """

    def __init__(
        self, loop: str, *, report_every: float = TROUBLE_REPORT_EVERY, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._loop = loop
        self._report_every = report_every
        self._clock = clock
        self.failures = 0
        self._since = self._reported = 0.0

    def failed(self, exc: BaseException) -> None:
        now = self._clock()
        self.failures += 1
        if self.failures == 1:
            self._since = self._reported = now
            log.error("alerts.worker.failing", exc_info=exc, extra={"loop": self._loop, "error": type(exc).__name__})
        elif now - self._reported >= self._report_every:
            self._reported = now
            log.warning(
                "alerts.worker.still-failing",
                extra={"loop": self._loop, "failures": self.failures, "seconds": round(now - self._since, 1)},
            )

    def ended(self) -> None:
        if not self.failures:
            return
        log.warning(
            "alerts.worker.recovered",
            extra={"loop": self._loop, "failures": self.failures, "seconds": round(self._clock() - self._since, 1)},
        )
        self.failures = 0


class AlertWorker:
    """Routes stored webhooks and sends their messages: one routing task, `config.senders` sending
    tasks (one channel each at a time), a janitor, a task that ends mutes when their time comes,
    and (given a Sentry client) the report tick, which queues scheduled reports for the senders.

    Args:
        db: the store shared with the receiver.
        slack: the Web API client (base_url = SLACK_API_URL).
        config: pace, storm and retry settings.
        name: this process in leases and logs; defaults to host:pid:random.
        sentry: the client scheduled reports read Sentry with; without one, reports wait for a
            worker that has one.
        report_every: seconds between two looks for due reports.
    """

    def __init__(
        self,
        db: Database,
        slack: AsyncWebClient,
        *,
        config: DeliveryConfig | None = None,
        name: str | None = None,
        clock: Callable[[], float] = time.time,
        sentry: SentryClient | None = None,
        report_every: float = REPORT_EVERY,
    ) -> None:
        self._db = db
        self._config = config or DeliveryConfig()
        self._clock = clock
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._webhooks = asyncio.Event()  # a webhook was stored: route it
        self._work = asyncio.Event()  # a channel became due: send
        self._router = Router(
            db,
            escalations=self._config.escalations,
            digest_refresh=self._config.digest_refresh,
            on_due=self._work.set,
            rule_channels=RuleChannels(db, ChannelDirectory(slack), notify=self._config.rule_notify).resolve,
            people=People(db, slack),
        )
        self._sender = Sender(db, slack, config=self._config, owner=self.name, clock=clock)
        self._reports = ReportRunner(db, sentry, owner=self.name) if sentry is not None else None
        self._report_every = report_every
        self._stopped = asyncio.Event()
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []

    def wake(self, fresh: Mapping[int, bytes] | None = None) -> None:
        """Tell the worker webhooks were stored (the outbox's `on_stored`); it polls anyway.

        `fresh`: their payloads (JSON) by outbox id, which the router then need not read back.
        """
        if fresh:
            self._router.remember(fresh)
        self._webhooks.set()

    async def start(self) -> None:
        if self._tasks:
            raise RuntimeError("AlertWorker already started")
        self._stopping = False
        self._stopped.clear()
        senders = Trouble("send")  # one for all sending tasks: an outage fails them all
        self._tasks = [
            asyncio.create_task(self._route_loop(), name="alerts-router"),
            *(
                asyncio.create_task(self._send_loop(senders), name=f"alerts-sender-{i}")
                for i in range(self._config.senders)
            ),
            asyncio.create_task(self._janitor_loop(), name="alerts-janitor"),
            asyncio.create_task(self._mute_loop(), name="alerts-mutes"),
        ]
        if self._reports is not None:
            self._tasks.append(asyncio.create_task(self._report_loop(self._reports), name="alerts-reports"))
        log.info("alerts.worker.started", extra={"worker": self.name, "senders": self._config.senders})

    async def stop(self, *, grace: float = 10.0) -> None:
        """Stop after the Slack calls under way are answered and recorded (at most `grace` seconds)."""
        self._stopping = True
        for event in (self._webhooks, self._work, self._stopped):
            event.set()
        _done, late = await asyncio.wait(self._tasks, timeout=grace) if self._tasks else (set(), set())
        for task in late:
            # An interrupted post stays marked in flight; whoever sends next looks it up first.
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        self._tasks = []
        await self._give_up_leases()
        log.info("alerts.worker.stopped", extra={"worker": self.name, "interrupted": len(late)})

    async def _give_up_leases(self) -> None:
        """Free this worker's channels for the other replicas now, not when the leases run out. A post
        the grace interrupted stays marked in flight, so whoever takes its channel looks it up first."""
        try:
            async with self._db.transaction() as conn:
                await conn.execute(
                    update(slack_channels)
                    .where(slack_channels.c.lease_owner == self.name)
                    .values(lease_owner=None, lease_until=None)
                )
        except Exception:  # the database is gone: the leases run out by themselves
            log.exception("alerts.worker.release-error")

    async def __aenter__(self) -> AlertWorker:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # Both loops look with a read before they write: on SQLite a write transaction takes the one
    # write lock, and idle polls holding it would make the webhook receiver wait.

    async def _route_loop(self) -> None:
        trouble = Trouble("route")
        while not self._stopping:
            try:
                routed = await self._router.route_batch(self._clock())
                trouble.ended()
            except Exception as exc:
                # The database is down (a row it refuses is quarantined, not raised): keep the
                # worker alive, the rows stay queued.
                trouble.failed(exc)
                routed = False
            if routed:
                if routed < BATCH:  # caught up: let the next webhooks gather into one batch
                    await self._sleep(self._stopped, self._config.route_delay)
            else:
                await self._sleep(self._webhooks, self._config.poll)

    async def _send_loop(self, trouble: Trouble) -> None:
        while not self._stopping:
            delay = self._config.poll
            try:
                ready = await self._sender.next_ready()
                if ready is not None and ready <= self._clock() and await self._sender.turn():
                    trouble.ended()
                    continue
                trouble.ended()
                if ready is not None:
                    delay = min(delay, ready - self._clock())
            except Exception as exc:
                trouble.failed(exc)
            await self._sleep(self._work, max(_MIN_SLEEP, delay))

    async def _janitor_loop(self) -> None:
        trouble = Trouble("prune")
        while not self._stopping:
            try:
                await prune(self._db, before=self._clock() - self._config.retention)
                trouble.ended()
            except Exception as exc:
                trouble.failed(exc)
            await self._sleep(self._stopped, self._config.janitor_every)

    async def _mute_loop(self) -> None:
        """End each mute when its time comes, whichever replica gets there first (bot/mutes/ending.py):
        awake for the next end, and at least every `poll` for mutes started by other processes."""
        trouble = Trouble("mutes")
        while not self._stopping:
            delay = self._config.poll
            try:
                if await end_due(self._db, self._clock()):
                    self._work.set()  # their thread lines and parent updates are due
                upcoming = await next_end(self._db)
                trouble.ended()
                if upcoming is not None:
                    delay = min(delay, upcoming - self._clock())
            except Exception as exc:
                trouble.failed(exc)
            await self._sleep(self._stopped, max(_MIN_SLEEP, delay))

    async def _report_loop(self, runner: ReportRunner) -> None:
        trouble = Trouble("reports")
        while not self._stopping:
            try:
                if await runner.tick(self._clock()):
                    self._work.set()
                trouble.ended()
            except Exception as exc:
                trouble.failed(exc)
            await self._sleep(self._stopped, self._report_every)

    async def _sleep(self, event: asyncio.Event, delay: float) -> None:
        if self._stopping:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=delay)
        event.clear()
