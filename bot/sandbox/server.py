"""The sandbox over HTTP: Sentry's REST API routes under `/api/0/`, and test controls under `/_sandbox/`.

Every API response follows Sentry's conventions: bearer-token auth, `{"detail": ...}` errors,
`Link` paging with `value:offset:is_prev` cursors, and `X-Sentry-Rate-Limit-*` headers. The
handlers stay thin: lookups and writes live in `state.py`, JSON shapes in `shapes.py`.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any, TypeVar

from aiohttp import web
from multidict import MultiDict

from bot.sandbox import search, shapes, usage
from bot.sandbox.records import JSON, Integration, Issue, Member, Project, Release
from bot.sandbox.state import (
    CONCURRENT_LIMIT,
    NOT_FOUND,
    ApiError,
    Fault,
    RateWindow,
    RecordedRequest,
    SandboxData,
    SandboxState,
)
from bot.sandbox.tickets import SEER_DISABLED, TicketRefused, autofix_state

T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

STATE = web.AppKey("sandbox_state", SandboxState)
API = "/api/0"
ORG = API + "/organizations/{org}"
PROJECT = API + "/projects/{org}/{project}"
TEAM = API + "/teams/{org}/{team}"
SCIM = ORG + "/scim/v2/Users"  # SCIM paths have no trailing slash
MAX_PER_PAGE = 100
# Endpoints whose limit differs from the default 40 a second (Sentry: issue details, 5 a second).
RATE_LIMITS = {("GET", ORG + "/issues/{issue_id}/"): 5}
DEFAULT_RATE_LIMIT = 40  # requests per endpoint per one-second window
FAULT_DETAILS = {
    401: "Invalid token",
    403: "You do not have permission to perform this action.",
    404: NOT_FOUND,
}

routes = web.RouteTableDef()


# --- building blocks -----------------------------------------------------------------------------


def state_of(request: web.Request) -> SandboxState:
    return request.app[STATE]


def data_of(request: web.Request) -> SandboxData:
    """The data, after checking the organization in the path is ours (Sentry: 404 otherwise)."""
    data = state_of(request).data
    org = request.match_info.get("org")
    if org is not None and not data.organization_matches(org):
        raise ApiError.not_found()
    return data


def ok(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status)


def no_content() -> web.Response:
    return web.Response(status=204)


async def json_body(request: web.Request) -> JSON:
    if not request.body_exists:
        return {}
    try:
        body = json.loads(await request.text())
    except ValueError as exc:
        raise ApiError.detail(400, f"JSON parse error - {exc}") from None
    if not isinstance(body, dict):
        kind = type(body).__name__
        raise ApiError(400, {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]})
    return body


def parse_cursor(cursor: str | None) -> int:
    """Sentry cursors are `value:offset:is_prev`; the sandbox pages by item offset."""
    if not cursor:
        return 0
    parts = cursor.split(":")
    if len(parts) != 3 or not all(p.lstrip("-").isdigit() for p in parts) or int(parts[1]) < 0:
        raise ApiError.detail(400, "Invalid cursor parameter.")
    return int(parts[1])


def page_limit(request: web.Request) -> int:
    """`per_page` up to Sentry's 100, and never above the state's page size (lowered by tests)."""
    size = state_of(request).page_size
    raw = request.query.get("per_page")
    if raw is None:
        return size
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PER_PAGE:
        raise ApiError.detail(400, f"Invalid per_page parameter. Max is {MAX_PER_PAGE}")
    return min(int(raw), size)


def link_header(request: web.Request, offset: int, limit: int, total: int) -> str:
    def link(rel: str, cursor: str, results: bool) -> str:
        url = request.url.update_query(cursor=cursor)
        return f'<{url}>; rel="{rel}"; results="{str(results).lower()}"; cursor="{cursor}"'

    previous = link("previous", f"0:{max(offset - limit, 0)}:1", offset > 0)
    return f"{previous}, {link('next', f'0:{offset + limit}:0', offset + limit < total)}"


def paged(request: web.Request, items: Sequence[T], render: Callable[[T], JSON]) -> web.Response:
    """One page of a list, with Sentry's `Link` header (a next link is always there)."""
    offset = parse_cursor(request.query.get("cursor"))
    limit = page_limit(request)
    response = ok([render(item) for item in items[offset : offset + limit]])
    response.headers["Link"] = link_header(request, offset, limit, len(items))
    return response


def contains(needle: str | None, *haystack: str | None) -> bool:
    return not needle or any(needle.lower() in (text or "").lower() for text in haystack)


def utcnow() -> datetime:
    return datetime.now(UTC)


# --- Sentry's conventions, applied to every API request ------------------------------------------


