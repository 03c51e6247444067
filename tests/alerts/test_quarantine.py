"""One bad webhook never stops the others: what the bot cannot store is refused at intake (4xx,
so Sentry does not send it again), what it cannot parse or route is quarantined alone, and what
becomes no Slack call is recorded with the reason."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import insert, select

from bot.alerts.models import Alert, Drop
from bot.alerts.parse import MAX_COUNT
from bot.alerts.quarantine import quarantine_summary
from bot.metrics import REGISTRY
from bot.store import Database, RawJSON
from bot.store.alerts import webhook_drops, webhook_outbox, webhook_quarantine
from tests.alerts.harness import CLIENT_SECRET, HOOK_GUID, HOOK_SECRET, Pipeline, hook_payload, messages, text_of
from tests.alerts.payloads import comment, encode, issue_payload
from tests.fakes import FakeSlack, sentry_app_headers, service_hook_headers


def with_raw(payload: dict[str, Any], placeholder: str, raw: str) -> bytes:
    """The payload's JSON with the string `placeholder` replaced by the raw JSON text `raw`."""
    body = encode(payload).decode()
    assert json.dumps(placeholder) in body
    return body.replace(json.dumps(placeholder), raw).encode()


def with_count(raw: str, **fields: Any) -> bytes:
    """A service hook whose issue count is the raw JSON text `raw`."""
    payload = hook_payload(**fields)
    payload["group"]["count"] = "COUNT"
    return with_raw(payload, "COUNT", raw)


async def post_hook(pipeline: Pipeline, body: bytes) -> int:
    status, _ = await pipeline.post(body, service_hook_headers(HOOK_SECRET, body, guid=HOOK_GUID))
    return status


async def post_app(pipeline: Pipeline, resource: str, body: bytes) -> tuple[int, dict[str, Any]]:
    return await pipeline.post(body, sentry_app_headers(CLIENT_SECRET, body, resource=resource))


async def quarantined(db: Database) -> list[Any]:
    async with db.read() as conn:
        return list((await conn.execute(select(webhook_quarantine).order_by(webhook_quarantine.c.id))).all())


async def drops(db: Database) -> dict[int, str]:
    async with db.read() as conn:
        return dict((await conn.execute(select(webhook_drops.c.outbox_id, webhook_drops.c.reason))).all())


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# ---------------------------------------------------------------------- numbers and strings Sentry could send


@pytest.mark.parametrize("raw", ["1e400", str(2**63), str(2**70), "-5"], ids=["beyond-a-double", "2^63", "2^70", "neg"])
async def test_an_out_of_range_count_is_clamped_and_every_later_alert_still_arrives(
    pipeline: Pipeline, raw: str
) -> None:
    await pipeline.subscribe("C1", "front-end")
    assert await post_hook(pipeline, with_count(raw, issue="1", event="e1")) == 200
    assert await pipeline.service_hook(hook_payload(issue="2", event="e2", title="TypeError: the next one")) == 200
    await pipeline.drained()

    shown = [text_of(m) for m in messages(pipeline.fake, "C1", thread=False)]
    assert len(shown) == 2 and "the next one" in shown[1]
    if raw != "-5":
        assert f"{MAX_COUNT:,}" in shown[0] or str(MAX_COUNT) in shown[0]


async def test_a_lone_surrogate_in_an_issue_id_is_dropped_as_no_id_and_the_next_alert_arrives(
    pipeline: Pipeline,
) -> None:
    await pipeline.subscribe("C1", "front-end")
    bad = with_raw(hook_payload(issue="BAD", event="e1"), "BAD", '"\\ud83d"')
    assert await post_hook(pipeline, bad) == 200
    assert await pipeline.service_hook(hook_payload(issue="2", event="e2")) == 200
    await pipeline.drained()

    assert len(messages(pipeline.fake, "C1", thread=False)) == 1
    assert list((await drops(pipeline.db)).values()) == [Drop.NO_ID]


@pytest.mark.parametrize("raw", ["Infinity", "-Infinity", "NaN"])
async def test_nan_and_infinity_are_not_json_and_refused_with_400(pipeline: Pipeline, raw: str) -> None:
    status, answer = await pipeline.post(
        body := with_count(raw), service_hook_headers(HOOK_SECRET, body, guid=HOOK_GUID)
    )
    assert status == 400
    assert answer["error"] == "The body is not a JSON object."


async def test_json_nested_beyond_a_thousand_levels_is_refused_with_400(pipeline: Pipeline) -> None:
    """orjson reads 1024 levels; Python's json, which reads what orjson refuses, hits its recursion limit."""
    deep = with_count("[" * 1100 + "]" * 1100)
    status, answer = await pipeline.post(deep, service_hook_headers(HOOK_SECRET, deep, guid=HOOK_GUID))
    assert status == 400
    assert "nested too deeply" in answer["error"]


