"""Starting, watching and stopping the bench's processes: fakes, floor, bot and load generator."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import aiohttp

from .common import BOT_TOKEN, SIGNING_SECRET

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def memory_of(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of a process, in bytes (Linux /proc)."""
    out: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                out[name] = int(value.split()[0]) * 1024
    return out


def cpu_seconds_of(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine() -> dict[str, Any]:
    """The machine, the versions and the commit a run measures (for its report)."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    git = shutil.which("git") or "git"
    try:
        commit = subprocess.run(  # noqa: S603 (fixed arguments)
            [git, "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
        ).stdout.strip()
        dirty = bool(
            subprocess.run(  # noqa: S603 (fixed arguments)
                [git, "status", "--porcelain", "--", "bot"],
                cwd=REPO,
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
        )
    except OSError:
        commit, dirty = "unknown", False
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_avg_at_start": os.getloadavg(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "aiohttp": version("aiohttp"),
        "slack_bolt": version("slack_bolt"),
        "slack_sdk": version("slack_sdk"),
        "git": commit + ("+uncommitted changes under bot/" if dirty else ""),
    }


class Child:
    """A child process of the bench; stopped (SIGTERM, then SIGKILL) by its own pid only."""

    def __init__(self, name: str, proc: asyncio.subprocess.Process, log: Path | None) -> None:
        self.name = name
        self.proc = proc
        self.log = log

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), timeout=5)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


async def spawn(
    name: str,
    args: list[str],
    *,
    logs: Path,
    env: dict[str, str] | None = None,
    cwd: Path = REPO,
    stdin: bool = False,
    src: Path = REPO,
) -> Child:
    log = logs / f"{name}.log"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(src), **(env or {})},
        stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=log.open("ab"),
    )
    return Child(name, proc, log)


@contextlib.asynccontextmanager
async def healthy(child: Child, port: int, within: float = 30.0) -> AsyncIterator[str]:
    """A server child's base URL once its `/healthz` answers 200; the child is stopped on exit."""
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + within
        async with aiohttp.ClientSession() as http:
            while True:
                if child.proc.returncode is not None:
                    raise RuntimeError(f"{child.name} exited with {child.proc.returncode}; see {child.log}")
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(base + "healthz") as resp:
                        if resp.status == 200:
                            break
                if time.monotonic() >= deadline:
                    raise RuntimeError(f"{child.name} did not become healthy in {within} s; see {child.log}")
                await asyncio.sleep(0.1)
        yield base
    finally:
        await child.stop()


@contextlib.asynccontextmanager
async def fakes(logs: Path, *, extra_issues: int, users: int) -> AsyncIterator[tuple[Child, dict[str, str]]]:
    child = await spawn(
        "fakes", ["-m", "bench.fakes", "--extra-issues", str(extra_issues), "--users", str(users)], logs=logs
    )
    try:
        assert child.proc.stdout is not None
        line = await asyncio.wait_for(child.proc.stdout.readline(), timeout=30)
        if not line:
            raise RuntimeError(f"the fakes process did not start; see {child.log}")
        yield child, json.loads(line)
    finally:
        await child.stop()


@contextlib.asynccontextmanager
async def floor(logs: Path, urls: dict[str, str], *, inline_ack: bool = False) -> AsyncIterator[tuple[Child, str]]:
    port = free_port()
    args = ["-m", "bench.floor", "--port", str(port), "--slack-api-url", urls["slack_api_url"]]
    name = "floor-inline" if inline_ack else "floor"
    child = await spawn(name, [*args, "--inline-ack"] if inline_ack else args, logs=logs)
    async with healthy(child, port) as base:
        yield child, base + "slack/events"


@contextlib.asynccontextmanager
async def bot(
    logs: Path,
    workdir: Path,
    urls: dict[str, str],
    *,
    name: str = "bot",
    env: dict[str, str] | None = None,
    src: Path = REPO,
) -> AsyncIterator[tuple[Child, str]]:
    """`sentry-bot serve`, the real entry point, configured through its environment variables.

    `src`: the source tree whose `bot` package runs (another checkout, to compare before and after).
    """
    port = free_port()
    home = workdir / name
    home.mkdir(parents=True, exist_ok=True)
    settings = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": urls["slack_api_url"],
        "SENTRY_URL": urls["sentry_url"],
        "SENTRY_AUTH_TOKEN": "sntrys_bench",
        "SENTRY_ORG": "acme",
        "DATABASE_URL": f"sqlite:///{home / 'bot.db'}",
        **(env or {}),
    }
    # cwd is the bot's own directory, so a developer's .env in the repository is not read.
    child = await spawn(
        name,
        ["-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
        logs=logs,
        env=settings,
        cwd=home,
        src=src,
    )
    async with healthy(child, port) as base:
        yield child, base + "slack/events"


async def load(
    logs: Path,
    plan: dict[str, Any],
    on_progress: Callable[[int], None] | None = None,
    *,
    name: str = "load",
    args: Sequence[str] = ("-m", "bench.load"),
) -> dict[str, Any]:
    """Run one plan in a fresh load-generator process (`python <args>`, the plan on stdin); its result."""
    child = await spawn(name, list(args), logs=logs, stdin=True)
    assert child.proc.stdin is not None and child.proc.stdout is not None
    child.proc.stdin.write(json.dumps(plan).encode())
    child.proc.stdin.close()
    result: dict[str, Any] | None = None
    try:
        async for raw in child.proc.stdout:
            message = json.loads(raw)
            if "progress" in message and on_progress is not None:
                on_progress(int(message["progress"]))
            elif "result" in message:
                result = message["result"]
        await child.proc.wait()
    finally:
        await child.stop()
    if result is None:
        raise RuntimeError(f"the load generator failed; see {child.log}")
    return result


class Control:
    """The fakes process's controls: counters, reset, Sentry latency and rate limit."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http = http
        self.base = base

    async def stats(self) -> dict[str, Any]:
        async with self.http.get(self.base + "stats") as resp:
            return dict(await resp.json())

    async def reset(self) -> None:
        async with self.http.post(self.base + "reset") as resp:
            resp.raise_for_status()

    async def config(self, **values: Any) -> None:
        async with self.http.post(self.base + "config", json=values) as resp:
            resp.raise_for_status()
