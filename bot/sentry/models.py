"""Pydantic models of what Sentry returns. Unknown fields are kept; the fields we show are typed.

Field names are snake_case; Sentry's camelCase names are their aliases. Only what the bot shows or
acts on is declared, and almost everything is optional: Sentry's answers vary by version and plan.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import datetime
from typing import Any, ClassVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

__all__ = [
    "Assignee",
    "AutofixRun",
    "AutofixStart",
    "AutofixState",
    "AutofixStep",
    "CheckIn",
    "ClientKey",
    "Commit",
    "Deploy",
    "DiscoverTable",
    "Event",
    "EventDetails",
    "EventIdResolution",
    "ExceptionValue",
    "ExternalIssue",
    "ExternalTeam",
    "ExternalUser",
    "FormField",
    "Forwarder",
    "Frame",
    "Installation",
    "Integration",
    "IntegrationProvider",
    "Issue",
    "IssueAnnotation",
    "IssueCounts",
    "IssueDetails",
    "IssueSummary",
    "Member",
    "Monitor",
    "MonitorConfig",
    "MonitorEnvironment",
    "Organization",
    "Project",
    "ProjectRef",
    "ProjectUser",
    "Provider",
    "Relay",
    "Release",
    "ReleaseProject",
    "ReleaseRef",
    "Repository",
    "ScimList",
    "ScimUser",
    "SentryModel",
    "ServiceHook",
    "ShortIdResolution",
    "StatPoint",
    "StatsGroup",
    "StatsV2",
    "TagKey",
    "TagValue",
    "Team",
    "TeamRef",
    "TeamRole",
    "TicketForm",
    "TicketLink",
    "User",
]


class SentryModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
        frozen=True,
        coerce_numbers_to_str=True,
    )


class TeamRef(SentryModel):
    id: str
    slug: str
    name: str | None = None


class ProjectRef(SentryModel):
    id: str | None = None
    slug: str
    name: str | None = None
    platform: str | None = None


class Organization(SentryModel):
    id: str
    slug: str
    name: str
    date_created: datetime | None = None
    status: dict[str, Any] | None = None
    require_2fa: bool | None = Field(default=None, alias="require2FA")
    is_early_adopter: bool | None = None
    links: dict[str, Any] | None = None
    features: list[str] = []


class Team(SentryModel):
    id: str
    slug: str
    name: str | None = None
    member_count: int | None = None
    is_member: bool | None = None


class Project(SentryModel):
    id: str
    slug: str
    name: str | None = None
    platform: str | None = None
    date_created: datetime | None = None
    first_event: datetime | None = None
    status: str | None = None
    team: TeamRef | None = None
    teams: list[TeamRef] = []
    environments: list[str] = []
    features: list[str] = []
    has_access: bool | None = None
    is_member: bool | None = None


class User(SentryModel):
    id: str
    name: str | None = None
    email: str | None = None
    username: str | None = None


class TeamRole(SentryModel):
    team_slug: str
    role: str | None = None


class Member(SentryModel):
    id: str
    email: str | None = None
    name: str | None = None
    user: User | None = None
    org_role: str | None = Field(default=None, validation_alias=AliasChoices("orgRole", "role", "org_role"))
    pending: bool | None = None
    expired: bool | None = None
    invite_status: str | None = None
    date_created: datetime | None = None
    teams: list[str] = []
    team_roles: list[TeamRole] = []


class Repository(SentryModel):
    id: str
    name: str
    url: str | None = None
    provider: dict[str, Any] | None = None
    status: str | None = None
    date_created: datetime | None = None
    external_slug: str | None = None


class Commit(SentryModel):
    id: str
    message: str | None = None
    date_created: datetime | None = None
    author: dict[str, Any] | None = None
    repository: dict[str, Any] | None = None


class Assignee(SentryModel):
    type: str | None = None
    id: str | None = None
    name: str | None = None
    email: str | None = None


class Issue(SentryModel):
    id: str
    short_id: str | None = None
    title: str = ""
    culprit: str | None = None
    permalink: str | None = None
    level: str | None = None
    status: str | None = None
    substatus: str | None = None
    status_details: dict[str, Any] = {}
    count: int | None = None
    user_count: int | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    project: ProjectRef | None = None
    assigned_to: Assignee | None = None
    metadata: dict[str, Any] = {}
    platform: str | None = None
    type: str | None = None
    priority: str | None = None
    num_comments: int | None = None
    # Tickets linked through tracker integrations (Jira, GitHub...): `[{displayName, url}]` (openapi.json).
    annotations: list[IssueAnnotation] = []
    # Set only where the organization has Seer (Sentry scores fixability with it).
    seer_fixability_score: float | None = None
    # The issue's own event counts, `{"24h": [[ts, count], ...], "30d": [...]}` (issue details, openapi.json).
    stats: dict[str, list[StatPoint]] = {}

    @field_validator("stats", mode="before")
    @classmethod
    def _stat_pairs(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            return v
        return {
            period: [{"timestamp": int(p[0]), "count": p[1]} if isinstance(p, list | tuple) else p for p in points]
            for period, points in v.items()
            if isinstance(points, list)
        }

    @field_validator("count", "user_count", mode="before")
    @classmethod
    def _int_from_str(cls, v: Any) -> Any:
        # Sentry sends `count` as a string ("1337") and `userCount` as a number.
        return int(v) if isinstance(v, str) and v.isdigit() else v


class ShortIdResolution(SentryModel):
    organization_slug: str | None = None
    project_slug: str | None = None
    group_id: str
    short_id: str | None = None
    group: Issue


class Event(SentryModel):
    id: str | None = None
    event_id: str | None = Field(default=None, validation_alias=AliasChoices("eventID", "eventId", "event_id"))
    group_id: str | None = Field(default=None, validation_alias=AliasChoices("groupID", "groupId", "group_id"))
    title: str = ""
    message: str | None = None
    culprit: str | None = None
    location: str | None = None
    platform: str | None = None
    date_created: datetime | None = None
    tags: list[dict[str, Any]] = []
    user: dict[str, Any] | None = None
    release: dict[str, Any] | str | None = None
    metadata: dict[str, Any] = {}

    def tag(self, key: str) -> str | None:
        for tag in self.tags:
            if tag.get("key") == key:
                value = tag.get("value")
                return None if value is None else str(value)
        return None


class EventIdResolution(SentryModel):
    organization_slug: str | None = None
    project_slug: str | None = None
    group_id: str | None = None
    event_id: str | None = None
    event: Event


class StatsGroup(SentryModel):
    by: dict[str, Any] = {}
    totals: dict[str, float] = {}
    series: dict[str, list[float]] = {}


class StatsV2(SentryModel):
    start: datetime | None = None
    end: datetime | None = None
    intervals: list[datetime] = []
    groups: list[StatsGroup] = []


class TagKey(SentryModel):
    key: str
    name: str | None = None
    total_values: int | None = None


class StatPoint(SentryModel):
    """One bucket of a project's event counts; Sentry sends it as `[timestamp, count]`."""

    timestamp: int
    count: float


