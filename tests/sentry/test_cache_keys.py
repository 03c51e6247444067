"""The read cache never answers one read with another's data, for every read of the client.

The reads are generated from `SentryClient`'s public methods (everything that is not a write), with
arguments drawn from the sandbox's sample organization plus names it does not know. For any sequence
of reads, a client with a cache must answer exactly what a client without one answers, and it may
skip Sentry only when an earlier read sent the very same requests.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import SentryAPIError
from bot.sandbox import SandboxState, run_sandbox, seed_state
from bot.sentry import ReadCache, SentryClient

WRITES = frozenset(
    {
        "update_organization",
        "add_member",
        "update_member",
        "remove_member",
        "create_hook",
        "delete_hook",
        "delete_integration",
        "create_forwarder",
        "update_forwarder",
        "delete_forwarder",
        "create_external_user",
        "update_external_user",
        "delete_external_user",
        "create_external_team",
        "update_external_team",
        "delete_external_team",
        "create_external_issue",
        "delete_external_issue",
        "provision_scim_user",
        "update_scim_user",
        "deactivate_scim_user",
        "remove_scim_user",
        "update_issue",
        # tickets and Seer
        "create_ticket",
        "link_ticket",
        "start_autofix",
    }
)

_SEED = seed_state().data
_ISSUES = list(_SEED.issues.values())[:4]
_HOUR = 3600
_WEB_ID, _API_ID = _SEED.projects["web"].id, _SEED.projects["api"].id
_NOW = int(max(i.last_seen for i in _SEED.issues.values()).timestamp()) // _HOUR * _HOUR
_PROJECT_IDS = sorted(int(p.id) for p in _SEED.projects.values())


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# One strategy per parameter name of a read: known names from the sample data, and unknown ones.
PARAMETERS: dict[str, st.SearchStrategy[Any]] = {
    "project": st.sampled_from(["web", "api", "ios", "nope"]),
    "key": st.sampled_from(["browser", "environment", "release", "os", "nope"]),
    "member_id": st.sampled_from([*list(_SEED.members)[:3], "9999"]),
    "issue_id": st.sampled_from([*(i.id for i in _ISSUES), "1"]),
    "short_id": st.sampled_from([*(_SEED.short_id(i) for i in _ISSUES), _SEED.short_id(_ISSUES[0]).lower(), "WEB-0"]),
    "event_id": st.sampled_from([*list(_SEED.events)[:3], "0" * 32]),
    "repo_id": st.sampled_from([*list(_SEED.repos)[:2], "1"]),
    "integration_id": st.sampled_from([*list(_SEED.integrations)[:2], "1"]),
    "provider_key": st.sampled_from([None, "slack", "github", "nope"]),
    "cursor": st.sampled_from([None, "0:1:0", "0:2:0"]),
    "max_pages": st.integers(1, 3),
    "query": st.sampled_from([None, "alice", "ios"]),
    "email": st.sampled_from([None, *(m.email for m in list(_SEED.members.values())[:2]), "nobody@acme.example"]),
    "start_index": st.integers(1, 3),
    "count": st.integers(1, 5),
    "stat": st.sampled_from(["received", "rejected", "generated"]),
    "since": st.sampled_from([None, _NOW - 24 * _HOUR, _NOW - 6 * _HOUR]),
    "until": st.sampled_from([None, _NOW]),
    "resolution": st.sampled_from([None, "1h", "1d"]),
    "team": st.sampled_from([None, "frontend", "backend"]),
    "status": st.sampled_from([None, "active", "inactive"]),
    "field": st.sampled_from(["sum(quantity)", "sum(times_seen)"]),
    "group_by": st.sampled_from([("category",), ("project",), ("outcome", "category")]),
    "stats_period": st.sampled_from(["24h", "14d"]),
    "category": st.sampled_from([None, "error", "transaction"]),
    "outcome": st.sampled_from([None, "accepted", "filtered"]),
    # tickets: the create or the link form
    "action": st.sampled_from(["create", "link"]),
}
# Parameters of org_stats whose names mean something else elsewhere.
OVERRIDES: dict[tuple[str, str], st.SearchStrategy[Any]] = {
    ("org_stats", "project"): st.sampled_from([(), ("1",), ("2", "3")]),
    ("org_stats", "interval"): st.sampled_from([None, "1h", "1d"]),
    ("org_stats", "start"): st.none(),
    ("org_stats", "end"): st.none(),
    # --- issue lists (lists) ---
    ("list_issues", "query"): st.sampled_from(
        ["is:unresolved", "", "level:error", "assigned:alice@acme.example", "cart"]
    ),
    ("list_issues", "projects"): st.sampled_from([(), (int(_WEB_ID),), (int(_WEB_ID), int(_API_ID))]),
    ("list_issues", "environments"): st.sampled_from([(), ("production",), ("staging",)]),
    ("list_issues", "sort"): st.sampled_from([None, "date", "new", "freq", "user", "trends"]),
    ("list_issues", "stats_period"): st.sampled_from([None, "24h", "14d"]),
    ("list_issues", "limit"): st.sampled_from([5, 25]),
    # --- reports (issue 15) ---
    ("event_totals", "start"): st.sampled_from([_iso(_NOW - 48 * _HOUR), _iso(_NOW - 24 * _HOUR)]),
    ("event_totals", "end"): st.sampled_from([_iso(_NOW - 24 * _HOUR), _iso(_NOW)]),
    ("event_totals", "projects"): st.sampled_from([(), (_PROJECT_IDS[0],), tuple(_PROJECT_IDS[1:3])]),
    ("event_totals", "environments"): st.sampled_from([(), ("production",)]),
}

# --- issue card, releases and crons (issue 13, "card") ---
WRITES = WRITES | {"update_monitor"}
PARAMETERS.update(
    {
        "keys": st.sampled_from([("release", "environment", "browser.name"), ("release", "os.name"), ("nope",)]),
        "version": st.sampled_from([*list(_SEED.releases)[:3], "web@0.0.0", "com.acme.shop@5.12.0+1042"]),
        "project_id": st.sampled_from([None, *(p.id for p in _SEED.projects.values()), "1"]),
        "monitor": st.sampled_from([*list(_SEED.monitors)[:3], "nope"]),
    }
)


def public_methods() -> set[str]:
    return {n for n in dir(SentryClient) if not n.startswith("_") and callable(getattr(SentryClient, n))} - {"close"}


def read_methods() -> list[str]:
    return sorted(public_methods() - WRITES)


def arguments(method: str) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments for `method`, one strategy per parameter of its signature."""
    fields = {}
    for name in list(inspect.signature(getattr(SentryClient, method)).parameters)[1:]:
        strategy = OVERRIDES.get((method, name), PARAMETERS.get(name))
        if strategy is None:
            raise LookupError(f"add a strategy for parameter `{name}` of the read `{method}` to PARAMETERS")
        fields[name] = strategy
    return st.fixed_dictionaries(fields)


