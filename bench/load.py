"""The load generator: its own process, an aiohttp client, requests signed as Slack signs them.

    echo '<plan JSON>' | python -m bench.load

Reads one plan (JSON) on stdin, prints `{"progress": n}` lines while it runs and one result line
(JSON) at the end. A plan:

    url            the server's /slack/events
    response_base  the fake Slack's response_url prefix (each command gets its own key)
    answers_ws     the fakes' /control/answers websocket (arrival times of the answers), or null
    connections    workers, one keep-alive connection each (closed loop)
    texts          {"kind": "fixed", "text": "help"}
                   {"kind": "distinct", "start": n}           WEB-<n>, WEB-<n+1>, ... (every one a miss)
                   {"kind": "zipf", "issues": 200, "s": 1.0, "seed": 1}   over WEB-<EXTRA_BASE + rank>
    users          how many distinct Slack users send (worker i is user i, or round-robin per command
                   when `user_per_command`)
    wait_answer    false: a worker's next command goes as soon as the ack is back (ack throughput);
                   true: it waits for the answer at the response_url (full command, end to end)
    warmup_s, duration_s     a timed run: requests completed in the window after the warm-up count
    count                    or a fixed number of commands
    rate                     open loop at this many commands a second (latency from the scheduled
                             send time, so a stalled server is not hidden), instead of a closed loop
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import json
import math
import random
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import aiohttp

from tests.fakes.signing import slack_headers, slash_command_body

from .common import EXTRA_BASE, SIGNING_SECRET, short_id, summary, user_ids


def texts(spec: dict[str, Any]) -> Iterator[str]:
    kind = spec["kind"]
    if kind == "fixed":
        return itertools.repeat(spec["text"])
    if kind == "distinct":
        return (short_id(n) for n in itertools.count(spec["start"]))
    if kind == "zipf":
        return _zipf(spec["issues"], spec.get("s", 1.0), spec.get("seed", 1))
    raise ValueError(f"unknown texts kind {kind!r}")


def _zipf(issues: int, s: float, seed: int) -> Iterator[str]:
    """Issue lookups whose popularity follows Zipf's law: rank k drawn with weight 1/k^s."""
    rng = random.Random(seed)
    cumulative = list(itertools.accumulate(1 / (k**s) for k in range(1, issues + 1)))
    total = cumulative[-1]
    while True:
        rank = bisect.bisect_left(cumulative, rng.random() * total)
        yield short_id(EXTRA_BASE + rank)


