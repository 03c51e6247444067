"""Storm benchmark: N signed webhooks over HTTP into the pipeline, drained into a fake Slack at Slack's pace.

    .venv/bin/python -m bench.storm                       # 10,000 alerts, 10 channels, real pace (1.1 s)
    .venv/bin/python -m bench.storm --alerts 2000 --pace 0.2 --database postgresql://postgres@127.0.0.1/test

Prints: webhook intake rate; messages and digests posted; alerts lost or duplicated (by message
metadata, as the tests count them); the most calls any channel received in one second; the
smallest gap between two posts into one channel; how long the queue took to drain.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

from sqlalchemy import text

from bot.alerts import DeliveryConfig
from bot.store import Database
from tests.alerts.harness import Pipeline, account, hook_payload
from tests.fakes import FakeSlack


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--issues", type=int, default=20, help="issues per channel")
    parser.add_argument("--pace", type=float, default=DeliveryConfig.pace)
    parser.add_argument("--concurrency", type=int, default=50, help="webhooks in flight at once")
    parser.add_argument("--database", default=None, help="DATABASE_URL (default: a fresh SQLite file)")
    return parser.parse_args()


def busiest_second(times: list[float]) -> int:
    """The most calls in any one-second window."""
    times.sort()
    most, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def run(args: argparse.Namespace) -> None:
    config = replace(DeliveryConfig(), pace=args.pace, storm_quiet=max(5.0, 10 * args.pace))
    channels = [f"C{n:03d}" for n in range(args.channels)]
    alerts = [
        hook_payload(
            project=f"p{n % args.channels}",
            issue=f"{n % args.channels}-{(n // args.channels) % args.issues}",
            event=uuid.uuid4().hex,
            title=f"storm error {(n // args.channels) % args.issues}",
        )
        for n in range(args.alerts)
    ]
    random.Random(1).shuffle(alerts)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'bench.db'}"
        schema = f"bench_{uuid.uuid4().hex[:8]}" if url.startswith("postgres") else None
        async with FakeSlack() as fake, Database.connect(url, schema=schema) as db:
            fake.enforce_rate("chat.postMessage", per_channel_per_second=1.0 / args.pace)
            async with Pipeline.start(fake, db, config=config) as pipeline:
                for n, channel in enumerate(channels):
                    await pipeline.subscribe(channel, f"p{n}")
                gate = asyncio.Semaphore(args.concurrency)
                latencies: list[float] = []

                async def send(payload: dict) -> int:  # type: ignore[type-arg]
                    async with gate:
                        sent = time.monotonic()
                        status = await pipeline.service_hook(payload)
                        latencies.append(time.monotonic() - sent)
                        return status

                started = time.monotonic()
                statuses = Counter(await asyncio.gather(*map(send, alerts)))
                received = time.monotonic() - started
                await pipeline.drained(timeout=3600)
                drained = time.monotonic() - started
            if schema:
                async with db.transaction() as conn:
                    await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

    accounts = account(fake)
    per_channel: dict[str, list[float]] = defaultdict(list)
    posts: dict[str, list[float]] = defaultdict(list)
    for call in fake.calls:
        if call.ok and call.method in ("chat.postMessage", "chat.update"):
            per_channel[call.args["channel"]].append(call.at)
        if call.ok and call.method == "chat.postMessage":
            posts[call.args["channel"]].append(call.at)
    expected = Counter(a["project"]["slug"] for a in alerts)
    counted = {ch: accounts[ch].counted if ch in accounts else 0 for ch in channels}
    lost = sum(max(0, expected[f"p{n}"] - counted[ch]) for n, ch in enumerate(channels))
    extra = sum(max(0, counted[ch] - expected[f"p{n}"]) for n, ch in enumerate(channels))
    gaps = [b - a for times in posts.values() for a, b in zip(sorted(times), sorted(times)[1:], strict=False)]
    print(f"alerts sent            {len(alerts):>8}   answers {dict(statuses)}")
    print(f"intake                 {received:>8.1f} s   ({len(alerts) / received:.0f} webhooks/s)")
    latencies.sort()
    p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]
    worst = latencies[-1]
    print(f"webhook answer time    {p50 * 1000:>8.0f} ms p50, {p99 * 1000:.0f} ms p99, {worst * 1000:.0f} ms max")
    print(f"time to drain          {drained:>8.1f} s")
    print(f"alert messages         {sum(len(a.alert_posts) for a in accounts.values()):>8}")
    print(f"digests posted         {sum(len(a.digest_posts) for a in accounts.values()):>8}")
    print(f"digest updates         {fake.count('chat.update', ok=True):>8}")
    print(f"all posts (incl. esc.) {fake.count('chat.postMessage', ok=True):>8}")
    print(f"lost alerts            {lost:>8}")
    print(f"duplicated alerts      {extra + sum(len(a.duplicates) for a in accounts.values()):>8}")
    print(f"max calls/s, a channel {max(map(busiest_second, per_channel.values()), default=0):>8}")
    print(f"min gap between posts  {min(gaps, default=0.0):>8.3f} s   (pace {args.pace} s)")
    print(f"429 from pace checks   {fake.refused:>8}")
    busiest = max(per_channel.values(), key=len, default=[])
    if busiest:
        span = max(busiest) - min(busiest)
        allowed = span / args.pace
        print(f"busiest channel        {len(busiest):>8} calls in {span:.1f} s (the pace allows {allowed:.0f})")


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