class Relay(SentryModel):
    relay_id: str
    version: str | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    public_key: str | None = None


class ClientKey(SentryModel):
    id: str
    name: str | None = None
    label: str | None = None
    public: str | None = None
    secret: str | None = None
    project_id: int | str | None = None
    is_active: bool | None = None
    dsn: dict[str, Any] = {}
    date_created: datetime | None = None


class ProjectUser(SentryModel):
    id: str | None = None
    identifier: str | None = None
    username: str | None = None
    email: str | None = None
    name: str | None = None
    ip_address: str | None = None
    tag_value: str | None = None
    date_created: datetime | None = None


class TagValue(SentryModel):
    name: str | None = None
    value: str | None = None
    count: int | None = None
    last_seen: datetime | None = None
    first_seen: datetime | None = None


class ServiceHook(SentryModel):
    id: str
    url: str
    events: list[str] = []
    status: str | None = None
    secret: str | None = None
    date_created: datetime | None = None


class IntegrationProvider(SentryModel):
    key: str
    slug: str | None = None
    name: str | None = None
    features: list[str] = []
    can_add: bool | None = None
    can_disable: bool | None = None


class Integration(SentryModel):
    id: str
    name: str
    domain_name: str | None = None
    status: str | None = None
    account_type: str | None = None
    provider: IntegrationProvider | None = None
    external_id: str | None = None
    organization_integration_status: str | None = None


