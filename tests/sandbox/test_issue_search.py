"""The stand-in's organization issue list: Sentry's search syntax, the period, environments, sorts and paging."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import SentryAPIError
from bot.sandbox import SandboxState, run_sandbox, seed_state
from bot.sandbox.search import SORTS
from bot.sentry import ReadCache, SentryClient
from bot.sentry.models import IssueSummary


@pytest.fixture
async def sandbox() -> AsyncIterator[tuple[SandboxState, SentryClient]]:
    state = seed_state()
    async with run_sandbox(state) as url:
        client = SentryClient(base_url=url, token="sntrys_test", org="acme", cache=ReadCache(ttl=0))
        async with client:
            yield state, client


async def every(client: SentryClient, **kwargs) -> list[IssueSummary]:
    """All pages of one search, following the `Link` header's cursors."""
    found, cursor = [], None
    while True:
        page = await client.list_issues(cursor=cursor, **kwargs)
        found.extend(page)
        if (cursor := page.next_cursor) is None:
            return found


async def test_the_demo_has_several_pages_of_unresolved_issues(sandbox):
    _, client = sandbox
    first = await client.list_issues(limit=20)
    assert len(first) == 20
    assert first.next_cursor is not None
    assert len(await every(client, limit=20)) > 40


async def test_the_default_query_is_unresolved_and_an_empty_one_is_everything(sandbox):
    state, client = sandbox
    unresolved = await every(client, limit=100, stats_period="90d")
    everything = await every(client, query="", limit=100, stats_period="90d")
    assert {i.status for i in unresolved} == {"unresolved"}
    assert {i.status for i in everything} >= {"unresolved", "resolved", "ignored"}
    assert len(everything) == len(state.data.issues)


async def test_pages_do_not_overlap_and_cover_the_list(sandbox):
    _, client = sandbox
    paged = await every(client, limit=7)
    whole = await client.list_issues(limit=100)
    assert [i.id for i in paged] == [i.id for i in whole]


async def test_level_and_assignee_filters(sandbox):
    state, client = sandbox
    alice = next(m for m in state.data.members.values() if m.email == "alice@acme.example")
    fatal = await every(client, query="is:unresolved level:fatal", limit=100)
    mine = await every(client, query="assigned:alice@acme.example", limit=100)
    nobody = await every(client, query="is:unresolved assigned:none", limit=100)
    assert fatal
    assert {i.level for i in fatal} == {"fatal"}
    assert mine
    assert {(i.assigned_to.type, i.assigned_to.id) for i in mine if i.assigned_to} == {("user", alice.user_id)}
    assert len([i for i in mine if i.assigned_to]) == len(mine)
    assert nobody
    assert all(i.assigned_to is None for i in nobody)


async def test_assigned_me_is_the_tokens_user_and_an_organization_token_has_none(sandbox):
    _, client = sandbox
    assert len(await client.list_issues(query="assigned:me")) == 0


async def test_negation_free_text_and_lists_of_values(sandbox):
    _, client = sandbox
    not_errors = await every(client, query="!level:error", limit=100)
    cart = await every(client, query="cart", limit=100)
    either = await every(client, query="level:[fatal,warning]", limit=100)
    assert not_errors
    assert "error" not in {i.level for i in not_errors}
    assert cart
    assert all("cart" in (i.title + (i.culprit or "")).lower() for i in cart)
    assert {i.level for i in either} == {"fatal", "warning"}


async def test_an_environment_narrows_the_list_to_issues_seen_there(sandbox):
    _, client = sandbox
    staging = await every(client, environments=["staging"], limit=100)
    production = await every(client, environments=["production"], limit=100)
    assert 0 < len(staging) < len(await every(client, limit=100))
    assert {i.id for i in staging} - {i.id for i in production}  # some happen only on staging


async def test_projects_are_given_by_id_and_an_unknown_one_is_forbidden(sandbox):
    state, client = sandbox
    web = state.data.projects["web"]
    only_web = await every(client, projects=[int(web.id)], limit=100)
    assert only_web
    assert {i.project.slug for i in only_web if i.project} == {"web"}
    with pytest.raises(SentryAPIError) as error:
        await client.list_issues(projects=[1])
    assert error.value.status == 403


async def test_counts_are_for_the_period_and_lifetime_is_all_time(sandbox):
    _, client = sandbox
    day = {i.id: i for i in await every(client, stats_period="24h", limit=100)}
    fortnight = {i.id: i for i in await every(client, stats_period="14d", limit=100)}
    assert set(day) <= set(fortnight)
    for issue_id, issue in day.items():
        assert issue.lifetime is not None
        assert issue.count is not None
        assert issue.lifetime.count is not None
        assert issue.count <= (fortnight[issue_id].count or 0) <= issue.lifetime.count


async def test_the_period_hides_issues_not_seen_in_it(sandbox):
    state, client = sandbox
    seen = await every(client, stats_period="1h", limit=100)
    now = max(i.last_seen for i in state.data.issues.values())
    quiet = [
        i for i in state.data.issues.values() if i.status == "unresolved" and i.last_seen < now - timedelta(hours=2)
    ]
    assert seen
    assert all(i.last_seen and i.last_seen >= now - timedelta(hours=1, minutes=1) for i in seen)
    assert quiet
    assert not {i.id for i in quiet} & {i.id for i in seen}


@pytest.mark.parametrize(
    ("sort", "field"),
    [("date", "last_seen"), ("new", "first_seen"), ("freq", "count"), ("user", "user_count")],
)
async def test_sorts_order_by_what_they_name(sandbox, sort, field):
    _, client = sandbox
    rows = await every(client, sort=sort, limit=100)
    values = [getattr(i, field) for i in rows]
    assert values == sorted(values, reverse=True)


async def test_an_unknown_is_value_is_sentrys_400(sandbox):
    _, client = sandbox
    with pytest.raises(SentryAPIError) as error:
        await client.list_issues(query="is:sleeping")
    assert error.value.status == 400
    assert 'Invalid value for "is" search' in str(error.value)


async def test_a_change_to_a_listed_issue_drops_the_cached_page():
    state = seed_state()
    cache = ReadCache(ttl=600)
    async with (
        run_sandbox(state) as url,
        SentryClient(base_url=url, token="sntrys_test", org="acme", cache=cache) as client,
    ):
        first = await client.list_issues(limit=5)
        again = await client.list_issues(limit=5)
        assert len(state.calls("/organizations/acme/issues/", method="GET")) == 1  # the second came from the cache
        assert [i.id for i in again] == [i.id for i in first]
        await client.update_issue(first.items[0].id, status="resolved")
        after = await client.list_issues(limit=5)
        assert first.items[0].id not in {i.id for i in after}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    limit=st.integers(3, 25),
    query=st.sampled_from(["is:unresolved", "", "level:error", "!assigned:none", "is:[resolved,ignored]"]),
    sort=st.sampled_from(SORTS),
)
async def test_pages_of_any_size_add_up_to_the_whole_list(sandbox, limit, query, sort):
    _, client = sandbox
    paged = await every(client, query=query, sort=sort, limit=limit, stats_period="90d")
    whole = await client.list_issues(query=query, sort=sort, limit=100, stats_period="90d")
    assert [i.id for i in paged] == [i.id for i in whole]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=80))
async def test_any_query_is_answered_or_refused_as_sentry_does(sandbox, query):
    _, client = sandbox
    status = 200
    try:
        await client.list_issues(query=query, limit=5)
    except SentryAPIError as error:
        status = error.status or 0
    assert status in (200, 400)
