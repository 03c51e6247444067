"""SIGTERM in the middle of a burst: `sentry-bot serve` as a subprocess against the fake Slack and
the Sentry stand-in. Every request answered 2xx before the signal gets its full answer (the
response_url too), every accepted webhook reaches Slack (after a restart if the grace ran out),
and the process exits 0. The restart runs receivers and worker apart (`BOT_ALERT_WORKER=off`
beside `sentry-bot worker`), as docker-compose.yml deploys them."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from bot.alerts import SubscriptionService, parse_subscription_args
from bot.sandbox import run_sandbox, seed_state
from bot.server import Shutdown, build_web_app
from bot.settings import Settings
from bot.store import Database
from tests.alerts.harness import HOOK_GUID, HOOK_SECRET, account, hook_payload
from tests.alerts.replicas import send_hook
from tests.fakes import FakeSlack
from tests.fakes.signing import slack_headers, slash_command_body
from tests.store.support import sqlite_url

SIGNING_SECRET = "test-signing-secret"
GRACE = 5.0
_LISTENING = re.compile(r"bot\.listening url=(http://\S+)")


class Bot:
    """One `sentry-bot <mode>` process, its log in a file."""

    def __init__(self, process: asyncio.subprocess.Process, url: str, log: Path) -> None:
        self.process, self.url, self.log = process, url, log

    @classmethod
    async def start(cls, mode: str, env: Mapping[str, str], log: Path) -> Bot:
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "SLACK_", "DATABASE_", "BOT_"))}
        with log.open("ab") as err:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", mode, "--host", "127.0.0.1", "--port", "0",
                cwd=log.parent, env={**environ, **env}, stdout=err, stderr=err,
            )  # fmt: skip
        for _ in range(300):  # the log says which port it bound (port 0: a free one)
            if found := _LISTENING.search(await asyncio.to_thread(log.read_text)):
                return cls(process, found.group(1) + "/", log)
            if process.returncode is not None:
                break
            await asyncio.sleep(0.1)
        process.kill()
        output = await asyncio.to_thread(log.read_text)
        raise AssertionError(f"sentry-bot {mode} did not start; its log:\n{output[-3000:]}")

    async def terminate(self) -> int:
        """SIGTERM, then its exit code (a hang guard, not a timing assertion: it is killed past it)."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), GRACE + 20)
        except TimeoutError:
            self.process.kill()
            raise AssertionError(f"no exit after SIGTERM; log:\n{self.log.read_text()[-3000:]}") from None


@asynccontextmanager
async def stand_ins(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[dict[str, str]]:
    """The Sentry stand-in and a subscribed store; yields the bot's environment."""
    fake_slack.users["UALICE"] = {"email": "alice@acme.example", "name": "alice"}  # the sandbox's owner
    url = sqlite_url(tmp_path)
    async with Database.connect(url) as db:
        service = SubscriptionService(db, settings=Settings(_env_file=None))  # type: ignore[call-arg]
        await service.subscribe("CWEB", "front-end", parse_subscription_args([]), created_by="UALICE")
    async with run_sandbox(seed_state(), host="127.0.0.1", port=0) as sentry_url:
        yield {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake_slack.api_url,
            "SENTRY_URL": sentry_url,
            "SENTRY_AUTH_TOKEN": "sntrys_test",
            "SENTRY_ORG": "acme",
            "SENTRY_SERVICE_HOOK_SECRETS": f"{HOOK_GUID}={HOOK_SECRET}",
            "DATABASE_URL": url,
            "BOT_SHUTDOWN_GRACE": str(GRACE),
        }


async def slash_command(session: aiohttp.ClientSession, url: str, text: str, response_url: str) -> int | None:
    body = slash_command_body(text, user_id="UALICE", channel_id="CWEB", response_url=response_url)
    try:
        async with session.post(url + "slack/events", data=body, headers=slack_headers(SIGNING_SECRET, body)) as r:
            return r.status
    except aiohttp.ClientError:
        return None


async def delivered(fake_slack: FakeSlack, channel: str, count: int) -> None:
    """Wait until `channel` shows `count` alerts (own messages or counted in digests)."""
    for _ in range(600):
        if channel in (accounts := account(fake_slack)) and accounts[channel].counted >= count:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{channel} shows {account(fake_slack).get(channel)}, not {count} alerts")


async def test_sigterm_mid_burst_answers_everything_accepted_and_loses_no_alert(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    fake_slack.latency = 0.3  # every Slack answer takes a while: the signal lands on work in flight
    # Fewer than a storm's backlog: each alert is its own message, paced ~1 s apart in its channel,
    # so the grace ends before the last is posted and the restart has some to deliver.
    alerts = [hook_payload(issue=f"90{i}", event=f"e90{i}", title=f"error {i}") for i in range(8)]
    async with stand_ins(fake_slack, tmp_path) as env, aiohttp.ClientSession() as session:
        bot = await Bot.start("serve", env, tmp_path / "serve.log")
        commands: dict[str, int | None] = {}  # response_url key -> the ack's status
        signalled = asyncio.Event()

        async def commands_until_refused() -> None:
            for n in itertools.count():
                key = f"cmd-{n}"
                commands[key] = await slash_command(session, bot.url, "org", fake_slack.response_url(key))
                if signalled.is_set() and commands[key] is None:
                    return
                await asyncio.sleep(0.05)

        typing = asyncio.create_task(commands_until_refused())
        statuses = await asyncio.gather(*(send_hook(session, bot.url + "sentry/webhook", a) for a in alerts[:5]))
        await fake_slack.wait_for("chat.postMessage", count=1, timeout=20)  # deliveries under way
        bot.process.send_signal(signal.SIGTERM)
        signalled.set()
        statuses += await asyncio.gather(*(send_hook(session, bot.url + "sentry/webhook", a) for a in alerts[5:]))
        assert await asyncio.wait_for(bot.process.wait(), GRACE + 20) == 0
        await typing

        accepted = [key for key, status in commands.items() if status == 200]
        assert accepted, "some commands were acknowledged before the signal"
        assert any(status is None for status in commands.values()), "the listener stopped accepting"
        for key in accepted:
            assert fake_slack.responses(key), f"{key} was acknowledged but never answered"
        assert 200 in statuses
        refused = [alert for alert, status in zip(alerts, statuses, strict=True) if status != 200]

        # The restart: two processes, receiving and delivering apart. Sentry retries what got no 2xx.
        worker = await Bot.start("worker", env, tmp_path / "worker.log")
        receiver = await Bot.start("serve", {**env, "BOT_ALERT_WORKER": "off"}, tmp_path / "receiver.log")
        try:
            for alert in refused:
                assert await send_hook(session, receiver.url + "sentry/webhook", alert) == 200
            await delivered(fake_slack, "CWEB", len(alerts))
        finally:
            assert await receiver.terminate() == 0
            assert await worker.terminate() == 0

    channel = account(fake_slack)["CWEB"]
    assert channel.duplicates == []
    assert channel.counted == len(alerts)
    assert "alerts.worker.started" not in (tmp_path / "receiver.log").read_text()


async def test_readyz_answers_503_once_the_stop_is_requested() -> None:
    shutdown = Shutdown(grace=1.0)

    async def ready() -> bool:
        return True

    async with TestClient(TestServer(build_web_app(None, ready=ready, shutdown=shutdown))) as client:
        assert (await client.get("/readyz")).status == 200
        shutdown.request("test")
        assert (await client.get("/readyz")).status == 503
        assert (await client.get("/healthz")).status == 200  # alive while it drains
