"""Webhook intake (issue #6, item 4): signed Sentry service hooks into `POST /sentry/webhook`.

    .venv/bin/python -m bench.intake            # full run (~5 min on 2 cores): table + bench/results/intake.json
    .venv/bin/python -m bench.intake --quick    # seconds: checks that every case runs, not how fast
    .venv/bin/python -m bench.intake --baseline-src /tmp/before   # also the bot of another tree, interleaved

What is measured, per server, all in the same run and interleaved repetition by repetition:
- open loop at 100, 500 and 1,000 webhooks a second: each webhook is sent at its scheduled time
  whether or not earlier ones were answered, and its latency counts from that scheduled time, so
  queueing in the server (or in the load generator) is included;
- the highest sustained durable rate: closed loops (each of `--connections` keep-alive connection
  counts, 32 and 128 by default, every connection sending its next webhook as soon as the last one
  is answered) counting 2xx answers only, the best of them per server and repetition; the bot
  answers 2xx after its transaction committed, and after each run the rows in the outbox are
  counted against the answers that said `stored` (the durability check).

Servers, each its own process (`python -m bench.intake serve`), never the load generator's:
- `raw`: a bare aiohttp handler that reads the body, parses the JSON and answers 200 (the baseline);
- `sqlite`, `postgres`: the bot's webhook path as `sentry-bot serve` wires it (bot/wiring.py):
  `build_web_app` + `add_webhook_routes` + a running `AlertWorker` (its router routes what comes in,
  into 5 subscribed channels, while the intake runs), logging at INFO as `serve` does. PostgreSQL
  runs in a throwaway schema, dropped at the end.

The load generator (`python -m bench.intake load`) is its own process: aiohttp, signed service-hook
bodies of about 5 KB built from the service-hook payload of `tests/fakes/sentry_hooks.py`, every
one with its own event id so dedupe never short-circuits. The fake Slack the worker posts to runs in
this (orchestrating) process, which is idle while a measurement runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import resource
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import aiohttp

from . import procs
from .common import percentile
from .report import footer, publish, spread

RESULTS = Path(__file__).resolve().parent / "results"
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")

HOOK_GUID = "b3c1d2e4f5a6478890abcdef12345678"
HOOK_SECRET = "bench-hook-secret-0123456789"
TARGET_BYTES = 5000
CHANNELS = 5  # channels C0..C4 subscribed to projects p0..p4 (the storm uses the same shape)
ISSUES_PER_PROJECT = 20

# Targets (issue #6, item 4).
P99_TARGET_MS = 50.0
P99_TARGET_RATE = 500
RATE_RATIO_TARGET = 0.4

JSON = dict[str, Any]


# ---------------------------------------------------------------------------------------------- bodies


def _frame(n: int) -> JSON:
    return {
        "filename": f"webpack:///./src/components/widgets/Widget{n}.tsx",
        "absPath": f"https://app.example.com/static/js/widget{n}.3f9a2c.js",
        "module": f"components/widgets/Widget{n}",
        "function": f"renderWidget{n}",
        "lineNo": 40 + n * 7,
        "colNo": 12 + n,
        "inApp": n % 3 != 0,
        "context": [[39 + n * 7, "  const data = props.data;"], [40 + n * 7, "  return blooopy(data.items);"]],
    }


def _realistic(payload: JSON) -> JSON:
    """Sentry's example, grown to about TARGET_BYTES the way real events are: a stack trace,
    breadcrumbs, contexts, the SDK and the request (the example has empty `entries` and `contexts`)."""
    event = payload["event"]
    event["contexts"] = {
        "browser": {"name": "Chrome", "version": "75.0.3770", "type": "browser"},
        "os": {"name": "Mac OS X", "version": "10.14.5", "type": "os"},
    }
    event["sdk"] = {"name": "sentry.javascript.browser", "version": "5.6.1"}
    event["tags"] += [
        {"key": "os.name", "value": "Mac OS X"},
        {"key": "url", "value": "https://app.example.com/dashboard"},
        {"key": "release", "value": "frontend@4.2.1"},
        {"key": "environment", "value": "production"},
    ]
    frames: list[JSON] = []
    crumbs: list[JSON] = []
    event["entries"] = [
        {
            "type": "exception",
            "data": {
                "values": [
                    {"type": "ReferenceError", "value": "blooopy is not defined", "stacktrace": {"frames": frames}}
                ]
            },
        },
        {"type": "breadcrumbs", "data": {"values": crumbs}},
        {
            "type": "request",
            "data": {
                "url": "https://app.example.com/dashboard",
                "method": "GET",
                "headers": [["User-Agent", "Mozilla/5.0 (Macintosh) Chrome/75.0.3770"]],
            },
        },
    ]
    n = 0
    while len(json.dumps(payload)) < TARGET_BYTES:
        frames.append(_frame(n))
        crumbs.append(
            {
                "category": "ui.click",
                "message": f"div.widget-{n} > button",
                "level": "info",
                "timestamp": f"2019-08-19T20:58:{n % 60:02d}.000Z",
            }
        )
        n += 1
    return payload


class Bodies:
    """Signed service-hook bodies, one template (built once) with its ids swapped per webhook.

    Webhook n belongs to project `p{n % projects}` (so channel `C{n % projects}`), to one of
    `issues` issues of that project (seeded), and has its own event id: `{tag}{n:024x}`.
    """

    def __init__(self, *, tag: str, projects: int = CHANNELS, issues: int = ISSUES_PER_PROJECT, seed: int = 1) -> None:
        from tests.fakes.sentry_hooks import service_hook_alert
        from tests.fakes.signing import service_hook_headers

        self._headers = service_hook_headers
        payload = _realistic(service_hook_alert())
        payload["project"]["slug"] = payload["project"]["name"] = "@@PROJECT@@"
        group, event = payload["group"], payload["event"]
        group["project"]["slug"] = group["project"]["name"] = "@@PROJECT@@"
        group["id"] = event["groupID"] = "@@ISSUE@@"
        group["shortId"] = "@@PROJECT@@-@@ISSUE@@"
        group["url"] = "https://test-org.sentry.io/issues/@@ISSUE@@/"
        group["title"] = event["title"] = "ReferenceError: blooopy is not defined (@@ISSUE@@)"
        event["id"] = event["eventID"] = "@@EVENT@@"
        event["url"] = "https://test-org.sentry.io/issues/@@ISSUE@@/events/@@EVENT@@/"
        self._template = json.dumps(payload)
        self._tag = tag
        self._projects = projects
        self._issues = issues
        self._rng = random.Random(seed)

    def make(self, n: int) -> tuple[bytes, dict[str, str]]:
        project = n % self._projects
        issue = str(1_170_000_000 + project * 1000 + self._rng.randrange(self._issues))
        body = (
            self._template.replace("@@EVENT@@", f"{self._tag}{n:024x}")
            .replace("@@ISSUE@@", issue)
            .replace("@@PROJECT@@", f"p{project}")
            .encode()
        )
        return body, self._headers(HOOK_SECRET, body, guid=HOOK_GUID)

    @staticmethod
    def project_of(n: int, projects: int = CHANNELS) -> str:
        return f"p{n % projects}"


# ---------------------------------------------------------------------------------------------- server


async def serve(args: argparse.Namespace) -> None:
    """The server process: `raw` (the baseline handler) or `bot` (the bot's webhook path and worker)."""
    from aiohttp import web

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    async def run(app: web.Application) -> None:
        """Serve the raw baseline, or the bot of a tree older than `bot.server.serve_app`."""
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", args.port).start()
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

    if args.mode == "raw":
        handled = Counter[str]()

        async def webhook(request: web.Request) -> web.Response:
            json.loads(await request.read())
            handled["ok"] += 1
            return web.json_response({"ok": True, "stored": True})

        async def state(_: web.Request) -> web.Response:
            return web.json_response({"outbox": handled["ok"], "unrouted": 0})

        async def healthz(_: web.Request) -> web.Response:
            return web.json_response({"status": "ok"})

        app = web.Application(client_max_size=1024**2 + 1)  # as bot/server.py
        app.router.add_post("/sentry/webhook", webhook)
        app.router.add_get("/healthz", healthz)
        app.router.add_get("/bench/state", state)
        await run(app)
        return

    from slack_sdk.web.async_client import AsyncWebClient
    from sqlalchemy import event, func, select

    from bot.alerts import AlertWorker, SubscriptionService, parse_subscription_args, queue_depth
    from bot.alerts.receiver import add_webhook_routes
    from bot.logs import configure_logging
    from bot.server import build_web_app
    from bot.settings import Settings
    from bot.store import Database
    from bot.store.alerts import deliveries, webhook_outbox

    configure_logging("INFO")  # what `sentry-bot serve` runs with by default: a line per webhook
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        sentry_service_hook_secrets={HOOK_GUID: HOOK_SECRET},
        database_url=args.database,
    )
    async with Database.connect(args.database, schema=args.schema or None) as db:
        # Every statement sent to the database, by its first words: what one webhook costs in round trips.
        statements: Counter[str] = Counter()

        def count_statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            statements[" ".join(statement.split()[:4])[:60]] += 1

        for engine in getattr(db, "sync_engines", [db.engine.sync_engine]):  # older trees: one engine
            event.listen(engine, "before_cursor_execute", count_statement)
        service = SubscriptionService(db, settings=settings, sentry=None)
        for n in range(args.channels):
            await service.subscribe(f"C{n}", f"p{n}", parse_subscription_args([]), created_by="UBENCH")
        # As bot/wiring.py: the worker's client does not retry 429s (the worker honours Retry-After).
        client = AsyncWebClient(token="xoxb-bench", base_url=args.slack_api_url, timeout=10)
        async with AlertWorker(db, client) as worker:
            if args.no_worker:  # diagnosis: the receiver alone, nothing routed or sent
                await worker.stop()

            async def bench_state(_: web.Request) -> web.Response:
                depth = await queue_depth(db)
                async with db.read() as conn:
                    outbox = await conn.scalar(select(func.count()).select_from(webhook_outbox))
                    sent = await conn.scalar(
                        select(func.count()).select_from(deliveries).where(deliveries.c.status == "sent")
                    )
                return web.json_response(
                    {
                        "outbox": outbox,
                        "unrouted": depth.unrouted,
                        "pending": depth.pending,
                        "unsynced_digests": depth.unsynced_digests,
                        "empty": depth.empty,
                        "sent": sent,
                        "statements": sum(statements.values()),
                        "by_statement": dict(statements.most_common()),
                    }
                )

            app = build_web_app(None, ready=db.ping)
            add_webhook_routes(app, settings=settings, db=db, on_stored=worker.wake)
            app.router.add_get("/bench/state", bench_state)
            try:
                from bot.server import serve_app  # as `sentry-bot serve` runs it (gc frozen once started)
            except ImportError:
                await run(app)
            else:
                await serve_app(app, "127.0.0.1", args.port, stop=stop)


