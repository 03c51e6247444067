"""The stand-in's reads behind reports: Discover's count() and count_unique(user), and the issue
search's firstSeen:/lastSeen: filters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import SentryAPIError
from bot.sandbox import SandboxState, run_sandbox, seed_state
from bot.sentry import ReadCache, SentryClient


@pytest.fixture
async def sandbox() -> AsyncIterator[tuple[SandboxState, SentryClient]]:
    state = seed_state()
    async with run_sandbox(state) as url:
        client = SentryClient(base_url=url, token="sntrys_test", org="acme", cache=ReadCache(ttl=0))
        async with client:
            yield state, client


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_event_totals_grow_with_the_period_and_never_count_more_users_than_events(sandbox):
    state, client = sandbox
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    day = await client.event_totals(start=iso(end - timedelta(days=1)), end=iso(end))
    week = await client.event_totals(start=iso(end - timedelta(days=7)), end=iso(end))
    web_id = int(state.data.projects["web"].id)
    web = await client.event_totals(start=iso(end - timedelta(days=1)), end=iso(end), projects=[web_id])
    assert 0 < web.events < day.events < week.events
    assert 0 < web.users <= web.events and day.users < week.users


async def test_event_totals_refuse_a_project_the_organization_does_not_have(sandbox):
    _, client = sandbox
    end = datetime.now(UTC)
    with pytest.raises(SentryAPIError) as refused:
        await client.event_totals(start=iso(end - timedelta(days=1)), end=iso(end), projects=[999999])
    assert refused.value.status == 403


async def test_first_and_last_seen_filters_take_iso_times(sandbox):
    state, client = sandbox
    issues = list(state.data.issues.values())
    cut = sorted(i.first_seen for i in issues)[len(issues) // 2]
    newer = await client.list_issues(query=f"firstSeen:>={cut:%Y-%m-%dT%H:%M:%S}", stats_period="90d", limit=100)
    older = await client.list_issues(query=f"firstSeen:<{cut:%Y-%m-%dT%H:%M:%S}", stats_period="90d", limit=100)
    assert newer.items and older.items
    assert all(i.first_seen is not None and i.first_seen >= cut.replace(microsecond=0) for i in newer)
    assert all(i.first_seen is not None and i.first_seen < cut for i in older)
    future = await client.list_issues(query="lastSeen:>=2099-01-01T00:00:00", stats_period="90d")
    assert future.items == []
    with pytest.raises(SentryAPIError) as refused:
        await client.list_issues(query="firstSeen:>=yesterday")
    assert refused.value.status == 400
