"""POST /sentry/webhook over real HTTP: every kind of webhook through to Slack, and every refusal."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.alerts.hooks import HookSecrets
from bot.alerts.receiver import MAX_BODY_BYTES
from bot.metrics import REGISTRY
from bot.store import Database
from bot.store.alerts import webhook_outbox
from tests.alerts.harness import (
    CLIENT_SECRET,
    HOOK_GUID,
    HOOK_SECRET,
    Pipeline,
    encode,
    hook_payload,
    messages,
    posts,
    text_of,
)
from tests.alerts.payloads import comment, event_alert, installation, issue_payload, metric_alert
from tests.fakes import FakeSlack, sentry_app_headers, service_hook_headers


async def stored(db: Database) -> int:
    async with db.read() as conn:
        return await conn.scalar(select(func.count()).select_from(webhook_outbox)) or 0


# ---------------------------------------------------------------------- every kind, end to end


async def test_every_kind_of_webhook_is_accepted_and_reaches_the_subscribed_channel(pipeline: Pipeline) -> None:
    await pipeline.subscribe("CFRONT", "front-end")  # the service hook, event alert and issue
    await pipeline.subscribe("CBAR", "bar")  # the metric alert

    assert await pipeline.service_hook(hook_payload()) == 200
    assert await pipeline.sentry_app("event_alert", event_alert()) == 200
    assert await pipeline.sentry_app("issue", issue_payload("created")) == 200
    assert await pipeline.sentry_app("metric_alert", metric_alert("resolved")) == 200
    assert await pipeline.sentry_app("comment", comment("created")) == 200
    status, answer = await pipeline.post(
        body := encode(installation("created")),
        sentry_app_headers(CLIENT_SECRET, body, resource="installation"),
    )
    assert (status, answer["stored"]) == (200, False)  # acknowledged, nothing to post
    await pipeline.drained()

    parents = messages(pipeline.fake, "CFRONT", thread=False)
    # One message per issue: the service hook's issue, and the event alert's issue with its rule.
    assert len(parents) == 2
    (hook_parent,) = [m for m in parents if "blooopy is not defined" in text_of(m)]
    assert any("heck is not defined" in text_of(m) and "Very Important Alert Rule!" in text_of(m) for m in parents)
    # issue.created is about the service hook's issue: it goes in that issue's thread.
    replies = messages(pipeline.fake, "CFRONT", thread=True)
    assert [r["thread_ts"] for r in replies] == [hook_parent["ts"]]
    (metric,) = posts(pipeline.fake, "CBAR")
    assert "Resolved: Too many errors" in text_of(metric)
    assert "1000 events in the last 10 minutes" in text_of(metric)
    # The comment is about issue 100, which no channel has a message for: nothing to thread it under.
    assert pipeline.fake.count("chat.postMessage", ok=False) == 0
    assert len(pipeline.fake.calls_to("chat.postMessage")) == 4


async def test_an_alert_for_an_unsubscribed_project_is_stored_but_posted_nowhere(pipeline: Pipeline) -> None:
    assert await pipeline.service_hook(hook_payload()) == 200
    await pipeline.drained()
    assert await stored(pipeline.db) == 1
    assert pipeline.fake.count("chat.postMessage") == 0


async def test_a_lone_surrogate_in_an_event_title_is_accepted_stored_and_posted(pipeline: Pipeline) -> None:
    """JavaScript SDKs can cut an emoji in half: `"\\ud83d"` is valid JSON that orjson refuses."""
    await pipeline.subscribe("C1", "front-end")
    payload = hook_payload(title="TypeError: cannot read \ud83d")
    body = encode(payload)
    assert b"\\ud83d" in body  # escaped, as Sentry sends it

    status, _ = await pipeline.post(body, service_hook_headers(HOOK_SECRET, body, guid=HOOK_GUID))

    assert status == 200
    await pipeline.drained()
    assert "TypeError: cannot read" in text_of(messages(pipeline.fake, "C1")[0])


# ---------------------------------------------------------------------- signatures


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda body: service_hook_headers("wrong-secret", body, guid=HOOK_GUID), id="hook-wrong-secret"),
        pytest.param(lambda body: service_hook_headers(HOOK_SECRET, body + b" ", guid=HOOK_GUID), id="hook-other-body"),
        pytest.param(
            lambda body: {**service_hook_headers(HOOK_SECRET, body, guid=HOOK_GUID), "X-ServiceHook-Signature": ""},
            id="hook-empty-signature",
        ),
        pytest.param(
            lambda body: {
                k: v for k, v in service_hook_headers(HOOK_SECRET, body, guid=HOOK_GUID).items() if "Signature" not in k
            },
            id="hook-no-signature",
        ),
        pytest.param(lambda body: service_hook_headers(HOOK_SECRET, body, guid="unknown-guid"), id="hook-unknown-guid"),
        pytest.param(lambda body: sentry_app_headers("wrong", body, resource="issue"), id="app-wrong-secret"),
        pytest.param(
            lambda body: {
                k: v
                for k, v in sentry_app_headers(CLIENT_SECRET, body, resource="issue").items()
                if k != "Sentry-Hook-Signature"
            },
            id="app-no-signature",
        ),
        pytest.param(lambda body: {"Content-Type": "application/json"}, id="no-sentry-headers"),
    ],
)
async def test_a_bad_or_missing_signature_is_refused_with_401(pipeline: Pipeline, headers) -> None:  # type: ignore[no-untyped-def]
    body = encode(hook_payload())
    status, answer = await pipeline.post(body, headers(body))
    assert status == 401
    assert answer["ok"] is False and answer["error"]
    assert await stored(pipeline.db) == 0


async def test_sentry_app_webhooks_are_refused_without_a_client_secret(fake_slack: FakeSlack, db: Database) -> None:
    async with Pipeline.start(fake_slack, db, client_secret=None) as pipeline:
        body = encode(issue_payload("created"))
        status, answer = await pipeline.post(body, sentry_app_headers(CLIENT_SECRET, body, resource="issue"))
    assert status == 401
    assert "SENTRY_CLIENT_SECRET" in answer["error"]


async def test_a_stored_hook_secret_wins_over_the_configured_one(pipeline: Pipeline) -> None:
    """A hook the bot created has its secret in the database; SENTRY_SERVICE_HOOK_SECRETS is the fallback."""
    secrets = HookSecrets(pipeline.db, configured={})
    await secrets.save(HOOK_GUID, project="front-end", url="https://bot.example/sentry/webhook", secret="from-db")
    assert await pipeline.service_hook(hook_payload(event="e1"), secret="from-db") == 200
    assert await pipeline.service_hook(hook_payload(event="e2"), secret=HOOK_SECRET) == 401


# ---------------------------------------------------------------------- replays


async def test_the_same_sentry_app_delivery_twice_is_stored_once(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end")
    for _ in range(2):
        assert await pipeline.sentry_app("issue", issue_payload("created"), request_id="req-1") == 200
    await pipeline.drained()
    assert await stored(pipeline.db) == 1
    assert pipeline.fake.count("chat.postMessage") == 1


async def test_the_same_service_hook_event_twice_is_stored_once(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end")
    results = await asyncio.gather(*(pipeline.service_hook(hook_payload(event="e1")) for _ in range(5)))
    assert results == [200] * 5
    await pipeline.drained()
    assert await stored(pipeline.db) == 1
    assert pipeline.fake.count("chat.postMessage") == 1


# ---------------------------------------------------------------------- sizes and shapes


async def test_a_body_over_1_mib_is_refused_with_413(pipeline: Pipeline) -> None:
    body = json.dumps({"padding": "x" * MAX_BODY_BYTES}).encode()
    status, answer = await pipeline.post(body, service_hook_headers(HOOK_SECRET, body, guid=HOOK_GUID))
    assert status == 413
    assert "1 MiB" in answer["error"]


async def test_a_chunked_body_over_1_mib_is_refused_with_413(pipeline: Pipeline) -> None:
    """No Content-Length to trust: the size is checked while reading."""
    body = json.dumps({"padding": "x" * MAX_BODY_BYTES}).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    headers = service_hook_headers(HOOK_SECRET, body, guid=HOOK_GUID)
    async with pipeline.session.post(pipeline.url, data=chunks(), headers=headers) as resp:
        assert resp.status == 413
        assert "Content-Length" not in resp.request_info.headers


async def test_a_body_of_exactly_1_mib_is_accepted(pipeline: Pipeline) -> None:
    payload = hook_payload()
    filler = MAX_BODY_BYTES - len(encode({**payload, "pad": ""}))
    body = encode({**payload, "pad": "x" * filler})
    assert len(body) == MAX_BODY_BYTES
    status, _ = await pipeline.post(body, service_hook_headers(HOOK_SECRET, body, guid=HOOK_GUID))
    assert status == 200


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"', b""], ids=["broken", "array", "string", "empty"])
async def test_a_signed_body_that_is_not_a_json_object_is_refused_with_400(pipeline: Pipeline, body: bytes) -> None:
    status, answer = await pipeline.post(body, service_hook_headers(HOOK_SECRET, body, guid=HOOK_GUID))
    assert status == 400
    assert "JSON" in answer["error"]


async def test_an_unknown_resource_is_acknowledged_and_not_stored(pipeline: Pipeline) -> None:
    body = encode({"action": "created", "data": {}, "installation": {"uuid": "i-1"}})
    status, answer = await pipeline.post(body, sentry_app_headers(CLIENT_SECRET, body, resource="seer"))
    assert (status, answer["stored"]) == (200, False)
    assert await stored(pipeline.db) == 0


async def test_a_webhook_is_committed_before_the_answer(pipeline: Pipeline) -> None:
    """Once Sentry has its 2xx the delivery is in the database, whatever happens to the worker."""
    await pipeline.worker.stop()
    started = time.monotonic()
    assert await pipeline.service_hook(hook_payload()) == 200
    assert await stored(pipeline.db) == 1
    assert time.monotonic() - started < 5


async def test_outcomes_are_counted_for_metrics(pipeline: Pipeline) -> None:
    def seen(outcome: str) -> float:
        labels = {"kind": "service_hook", "outcome": outcome}
        return REGISTRY.get_sample_value("sentry_bot_webhooks_total", labels) or 0.0

    before = {o: seen(o) for o in ("stored", "duplicate", "bad_signature")}
    await pipeline.service_hook(hook_payload(event="m1"))
    await pipeline.service_hook(hook_payload(event="m1"))
    await pipeline.service_hook(hook_payload(event="m2"), secret="wrong")
    assert {o: seen(o) - before[o] for o in before} == {"stored": 1, "duplicate": 1, "bad_signature": 1}
