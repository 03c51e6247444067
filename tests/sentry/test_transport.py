"""How the client behaves when Sentry pages, limits, fails or is fed hostile input."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from aiohttp import web

from bot.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited, SentryUnavailable, UsageError
from bot.sentry.paging import next_cursor

MEMBER = {"id": "1", "email": "alice@acme.example", "orgRole": "owner"}


def link(next_results: str, cursor: str) -> str:
    base = "http://sentry/api/0/organizations/acme/members/"
    return (
        f'<{base}?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", '
        f'<{base}?cursor={cursor}>; rel="next"; results="{next_results}"; cursor="{cursor}"'
    )


def test_next_cursor_reads_sentrys_link_header():
    assert next_cursor(link("true", "0:100:0")) == "0:100:0"
    assert next_cursor(link("false", "0:200:0")) is None
    assert next_cursor(None) is None


async def test_pages_are_followed_until_results_false(sentry_server, make_client):
    async def handler(request: web.Request) -> web.Response:
        page = int(request.query.get("cursor", "0:0:0").split(":")[1]) // 100
        more = "true" if page < 2 else "false"
        member = {**MEMBER, "id": str(page)}
        return web.json_response([member], headers={"Link": link(more, f"0:{(page + 1) * 100}:0")})

    sentry_server.handler = handler
    page = await make_client().list_members(max_pages=10)
    assert [m.id for m in page] == ["0", "1", "2"]
    assert page.next_cursor is None
    assert len(sentry_server.requests) == 3


async def test_page_cap_returns_the_cursor_to_continue_from(sentry_server, make_client):
    async def handler(request: web.Request) -> web.Response:
        return web.json_response([MEMBER], headers={"Link": link("true", "0:100:0")})

    sentry_server.handler = handler
    page = await make_client().list_members(max_pages=2)
    assert len(page) == 2
    assert page.next_cursor == "0:100:0"
    assert len(sentry_server.requests) == 2


async def test_429_waits_for_the_reset_then_retries(sentry_server, make_client):
    calls = 0

    async def handler(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            reset = str(int(time.time()) + 1)
            return web.json_response(
                {"detail": "You are attempting to use this endpoint too frequently."},
                status=429,
                headers={"X-Sentry-Rate-Limit-Remaining": "0", "X-Sentry-Rate-Limit-Reset": reset},
            )
        return web.json_response({"id": "2", "slug": "acme", "name": "Acme"})

    sentry_server.handler = handler
    org = await make_client().get_organization()
    assert org.slug == "acme"
    assert calls == 2


async def test_429_beyond_the_wait_bound_raises_rate_limited_with_sentrys_message(sentry_server, make_client):
    async def handler(request: web.Request) -> web.Response:
        reset = str(int(time.time()) + 3600)
        return web.json_response(
            {"detail": "Limit is 40 requests in 1 seconds"}, status=429, headers={"X-Sentry-Rate-Limit-Reset": reset}
        )

    sentry_server.handler = handler
    with pytest.raises(RateLimited) as err:
        await make_client(max_rate_wait=2).get_organization()
    assert "Limit is 40 requests" in err.value.user_message()
    assert err.value.reset_in is not None and err.value.reset_in > 3000
    assert len(sentry_server.requests) == 1


async def test_a_write_is_retried_after_429_only(sentry_server, make_client):
    statuses = [429, 201]

    async def handler(request: web.Request) -> web.Response:
        status = statuses.pop(0)
        headers = {"X-Sentry-Rate-Limit-Reset": str(time.time() + 0.1)}
        return web.json_response(
            {**MEMBER} if status == 201 else {"detail": "slow down"}, status=status, headers=headers
        )

    sentry_server.handler = handler
    member = await make_client().add_member("alice@acme.example")
    assert member.email == "alice@acme.example"
    assert len(sentry_server.requests) == 2


async def test_reads_retry_5xx_with_backoff(sentry_server, make_client):
    statuses = [502, 503, 200]

    async def handler(request: web.Request) -> web.Response:
        status = statuses.pop(0)
        body = {"id": "2", "slug": "acme", "name": "Acme"} if status == 200 else {"detail": "bad gateway"}
        return web.json_response(body, status=status)

    sentry_server.handler = handler
    assert (await make_client().get_organization()).name == "Acme"
    assert len(sentry_server.requests) == 3


async def test_a_write_is_never_repeated_after_5xx(sentry_server, make_client):
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"detail": "Internal Error"}, status=500)

    sentry_server.handler = handler
    with pytest.raises(SentryUnavailable):
        await make_client().remove_member("1")
    assert len(sentry_server.requests) == 1


async def test_connection_errors_become_sentry_unavailable():
    from bot.sentry import SentryClient

    client = SentryClient(base_url="http://127.0.0.1:9/", token="t", org="acme", backoff=0.01)
    try:
        with pytest.raises(SentryUnavailable) as err:
            await client.get_organization()
        assert "not answering" in err.value.user_message()
    finally:
        await client.close()


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (404, {"detail": "The requested resource does not exist"}, NotFound, "The requested resource does not exist"),
        (403, {"detail": "You do not have permission to perform this action."}, Forbidden, "permission"),
        (400, {"email": ["Enter a valid email address."]}, InvalidInput, "email: Enter a valid email address."),
        (
            409,
            {"detail": {"code": "member-exists", "message": "alice is already a member", "extra": None}},
            Conflict,
            "alice is already a member",
        ),
    ],
)
async def test_errors_carry_sentrys_own_message(sentry_server, make_client, status, body, error, message):
    async def handler(request: web.Request) -> web.Response:
        return web.json_response(body, status=status)

    sentry_server.handler = handler
    with pytest.raises(error) as err:
        await make_client().add_member("alice@acme.example")
    assert message in err.value.user_message()
    assert err.value.status == status


async def test_nested_detail_keeps_its_code(sentry_server, make_client):
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"detail": {"code": "member-exists", "message": "taken", "extra": None}}, status=409)

    sentry_server.handler = handler
    with pytest.raises(Conflict) as err:
        await make_client().add_member("alice@acme.example")
    assert err.value.code == "member-exists"


@pytest.mark.parametrize("hostile", ["../x", "WEB-1/../../members", "WEB-1?cursor=1", "a#b", "a b"])
async def test_path_parameters_stay_inside_their_segment(sentry_server, make_client, hostile):
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"id": "1", "title": "t"})

    sentry_server.handler = handler
    await make_client().get_issue(hostile)
    (path,) = sentry_server.paths
    tail = path.removeprefix("/api/0/organizations/acme/issues/")
    assert tail.endswith("/") and "/" not in tail[:-1]
    assert "?" not in path and "#" not in path


@pytest.mark.parametrize("bad", ["", "..", ".", "x\ny"])
async def test_impossible_identifiers_are_refused_before_any_request(sentry_server, make_client, bad):
    with pytest.raises(UsageError):
        await make_client().get_issue(bad)
    assert sentry_server.requests == []


async def test_the_token_is_sent_but_never_logged_or_shown(sentry_server, make_client, caplog):
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"detail": "nope"}, status=403)

    sentry_server.handler = handler
    caplog.set_level(logging.DEBUG)
    client = make_client()
    with pytest.raises(Forbidden) as err:
        await client.get_organization()
    assert sentry_server.requests[0].headers["Authorization"] == "Bearer sntrys_secret"
    assert "sntrys_secret" not in caplog.text
    assert "sntrys_secret" not in repr(client)
    assert "sntrys_secret" not in err.value.user_message()


async def test_concurrency_is_capped_per_client(sentry_server, make_client):
    in_flight = peak = 0

    async def handler(request: web.Request) -> web.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        if "/members/" in request.path:
            return web.json_response({**MEMBER, "id": request.path.split("/")[-2]})
        return web.json_response({"id": request.path.split("/")[-2], "title": "t"})

    sentry_server.handler = handler
    client = make_client(max_concurrency=4)
    # Two operations: one alone may hold only half the slots (tests/sentry/test_contained.py).
    issues = (client.get_issue(str(i)) for i in range(12))
    members = (client.get_member(str(i)) for i in range(12))
    await asyncio.gather(*issues, *members)
    assert peak == 4


def requests_counted(operation: str, status: str) -> float:
    from bot.metrics import REGISTRY

    labels = {"operation": operation, "status": status}
    return REGISTRY.get_sample_value("sentry_bot_sentry_request_duration_seconds_count", labels) or 0.0


async def test_each_attempt_is_counted_by_operation_and_status(sentry_server, make_client):
    calls = 0

    async def handler(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            return web.json_response({"detail": "Internal Error"}, status=503)
        return web.json_response({"id": "2", "slug": "acme", "name": "Acme"})

    sentry_server.handler = handler
    before = requests_counted("get_organization", "503"), requests_counted("get_organization", "200")
    await make_client(backoff=0.01).get_organization()
    after = requests_counted("get_organization", "503"), requests_counted("get_organization", "200")
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)


async def test_a_request_that_gets_no_answer_is_counted_as_a_connection_error():
    from bot.sentry import SentryClient

    before = requests_counted("get_organization", "connection_error")
    client = SentryClient(base_url="http://127.0.0.1:9/", token="t", org="acme", backoff=0.01)
    try:
        with pytest.raises(SentryUnavailable):
            await client.get_organization()
    finally:
        await client.close()
    assert requests_counted("get_organization", "connection_error") - before == 3  # a read is tried 3 times