@pytest.mark.parametrize(
    "action",
    ['"\\ud83d"', '"created\\u0000"', '"' + "x" * 33 + '"', "5", "[]"],
    ids=["surrogate", "nul", "long", "n", "l"],
)
async def test_an_action_that_is_no_short_word_is_refused_with_400(pipeline: Pipeline, action: str) -> None:
    status, answer = await post_app(pipeline, "issue", with_raw(issue_payload("created"), "created", action))
    assert status == 400
    assert "`action` must be a word" in answer["error"]


async def test_a_body_that_is_not_utf8_is_refused_with_400(pipeline: Pipeline) -> None:
    body = encode(hook_payload(title="caf\xe9")).decode().encode("utf-16")
    assert await post_hook(pipeline, body) == 400


async def test_an_overlong_request_id_is_still_one_delivery(pipeline: Pipeline) -> None:
    """`dedupe_keys.key` holds 200 characters: a longer Request-ID is kept as its digest."""
    await pipeline.subscribe("C1", "front-end")
    body = encode(issue_payload("created"))
    for _ in range(2):
        headers = sentry_app_headers(CLIENT_SECRET, body, resource="issue", request_id="r" * 300)
        assert (await pipeline.post(body, headers))[0] == 200
    await pipeline.drained()
    assert pipeline.fake.count("chat.postMessage") == 1


# ---------------------------------------------------------------------- quarantine


async def test_a_stored_payload_that_does_not_decode_is_quarantined_and_the_others_are_routed(
    pipeline: Pipeline,
) -> None:
    """Rows stored by an older version (or by hand) are read back as they are."""
    await pipeline.subscribe("C1", "front-end")
    before = metric("sentry_bot_webhooks_quarantined_total", stage="decode")
    async with pipeline.db.transaction() as conn:
        await conn.execute(
            insert(webhook_outbox).values(
                source="service_hook", resource="event", action="alert", payload=RawJSON("{truncated"), received_at=0.0
            )
        )
    assert await pipeline.service_hook(hook_payload(event="e2")) == 200
    await pipeline.drained()

    assert len(messages(pipeline.fake, "C1")) == 1
    (dead,) = await quarantined(pipeline.db)
    assert (dead.stage, dead.payload) == ("decode", "{truncated")
    assert dead.reason.startswith("JSONDecodeError")
    assert metric("sentry_bot_webhooks_quarantined_total", stage="decode") == before + 1
    summary = await quarantine_summary(pipeline.db)
    assert summary.count == 1 and summary.latest_reason and summary.latest_reason.startswith("decode: ")


async def test_a_row_the_store_refuses_is_quarantined_alone_and_the_batch_around_it_is_routed(
    fake_slack: FakeSlack, any_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should a value get past parsing that the store cannot hold (here an integer beyond 64 bits),
    the batch is split until that row fails alone."""
    import bot.alerts.router as router

    real = router.parse_or_drop

    def parse_with_a_bug(*args: Any) -> Any:
        parsed = real(*args)
        if isinstance(parsed, Alert) and parsed.issue_id == "13":
            return parsed.model_copy(update={"events": 2**70})
        return parsed

    monkeypatch.setattr(router, "parse_or_drop", parse_with_a_bug)
    async with Pipeline.start(fake_slack, any_db) as pipeline:
        await pipeline.subscribe("C1", "front-end")
        await pipeline.worker.stop()  # the webhooks wait, to be routed in one batch
        for n in range(10, 17):
            assert await pipeline.service_hook(hook_payload(issue=str(n), event=f"e{n}")) == 200
        await pipeline.worker.start()
        await pipeline.drained()

    (dead,) = await quarantined(pipeline.db)
    assert dead.stage == "route"
    assert json.loads(dead.payload)["group"]["id"] == "13"
    shown = [text_of(m) for m in messages(pipeline.fake, "C1", thread=False)]
    assert [n for n in range(10, 17) if any(f"FRONT-END-{n}" in text for text in shown)] == [10, 11, 12, 14, 15, 16]


# ---------------------------------------------------------------------- drops


async def test_a_webhook_that_makes_no_slack_call_is_recorded_with_the_reason(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end")
    before = metric("sentry_bot_webhooks_dropped_total", reason="not_posted")
    no_group = hook_payload(event="e1")
    no_group["group"].pop("id")
    no_group["event"].pop("groupID")
    sent = [
        await pipeline.service_hook(no_group),  # no issue id
        await pipeline.service_hook(hook_payload(event="e2", project="elsewhere")),  # nobody subscribed
        await pipeline.sentry_app("comment", comment("deleted")),  # not posted
        await pipeline.sentry_app("issue", issue_payload("resolved", issue="404")),  # no message about it
    ]
    assert sent == [200] * 4
    await pipeline.drained()

    assert sorted((await drops(pipeline.db)).values()) == sorted(
        [Drop.NO_ID, Drop.NO_SUBSCRIBER, Drop.NOT_POSTED, Drop.NO_MESSAGE]
    )
    assert metric("sentry_bot_webhooks_dropped_total", reason="not_posted") == before + 1
    assert pipeline.fake.count("chat.postMessage") == 0
