"""The helper process: the fake Slack (Web API + response_url sink) and the Sentry stand-in.

    python -m bench.fakes [--latency 0.05] [--extra-issues 200]

Prints one JSON line with the URLs once both listen, then serves until killed. Nothing here is
written twice: it runs the test suite's `FakeSlack` and the bot's own `bot.sandbox`, and adds only
what a benchmark needs on top:

- every answer accepted at a response_url is announced, with its arrival time
  (`time.monotonic()`, one clock for every process on Linux), to the load generators listening on
  the `/control/answers` websocket; the answer itself is then dropped so 100,000 commands do not
  pile up here;
- the stand-in gets `--extra-issues` more issues (`WEB-<n>`, n from `EXTRA_BASE`), made from the
  seeded data objects, and an index by short ID (the stand-in scans every issue per lookup);
- issues `WEB-<n>` for n >= `SYNTHETIC_BASE` exist on first lookup, so a cold-cache run or the memory
  run can ask for as many distinct issues as it likes;
- `/control/stats`, `/control/reset` and `/control/config` (Sentry latency, Sentry rate limit).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import socket
import sys
import time
from collections import Counter
from typing import Any

from aiohttp import WSMsgType, web

from bot.sandbox import SandboxState, run_sandbox, seed_state
from bot.sandbox.records import SHORT_ID_ALPHABET, Activity, Issue
from bot.sandbox.state import SandboxData
from tests.fakes import FakeSlack

from .common import EXTRA_BASE, SYNTHETIC_BASE, SYNTHETIC_PROJECT, member_email, user_ids

JSON = dict[str, Any]


def decode_suffix(suffix: str) -> int | None:
    """The per-project number behind a short ID's suffix (`12A` -> 1098); None if not one."""
    number = 0
    for char in suffix:
        digit = SHORT_ID_ALPHABET.find(char)
        if digit < 0:
            return None
        number = number * 32 + digit
    return number


class BenchSentry:
    """The seeded stand-in, extended through its data objects (no file under bot/sandbox changes)."""

    def __init__(self, state: SandboxState, extra_issues: int) -> None:
        self.state = state
        self.rate_limit: int | None = None  # None: the stand-in's own per-endpoint limits
        data = state.data
        self.prefix = data.projects[SYNTHETIC_PROJECT].short_prefix
        self.template = next(i for i in data.issues.values() if i.project_slug == SYNTHETIC_PROJECT)
        self.by_short_id: dict[str, Issue] = {data.short_id(i): i for i in data.issues.values()}
        for n in range(extra_issues):
            self._materialize(EXTRA_BASE + n)
        self.extra_issues = extra_issues
        self.synthesized = 0
        # The stand-in's lookup scans every issue; with 100,000 of them that would be the bottleneck.
        data.issue_by_short_id = self.issue_by_short_id  # type: ignore[method-assign]
        original = state.count_request

        def count_request(endpoint: str, limit: int) -> Any:
            return original(endpoint, self.rate_limit or limit)

        state.count_request = count_request  # type: ignore[method-assign]

    @property
    def data(self) -> SandboxData:
        return self.state.data

    def _materialize(self, number: int) -> Issue:
        issue_id = str(6_600_000_000 + number)
        t = self.template
        issue = dataclasses.replace(
            t,
            id=issue_id,
            number=number,
            title=f"{t.title} (bench #{number})",
            metadata=dict(t.metadata),
            status_details={},
            activity=[Activity(id=f"{issue_id}0", type="first_seen", date_created=t.first_seen)],
        )
        self.data.issues[issue_id] = issue
        self.by_short_id[self.data.short_id(issue)] = issue
        return issue

    def issue_by_short_id(self, short_id: str) -> Issue | None:
        wanted = short_id.upper()
        found = self.by_short_id.get(wanted)
        if found is not None:
            return found
        prefix, _, suffix = wanted.rpartition("-")
        number = decode_suffix(suffix) if prefix == self.prefix else None
        if number is None or number < SYNTHETIC_BASE:
            return None
        self.synthesized += 1
        return self._materialize(number)