class Answers:
    """Arrival times of answers, announced by the fakes process over a websocket."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.kinds: Counter[str] = Counter()
        self.waiters: dict[str, asyncio.Future[float]] = {}
        self.changed = asyncio.Event()

    async def listen(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            for line in msg.data.split("\n"):
                key, at, kind = line.split(" ")
                self.arrived[key] = float(at)
                self.kinds[kind] += 1
                waiter = self.waiters.pop(key, None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(float(at))
            self.changed.set()

    def expect(self, key: str) -> asyncio.Future[float]:
        if key in self.arrived:
            done: asyncio.Future[float] = asyncio.get_running_loop().create_future()
            done.set_result(self.arrived[key])
            return done
        future = self.waiters[key] = asyncio.get_running_loop().create_future()
        return future


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    connections = int(plan["connections"])
    wait_answer = bool(plan.get("wait_answer"))
    source = texts(plan["texts"])
    users = user_ids(int(plan.get("users", connections)))
    user_per_command = bool(plan.get("user_per_command"))
    run_id = uuid.uuid4().hex[:8]
    seq = itertools.count()
    answers = Answers()
    sent_keys: list[str] = []
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    failures: Counter[str] = Counter()
    progress_every = int(plan.get("progress_every", 0))
    distinct: set[str] = set()
    completed = 0

    connector = aiohttp.TCPConnector(limit=connections if not plan.get("rate") else 0)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        listener = None
        if plan.get("answers_ws"):
            ws = await http.ws_connect(plan["answers_ws"], max_msg_size=0)
            listener = asyncio.create_task(answers.listen(ws))

        async def command(worker: int, scheduled: float | None = None) -> tuple[float, float] | None:
            """Send one command; (started, done) where done is the ack, or the answer's arrival."""
            n = next(seq)
            key = f"{run_id}-{n}"
            user = users[n % len(users)] if user_per_command else users[worker % len(users)]
            text = next(source)
            distinct.add(text)
            body = slash_command_body(text, user_id=user, response_url=plan["response_base"] + key)
            headers = slack_headers(SIGNING_SECRET, body)
            started = time.monotonic() if scheduled is None else scheduled
            if wait_answer:
                arrival = answers.expect(key)
            try:
                async with http.post(plan["url"], data=body, headers=headers) as resp:
                    await resp.read()
                    statuses[resp.status] += 1
                    if resp.status != 200:
                        return None
            except (aiohttp.ClientError, TimeoutError) as exc:
                failures[type(exc).__name__] += 1
                return None
            sent_keys.append(key)
            if not wait_answer:
                return started, time.monotonic()
            try:
                return started, await asyncio.wait_for(arrival, timeout=30)
            except TimeoutError:
                failures["no answer in 30 s"] += 1
                return None

        def record(result: tuple[float, float] | None, window: tuple[float, float]) -> None:
            nonlocal completed
            if result is None:
                return
            started, done = result
            completed += 1
            if progress_every and completed % progress_every == 0:
                print(json.dumps({"progress": completed}), flush=True)
            if window[0] <= started and done < window[1]:
                latencies.append(done - started)

        began = time.monotonic()
        if "count" in plan:
            remaining = itertools.count()
            total = int(plan["count"])
            window = (began, math.inf)

            async def counted(worker: int) -> None:
                while next(remaining) < total:
                    record(await command(worker), window)

            await asyncio.gather(*(counted(w) for w in range(connections)))
            measured_start, measured_end = began, time.monotonic()
        elif plan.get("rate"):
            rate = float(plan["rate"])
            measured_start = began + float(plan.get("warmup_s", 0))
            measured_end = measured_start + float(plan["duration_s"])
            window = (measured_start, measured_end)
            tasks = []
            for i in itertools.count():
                at = began + i / rate
                if at >= measured_end:
                    break
                await asyncio.sleep(max(0.0, at - time.monotonic()))
                tasks.append(asyncio.create_task(command(i, scheduled=at)))
                tasks[-1].add_done_callback(lambda t: record(t.result(), window))
            await asyncio.gather(*tasks)
        else:
            measured_start = began + float(plan.get("warmup_s", 0))
            measured_end = measured_start + float(plan["duration_s"])
            window = (measured_start, measured_end)

            async def timed(worker: int) -> None:
                while time.monotonic() < measured_end:
                    record(await command(worker), window)

            await asyncio.gather(*(timed(w) for w in range(connections)))

        window_s = measured_end - measured_start
        result: dict[str, Any] = {
            "requests": len(latencies),
            "window_s": window_s,
            "rps": len(latencies) / window_s,
            **summary(latencies),
            "distinct_texts": len(distinct),
            "statuses": {str(k): v for k, v in statuses.items()},
            "failures": dict(failures),
        }
        if listener is not None:
            # Answers that came back in the window, and how long the rest took after it (backlog).
            in_window = sum(1 for k in sent_keys if measured_start <= answers.arrived.get(k, math.inf) < measured_end)
            result["answers_per_s"] = in_window / window_s if math.isfinite(window_s) else None
            ended = time.monotonic()
            deadline = ended + float(plan.get("drain_timeout", 30))
            while len(answers.arrived) < len(sent_keys) and time.monotonic() < deadline:
                answers.changed.clear()
                with_timeout = asyncio.wait_for(answers.changed.wait(), timeout=max(0.0, deadline - time.monotonic()))
                try:
                    await with_timeout
                except TimeoutError:
                    break
            missing = [k for k in sent_keys if k not in answers.arrived]
            last = max((answers.arrived[k] for k in sent_keys if k in answers.arrived), default=ended)
            result["unanswered"] = len(missing)
            result["drain_s"] = max(0.0, last - min(ended, measured_end)) if math.isfinite(measured_end) else 0.0
            result["answer_kinds"] = dict(answers.kinds)
            listener.cancel()
    return result


def main() -> int:
    plan = json.loads(sys.stdin.read())
    result = asyncio.run(run(plan))
    print(json.dumps({"result": result}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