# ---------------------------------------------------------------------------------------------- load


async def load(plan: JSON) -> JSON:
    """The load generator: open loop (`rate`) or closed loop (`connections`), for warmup + duration."""
    bodies = Bodies(
        tag=plan["tag"], projects=plan.get("projects", CHANNELS), issues=plan.get("issues", ISSUES_PER_PROJECT)
    )
    offset = int(plan.get("offset", 0))
    rate = plan.get("rate")
    warmup, duration = float(plan.get("warmup_s", 0.0)), float(plan["duration_s"])
    latencies: list[float] = []  # of webhooks scheduled (open) or completed (closed) in the window
    lags: list[float] = []  # open loop: how late the generator sent, against the schedule
    statuses: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    stored = 0
    stored_by_project: Counter[str] = Counter()
    ok_in_window = 0
    count = plan.get("count")  # open loop: stop after this many, even if the window has room for more
    projects = int(plan.get("projects", CHANNELS))
    first_sent = last_sent = math.nan
    seq = iter(range(offset, 1 << 62))
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)

    connector = aiohttp.TCPConnector(limit=0 if rate else int(plan["connections"]))
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as http:
        # Warm the connection pool (and the server's first-request paths) outside the measurement.
        began = time.monotonic() + 0.05
        start, end = began + warmup, began + warmup + duration

        async def send(n: int, scheduled: float | None) -> tuple[float, float] | None:
            nonlocal stored, first_sent, last_sent
            body, headers = bodies.make(n)
            sent = time.monotonic()
            if math.isnan(first_sent):
                first_sent = sent
            last_sent = sent
            if scheduled is not None:
                lags.append(sent - scheduled)
            try:
                async with http.post(plan["url"], data=body, headers=headers) as resp:
                    answer = await resp.read()
                    statuses[str(resp.status)] += 1
                    if resp.status // 100 != 2:
                        return None
                    if json.loads(answer).get("stored"):
                        stored += 1
                        stored_by_project[Bodies.project_of(n, projects)] += 1
            except (aiohttp.ClientError, TimeoutError) as exc:
                failures[type(exc).__name__] += 1
                return None
            return (sent if scheduled is None else scheduled), time.monotonic()

        if rate:
            tasks: list[asyncio.Task[tuple[float, float] | None]] = []
            i = 0
            while (at := began + i / float(rate)) < end and (count is None or i < count):
                delay = at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(send(next(seq), at)))
                i += 1
            for result in await asyncio.gather(*tasks):
                if result is not None and start <= result[0] < end:
                    latencies.append(result[1] - result[0])
                    ok_in_window += 1
            window = duration
        else:

            async def worker() -> None:
                nonlocal ok_in_window
                while time.monotonic() < end:
                    result = await send(next(seq), None)
                    if result is not None and start <= result[1] < end:
                        latencies.append(result[1] - result[0])
                        ok_in_window += 1

            await asyncio.sleep(max(0.0, began - time.monotonic()))
            await asyncio.gather(*(worker() for _ in range(int(plan["connections"]))))
            window = duration

    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    ordered = sorted(latencies)
    lag_sorted = sorted(lags)
    return {
        "offered_per_s": rate,
        "connections": plan.get("connections"),
        "window_s": window,
        "ok_per_s": ok_in_window / window,
        "sent": sum(statuses.values()) + sum(failures.values()),
        "stored": stored,
        "stored_by_project": dict(stored_by_project),
        "first_sent": first_sent,
        "last_sent": last_sent,
        "statuses": dict(statuses),
        "failures": dict(failures),
        "median_ms": statistics.median(ordered) * 1000 if ordered else math.nan,
        "p99_ms": percentile(ordered, 0.99) * 1000,
        "max_ms": ordered[-1] * 1000 if ordered else math.nan,
        "send_lag_p99_ms": percentile(lag_sorted, 0.99) * 1000 if lag_sorted else None,
        "generator_cpu_s": (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime),
    }


