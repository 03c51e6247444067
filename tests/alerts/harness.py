"""The alert pipeline as deployed, for tests: the webhook route on a real HTTP server on 127.0.0.1,
the worker, a SQLite (or PostgreSQL) store, and the fake Slack.

    async with Pipeline.start(fake, db) as p:
        await p.subscribe("C1", "front-end", "--level", "error")
        assert await p.service_hook(hook_payload(issue="1", event="e1")) == 200
        await p.drained()
        assert fake.count("chat.postMessage") == 1

Payload builders are the project's own, in the shapes Sentry documents (`tests/alerts/payloads.py`).
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts import AlertWorker, DeliveryConfig, Outbox, SubscriptionService, parse_subscription_args, queue_depth
from bot.alerts.models import Subscription
from bot.alerts.receiver import add_webhook_routes
from bot.mutes import Mute, MuteKind
from bot.mutes.service import start_mute
from bot.settings import Settings
from bot.store import Database
from tests.alerts.payloads import encode, hook_payload, issue_payload
from tests.fakes import FakeSlack, sentry_app_headers, service_hook_headers

HOOK_GUID = "7f2b8a52c7e94f0c9f2a1d4e6b8c0a13"
HOOK_SECRET = "hook-secret-0123456789"
CLIENT_SECRET = "client-secret-0123456789"
BOT_TOKEN = "xoxb-test"

# Times shrunk so a test drains in well under a second per channel; the fake Slack is told to
# refuse calls closer than FAKE_MIN_GAP, below the pace, so the margin absorbs scheduling jitter.
FAST = DeliveryConfig(
    pace=0.1,
    storm_delay=1.0,  # more than 10 pending alerts in a channel fold into a digest
    storm_quiet=1.0,
    digest_refresh=0.3,
    lease=3.0,
    senders=4,
    poll=0.05,
    backoff=0.05,
    backoff_max=0.5,
    max_attempts=5,
)
FAKE_MIN_GAP = 0.05

__all__ = ["FAST", "Pipeline", "account", "encode", "hook_payload", "issue_payload", "messages", "posts", "text_of"]


@dataclass
class Pipeline:
    db: Database
    fake: FakeSlack
    url: str
    session: aiohttp.ClientSession
    worker: AlertWorker
    subscriptions: SubscriptionService
    outbox: Outbox

    @classmethod
    @asynccontextmanager
    async def start(
        cls,
        fake: FakeSlack,
        db: Database,
        *,
        config: DeliveryConfig = FAST,
        client_secret: str | None = CLIENT_SECRET,
        hook_secrets: Mapping[str, str] | None = None,
        sentry: Any = None,
        public_url: str | None = None,
    ) -> AsyncIterator[Pipeline]:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            sentry_client_secret=client_secret,
            sentry_service_hook_secrets=dict(hook_secrets or {HOOK_GUID: HOOK_SECRET}),
            bot_public_url=public_url,
        )
        slack = AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url, timeout=5)
        worker = AlertWorker(db, slack, config=config)
        app = web.Application()
        add_webhook_routes(app, settings=settings, db=db, on_stored=worker.wake)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))  # port 0: a free port, no pick-then-bind race
        port = sock.getsockname()[1]
        await web.SockSite(runner, sock).start()
        try:
            async with aiohttp.ClientSession() as session, worker:
                yield cls(
                    db=db,
                    fake=fake,
                    url=f"http://127.0.0.1:{port}/sentry/webhook",
                    session=session,
                    worker=worker,
                    subscriptions=SubscriptionService(db, settings=settings, sentry=sentry),
                    outbox=Outbox(db, on_stored=worker.wake),
                )
        finally:
            await runner.cleanup()

    async def subscribe(self, channel: str, project: str, *options: str, by: str = "U100") -> Subscription:
        return await self.subscriptions.subscribe(channel, project, parse_subscription_args(options), created_by=by)

    async def post(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        async with self.session.post(self.url, data=body, headers=dict(headers)) as resp:
            return resp.status, await resp.json()

    async def service_hook(
        self, payload: Mapping[str, Any], *, guid: str = HOOK_GUID, secret: str = HOOK_SECRET
    ) -> int:
        body = encode(payload)
        status, _ = await self.post(body, service_hook_headers(secret, body, guid=guid))
        return status

    async def sentry_app(self, resource: str, payload: Mapping[str, Any], *, request_id: str | None = None) -> int:
        body = encode(payload)
        status, _ = await self.post(
            body, sentry_app_headers(CLIENT_SECRET, body, resource=resource, request_id=request_id)
        )
        return status

    async def drained(self, timeout: float = 15.0) -> None:  # noqa: ASYNC109 (reads best in tests)
        """Wait until every stored webhook is routed and every Slack call made and recorded."""
        deadline = time.monotonic() + timeout
        while not (depth := await queue_depth(self.db)).empty:
            if time.monotonic() > deadline:
                raise AssertionError(f"the pipeline did not drain within {timeout}s: {depth}")
            await asyncio.sleep(0.02)


async def mute_issue(db: Database, *, seconds: float = 3600.0, channel: str = "C1") -> Mute:
    """<@UMUTER> mutes the alerts of `hook_payload`'s issue (FRONT-END-1) in `channel` for `seconds`."""
    return await start_mute(
        db,
        channel_id=channel,
        kind=MuteKind.ISSUE,
        target="1170820242",
        label="FRONT-END-1",
        seconds=seconds,
        by="UMUTER",
        now=time.time(),
    )


