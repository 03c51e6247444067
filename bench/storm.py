"""Storm (issue #6, item 5): 10,000 alerts in 60 s over 5 channels, into a fake Slack that allows
1 message a second per channel and answers 429 (with Retry-After) to anything faster.

    .venv/bin/python -m bench.storm             # 2 repetitions on SQLite and on PostgreSQL (~6 min)
    .venv/bin/python -m bench.storm --quick     # 500 alerts in 5 s, SQLite: checks that it runs
    .venv/bin/python -m bench.storm --databases sqlite --reps 3 --baseline-src /tmp/before

The processes are those of `python -m bench.intake`: the bot's webhook path and alert worker in a
server process (default `DeliveryConfig`: the production pace of 1.1 s a channel, storm digests),
signed service hooks of ~5 KB from a separate load generator, open loop at alerts/seconds
(~167/s: every alert is sent on schedule whatever the answers), and the fake Slack (the test
suite's `FakeSlack`, `enforce_rate`) in this process, which records every call.

Reported per run: Slack calls into one channel in any one second (the most, over every channel
and every method), messages and digests posted, digest updates, escalation replies, 429s met,
alerts lost (accepted with a 2xx but counted in no message and no digest, by message metadata, as
the tests count them), duplicates (an alert in two messages, or counted twice), time to drain
(from the first webhook until nothing waits), and the webhook answer times during the storm.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import aiohttp

from . import intake, procs
from .report import footer, publish, spread

RESULTS = intake.RESULTS
JSON = dict[str, Any]

# Targets (issue #6, item 5).
MAX_CALLS_PER_CHANNEL_SECOND = 1


def busiest_second(times: list[float]) -> int:
    """The most calls in any one-second window (sliding: [t, t + 1 s))."""
    times = sorted(times)
    most, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def inject_429s(fake: Any, *, every: float) -> None:
    """Until cancelled: every `every` seconds, the next chat.postMessage (then chat.update) gets a 429."""
    if every <= 0:
        return
    methods = ("chat.postMessage", "chat.update")
    n = 0
    while True:
        await asyncio.sleep(every)
        fake.fail_next(methods[n % 2], status=429, retry_after=1)
        n += 1


def tally(fake: Any, load: JSON, *, channels: int, began: float, drained_at: float) -> JSON:
    """What Slack received and shows, against what the bot accepted."""
    from tests.alerts.harness import account

    calls_by_channel: dict[str, list[float]] = defaultdict(list)
    accepted_by_channel: dict[str, list[float]] = defaultdict(list)
    for call in fake.calls:
        channel = call.args.get("channel")
        if channel:
            calls_by_channel[channel].append(call.at)
            if call.ok:
                accepted_by_channel[channel].append(call.at)
    gaps = [
        b - a for times in calls_by_channel.values() for a, b in zip(sorted(times), sorted(times)[1:], strict=False)
    ]
    accounts = account(fake)
    names = [f"C{n}" for n in range(channels)]
    expected = {f"C{n}": load["stored_by_project"].get(f"p{n}", 0) for n in range(channels)}
    counted = {ch: accounts[ch].counted if ch in accounts else 0 for ch in names}
    posts = fake.calls_to("chat.postMessage", ok=True)
    escalations = [
        c for c in posts if c.get("thread_ts") and (c.get("metadata") or {}).get("event_type") == "sentry_bot_note"
    ]
    busiest = max(names, key=lambda ch: len(calls_by_channel[ch]))
    busiest_span = max(calls_by_channel[busiest]) - min(calls_by_channel[busiest]) if calls_by_channel[busiest] else 0.0
    return {
        "alerts_sent": load["sent"],
        "alerts_accepted": load["stored"],
        "refused": sum(v for k, v in load["statuses"].items() if k[0] != "2") + sum(load["failures"].values()),
        "max_calls_per_channel_second": max((busiest_second(calls_by_channel[ch]) for ch in names), default=0),
        "max_accepted_per_channel_second": max((busiest_second(accepted_by_channel[ch]) for ch in names), default=0),
        "min_gap_s": min(gaps, default=math.nan),
        "busiest_channel_calls": len(calls_by_channel[busiest]),
        "busiest_channel_span_s": busiest_span,
        "alert_messages": sum(len(a.alert_posts) for a in accounts.values()),
        "digests": sum(len(a.digest_posts) for a in accounts.values()),
        "digest_updates": fake.count("chat.update", ok=True),
        "escalation_replies": len(escalations),
        "posts": len(posts),
        "slack_calls": sum(len(v) for v in calls_by_channel.values()),
        "ratelimited_429": sum(1 for c in fake.calls if c.status == 429),
        "pace_429": fake.refused,
        "lost": sum(max(0, expected[ch] - counted[ch]) for ch in names),
        "duplicates": sum(max(0, counted[ch] - expected[ch]) for ch in names)
        + sum(len(a.duplicates) for a in accounts.values()),
        "counted": sum(counted.values()),
        "send_window_s": load["last_sent"] - load["first_sent"],
        "drain_s": drained_at - began,
        "drain_after_last_webhook_s": drained_at - load["last_sent"],
        "webhook_median_ms": load["median_ms"],
        "webhook_p99_ms": load["p99_ms"],
    }


async def one_storm(args: argparse.Namespace, logs: Path, workdir: Path, *, database: str, src: Path) -> JSON:
    from tests.fakes import FakeSlack

    schema = f"bench_storm_{uuid.uuid4().hex[:8]}" if database == "postgres" else None
    url = args.pg_url if schema else f"sqlite:///{workdir / f'storm-{uuid.uuid4().hex[:6]}.db'}"
    rate = args.alerts / args.seconds
    try:
        async with (
            FakeSlack() as fake,
            aiohttp.ClientSession() as http,
            intake.server(
                logs,
                key=f"storm-{database}",
                label=f"storm {database}",
                mode="bot",
                slack_api_url=fake.api_url,
                database=url,
                schema=schema,
                src=src,
                workdir=workdir,
                channels=args.channels,
            ) as srv,
        ):
            fake.enforce_rate("chat.postMessage", per_channel_per_second=1.0)  # Slack: ~1 message/s/channel
            fake.validate_blocks = True
            plan = {
                "url": srv.url,
                "tag": uuid.uuid4().hex[:8],
                "rate": rate,
                "count": args.alerts,
                "duration_s": args.seconds,
                "warmup_s": 0.0,
                "projects": args.channels,
                "issues": args.issues,
            }
            # Slack also answers 429 for reasons other than a channel's pace (workspace limits): every
            # few seconds the next call of a method gets one, with Retry-After: 1.
            injector = asyncio.create_task(inject_429s(fake, every=args.inject_429_every))
            try:
                load = await intake.run_load(logs, plan)
            finally:
                injector.cancel()
            began = load["first_sent"]
            await srv.drained(http, within=args.drain_timeout)
            drained_at = time.monotonic()
            result = tally(fake, load, channels=args.channels, began=began, drained_at=drained_at)
    finally:
        if schema:
            with contextlib.suppress(Exception):
                await intake.drop_schema(args.pg_url, schema)
    return result


ROWS: list[tuple[str, str, str, str]] = [
    # key, label, format, the baseline it is compared with
    ("max_calls_per_channel_second", "Slack calls into one channel in any 1 s (max)", "{:.0f}", "limit"),
    ("max_accepted_per_channel_second", "  of which accepted", "{:.0f}", "limit"),
    ("min_gap_s", "shortest gap between two calls into one channel", "{:.3f} s", "pace"),
    ("busiest_channel_calls", "calls into the busiest channel", "{:.0f}", "span"),
    ("alert_messages", "alert messages posted", "{:.0f}", "alerts"),
    ("digests", "storm digests posted", "{:.0f}", ""),
    ("digest_updates", "digest updates (chat.update)", "{:.0f}", ""),
    ("escalation_replies", "escalation replies (10/100/1000 events)", "{:.0f}", ""),
    ("ratelimited_429", "429s met (Retry-After honoured)", "{:.0f}", ""),
    ("pace_429", "  of which for a channel's pace (1/s)", "{:.0f}", ""),
    ("alerts_accepted", "alerts accepted (2xx, stored)", "{:.0f}", "alerts"),
    ("refused", "alerts refused (non-2xx; Sentry would retry)", "{:.0f}", ""),
    ("lost", "alerts lost", "{:.0f}", ""),
    ("duplicates", "alerts duplicated", "{:.0f}", ""),
    ("send_window_s", "webhooks sent over", "{:.1f} s", ""),
    ("drain_s", "time to drain (first webhook → nothing waits)", "{:.1f} s", "window"),
    ("drain_after_last_webhook_s", "  after the last webhook", "{:.1f} s", ""),
    ("webhook_median_ms", "webhook answer, median", "{:.1f} ms", ""),
    ("webhook_p99_ms", "webhook answer, p99", "{:.1f} ms", ""),
]


def render(report: JSON) -> tuple[str, JSON]:
    runs: dict[str, list[JSON]] = report["runs"]
    keys = list(runs)
    verdicts: JSON = {}
    header = ["", *[report["labels"][k] for k in keys], "baseline, ratio", "target"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for field, label, fmt, baseline in ROWS:
        cells = [spread([r[field] for r in runs[k]], fmt) for k in keys]
        ratio = ""
        if baseline == "limit":
            ratio = "Slack allows 1/s: " + ", ".join(spread([r[field] / 1.0 for r in runs[k]], "{:.2f}×") for k in keys)
        elif baseline == "pace":
            ratio = "Slack's 1 s: " + ", ".join(spread([r[field] / 1.0 for r in runs[k]], "{:.2f}×") for k in keys)
        elif baseline == "span":
            ratio = "1/s over its span allows: " + ", ".join(
                spread([r[field] / max(1.0, r["busiest_channel_span_s"]) for r in runs[k]], "{:.2f}×") for k in keys
            )
        elif baseline == "alerts":
            ratio = f"of {report['settings']['alerts']:,} sent: " + ", ".join(
                spread([r[field] / max(1, r["alerts_sent"]) for r in runs[k]], "{:.3f}×") for k in keys
            )
        elif baseline == "window":
            ratio = "sending window: " + ", ".join(
                spread([r[field] / max(1e-9, r["send_window_s"]) for r in runs[k]], "{:.2f}×") for k in keys
            )
        target = ""
        if field == "max_calls_per_channel_second":
            worst = max((r[field] for k in keys for r in runs[k]), default=0)
            met = worst <= MAX_CALLS_PER_CHANNEL_SECOND
            verdicts["calls per channel per second"] = {"value": worst, "target": 1, "met": met}
            target = "≤ 1: " + ("met" if met else "**missed**")
        elif field in ("lost", "duplicates"):
            worst = max((r[field] for k in keys for r in runs[k]), default=0)
            verdicts[field] = {"value": worst, "target": 0, "met": worst == 0}
            target = "0: " + ("met" if worst == 0 else "**missed**")
        lines.append("| " + " | ".join([label, *cells, ratio, target]) + " |")
    s = report["settings"]
    lines += footer(
        report,
        f"{s['alerts']:,} alerts in {s['seconds']:g} s (open loop, {s['alerts'] / s['seconds']:.0f}/s) over "
        f"{s['channels']} channels, {s['issues']} issues each; medians of {s['reps']} repetitions (min–max). "
        f"Fake Slack: chat.postMessage refused with 429 + Retry-After when under 1 s after the channel's "
        f"last accepted one, and one more 429 (Retry-After: 1) every {s['inject_429_every']:g} s, "
        f"alternately on chat.postMessage and chat.update. Bot: default DeliveryConfig (pace 1.1 s a "
        f"channel; more than 9 alerts waiting in a channel fold into a digest, updated at most every 5 s).",
    )
    return "\n".join(lines), verdicts


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.storm", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="500 alerts in 5 s on SQLite: checks that it runs")
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=60.0, help="the alerts are sent evenly over this long")
    parser.add_argument("--channels", type=int, default=5)
    parser.add_argument("--issues", type=int, default=20, help="issues per channel")
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--pg-url", default=intake.PG_URL)
    parser.add_argument("--drain-timeout", type=float, default=600.0)
    parser.add_argument(
        "--inject-429-every",
        type=float,
        default=4.0,
        help="seconds between injected 429s (Retry-After: 1) on top of the pace check; 0: none",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "storm.json")
    parser.add_argument("--bot-src", type=Path, default=procs.REPO)
    parser.add_argument("--baseline-src", type=Path, default=None, help="also run the bot of this tree: before/after")
    args = parser.parse_args(argv)
    if args.quick:
        args.alerts, args.seconds, args.reps = 500, 5.0, 1
        if args.databases == "sqlite,postgres":
            args.databases = "sqlite"
        if args.out == RESULTS / "storm.json":
            args.out = RESULTS / "storm-quick.json"
    return args


async def run(
    args: argparse.Namespace, logs: Path, workdir: Path
) -> tuple[dict[str, list[JSON]], dict[str, str], JSON]:
    wanted = args.databases.split(",")
    skipped: dict[str, str] = {}
    if "postgres" in wanted and (reason := await intake.postgres_reason(args.pg_url)):
        skipped["postgres"] = reason
        wanted.remove("postgres")
    configs: list[tuple[str, str, str, Path]] = []
    for suffix, src in [("", args.bot_src)] + ([("@before", args.baseline_src)] if args.baseline_src else []):
        for database in wanted:
            name = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[database]
            configs.append((database + suffix, name + (" [before]" if suffix else ""), database, src))
    runs: dict[str, list[JSON]] = {key: [] for key, *_ in configs}
    labels = {key: label for key, label, *_ in configs}
    for rep in range(args.reps):
        for key, label, database, src in configs:
            print(f"rep {rep + 1}/{args.reps}: {label}", file=sys.stderr, flush=True)
            result = await one_storm(args, logs, workdir, database=database, src=src)
            runs[key].append(result)
            print(
                "  "
                + ", ".join(
                    f"{k} {result[k]:.1f}" if isinstance(result[k], float) else f"{k} {result[k]}"
                    for k in (
                        "max_calls_per_channel_second",
                        "alert_messages",
                        "digests",
                        "digest_updates",
                        "escalation_replies",
                        "ratelimited_429",
                        "lost",
                        "duplicates",
                        "drain_s",
                        "webhook_p99_ms",
                    )
                ),
                file=sys.stderr,
                flush=True,
            )
    return runs, skipped, labels


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    info = procs.machine()
    logs = args.out.parent / "logs-storm"
    logs.mkdir(parents=True, exist_ok=True)
    for old in logs.glob("*.log"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="sentry-bot-storm-") as tmp:
        runs, skipped, labels = asyncio.run(run(args, logs, Path(tmp)))
    report = {
        "command": "python -m bench.storm" + (" --quick" if args.quick else ""),
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": info,
        "skipped": skipped,
        "labels": labels,
        "load_avg_at_end": os.getloadavg(),
        "wall_s": time.monotonic() - started,
        "runs": runs,
    }
    publish(report, *render(report), args.out, logs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