# ---------------------------------------------------------------------------------------------- processes


async def run_load(logs: Path, plan: JSON) -> JSON:
    """One plan in a fresh load-generator process running this module's generator."""
    return await procs.load(logs, plan, name="intake-load", args=("-m", "bench.intake", "load"))


class Server:
    """A server process and how to reach it."""

    def __init__(
        self,
        key: str,
        label: str,
        child: procs.Child,
        base: str,
        *,
        worker: bool = True,
        cases: frozenset[str] | None = None,
    ) -> None:
        self.key = key
        self.label = label
        self.child = child
        self.base = base
        self.url = base + "sentry/webhook"
        self.worker = worker  # False: the receiver alone (nothing is routed; routing waits are skipped)
        self.cases = cases  # the cases this server is measured in (None: all)

    def runs(self, case: str) -> bool:
        """Whether this server is measured in `case` ("max" stands for every closed loop)."""
        return self.cases is None or case in self.cases or (case.startswith("max_") and "max" in self.cases)

    async def state(self, http: aiohttp.ClientSession) -> JSON:
        async with http.get(self.base + "bench/state") as resp:
            resp.raise_for_status()
            return dict(await resp.json())

    async def routed(self, http: aiohttp.ClientSession, *, within: float = 300.0) -> float:
        """Seconds until every stored webhook is routed (the worker keeps up, or catches up)."""
        started = time.monotonic()
        if not self.worker:
            return 0.0
        while (await self.state(http))["unrouted"]:
            if time.monotonic() - started > within:
                raise RuntimeError(f"{self.label}: the router did not catch up within {within} s")
            await asyncio.sleep(0.05)
        return time.monotonic() - started

    async def drained(self, http: aiohttp.ClientSession, *, within: float = 600.0) -> float:
        """Seconds until nothing waits: every webhook routed, every Slack call made, every digest synced."""
        started = time.monotonic()
        while not (await self.state(http))["empty"]:
            if time.monotonic() - started > within:
                raise RuntimeError(f"{self.label}: the queue did not drain within {within} s")
            await asyncio.sleep(0.1)
        return time.monotonic() - started


