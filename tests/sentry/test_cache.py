"""The read cache: one Sentry call for many identical reads, and writes clear what they change."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.sentry import ReadCache

ISSUE = {"id": "42", "shortId": "WEB-1", "title": "TypeError", "status": "unresolved", "count": "10"}


def issue_server(sentry_server, *, delay: float = 0.05):
    state = dict(ISSUE)

    async def handler(request: web.Request) -> web.Response:
        await asyncio.sleep(delay)
        if request.method == "PUT":
            state.update(await request.json())
            return web.json_response({"status": state["status"]})
        if "/shortids/" in request.path:
            return web.json_response({"groupId": "42", "shortId": "WEB-1", "group": state})
        return web.json_response(state)

    sentry_server.handler = handler


async def test_100_concurrent_identical_reads_make_one_sentry_call(sentry_server, make_client):
    issue_server(sentry_server)
    client = make_client()
    results = await asyncio.gather(*(client.get_issue("42") for _ in range(100)))
    assert {r.title for r in results} == {"TypeError"}
    assert len(sentry_server.requests) == 1


async def test_reads_are_fresh_for_the_ttl_then_fetched_again(sentry_server, make_client):
    issue_server(sentry_server, delay=0)
    client = make_client(cache=ReadCache(ttl=0.2))
    await client.get_issue("42")
    await client.get_issue("42")
    assert len(sentry_server.requests) == 1
    await asyncio.sleep(0.25)
    await client.get_issue("42")
    assert len(sentry_server.requests) == 2


async def test_resolving_an_issue_clears_every_read_that_showed_it(sentry_server, make_client):
    issue_server(sentry_server, delay=0)
    client = make_client()
    assert (await client.resolve_short_id("WEB-1")).group.status == "unresolved"
    assert (await client.get_issue("42")).status == "unresolved"
    await client.update_issue("42", status="resolved")
    assert (await client.get_issue("42")).status == "resolved"
    assert (await client.resolve_short_id("web-1")).group.status == "resolved"


async def test_adding_a_member_clears_the_members_list(sentry_server, make_client):
    members = [{"id": "1", "email": "alice@acme.example", "orgRole": "owner"}]

    async def handler(request: web.Request) -> web.Response:
        if request.method == "POST":
            body = await request.json()
            members.append({"id": "2", "email": body["email"], "orgRole": body["orgRole"]})
            return web.json_response(members[-1], status=201)
        return web.json_response(members)

    sentry_server.handler = handler
    client = make_client()
    assert len(await client.list_members()) == 1
    assert len(await client.list_members()) == 1
    await client.add_member("bob@acme.example", org_role="member")
    assert [m.email for m in await client.list_members()] == ["alice@acme.example", "bob@acme.example"]
    assert len(sentry_server.requests) == 3


async def test_a_read_in_flight_during_a_write_is_not_cached(sentry_server, make_client):
    issue_server(sentry_server, delay=0.1)
    client = make_client()
    read = asyncio.create_task(client.get_issue("42"))
    await asyncio.sleep(0.02)
    client.cache.invalidate("issue:42")
    await read
    await client.get_issue("42")
    assert len(sentry_server.requests) == 2


async def test_a_failed_load_is_not_cached_and_reaches_every_waiter(sentry_server, make_client):
    calls = 0

    async def handler(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        if calls == 1:
            return web.json_response({"detail": "gone"}, status=404)
        return web.json_response(ISSUE)

    sentry_server.handler = handler
    client = make_client()
    results = await asyncio.gather(*(client.get_issue("42") for _ in range(5)), return_exceptions=True)
    assert all(type(r).__name__ == "NotFound" for r in results)
    assert (await client.get_issue("42")).id == "42"


async def test_the_cache_is_bounded():
    cache = ReadCache(ttl=60, maxsize=10)

    async def load() -> int:
        return 1

    for i in range(100):
        await cache.get_or_load(("acme", "op", i), load)
    assert len(cache) == 10


async def test_the_cache_is_bounded_by_bytes_and_says_when_an_answer_is_too_big_to_keep(caplog):
    cache = ReadCache(ttl=60, maxbytes=1000, max_entry_bytes=400)
    loads = 0

    async def load(size: int) -> str:
        nonlocal loads
        loads += 1
        return "x" * size

    for i in range(10):
        await cache.get_or_load(("acme", "op", i), lambda: load(200))
    assert cache.bytes <= 1000
    assert len(cache) < 10

    with caplog.at_level("INFO", logger="bot.sentry.cache"):
        before = loads
        assert len(await cache.get_or_load(("acme", "big", 1), lambda: load(50_000_000))) == 50_000_000
        await cache.get_or_load(("acme", "big", 1), lambda: load(50_000_000))
    assert loads == before + 2
    assert cache.bytes <= 1000
    assert [r.message for r in caplog.records] == ["sentry.cache.too_big", "sentry.cache.too_big"]
