"""Webhooks mutated from our payload builders, sent signed through the real intake into the real
worker, then accounted for: the fuzz test (`test_fuzz.py`) and its long run share this.

    webhooks = mutated(random.Random(seed), count=1000)
    tally = await run(pipeline, webhooks)   # statuses, and what became of every stored webhook
    tally.unaccounted == []

Mutations: dropped keys, nulls, wrong types, huge and non-finite numbers, lone surrogates and NUL
characters, long strings, deep nesting, 5 MB bodies, truncated bodies, bodies that are no object,
duplicate Request-IDs (and repeated service hook bodies), unknown resources.
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from bot.store import Database
from bot.store.alerts import deliveries, webhook_drops, webhook_outbox, webhook_quarantine
from tests.alerts.harness import CLIENT_SECRET, HOOK_GUID, HOOK_SECRET, Pipeline
from tests.alerts.payloads import (
    comment,
    error_created,
    event_alert,
    hook_payload,
    installation,
    issue_payload,
    metric_alert,
)
from tests.fakes import sentry_app_headers, service_hook_headers

__all__ = ["SUBSCRIPTIONS", "Tally", "Webhook", "mutated", "run"]

# Where the fuzzed alerts may land (projects the builders name, and one nobody subscribed to).
SUBSCRIPTIONS = [("CFRONT", "front-end", ()), ("CBAR", "bar", ()), ("CWEB", "web", ("--events", "alert,error"))]
_PROJECTS = ["front-end", "bar", "web", "nobody"]
_ISSUES = [str(n) for n in range(1, 25)]


@dataclass
class Webhook:
    body: bytes
    headers: dict[str, str]
    mutations: list[str]


def _bases(r: random.Random) -> tuple[str | None, dict[str, Any]]:
    """A well-formed webhook: its Sentry-Hook-Resource (None: a service hook) and its payload."""
    issue, project = r.choice(_ISSUES), r.choice(_PROJECTS)
    choices: list[Callable[[], tuple[str | None, dict[str, Any]]]] = [
        lambda: (None, hook_payload(issue=issue, event=uuid.UUID(int=r.getrandbits(128)).hex, project=project)),
        lambda: (
            "issue",
            issue_payload(
                r.choice(["created", "resolved", "unresolved", "assigned", "archived", "ignored"]), issue=issue
            ),
        ),
        lambda: ("event_alert", event_alert(issue=issue, project=project)),
        lambda: ("metric_alert", metric_alert(r.choice(["critical", "warning", "resolved"]), incident=issue)),
        lambda: ("comment", comment(r.choice(["created", "updated", "deleted"]), issue=issue)),
        lambda: ("error", error_created(issue=issue, project=project)),
        lambda: ("installation", installation(r.choice(["created", "deleted"]))),
    ]
    return r.choice(choices)()


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*path, i))
    return found


def _set(payload: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        payload = payload[step]
    payload[path[-1]] = value


def _drop(payload: Any, path: tuple[Any, ...]) -> None:
    for step in path[:-1]:
        payload = payload[step]
    if isinstance(payload, dict):
        payload.pop(path[-1], None)
    else:
        payload.pop(path[-1])


_WRONG = [[], {}, 0, -1, "x", "", True, 1.5, [1, 2], {"a": 1}, "null", "1170820242 "]
_RAW = ["1e400", "-1e400", "Infinity", "-Infinity", "NaN", str(2**63), str(2**64 + 1), str(-(2**63) - 1), str(10**80)]


def _mutate(r: random.Random, payload: dict[str, Any], raw: dict[str, str], names: list[str]) -> None:
    paths = _paths(payload)
    if not paths:
        return
    path = r.choice(paths)
    kind = r.choice(["drop", "null", "wrong", "raw", "surrogate", "nul", "long", "deep"])
    names.append(kind)
    if kind == "drop":
        _drop(payload, path)
    elif kind == "null":
        _set(payload, path, None)
    elif kind == "wrong":
        _set(payload, path, r.choice(_WRONG))
    elif kind == "surrogate":
        _set(payload, path, r.choice(["\ud83d", "TypeError: cut \ud83d", "\udc00x", "1170820242\ud83d"]))
    elif kind == "nul":
        _set(payload, path, "a\x00b")
    elif kind == "long":
        _set(payload, path, "y" * r.choice([100, 5000, 100_000]))
    else:
        placeholder = f"@@raw{len(raw)}@@"
        depth = r.choice([50, 900, 1100, 3000])
        raw[placeholder] = r.choice(_RAW) if kind == "raw" else "[" * depth + "]" * depth
        _set(payload, path, placeholder)


def _encode(payload: dict[str, Any], raw: dict[str, str]) -> bytes:
    text = json.dumps(payload)  # lone surrogates escaped, as Sentry (Python's json) sends them
    for placeholder, token in raw.items():
        text = text.replace(json.dumps(placeholder), token)
    return text.encode()


def mutated(r: random.Random, *, count: int) -> list[Webhook]:
    """`count` webhooks, about a quarter well-formed, the others mutated one to three times."""
    webhooks: list[Webhook] = []
    request_ids: list[str] = []
    for _ in range(count):
        resource, payload = _bases(r)
        raw: dict[str, str] = {}
        names: list[str] = []
        if r.random() < 0.75:
            for _ in range(r.randint(1, 3)):
                _mutate(r, payload, raw, names)
        body = _encode(payload, raw)
        roll = r.random()
        if roll < 0.02:
            names.append("5mb")
            body = body[:-1] + b', "padding": "' + b"z" * (5 * 1024 * 1024) + b'"}'
        elif roll < 0.04:
            names.append("truncated")
            body = body[: len(body) // 2]
        elif roll < 0.05:
            names.append("not-an-object")
            body = r.choice([b"[]", b"5", b'"text"', b"null"])
        if resource is None:
            if r.random() < 0.05 and webhooks:
                names.append("repeated")
                previous = r.choice(webhooks)
                webhooks.append(Webhook(previous.body, previous.headers, [*previous.mutations, *names]))
                continue
            headers = service_hook_headers(HOOK_SECRET, body, guid=HOOK_GUID)
        else:
            if r.random() < 0.05:
                names.append("unknown-resource")
                resource = r.choice(["widget", "seer", "ISSUE", "issue ", "preprod_artifact"])
            request_id = str(uuid.UUID(int=r.getrandbits(128)))
            if request_ids and r.random() < 0.05:
                names.append("duplicate-request-id")
                request_id = r.choice(request_ids)
            request_ids.append(request_id)
            headers = sentry_app_headers(CLIENT_SECRET, body, resource=resource, request_id=request_id)
        webhooks.append(Webhook(body, headers, names))
    return webhooks


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    accepted: int = 0  # answered 2xx
    stored: int = 0  # answered {"stored": true}
    # delivered, digested, skipped, quarantined, dropped:<reason>, slack refused:<error>
    outcomes: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)  # the error each 4xx gave
    server_errors: list[list[str]] = field(default_factory=list)  # the mutations of each 5xx
    unaccounted: list[int] = field(default_factory=list)  # outbox ids with no outcome

    def report(self) -> str:
        refused = sum(n for status, n in self.statuses.items() if 400 <= status < 500)
        lines = [
            f"sent {sum(self.statuses.values())}: accepted {self.accepted} (stored {self.stored}, "
            f"repeats or ignored {self.accepted - self.stored}), refused with 4xx {refused}, 5xx {len(self.server_errors)}",
            f"statuses {dict(sorted(self.statuses.items()))}",
            "refusals: " + "; ".join(f"{k}: {v}" for k, v in self.refusals.most_common()),
            "stored webhooks: " + ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items())),
            f"unaccounted {len(self.unaccounted)}",
        ]
        return "\n".join(lines)


async def run(pipeline: Pipeline, webhooks: list[Webhook], *, concurrency: int = 16, timeout: float = 60.0) -> Tally:  # noqa: ASYNC109
    """Send every webhook (`concurrency` at a time), wait for the pipeline to drain, account for each."""
    tally = Tally()
    gate = asyncio.Semaphore(concurrency)

    async def send(webhook: Webhook) -> None:
        async with gate, pipeline.session.post(pipeline.url, data=webhook.body, headers=webhook.headers) as resp:
            answer = await resp.json(content_type=None)
        tally.statuses[resp.status] += 1
        if resp.status >= 500:
            tally.server_errors.append(webhook.mutations)
        elif resp.status >= 400:
            tally.refusals[f"{resp.status} {answer.get('error')}"] += 1
        elif resp.status < 300:
            tally.accepted += 1
            tally.stored += bool(answer.get("stored"))

    await asyncio.gather(*(send(w) for w in webhooks))
    await pipeline.drained(timeout=timeout)
    await _account(pipeline.db, tally)
    return tally


async def _account(db: Database, tally: Tally) -> None:
    o, d = webhook_outbox.c, deliveries.c
    async with db.read() as conn:
        rows = (await conn.execute(select(o.id, o.routed_at).where(o.source != "slack"))).all()
        dead = set((await conn.execute(select(webhook_quarantine.c.outbox_id))).scalars())
        dropped = dict((await conn.execute(select(webhook_drops.c.outbox_id, webhook_drops.c.reason))).all())
        calls: dict[int, set[str]] = {}
        errors: dict[int, str] = {}
        found = await conn.execute(select(d.outbox_id, d.status, d.error).where(d.outbox_id.is_not(None)))
        for outbox_id, status, error in found:
            calls.setdefault(outbox_id, set()).add(status)
            if error:
                errors[outbox_id] = error
    for row in rows:
        statuses = calls.get(row.id, set())
        if row.routed_at is None:
            tally.unaccounted.append(row.id)
        elif row.id in dead:
            tally.outcomes["quarantined"] += 1
        elif row.id in dropped:
            tally.outcomes[f"dropped:{dropped[row.id]}"] += 1
        elif "sent" in statuses:
            tally.outcomes["delivered"] += 1
        elif "digested" in statuses:
            tally.outcomes["digested"] += 1
        elif statuses == {"skipped"}:
            # Updates of a message never posted (its alert went into a digest): nothing to call.
            tally.outcomes["skipped"] += 1
        elif "failed" in statuses and row.id in errors:
            tally.outcomes[f"slack refused:{errors[row.id]}"] += 1
        else:
            tally.unaccounted.append(row.id)