@contextlib.asynccontextmanager
async def server(
    logs: Path,
    *,
    key: str,
    label: str,
    mode: str,
    slack_api_url: str = "http://127.0.0.1:9/api/",
    database: str | None = None,
    schema: str | None = None,
    src: Path = procs.REPO,
    workdir: Path | None = None,
    no_worker: bool = False,
    channels: int = CHANNELS,
    cases: frozenset[str] | None = None,
) -> AsyncIterator[Server]:
    port = procs.free_port()
    args = ["-m", "bench.intake", "serve", "--mode", mode, "--port", str(port), "--slack-api-url", slack_api_url]
    args += ["--channels", str(channels)]
    if database:
        args += ["--database", database]
    if schema:
        args += ["--schema", schema]
    if no_worker:
        args.append("--no-worker")
    # `bench` from this tree, `bot` from `src` (first on the path); cwd away from the repository so
    # the `bot` of this tree is not picked up from the current directory.
    env = {"PYTHONPATH": os.pathsep.join(dict.fromkeys([str(src), str(procs.REPO)]))}
    cwd = workdir or Path(tempfile.gettempdir())
    child = await procs.spawn(f"intake-{key.replace('@', '-')}", args, logs=logs, env=env, cwd=cwd)
    async with procs.healthy(child, port, within=60) as base:
        yield Server(key, label, child, base, worker=not no_worker, cases=cases)


