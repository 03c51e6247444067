"""Every Slack Web API attempt is counted by method and status, retries included."""

from __future__ import annotations

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.metrics import REGISTRY
from bot.slack.calls import counted
from tests.fakes import FakeSlack


def calls(method: str, status: str) -> float:
    return REGISTRY.get_sample_value("sentry_bot_slack_api_calls_total", {"method": method, "status": status}) or 0.0


async def test_answers_are_counted_by_slacks_own_outcome(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    counted(client)
    before = {s: calls("chat.postMessage", s) for s in ("ok", "channel_not_found", "ratelimited")}

    await client.chat_postMessage(channel="C1", text="hello")
    fake_slack.fail_next("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel="C404", text="hello")
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=0)
    await client.chat_postMessage(channel="C1", text="again")  # refused once, then retried

    after = {s: calls("chat.postMessage", s) for s in before}
    assert {s: after[s] - before[s] for s in before} == {"ok": 2, "channel_not_found": 1, "ratelimited": 1}


async def test_a_call_that_gets_no_answer_is_a_connection_error() -> None:
    client = counted(AsyncWebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/", retry_handlers=[]))
    before = calls("auth.test", "connection_error")
    with pytest.raises(aiohttp.ClientConnectionError):
        await client.auth_test()
    assert calls("auth.test", "connection_error") - before == 1


def test_counting_twice_adds_one_counter() -> None:
    client = counted(counted(AsyncWebClient(token="xoxb-test")))
    assert sum(type(h).__name__ == "CallCounter" for h in client.retry_handlers) == 1
