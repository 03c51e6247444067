"""The test doubles themselves, checked with the real clients: slack_sdk, Bolt and Prism over HTTP."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import aiohttp
import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.fakes import (
    FakeSlack,
    block_actions_body,
    block_suggestion_body,
    event_body,
    link_shared_event,
    prism_violations,
    sentry_app_headers,
    service_hook_headers,
    slack_headers,
    slash_command_body,
    view_submission_body,
)

SECRET = "signing-secret"


def client_for(fake: FakeSlack, token: str = "xoxb-test", **kwargs: Any) -> AsyncWebClient:  # noqa: S107
    return AsyncWebClient(token=token, base_url=fake.api_url, **kwargs)


# --------------------------------------------------------------------------- fake Slack Web API


async def test_web_api_methods_answer_like_slack(fake_slack: FakeSlack) -> None:
    client = client_for(fake_slack)
    fake_slack.users["U123"] = {"email": "alice@acme.example", "name": "alice"}

    auth = await client.auth_test()
    assert (auth["team_id"], auth["user_id"]) == ("T0001", "UBOT")

    first = await client.chat_postMessage(channel="C123", text="hi", blocks=[{"type": "divider"}])
    second = await client.chat_postMessage(channel="C123", text="again")
    assert first["ts"] == "1700000000.000100"
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["blocks"] == [{"type": "divider"}]

    user = await client.users_info(user="U123")  # slack_sdk sends this one as a GET
    assert user["user"]["profile"]["email"] == "alice@acme.example"
    by_email = await client.users_lookupByEmail(email="alice@acme.example")
    assert by_email["user"]["id"] == "U123"

    view = await client.views_open(trigger_id="1.2.3", view={"type": "modal", "title": _plain("T"), "blocks": []})
    assert view["view"]["id"].startswith("V")
    unfurl = await client.chat_unfurl(channel="C123", ts=first["ts"], unfurls={"https://x": {"blocks": []}})
    assert unfurl["ok"]

    with pytest.raises(SlackApiError) as err:
        await client.api_call("nothing.here")
    assert err.value.response["error"] == "unknown_method"

    posts = fake_slack.calls_to("chat.postMessage")
    assert [p["text"] for p in posts] == ["hi", "again"]
    assert fake_slack.count("users.info") == 1
    assert fake_slack.calls[0].headers["Authorization"] == "Bearer xoxb-test"
    assert await fake_slack.wait_for("chat.postMessage", count=2) == posts


async def test_history_and_replies_answer_from_the_messages_kept(fake_slack: FakeSlack) -> None:
    client = client_for(fake_slack)
    metadata = {"event_type": "sentry_bot_alert", "event_payload": {"key": "d1"}}
    parent = await client.chat_postMessage(channel="C123", text="parent", metadata=metadata)
    await client.chat_postMessage(channel="C123", text="reply", thread_ts=parent["ts"])
    later = await client.chat_postMessage(channel="C123", text="later")
    await client.chat_postMessage(channel="C999", text="elsewhere")

    history = await client.conversations_history(channel="C123", include_all_metadata=True)
    assert [m["text"] for m in history["messages"]] == ["later", "parent"]  # newest first, no replies
    assert history["messages"][1]["metadata"] == metadata
    plain = await client.conversations_history(channel="C123")
    assert all("metadata" not in m for m in plain["messages"])

    thread = await client.conversations_replies(channel="C123", ts=parent["ts"])
    assert [m["text"] for m in thread["messages"]] == ["parent", "reply"]
    assert later["ts"] not in {m["ts"] for m in thread["messages"]}


async def test_a_single_429_is_retried_after_retry_after(fake_slack: FakeSlack) -> None:
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=1)
    client = client_for(fake_slack, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])

    started = time.monotonic()
    answer = await client.chat_postMessage(channel="C123", text="hi")

    assert answer["ok"]
    assert time.monotonic() - started >= 1.0  # the client honoured Retry-After
    assert [c.status for c in fake_slack.calls] == [429, 200]
    assert fake_slack.count("chat.postMessage", ok=True) == 1


@pytest.mark.parametrize(
    ("setup", "token", "status", "error"),
    [
        (lambda f: f.fail_next("chat.postMessage", error="channel_not_found"), "xoxb-test", 200, "channel_not_found"),
        (lambda f: f.fail_next("chat.postMessage", status=500), "xoxb-test", 500, "internal_error"),
        (lambda f: None, "xoxb-429", 429, "ratelimited"),
        (lambda f: f.invalid_tokens.add("xoxb-gone"), "xoxb-gone", 200, "invalid_auth"),
    ],
    ids=["error", "500", "token-429", "invalid-auth"],
)
async def test_failures_on_demand(
    fake_slack: FakeSlack, setup: Callable[[FakeSlack], None], token: str, status: int, error: str
) -> None:
    setup(fake_slack)
    with pytest.raises(SlackApiError) as err:
        await client_for(fake_slack, token).chat_postMessage(channel="C123", text="hi")
    assert (err.value.response.status_code, err.value.response["error"]) == (status, error)
    # A failure is used up: the next call goes through (except for the always-limited/invalid tokens).
    if token == "xoxb-test":
        assert (await client_for(fake_slack).chat_postMessage(channel="C123", text="hi"))["ok"]


async def test_enforce_rate_refuses_a_second_post_within_a_second(fake_slack: FakeSlack) -> None:
    fake_slack.enforce_rate("chat.postMessage", per_channel_per_second=1.0)
    client = client_for(fake_slack)
    await client.chat_postMessage(channel="C123", text="one")
    await client.chat_postMessage(channel="C999", text="other channel: its own pace")
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C123", text="two")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "1"
    assert fake_slack.refused == 1
    assert [a["text"] for a in fake_slack.calls_to("chat.postMessage", ok=True)] == [
        "one",
        "other channel: its own pace",
    ]


async def test_block_kit_limits_are_enforced(fake_slack: FakeSlack) -> None:
    too_many = [{"type": "divider"}] * 51
    with pytest.raises(SlackApiError) as err:
        await client_for(fake_slack).chat_postMessage(channel="C123", text="x", blocks=too_many)
    assert err.value.response["error"] == "invalid_blocks"
    assert "json-pointer:/blocks" in err.value.response["response_metadata"]["messages"][0]


async def test_wait_for_reports_what_did_arrive(fake_slack: FakeSlack) -> None:
    await client_for(fake_slack).chat_update(channel="C123", ts="1.2", text="x")
    with pytest.raises(AssertionError, match=r"chat\.postMessage.*chat\.update\(200\)"):
        await fake_slack.wait_for("chat.postMessage", timeout=0.05)


async def test_response_url_records_posts_and_allows_five_uses(fake_slack: FakeSlack) -> None:
    hook = AsyncWebhookClient(fake_slack.response_url("cmd"))
    for n in range(5):
        answer = await hook.send(text=f"answer {n}", response_type="ephemeral", replace_original=n > 0)
        assert (answer.status_code, json.loads(answer.body)) == (200, {"ok": True})
    sixth = await hook.send(text="one too many")
    assert (sixth.status_code, json.loads(sixth.body)["error"]) == (404, "used_url")

    posts = await fake_slack.wait_for_response("cmd", count=5)
    assert [p["text"] for p in posts] == [f"answer {n}" for n in range(5)]
    assert posts[1]["replace_original"] is True
    assert fake_slack.response_refusals("cmd") == 1
    assert fake_slack.responses("other") == []


# --------------------------------------------------------------------------- signatures and bodies


def _plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


BODIES = {
    "slash": slash_command_body("resolve WEB-12A"),
    "block_actions": block_actions_body("issue.resolve", "123"),
    "select": block_actions_body("issue.assign", "U999", action_type="users_select"),
    "suggestion": block_suggestion_body("assignee", "ali", view={"callback_id": "modal.assign"}),
    "view_submission": view_submission_body("modal.link", {"url": {"value": "https://x"}}, private_metadata="123"),
    "event": event_body(link_shared_event(["https://acme.sentry.io/issues/1/"])),
}


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_slack_signatures_verify_with_slack_sdk(body: bytes) -> None:
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid_request(body, slack_headers(SECRET, body))
    assert not verifier.is_valid_request(body + b"x", slack_headers(SECRET, body))
    assert not verifier.is_valid_request(body, slack_headers("other-secret", body))
    stale = slack_headers(SECRET, body, timestamp=int(time.time()) - 301)  # outside the replay window
    assert not verifier.is_valid_request(body, stale)


def test_interactivity_payloads_have_slacks_shape() -> None:
    form = parse_qs(block_actions_body("issue.resolve", "123", channel_id="C42").decode())
    payload = json.loads(form["payload"][0])
    assert payload["container"] == {
        "type": "message",
        "message_ts": payload["message"]["ts"],
        "channel_id": "C42",
        "is_ephemeral": False,
    }
    assert payload["actions"][0]["block_id"] == payload["message"]["blocks"][0]["block_id"]

    view = json.loads(parse_qs(view_submission_body("cb", {"b": {"a": "text"}}).decode())["payload"][0])["view"]
    assert view["state"]["values"] == {"b": {"a": {"type": "plain_text_input", "value": "text"}}}


def test_sentry_signatures() -> None:
    body = b'{"action": "created"}'
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    hook = service_hook_headers("s3cret", body, guid="abc", timestamp=1700000000)
    assert hook == {
        "X-ServiceHook-Timestamp": "1700000000",
        "X-ServiceHook-GUID": "abc",
        "X-ServiceHook-Signature": expected,
        "Content-Type": "application/json",
    }
    app = sentry_app_headers("s3cret", body, resource="issue", request_id="r-1")
    assert (app["Sentry-Hook-Signature"], app["Sentry-Hook-Resource"], app["Request-ID"]) == (expected, "issue", "r-1")


async def test_bolt_dispatches_every_built_request(fake_slack: FakeSlack) -> None:
    """The builders are only useful if Bolt accepts and routes them as it would Slack's."""
    # Bolt authorizes each request with auth.test: against the fake, as in production.
    # process_before_response: run listeners before answering, so `seen` is complete on return.
    app = AsyncApp(signing_secret=SECRET, client=client_for(fake_slack), process_before_response=True)
    seen: list[str] = []

    async def record(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        seen.append(str(body.get("type") or body.get("command")))

    app.command("/sentry")(record)
    app.action("issue.resolve")(record)
    app.action("issue.assign")(record)
    app.options("assignee")(record)
    app.view("modal.link")(record)
    app.event("link_shared")(record)

    for body in BODIES.values():
        answer = await app.async_dispatch(AsyncBoltRequest(body=body.decode(), headers=slack_headers(SECRET, body)))
        assert answer.status == 200, answer.body
    assert seen == [
        "/sentry",
        "block_actions",
        "block_actions",
        "block_suggestion",
        "view_submission",
        "event_callback",
    ]


# --------------------------------------------------------------------------- Prism


async def test_prism_requires_a_bearer_token(prism_url: str) -> None:
    url = prism_url + "api/0/organizations/acme/"
    async with aiohttp.ClientSession() as http:
        async with http.get(url, headers={"Authorization": "Bearer any"}) as ok:
            assert ok.status == 200
            assert "slug" in await ok.json()
        async with http.get(url) as refused:
            assert refused.status == 401
            assert prism_violations(refused.headers, await refused.read()) == ["request: Invalid security scheme used"]


async def test_prism_reports_a_request_that_breaks_the_schema(prism_url: str) -> None:
    async with aiohttp.ClientSession(headers={"Authorization": "Bearer any"}) as http:
        # members/ declares no 400, so Prism answers 422 with problem+json `validation`.
        async with http.post(prism_url + "api/0/organizations/acme/members/", json={"role": "x"}) as r:
            assert r.status == 422
            assert any("email" in v for v in prism_violations(r.headers, await r.read()))
        # A partial issue update is valid (the schema's `required` was relaxed, as Sentry behaves).
        async with http.put(prism_url + "api/0/organizations/acme/issues/1/", json={"status": "resolved"}) as r:
            assert r.status == 200, prism_violations(r.headers, await r.read())


async def test_prism_paging_copy_sends_sentrys_link_header(prism_paging_url: str) -> None:
    url = prism_paging_url + "api/0/organizations/acme/projects/"
    async with aiohttp.ClientSession(headers={"Authorization": "Bearer any"}) as http, http.get(url) as r:
        assert r.status == 200
        link = r.headers["Link"]
    assert 'rel="next"; results="true"; cursor="0:100:0"' in link
    assert prism_paging_url in link  # never a real sentry.io URL


async def test_chat_update_replaces_metadata_when_given_and_keeps_it_when_not(fake_slack: FakeSlack) -> None:
    # api.slack.com/events/message_metadata_updated: chat.update with metadata replaces it.
    client = client_for(fake_slack)
    first = {"event_type": "sentry_bot_alert", "event_payload": {"key": "d1"}}
    posted = await client.chat_postMessage(channel="C123", text="alert", metadata=first)
    await client.chat_update(channel="C123", ts=posted["ts"], text="alert, resolved")
    assert fake_slack.messages[("C123", posted["ts"])]["metadata"] == first
    other = {"event_type": "sentry_bot_note", "event_payload": {"key": "d2"}}
    await client.chat_update(channel="C123", ts=posted["ts"], text="alert, reopened", metadata=other)
    assert fake_slack.messages[("C123", posted["ts"])]["metadata"] == other


async def test_an_ephemeral_to_a_thread_that_does_not_exist_is_never_shown(fake_slack: FakeSlack) -> None:
    # api.slack.com/methods/chat.postEphemeral: shown in a thread "only if there is already an active thread".
    client = client_for(fake_slack)
    lonely = fake_slack.user_says("@sentry help")
    await client.chat_postEphemeral(channel="C123", user="U123", text="answer", thread_ts=lonely["ts"])
    assert [e["thread_ts"] for e in fake_slack.unseen] == [lonely["ts"]]
    fake_slack.unseen.clear()  # seen by this test; the fixture fails any other test that leaves one

    fake_slack.user_says("a reply", thread_ts=lonely["ts"])
    await client.chat_postEphemeral(channel="C123", user="U123", text="answer", thread_ts=lonely["ts"])
    await client.chat_postEphemeral(channel="C123", user="U123", text="in the channel")
    assert fake_slack.unseen == []


def test_text_reaches_the_app_encoded_as_slack_encodes_it() -> None:
    # ../shared/fixtures/slack/slack.escaping.json (api.slack.com/docs/formatting).
    body = parse_qs(slash_command_body("link WEB-1 https://t.example/?a=0&b=1 R&D <@U1> bob@x.example").decode())
    assert body["text"] == [
        "link WEB-1 <https://t.example/?a=0&amp;b=1> R&amp;D <@U1> <mailto:bob@x.example|bob@x.example>"
    ]
    (link,) = link_shared_event(["https://acme.sentry.io/issues/1/?a=0&b=1"])["links"]
    assert link["url"] == "https://acme.sentry.io/issues/1/?a=0&amp;b=1"


def test_a_click_on_an_ephemeral_message_carries_no_message() -> None:
    # bolt-python tests/scenario_tests_async/test_block_actions.py (bolt.block_actions.ephemeral.json).
    payload = json.loads(parse_qs(block_actions_body("issue.stats", "{}", ephemeral=True).decode())["payload"][0])
    assert "message" not in payload
    assert payload["container"]["is_ephemeral"] is True
    assert payload["container"]["message_ts"]
