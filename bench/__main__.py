"""`python -m bench`: the bot measured over loopback HTTP, each part in its own process.

    .venv/bin/python -m bench            # full run (a few minutes on 2 cores); table + bench/results/latest.json
    .venv/bin/python -m bench --smoke    # seconds: checks that every case runs, not how fast
    .venv/bin/python -m bench --all      # and then bench.intake and bench.storm: every figure of issue #6

Processes: the fakes (fake Slack Web API + response_url sink, Sentry stand-in), the floor (a bare
Bolt app), the bot (`sentry-bot serve`, the real entry point) and one load generator per measured
run. See bench/README.md for the cases, the targets and the latest table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from . import procs
from .common import SYNTHETIC_BASE
from .report import publish, render

RESULTS = Path(__file__).resolve().parent / "results"
SENTRY_LATENCY = 0.05


class Bench:
    def __init__(self, args: argparse.Namespace, logs: Path, workdir: Path) -> None:
        self.args = args
        self.logs = logs
        self.workdir = workdir
        self.smoke = args.smoke
        self.conns = args.connections
        self.cases: dict[str, dict[str, Any]] = {}
        self.extra: dict[str, Any] = {}
        self._cold_next = SYNTHETIC_BASE

    def log(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def cold_start(self, span: int = 100_000) -> int:
        start, self._cold_next = self._cold_next, self._cold_next + span
        return start

    def timed(self, **plan: Any) -> dict[str, Any]:
        return {
            "connections": self.conns,
            "warmup_s": self.args.warmup,
            "duration_s": self.args.duration,
            "users": self.conns,
            **plan,
        }

    async def measure(
        self,
        key: str,
        label: str,
        control: procs.Control,
        plan: dict[str, Any],
        *,
        server: procs.Child | None,
        on_progress: Callable[[int], None] | None = None,
    ) -> dict[str, Any]:
        await control.reset()
        cpu_before = procs.cpu_seconds_of(server.pid) if server else float("nan")
        started = time.monotonic()
        result = await procs.load(self.logs, plan, on_progress)
        result["wall_s"] = time.monotonic() - started
        if server:
            result["server_cpu_s"] = procs.cpu_seconds_of(server.pid) - cpu_before
        stats = await control.stats()
        result["sentry_calls"] = stats["sentry_requests"]
        result["sentry_by_operation"] = stats["sentry_by_operation"]
        result["fake_answers"] = stats["answers"]
        case = self.cases.setdefault(key, {"label": label, "connections": plan["connections"], "reps": []})
        case["reps"].append(result)
        shown = f"{result['rps']:8.0f}/s  median {result['median_ms']:7.2f} ms  p99 {result['p99_ms']:7.2f} ms"
        extra = f"  sentry {result['sentry_calls']}" + (
            f"  answers/s {result['answers_per_s']:.0f} drain {result['drain_s']:.2f}s"
            if "answers_per_s" in result and result.get("answers_per_s") is not None
            else ""
        )
        errors = {k: v for k, v in result["statuses"].items() if k != "200"} | result["failures"]
        self.log(f"  {label:40} {shown}{extra}{'  ERRORS ' + str(errors) if errors else ''}")
        return result

    # ------------------------------------------------------------------ 1 + 2: ack and full command

    async def ack_and_full(self, control: procs.Control, urls: dict[str, str]) -> None:
        ws = urls["control_url"].replace("http://", "ws://") + "answers"
        sink = urls["response_base"]
        await control.config(sentry_latency=SENTRY_LATENCY, sentry_rate_limit=None)
        async with contextlib.AsyncExitStack() as stack:
            floor, floor_url = await stack.enter_async_context(procs.floor(self.logs, urls))
            inline, inline_url = await stack.enter_async_context(procs.floor(self.logs, urls, inline_ack=True))
            # The bot under test, and with --baseline-src the same cases on another tree, interleaved.
            bots: list[tuple[str, procs.Child, str]] = []
            for suffix, src in (("", self.args.bot_src), ("@baseline", self.args.baseline_src)):
                if src is not None:
                    name = "bot" + suffix.replace("@", "-")
                    child, url = await stack.enter_async_context(
                        procs.bot(self.logs, self.workdir, urls, name=name, src=src)
                    )
                    bots.append((suffix, child, url))
            # Warm all: first requests pay auth.test, users.info, the member list and imports.
            for url, answers in [(floor_url, False), (inline_url, False), *((u, True) for _, _, u in bots)]:
                await procs.load(
                    self.logs,
                    {
                        "url": url,
                        "response_base": sink,
                        "answers_ws": ws if answers else None,
                        "connections": self.conns,
                        "users": self.conns,
                        "texts": {"kind": "fixed", "text": "WEB-1"},
                        "wait_answer": answers,
                        "count": 200 if not self.smoke else 20,
                    },
                )
            for rep in range(self.args.reps):
                self.log(f"rep {rep + 1}/{self.args.reps}")
                help_text = {"kind": "fixed", "text": "help"}
                await self.measure(
                    "floor",
                    "bare Bolt ack (floor)",
                    control,
                    self.timed(url=floor_url, response_base=sink, texts=help_text),
                    server=floor,
                )
                await self.measure(
                    "floor_inline",
                    "bare Bolt ack, inline (no 10 ms poll)",
                    control,
                    self.timed(url=inline_url, response_base=sink, texts=help_text),
                    server=inline,
                )
                for suffix, bot, bot_url in bots:
                    await self.bot_cases(control, suffix, bot, bot_url, ws, sink)

    async def bot_cases(
        self, control: procs.Control, suffix: str, bot: procs.Child, url: str, ws: str, sink: str
    ) -> None:
        tag = " [baseline]" if suffix else ""
        common = {"url": url, "response_base": sink, "answers_ws": ws}
        for text in ("help", "WEB-1"):
            await self.measure(
                f"ack_{text}{suffix}",
                f"bot ack /sentry {text}{tag}",
                control,
                self.timed(**common, texts={"kind": "fixed", "text": text}),
                server=bot,
            )
        await self.measure(
            f"full_warm{suffix}",
            f"full /sentry WEB-1, warm cache{tag}",
            control,
            self.timed(**common, wait_answer=True, texts={"kind": "fixed", "text": "WEB-1"}),
            server=bot,
        )
        await self.measure(
            f"full_cold{suffix}",
            f"full /sentry WEB-<new>, cold cache{tag}",
            control,
            self.timed(**common, wait_answer=True, texts={"kind": "distinct", "start": self.cold_start()}),
            server=bot,
        )
        await self.measure(
            f"full_cold_paced{suffix}",
            f"full cold, open loop {self.args.cold_rate:g}/s{tag}",
            control,
            self.timed(
                **common,
                wait_answer=True,
                rate=self.args.cold_rate,
                duration_s=self.args.duration * 2,
                texts={"kind": "distinct", "start": self.cold_start()},
            ),
            server=bot,
        )

    # ------------------------------------------------------------------ 3: Sentry call economy

    async def economy(self, control: procs.Control, urls: dict[str, str]) -> None:
        users = 50
        count = self.args.economy_lookups
        ttl = 300
        await control.config(sentry_latency=SENTRY_LATENCY, sentry_rate_limit=None)
        # A fresh bot, so its cache starts cold; a TTL longer than the run keeps it "within one TTL".
        async with procs.bot(
            self.logs,
            self.workdir,
            urls,
            name="bot-economy",
            env={"CACHE_TTL_SECONDS": str(ttl)},
            src=self.args.bot_src,
        ) as (bot, bot_url):
            self.log(f"economy: {count} Zipf lookups over 200 issues, {users} users")
            plan = {
                "url": bot_url,
                "response_base": urls["response_base"],
                "answers_ws": urls["control_url"].replace("http://", "ws://") + "answers",
                "connections": users,
                "users": users,
                "wait_answer": True,
                "count": count,
                "texts": {"kind": "zipf", "issues": 200, "s": 1.0, "seed": 6},
            }
            result = await self.measure("economy", "Zipf lookups, 50 users", control, plan, server=bot)
        result["distinct_issues"] = result["distinct_texts"]
        result["ttl_s"] = ttl
        result["lookups"] = count

    # ------------------------------------------------------------------ 6: memory

    async def memory(self, control: procs.Control, urls: dict[str, str]) -> None:
        count = self.args.memory_commands
        # Latency 0 and a raised rate limit: this case is about what the bot keeps, not about Sentry's pace.
        await control.config(sentry_latency=0, sentry_rate_limit=1_000_000)
        async with procs.bot(self.logs, self.workdir, urls, name="bot-memory", src=self.args.bot_src) as (
            bot,
            bot_url,
        ):
            idle = procs.memory_of(bot.pid)
            samples: list[dict[str, Any]] = []

            def sample(done: int) -> None:
                samples.append({"commands": done, **procs.memory_of(bot.pid)})

            self.log(f"memory: {count} commands over distinct issues, from {self.args.memory_users} users")
            plan = {
                "url": bot_url,
                "response_base": urls["response_base"],
                "answers_ws": urls["control_url"].replace("http://", "ws://") + "answers",
                "connections": 50,
                "users": self.args.memory_users,
                "user_per_command": True,
                "wait_answer": True,
                "count": count,
                "progress_every": max(1, count // 10),
                "texts": {"kind": "distinct", "start": self.cold_start(span=count + 1)},
            }
            result = await self.measure("memory", "distinct keys", control, plan, server=bot, on_progress=sample)
            result["rss_idle"] = idle.get("VmRSS")
            result["rss_samples"] = samples
            final = procs.memory_of(bot.pid)
            result["rss_end"] = final.get("VmRSS")
            result["rss_peak"] = final.get("VmHWM")
            result["commands"] = count
            result["users"] = self.args.memory_users
        await control.config(sentry_latency=SENTRY_LATENCY, sentry_rate_limit=None)
        self.log(
            f"  peak RSS {result['rss_peak'] / 2**20:.1f} MiB (idle {result['rss_idle'] / 2**20:.1f} MiB)"
            if result.get("rss_peak")
            else "  (no /proc: RSS not measured)"
        )

    async def run(self) -> None:
        async with (
            procs.fakes(self.logs, extra_issues=200, users=10_000) as (_fakes, urls),
            aiohttp.ClientSession() as http,
        ):
            control = procs.Control(http, urls["control_url"])
            wanted = set(self.args.cases.split(","))
            if "ack" in wanted or "full" in wanted:
                await self.ack_and_full(control, urls)
            if "economy" in wanted:
                await self.economy(control, urls)
            if "memory" in wanted:
                await self.memory(control, urls)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a few seconds: checks that every case runs")
    parser.add_argument(
        "--all",
        action="store_true",
        help="then bench.intake and bench.storm, each with its defaults (~20 min in all; with --smoke, their --quick)",
    )
    parser.add_argument("--reps", type=int, default=3, help="repetitions of the ack and full-command cases")
    parser.add_argument("--duration", type=float, default=3.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before each measured window")
    parser.add_argument("--connections", type=int, default=20, help="connections of every ack/full case")
    parser.add_argument("--cold-rate", type=float, default=25.0, help="commands/s of the paced cold case")
    parser.add_argument("--economy-lookups", type=int, default=10_000)
    parser.add_argument("--memory-commands", type=int, default=100_000)
    parser.add_argument(
        "--memory-users",
        type=int,
        default=1000,
        help="Slack users the memory run cycles through (above 4096, every command misses the identity cache)",
    )
    parser.add_argument("--cases", default="ack,full,economy,memory")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    parser.add_argument(
        "--baseline-src",
        type=Path,
        default=None,
        help="also run the ack and full-command cases on the bot of this tree, interleaved, for before/after",
    )
    parser.add_argument(
        "--bot-src",
        type=Path,
        default=procs.REPO,
        help="run the bot from this source tree (e.g. `git archive HEAD | tar -x -C DIR`) to compare before/after",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        # Long enough that a cold full command (its first Sentry reads) completes inside the window even
        # on a busy CI machine: at 0.3 s a case on a loaded 2-core host sometimes finished no request.
        args.reps, args.duration, args.warmup = 1, 1.0, 0.2
        args.economy_lookups, args.memory_commands = 300, 500
        if args.out == RESULTS / "latest.json":
            args.out = RESULTS / "smoke.json"
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    info = procs.machine()
    with tempfile.TemporaryDirectory(prefix="sentry-bot-bench-") as tmp:
        logs = args.out.parent / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        for old in logs.glob("*.log"):
            old.unlink()
        bench = Bench(args, logs, Path(tmp))
        asyncio.run(bench.run())
    report = {
        "command": "python -m bench" + (" --smoke" if args.smoke else ""),
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "sentry_latency_s": SENTRY_LATENCY,
        "machine": info,
        "bot_src": str(args.bot_src),
        "repo": str(procs.REPO),
        "baseline_src": str(args.baseline_src) if args.baseline_src else None,
        "load_avg_at_end": os.getloadavg(),
        "wall_s": time.monotonic() - started,
        "cases": bench.cases,
    }
    publish(report, *render(report), args.out)
    if args.all:
        from . import intake, storm

        quick = ["--quick"] if args.smoke else []
        return max(intake.main(quick), storm.main(quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