class BenchSlack(FakeSlack):
    """`FakeSlack`, announcing each accepted answer to the listeners and then forgetting it."""

    def __init__(self) -> None:
        super().__init__()
        self.validate_blocks = False  # the smoke test checks real answers; here only arrival counts
        self.listeners: set[web.WebSocketResponse] = set()
        self.answers: Counter[str] = Counter()  # "ok" / "error"
        self._pending: list[str] = []
        self._flush_scheduled = False
        self._sending: set[asyncio.Task[None]] = set()

    async def _response_url(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        key = request.match_info["key"]
        response = await super()._response_url(request)
        if response.status == 200:
            body = self._responses.pop(key).accepted[-1]
            kind = "error" if str(body.get("text", "")).startswith("⚠️") else "ok"
            self.answers[kind] += 1
            self._announce(f"{key} {arrived:.6f} {kind}")
        return response

    def _announce(self, line: str) -> None:
        if not self.listeners:
            return
        # Batched per loop iteration: one websocket frame for all answers that arrived together.
        self._pending.append(line)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        lines, self._pending, self._flush_scheduled = "\n".join(self._pending), [], False
        for ws in list(self.listeners):
            if not ws.closed:
                task = asyncio.ensure_future(ws.send_str(lines))
                self._sending.add(task)
                task.add_done_callback(self._sending.discard)


def _control_app(slack: BenchSlack, sentry: BenchSentry) -> web.Application:
    app = web.Application()

    async def stats(_: web.Request) -> web.Response:
        requests = sentry.state.requests
        ops = Counter(_operation(r.path) for r in requests)
        return web.json_response(
            {
                "sentry_requests": len(requests),
                "sentry_by_operation": dict(ops),
                "answers": dict(slack.answers),
                "answers_refused": sum(r.refused for r in slack._responses.values()),
                "slack_calls": dict(Counter(c.method for c in slack.calls)),
                "synthesized_issues": sentry.synthesized,
            }
        )

    async def reset(_: web.Request) -> web.Response:
        sentry.state.requests.clear()
        slack.calls.clear()
        slack.answers.clear()
        return web.json_response({"ok": True})

    async def config(request: web.Request) -> web.Response:
        body = await request.json()
        if "sentry_latency" in body:
            sentry.state.latency = float(body["sentry_latency"])
        if "sentry_rate_limit" in body:
            sentry.rate_limit = int(body["sentry_rate_limit"]) if body["sentry_rate_limit"] else None
        return web.json_response({"latency": sentry.state.latency, "rate_limit": sentry.rate_limit})

    async def answers(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        slack.listeners.add(ws)
        try:
            async for msg in ws:
                if msg.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                    break
        finally:
            slack.listeners.discard(ws)
        return ws

    app.router.add_get("/control/stats", stats)
    app.router.add_post("/control/reset", reset)
    app.router.add_post("/control/config", config)
    app.router.add_get("/control/answers", answers)
    return app


def _operation(path: str) -> str:
    """`/api/0/organizations/acme/shortids/WEB-1/` -> `shortids` (what the call was for)."""
    parts = [p for p in path.split("/") if p]
    return parts[4] if len(parts) > 4 and parts[2] == "organizations" else "/".join(parts[2:3])


def _listen() -> tuple[socket.socket, int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock, sock.getsockname()[1]


async def serve(latency: float, extra_issues: int, users: int) -> None:
    state = seed_state()
    state.latency = latency
    sentry = BenchSentry(state, extra_issues)
    async with BenchSlack() as slack, run_sandbox(state, host="127.0.0.1", port=0) as sentry_url:
        for user in user_ids(users):
            slack.users[user] = {"email": member_email(user), "name": user.lower()}
        runner = web.AppRunner(_control_app(slack, sentry), access_log=None, handle_signals=False)
        await runner.setup()
        sock, port = _listen()
        await web.SockSite(runner, sock).start()
        print(
            json.dumps(
                {
                    "slack_api_url": slack.api_url,
                    "response_base": slack.base_url + "response/",
                    "sentry_url": sentry_url,
                    "control_url": f"http://127.0.0.1:{port}/control/",
                    "extra_issues": extra_issues,
                }
            ),
            flush=True,
        )
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fakes")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds the stand-in adds to each API answer")
    parser.add_argument("--extra-issues", type=int, default=200)
    parser.add_argument("--users", type=int, default=10_000, help="Slack users the fake directory knows")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.latency, args.extra_issues, args.users))
    return 0


if __name__ == "__main__":
    sys.exit(main())