class Provider(SentryModel):
    key: str
    slug: str | None = None
    name: str
    can_add: bool | None = None
    can_disable: bool | None = None
    features: list[str] = []
    metadata: dict[str, Any] = {}


class Forwarder(SentryModel):
    id: str
    organization_id: str | None = None
    provider: str
    is_enabled: bool | None = None
    enroll_new_projects: bool | None = None
    enrolled_projects: list[ProjectRef] = []
    config: dict[str, Any] = {}
    date_added: datetime | None = None
    date_updated: datetime | None = None


class ExternalUser(SentryModel):
    id: str
    external_name: str | None = None
    provider: str | None = None
    user_id: str | None = None
    integration_id: str | None = None
    external_id: str | None = None


class ExternalTeam(SentryModel):
    id: str
    external_name: str | None = None
    provider: str | None = None
    team_id: str | None = None
    integration_id: str | None = None
    external_id: str | None = None


class Installation(SentryModel):
    uuid: str
    status: str | None = None
    app: dict[str, Any] = {}
    organization: dict[str, Any] = {}


class ExternalIssue(SentryModel):
    id: str
    issue_id: str | None = None
    service_type: str | None = None
    display_name: str | None = None
    web_url: str | None = None


class ScimUser(SentryModel):
    id: str
    user_name: str | None = None
    emails: list[dict[str, Any]] = []
    name: dict[str, Any] = {}
    active: bool | None = None
    sentry_org_role: str | None = None


class ScimList(SentryModel):
    total_results: int = 0
    start_index: int = 1
    items_per_page: int = 0
    resources: list[ScimUser] = Field(default=[], alias="Resources")


# --- issue lists (lists: `issues`, `mine`, `unassigned`) ----------------------------------------


class IssueCounts(SentryModel):
    """`lifetime` and `filtered` of a listed issue: its counts over all time, or matching the search."""

    count: int | None = None
    user_count: int | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None

    @field_validator("count", mode="before")
    @classmethod
    def _int_from_str(cls, v: Any) -> Any:
        return int(v) if isinstance(v, str) and v.isdigit() else v


class IssueSummary(Issue):
    """A row of the organization's issue list: `count` and `userCount` are for the requested period."""

    lifetime: IssueCounts | None = None
    filtered: IssueCounts | None = None


# --- tickets (integration create/link forms) and Seer (autofix) ---------------------------------


class FormField(SentryModel):
    """One field of a tracker's create or link form, as the integration declares it.

    Shapes from getsentry/sentry `src/sentry/integrations/mixins/issues.py` (IssueBasicIntegration:
    `title` string required, `description` textarea), `src/sentry/integrations/github/issues.py`
    (`repo` select with `choices`, `assignee`/`labels` selects, `labels` `multiple`) and
    `src/sentry/integrations/jira/integration.py` (`project`/`issuetype` selects, async `url` fields).
    `choices` are `[value, label]` pairs; a field with `url` fetches its choices as the user types.
    """

    name: str
    label: str | None = None
    type: str = "string"
    required: bool = False
    default: Any = None
    choices: list[tuple[str, str]] = []
    multiple: bool = False
    url: str | None = None
    help: str | None = None
    placeholder: str | None = None

    @field_validator("choices", mode="before")
    @classmethod
    def _pairs(cls, v: Any) -> Any:
        # Sentry sends choices as `[value, label]` lists; a bare value is its own label.
        if not isinstance(v, list):
            return []
        pairs = []
        for choice in v:
            if isinstance(choice, list | tuple) and len(choice) >= 2:
                pairs.append((str(choice[0]), str(choice[1])))
            elif isinstance(choice, str | int):
                pairs.append((str(choice), str(choice)))
        return pairs


