"""The Sentry stand-in over real HTTP: conventions (auth, errors, paging, rate limits), faults,
writes that change later reads, and the computed numbers."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from bot.sandbox import SandboxState, run_sandbox, seed_state

AUTH = {"Authorization": "Bearer sntrys_test"}
LINK_RE = re.compile(r'<([^>]+)>; rel="(previous|next)"; results="(true|false)"; cursor="([^"]+)"')


@dataclass
class Sandbox:
    state: SandboxState
    url: str
    session: aiohttp.ClientSession

    def api(self, path: str) -> str:
        return f"{self.url}api/0/{path}"

    async def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any, aiohttp.ClientResponse]:
        async with self.session.request(method, self.api(path), **kwargs) as response:
            body = await response.json() if response.content_type == "application/json" else await response.text()
            return response.status, body, response

    async def get(self, path: str, **kwargs: Any) -> Any:
        status, body, _ = await self.call("GET", path, **kwargs)
        assert status == 200, body
        return body


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    state = seed_state()
    async with run_sandbox(state) as url, aiohttp.ClientSession(headers=AUTH) as session:
        yield Sandbox(state, url, session)


def links(response: aiohttp.ClientResponse) -> dict[str, tuple[str, bool, str]]:
    found = LINK_RE.findall(response.headers["Link"])
    return {rel: (url, results == "true", cursor) for url, rel, results, cursor in found}


# --- conventions -----------------------------------------------------------------------------------


async def test_run_sandbox_yields_the_sentry_url() -> None:
    state = seed_state()
    async with run_sandbox(state, host="127.0.0.1", port=0) as url:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url)
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{url}api/0/organizations/acme/", headers=AUTH) as r,
        ):
            assert r.status == 200
            assert (await r.json())["name"] == "Acme Corp"
    assert state.org_slug == "acme"


async def test_missing_token_is_a_401_with_sentrys_detail(sandbox: Sandbox) -> None:
    async with aiohttp.ClientSession() as anonymous, anonymous.get(sandbox.api("organizations/acme/")) as r:
        assert r.status == 401
        assert await r.json() == {"detail": "Authentication credentials were not provided."}
        assert "X-Sentry-Rate-Limit-Remaining" in r.headers


async def test_only_the_configured_token_is_accepted(sandbox: Sandbox) -> None:
    sandbox.state.auth_token = "sntrys_right"
    status, body, _ = await sandbox.call("GET", "organizations/acme/")
    assert (status, body) == (401, {"detail": "Invalid token"})
    status, _, _ = await sandbox.call("GET", "organizations/acme/", headers={"Authorization": "Bearer sntrys_right"})
    assert status == 200


async def test_unknown_things_are_404_with_a_detail(sandbox: Sandbox) -> None:
    for path in ("organizations/globex/", "organizations/acme/issues/999/", "projects/acme/nope/", "nothing/here/"):
        status, body, _ = await sandbox.call("GET", path)
        assert status == 404, path
        assert body == {"detail": "The requested resource does not exist"}
    status, body, _ = await sandbox.call("PATCH", "organizations/acme/")
    assert (status, body) == (405, {"detail": 'Method "PATCH" not allowed.'})


async def test_every_response_carries_rate_limit_headers(sandbox: Sandbox) -> None:
    _, _, response = await sandbox.call("GET", "organizations/acme/projects/")
    headers = response.headers
    assert headers["X-Sentry-Rate-Limit-Limit"] == "40"
    assert int(headers["X-Sentry-Rate-Limit-Remaining"]) < 40
    assert int(headers["X-Sentry-Rate-Limit-Reset"]) >= int(time.time())
    assert headers["X-Sentry-Rate-Limit-ConcurrentLimit"] == "25"
    assert "X-Sentry-Rate-Limit-ConcurrentRemaining" in headers


async def test_paging_follows_link_cursors_to_the_last_page(sandbox: Sandbox) -> None:
    sandbox.state.page_size = 3
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {"cursor": cursor} if cursor else {}
        status, body, response = await sandbox.call("GET", "organizations/acme/members/", params=params)
        assert status == 200
        pages += 1
        seen += [m["id"] for m in body]
        page_links = links(response)
        assert set(page_links) == {"previous", "next"}  # a next link is always there
        assert page_links["previous"][1] is (pages > 1)
        _, more, cursor = page_links["next"]
        if not more:
            break
    assert pages == 3
    assert seen == sorted(sandbox.state.data.members, key=int)
    assert cursor == "0:9:0"


async def test_first_page_link_header_matches_sentrys_format(sandbox: Sandbox) -> None:
    _, _, response = await sandbox.call("GET", "organizations/acme/projects/")
    previous, following = response.headers["Link"].split(", ")
    assert previous.endswith('; rel="previous"; results="false"; cursor="0:0:1"')
    assert following.endswith('; rel="next"; results="false"; cursor="0:100:0"')


async def test_per_page_is_honoured_and_bad_cursors_refused(sandbox: Sandbox) -> None:
    status, body, response = await sandbox.call("GET", "organizations/acme/members/", params={"per_page": "2"})
    assert status == 200 and len(body) == 2
    assert links(response)["next"][1:] == (True, "0:2:0")
    status, body, _ = await sandbox.call("GET", "organizations/acme/members/", params={"cursor": "junk"})
    assert (status, body) == (400, {"detail": "Invalid cursor parameter."})


# --- faults, latency, the request log --------------------------------------------------------------


async def test_injected_429_looks_like_sentrys(sandbox: Sandbox) -> None:
    sandbox.state.fail_next(status=429, reset_in=7)
    before = int(time.time())
    status, body, response = await sandbox.call("GET", "organizations/acme/issues/WEB-12A/")
    assert status == 429
    assert body == {
        "detail": "You are attempting to use this endpoint too frequently. Limit is 5 requests in 1 seconds"
    }
    assert "Retry-After" not in response.headers
    assert response.headers["X-Sentry-Rate-Limit-Remaining"] == "0"
    assert before + 7 <= int(response.headers["X-Sentry-Rate-Limit-Reset"]) <= int(time.time()) + 7
    status, _, _ = await sandbox.call("GET", "organizations/acme/issues/WEB-12A/")
    assert status == 200  # one failure only


async def test_injected_500_and_503_match_by_path_and_count(sandbox: Sandbox) -> None:
    sandbox.state.fail_next(status=500, times=2, path_contains="/members/")
    status, _, _ = await sandbox.call("GET", "organizations/acme/projects/")
    assert status == 200  # another path is untouched
    for _ in range(2):
        status, body, _ = await sandbox.call("GET", "organizations/acme/members/")
        assert status == 500 and body["detail"] == "Internal Error"
    status, _, _ = await sandbox.call("GET", "organizations/acme/members/")
    assert status == 200
    sandbox.state.fail_next(status=503)
    status, body, response = await sandbox.call("GET", "organizations/acme/")
    assert status == 503 and response.content_type == "text/html"  # from the load balancer, not JSON


async def test_faults_and_log_are_reachable_over_http(sandbox: Sandbox) -> None:
    async with sandbox.session.post(f"{sandbox.url}_sandbox/fail", json={"status": 502, "method": "PUT"}) as r:
        assert r.status == 204
    status, _, _ = await sandbox.call("GET", "organizations/acme/issues/WEB-1/")
    assert status == 200
    status, _, _ = await sandbox.call("PUT", "organizations/acme/issues/WEB-1/", json={"status": "resolved"})
    assert status == 502
    async with sandbox.session.get(f"{sandbox.url}_sandbox/requests") as r:
        log = await r.json()
    assert [(e["method"], e["path"]) for e in log] == [
        ("GET", "/api/0/organizations/acme/issues/WEB-1/"),
        ("PUT", "/api/0/organizations/acme/issues/WEB-1/"),
    ]
    assert log[1]["body"] == {"status": "resolved"}
    async with sandbox.session.post(f"{sandbox.url}_sandbox/reset") as r:
        assert r.status == 204
    assert sandbox.state.requests == []


async def test_latency_and_request_counting(sandbox: Sandbox) -> None:
    sandbox.state.latency = 0.2
    started = time.monotonic()
    await sandbox.get("organizations/acme/shortids/WEB-12A/", params={"collapse": "stats"})
    assert time.monotonic() - started >= 0.2
    calls = sandbox.state.calls("/shortids/")
    assert len(calls) == 1 and calls[0].query.getall("collapse") == ["stats"]


async def test_enforced_rate_limit_answers_429_past_the_limit(sandbox: Sandbox) -> None:
    sandbox.state.enforce_rate_limits = True
    statuses = []
    for _ in range(12):
        status, _, _ = await sandbox.call("GET", "organizations/acme/issues/API-2/")
        statuses.append(status)
    # Issue details allow 5 a second: however the 12 calls straddle a window edge, one window gets 6+.
    assert 429 in statuses and statuses.count(200) >= 5


# --- writes change what later reads see ------------------------------------------------------------


async def test_members_can_be_added_updated_and_removed(sandbox: Sandbox) -> None:
    body = {"email": "ivan@acme.example", "orgRole": "member", "teamRoles": [{"teamSlug": "backend", "role": "admin"}]}
    status, created, _ = await sandbox.call("POST", "organizations/acme/members/", json=body)
    assert status == 201 and created["pending"] is True and created["user"] is None
    listed = await sandbox.get("organizations/acme/members/", params={"query": "email:ivan@acme.example"})
    assert [m["id"] for m in listed] == [created["id"]]

    status, again, _ = await sandbox.call("POST", "organizations/acme/members/", json=body)
    assert (status, again) == (400, {"email": ["The user ivan@acme.example has already been invited"]})
    status, taken, _ = await sandbox.call("POST", "organizations/acme/members/", json={"email": "bob@acme.example"})
    assert status == 409
    assert taken == {
        "detail": {"code": "member-exists", "message": "The user bob@acme.example is already a member", "extra": None}
    }

    path = f"organizations/acme/members/{created['id']}/"
    status, updated, _ = await sandbox.call("PUT", path, json={"orgRole": "manager", "teamRoles": []})
    assert status == 200 and updated["orgRole"] == "manager" and updated["teamRoles"] == []
    status, _, _ = await sandbox.call("DELETE", path)
    assert status == 204
    status, _, _ = await sandbox.call("GET", path)
    assert status == 404


async def test_the_only_owner_cannot_be_demoted_or_removed(sandbox: Sandbox) -> None:
    alice = (await sandbox.get("organizations/acme/members/", params={"query": "email:alice@acme.example"}))[0]
    assert alice["orgRole"] == "owner"
    path = f"organizations/acme/members/{alice['id']}/"
    status, body, _ = await sandbox.call("PUT", path, json={"orgRole": "member"})
    assert status == 403 and "only remaining owner" in body["detail"]
    status, _, _ = await sandbox.call("DELETE", path)
    assert status == 403


async def test_member_details_show_teams_and_roles(sandbox: Sandbox) -> None:
    dave = (await sandbox.get("organizations/acme/members/", params={"query": "email:dave@acme.example"}))[0]
    detail = await sandbox.get(f"organizations/acme/members/{dave['id']}/")
    assert detail["teams"] == ["backend", "frontend"]
    assert {"teamSlug": "frontend", "role": "contributor"} in detail["teamRoles"]
    assert detail["user"]["id"] != detail["id"]  # user ids and member ids differ
    roles = {m["email"]: m["orgRole"] for m in await sandbox.get("organizations/acme/members/")}
    assert {"owner", "manager", "admin", "member", "billing"} <= set(roles.values())


async def test_hooks_can_be_created_and_deleted(sandbox: Sandbox) -> None:
    bad = {"url": "https://bot.example/sentry/webhook", "events": ["event.alert", "issue.created"]}
    status, body, _ = await sandbox.call("POST", "projects/acme/web/hooks/", json=bad)
    assert (status, body) == (400, {"events": ["Invalid event name: issue.created"]})

    good = {"url": "https://bot.example/sentry/webhook", "events": ["event.alert"]}
    status, hook, _ = await sandbox.call("POST", "projects/acme/web/hooks/", json=good)
    assert status == 201
    assert re.fullmatch(r"[0-9a-f]{32}", hook["id"]) and re.fullmatch(r"[0-9a-f]{64}", hook["secret"])
    assert hook["events"] == ["event.alert"] and hook["status"] == "active"
    assert hook["id"] in [h["id"] for h in await sandbox.get("projects/acme/web/hooks/")]

    status, _, _ = await sandbox.call("DELETE", f"projects/acme/web/hooks/{hook['id']}/")
    assert status == 204
    status, _, _ = await sandbox.call("GET", f"projects/acme/web/hooks/{hook['id']}/")
    assert status == 404
    assert hook["id"] not in [h["id"] for h in await sandbox.get("projects/acme/web/hooks/")]


async def test_resolving_and_archiving_an_issue(sandbox: Sandbox) -> None:
    path = "organizations/acme/issues/WEB-12A/"
    status, changes, _ = await sandbox.call("PUT", path, json={"status": "resolved"})
    assert status == 200
    assert changes == {"status": "resolved", "statusDetails": {}, "substatus": None}
    issue = await sandbox.get(path)
    assert (issue["status"], issue["activity"][0]["type"]) == ("resolved", "set_resolved")

    status, changes, _ = await sandbox.call("PUT", path, json={"status": "resolvedInNextRelease"})
    assert changes["statusDetails"] == {"inNextRelease": True} and changes["status"] == "resolved"

    body = {"status": "ignored", "statusDetails": {"ignoreCount": 50}}
    status, changes, _ = await sandbox.call("PUT", path, json=body)
    assert changes["substatus"] == "archived_until_condition_met" and changes["statusDetails"]["ignoreCount"] == 50
    status, changes, _ = await sandbox.call("PUT", path, json={"status": "ignored"})
    assert changes["substatus"] == "archived_until_escalating"

    status, body, _ = await sandbox.call("PUT", path, json={"status": "fixed"})
    assert (status, body) == (400, {"status": ['"fixed" is not a valid choice.']})
    assert (await sandbox.get(path))["status"] == "ignored"  # a refused update changes nothing


async def test_assigning_an_issue(sandbox: Sandbox) -> None:
    api_issue = next(i for i in sandbox.state.data.issues.values() if i.project_slug == "api")
    path = f"organizations/acme/issues/{api_issue.id}/"
    status, changes, _ = await sandbox.call("PUT", path, json={"assignedTo": "erin@acme.example"})
    assert status == 200
    assert changes["assignedTo"] == {"type": "user", "id": "5205", "name": "Erin Walsh", "email": "erin@acme.example"}
    assert (await sandbox.get(path))["assignedTo"]["email"] == "erin@acme.example"

    team_id = sandbox.state.data.teams["backend"].id
    _, changes, _ = await sandbox.call("PUT", path, json={"assignedTo": f"team:{team_id}"})
    assert changes["assignedTo"] == {"type": "team", "id": team_id, "name": "backend"}
    _, changes, _ = await sandbox.call("PUT", path, json={"assignedTo": "user:5202"})
    assert changes["assignedTo"]["name"] == "Bob Okafor"
    _, changes, _ = await sandbox.call("PUT", path, json={"assignedTo": ""})
    assert changes == {"assignedTo": None}
    assert (await sandbox.get(path))["assignedTo"] is None

    status, body, _ = await sandbox.call("PUT", path, json={"assignedTo": "heidi@acme.example"})  # pending invite
    assert (status, body) == (400, {"assignedTo": ["Unknown actor input"]})


async def test_an_unknown_team_slug_or_team_role_is_refused_as_sentry_words_it(sandbox: Sandbox) -> None:
    body = {"email": "ivan@acme.example", "orgRole": "member", "teamRoles": [{"teamSlug": "bakend", "role": None}]}
    status, refused, _ = await sandbox.call("POST", "organizations/acme/members/", json=body)
    assert (status, refused) == (400, {"teamRoles": ["Invalid teams"]})
    body["teamRoles"] = [{"teamSlug": "backend", "role": "boss"}]
    status, refused, _ = await sandbox.call("POST", "organizations/acme/members/", json=body)
    assert (status, refused) == (400, {"teamRoles": ["Invalid team-role"]})
    assert sandbox.state.data.member_by_email("ivan@acme.example") is None


async def test_a_top_level_ignore_count_archives_until_that_many_events(sandbox: Sandbox) -> None:
    issue = next(iter(sandbox.state.data.issues.values()))
    path = f"organizations/acme/issues/{issue.id}/"
    body = {"status": "ignored", "substatus": "archived_until_condition_met", "ignoreCount": 100}
    status, changes, _ = await sandbox.call("PUT", path, json=body)
    assert status == 200
    assert changes["statusDetails"]["ignoreCount"] == 100
    assert (await sandbox.get(path))["statusDetails"]["ignoreCount"] == 100


async def test_only_members_of_the_projects_teams_and_those_teams_can_be_assigned(sandbox: Sandbox) -> None:
    api_issue = next(i for i in sandbox.state.data.issues.values() if i.project_slug == "api")
    path = f"organizations/acme/issues/{api_issue.id}/"
    status, body, _ = await sandbox.call("PUT", path, json={"assignedTo": "alice@acme.example"})  # frontend only
    assert (status, body) == (400, {"assignedTo": ["Cannot assign to non-team member"]})
    mobile = sandbox.state.data.teams["mobile"].id
    status, body, _ = await sandbox.call("PUT", path, json={"assignedTo": f"team:{mobile}"})
    assert (status, body) == (400, {"assignedTo": ["Cannot assign to a team without access to the project"]})
    status, _, _ = await sandbox.call("PUT", path, json={"assignedTo": "dave@acme.example"})  # frontend and backend
    assert status == 200


async def test_scim_provision_filter_and_deactivate(sandbox: Sandbox) -> None:
    scim = "organizations/acme/scim/v2/Users"
    status, user, _ = await sandbox.call(
        "POST", scim, json={"userName": "judy@acme.example", "sentryOrgRole": "member"}
    )
    assert status == 201 and user["userName"] == "judy@acme.example" and user["active"] is True
    status, body, _ = await sandbox.call("POST", scim, json={"userName": "judy@acme.example"})
    assert (status, body) == (409, {"detail": "User already exists in the database."})

    found = await sandbox.get(scim, params={"filter": 'userName eq "JUDY@acme.example"'})
    assert found["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert (found["totalResults"], found["Resources"][0]["id"]) == (1, user["id"])
    page = await sandbox.get(scim, params={"startIndex": "2", "count": "3"})
    assert (page["startIndex"], page["itemsPerPage"], page["totalResults"]) == (2, 3, 9)

    deactivate = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": False}}],
    }
    status, _, _ = await sandbox.call("PATCH", f"{scim}/{user['id']}", json=deactivate)
    assert status == 204
    emails = [m["email"] for m in await sandbox.get("organizations/acme/members/")]
    assert "judy@acme.example" not in emails

    grace = next(m for m in sandbox.state.data.members.values() if m.email.startswith("grace"))
    status, _, _ = await sandbox.call("DELETE", f"{scim}/{grace.id}")
    assert status == 204
    status, _, _ = await sandbox.call("DELETE", f"{scim}/{grace.id}")
    assert status == 404


async def test_forwarders_external_actors_and_issue_links(sandbox: Sandbox) -> None:
    data = sandbox.state.data
    web_id = int(data.projects["web"].id)
    body = {
        "organization_id": int(data.organization.id),
        "provider": "splunk",
        "project_ids": [web_id],
        "config": {
            "instance_url": "https://splunk.acme.example:8088",
            "index": "sentry",
            "source": "sentry",
            "token": "splunk-hec-token",
        },
    }
    status, created, _ = await sandbox.call("POST", "organizations/acme/forwarding/", json=body)
    assert status == 201 and created["provider"] == "splunk" and created["enrolledProjects"][0]["slug"] == "web"
    status, updated, _ = await sandbox.call(
        "PUT", f"organizations/acme/forwarding/{created['id']}/", json={"is_enabled": False}
    )
    assert status == 200 and updated["isEnabled"] is False
    duplicate = {
        **body,
        "provider": "sqs",
        "config": {"queue_url": "q", "region": "r", "access_key": "a", "secret_key": "s"},
    }
    status, refused, _ = await sandbox.call("POST", "organizations/acme/forwarding/", json=duplicate)
    # One forwarder per provider (sqs exists), refused as Sentry's serializer refuses it.
    message = "A DataForwarder with provider 'sqs' already exists for this organization."
    assert (status, refused) == (400, {"non_field_errors": [message]})
    status, refused, _ = await sandbox.call(
        "POST", "organizations/acme/forwarding/", json={**body, "organization_id": 1}
    )
    assert (status, list(refused)) == (400, ["organization_id"])
    status, _, _ = await sandbox.call("DELETE", f"organizations/acme/forwarding/{created['id']}/")
    assert status == 204
    assert {f["provider"] for f in await sandbox.get("organizations/acme/forwarding/")} == {"sqs", "segment"}

    slack = (await sandbox.get("organizations/acme/integrations/", params={"providerKey": "slack"}))[0]["id"]
    mapping = {"user_id": 5204, "external_name": "@dave", "provider": "slack", "integration_id": int(slack)}
    status, user, _ = await sandbox.call("POST", "organizations/acme/external-users/", json=mapping)
    assert status == 201 and user["userId"] == "5204"
    status, same, _ = await sandbox.call("POST", "organizations/acme/external-users/", json=mapping)
    assert (status, same["id"]) == (200, user["id"])
    status, team, _ = await sandbox.call(
        "POST",
        "teams/acme/backend/external-teams/",
        json={"external_name": "#backend", "provider": "slack", "integration_id": int(slack)},
    )
    assert status == 201 and team["teamId"] == data.teams["backend"].id
    status, _, _ = await sandbox.call("DELETE", f"teams/acme/backend/external-teams/{team['id']}/")
    assert status == 204

    uuid = (await sandbox.get("organizations/acme/sentry-app-installations/"))[0]["uuid"]
    issue_id = data.issue("IOS-1").id
    link = {
        "issueId": int(issue_id),
        "webUrl": "https://tracker.acme.example/MOB/issues/7",
        "project": "MOB",
        "identifier": "MOB-7",
    }
    status, linked, _ = await sandbox.call("POST", f"sentry-app-installations/{uuid}/external-issues/", json=link)
    assert status == 200 and linked["displayName"] == "MOB#MOB-7"
    assert [x["id"] for x in await sandbox.get(f"organizations/acme/issues/{issue_id}/external-issues/")] == [
        linked["id"]
    ]
    status, _, _ = await sandbox.call("DELETE", f"sentry-app-installations/{uuid}/external-issues/{linked['id']}/")
    assert status == 204
    assert await sandbox.get(f"organizations/acme/issues/{issue_id}/external-issues/") == []


async def test_deleting_an_integration_and_renaming_the_org(sandbox: Sandbox) -> None:
    jira = (await sandbox.get("organizations/acme/integrations/", params={"providerKey": "jira"}))[0]["id"]
    status, _, _ = await sandbox.call("DELETE", f"organizations/acme/integrations/{jira}/")
    assert status == 204
    status, _, _ = await sandbox.call("GET", f"organizations/acme/integrations/{jira}/")
    assert status == 404
    status, org, _ = await sandbox.call("PUT", "organizations/acme/", json={"name": "Acme Inc", "require2FA": True})
    assert status == 200 and (org["name"], org["require2FA"]) == ("Acme Inc", True)
    status, body, _ = await sandbox.call("PUT", "organizations/acme/", json={"require2FA": "yes"})
    assert (status, body) == (400, {"require2FA": ["Must be a valid boolean."]})


# --- lookups and computed numbers -------------------------------------------------------------------


async def test_event_id_resolves_to_its_issue(sandbox: Sandbox) -> None:
    event = next(e for e in sandbox.state.data.events.values() if e.issue_id == sandbox.state.data.issue("API-2").id)
    found = await sandbox.get(f"organizations/acme/eventids/{event.event_id}/")
    assert set(found) == {"organizationSlug", "projectSlug", "groupId", "eventId", "event"}
    assert (found["organizationSlug"], found["projectSlug"], found["eventId"]) == ("acme", "api", event.event_id)
    assert found["event"]["groupID"] == found["groupId"]
    assert found["event"]["entries"][0]["data"]["values"][0]["type"] == "KeyError"
    status, _, _ = await sandbox.call("GET", f"organizations/acme/eventids/{'0' * 32}/")
    assert status == 404


async def test_short_ids_resolve_case_insensitively(sandbox: Sandbox) -> None:
    found = await sandbox.get("organizations/acme/shortids/web-12a/")
    assert (found["shortId"], found["projectSlug"]) == ("WEB-12A", "web")
    assert found["group"]["permalink"] == f"https://acme.sentry.io/issues/{found['groupId']}/"
    detail = await sandbox.get(f"organizations/acme/issues/{found['groupId']}/")
    assert detail["shortId"] == "WEB-12A" and isinstance(detail["count"], str)
    assert len(detail["stats"]["24h"]) == 24 and len(detail["stats"]["30d"]) == 30


async def test_stats_v2_groups_agree_with_each_other(sandbox: Sandbox) -> None:
    base = {"field": "sum(quantity)", "statsPeriod": "7d", "interval": "1d"}
    totals = {}
    for group_by in ("project", "category", "outcome"):
        result = await sandbox.get("organizations/acme/stats_v2/", params={**base, "groupBy": group_by})
        assert len(result["intervals"]) in (7, 8)
        for group in result["groups"]:
            assert set(group["by"]) == {group_by}
            assert sum(group["series"]["sum(quantity)"]) == group["totals"]["sum(quantity)"]
        totals[group_by] = sum(g["totals"]["sum(quantity)"] for g in result["groups"])
    assert totals["project"] == totals["category"] == totals["outcome"] > 0

    params = [
        ("field", "sum(times_seen)"),
        ("groupBy", "project"),
        ("groupBy", "outcome"),
        ("category", "error"),
        ("project", sandbox.state.data.projects["ios"].id),
    ]
    result = await sandbox.get("organizations/acme/stats_v2/", params=params)
    assert {g["by"]["project"] for g in result["groups"]} == {int(sandbox.state.data.projects["ios"].id)}
    assert "accepted" in {g["by"]["outcome"] for g in result["groups"]}

    status, body, _ = await sandbox.call("GET", "organizations/acme/stats_v2/", params={"groupBy": "project"})
    assert status == 400 and "field" in body["detail"]


async def test_project_stats_are_deterministic_series(sandbox: Sandbox) -> None:
    until = int(datetime(2026, 1, 15, 12, tzinfo=UTC).timestamp())
    params = {"stat": "received", "since": str(until - 86400), "until": str(until), "resolution": "1h"}
    first = await sandbox.get("projects/acme/web/stats/", params=params)
    assert first == await sandbox.get("projects/acme/web/stats/", params=params)
    assert len(first) == 25 and all(b[0] - a[0] == 3600 for a, b in itertools.pairwise(first))
    rejected = await sandbox.get("projects/acme/web/stats/", params={**params, "stat": "rejected"})
    assert 0 < sum(c for _, c in rejected) < sum(c for _, c in first)
    status, body, _ = await sandbox.call("GET", "projects/acme/web/stats/", params={"resolution": "5m"})
    assert (status, body) == (400, {"detail": "Invalid resolution"})


async def test_tag_values_users_repos_and_keys(sandbox: Sandbox) -> None:
    browsers = await sandbox.get("projects/acme/web/tags/browser/values/")
    assert {"name", "value", "count", "lastSeen", "firstSeen"} <= set(browsers[0])
    assert "Chrome 125.0.0" in [b["value"] for b in browsers]
    status, _, _ = await sandbox.call("GET", "projects/acme/ios/tags/browser/values/")
    assert status == 404
    users = await sandbox.get("projects/acme/web/users/", params={"query": "email:m.rossi@example.com"})
    assert [u["name"] for u in users] == ["Marco Rossi"]
    repos = {r["name"]: r["id"] for r in await sandbox.get("organizations/acme/repos/")}
    commits = await sandbox.get(f"organizations/acme/repos/{repos['acme/web']}/commits/")
    assert all(re.fullmatch(r"[0-9a-f]{40}", c["id"]) and c["author"]["email"] for c in commits)
    keys = await sandbox.get("organizations/acme/project-keys/", params={"status": "active"})
    assert all(k["isActive"] and k["dsn"]["public"].startswith("https://") and k["secret"] for k in keys)


def test_seed_is_deterministic() -> None:
    moment = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    first, second = seed_state(now=moment).data, seed_state(now=moment).data
    assert list(first.hooks) == list(second.hooks)
    assert list(first.events) == list(second.events)
    assert {first.short_id(i) for i in first.issues.values()} >= {"WEB-12A", "WEB-1", "API-1", "IOS-1"}
