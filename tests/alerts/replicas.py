"""Bot replicas in their own processes (`python -m tests.alerts.replica`), to kill and to run side by side."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bot.alerts import DeliveryConfig, queue_depth
from bot.store import Database
from tests.alerts.harness import BOT_TOKEN, CLIENT_SECRET, HOOK_GUID, HOOK_SECRET, encode
from tests.fakes import service_hook_headers

_REPO = Path(__file__).resolve().parents[2]
_START_TIMEOUT = 30.0


def replica_env(
    *,
    database_url: str,
    slack_api_url: str,
    config: DeliveryConfig,
    schema: str | None = None,
    token: str = BOT_TOKEN,
    slack_timeout: float = 2.0,
) -> dict[str, str]:
    fields = {k: v for k, v in config.__dict__.items()}
    return {
        "DATABASE_URL": database_url,
        "DATABASE_SCHEMA": schema or "",
        "SLACK_API_URL": slack_api_url,
        "SLACK_BOT_TOKEN": token,
        "SENTRY_SERVICE_HOOK_SECRETS": f"{HOOK_GUID}={HOOK_SECRET}",
        "SENTRY_CLIENT_SECRET": CLIENT_SECRET,
        "ALERTS_CONFIG": json.dumps(fields),
        "SLACK_TIMEOUT": str(slack_timeout),
    }


@dataclass
class Replica:
    process: asyncio.subprocess.Process
    url: str
    log: Path

    @classmethod
    async def start(cls, env: Mapping[str, str], *, log: Path) -> Replica:
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "SLACK_", "DATABASE_"))}
        with log.open("ab") as err:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.alerts.replica",
                cwd=_REPO,
                env={**environ, **env},
                stdout=asyncio.subprocess.PIPE,
                stderr=err,
            )
        assert process.stdout is not None
        try:
            line = await asyncio.wait_for(process.stdout.readline(), _START_TIMEOUT)
        except TimeoutError:
            line = b""
        if not line.startswith(b"READY "):
            process.kill()
            await process.wait()
            output = await asyncio.to_thread(log.read_text)
            raise AssertionError(f"the replica did not start; its log:\n{output[-3000:]}")
        return cls(process, f"http://127.0.0.1:{int(line.split()[1])}/sentry/webhook", log)

    async def kill(self) -> None:
        """SIGKILL: no cleanup, no graceful anything, as when a machine dies."""
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                await self.kill()


@asynccontextmanager
async def replicas_on(
    database_url: str,
    *,
    schema: str,
    slack_api_url: str,
    config: DeliveryConfig,
    tokens: Sequence[str],
    logs: Path,
) -> AsyncIterator[list[Replica]]:
    """One replica a bot token, side by side on one database schema, each logging to `logs/<token>.log`;
    all are stopped when the block ends."""
    replicas = [
        await Replica.start(
            replica_env(
                database_url=database_url, schema=schema, slack_api_url=slack_api_url, config=config, token=token
            ),
            log=logs / f"{token}.log",
        )
        for token in tokens
    ]
    try:
        yield replicas
    finally:
        for replica in replicas:
            await replica.stop()


async def drained(db: Database) -> None:
    """Wait until every stored webhook is routed and every Slack call made, by whichever replica."""
    deadline = asyncio.get_running_loop().time() + 40
    while not (depth := await queue_depth(db)).empty:
        assert asyncio.get_running_loop().time() < deadline, f"not drained: {depth}"
        await asyncio.sleep(0.05)


async def send_hook(session: aiohttp.ClientSession, url: str, payload: dict[str, Any]) -> int | None:
    """Post a signed service hook delivery; its status, or None when the replica did not answer."""
    body = encode(payload)
    try:
        async with session.post(url, data=body, headers=service_hook_headers(HOOK_SECRET, body, guid=HOOK_GUID)) as r:
            return r.status
    except aiohttp.ClientError:
        return None