class TicketForm(SentryModel):
    """`GET …/issues/{id}/integrations/{integration_id}/?action=create|link` (openapi.json)."""

    id: str
    name: str
    domain_name: str | None = None
    provider: IntegrationProvider | None = None
    create_issue_config: list[FormField] = []
    link_issue_config: list[FormField] = []


class TicketLink(SentryModel):
    """A ticket Sentry created or linked for an issue (201 of the POST/PUT on the same path)."""

    id: str
    key: str
    url: str
    integration_id: str | None = None
    display_name: str | None = None


class IssueAnnotation(SentryModel):
    """A linked ticket as issue details list it (`annotations`: displayName and url, openapi.json)."""

    display_name: str
    url: str


class AutofixStart(SentryModel):
    """The 202 of `POST …/issues/{id}/autofix/`."""

    run_id: str
    sentry_run_id: str | None = None


class AutofixStep(SentryModel):
    """One step of a Seer run: `status` PROCESSING/COMPLETED/ERROR..., `progress` messages, and for
    the root cause step its `causes`, for the solution step its `solution` (Seer's AutofixStep models,
    getsentry/seer `src/seer/automation/autofix/models.py`; openapi.json example)."""

    id: str | None = None
    key: str | None = None
    title: str = ""
    status: str | None = None
    progress: list[dict[str, Any]] = []
    causes: list[dict[str, Any]] = []
    solution: list[dict[str, Any]] = []


class AutofixRun(SentryModel):
    run_id: str | None = None
    status: str | None = None
    steps: list[AutofixStep] = []
    repositories: list[dict[str, Any]] = []
    updated_at: datetime | None = None
    completed_at: datetime | None = None


class AutofixState(SentryModel):
    """`GET …/issues/{id}/autofix/`: `autofix` is null before a run was started."""

    autofix: AutofixRun | None = None


# `Issue.annotations` names a model defined in this block.
Issue.model_rebuild()


# --- issue card, releases and crons (issue 13, "card") ---------------------------------------------


class ReleaseRef(SentryModel):
    """A release as issue details name it (`firstRelease`, `lastRelease`)."""

    version: str
    short_version: str | None = None
    date_created: datetime | None = None
    date_released: datetime | None = None


class IssueDetails(Issue):
    """Issue details with what a triager reads first; `expand=integrationIssues,sentryAppIssues` adds the
    linked tickets (`GroupDetailsEndpoint`, getsentry/sentry src/sentry/issues/endpoints/group_details.py)."""

    first_release: ReleaseRef | None = None
    last_release: ReleaseRef | None = None
    tags: list[TagKey] = []
    integration_issues: list[dict[str, Any]] = []
    sentry_app_issues: list[ExternalIssue] = []


class Frame(SentryModel):
    filename: str | None = None
    abs_path: str | None = None
    module: str | None = None
    function: str | None = None
    line_no: int | None = None
    in_app: bool | None = None


class ExceptionValue(SentryModel):
    type: str | None = None
    value: str | None = None
    frames: list[Frame] = []


class EventDetails(Event):
    """One event with its `entries` (the exception and its stack trace); Sentry's EventSerializer."""

    entries: list[dict[str, Any]] = []

    def exceptions(self) -> list[ExceptionValue]:
        """The event's exceptions, outermost last, as Sentry lists them in its `exception` entry."""
        found: list[ExceptionValue] = []
        for entry in self.entries:
            if entry.get("type") != "exception":
                continue
            for value in (entry.get("data") or {}).get("values") or []:
                stack = value.get("stacktrace") or {}
                found.append(
                    ExceptionValue(
                        type=value.get("type"),
                        value=value.get("value"),
                        frames=[Frame.model_validate(f) for f in stack.get("frames") or []],
                    )
                )
        return found


