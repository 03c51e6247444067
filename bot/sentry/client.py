"""The Sentry API client: one typed method per operation the bot covers.

    async with SentryClient(base_url="https://sentry.io/", token="sntrys_...", org="acme") as sentry:
        issue = (await sentry.resolve_short_id("WEB-12A")).group
        await sentry.update_issue(issue.id, status="resolved")

Reads go through the `ReadCache` (fresh for `CACHE_TTL_SECONDS`, one in-flight call per key); every
write invalidates the reads it makes stale. Paths are built with `build_path`, so user input never
leaves its path segment. Lists return a `Page`: the caller caps how many pages are fetched, and
`next_cursor` says where to continue.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

import aiohttp
from pydantic import BaseModel, SecretStr, ValidationError

from bot.errors import NotFound, UnexpectedShape
from bot.sentry import models as m
from bot.sentry.cache import CacheKey, ReadCache
from bot.sentry.paging import Page, next_cursor
from bot.sentry.paths import build_path, segment
from bot.sentry.transport import MAX_RESPONSE_BYTES, Params, Transport

__all__ = ["SentryClient", "shape_error"]

log = logging.getLogger("bot.sentry")

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

# What reading an answer of the wrong shape raises: pydantic's ValidationError (a ValueError), a
# `[ts, count]` row that does not unpack (ValueError), a list where a mapping was expected, or the reverse.
_SHAPE_ERRORS = (ValueError, TypeError, AttributeError, KeyError)


def shape_error(operation: str, exc: Exception) -> UnexpectedShape:
    """The typed error for an answer that is not the shape Sentry documents, logged once here.

    The log names the operation and where the answer went wrong, never its values (they may be secrets).
    """
    if isinstance(exc, ValidationError):
        where = [".".join(str(p) for p in e["loc"]) + f": {e['type']}" for e in exc.errors(include_input=False)[:5]]
        reason = "; ".join(where) or exc.title
    else:
        reason = f"{type(exc).__name__}: {exc}"[:200]
    log.warning("sentry.unexpected_shape", extra={"operation": operation, "reason": reason})
    return UnexpectedShape(reason, operation=operation)


def _drop_none(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def _rows(model: type[M]) -> Callable[[Any], list[M]]:
    """A parser for an unpaged JSON list of `model`."""

    def parse(data: Any) -> list[M]:
        return [model.model_validate(row) for row in data or []]

    return parse


class SentryClient:
    """Async client for Sentry's REST API, scoped to one organization."""

    def __init__(
        self,
        *,
        base_url: str,
        token: str | SecretStr,
        org: str,
        session: aiohttp.ClientSession | None = None,
        cache: ReadCache | None = None,
        max_concurrency: int = 8,
        timeout: float = 15.0,
        max_rate_wait: float = 10.0,
        backoff: float = 0.25,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        """
        Args:
            base_url: `SENTRY_URL` (`https://sentry.io/`, a region or self-hosted URL); `/api/0/` is added.
            token: an organization auth token; it is sent in a header and never logged or shown.
            org: the organization slug.
            session: an aiohttp session to share; one is created (and closed) otherwise.
            cache: the read cache; a 60-second one is created otherwise.
            max_concurrency: requests in flight at once from this client (one operation: half of them).
            max_response_bytes: the largest answer read; a bigger one is `ResponseTooLarge`.
        """
        secret = token.get_secret_value() if isinstance(token, SecretStr) else token
        api = base_url.rstrip("/") + ("/" if base_url.rstrip("/").endswith("/api/0") else "/api/0/")
        self.org = segment(org, name="organization slug")
        self.cache = cache if cache is not None else ReadCache()
        self._http = Transport(
            base_url=api,
            token=secret,
            session=session,
            max_concurrency=max_concurrency,
            timeout=timeout,
            max_rate_wait=max_rate_wait,
            backoff=backoff,
            max_response_bytes=max_response_bytes,
        )

    def __repr__(self) -> str:
        return f"SentryClient(org={self.org!r}, {self._http!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self._http.close()

    # --- plumbing -----------------------------------------------------------------------------

    def _org_path(self, template: str, *params: object) -> str:
        return f"organizations/{self.org}/" + build_path(template, *params)

    def _project_path(self, project: str, template: str = "", *params: object) -> str:
        return f"projects/{self.org}/{segment(project, name='project slug')}/" + build_path(template, *params)

    def _key(self, operation: str, path: str, params: Params | None, *extra: Hashable) -> CacheKey:
        """The cache key of a read is the request itself (path and query): different reads never meet."""
        query = tuple(
            sorted(
                (k, tuple(v) if isinstance(v, list | tuple) else v) for k, v in (params or {}).items() if v is not None
            )
        )
        return (self.org, operation, path, query, *extra)

    async def _read(
        self,
        operation: str,
        path: str,
        parse: Callable[[Any], T],
        tags: Callable[[T], Iterable[str]] | Iterable[str],
        params: Params | None = None,
    ) -> T:
        """A cached GET of one answer, parsed by `parse`."""

        async def load() -> T:
            return parse(await self._get(operation, path, params))

        return await self._cached(self._key(operation, path, params), operation, load, tags)

    async def _cached(
        self,
        key: CacheKey,
        operation: str,
        load: Callable[[], Awaitable[T]],
        tags: Callable[[T], Iterable[str]] | Iterable[str],
    ) -> T:
        """Every read goes through here: cached by its request, an answer of the wrong shape made typed."""

        async def checked() -> T:
            try:
                return await load()
            except _SHAPE_ERRORS as exc:
                raise shape_error(operation, exc) from exc

        return await self.cache.get_or_load(key, checked, tags=tags)

    async def _get(self, operation: str, path: str, params: Params | None = None) -> Any:
        return (await self._http.request("GET", path, operation=operation, params=params)).data

    async def _write(self, method: str, operation: str, path: str, body: Any = None, *stale: str) -> Any:
        try:
            response = await self._http.request(method, path, operation=operation, json=body)
        finally:
            # Even a failed write may have changed something (a timeout after Sentry acted).
            if stale:
                self.cache.invalidate(*stale)
        return response.data

    async def _pages(
        self,
        operation: str,
        path: str,
        model: type[M],
        *,
        params: Params | None = None,
        cursor: str | None = None,
        max_pages: int = 1,
    ) -> Page[M]:
        items: list[M] = []
        query = dict(params or {})
        for page in range(1, max(1, max_pages) + 1):
            if cursor:
                query["cursor"] = cursor
            response = await self._http.request("GET", path, operation=operation, params=query)
            items.extend(model.model_validate(row) for row in (response.data or []))
            cursor = next_cursor(response.headers.get("Link"))
            if cursor is None:
                return Page(items, None)
            if page == max_pages:
                break
        return Page(items, cursor)

    async def _list(
        self,
        operation: str,
        path: str,
        model: type[M],
        tags: Iterable[str],
        *,
        params: Params | None = None,
        cursor: str | None = None,
        max_pages: int = 1,
    ) -> Page[M]:
        return await self._cached(
            self._key(operation, path, params, cursor, max_pages),
            operation,
            lambda: self._pages(operation, path, model, params=params, cursor=cursor, max_pages=max_pages),
            tuple(tags),
        )

    # --- organization -------------------------------------------------------------------------

    async def get_organization(self) -> m.Organization:
        return await self._read("get_organization", self._org_path(""), m.Organization.model_validate, ("org",))

    async def update_organization(self, **fields: Any) -> m.Organization:
        """Update organization settings; keyword names are Sentry's (`name`, `slug`, `require2FA`...)."""
        data = await self._write("PUT", "update_organization", self._org_path(""), _drop_none(fields), "org")
        return m.Organization.model_validate(data)

    async def list_members(self, *, cursor: str | None = None, max_pages: int = 1) -> Page[m.Member]:
        return await self._list(
            "list_members",
            self._org_path("members/"),
            m.Member,
            ("members",),
            cursor=cursor,
            max_pages=max_pages,
        )

    async def get_member(self, member_id: str) -> m.Member:
        path = self._org_path("members/{}/", member_id)
        return await self._read("get_member", path, m.Member.model_validate, ("members", f"member:{member_id}"))

    async def add_member(
        self, email: str, *, org_role: str = "member", team_roles: Sequence[tuple[str, str]] = ()
    ) -> m.Member:
        """Invite `email` with `org_role`; `team_roles` is `(team_slug, role)` pairs."""
        body = {
            "email": email,
            "orgRole": org_role,
            "teamRoles": [{"teamSlug": t, "role": r} for t, r in team_roles],
        }
        data = await self._write("POST", "add_member", self._org_path("members/"), body, "members", "scim")
        return m.Member.model_validate(data)

    async def update_member(
        self,
        member_id: str,
        *,
        org_role: str | None = None,
        team_roles: Sequence[tuple[str, str]] | None = None,
    ) -> m.Member:
        body: dict[str, Any] = {}
        if org_role is not None:
            body["orgRole"] = org_role
        if team_roles is not None:
            body["teamRoles"] = [{"teamSlug": t, "role": r} for t, r in team_roles]
        data = await self._write(
            "PUT", "update_member", self._org_path("members/{}/", member_id), body, "members", "scim"
        )
        return m.Member.model_validate(data)

    async def remove_member(self, member_id: str) -> None:
        await self._write("DELETE", "remove_member", self._org_path("members/{}/", member_id), None, "members", "scim")

    async def list_projects(self, *, cursor: str | None = None, max_pages: int = 1) -> Page[m.Project]:
        return await self._list(
            "list_projects",
            self._org_path("projects/"),
            m.Project,
            ("projects",),
            cursor=cursor,
            max_pages=max_pages,
        )

    async def list_teams(self, *, cursor: str | None = None, max_pages: int = 1) -> Page[m.Team]:
        return await self._list(
            "list_teams", self._org_path("teams/"), m.Team, ("teams",), cursor=cursor, max_pages=max_pages
        )

    async def list_repos(self, *, cursor: str | None = None, max_pages: int = 1) -> Page[m.Repository]:
        return await self._list(
            "list_repos", self._org_path("repos/"), m.Repository, ("repos",), cursor=cursor, max_pages=max_pages
        )

    async def list_repo_commits(self, repo_id: str, *, cursor: str | None = None, max_pages: int = 1) -> Page[m.Commit]:
        return await self._list(
            "list_repo_commits",
            self._org_path("repos/{}/commits/", repo_id),
            m.Commit,
            ("repos",),
            params={"repo": repo_id},
            cursor=cursor,
            max_pages=max_pages,
        )

    async def resolve_short_id(self, short_id: str) -> m.ShortIdResolution:
        # Short IDs are case-insensitive in Sentry; one spelling makes `web-1` and `WEB-1` one read.
        return await self._read(
            "resolve_short_id",
            self._org_path("shortids/{}/", short_id.upper()),
            m.ShortIdResolution.model_validate,
            lambda r: ("issues", f"issue:{r.group_id}"),
        )

    async def resolve_event_id(self, event_id: str) -> m.EventIdResolution:
        path = self._org_path("eventids/{}/", event_id.lower())
        return await self._read("resolve_event_id", path, m.EventIdResolution.model_validate, ("events",))

    async def org_stats(
        self,
        *,
        field: str = "sum(quantity)",
        group_by: Sequence[str] = ("category",),
        stats_period: str | None = "24h",
        interval: str | None = None,
        start: str | None = None,
        end: str | None = None,
        project: Sequence[str] = (),
        category: str | None = None,
        outcome: str | None = None,
    ) -> m.StatsV2:
        """`stats_v2`: usage of the organization over `stats_period` (or `start`..`end`)."""
        params: dict[str, Any] = _drop_none(
            {
                "field": field,
                "groupBy": list(group_by),
                "statsPeriod": stats_period,
                "interval": interval,
                "start": start,
                "end": end,
                "project": list(project) or None,
                "category": category,
                "outcome": outcome,
            }
        )
        return await self._read("org_stats", self._org_path("stats_v2/"), m.StatsV2.model_validate, ("stats",), params)

    async def list_relays(self) -> list[m.Relay]:
        return await self._read("list_relays", self._org_path("relay_usage/"), _rows(m.Relay), ("relays",))

    async def list_client_keys(
        self,
        *,
        team: str | None = None,
        status: str | None = None,
        cursor: str | None = None,
        max_pages: int = 1,
    ) -> Page[m.ClientKey]:
        return await self._list(
            "list_client_keys",
            self._org_path("project-keys/"),
            m.ClientKey,
            ("keys",),
            params=_drop_none({"team": team, "status": status}),
            cursor=cursor,
            max_pages=max_pages,
        )

    # --- projects -----------------------------------------------------------------------------

    async def get_project(self, project: str) -> m.Project:
        tags = ("projects", f"project:{project}")
        return await self._read("get_project", self._project_path(project), m.Project.model_validate, tags)

    async def project_stats(
        self,
        project: str,
        *,
        stat: str = "received",
        since: float | None = None,
        until: float | None = None,
        resolution: str | None = None,
    ) -> list[m.StatPoint]:
        """Event counts of `project`, oldest bucket first."""
        params = _drop_none({"stat": stat, "since": since, "until": until, "resolution": resolution})

        def parse(data: Any) -> list[m.StatPoint]:
            return [m.StatPoint(timestamp=int(ts), count=count) for ts, count in data or []]

        path = self._project_path(project, "stats/")
        return await self._read("project_stats", path, parse, ("stats", f"project:{project}"), params)

    async def list_project_members(self, project: str) -> list[m.Member]:
        """Active members of any team of `project`: those Sentry lets be assigned its issues."""
        path = self._project_path(project, "members/")
        return await self._read("list_project_members", path, _rows(m.Member), ("members", f"project:{project}"))

    async def list_project_users(
        self, project: str, *, query: str | None = None, cursor: str | None = None, max_pages: int = 1
    ) -> Page[m.ProjectUser]:
        return await self._list(
            "list_project_users",
            self._project_path(project, "users/"),
            m.ProjectUser,
            (f"project:{project}",),
            params=_drop_none({"query": query}),
            cursor=cursor,
            max_pages=max_pages,
        )

    async def list_tag_keys(self, project: str) -> list[m.TagKey]:
        """The tag keys seen in `project` (the organization's tags endpoint, filtered to it)."""
        params = {"project": [project]}
        return await self._read(
            "list_tag_keys", self._org_path("tags/"), _rows(m.TagKey), (f"project:{project}",), params
        )

    async def list_tag_values(
        self, project: str, key: str, *, cursor: str | None = None, max_pages: int = 1
    ) -> Page[m.TagValue]:
        return await self._list(
            "list_tag_values",
            self._project_path(project, "tags/{}/values/", key),
            m.TagValue,
            (f"project:{project}",),
            cursor=cursor,
            max_pages=max_pages,
        )

    async def list_hooks(self, project: str, *, cursor: str | None = None, max_pages: int = 1) -> Page[m.ServiceHook]:
        return await self._list(
            "list_hooks",
            self._project_path(project, "hooks/"),
            m.ServiceHook,
            (f"hooks:{project}",),
            cursor=cursor,
            max_pages=max_pages,
        )

    async def create_hook(self, project: str, url: str, events: Sequence[str]) -> m.ServiceHook:
        data = await self._write(
            "POST",
            "create_hook",
            self._project_path(project, "hooks/"),
            {"url": url, "events": list(events)},
            f"hooks:{project}",
        )
        return m.ServiceHook.model_validate(data)

    async def delete_hook(self, project: str, hook_id: str) -> None:
        await self._write(
            "DELETE", "delete_hook", self._project_path(project, "hooks/{}/", hook_id), None, f"hooks:{project}"
        )

    # --- integrations, providers, forwarders, external actors ---------------------------------

    async def list_integrations(
        self, *, provider_key: str | None = None, cursor: str | None = None, max_pages: int = 1
    ) -> Page[m.Integration]:
        return await self._list(
            "list_integrations",
            self._org_path("integrations/"),
            m.Integration,
            ("integrations",),
            params=_drop_none({"providerKey": provider_key}),
            cursor=cursor,
            max_pages=max_pages,
        )

    async def get_integration(self, integration_id: str) -> m.Integration:
        path = self._org_path("integrations/{}/", integration_id)
        return await self._read("get_integration", path, m.Integration.model_validate, ("integrations",))

    async def delete_integration(self, integration_id: str) -> None:
        await self._write(
            "DELETE",
            "delete_integration",
            self._org_path("integrations/{}/", integration_id),
            None,
            "integrations",
        )

    async def list_providers(self, *, provider_key: str | None = None) -> list[m.Provider]:
        params = _drop_none({"providerKey": provider_key})

        def parse(data: Any) -> list[m.Provider]:
            return [m.Provider.model_validate(p) for p in (data or {}).get("providers", [])]

        path = self._org_path("config/integrations/")
        return await self._read("list_providers", path, parse, ("providers",), params)

    async def list_forwarders(self) -> list[m.Forwarder]:
        return await self._read("list_forwarders", self._org_path("forwarding/"), _rows(m.Forwarder), ("forwarders",))

    async def _forwarder_body(
        self,
        provider: str,
        config: Mapping[str, str] | None,
        is_enabled: bool | None,
        enroll_new_projects: bool | None,
        project_ids: Sequence[int] | None,
    ) -> dict[str, Any]:
        org = await self.get_organization()
        return _drop_none(
            {
                "organization_id": int(org.id),
                "provider": provider,
                "config": dict(config) if config is not None else None,
                "is_enabled": is_enabled,
                "enroll_new_projects": enroll_new_projects,
                "project_ids": list(project_ids) if project_ids is not None else None,
            }
        )

    async def create_forwarder(
        self,
        provider: str,
        *,
        config: Mapping[str, str] | None = None,
        is_enabled: bool | None = None,
        enroll_new_projects: bool | None = None,
        project_ids: Sequence[int] | None = None,
    ) -> m.Forwarder | None:
        """Create a data forwarder (`segment`, `sqs` or `splunk`). Sentry may answer with no body."""
        body = await self._forwarder_body(provider, config, is_enabled, enroll_new_projects, project_ids)
        data = await self._write("POST", "create_forwarder", self._org_path("forwarding/"), body, "forwarders")
        return m.Forwarder.model_validate(data) if data else None

    async def update_forwarder(
        self,
        forwarder_id: str,
        provider: str,
        *,
        config: Mapping[str, str] | None = None,
        is_enabled: bool | None = None,
        enroll_new_projects: bool | None = None,
        project_ids: Sequence[int] | None = None,
    ) -> m.Forwarder | None:
        body = await self._forwarder_body(provider, config, is_enabled, enroll_new_projects, project_ids)
        data = await self._write(
            "PUT", "update_forwarder", self._org_path("forwarding/{}/", forwarder_id), body, "forwarders"
        )
        return m.Forwarder.model_validate(data) if data else None

    async def delete_forwarder(self, forwarder_id: str) -> None:
        await self._write(
            "DELETE", "delete_forwarder", self._org_path("forwarding/{}/", forwarder_id), None, "forwarders"
        )

    @staticmethod
    def _external_body(
        *, external_name: str, provider: str, integration_id: int, external_id: str | None, **extra: Any
    ) -> dict[str, Any]:
        return _drop_none(
            {
                "external_name": external_name,
                "provider": provider,
                "integration_id": int(integration_id),
                "external_id": external_id,
                **extra,
            }
        )

    async def create_external_user(
        self,
        *,
        user_id: int,
        external_name: str,
        provider: str,
        integration_id: int,
        external_id: str | None = None,
    ) -> m.ExternalUser:
        """Link a Sentry user to a name in another tool (e.g. a GitHub or Slack handle)."""
        body = self._external_body(
            external_name=external_name,
            provider=provider,
            integration_id=integration_id,
            external_id=external_id,
            user_id=int(user_id),
        )
        data = await self._write(
            "POST", "create_external_user", self._org_path("external-users/"), body, "external-users"
        )
        return m.ExternalUser.model_validate(data)

    async def update_external_user(
        self,
        external_user_id: str,
        *,
        user_id: int,
        external_name: str,
        provider: str,
        integration_id: int,
        external_id: str | None = None,
    ) -> m.ExternalUser:
        body = self._external_body(
            external_name=external_name,
            provider=provider,
            integration_id=integration_id,
            external_id=external_id,
            user_id=int(user_id),
        )
        data = await self._write(
            "PUT",
            "update_external_user",
            self._org_path("external-users/{}/", external_user_id),
            body,
            "external-users",
        )
        return m.ExternalUser.model_validate(data)

    async def delete_external_user(self, external_user_id: str) -> None:
        await self._write(
            "DELETE",
            "delete_external_user",
            self._org_path("external-users/{}/", external_user_id),
            None,
            "external-users",
        )

    def _team_path(self, team: str, template: str, *params: object) -> str:
        return f"teams/{self.org}/{segment(team, name='team slug')}/" + build_path(template, *params)

    async def create_external_team(
        self,
        team: str,
        *,
        external_name: str,
        provider: str,
        integration_id: int,
        external_id: str | None = None,
    ) -> m.ExternalTeam:
        body = self._external_body(
            external_name=external_name, provider=provider, integration_id=integration_id, external_id=external_id
        )
        data = await self._write(
            "POST", "create_external_team", self._team_path(team, "external-teams/"), body, "external-teams"
        )
        return m.ExternalTeam.model_validate(data)

    async def update_external_team(
        self,
        team: str,
        external_team_id: str,
        *,
        external_name: str,
        provider: str,
        integration_id: int,
        external_id: str | None = None,
    ) -> m.ExternalTeam:
        body = self._external_body(
            external_name=external_name, provider=provider, integration_id=integration_id, external_id=external_id
        )
        data = await self._write(
            "PUT",
            "update_external_team",
            self._team_path(team, "external-teams/{}/", external_team_id),
            body,
            "external-teams",
        )
        return m.ExternalTeam.model_validate(data)

    async def delete_external_team(self, team: str, external_team_id: str) -> None:
        await self._write(
            "DELETE",
            "delete_external_team",
            self._team_path(team, "external-teams/{}/", external_team_id),
            None,
            "external-teams",
        )

    # --- Sentry App installations and external issues -----------------------------------------

    async def list_installations(self, *, cursor: str | None = None, max_pages: int = 1) -> Page[m.Installation]:
        return await self._list(
            "list_installations",
            self._org_path("sentry-app-installations/"),
            m.Installation,
            ("installations",),
            cursor=cursor,
            max_pages=max_pages,
        )

    async def list_external_issues(self, issue_id: str) -> list[m.ExternalIssue]:
        path = self._org_path("issues/{}/external-issues/", issue_id)
        tags = ("links", f"links:{issue_id}")
        return await self._read("list_external_issues", path, _rows(m.ExternalIssue), tags)

    async def create_external_issue(
        self, installation_uuid: str, *, issue_id: str, web_url: str, project: str, identifier: str
    ) -> m.ExternalIssue:
        """Link an issue in another tool to the Sentry issue `issue_id`."""
        body = {"issueId": int(issue_id), "webUrl": web_url, "project": project, "identifier": identifier}
        path = build_path("sentry-app-installations/{}/external-issues/", installation_uuid)
        data = await self._write("POST", "create_external_issue", path, body, "links", f"issue:{issue_id}")
        return m.ExternalIssue.model_validate(data)

    async def delete_external_issue(self, installation_uuid: str, external_issue_id: str) -> None:
        path = build_path("sentry-app-installations/{}/external-issues/{}/", installation_uuid, external_issue_id)
        await self._write("DELETE", "delete_external_issue", path, None, "links")

    # --- SCIM ---------------------------------------------------------------------------------

    async def list_scim_users(self, *, email: str | None = None, start_index: int = 1, count: int = 100) -> m.ScimList:
        """SCIM users, optionally only the one whose userName is `email`."""
        params: dict[str, Any] = {"startIndex": start_index, "count": count}
        if email:
            params["filter"] = f'userName eq "{email.replace(chr(34), "")}"'
        path = self._org_path("scim/v2/Users")
        return await self._read("list_scim_users", path, m.ScimList.model_validate, ("scim", "members"), params)

    async def provision_scim_user(
        self,
        email: str,
        *,
        org_role: str | None = None,
        given_name: str | None = None,
        family_name: str | None = None,
    ) -> m.ScimUser:
        names = _drop_none({"givenName": given_name, "familyName": family_name})
        body = _drop_none({"userName": email, "sentryOrgRole": org_role, "name": names or None})
        path = self._org_path("scim/v2/Users")
        data = await self._write("POST", "provision_scim_user", path, body, "scim", "members")
        return m.ScimUser.model_validate(data)

    async def update_scim_user(self, member_id: str, operations: Sequence[Mapping[str, Any]]) -> None:
        """PATCH a SCIM user with SCIM operations (`[{"op": "replace", "value": {"active": False}}]`)."""
        await self._write(
            "PATCH",
            "update_scim_user",
            self._org_path("scim/v2/Users/{}", member_id),
            {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": list(operations)},
            "scim",
            "members",
        )

    async def deactivate_scim_user(self, member_id: str) -> None:
        await self.update_scim_user(member_id, [{"op": "replace", "value": {"active": False}}])

    async def remove_scim_user(self, member_id: str) -> None:
        await self._write(
            "DELETE", "remove_scim_user", self._org_path("scim/v2/Users/{}", member_id), None, "scim", "members"
        )

    # --- issues -------------------------------------------------------------------------------

    async def get_issue(self, issue_id: str) -> m.Issue:
        path = self._org_path("issues/{}/", issue_id)
        return await self._read("get_issue", path, m.Issue.model_validate, ("issues", f"issue:{issue_id}"))

    async def update_issue(
        self,
        issue_id: str,
        *,
        status: str | None = None,
        substatus: str | None = None,
        ignore_count: int | None = None,
        assigned_to: str | None = None,
    ) -> dict[str, Any]:
        """Change an issue's status or assignee; `assigned_to=""` unassigns.

        `status="resolvedInNextRelease"` resolves in the next release. `ignore_count` archives until
        that many more events. Both avoid `statusDetails`, whose published schema requires all seven
        of its fields at once; Sentry reads the top-level `ignoreCount` when `statusDetails` is absent
        (`status_details = result.pop("statusDetails", result)` in its update code).

        Returns what Sentry echoes back (the changed fields; the schema allows no body at all).
        """
        body = _drop_none(
            {"status": status, "substatus": substatus, "ignoreCount": ignore_count, "assignedTo": assigned_to}
        )
        data = await self._write(
            "PUT", "update_issue", self._org_path("issues/{}/", issue_id), body, f"issue:{issue_id}"
        )
        return data if isinstance(data, dict) else {}

    # --- issue lists (lists: `issues`, `mine`, `unassigned`) ------------------------------------

    async def list_issues(
        self,
        *,
        query: str = "is:unresolved",
        projects: Sequence[int] = (),
        environments: Sequence[str] = (),
        sort: str | None = None,
        stats_period: str | None = None,
        cursor: str | None = None,
        limit: int = 25,
    ) -> Page[m.IssueSummary]:
        """One page of the organization's issues matching `query` (Sentry's search syntax).

        `query=""` lists every issue (Sentry applies `is:unresolved` only when the parameter is
        absent). `projects` are project *ids*: the endpoint reads ids, not slugs. With
        `stats_period`, each row's `count` and `userCount` are for that period.
        """
        params = _drop_none(
            {
                "query": query,
                "project": [str(int(p)) for p in projects] or None,
                "environment": list(environments) or None,
                "sort": sort,
                "statsPeriod": stats_period,
                "limit": max(1, min(int(limit), 100)),
            }
        )
        path = self._org_path("issues/")
        # Tagged with every issue shown, so resolving or assigning one of them drops the page.
        return await self._cached(
            self._key("list_issues", path, params, cursor),
            "list_issues",
            lambda: self._pages("list_issues", path, m.IssueSummary, params=params, cursor=cursor),
            lambda page: ("issues", *(f"issue:{issue.id}" for issue in page)),
        )

    # --- tickets (integration create/link forms) and Seer (autofix) ------------------------------

    def _ticket_path(self, issue_id: str, integration_id: str) -> str:
        return self._org_path("issues/{}/integrations/{}/", issue_id, integration_id)

    async def get_ticket_form(self, issue_id: str, integration_id: str, action: str = "create") -> m.TicketForm:
        """The tracker's own create (`action="create"`) or link (`"link"`) form for the issue."""
        return await self._read(
            "get_ticket_form",
            self._ticket_path(issue_id, integration_id),
            m.TicketForm.model_validate,
            (f"issue:{issue_id}", f"tickets:{issue_id}"),
            {"action": action},
        )

    async def create_ticket(
        self, issue_id: str, integration_id: str, fields: Mapping[str, Any] | None = None
    ) -> m.TicketLink:
        """Create a ticket in the tracker from the create form's `fields`, linked to the issue."""
        data = await self._write(
            "POST",
            "create_ticket",
            self._ticket_path(issue_id, integration_id),
            dict(fields or {}),
            f"issue:{issue_id}",
            f"tickets:{issue_id}",
        )
        return m.TicketLink.model_validate(data)

    async def link_ticket(
        self, issue_id: str, integration_id: str, fields: Mapping[str, Any] | None = None
    ) -> m.TicketLink:
        """Link an existing ticket (the link form's `fields`: `externalIssue` and the tracker's own)."""
        data = await self._write(
            "PUT",
            "link_ticket",
            self._ticket_path(issue_id, integration_id),
            dict(fields or {}),
            f"issue:{issue_id}",
            f"tickets:{issue_id}",
        )
        return m.TicketLink.model_validate(data)

    async def start_autofix(self, issue_id: str) -> m.AutofixStart:
        """Start Seer's analysis of the issue: its root cause, then a proposed solution."""
        path = self._org_path("issues/{}/autofix/", issue_id)
        # Seer stops at the root cause unless told to go on; the solution is the proposed steps.
        body = {"step": "root_cause", "stopping_point": "solution"}
        data = await self._write("POST", "start_autofix", path, body, f"autofix:{issue_id}")
        return m.AutofixStart.model_validate(data)

    async def get_autofix(self, issue_id: str) -> m.AutofixState:
        """Seer's run for the issue as it is now: a run changes between polls, so no earlier answer is reused."""
        self.cache.invalidate(f"autofix:{issue_id}")
        path = self._org_path("issues/{}/autofix/", issue_id)
        return await self._read("get_autofix", path, m.AutofixState.model_validate, (f"autofix:{issue_id}",))

    # --- issue card, releases and crons (issue 13, "card") ------------------------------------

    async def get_issue_details(self, issue_id: str) -> m.IssueDetails:
        """Issue details with the linked tickets folded in (`expand`), by numeric id or short ID.

        Sentry's issue endpoints take a short ID in place of the id (`get_group_with_redirect`,
        getsentry/sentry src/sentry/models/group.py), so a card needs no short ID lookup first.
        """
        path = self._org_path("issues/{}/", issue_id)
        params = {"expand": ["integrationIssues", "sentryAppIssues"]}

        def tags(found: m.IssueDetails) -> tuple[str, ...]:
            return ("issues", "links", f"issue:{found.id}", f"links:{found.id}")

        return await self._read("get_issue_details", path, m.IssueDetails.model_validate, tags, params)

    async def get_latest_event(self, issue_id: str) -> m.EventDetails | None:
        """The issue's latest event with its exception and frames (`event_id` may be `latest`, openapi.json);
        None when the issue has no event left (Sentry's 404), an answer cached like any other."""
        path = self._org_path("issues/{}/events/latest/", issue_id)

        async def load() -> m.EventDetails | None:
            try:
                data = await self._get("get_latest_event", path)
            except NotFound:
                return None
            return m.EventDetails.model_validate(data)

        tags = ("events", f"events:{issue_id}")
        return await self._cached(self._key("get_latest_event", path, None), "get_latest_event", load, tags)

    async def issue_tag_counts(
        self, issue_id: str, *, keys: Sequence[str], stats_period: str = "14d"
    ) -> m.DiscoverTable:
        """Event counts of one issue by the values of `keys` together, biggest first (Discover, errors).

        Sentry publishes no endpoint with several tags' top values of an issue in one answer (its
        GroupTagsEndpoint is unpublished), so one Discover query counts the value combinations.
        """
        params: dict[str, Any] = {
            "dataset": "errors",
            "field": [*keys, "count()"],
            "query": f"issue.id:{int(issue_id)}",
            "sort": "-count()",
            "per_page": 100,
            "statsPeriod": stats_period,
        }
        tags = ("events", f"events:{issue_id}")
        return await self._read(
            "issue_tag_counts", self._org_path("events/"), m.DiscoverTable.model_validate, tags, params
        )

    async def list_releases(
        self, *, project: str | None = None, cursor: str | None = None, max_pages: int = 1
    ) -> Page[m.Release]:
        """Releases, newest first; of one project through its own releases endpoint (it takes the slug)."""
        path = self._project_path(project, "releases/") if project else self._org_path("releases/")
        return await self._list("list_releases", path, m.Release, ("releases",), cursor=cursor, max_pages=max_pages)

    async def get_release(self, version: str) -> m.Release:
        # A version is one path segment, percent-encoded (`@`, `+`); Sentry refuses `/` in versions.
        path = self._org_path("releases/{}/", version)
        return await self._read("get_release", path, m.Release.model_validate, ("releases", f"release:{version}"))

    async def list_release_commits(
        self, version: str, *, cursor: str | None = None, max_pages: int = 1
    ) -> Page[m.Commit]:
        return await self._list(
            "list_release_commits",
            self._org_path("releases/{}/commits/", version),
            m.Commit,
            ("releases", f"release:{version}"),
            cursor=cursor,
            max_pages=max_pages,
        )

    async def list_release_deploys(
        self, version: str, *, cursor: str | None = None, max_pages: int = 1
    ) -> Page[m.Deploy]:
        return await self._list(
            "list_release_deploys",
            self._org_path("releases/{}/deploys/", version),
            m.Deploy,
            ("releases", f"release:{version}"),
            cursor=cursor,
            max_pages=max_pages,
        )

    async def list_monitors(
        self, *, project_id: str | None = None, cursor: str | None = None, max_pages: int = 1
    ) -> Page[m.Monitor]:
        """Cron monitors; `project_id` is the numeric id (Sentry's `project` filter reads ids)."""
        params = _drop_none({"project": [project_id] if project_id else None})
        return await self._list(
            "list_monitors",
            self._org_path("monitors/"),
            m.Monitor,
            ("monitors",),
            params=params,
            cursor=cursor,
            max_pages=max_pages,
        )

    async def get_monitor(self, monitor: str) -> m.Monitor:
        path = self._org_path("monitors/{}/", monitor)
        return await self._read("get_monitor", path, m.Monitor.model_validate, ("monitors", f"monitor:{monitor}"))

    async def list_monitor_checkins(
        self, monitor: str, *, cursor: str | None = None, max_pages: int = 1
    ) -> Page[m.CheckIn]:
        return await self._list(
            "list_monitor_checkins",
            self._org_path("monitors/{}/checkins/", monitor),
            m.CheckIn,
            ("monitors", f"monitor:{monitor}"),
            cursor=cursor,
            max_pages=max_pages,
        )

    async def update_monitor(
        self,
        monitor: str,
        *,
        project: str,
        name: str,
        config: Mapping[str, Any],
        is_muted: bool | None = None,
    ) -> m.Monitor | None:
        """Update a monitor; `is_muted` stops (or restarts) its incidents.

        The published schema requires `project`, `name` and `config` in every update, so a caller
        changing one thing sends the rest back as read (`monitor_update_fields`).
        """
        body = _drop_none({"project": project, "name": name, "config": config, "is_muted": is_muted})
        path = self._org_path("monitors/{}/", monitor)
        data = await self._write("PUT", "update_monitor", path, body, "monitors", f"monitor:{monitor}")
        return m.Monitor.model_validate(data) if isinstance(data, dict) and data.get("id") else None

    # --- reports (issue 15) ---------------------------------------------------------------------

    async def event_totals(
        self, *, start: str, end: str, projects: Sequence[int] = (), environments: Sequence[str] = ()
    ) -> m.EventTotals:
        """Error events and the distinct users they came from, `start`..`end` (RFC 3339, `2027-03-27T08:00:00Z`), in one
        Discover query (`count()`, `count_unique(user)` on the `errors` dataset)."""
        params = _drop_none(
            {
                "field": list(m.EventTotals.FIELDS),
                "dataset": "errors",
                "start": start,
                "end": end,
                "project": list(projects) or None,
                "environment": list(environments) or None,
            }
        )
        return await self._read(
            "event_totals", self._org_path("events/"), m.EventTotals.from_table, ("events", "stats"), params
        )
