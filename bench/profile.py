"""Profile the bot (or the floor) under one bench case with py-spy.

    .venv/bin/pip install py-spy       # not a project dependency
    .venv/bin/python -m bench.profile --case ack-help --seconds 10 [--format raw|speedscope|flamegraph]

Runs the same processes as `python -m bench` and attaches `py-spy record` to the server while the
load generator drives it. Writes bench/results/profile-<case>.<ext>; with `--format raw` (collapsed
stacks) it also prints the functions with the most samples, by own time and by total time.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

from . import procs
from .__main__ import RESULTS, SENTRY_LATENCY
from .common import SYNTHETIC_BASE

CASES: dict[str, dict[str, Any]] = {
    "floor": {"server": "floor", "texts": {"kind": "fixed", "text": "help"}},
    "ack-help": {"server": "bot", "texts": {"kind": "fixed", "text": "help"}},
    "ack-web1": {"server": "bot", "texts": {"kind": "fixed", "text": "WEB-1"}},
    "full-warm": {"server": "bot", "texts": {"kind": "fixed", "text": "WEB-1"}, "wait_answer": True},
    "full-cold": {
        "server": "bot",
        "texts": {"kind": "distinct", "start": SYNTHETIC_BASE},
        "wait_answer": True,
        "cold": True,
        "users": 1000,
    },
}


def top(collapsed: Path, n: int = 30) -> str:
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        samples += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            total[frame] += int(count)
    out = [f"{samples} samples", "", "own time:"]
    out += [f"  {100 * c / samples:5.1f}%  {f}" for f, c in own.most_common(n)]
    out += ["", "total time:"]
    out += [f"  {100 * c / samples:5.1f}%  {f}" for f, c in total.most_common(n)]
    return "\n".join(out)


async def run(case: str, seconds: float, fmt: str, connections: int) -> Path:
    spec = CASES[case]
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out = RESULTS / f"profile-{case}.{ {'raw': 'txt', 'speedscope': 'json', 'flamegraph': 'svg'}[fmt] }"
    with tempfile.TemporaryDirectory() as tmp:
        logs = RESULTS / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        async with procs.fakes(logs, extra_issues=200, users=10_000) as (_, urls), aiohttp.ClientSession() as http:
            control = procs.Control(http, urls["control_url"])
            if spec.get("cold"):  # the bot's own cost of a miss, not Sentry's pace
                await control.config(sentry_latency=0, sentry_rate_limit=1_000_000)
            else:
                await control.config(sentry_latency=SENTRY_LATENCY)
            server = procs.floor(logs, urls) if spec["server"] == "floor" else procs.bot(logs, Path(tmp), urls)
            async with server as (child, url):
                plan = {
                    "url": url,
                    "response_base": urls["response_base"],
                    "answers_ws": None
                    if spec["server"] == "floor"
                    else urls["control_url"].replace("http://", "ws://") + "answers",
                    "connections": connections,
                    "users": spec.get("users", connections),
                    "user_per_command": "users" in spec,
                    "texts": spec["texts"],
                    "wait_answer": spec.get("wait_answer", False),
                    "warmup_s": 1.0,
                    "duration_s": seconds + 1.5,
                }
                load = asyncio.create_task(procs.load(logs, plan))
                await asyncio.sleep(1.0)
                spy = await asyncio.create_subprocess_exec(
                    py_spy,
                    "record",
                    "--pid",
                    str(child.pid),
                    "--duration",
                    str(int(seconds)),
                    "--rate",
                    "250",
                    "--format",
                    fmt,
                    "--output",
                    str(out),
                    "--nonblocking",
                    stdout=asyncio.subprocess.DEVNULL,
                )
                await spy.wait()
                result = await load
                rate, median, p99 = result["rps"], result["median_ms"], result["p99_ms"]
                print(f"{case}: {rate:.0f}/s, median {median:.1f} ms, p99 {p99:.1f} ms", file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--case", choices=sorted(CASES), default="ack-help")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--format", choices=["raw", "speedscope", "flamegraph"], default="raw")
    args = parser.parse_args(argv)
    out = asyncio.run(run(args.case, args.seconds, args.format, args.connections))
    print(f"wrote {out}", file=sys.stderr)
    if args.format == "raw":
        print(top(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