def test_every_public_method_is_a_read_covered_here_or_a_write():
    assert public_methods() >= WRITES, sorted(WRITES - public_methods())
    for method in read_methods():
        arguments(method)  # raises naming the parameter no strategy covers
    assert len(read_methods()) >= 20


Call = tuple[str, dict[str, Any]]


@dataclass
class Outcome:
    answer: Any
    requests: list[tuple[str, str, tuple[tuple[str, str], ...]]]


@dataclass
class Sandbox:
    state: SandboxState
    url: str
    session: aiohttp.ClientSession

    def client(self, cache: ReadCache) -> SentryClient:
        return SentryClient(base_url=self.url, token="sntrys_test", org="acme", session=self.session, cache=cache)

    async def run(self, client: SentryClient, call: Call) -> Outcome:
        before = len(self.state.requests)
        method, kwargs = call
        try:
            answer: Any = await getattr(client, method)(**kwargs)
        except SentryAPIError as error:
            answer = (type(error).__name__, error.status, str(error))
        sent = [(r.method, r.path, tuple(sorted(r.query.items()))) for r in self.state.requests[before:]]
        return Outcome(answer, sent)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    state = seed_state()
    state.auth_token = "sntrys_test"
    async with run_sandbox(state) as url, aiohttp.ClientSession() as session:
        yield Sandbox(state, url, session)


@pytest.mark.parametrize("method", read_methods())
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_a_cached_read_answers_what_a_fresh_read_answers(sandbox: Sandbox, method: str, data: st.DataObject):
    sequence = [(method, kw) for kw in data.draw(st.lists(arguments(method), min_size=2, max_size=5))]
    cached = sandbox.client(ReadCache(ttl=600))
    fresh = sandbox.client(ReadCache(ttl=0))
    seen: list[list[tuple[str, str, tuple[tuple[str, str], ...]]]] = []
    for call in sequence:
        got = await sandbox.run(cached, call)
        expected = await sandbox.run(fresh, call)
        assert got.answer == expected.answer, call
        assert all(method == "GET" for method, _, _ in expected.requests), f"{call[0]} is a write: add it to WRITES"
        if not got.requests:
            assert expected.requests in seen, f"{call} was answered from another read's entry"
        seen.append(expected.requests)


async def test_users_of_one_project_are_not_the_users_of_another(sandbox: Sandbox):
    client = sandbox.client(ReadCache(ttl=600))
    web = await client.list_project_users("web")
    api = await client.list_project_users("api")
    assert [u.id for u in api] == [u.id for u in await sandbox.client(ReadCache(ttl=0)).list_project_users("api")]
    assert [u.id for u in api] != [u.id for u in web]


async def test_hooks_of_one_project_are_not_the_hooks_of_another(sandbox: Sandbox):
    client = sandbox.client(ReadCache(ttl=600))
    web = await client.list_hooks("web")
    assert {h.id for h in await client.list_hooks("api")}.isdisjoint({h.id for h in web})
