"""Slack refusing the bot's token is the workspace's problem: deliveries wait, nothing is lost, no
channel is paused, operators are told, and delivery resumes on its own once the token works."""

from __future__ import annotations

import asyncio
import time

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse
from sqlalchemy import select

from bot.alerts import hold
from bot.alerts.hold import Hold
from bot.alerts.slack_errors import classify
from bot.metrics import REGISTRY
from bot.store.alerts import deliveries
from tests.alerts.harness import BOT_TOKEN, Pipeline, hook_payload, posts
from tests.fakes import FakeSlack


async def held_after(pipeline: Pipeline, refusals: int, timeout: float = 10.0) -> Hold:  # noqa: ASYNC109
    """The hold once Slack has refused the token `refusals` times."""
    deadline = time.monotonic() + timeout
    while (current := await hold.current(pipeline.db)) is None or current.refusals < refusals:
        if time.monotonic() > deadline:
            raise AssertionError(f"Slack was not asked {refusals} times within {timeout}s: {current}")
        await asyncio.sleep(0.02)
    return current


def refused_posts(fake: FakeSlack) -> int:
    return sum(1 for c in fake.calls if c.method == "chat.postMessage" and not c.ok)


async def test_a_revoked_token_holds_every_delivery_and_they_all_arrive_once_it_works(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end", by="U100")
    await pipeline.subscribe("C2", "front-end", by="U100")
    pipeline.fake.invalid_tokens.add(BOT_TOKEN)  # Slack answers `invalid_auth` to every call
    await pipeline.service_hook(hook_payload(issue="1", event="e1"))
    await pipeline.service_hook(hook_payload(issue="2", event="e2"))

    # More refusals than FAST.max_attempts (5): a held delivery's attempts are not used up.
    held = await held_after(pipeline, refusals=7)
    assert held.code == "invalid_auth"
    assert REGISTRY.get_sample_value("sentry_bot_slack_token_refused") == 1
    problem = await pipeline.subscriptions.delivery_problem(time.time())
    assert problem is not None
    assert "Slack does not accept the bot's token" in problem and "4 alert deliveries are held" in problem
    # One probe at a time, not one call per channel and sender: every refused call was recorded.
    current = await hold.current(pipeline.db)
    assert current is not None and refused_posts(pipeline.fake) == current.refusals
    # No channel paused, nobody told in Slack (nothing could reach them), nothing given up.
    assert [s.broken_reason for s in await pipeline.subscriptions.list("C1")] == [None]
    assert [s.broken_reason for s in await pipeline.subscriptions.list("C2")] == [None]
    async with pipeline.db.read() as conn:
        statuses = (await conn.execute(select(deliveries.c.status))).scalars().all()
    assert statuses == ["pending"] * 4

    pipeline.fake.invalid_tokens.discard(BOT_TOKEN)  # the operator reinstalls the app
    await pipeline.drained()

    assert len(posts(pipeline.fake, "C1")) == len(posts(pipeline.fake, "C2")) == 2
    assert posts(pipeline.fake, "U100") == []
    assert await hold.current(pipeline.db) is None
    assert await pipeline.subscriptions.delivery_problem(time.time()) is None
    assert REGISTRY.get_sample_value("sentry_bot_slack_token_refused") == 0


async def test_an_alert_that_arrives_during_the_hold_waits_with_the_others(pipeline: Pipeline) -> None:
    await pipeline.subscribe("C1", "front-end")
    pipeline.fake.fail_next("chat.postMessage", error="token_revoked", times=3)
    await pipeline.service_hook(hook_payload(issue="1", event="e1"))
    await held_after(pipeline, refusals=1)
    await pipeline.service_hook(hook_payload(issue="2", event="e2"))
    await pipeline.drained()

    assert refused_posts(pipeline.fake) == 3
    assert len(posts(pipeline.fake, "C1")) == 2
    assert await hold.current(pipeline.db) is None


async def test_a_refused_channel_still_pauses_only_that_channel(pipeline: Pipeline) -> None:
    await pipeline.subscribe("CGONE", "front-end")
    await pipeline.subscribe("COK", "front-end")
    pipeline.fake.fail_next("chat.postMessage", error="channel_not_found")
    await pipeline.service_hook(hook_payload())
    await pipeline.drained()
    assert await hold.current(pipeline.db) is None
    broken = {c: [s.broken_reason is not None for s in await pipeline.subscriptions.list(c)] for c in ("CGONE", "COK")}
    assert sum(broken["CGONE"] + broken["COK"]) == 1


@pytest.mark.parametrize(
    "code", ["invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "missing_scope"]
)
def test_token_errors_are_the_workspaces_not_a_channels(code: str) -> None:
    # Slack answers these with HTTP 200 and {"ok": false, "error": code} (chat.postMessage's error list).
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": code},
        headers={},
        status_code=200,
    )
    assert classify(SlackApiError("refused", response)).kind == "workspace"