async def mute_project(db: Database, *, project: str = "front-end", channel: str = "C1") -> Mute:
    """<@UMUTER> mutes the alerts of every issue of `project` in `channel` for an hour."""
    return await start_mute(
        db,
        channel_id=channel,
        kind=MuteKind.PROJECT,
        target=project,
        label=project,
        seconds=3600,
        by="UMUTER",
        now=time.time(),
    )


def posts(fake: FakeSlack, channel: str, *, thread: bool | None = None) -> list[dict[str, Any]]:
    """Accepted chat.postMessage calls into `channel`; thread=True only replies, False only top-level."""
    calls = [c for c in fake.calls_to("chat.postMessage", ok=True) if c["channel"] == channel]
    if thread is None:
        return calls
    return [c for c in calls if bool(c.get("thread_ts")) == thread]


def messages(fake: FakeSlack, channel: str, *, thread: bool | None = None) -> list[dict[str, Any]]:
    """What `channel` shows now (after every update), oldest first; thread as in `posts`."""
    shown = [m for (c, _ts), m in sorted(fake.messages.items(), key=lambda kv: float(kv[0][1])) if c == channel]
    if thread is None:
        return shown
    return [m for m in shown if bool(m.get("thread_ts")) == thread]


def text_of(call: Mapping[str, Any]) -> str:
    """Everything a person reads in a message: the fallback text and every block's text."""
    parts = [str(call.get("text", ""))]
    for block in call.get("blocks") or []:
        for holder in [block, *block.get("fields", []), *block.get("elements", [])]:
            text = holder.get("text")
            parts.append(text.get("text", "") if isinstance(text, dict) else str(text or ""))
    return "\n".join(parts)


@dataclass
class Account:
    """How one channel's alerts show in Slack: each alert in one message, or counted in one digest."""

    alert_posts: Counter[str] = field(default_factory=Counter)  # metadata key -> accepted posts
    digest_posts: Counter[str] = field(default_factory=Counter)
    digest_totals: dict[str, int] = field(default_factory=dict)  # digest key -> alerts it shows now

    @property
    def counted(self) -> int:
        return len(self.alert_posts) + sum(self.digest_totals.values())

    @property
    def duplicates(self) -> list[str]:
        return [k for k, n in (self.alert_posts + self.digest_posts).items() if n > 1]


def account(fake: FakeSlack) -> dict[str, Account]:
    """Per channel, from what the fake Slack accepted and shows now (message metadata says what is what)."""
    accounts: dict[str, Account] = defaultdict(Account)
    for call in fake.calls_to("chat.postMessage", ok=True):
        meta = call.get("metadata") or {}
        key = meta.get("event_payload", {}).get("key")
        if meta.get("event_type") == "sentry_bot_alert":
            accounts[call["channel"]].alert_posts[key] += 1
        elif meta.get("event_type") == "sentry_bot_digest":
            accounts[call["channel"]].digest_posts[key] += 1
    for (channel, _ts), message in fake.messages.items():
        meta = message.get("metadata") or {}
        if meta.get("event_type") == "sentry_bot_digest":
            payload = meta["event_payload"]
            accounts[channel].digest_totals[payload["key"]] = payload["alerts"]
    return dict(accounts)