class DiscoverTable(SentryModel):
    """Rows of `GET /organizations/{org}/events/` (Discover): one mapping per row, keyed by field."""

    data: list[dict[str, Any]] = []
    meta: dict[str, Any] = {}


class ReleaseProject(SentryModel):
    id: str | None = None
    slug: str
    name: str | None = None
    new_groups: int | None = None
    platform: str | None = None


class Deploy(SentryModel):
    id: str
    environment: str
    date_started: datetime | None = None
    date_finished: datetime | None = None
    name: str | None = None
    url: str | None = None


class Release(SentryModel):
    version: str
    short_version: str | None = None
    status: str | None = None
    date_created: datetime | None = None
    date_released: datetime | None = None
    first_event: datetime | None = None
    last_event: datetime | None = None
    new_groups: int | None = None
    commit_count: int | None = None
    deploy_count: int | None = None
    last_deploy: Deploy | None = None
    authors: list[dict[str, Any]] = []
    projects: list[ReleaseProject] = []
    ref: str | None = None
    url: str | None = None


class MonitorConfig(SentryModel):
    # Sentry sends the monitor config in snake_case (MonitorSerializer), unlike the rest of the monitor.
    model_config = ConfigDict(alias_generator=None, populate_by_name=True, extra="allow", frozen=True)

    schedule_type: str | None = None
    schedule: str | list[int | str] | None = None
    checkin_margin: int | None = None
    max_runtime: int | None = None
    timezone: str | None = None
    failure_issue_threshold: int | None = None
    recovery_threshold: int | None = None

    def writable(self) -> dict[str, Any]:
        """The config as an update sends it back: the fields the published schema's update takes,
        each only when the update accepts it (whole minutes from 1, an IANA time zone). A value the
        update's validator refuses would fail the whole change (a mute) for a field it did not touch.
        """
        fields: dict[str, Any] = {"schedule_type": self.schedule_type, "schedule": self.schedule}
        for name in ("checkin_margin", "max_runtime", "failure_issue_threshold", "recovery_threshold"):
            value = getattr(self, name)
            if isinstance(value, int) and value >= 1:
                fields[name] = value
        if self.timezone in _time_zones():
            fields["timezone"] = self.timezone
        return {k: v for k, v in fields.items() if v is not None}


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class MonitorEnvironment(SentryModel):
    name: str
    status: str | None = None
    is_muted: bool | None = None
    last_check_in: datetime | None = None
    next_check_in: datetime | None = None


class Monitor(SentryModel):
    id: str
    slug: str
    name: str
    status: str | None = None
    is_muted: bool | None = None
    config: MonitorConfig = MonitorConfig()
    project: ProjectRef | None = None
    environments: list[MonitorEnvironment] = []
    date_created: datetime | None = None

    @field_validator("environments", mode="before")
    @classmethod
    def _environment_list(cls, v: Any) -> Any:
        # Sentry sends a list (MonitorSerializer serializes every MonitorEnvironment); the published
        # schema types it as one object (its response type lacks `many`), so Prism sends one.
        return [v] if isinstance(v, dict) else v


class CheckIn(SentryModel):
    id: str
    status: str | None = None
    environment: str | None = None
    duration: int | None = None  # milliseconds
    date_created: datetime | None = None
    expected_time: datetime | None = None


# --- reports (issue 15) ----------------------------------------------------------------------------


class EventTotals(SentryModel):
    """One Discover row (`GET /organizations/{org}/events/`, `{"data": [{"count()": 10, ...}], "meta": ...}`)."""

    FIELDS: ClassVar[tuple[str, str]] = ("count()", "count_unique(user)")

    events: int = 0
    users: int = 0

    @classmethod
    def from_table(cls, data: Any) -> EventTotals:
        rows = data["data"]
        if not rows:  # no events at all: Sentry answers no row rather than zeros
            return cls()
        row = rows[0]
        return cls(events=int(row.get("count()") or 0), users=int(row.get("count_unique(user)") or 0))
