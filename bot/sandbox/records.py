"""What the sandbox stores: one small record per Sentry object.

Records hold only what varies between objects; the constant parts of Sentry's JSON shapes are
added when a record is rendered (see `shapes.py`). Identifiers are strings, as Sentry sends them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

JSON = dict[str, Any]

# Sentry's short IDs (`WEB-12A`) spell the per-project issue counter in this base-32 alphabet:
# digits then letters without I, L, O and U, so an ID read aloud cannot be misheard.
SHORT_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def short_id_suffix(number: int) -> str:
    """Encode a per-project issue number the way Sentry does (`1098` -> `12A`)."""
    digits = ""
    while True:
        number, rest = divmod(number, 32)
        digits = SHORT_ID_ALPHABET[rest] + digits
        if number == 0:
            return digits


def random_hex(rng: random.Random, length: int) -> str:
    """Hex ids and secrets (hooks, events, keys) from a seeded generator, so runs repeat."""
    return f"{rng.getrandbits(4 * length):0{length}x}"


def iso(moment: datetime) -> str:
    """Sentry's timestamp format: UTC, microseconds, `Z` suffix."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_seconds(moment: datetime) -> str:
    """The shorter format Sentry uses for issue and event times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Organization:
    id: str
    slug: str
    name: str
    date_created: datetime
    # Options changed by `PUT /organizations/{org}/`, under their API names (`defaultRole`, ...).
    settings: JSON


@dataclass
class Team:
    id: str
    slug: str
    name: str
    date_created: datetime


@dataclass
class Project:
    id: str
    slug: str
    name: str
    platform: str
    team_slug: str
    short_prefix: str  # the `WEB` of `WEB-12A`
    date_created: datetime
    first_event: datetime
    color: str
    environments: list[str]
    latest_release: str | None
    # Events a day per data category; drives the usage numbers of stats_v2 and project stats.
    daily_volume: dict[str, int]


@dataclass
class Member:
    id: str
    email: str
    name: str
    org_role: str
    date_created: datetime
    team_roles: dict[str, str] = field(default_factory=dict)  # team slug -> contributor | admin
    user_id: str | None = None  # None while the invitation is pending
    inviter: str | None = None
    date_joined: datetime | None = None
    last_login: datetime | None = None
    has_2fa: bool = False
    idp_provisioned: bool = False  # created through SCIM

    @property
    def pending(self) -> bool:
        return self.user_id is None


@dataclass(frozen=True)
class Actor:
    """An assignee: a user (by user id, not member id) or a team (by team id)."""

    type: Literal["user", "team"]
    id: str


@dataclass
class Activity:
    id: str
    type: str
    date_created: datetime
    data: JSON = field(default_factory=dict)


@dataclass
class Issue:
    id: str
    project_slug: str
    number: int  # per-project counter behind the short ID
    title: str
    culprit: str
    level: str
    metadata: JSON
    count: int
    user_count: int
    first_seen: datetime
    last_seen: datetime
    status: str = "unresolved"
    substatus: str | None = "ongoing"
    status_details: JSON = field(default_factory=dict)
    priority: str = "medium"
    assignee: Actor | None = None
    issue_type: str = "error"
    issue_category: str = "error"
    first_release: str | None = None
    last_release: str | None = None
    logger: str | None = None
    num_comments: int = 0
    is_bookmarked: bool = False
    is_subscribed: bool = False
    is_public: bool = False
    has_seen: bool = False
    activity: list[Activity] = field(default_factory=list)


@dataclass
class Event:
    event_id: str  # 32 hex
    issue_id: str
    date_created: datetime
    message: str
    exception_type: str
    exception_value: str
    frames: list[JSON]
    tags: list[tuple[str, str]]
    user: JSON
    contexts: JSON
    sdk: tuple[str, str]  # name, version


@dataclass
class Repository:
    id: str
    name: str
    url: str
    integration_id: str
    external_id: str
    date_created: datetime


@dataclass
class Commit:
    id: str  # 40 hex
    repo_id: str
    message: str
    author_name: str
    author_email: str
    date_created: datetime


@dataclass
class Provider:
    """An integration type Sentry offers (`/config/integrations/`)."""

    key: str
    name: str
    description: str
    features: list[str]
    feature_notes: list[tuple[str, str]]  # description, feature gate


@dataclass
class Integration:
    id: str
    provider_key: str
    name: str
    domain_name: str
    icon: str | None
    external_id: str
    scopes: list[str]
    config_data: JSON
    account_type: str | None = None
    status: str = "active"


@dataclass
class ServiceHook:
    id: str  # 32 hex
    project_slug: str
    url: str
    events: list[str]
    secret: str  # 64 hex
    date_created: datetime
    status: str = "active"


@dataclass
class TagValue:
    project_slug: str
    key: str
    value: str
    count: int
    first_seen: datetime
    last_seen: datetime


@dataclass
class EventUser:
    """Someone who ran into errors in a project (Sentry's "affected users")."""

    project_slug: str
    id: str
    username: str
    email: str
    name: str
    ip_address: str
    date_created: datetime


@dataclass
class Relay:
    relay_id: str
    public_key: str
    version: str
    name: str
    description: str
    first_seen: datetime
    last_seen: datetime


@dataclass
class ProjectKey:
    public: str  # 32 hex; also the key's id
    secret: str  # 32 hex
    project_slug: str
    name: str
    date_created: datetime
    is_active: bool = True
    rate_limit: tuple[int, int] | None = None  # window seconds, count


@dataclass
class DataForwarder:
    id: str
    provider: str
    config: dict[str, str]
    project_ids: list[str]
    date_added: datetime
    date_updated: datetime
    is_enabled: bool = True
    enroll_new_projects: bool = False


@dataclass
class ExternalUser:
    id: str
    user_id: str
    provider: str
    external_name: str
    integration_id: str
    external_id: str | None = None


@dataclass
class ExternalTeam:
    id: str
    team_id: str
    provider: str
    external_name: str
    integration_id: str
    external_id: str | None = None


@dataclass
class Installation:
    """A Sentry App (integration platform app) installed in the organization."""

    uuid: str
    app_uuid: str
    app_slug: str
    app_id: int
    status: str = "installed"


@dataclass
class ExternalIssue:
    id: str
    installation_uuid: str
    issue_id: str
    service_type: str
    project: str
    identifier: str
    web_url: str


# --- issue card, releases and crons (issue 13, "card") ---------------------------------------------


@dataclass
class Deploy:
    id: str
    environment: str
    date_started: datetime
    date_finished: datetime
    name: str | None = None
    url: str | None = None


@dataclass
class Release:
    version: str
    project_slug: str
    date_created: datetime
    commit_ids: list[str] = field(default_factory=list)  # newest first
    deploys: list[Deploy] = field(default_factory=list)  # oldest first
    status: str = "open"


@dataclass
class CheckIn:
    id: str  # a UUID, as Sentry's check-in ids are
    environment: str
    status: str  # ok | error | missed | timeout | in_progress
    date_created: datetime
    expected_time: datetime
    duration: int | None  # milliseconds; None for a missed check-in


@dataclass
class Monitor:
    id: str  # a UUID
    slug: str
    name: str
    project_slug: str
    config: JSON  # snake_case, as Sentry stores and sends it
    date_created: datetime
    environment: str = "production"
    status: str = "active"  # active | disabled
    is_muted: bool = False
    checkins: list[CheckIn] = field(default_factory=list)  # newest first