@web.middleware
async def conventions(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(API + "/"):
        return await guarded(request, handler)
    state = state_of(request)
    await record(state, request)
    endpoint = endpoint_of(request)
    limit = RATE_LIMITS.get((request.method, endpoint), DEFAULT_RATE_LIMIT)
    window = state.count_request(endpoint, limit)
    state.enter(endpoint)
    try:
        if state.latency > 0:
            await asyncio.sleep(state.latency)
        response = await guarded(request, lambda r: authorized_call(r, handler, endpoint, window))
    finally:
        state.leave(endpoint)
    for name, value in rate_limit_headers(window).items():
        response.headers.setdefault(name, value)  # a 429 sets its own Remaining and Reset
    return response


async def guarded(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Errors as Sentry's JSON bodies, including aiohttp's own 404 and 405."""
    try:
        return await handler(request)
    except ApiError as error:
        return ok(error.body, status=error.status)
    except web.HTTPMethodNotAllowed:
        return ok({"detail": f'Method "{request.method}" not allowed.'}, status=405)
    except web.HTTPNotFound:
        return ok({"detail": NOT_FOUND}, status=404)


async def authorized_call(
    request: web.Request, handler: Handler, endpoint: str, window: RateWindow
) -> web.StreamResponse:
    state = state_of(request)
    check_token(request, state)
    fault = state.take_fault(request.method, request.path)
    if fault is not None:
        return await fault_response(state, fault, window.limit)
    if state.over_limit(endpoint, window.limit):
        return too_many_requests(window.limit, window.reset)
    return await handler(request)


def check_token(request: web.Request, state: SandboxState) -> None:
    header = request.headers.get("Authorization")
    if not header:
        raise ApiError.detail(401, "Authentication credentials were not provided.")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError.detail(401, "Invalid token")
    if state.auth_token is not None and token.strip() != state.auth_token:
        raise ApiError.detail(401, "Invalid token")


def endpoint_of(request: web.Request) -> str:
    """Sentry counts rate limits per endpoint: the route pattern, not the concrete path."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else request.path


async def record(state: SandboxState, request: web.Request) -> None:
    body: Any = None
    if request.body_exists:
        raw = await request.text()  # aiohttp keeps the body, so handlers can read it again
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw
    state.requests.append(RecordedRequest(request.method, request.path, MultiDict(request.query), body))


def rate_limit_headers(window: RateWindow) -> dict[str, str]:
    return {
        "X-Sentry-Rate-Limit-Limit": str(window.limit),
        "X-Sentry-Rate-Limit-Remaining": str(window.remaining),
        "X-Sentry-Rate-Limit-Reset": str(window.reset),
        "X-Sentry-Rate-Limit-ConcurrentLimit": str(CONCURRENT_LIMIT),
        "X-Sentry-Rate-Limit-ConcurrentRemaining": str(window.concurrent_remaining),
    }


def too_many_requests(limit: int, reset: int, body: Any = None) -> web.Response:
    """Sentry's 429: a `detail`, Remaining 0, Reset in epoch seconds, and no Retry-After."""
    detail = f"You are attempting to use this endpoint too frequently. Limit is {limit} requests in 1 seconds"
    response = ok(body if body is not None else {"detail": detail}, status=429)
    response.headers["X-Sentry-Rate-Limit-Remaining"] = "0"
    response.headers["X-Sentry-Rate-Limit-Reset"] = str(reset)
    return response


async def fault_response(state: SandboxState, fault: Fault, limit: int) -> web.Response:
    if fault.delay > 0:
        await asyncio.sleep(fault.delay)
    if fault.status == 429:
        return too_many_requests(limit, int(time.time()) + fault.reset_in, fault.body)
    body = fault.body if fault.body is not None else default_fault_body(state, fault.status)
    if isinstance(body, str):
        return web.Response(status=fault.status, text=body, content_type="text/html")
    return ok(body, status=fault.status)


def default_fault_body(state: SandboxState, status: int) -> JSON | str:
    """What Sentry (or the load balancer in front of it) answers with each failure."""
    if status == 500:
        return {"detail": "Internal Error", "errorId": state.data.new_hex(32)}
    if status in (502, 503, 504):
        phrase = f"{status} {HTTPStatus(status).phrase}"
        return f"<html><head><title>{phrase}</title></head><body><h1>{phrase}</h1></body></html>"
    return {"detail": FAULT_DETAILS.get(status) or HTTPStatus(status).phrase}


# --- organization --------------------------------------------------------------------------------


@routes.get(ORG + "/")
async def get_organization(request: web.Request) -> web.Response:
    return ok(shapes.organization(data_of(request), detailed=request.query.get("detailed") != "0"))


@routes.put(ORG + "/")
async def update_organization(request: web.Request) -> web.Response:
    data = data_of(request)
    data.update_organization(await json_body(request))
    return ok(shapes.organization(data))


@routes.get(ORG + "/projects/")
async def list_projects(request: web.Request) -> web.Response:
    data = data_of(request)
    wanted = request.query.get("query")
    found = [p for p in sorted(data.projects.values(), key=lambda p: p.slug) if contains(wanted, p.slug, p.name)]
    return paged(request, found, lambda p: shapes.project_summary(data, p))


@routes.get(ORG + "/teams/")
async def list_teams(request: web.Request) -> web.Response:
    data = data_of(request)
    wanted = request.query.get("query")
    detailed = request.query.get("detailed") != "0"
    found = [t for t in sorted(data.teams.values(), key=lambda t: t.slug) if contains(wanted, t.slug, t.name)]
    return paged(request, found, lambda t: shapes.team(data, t, with_projects=detailed))


@routes.get(ORG + "/relay_usage/")
async def list_relays(request: web.Request) -> web.Response:
    return ok([shapes.relay(r) for r in data_of(request).relays])


@routes.get(ORG + "/project-keys/")
async def list_project_keys(request: web.Request) -> web.Response:
    data = data_of(request)
    keys = data.project_keys
    if team_key := request.query.get("team"):
        team = data.team(team_key)
        keys = [k for k in keys if data.projects[k.project_slug].team_slug == team.slug]
    if status := request.query.get("status"):
        if status not in ("active", "inactive"):
            raise ApiError.field("status", f'"{status}" is not a valid choice.')
        keys = [k for k in keys if k.is_active == (status == "active")]
    return paged(request, keys, lambda k: shapes.project_key(data, k))


@routes.get(ORG + "/stats_v2/")
async def org_stats(request: web.Request) -> web.Response:
    data = data_of(request)
    query = usage.usage_query(request.query, list(data.projects.values()), int(time.time()))
    return ok(usage.stats_v2(query))


# --- members -------------------------------------------------------------------------------------


def member_matches(member: Member, query: str | None) -> bool:
    """Sentry's member search: `email:`, `role:` and `isInvited:` terms, or free text."""
    for term in (query or "").split():
        key, colon, value = term.partition(":")
        if not colon:
            matched = contains(term, member.email, member.name)
        elif key == "email":
            matched = member.email.lower() == value.lower()
        elif key in ("role", "orgRole"):
            matched = member.org_role == value
        elif key == "isInvited":
            matched = member.pending == (value.lower() == "true")
        else:
            matched = contains(term, member.email, member.name)
        if not matched:
            return False
    return True


@routes.get(ORG + "/members/")
async def list_members(request: web.Request) -> web.Response:
    data = data_of(request)
    query = request.query.get("query")
    found = [m for m in sorted(data.members.values(), key=lambda m: int(m.id)) if member_matches(m, query)]
    return paged(request, found, shapes.member_summary)


@routes.post(ORG + "/members/")
async def add_member(request: web.Request) -> web.Response:
    data = data_of(request)
    member = data.add_member(await json_body(request))
    return ok(shapes.member_summary(member), status=201)


@routes.get(ORG + "/members/{member_id}/")
async def get_member(request: web.Request) -> web.Response:
    data = data_of(request)
    return ok(shapes.member_detail(data, data.member(request.match_info["member_id"])))


@routes.put(ORG + "/members/{member_id}/")
async def update_member(request: web.Request) -> web.Response:
    data = data_of(request)
    member = data.member(request.match_info["member_id"])
    data.update_member(member, await json_body(request))
    return ok(shapes.member_detail(data, member))


@routes.delete(ORG + "/members/{member_id}/")
async def remove_member(request: web.Request) -> web.Response:
    data = data_of(request)
    data.remove_member(data.member(request.match_info["member_id"]))
    return no_content()


# --- SCIM ------------------------------------------------------------------------------------------


def scim_index(request: web.Request, name: str, default: int, minimum: int) -> int:
    raw = request.query.get(name, str(default))
    if not raw.isdigit() or int(raw) < minimum:
        raise ApiError.detail(400, f"Invalid {name}.")
    return int(raw)


@routes.get(SCIM)
async def list_scim_users(request: web.Request) -> web.Response:
    data = data_of(request)
    found = data.scim_members(request.query.get("filter"))
    start = scim_index(request, "startIndex", 1, 1)
    count = min(scim_index(request, "count", MAX_PER_PAGE, 0), MAX_PER_PAGE)
    page = found[start - 1 : start - 1 + count]
    return ok(
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": len(found),
            "startIndex": start,
            "itemsPerPage": len(page),
            "Resources": [shapes.scim_user(m) for m in page],
        }
    )


@routes.post(SCIM)
async def provision_scim_user(request: web.Request) -> web.Response:
    data = data_of(request)
    return ok(shapes.scim_user(data.scim_provision(await json_body(request))), status=201)


@routes.patch(SCIM + "/{member_id}")
async def patch_scim_user(request: web.Request) -> web.Response:
    data = data_of(request)
    data.scim_patch(data.member(request.match_info["member_id"]), await json_body(request))
    return no_content()


@routes.delete(SCIM + "/{member_id}")
async def delete_scim_user(request: web.Request) -> web.Response:
    data = data_of(request)
    data.remove_member(data.member(request.match_info["member_id"]))
    return no_content()


# --- issues and events ----------------------------------------------------------------------------


@routes.get(ORG + "/issues/{issue_id}/")
async def get_issue(request: web.Request) -> web.Response:
    data = data_of(request)
    found = data.issue(request.match_info["issue_id"])
    shown = shapes.issue_detail(data, found, utcnow(), request.query.getall("collapse", []))
    return ok(shown | shapes.issue_expansions(data, found, request.query.getall("expand", [])))


@routes.put(ORG + "/issues/{issue_id}/")
async def update_issue(request: web.Request) -> web.Response:
    data = data_of(request)
    found = data.issue(request.match_info["issue_id"])
    return ok(data.update_issue(found, await json_body(request)))


@routes.get(ORG + "/shortids/{short_id}/")
async def resolve_short_id(request: web.Request) -> web.Response:
    data = data_of(request)
    found = data.issue_by_short_id(request.match_info["short_id"])
    if found is None:
        raise ApiError.not_found()
    return ok(shapes.short_id_lookup(data, found))


@routes.get(ORG + "/eventids/{event_id}/")
async def resolve_event_id(request: web.Request) -> web.Response:
    data = data_of(request)
    return ok(shapes.event_lookup(data, data.event(request.match_info["event_id"])))


@routes.get(ORG + "/issues/{issue_id}/external-issues/")
async def list_issue_links(request: web.Request) -> web.Response:
    data = data_of(request)
    found = data.issue(request.match_info["issue_id"])
    links = [x for x in data.external_issues.values() if x.issue_id == found.id]
    return ok([shapes.external_issue(x) for x in links])


# --- code ------------------------------------------------------------------------------------------


@routes.get(ORG + "/repos/")
async def list_repos(request: web.Request) -> web.Response:
    data = data_of(request)
    query = request.query
    found = [
        r
        for r in data.repos.values()
        if contains(query.get("query"), r.name)
        and query.get("status", "active") == "active"  # the sandbox keeps no deleted repositories
        and query.get("integration_id", r.integration_id) == r.integration_id
    ]
    return paged(request, found, shapes.repo)


@routes.get(ORG + "/repos/{repo_id}/commits/")
async def list_commits(request: web.Request) -> web.Response:
    data = data_of(request)
    repo = data.repo(request.match_info["repo_id"])
    found = sorted((c for c in data.commits if c.repo_id == repo.id), key=lambda c: c.date_created, reverse=True)
    return paged(request, found, shapes.commit)


# --- projects --------------------------------------------------------------------------------------


@routes.get(PROJECT + "/")
async def get_project(request: web.Request) -> web.Response:
    data = data_of(request)
    return ok(shapes.project_detail(data, data.project(request.match_info["project"])))


@routes.get(PROJECT + "/stats/")
async def project_stats(request: web.Request) -> web.Response:
    data = data_of(request)
    project = data.project(request.match_info["project"])
    return ok(usage.project_series(project, usage.series_query(request.query, int(time.time()))))


@routes.get(PROJECT + "/users/")
async def list_event_users(request: web.Request) -> web.Response:
    data = data_of(request)
    project = data.project(request.match_info["project"])
    query = request.query.get("query", "")
    wanted = query.partition(":")[2] if ":" in query else query  # `email:x`, `id:x`, ... or free text
    found = [
        u
        for u in data.event_users
        if u.project_slug == project.slug and contains(wanted, u.id, u.email, u.username, u.name, u.ip_address)
    ]
    return paged(request, found, shapes.event_user)


@routes.get(PROJECT + "/members/")
async def list_project_members(request: web.Request) -> web.Response:
    # openapi.json listProjectMembers: "active organization members that belong to any team assigned
    # to the project" (so no pending invitees); an unpaged list of member summaries.
    data = data_of(request)
    project = data.project(request.match_info["project"])
    found = [
        m
        for m in sorted(data.members.values(), key=lambda m: int(m.id))
        if not m.pending and project.team_slug in m.team_roles
    ]
    return ok([shapes.member_summary(m) for m in found])


@routes.get(ORG + "/tags/")
async def list_tag_keys(request: web.Request) -> web.Response:
    # openapi.json listOrganizationTags: tag keys with `key`, `name`, `totalValues`; `project`
    # (repeated) takes ids or slugs, and an unknown one is a 404 like every project lookup.
    data = data_of(request)
    projects = [data.project(p).slug for p in request.query.getall("project", [])] or list(data.projects)
    totals: dict[str, int] = {}
    for value in data.tag_values:
        if value.project_slug in projects:
            totals[value.key] = totals.get(value.key, 0) + value.count
    return ok([shapes.tag_key(key, total) for key, total in sorted(totals.items())])


@routes.get(PROJECT + "/tags/{key}/values/")
async def list_tag_values(request: web.Request) -> web.Response:
    data = data_of(request)
    project = data.project(request.match_info["project"])
    key = request.match_info["key"]
    values = [v for v in data.tag_values if v.project_slug == project.slug and v.key == key]
    if not values:
        raise ApiError.not_found()  # Sentry: an unknown tag key is a 404
    wanted = request.query.get("query")
    found = sorted((v for v in values if contains(wanted, v.value)), key=lambda v: v.last_seen, reverse=True)
    return paged(request, found, shapes.tag_value)


@routes.get(PROJECT + "/hooks/")
async def list_hooks(request: web.Request) -> web.Response:
    data = data_of(request)
    project = data.project(request.match_info["project"])
    found = [h for h in data.hooks.values() if h.project_slug == project.slug]
    return paged(request, found, shapes.hook)


@routes.post(PROJECT + "/hooks/")
async def create_hook(request: web.Request) -> web.Response:
    data = data_of(request)
    project = data.project(request.match_info["project"])
    return ok(shapes.hook(data.create_hook(project, await json_body(request))), status=201)


@routes.get(PROJECT + "/hooks/{hook_id}/")
async def get_hook(request: web.Request) -> web.Response:
    data = data_of(request)
    project = data.project(request.match_info["project"])
    return ok(shapes.hook(data.hook(project, request.match_info["hook_id"])))


@routes.delete(PROJECT + "/hooks/{hook_id}/")
async def delete_hook(request: web.Request) -> web.Response:
    data = data_of(request)
    project = data.project(request.match_info["project"])
    del data.hooks[data.hook(project, request.match_info["hook_id"]).id]
    return no_content()


# --- integrations ----------------------------------------------------------------------------------


@routes.get(ORG + "/integrations/")
async def list_integrations(request: web.Request) -> web.Response:
    data = data_of(request)
    wanted = request.query.get("providerKey")
    found = [i for i in data.integrations.values() if wanted in (None, i.provider_key)]
    return paged(request, found, lambda i: shapes.integration(data, i))


@routes.get(ORG + "/integrations/{integration_id}/")
async def get_integration(request: web.Request) -> web.Response:
    data = data_of(request)
    return ok(shapes.integration(data, data.integration(request.match_info["integration_id"])))


@routes.delete(ORG + "/integrations/{integration_id}/")
async def delete_integration(request: web.Request) -> web.Response:
    data = data_of(request)
    del data.integrations[data.integration(request.match_info["integration_id"]).id]
    return no_content()


@routes.get(ORG + "/config/integrations/")
async def list_providers(request: web.Request) -> web.Response:
    data = data_of(request)
    wanted = request.query.get("providerKey")
    return ok({"providers": [shapes.provider(p) for p in data.providers if wanted in (None, p.key)]})


@routes.get(ORG + "/forwarding/")
async def list_forwarders(request: web.Request) -> web.Response:
    data = data_of(request)
    return ok([shapes.forwarder(data, f) for f in data.forwarders.values()])


@routes.post(ORG + "/forwarding/")
async def create_forwarder(request: web.Request) -> web.Response:
    data = data_of(request)
    return ok(shapes.forwarder(data, data.create_forwarder(await json_body(request))), status=201)


@routes.put(ORG + "/forwarding/{forwarder_id}/")
async def update_forwarder(request: web.Request) -> web.Response:
    data = data_of(request)
    forwarder = data.forwarder(request.match_info["forwarder_id"])
    data.apply_forwarder(forwarder, await json_body(request))
    return ok(shapes.forwarder(data, forwarder))


@routes.delete(ORG + "/forwarding/{forwarder_id}/")
async def delete_forwarder(request: web.Request) -> web.Response:
    data = data_of(request)
    del data.forwarders[data.forwarder(request.match_info["forwarder_id"]).id]
    return no_content()


@routes.post(ORG + "/external-users/")
async def create_external_user(request: web.Request) -> web.Response:
    data = data_of(request)
    mapping, created = data.create_external_user(await json_body(request))
    return ok(shapes.external_user(mapping), status=201 if created else 200)


@routes.put(ORG + "/external-users/{external_id}/")
async def update_external_user(request: web.Request) -> web.Response:
    data = data_of(request)
    mapping = data.external_user(request.match_info["external_id"])
    data.update_external_user(mapping, await json_body(request))
    return ok(shapes.external_user(mapping))


@routes.delete(ORG + "/external-users/{external_id}/")
async def delete_external_user(request: web.Request) -> web.Response:
    data = data_of(request)
    del data.external_users[data.external_user(request.match_info["external_id"]).id]
    return no_content()


@routes.post(TEAM + "/external-teams/")
async def create_external_team(request: web.Request) -> web.Response:
    data = data_of(request)
    team = data.team(request.match_info["team"])
    mapping, created = data.create_external_team(team, await json_body(request))
    return ok(shapes.external_team(mapping), status=201 if created else 200)


@routes.put(TEAM + "/external-teams/{external_id}/")
async def update_external_team(request: web.Request) -> web.Response:
    data = data_of(request)
    mapping = data.external_team(data.team(request.match_info["team"]), request.match_info["external_id"])
    data.update_external_team(mapping, await json_body(request))
    return ok(shapes.external_team(mapping))


@routes.delete(TEAM + "/external-teams/{external_id}/")
async def delete_external_team(request: web.Request) -> web.Response:
    data = data_of(request)
    mapping = data.external_team(data.team(request.match_info["team"]), request.match_info["external_id"])
    del data.external_teams[mapping.id]
    return no_content()


# --- Sentry App installations -----------------------------------------------------------------------


@routes.get(ORG + "/sentry-app-installations/")
async def list_installations(request: web.Request) -> web.Response:
    data = data_of(request)
    return paged(request, list(data.installations.values()), lambda i: shapes.installation(data, i))


@routes.post(API + "/sentry-app-installations/{uuid}/external-issues/")
async def link_external_issue(request: web.Request) -> web.Response:
    data = data_of(request)
    installation = data.installation(request.match_info["uuid"])
    return ok(shapes.external_issue(data.link_external_issue(installation, await json_body(request))))


@routes.delete(API + "/sentry-app-installations/{uuid}/external-issues/{external_issue_id}/")
async def unlink_external_issue(request: web.Request) -> web.Response:
    data = data_of(request)
    installation = data.installation(request.match_info["uuid"])
    del data.external_issues[data.external_issue(installation, request.match_info["external_issue_id"]).id]
    return no_content()


# --- issue lists (lists: `issues`, `mine`, `unassigned`) -------------------------------------------


def _search_projects(data: SandboxData, values: list[str]) -> list[Project]:
    """`project` takes ids or slugs, `-1` for all; one not in the organization is Sentry's 403."""
    if not values or values == ["-1"]:
        return []
    found = []
    for value in values:
        project = data.project_by_id(value) if value.isdigit() else data.projects.get(value)
        if project is None:
            raise ApiError.detail(403, FAULT_DETAILS[403])
        found.append(project)
    return found


@routes.get(ORG + "/issues/")
async def list_issues(request: web.Request) -> web.Response:
    """`listOrganizationIssues`: Sentry's issue search over the organization, paged by `limit`."""
    data = data_of(request)
    now = utcnow()
    sort = request.query.get("sort", "date")
    if sort not in search.SORTS:
        raise ApiError.detail(400, f"Invalid sort: {sort}")
    raw_limit = request.query.get("limit", "100")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_PER_PAGE:
        raise ApiError.detail(400, f"Invalid limit parameter. Max is {MAX_PER_PAGE}")
    period = search.parse_period(request.query.get("statsPeriod"))
    wanted = search.IssueSearch(
        query=request.query.get("query", "is:unresolved"),
        projects=_search_projects(data, request.query.getall("project", [])),
        environments=request.query.getall("environment", []),
        period=period,
        sort=sort,
    )
    found = search.search_issues(data, wanted, now)
    offset = parse_cursor(request.query.get("cursor"))
    limit = min(int(raw_limit), state_of(request).page_size)
    collapse = set(request.query.getall("collapse", []))
    group_stats = request.query.get("groupStatsPeriod", "24h")
    response = ok(
        [
            shapes.issue_row(
                data,
                issue,
                search.period_counts(issue, now - period, now),
                now,
                stats="stats" not in collapse,
                group_stats=group_stats,
            )
            for issue in found[offset : offset + limit]
        ]
    )
    response.headers["Link"] = link_header(request, offset, limit, len(found))
    return response


# --- issue 13, "card": latest event, Discover tag counts, releases, cron monitors -----------------

# The events an issue's `events/{event_id}/` names besides an id (openapi.json: `latest`, `oldest`,
# `recommended`); the sandbox recommends the latest, as Sentry does when nothing scores higher.
EVENT_ALIASES = ("latest", "oldest", "recommended")
_ISSUE_QUERY = re.compile(r"^issue\.id:(\d+)$")


@routes.get(ORG + "/issues/{issue_id}/events/{event_id}/")
async def get_issue_event(request: web.Request) -> web.Response:
    data = data_of(request)
    found = data.issue(request.match_info["issue_id"])
    wanted = request.match_info["event_id"]
    events = sorted((e for e in data.events.values() if e.issue_id == found.id), key=lambda e: e.date_created)
    if wanted in EVENT_ALIASES:
        chosen = (events[0] if wanted == "oldest" else events[-1]) if events else None
    else:
        chosen = next((e for e in events if e.event_id == wanted.lower().replace("-", "")), None)
    if chosen is None:
        raise ApiError.not_found()
    return ok(shapes.event(data, chosen))


@routes.get(ORG + "/events/")
async def discover_events(request: web.Request) -> web.Response:
    """Discover, as far as the bot asks it: one issue's events counted by a few fields."""
    data = data_of(request)
    query = request.query
    if query.get("dataset") not in ("errors", "discover"):
        raise ApiError.detail(400, "dataset: a dataset is required (errors, discover, spans, ...)")
    fields = query.getall("field", [])
    if not fields or len(fields) > 20:
        raise ApiError.detail(400, "No columns selected" if not fields else "You can view up to 20 fields at a time.")
    sort = query.get("sort")
    if sort and sort.lstrip("-") not in fields:
        raise ApiError.detail(400, "Cannot sort by a field that is not selected.")
    match = _ISSUE_QUERY.match(query.get("query", "").strip())
    if match is None and set(fields) <= set(usage.DISCOVER_FIELDS):
        return discover_totals(request, fields)  # reports (issue 15): the period's totals
    if match is None or "count()" not in fields:
        raise ApiError.detail(400, "The sandbox answers only `query=issue.id:<id>` with count() and tag fields.")
    found = data.issues.get(match.group(1))
    now = utcnow()
    since = now - timedelta(seconds=usage.seconds(query.get("statsPeriod") or "14d", "statsPeriod"))
    if found is None:
        return ok({"data": [], "meta": {"fields": {}, "units": {}, "isMetricsData": False, "dataset": "errors"}})
    table = shapes.tag_counts(data, found, [f for f in fields if f != "count()"], since)
    table["data"] = table["data"][: page_limit(request)]
    return ok(table)


def _releases_of(data: SandboxData, projects: list[Project] | None, query: str | None) -> list[Release]:
    slugs = {p.slug for p in projects} if projects is not None else None
    found = [
        r for r in data.releases.values() if (slugs is None or r.project_slug in slugs) and contains(query, r.version)
    ]
    return sorted(found, key=lambda r: r.date_created, reverse=True)


@routes.get(ORG + "/releases/")
async def list_releases(request: web.Request) -> web.Response:
    data = data_of(request)
    wanted = request.query.getall("project", [])
    projects = [data.project(p) for p in wanted] if wanted else None
    found = _releases_of(data, projects, request.query.get("query"))
    return paged(request, found, lambda r: shapes.release_detail(data, r))


@routes.get(PROJECT + "/releases/")
async def list_project_releases(request: web.Request) -> web.Response:
    data = data_of(request)
    found = _releases_of(data, [data.project(request.match_info["project"])], request.query.get("query"))
    return paged(request, found, lambda r: shapes.release_detail(data, r))


@routes.get(ORG + "/releases/{version}/")
async def get_release(request: web.Request) -> web.Response:
    data = data_of(request)
    return ok(shapes.release_detail(data, data.release(request.match_info["version"])))


@routes.get(ORG + "/releases/{version}/commits/")
async def list_release_commits(request: web.Request) -> web.Response:
    data = data_of(request)
    release = data.release(request.match_info["version"])
    found = sorted((c for c in data.commits if c.id in release.commit_ids), key=lambda c: c.date_created, reverse=True)
    repos = data.repos
    return paged(request, found, lambda c: shapes.commit(c) | {"repository": shapes.repo(repos[c.repo_id])})


@routes.get(ORG + "/releases/{version}/deploys/")
async def list_release_deploys(request: web.Request) -> web.Response:
    data = data_of(request)
    release = data.release(request.match_info["version"])
    return paged(request, list(reversed(release.deploys)), shapes.deploy)


@routes.get(ORG + "/monitors/")
async def list_monitors(request: web.Request) -> web.Response:
    data = data_of(request)
    wanted = request.query.getall("project", [])
    # Sentry's `project` filter reads project ids (get_projects); an unknown one is a 403.
    projects = [data.project_by_id(p) for p in wanted]
    if None in projects:
        raise ApiError.detail(403, "You do not have permission to perform this action.")
    slugs = {p.slug for p in projects if p is not None}
    found = sorted(
        (m for m in data.monitors.values() if not wanted or m.project_slug in slugs), key=lambda m: m.name.lower()
    )
    return paged(request, found, lambda m: shapes.monitor(data, m))


@routes.get(ORG + "/monitors/{monitor}/")
async def get_monitor(request: web.Request) -> web.Response:
    data = data_of(request)
    return ok(shapes.monitor(data, data.monitor(request.match_info["monitor"])))


@routes.put(ORG + "/monitors/{monitor}/")
async def update_monitor(request: web.Request) -> web.Response:
    data = data_of(request)
    found = data.monitor(request.match_info["monitor"])
    data.update_monitor(found, await json_body(request))
    return ok(shapes.monitor(data, found))


@routes.get(ORG + "/monitors/{monitor}/checkins/")
async def list_monitor_checkins(request: web.Request) -> web.Response:
    data = data_of(request)
    found = data.monitor(request.match_info["monitor"])
    return paged(request, found.checkins, lambda c: shapes.checkin(c, found.config))


# --- test controls (not part of Sentry's API) --------------------------------------------------------


def fault_from(body: JSON) -> Fault:
    unknown = set(body) - {"status", "times", "path_contains", "body", "reset_in", "method", "delay"}
    if unknown:
        raise ApiError.detail(400, f"Unknown fault fields: {', '.join(sorted(unknown))}")
    status = body.get("status", 500)
    if not isinstance(status, int) or not 100 <= status <= 599:
        raise ApiError.field("status", "An HTTP status code is required.")
    try:
        return Fault(
            status=status,
            times=int(body.get("times", 1)),
            path_contains=body.get("path_contains"),
            method=body.get("method"),
            body=body.get("body"),
            reset_in=int(body.get("reset_in", 1)),
            delay=float(body.get("delay", 0.0)),
        )
    except (TypeError, ValueError):
        raise ApiError.detail(400, "times and reset_in must be integers, delay a number of seconds") from None


@routes.post("/_sandbox/fail")
async def inject_fault(request: web.Request) -> web.Response:
    state_of(request).faults.append(fault_from(await json_body(request)))
    return no_content()


@routes.get("/_sandbox/requests")
async def received_requests(request: web.Request) -> web.Response:
    return ok([r.as_json() for r in state_of(request).requests])


@routes.post("/_sandbox/reset")
async def reset(request: web.Request) -> web.Response:
    state_of(request).reset()
    return no_content()


# --- tickets (integration create/link forms) and Seer (autofix); see bot/sandbox/tickets.py -----------

TICKETS = ORG + "/issues/{issue_id}/integrations/{integration_id}/"
# Trackers: the integrations whose provider can create and link issues (feature `issue-basic`).
TRACKERS = ("github", "jira")


def _tracker(request: web.Request) -> tuple[SandboxData, Issue, Integration]:
    data = data_of(request)
    found = data.issue(request.match_info["issue_id"])
    integration = data.integration(request.match_info["integration_id"])
    if integration.provider_key not in TRACKERS:
        # GroupIntegrationDetailsEndpoint: an integration without issue features cannot make tickets.
        raise ApiError.detail(400, "This feature is not supported for this integration.")
    return data, found, integration


def _repos(data: SandboxData, integration: Integration) -> list[str]:
    return [r.name for r in data.repos.values() if r.integration_id == integration.id]


@routes.get(TICKETS)
async def get_ticket_form(request: web.Request) -> web.Response:
    data, found, integration = _tracker(request)
    action = request.query.get("action")
    if action not in ("create", "link"):
        raise ApiError.detail(400, "Action is required and should be either link or create")
    short_id = data.short_id(found)
    link = f"https://{data.organization.slug}.sentry.io/issues/{found.id}/"
    body = shapes.integration(data, integration)
    repos = _repos(data, integration)
    provider = integration.provider_key
    if action == "create":
        description = f"Sentry Issue: [{short_id}]({link})\n\n{found.culprit}"
        body["createIssueConfig"] = data.desk.create_form(
            provider, title=found.title, description=description, repos=repos
        )
    else:
        comment = f"Sentry Issue: [{short_id}]({link})"
        body["linkIssueConfig"] = data.desk.link_form(provider, comment=comment, repos=repos)
    return ok(body)


async def _ticket(request: web.Request, *, create: bool) -> web.Response:
    data, found, integration = _tracker(request)
    body = await json_body(request)
    desk = data.desk
    make = desk.create if create else desk.link
    try:
        ticket = make(integration.provider_key, integration.id, found.id, body, data.new_id())
    except TicketRefused as refused:
        raise ApiError(400, dict(refused.errors)) from None
    return ok(
        {
            "id": int(ticket.id),
            "key": ticket.key,
            "url": ticket.url,
            "integrationId": int(integration.id),
            "displayName": ticket.key,
        },
        status=201,
    )


@routes.post(TICKETS)
async def create_ticket(request: web.Request) -> web.Response:
    return await _ticket(request, create=True)


@routes.put(TICKETS)
async def link_ticket(request: web.Request) -> web.Response:
    return await _ticket(request, create=False)


def _seer(request: web.Request) -> tuple[SandboxData, Issue]:
    data = data_of(request)
    found = data.issue(request.match_info["issue_id"])
    if not data.desk.seer_enabled:
        raise ApiError.detail(403, SEER_DISABLED)
    return data, found


@routes.post(ORG + "/issues/{issue_id}/autofix/")
async def start_autofix(request: web.Request) -> web.Response:
    data, found = _seer(request)
    await json_body(request)
    run = data.desk.start(found.id, int(data.new_id()))
    return ok({"run_id": run.run_id, "sentry_run_id": None}, status=202)


@routes.get(ORG + "/issues/{issue_id}/autofix/")
async def get_autofix(request: web.Request) -> web.Response:
    data, found = _seer(request)
    run = data.desk.poll(found.id)
    if run is None:
        return ok({"autofix": None})
    repo = next((r.name for r in data.repos.values() if r.name.endswith(found.project_slug)), "acme/web")
    return ok(autofix_state(run, title=found.title, culprit=found.culprit, repo=repo))


# --- running it ----------------------------------------------------------------------------------------


def create_app(state: SandboxState) -> web.Application:
    app = web.Application(middlewares=[conventions])
    app[STATE] = state
    app.add_routes(routes)
    return app


@asynccontextmanager
async def run_sandbox(state: SandboxState, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Serve `state` until the block ends; yields the SENTRY_URL (the API is at url + "api/0/")."""
    runner = web.AppRunner(create_app(state), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_port = runner.addresses[0][1]
        yield f"http://{host}:{bound_port}/"
    finally:
        await runner.cleanup()


# --- reports (issue 15): Discover totals ------------------------------


def chosen_projects(data: SandboxData, request: web.Request) -> list[Project]:
    """`project=<id>` (repeated; none or -1: every project). Sentry refuses an id the token cannot
    see with 403 (`OrganizationEndpoint.get_projects` in src/sentry/api/bases/organization.py)."""
    ids = [p for p in request.query.getall("project", []) if p != "-1"]
    if not ids:
        return list(data.projects.values())
    chosen = [data.project_by_id(p) for p in ids]
    if any(p is None for p in chosen):
        raise ApiError.detail(403, FAULT_DETAILS[403])
    return [p for p in chosen if p is not None]


def discover_totals(request: web.Request, fields: list[str]) -> web.Response:
    """Discover's table query without an issue: the aggregates reports ask for (`count()`,
    `count_unique(user)`) over the projects and the period (`discover_events` routes it here)."""
    data = data_of(request)
    projects = chosen_projects(data, request)
    now = int(time.time())
    start, end = usage.time_range(
        request.query.get("statsPeriod"), request.query.get("start"), request.query.get("end"), 1, now
    )
    users: dict[str, int] = {}
    for issue in data.issues.values():
        users[issue.project_slug] = users.get(issue.project_slug, 0) + issue.user_count
    return ok(usage.discover_totals(projects, users, fields, start, end))
