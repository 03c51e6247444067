"""A misbehaving Sentry is contained: each answer below is one a real Sentry, or what stands in front of
it, can send; the client turns each into a typed error the user can read, and never lets one endpoint
hold up the others."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import pytest
from aiohttp import web

from bot import jsoncodec
from bot.errors import RateLimited, ResponseTooLarge, SentryUnavailable, UnexpectedShape
from bot.sentry import ReadCache, transport

ORG = {"id": "2", "slug": "acme", "name": "Acme"}
MEMBER = {"id": "1", "email": "alice@acme.example", "orgRole": "owner"}
ISSUE = {"id": "1", "title": "boom", "count": "3"}

# What nginx in front of Sentry answers when Sentry's web workers are gone (nginx's stock 502 page);
# Sentry's own API errors are always JSON (`{"detail": ...}`, the OpenAPI schema's error bodies).
NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    + "<!-- a padding to make the page longer than what is shown -->\r\n" * 20
    + "</body>\r\n</html>\r\n"
)


def html(status: int) -> web.Response:
    return web.Response(text=NGINX_502, status=status, content_type="text/html")


# --- answers that are not what Sentry sends -----------------------------------------------------


async def test_an_html_502_is_shown_as_its_first_300_characters(sentry_server, make_client):
    async def handler(request: web.Request) -> web.Response:
        return html(502)

    sentry_server.handler = handler
    with pytest.raises(SentryUnavailable) as err:
        await make_client().remove_member("1")
    message = err.value.user_message()
    assert message.startswith("Sentry answered 502 (not JSON): <html>")
    assert "502 Bad Gateway" in message
    assert len(message) <= len("Sentry answered 502 (not JSON): ") + 300
    assert err.value.retryable


@pytest.mark.parametrize(
    ("operation", "body"),
    [
        ("get_organization", b'{"id": "2", "slug": "ac'),  # truncated JSON
        ("get_organization", b"[]"),  # a list where the object belongs
        ("get_issue", b'{"id": "1", "title": "boom", "count": {"value": 3}}'),  # `count` as an object
        ("list_members", b'{"detail": "not a list"}'),  # an object where the page's list belongs
        ("project_stats", b'[{"ts": 1, "count": 2}]'),  # rows that are not `[timestamp, count]`
    ],
)
async def test_a_2xx_of_the_wrong_shape_is_an_unexpected_shape_logged_once(
    sentry_server, make_client, caplog, operation, body
):
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    sentry_server.handler = handler
    client = make_client()
    calls = {
        "get_organization": client.get_organization,
        "get_issue": lambda: client.get_issue("1"),
        "list_members": client.list_members,
        "project_stats": lambda: client.project_stats("web"),
    }
    caplog.set_level(logging.INFO, logger="bot.sentry")
    with pytest.raises(UnexpectedShape) as err:
        await asyncio.gather(calls[operation](), calls[operation]())  # two callers share one load
    assert err.value.operation == operation
    assert err.value.user_message().startswith(f"Sentry's answer had an unexpected shape (for {operation})")
    (logged,) = [r for r in caplog.records if r.getMessage() == "sentry.unexpected_shape"]
    assert logged.operation == operation  # type: ignore[attr-defined]


# --- rate limits: per bucket, bounded ----------------------------------------------------------


async def test_a_429_ten_years_ahead_holds_back_only_its_own_endpoint(sentry_server, make_client):
    ten_years = str(int(time.time()) + 10 * 365 * 86400)

    async def handler(request: web.Request) -> web.Response:
        if request.path == "/api/0/organizations/acme/":
            return web.json_response(
                {"detail": "You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds"},
                status=429,
                headers={"X-Sentry-Rate-Limit-Remaining": "0", "X-Sentry-Rate-Limit-Reset": ten_years},
            )
        return web.json_response(MEMBER)

    sentry_server.handler = handler
    client = make_client(max_rate_wait=2)
    with pytest.raises(RateLimited) as err:
        await client.get_organization()
    assert err.value.reset_in is not None and err.value.reset_in <= transport.MAX_BELIEVED_RESET
    assert "Try again in" in err.value.user_message()

    member = await client.get_member("1")  # another endpoint: its own bucket, no wait
    assert member.email == "alice@acme.example"

    with pytest.raises(RateLimited) as again:  # the limited bucket is refused without asking Sentry again
        await client.get_organization()
    assert again.value.retryable
    assert sentry_server.paths == ["/api/0/organizations/acme/", "/api/0/organizations/acme/members/1/"]


async def test_an_exhausted_bucket_delays_only_its_own_endpoint(sentry_server, make_client):
    reset_at = time.time() + 5
    member_before_reset: list[bool] = []

    async def handler(request: web.Request) -> web.Response:
        if request.path == "/api/0/organizations/acme/":
            headers = {"X-Sentry-Rate-Limit-Remaining": "0", "X-Sentry-Rate-Limit-Reset": str(reset_at)}
            return web.json_response(ORG, headers=headers)
        member_before_reset.append(time.time() < reset_at)
        return web.json_response(MEMBER)

    sentry_server.handler = handler
    client = make_client(cache=ReadCache(ttl=0))  # every call reaches Sentry
    await client.get_organization()
    second = asyncio.create_task(client.get_organization())  # waits for its bucket's reset
    await client.get_member("1")
    assert member_before_reset == [True]  # the member lookup did not wait for the organization's window
    assert sentry_server.paths == ["/api/0/organizations/acme/", "/api/0/organizations/acme/members/1/"]
    second.cancel()


# --- big answers -----------------------------------------------------------------------------


async def test_an_answer_past_the_byte_cap_is_refused_saying_how_big(sentry_server, make_client):
    big = b"[" + b'{"id": "1", "email": "a@b.example"},' * 40_000 + b"{}]"

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=big, content_type="application/json")

    sentry_server.handler = handler
    with pytest.raises(ResponseTooLarge) as err:
        await make_client(max_response_bytes=1_000_000).list_members()
    assert err.value.size == len(big)
    assert "1.4 MB" in err.value.user_message() and "at most 1.0 MB" in err.value.user_message()


async def test_a_streamed_answer_is_cut_at_the_byte_cap(sentry_server, make_client):
    sent = 0

    async def handler(request: web.Request) -> web.StreamResponse:
        nonlocal sent
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()  # no Content-Length to refuse it by
        await response.prepare(request)
        await response.write(b"[")
        try:
            for _ in range(1000):
                await response.write(b'{"id": "1", "email": "a@b.example"},' * 1000)
                sent += 1
        except ConnectionError:
            return response
        await response.write(b"{}]")
        return response

    sentry_server.handler = handler
    with pytest.raises(ResponseTooLarge) as err:
        await make_client(max_response_bytes=1_000_000).list_members()
    assert err.value.size is None
    assert "more than 1.0 MB" in err.value.user_message()
    assert sent < 1000  # the client hung up instead of reading 36 MB


async def test_a_big_answer_is_parsed_off_the_event_loop(sentry_server, make_client, monkeypatch):
    rows = [{**MEMBER, "id": str(i)} for i in range(10_000)]
    body = jsoncodec.dumps(rows)
    assert len(body) > transport.PARSE_IN_THREAD_BYTES
    parsed_on: list[str] = []
    real_loads = jsoncodec.loads

    def loads(data: bytes | str) -> object:
        parsed_on.append(threading.current_thread().name)
        return real_loads(data)

    monkeypatch.setattr(jsoncodec, "loads", loads)

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    sentry_server.handler = handler
    page = await make_client().list_members()
    assert len(page) == 10_000
    assert parsed_on and threading.main_thread().name not in parsed_on


# --- one slow endpoint cannot take every slot -------------------------------------------------


async def test_a_stalled_path_leaves_slots_for_other_issues(sentry_server, make_client):
    stalled = asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        if request.path.endswith("/issues/1/"):
            await stalled.wait()
        return web.json_response({"status": "resolved"})

    sentry_server.handler = handler
    client = make_client(max_concurrency=8)
    # Writes are not shared like reads, so each of these holds (or waits for) a slot of its own.
    waiting = [asyncio.create_task(client.update_issue("1", status="resolved")) for _ in range(8)]
    try:
        await asyncio.sleep(0.1)
        assert await client.update_issue("2", status="resolved") == {"status": "resolved"}
        assert sum(p.endswith("/issues/1/") for p in sentry_server.paths) == transport.PER_PATH_SLOTS
    finally:
        stalled.set()
    assert len(await asyncio.gather(*waiting)) == 8


async def test_a_stalled_operation_leaves_slots_for_other_operations(sentry_server, make_client):
    stalled = asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        if "/issues/" in request.path:
            await stalled.wait()
            return web.json_response({**ISSUE, "id": request.path.split("/")[-2]})
        return web.json_response(ORG)

    sentry_server.handler = handler
    client = make_client(max_concurrency=8)
    waiting = [asyncio.create_task(client.get_issue(str(i))) for i in range(8)]
    try:
        await asyncio.sleep(0.1)
        assert (await client.get_organization()).slug == "acme"
        assert sum("/issues/" in p for p in sentry_server.paths) == 4  # half the client's slots
    finally:
        stalled.set()
    assert len(await asyncio.gather(*waiting)) == 8
