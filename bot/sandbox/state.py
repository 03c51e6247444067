"""The sandbox's state: Sentry's stored objects, how writes change them, and the test controls.

`SandboxData` is what Sentry itself would store; its methods are the API's lookups and writes,
with Sentry's validation rules and error bodies (raised as `ApiError`). `SandboxState` wraps it
with what only a stand-in has: injected faults, added latency, a log of received requests, rate
limit accounting and a reset to the seeded data.
"""

from __future__ import annotations

import copy
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from multidict import MultiDict

from bot.sandbox.records import (
    JSON,
    Activity,
    Actor,
    Commit,
    DataForwarder,
    Event,
    EventUser,
    ExternalIssue,
    ExternalTeam,
    ExternalUser,
    Installation,
    Integration,
    Issue,
    Member,
    Monitor,
    Organization,
    Project,
    ProjectKey,
    Provider,
    Relay,
    Release,
    Repository,
    ServiceHook,
    TagValue,
    Team,
    iso,
    random_hex,
    short_id_suffix,
)
from bot.sandbox.tickets import TicketDesk

NOT_FOUND = "The requested resource does not exist"
ORG_ROLES = ("billing", "member", "admin", "manager", "owner")
SCIM_ROLES = ("billing", "member", "manager", "admin")  # SCIM cannot provision owners
TEAM_ROLES = ("contributor", "admin")
HOOK_EVENTS = ("event.alert", "event.created")
EXTERNAL_PROVIDERS = (
    "github",
    "github_enterprise",
    "jira_server",
    "slack",
    "slack_staging",
    "perforce",
    "gitlab",
    "msteams",
    "custom_scm",
)
FORWARDER_CONFIG_KEYS: dict[str, tuple[str, ...]] = {
    "sqs": ("queue_url", "region", "access_key", "secret_key"),
    "segment": ("write_key",),
    "splunk": ("instance_url", "index", "source", "token"),
}
ISSUE_STATUSES = ("resolved", "unresolved", "ignored", "resolvedInNextRelease", "muted")
UNRESOLVED_SUBSTATUSES = ("ongoing", "escalating", "regressed", "new")
ARCHIVED_SUBSTATUSES = ("archived_until_escalating", "archived_until_condition_met", "archived_forever")
IGNORE_CONDITIONS = ("ignoreCount", "ignoreWindow", "ignoreUserCount", "ignoreUserWindow", "ignoreDuration")
ISSUE_FLAGS = ("hasSeen", "isBookmarked", "isSubscribed", "isPublic")
PRIORITIES = ("low", "medium", "high")
ONLY_OWNER = "You cannot remove the only remaining owner of the organization."
SLUG_RE = re.compile(r"^(?!\d+$)[a-z0-9_-]+$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SCIM_FILTER_RE = re.compile(r'^\s*userName\s+eq\s+"([^"]*)"\s*$', re.IGNORECASE)


def utcnow() -> datetime:
    return datetime.now(UTC)


class ApiError(Exception):
    """An answer other than success, with one of Sentry's three error body shapes."""

    def __init__(self, status: int, body: JSON) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body

    @classmethod
    def not_found(cls) -> ApiError:
        return cls(404, {"detail": NOT_FOUND})

    @classmethod
    def detail(cls, status: int, message: str) -> ApiError:
        return cls(status, {"detail": message})

    @classmethod
    def field(cls, name: str, message: str) -> ApiError:
        return cls(400, {name: [message]})

    @classmethod
    def coded(cls, status: int, code: str, message: str, extra: Any = None) -> ApiError:
        return cls(status, {"detail": {"code": code, "message": message, "extra": extra}})


# --- request body validation, with Django REST framework's messages ------------------------------


def required(body: JSON, name: str) -> Any:
    if body.get(name) in (None, ""):
        raise ApiError.field(name, "This field is required.")
    return body[name]


def text(body: JSON, name: str, *, max_length: int | None = None) -> str:
    value = required(body, name)
    if not isinstance(value, str):
        raise ApiError.field(name, "Not a valid string.")
    if max_length is not None and len(value) > max_length:
        raise ApiError.field(name, f"Ensure this field has no more than {max_length} characters.")
    return value


def choice(body: JSON, name: str, choices: tuple[str, ...]) -> str:
    value = required(body, name)
    if value not in choices:
        raise ApiError.field(name, f'"{value}" is not a valid choice.')
    return str(value)


def boolean(body: JSON, name: str, default: bool) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise ApiError.field(name, "Must be a valid boolean.")
    return value


def integer(body: JSON, name: str) -> int:
    value = required(body, name)
    # bool is an int in Python, not in JSON.
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise ApiError.field(name, "A valid integer is required.")
    return int(value)


def email_address(body: JSON, name: str) -> str:
    value = text(body, name, max_length=75)
    if not EMAIL_RE.match(value):
        raise ApiError.field(name, "Enter a valid email address.")
    return value.lower()


def web_url(body: JSON, name: str) -> str:
    value = text(body, name)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ApiError.field(name, "Enter a valid URL.")
    return value


def id_list(values: Any, name: str) -> list[int]:
    if not isinstance(values, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise ApiError.field(name, "Expected a list of integers.")
    return values


@dataclass
class StatusChange:
    """A validated change of an issue's status, not yet applied."""

    status: str
    substatus: str | None
    details: JSON
    activity: str


# --- Sentry's stored objects -------------------------------------------------------------------


@dataclass
class SandboxData:
    organization: Organization
    teams: dict[str, Team]  # by slug
    projects: dict[str, Project]  # by slug
    members: dict[str, Member]  # by member id
    issues: dict[str, Issue]  # by issue id
    events: dict[str, Event]  # by event id
    repos: dict[str, Repository]
    commits: list[Commit]
    providers: list[Provider]
    integrations: dict[str, Integration]
    hooks: dict[str, ServiceHook]
    tag_values: list[TagValue]
    event_users: list[EventUser]
    relays: list[Relay]
    project_keys: list[ProjectKey]
    forwarders: dict[str, DataForwarder]
    external_users: dict[str, ExternalUser]
    external_teams: dict[str, ExternalTeam]
    installations: dict[str, Installation]
    external_issues: dict[str, ExternalIssue]
    # New ids and secrets come from a seeded generator, so a test run is repeatable.
    rng: random.Random
    last_id: int = 9_000_000
    # Tickets in the trackers and Seer's runs (bot/sandbox/tickets.py).
    desk: TicketDesk = field(default_factory=TicketDesk)
    # issue 13, "card": releases by version and cron monitors by slug
    releases: dict[str, Release] = field(default_factory=dict)
    monitors: dict[str, Monitor] = field(default_factory=dict)

    # --- ids ---

    def new_id(self) -> str:
        self.last_id += 1
        return str(self.last_id)

    def new_hex(self, length: int) -> str:
        return random_hex(self.rng, length)

    # --- lookups (404 when missing) ---

    def organization_matches(self, key: str) -> bool:
        return key in (self.organization.slug, self.organization.id)

    def project(self, key: str) -> Project:
        found = self.projects.get(key) or next((p for p in self.projects.values() if p.id == key), None)
        if found is None:
            raise ApiError.not_found()
        return found

    def project_by_id(self, project_id: str) -> Project | None:
        return next((p for p in self.projects.values() if p.id == project_id), None)

    def team(self, key: str) -> Team:
        found = self.teams.get(key) or next((t for t in self.teams.values() if t.id == key), None)
        if found is None:
            raise ApiError.not_found()
        return found

    def team_by_id(self, team_id: str) -> Team | None:
        return next((t for t in self.teams.values() if t.id == team_id), None)

    def member(self, member_id: str) -> Member:
        found = self.members.get(member_id)
        if found is None:
            raise ApiError.not_found()
        return found

    def member_by_email(self, email: str) -> Member | None:
        return next((m for m in self.members.values() if m.email.lower() == email.lower()), None)

    def member_by_user(self, user_id: str) -> Member | None:
        return next((m for m in self.members.values() if m.user_id == user_id), None)

    def team_members(self, team: Team) -> list[Member]:
        return [m for m in self.members.values() if team.slug in m.team_roles]

    def short_id(self, issue: Issue) -> str:
        return f"{self.projects[issue.project_slug].short_prefix}-{short_id_suffix(issue.number)}"

    def issue(self, key: str) -> Issue:
        """By numeric id or, like Sentry's issue endpoints, by short ID."""
        found = self.issues.get(key) if key.isdigit() else self.issue_by_short_id(key)
        if found is None:
            raise ApiError.not_found()
        return found

    def issue_by_short_id(self, short_id: str) -> Issue | None:
        wanted = short_id.upper()
        return next((i for i in self.issues.values() if self.short_id(i) == wanted), None)

    def project_issues(self, project: Project) -> list[Issue]:
        return [i for i in self.issues.values() if i.project_slug == project.slug]

    def event(self, event_id: str) -> Event:
        found = self.events.get(event_id.lower().replace("-", ""))  # Sentry also takes the UUID form
        if found is None:
            raise ApiError.not_found()
        return found

    def repo(self, repo_id: str) -> Repository:
        found = self.repos.get(repo_id)
        if found is None:
            raise ApiError.not_found()
        return found

    def integration(self, integration_id: str) -> Integration:
        found = self.integrations.get(integration_id)
        if found is None:
            raise ApiError.not_found()
        return found

    def hook(self, project: Project, hook_id: str) -> ServiceHook:
        found = self.hooks.get(hook_id)
        if found is None or found.project_slug != project.slug:
            raise ApiError.not_found()
        return found

    def forwarder(self, forwarder_id: str) -> DataForwarder:
        found = self.forwarders.get(forwarder_id)
        if found is None:
            raise ApiError.not_found()
        return found

    def installation(self, uuid: str) -> Installation:
        found = self.installations.get(uuid)
        if found is None:
            raise ApiError.not_found()
        return found

    def external_user(self, external_id: str) -> ExternalUser:
        found = self.external_users.get(external_id)
        if found is None:
            raise ApiError.not_found()
        return found

    def external_team(self, team: Team, external_id: str) -> ExternalTeam:
        found = self.external_teams.get(external_id)
        if found is None or found.team_id != team.id:
            raise ApiError.not_found()
        return found

    def external_issue(self, installation: Installation, external_id: str) -> ExternalIssue:
        found = self.external_issues.get(external_id)
        if found is None or found.installation_uuid != installation.uuid:
            raise ApiError.not_found()
        return found

    # --- organization ---

    def update_organization(self, body: JSON) -> None:
        """Validate every given field first, so a bad request changes nothing."""
        changes: JSON = {}
        if "slug" in body:
            slug = text(body, "slug", max_length=50)
            if not SLUG_RE.match(slug):
                raise ApiError.field(
                    "slug",
                    "Enter a valid slug consisting of lowercase letters, numbers, underscores or "
                    "hyphens. It cannot be entirely numeric.",
                )
            changes["slug"] = slug
        if "name" in body:
            changes["name"] = text(body, "name", max_length=64)
        if "defaultRole" in body:
            changes["defaultRole"] = choice(body, "defaultRole", ("member", "admin", "manager", "owner"))
        for name, current in self.organization.settings.items():
            if isinstance(current, bool) and name in body:
                changes[name] = boolean(body, name, current)
        self.organization.slug = changes.pop("slug", self.organization.slug)
        self.organization.name = changes.pop("name", self.organization.name)
        self.organization.settings.update(changes)

    # --- members ---

    def team_roles(self, value: Any) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise ApiError.field("teamRoles", "Expected a list of {teamSlug, role} objects.")
        # getsentry/sentry's member invite serializer (`validate_teamRoles`, then `validate_teams`):
        # roles are checked first, then every slug must be an active team; the messages name neither.
        if any(item.get("role") not in (*TEAM_ROLES, None) for item in value):
            raise ApiError.field("teamRoles", "Invalid team-role")
        if any(item.get("teamSlug") not in self.teams for item in value):
            raise ApiError.field("teamRoles", "Invalid teams")
        return {item["teamSlug"]: item.get("role") or "contributor" for item in value}

    def add_member(self, body: JSON) -> Member:
        email = email_address(body, "email")
        role = choice(body, "orgRole", ORG_ROLES) if "orgRole" in body else self.default_role()
        team_roles = self.team_roles(body.get("teamRoles"))
        existing = self.member_by_email(email)
        if existing is not None and existing.pending:
            raise ApiError.field("email", f"The user {email} has already been invited")
        if existing is not None:
            raise ApiError.coded(409, "member-exists", f"The user {email} is already a member")
        return self.invite(email, role, team_roles)

    def default_role(self) -> str:
        return str(self.organization.settings["defaultRole"])

    def invite(self, email: str, role: str, team_roles: dict[str, str], *, scim: bool = False) -> Member:
        member = Member(
            id=self.new_id(),
            email=email,
            name=email,
            org_role=role,
            date_created=utcnow(),
            team_roles=team_roles,
            idp_provisioned=scim,
        )
        self.members[member.id] = member
        return member

    def update_member(self, member: Member, body: JSON) -> None:
        role = choice(body, "orgRole", ORG_ROLES) if "orgRole" in body else member.org_role
        team_roles = self.team_roles(body["teamRoles"]) if "teamRoles" in body else member.team_roles
        if role != "owner" and self.is_only_owner(member):
            raise ApiError.detail(403, ONLY_OWNER)
        member.org_role = role
        member.team_roles = team_roles

    def is_only_owner(self, member: Member) -> bool:
        owners = [m for m in self.members.values() if m.org_role == "owner" and not m.pending]
        return len(owners) == 1 and owners[0] is member

    def remove_member(self, member: Member) -> None:
        if self.is_only_owner(member):
            raise ApiError.detail(403, ONLY_OWNER)
        del self.members[member.id]
        if member.user_id is None:
            return
        # Sentry drops what pointed at the departed user: their assignments and external names.
        gone = Actor("user", member.user_id)
        for issue in self.issues.values():
            if issue.assignee == gone:
                issue.assignee = None
        for key in [k for k, v in self.external_users.items() if v.user_id == member.user_id]:
            del self.external_users[key]

    # --- SCIM ---

    def scim_members(self, filter_expr: str | None) -> list[Member]:
        members = sorted(self.members.values(), key=lambda m: int(m.id))
        if not filter_expr:
            return members
        match = SCIM_FILTER_RE.match(filter_expr)
        if match is None:
            raise ApiError.detail(400, "Invalid filter syntax.")
        return [m for m in members if m.email.lower() == match.group(1).lower()]

    def scim_provision(self, body: JSON) -> Member:
        email = email_address(body, "userName")
        role = self.default_role()
        if body.get("sentryOrgRole"):
            role = choice(body, "sentryOrgRole", SCIM_ROLES)
        if self.member_by_email(email) is not None:
            raise ApiError.detail(409, "User already exists in the database.")
        return self.invite(email, role, {}, scim=True)

    def scim_patch(self, member: Member, body: JSON) -> None:
        operations = required(body, "Operations")
        if not isinstance(operations, list):
            raise ApiError.field("Operations", "Expected a list of items.")
        for operation in operations:
            active = self.scim_active_value(operation)
            if active is False:
                self.remove_member(member)
                return

    @staticmethod
    def scim_active_value(operation: Any) -> bool:
        """Sentry's SCIM only supports replacing `active` (as a path or inside the value)."""
        if not isinstance(operation, dict) or str(operation.get("op", "")).lower() != "replace":
            raise ApiError.detail(400, "Invalid Patch Operation.")
        value = operation.get("value")
        if operation.get("path") == "active" and isinstance(value, bool):
            return value
        if isinstance(value, dict) and isinstance(value.get("active"), bool):
            return bool(value["active"])
        raise ApiError.detail(400, "Invalid Patch Operation.")

    # --- issues ---

    def update_issue(self, issue: Issue, body: JSON) -> JSON:
        """Apply a `PUT .../issues/{id}/` and answer with the changed fields, as Sentry does.

        Everything is validated before anything changes, so a 400 leaves the issue untouched.
        """
        status = self.status_change(body, issue)
        assign = "assignedTo" in body
        assignee = self.parse_actor(body.get("assignedTo")) if assign else None
        if assignee is not None:
            self.check_assignable(issue, assignee)
        flags = {name: boolean(body, name, False) for name in ISSUE_FLAGS if name in body}
        priority = choice(body, "priority", PRIORITIES) if "priority" in body else None

        changes: JSON = {}
        if status is not None:
            changes |= self.apply_status(issue, status)
        if assign:
            changes["assignedTo"] = self.apply_assignee(issue, assignee)
        for name, value in flags.items():
            setattr(issue, _SNAKE[name], value)
            changes[name] = value
        if priority is not None:
            issue.priority = priority
            changes["priority"] = priority
        return changes

    def status_change(self, body: JSON, issue: Issue) -> StatusChange | None:
        # Sentry reads the details from `statusDetails`, or from the body itself when it is absent
        # (`status_details = result.pop("statusDetails", result)` in its group update helper,
        # getsentry/sentry `api/helpers/group_index/update.py`): a top-level `ignoreCount` counts.
        details = body.get("statusDetails", body) or {}
        if not isinstance(details, dict):
            raise ApiError.field("statusDetails", "Expected an object.")
        status = body.get("status")
        if status is None and ("inNextRelease" in details or "inRelease" in details):
            status = "resolved"  # Sentry resolves on release details alone
        if status is None:
            if body.get("substatus"):
                raise ApiError.field("substatus", "A status is required to set a substatus.")
            return None
        status = choice({"status": status}, "status", ISSUE_STATUSES)
        if status in ("resolved", "resolvedInNextRelease"):
            return self.resolution(status, details, issue)
        if status == "unresolved":
            substatus = body.get("substatus") or "ongoing"
            if substatus not in UNRESOLVED_SUBSTATUSES:
                raise ApiError.field("substatus", "The substatus value is not compatible with the status.")
            return StatusChange("unresolved", substatus, {}, "set_unresolved")
        return self.archiving(body.get("substatus"), details)

    def resolution(self, status: str, details: JSON, issue: Issue) -> StatusChange:
        if status == "resolvedInNextRelease" or details.get("inNextRelease") is True:
            return StatusChange("resolved", None, {"inNextRelease": True}, "set_resolved_in_release")
        release = details.get("inRelease")
        if isinstance(release, str) and release:
            version = self.projects[issue.project_slug].latest_release if release == "latest" else release
            return StatusChange("resolved", None, {"inRelease": version}, "set_resolved_in_release")
        return StatusChange("resolved", None, {}, "set_resolved")

    @staticmethod
    def archiving(substatus: Any, details: JSON) -> StatusChange:
        """`ignored` is shown as "archived"; which kind depends on the conditions given."""
        conditions = {name: details[name] for name in IGNORE_CONDITIONS if details.get(name) is not None}
        for name, value in conditions.items():
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ApiError.field("statusDetails", f"{name} must be a positive integer.")
        if substatus is None:
            substatus = "archived_until_condition_met" if conditions else "archived_until_escalating"
        if substatus not in ARCHIVED_SUBSTATUSES:
            raise ApiError.field("substatus", "The substatus value is not compatible with the status.")
        if substatus != "archived_until_condition_met":
            return StatusChange("ignored", substatus, {}, "set_ignored")
        shown = {name: conditions.get(name) for name in IGNORE_CONDITIONS if name != "ignoreDuration"}
        duration = conditions.get("ignoreDuration")
        until = utcnow() + timedelta(minutes=duration) if duration else None
        shown["ignoreUntil"] = iso(until) if until else None
        return StatusChange("ignored", substatus, shown, "set_ignored")

    def apply_status(self, issue: Issue, change: StatusChange) -> JSON:
        issue.status = change.status
        issue.substatus = change.substatus
        issue.status_details = change.details
        self.log_activity(issue, change.activity, change.details)
        return {"status": change.status, "statusDetails": change.details, "substatus": change.substatus}

    def parse_actor(self, value: Any) -> Actor | None:
        """Sentry's `assignedTo`: `user:<id>`, `team:<id>`, `<user id>`, a username or email; "" clears."""
        if value in ("", None):
            return None
        unknown = ApiError.field("assignedTo", "Unknown actor input")
        if not isinstance(value, str):
            raise unknown
        kind, colon, key = value.partition(":")
        if not colon:
            kind, key = "user", value
        if kind == "team":
            if self.team_by_id(key) is None:
                raise unknown
            return Actor("team", key)
        if kind != "user":
            raise ApiError.field(
                "assignedTo",
                "Could not parse actor. Format should be `type:id` where type is `team` or `user`.",
            )
        member = self.member_by_user(key) if key.isdigit() else self.member_by_email(key)
        if member is None or member.user_id is None:
            raise unknown  # pending invitees cannot be assigned
        return Actor("user", member.user_id)

    def check_assignable(self, issue: Issue, actor: Actor) -> None:
        """Only members of the project's teams, and those teams, may be assigned. Sentry's issue
        validator (getsentry/sentry `api/helpers/group_index/validators/group.py`,
        `validate_assignedTo`) checks `project.member_set` and `project.teams`; the DRF field error
        comes back as `{"assignedTo": ["..."]}` with status 400."""
        team_slug = self.projects[issue.project_slug].team_slug
        if actor.type == "team":
            team = self.team_by_id(actor.id)
            if team is None or team.slug != team_slug:
                raise ApiError.field("assignedTo", "Cannot assign to a team without access to the project")
            return
        member = self.member_by_user(actor.id)
        if member is None or team_slug not in member.team_roles:
            raise ApiError.field("assignedTo", "Cannot assign to non-team member")

    def apply_assignee(self, issue: Issue, actor: Actor | None) -> JSON | None:
        issue.assignee = actor
        if actor is None:
            self.log_activity(issue, "unassigned", {})
            return None
        shown = self.actor_json(actor)
        self.log_activity(issue, "assigned", {"assignee": actor.id, "assigneeType": actor.type})
        return shown

    def actor_json(self, actor: Actor) -> JSON:
        if actor.type == "team":
            team = self.team_by_id(actor.id)
            return {"type": "team", "id": actor.id, "name": team.slug if team else actor.id}
        member = self.member_by_user(actor.id)
        return {
            "type": "user",
            "id": actor.id,
            "name": member.name if member else actor.id,
            "email": member.email if member else None,
        }

    def log_activity(self, issue: Issue, kind: str, data: JSON) -> None:
        issue.activity.insert(0, Activity(id=self.new_id(), type=kind, date_created=utcnow(), data=dict(data)))

    # --- service hooks ---

    def create_hook(self, project: Project, body: JSON) -> ServiceHook:
        url = web_url(body, "url")
        events = required(body, "events")
        if not isinstance(events, list) or not events:
            raise ApiError.field("events", "This field is required.")
        for name in events:
            if name not in HOOK_EVENTS:
                raise ApiError.field("events", f"Invalid event name: {name}")
        hook = ServiceHook(
            id=self.new_hex(32),
            project_slug=project.slug,
            url=url,
            events=sorted(set(events)),
            secret=self.new_hex(64),
            date_created=utcnow(),
        )
        self.hooks[hook.id] = hook
        return hook

    # --- data forwarders ---

    def create_forwarder(self, body: JSON) -> DataForwarder:
        required(body, "organization_id")
        provider = choice(body, "provider", tuple(FORWARDER_CONFIG_KEYS))
        now = utcnow()
        forwarder = DataForwarder(
            id=self.new_id(), provider=provider, config={}, project_ids=[], date_added=now, date_updated=now
        )
        self.apply_forwarder(forwarder, body)
        self.forwarders[forwarder.id] = forwarder
        return forwarder

    def apply_forwarder(self, forwarder: DataForwarder, body: JSON) -> None:
        """Merge the body over the forwarder's current values, validate the result, then apply it."""
        if "organization_id" in body and str(integer(body, "organization_id")) != self.organization.id:
            raise ApiError.field("organization_id", "The organization ID does not match.")
        provider = choice(body, "provider", tuple(FORWARDER_CONFIG_KEYS)) if "provider" in body else None
        provider = provider or forwarder.provider
        if any(f.provider == provider and f is not forwarder for f in self.forwarders.values()):
            # DataForwarderSerializer.validate (getsentry/sentry `integrations/api/serializers/
            # rest_framework/data_forwarder.py`) raises a non-field ValidationError.
            raise ApiError(
                400,
                {
                    "non_field_errors": [
                        f"A DataForwarder with provider '{provider}' already exists for this organization."
                    ]
                },
            )
        config = body.get("config", forwarder.config)
        if not isinstance(config, dict) or not all(isinstance(v, str) for v in config.values()):
            raise ApiError.field("config", "Expected an object of strings.")
        missing = [key for key in FORWARDER_CONFIG_KEYS[provider] if not config.get(key)]
        if missing:
            raise ApiError.field("config", f"Missing required keys for {provider}: {', '.join(missing)}")
        project_ids = forwarder.project_ids
        if "project_ids" in body:
            project_ids = [str(i) for i in id_list(body["project_ids"], "project_ids")]
            unknown = [i for i in project_ids if self.project_by_id(i) is None]
            if unknown:
                raise ApiError.field("project_ids", f"Invalid project IDs: {', '.join(unknown)}")
        enabled = boolean(body, "is_enabled", forwarder.is_enabled)
        enroll = boolean(body, "enroll_new_projects", forwarder.enroll_new_projects)
        forwarder.is_enabled, forwarder.enroll_new_projects = enabled, enroll
        forwarder.provider, forwarder.config, forwarder.project_ids = provider, dict(config), project_ids
        forwarder.date_updated = utcnow()

    # --- external users and teams ---

    def external_fields(self, body: JSON, *, partial: bool) -> JSON:
        """The shared fields of external users and teams, checked against the integration."""
        fields: JSON = {}
        if not partial or "provider" in body:
            fields["provider"] = choice(body, "provider", EXTERNAL_PROVIDERS)
        if not partial or "external_name" in body:
            fields["external_name"] = text(body, "external_name")
        if not partial or "integration_id" in body:
            integration_id = str(integer(body, "integration_id"))
            if integration_id not in self.integrations:
                raise ApiError.field("integration_id", "Integration does not exist for this organization")
            fields["integration_id"] = integration_id
        if body.get("external_id") is not None:
            fields["external_id"] = str(body["external_id"])
        return fields

    def check_provider(self, provider: str, integration_id: str) -> None:
        if self.integrations[integration_id].provider_key != provider:
            raise ApiError.field("provider", "The provider does not match the integration's provider.")

    def create_external_user(self, body: JSON) -> tuple[ExternalUser, bool]:
        """Returns the mapping and whether it is new: an identical one is answered with 200."""
        user_id = str(integer(body, "user_id"))
        member = self.member_by_user(user_id)
        if member is None:
            raise ApiError.field("user_id", "This member does not exist.")
        fields = self.external_fields(body, partial=False)
        self.check_provider(fields["provider"], fields["integration_id"])
        candidate = ExternalUser(id="", user_id=user_id, **fields)
        for existing in self.external_users.values():
            if _same_mapping(existing, candidate):
                return existing, False
        candidate.id = self.new_id()
        self.external_users[candidate.id] = candidate
        return candidate, True

    def update_external_user(self, mapping: ExternalUser, body: JSON) -> None:
        fields = self.external_fields(body, partial=True)
        if "user_id" in body:
            user_id = str(integer(body, "user_id"))
            if self.member_by_user(user_id) is None:
                raise ApiError.field("user_id", "This member does not exist.")
            fields["user_id"] = user_id
        self.apply_external(mapping, fields)

    def apply_external(self, mapping: ExternalUser | ExternalTeam, fields: JSON) -> None:
        self.check_provider(
            fields.get("provider", mapping.provider), fields.get("integration_id", mapping.integration_id)
        )
        for name, value in fields.items():
            setattr(mapping, name, value)

    def create_external_team(self, team: Team, body: JSON) -> tuple[ExternalTeam, bool]:
        fields = self.external_fields(body, partial=False)
        self.check_provider(fields["provider"], fields["integration_id"])
        candidate = ExternalTeam(id="", team_id=team.id, **fields)
        for existing in self.external_teams.values():
            if _same_mapping(existing, candidate):
                return existing, False
        candidate.id = self.new_id()
        self.external_teams[candidate.id] = candidate
        return candidate, True

    def update_external_team(self, mapping: ExternalTeam, body: JSON) -> None:
        self.apply_external(mapping, self.external_fields(body, partial=True))

    # --- Sentry App external issues ---

    def link_external_issue(self, installation: Installation, body: JSON) -> ExternalIssue:
        """Create or update: Sentry keeps one external issue per issue and app."""
        issue_id = str(integer(body, "issueId"))
        url = web_url(body, "webUrl")
        project = text(body, "project")
        identifier = text(body, "identifier")
        if issue_id not in self.issues:
            raise ApiError.not_found()
        for existing in self.external_issues.values():
            if existing.issue_id == issue_id and existing.installation_uuid == installation.uuid:
                existing.web_url, existing.project, existing.identifier = url, project, identifier
                return existing
        link = ExternalIssue(
            id=self.new_id(),
            installation_uuid=installation.uuid,
            issue_id=issue_id,
            service_type=installation.app_slug,
            project=project,
            identifier=identifier,
            web_url=url,
        )
        self.external_issues[link.id] = link
        return link

    # --- issue 13, "card": releases and cron monitors ---

    def release(self, version: str) -> Release:
        found = self.releases.get(version)
        if found is None:
            raise ApiError.not_found()
        return found

    def monitor(self, key: str) -> Monitor:
        """By slug or id, as Sentry's monitor endpoints take either (`monitor_id_or_slug`)."""
        found = self.monitors.get(key) or next((m for m in self.monitors.values() if m.id == key), None)
        if found is None:
            raise ApiError.not_found()
        return found

    def update_monitor(self, monitor: Monitor, body: JSON) -> None:
        """Sentry's MonitorValidator with `partial=True` (getsentry/sentry src/sentry/monitors/endpoints/
        base_monitor_details.py): only the fields sent change, each checked as the validator does."""
        if "project" in body:
            self.project(str(body["project"]))
        if "name" in body:
            name = text(body, "name", max_length=128)
            monitor.name = name
        if "status" in body:
            monitor.status = choice(body, "status", ("active", "disabled"))
        if "config" in body:
            config = body["config"]
            if not isinstance(config, dict) or "schedule" not in config:
                raise ApiError.field("config", "This field is required.")
            if config.get("schedule_type", monitor.config.get("schedule_type")) not in ("crontab", "interval"):
                raise ApiError.field("config", "Invalid schedule_type")
            monitor.config = {**monitor.config, **config}
        for key in ("is_muted", "isMuted"):
            if key in body:
                monitor.is_muted = boolean(body, key, monitor.is_muted)


_SNAKE = {
    "hasSeen": "has_seen",
    "isBookmarked": "is_bookmarked",
    "isSubscribed": "is_subscribed",
    "isPublic": "is_public",
}


def _same_mapping(a: ExternalUser | ExternalTeam, b: ExternalUser | ExternalTeam) -> bool:
    keys = ("provider", "external_name", "integration_id")
    owner = "user_id" if isinstance(a, ExternalUser) else "team_id"
    return all(getattr(a, k) == getattr(b, k) for k in (*keys, owner))


# --- what only a stand-in has: faults, latency, the request log, rate limit accounting -----------

CONCURRENT_LIMIT = 25  # requests in flight per endpoint


@dataclass
class Fault:
    """One injected failure, consumed by the next `times` matching requests."""

    status: int
    times: int = 1
    path_contains: str | None = None
    method: str | None = None
    body: Any = None
    reset_in: int = 1  # for 429: seconds until X-Sentry-Rate-Limit-Reset
    delay: float = 0.0  # seconds to wait before answering, to provoke client timeouts

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path_contains is None or self.path_contains in path


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # e.g. /api/0/organizations/acme/members/
    query: MultiDict[str]
    body: Any  # the parsed JSON body, or None

    def as_json(self) -> JSON:
        return {
            "method": self.method,
            "path": self.path,
            "query": {key: self.query.getall(key) for key in self.query},
            "body": self.body,
        }


@dataclass(frozen=True)
class RateWindow:
    """What the X-Sentry-Rate-Limit-* headers say about one request."""

    limit: int
    remaining: int
    reset: int  # epoch seconds
    concurrent_remaining: int


class SandboxState:
    """The seeded Sentry data plus the controls tests and the demo use.

    - `page_size`: largest page a list answers with (Sentry: 100); lower it to exercise paging.
    - `latency`: seconds added to every API response (benchmarks).
    - `auth_token`: when set, only `Bearer <auth_token>` is accepted; by default any token is.
    - `enforce_rate_limits`: when set, a caller going over an endpoint's limit gets Sentry's 429;
      by default the X-Sentry-Rate-Limit-* headers only report the count.
    - `requests`: every API request received, in order.
    - `fail_next(...)`: make the next matching requests fail.
    - `reset()`: back to the seeded data; faults and the request log are cleared.
    """

    def __init__(self, data: SandboxData) -> None:
        self._pristine = copy.deepcopy(data)
        self.data = data
        self.page_size = 100
        self.latency = 0.0
        self.auth_token: str | None = None
        self.enforce_rate_limits = False
        self.requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self._window = 0
        self._window_counts: Counter[str] = Counter()
        self._in_flight: Counter[str] = Counter()

    @property
    def org_slug(self) -> str:
        return self.data.organization.slug

    def reset(self) -> None:
        self.data = copy.deepcopy(self._pristine)
        self.requests.clear()
        self.faults.clear()

    def fail_next(
        self,
        status: int = 500,
        times: int = 1,
        path_contains: str | None = None,
        body: Any = None,
        reset_in: int = 1,
        method: str | None = None,
        delay: float = 0.0,
    ) -> Fault:
        fault = Fault(status, times, path_contains, method, body, reset_in, delay)
        self.faults.append(fault)
        return fault

    def take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method, path):
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def calls(self, path_contains: str = "", method: str | None = None) -> list[RecordedRequest]:
        """The recorded requests whose path contains `path_contains` (and of `method`, if given)."""
        return [r for r in self.requests if path_contains in r.path and (method is None or r.method == method.upper())]

    def count_request(self, endpoint: str, limit: int) -> RateWindow:
        """Count a request in Sentry's fixed one-second window for this endpoint."""
        now = int(time.time())
        if now != self._window:
            self._window, self._window_counts = now, Counter()
        self._window_counts[endpoint] += 1
        return RateWindow(
            limit=limit,
            remaining=max(limit - self._window_counts[endpoint], 0),
            reset=now + 1,
            concurrent_remaining=max(CONCURRENT_LIMIT - self._in_flight[endpoint], 0),
        )

    def over_limit(self, endpoint: str, limit: int) -> bool:
        return self.enforce_rate_limits and self._window_counts[endpoint] > limit

    def enter(self, endpoint: str) -> None:
        self._in_flight[endpoint] += 1

    def leave(self, endpoint: str) -> None:
        self._in_flight[endpoint] -= 1