async def postgres_reason(url: str) -> str | None:
    """Why PostgreSQL cannot be used, or None when it answers."""
    import asyncpg

    try:
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"), timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"PostgreSQL at {url} is not answering ({exc}); set TEST_DATABASE_URL"
    await conn.close()
    return None


async def drop_schema(url: str, schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"), timeout=5)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


# ---------------------------------------------------------------------------------------------- the run


class Bench:
    def __init__(self, args: argparse.Namespace, logs: Path, workdir: Path) -> None:
        self.args = args
        self.logs = logs
        self.workdir = workdir
        self.cases: dict[str, JSON] = {}  # "<case>/<server>" -> {"reps": [...]}
        self.servers: list[Server] = []
        self.skipped: dict[str, str] = {}
        self.schemas: list[str] = []
        self._offset = 0

    def log(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def plan(self, srv: Server, **plan: Any) -> JSON:
        count_guess = 10_000_000
        plan = {
            "url": srv.url,
            "tag": uuid.uuid4().hex[:8],
            "offset": self._offset,
            "warmup_s": self.args.warmup,
            "duration_s": self.args.duration,
            **plan,
        }
        self._offset += count_guess
        return plan

    async def measure(self, http: aiohttp.ClientSession, srv: Server, case: str, plan: JSON) -> JSON:
        await srv.routed(http)  # the previous run's backlog must not weigh on this one
        before = await srv.state(http)
        cpu_before = procs.cpu_seconds_of(srv.child.pid)
        result = await run_load(self.logs, plan)
        result["server_cpu_s"] = procs.cpu_seconds_of(srv.child.pid) - cpu_before
        after = await srv.state(http)
        result["outbox_rows_added"] = after["outbox"] - before["outbox"]
        result["durable"] = result["outbox_rows_added"] == result["stored"]
        result["routing_lag_s"] = await srv.routed(http) if srv.worker else None
        handled = sum(result["statuses"].values())
        result["server_cpu_us_per_webhook"] = 1e6 * result["server_cpu_s"] / handled if handled else None
        if "statements" in after and handled:
            # Every statement the server sent while this run's webhooks were received and routed.
            routed = await srv.state(http)
            result["statements_per_webhook"] = (routed["statements"] - before["statements"]) / handled
        self.cases.setdefault(f"{case}/{srv.key}", {"case": case, "server": srv.key, "label": srv.label, "reps": []})[
            "reps"
        ].append(result)
        errors = {k: v for k, v in result["statuses"].items() if k[0] != "2"} | result["failures"]
        self.log(
            f"  {case:9} {srv.label:28} {result['ok_per_s']:7.0f} 2xx/s  median {result['median_ms']:7.2f} ms  "
            f"p99 {result['p99_ms']:8.2f} ms  lag p99 {result.get('send_lag_p99_ms') or 0:6.2f} ms  "
            f"cpu {result['server_cpu_us_per_webhook'] or 0:6.0f} us/wh  "
            f"stmts/wh {result.get('statements_per_webhook', 0):4.2f}  routed +{result['routing_lag_s'] or 0:.1f}s"
            + ("" if result["durable"] else f"  DURABILITY {result['outbox_rows_added']} rows vs {result['stored']}")
            + (f"  ERRORS {errors}" if errors else "")
        )
        return result

    async def run(self) -> None:
        from tests.fakes import FakeSlack

        args = self.args
        async with contextlib.AsyncExitStack() as stack:
            fake = await stack.enter_async_context(FakeSlack())
            fake.enforce_rate("chat.postMessage", per_channel_per_second=1.0)
            http = await stack.enter_async_context(aiohttp.ClientSession())
            wanted = args.databases.split(",")
            if "postgres" in wanted and (reason := await postgres_reason(args.pg_url)):
                self.skipped["postgres"] = reason
                self.log(f"skipping PostgreSQL: {reason}")
                wanted.remove("postgres")
            specs: list[tuple[str, str, JSON]] = [("raw", "raw aiohttp handler (baseline)", {"mode": "raw"})]
            trees = [("", args.bot_src)] + ([("@before", args.baseline_src)] if args.baseline_src else [])
            for suffix, src in trees:
                tag = " [before]" if suffix else ""
                for database in wanted:
                    name = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[database]
                    variants: list[tuple[str, str, JSON]] = [("", "", {})]
                    if args.receiver_alone and not suffix:
                        receiver = {"no_worker": True, "cases": frozenset({"max"})}
                        variants.append(("-receiver", ", receiver alone (worker stopped)", receiver))
                    for variant, what, extra in variants:
                        spec: JSON = {"mode": "bot", "src": src, **extra}
                        if database == "sqlite":
                            spec["database"] = f"sqlite:///{self.workdir / f'intake-{uuid.uuid4().hex[:6]}.db'}"
                        else:
                            spec["schema"] = f"bench_intake_{uuid.uuid4().hex[:8]}"
                            spec["database"] = args.pg_url
                            self.schemas.append(spec["schema"])
                        specs.append((f"{database}{variant}{suffix}", f"bot, {name}{what}{tag}", spec))
            try:
                servers = await asyncio.gather(
                    *(
                        stack.enter_async_context(
                            server(
                                self.logs,
                                key=key,
                                label=label,
                                slack_api_url=fake.api_url,
                                workdir=self.workdir,
                                **spec,
                            )
                        )
                        for key, label, spec in specs
                    )
                )
                self.servers.extend(servers)
                # Warm every server: first requests pay imports, statement caches, the hook secret lookup.
                for srv in self.servers:
                    await run_load(
                        self.logs, self.plan(srv, rate=100, warmup_s=0.0, duration_s=0.3 if args.quick else 1.0)
                    )
                    await srv.routed(http)
                for rep in range(args.reps):
                    self.log(f"rep {rep + 1}/{args.reps}")
                    # Rotate the order of the servers each repetition, so none always runs first.
                    n = rep % len(self.servers)
                    order = self.servers[n:] + self.servers[:n]
                    for rate in args.rates:
                        for srv in order:
                            if srv.runs(f"open_{rate}"):
                                await self.measure(http, srv, f"open_{rate}", self.plan(srv, rate=rate))
                    for connections in args.connections:
                        for srv in order:
                            if srv.runs(f"max_{connections}"):
                                plan = self.plan(srv, connections=connections)
                                await self.measure(http, srv, f"max_{connections}", plan)
            finally:
                await stack.aclose()
                for schema in self.schemas:
                    with contextlib.suppress(Exception):
                        await drop_schema(args.pg_url, schema)


# ---------------------------------------------------------------------------------------------- table


def render(report: JSON) -> tuple[str, JSON]:
    cases: dict[str, JSON] = report["cases"]
    servers: list[tuple[str, str]] = report["servers"]
    rates: list[int] = report["settings"]["rates"]
    verdicts: JSON = {}

    best: dict[str, JSON] = {}  # "max/<server>": the best closed loop of each repetition

    def reps(case: str, srv: str) -> list[JSON]:
        found: list[JSON] = (cases.get(f"{case}/{srv}") or best.get(f"{case}/{srv}") or {}).get("reps", [])
        return found

    def per_rep_ratio(case: str, srv: str, field: str) -> list[float]:
        return [
            mine[field] / base[field]
            for mine, base in zip(reps(case, srv), reps(case, "raw"), strict=False)
            if base.get(field) and mine.get(field) is not None and not math.isnan(mine[field])
        ]

    def med(values: Sequence[float]) -> float:
        present = [v for v in values if v is not None and not math.isnan(v)]
        return statistics.median(present) if present else math.nan

    header = [
        "server",
        "load",
        "2xx/s",
        "median ms",
        "p99 ms",
        "p99 vs raw",
        "rate vs raw",
        "server CPU µs/webhook",
        "CPU vs raw",
        "DB statements/webhook",
        "routing caught up after",
        "target",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    closed = [f"max_{n}" for n in report["settings"]["connections"]]
    # The highest durable rate: per repetition, the best closed loop of each server.
    for srv, _label in servers:
        by_rep = zip(*(reps(case, srv) for case in closed), strict=False)
        if best_runs := [max(runs, key=lambda r: r["ok_per_s"]) for runs in by_rep]:
            best[f"max/{srv}"] = {"reps": best_runs}
    for case in [f"open_{r}" for r in rates] + closed + ["max"]:
        for srv, label in servers:
            rs = reps(case, srv)
            if not rs:
                continue
            is_raw = srv == "raw"
            target = ""
            if case.startswith("max") and rs[0]["routing_lag_s"] is None and not is_raw:
                target = "for reference: nothing routed or sent"
            if case == f"open_{P99_TARGET_RATE}" and not is_raw:
                p99 = med([r["p99_ms"] for r in rs])
                met = p99 < P99_TARGET_MS and all(r["durable"] for r in rs)
                verdicts[f"p99 at {P99_TARGET_RATE}/s, {label}"] = {"value": p99, "target": P99_TARGET_MS, "met": met}
                target = f"p99 < {P99_TARGET_MS:.0f} ms: " + ("met" if met else "**missed**")
            if case == "max" and not is_raw and rs[0]["routing_lag_s"] is not None:
                ratio = med(per_rep_ratio("max", srv, "ok_per_s"))
                met = ratio >= RATE_RATIO_TARGET and all(r["durable"] for r in rs)
                verdicts[f"durable rate, {label}"] = {"value": ratio, "target": RATE_RATIO_TARGET, "met": met}
                target = f"≥ {RATE_RATIO_TARGET}× raw: " + ("met" if met else "**missed**")
            if not all(r["durable"] for r in rs):
                target += " (durability check FAILED)"
            errors = sum(v for r in rs for k, v in r["statuses"].items() if k[0] != "2") + sum(
                sum(r["failures"].values()) for r in rs
            )
            if errors:
                target += f" ({errors} non-2xx/failed)"
            if case.startswith("open_"):
                load_text = f"open {case.removeprefix('open_')}/s"
            elif case == "max":
                load_text = (
                    "**highest rate** (best closed loop: "
                    + ", ".join(sorted({f"{r['connections']}" for r in rs}))
                    + " conns)"
                )
            else:
                load_text = f"closed, {rs[0]['connections']} conns"
            lines.append(
                "| "
                + " | ".join(
                    [
                        label,
                        load_text,
                        spread([r["ok_per_s"] for r in rs]),
                        spread([r["median_ms"] for r in rs], "{:.1f}"),
                        spread([r["p99_ms"] for r in rs], "{:.1f}"),
                        "–" if is_raw else spread(per_rep_ratio(case, srv, "p99_ms"), "{:.1f}×"),
                        "–"
                        if is_raw or not case.startswith("max")
                        else spread(per_rep_ratio(case, srv, "ok_per_s"), "{:.2f}×"),
                        spread([r["server_cpu_us_per_webhook"] for r in rs]),
                        "–" if is_raw else spread(per_rep_ratio(case, srv, "server_cpu_us_per_webhook"), "{:.1f}×"),
                        "–" if is_raw else spread([r.get("statements_per_webhook") for r in rs], "{:.2f}"),
                        "–"
                        if is_raw or rs[0]["routing_lag_s"] is None
                        else spread([r["routing_lag_s"] for r in rs], "{:.1f} s"),
                        target,
                    ]
                )
                + " |"
            )
    lag = [r["send_lag_p99_ms"] for c in cases.values() for r in c["reps"] if r.get("send_lag_p99_ms") is not None]
    lines += footer(
        report,
        f"Medians of {report['settings']['reps']} repetitions (min–max in brackets); every ratio is against the raw "
        f"handler in the same repetition. Open loop: latency from each webhook's scheduled send time "
        f"({report['settings']['warmup']:g} s warm-up, {report['settings']['duration']:g} s measured); the load "
        f"generator's own send lag stayed under {max(lag, default=0):.1f} ms (p99, worst run). Bodies "
        f"{report['body_bytes']} bytes, signed service hooks, distinct event ids.",
    )
    return "\n".join(lines), verdicts


# ---------------------------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.intake", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="seconds: checks that every case runs (for CI)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds sent before each measured window")
    parser.add_argument("--rates", default="100,500,1000", help="open-loop rates, webhooks a second")
    parser.add_argument(
        "--connections", default="32,128", help="connection counts of the closed loops (the highest rate is the best)"
    )
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--out", type=Path, default=RESULTS / "intake.json")
    parser.add_argument("--bot-src", type=Path, default=procs.REPO, help="run the bot of this source tree")
    parser.add_argument(
        "--no-receiver-alone",
        dest="receiver_alone",
        action="store_false",
        help="skip the max-rate rows of the bot with its worker stopped (the receiver's own cost)",
    )
    parser.add_argument(
        "--baseline-src",
        type=Path,
        default=None,
        help="also run the bot of this tree (a folder holding `bot/`), interleaved: before/after",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.reps, args.duration, args.warmup, args.receiver_alone = 1, 0.3, 0.1, False
        if args.rates == "100,500,1000":
            args.rates = "100"
        if args.out == RESULTS / "intake.json":
            args.out = RESULTS / "intake-quick.json"
    args.rates = [int(r) for r in str(args.rates).split(",") if r]
    args.connections = [int(c) for c in str(args.connections).split(",") if c]
    return args


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:
        parser = argparse.ArgumentParser(prog="python -m bench.intake serve")
        parser.add_argument("--mode", choices=["raw", "bot"], required=True)
        parser.add_argument("--port", type=int, required=True)
        parser.add_argument("--database", default=None)
        parser.add_argument("--schema", default=None)
        parser.add_argument("--slack-api-url", required=True)
        parser.add_argument("--channels", type=int, default=CHANNELS)
        parser.add_argument("--no-worker", action="store_true", help="diagnosis: receive and store only")
        asyncio.run(serve(parser.parse_args(argv[1:])))
        return 0
    if argv[:1] == ["load"]:
        result = asyncio.run(load(json.loads(sys.stdin.read())))
        print(json.dumps({"result": result}), flush=True)
        return 0

    args = parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    info = procs.machine()
    logs = args.out.parent / "logs-intake"
    logs.mkdir(parents=True, exist_ok=True)
    for old in logs.glob("*.log"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="sentry-bot-intake-") as tmp:
        bench = Bench(args, logs, Path(tmp))
        asyncio.run(bench.run())
    body, _ = Bodies(tag="00000000").make(0)
    report = {
        "command": "python -m bench.intake" + (" --quick" if args.quick else ""),
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": info,
        "body_bytes": len(body),
        "servers": [(s.key, s.label) for s in bench.servers],
        "bot_src": str(args.bot_src),
        "repo": str(procs.REPO),
        "skipped": bench.skipped,
        "load_avg_at_end": os.getloadavg(),
        "wall_s": time.monotonic() - started,
        "cases": bench.cases,
    }
    publish(report, *render(report), args.out, logs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
