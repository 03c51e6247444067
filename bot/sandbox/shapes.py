"""Records rendered as Sentry's JSON: the shapes of the example responses in Sentry's published
OpenAPI schema, with the fields real Sentry adds where the examples are thinner (commit authors,
repository providers, tag value counts).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from bot.sandbox.records import (
    JSON,
    CheckIn,
    Commit,
    DataForwarder,
    Deploy,
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
    iso_seconds,
)
from bot.sandbox.state import SandboxData
from bot.sandbox.usage import DAY, HOUR, issue_series

LETTER_AVATAR = {"avatarType": "letter_avatar", "avatarUuid": None, "avatarUrl": None}
REGION_URL = "https://us.sentry.io"
READ_ACCESS = [
    "member:read",
    "alerts:read",
    "org:read",
    "event:read",
    "project:read",
    "project:releases",
    "event:write",
    "team:read",
]
PROJECT_FEATURES = [
    "alert-filters",
    "custom-inbound-filters",
    "discard-groups",
    "minidump",
    "rate-limits",
    "servicehooks",
    "similarity-indexing",
    "similarity-indexing-v2",
    "similarity-view",
    "similarity-view-v2",
    "releases",
]
ORG_FEATURES = [
    "discover-basic",
    "incidents",
    "integrations-issue-basic",
    "integrations-alert-rule",
    "integrations-chat-unfurl",
    "integrations-commits",
    "sso-basic",
    "data-forwarding",
    "relay",
    "session-replay",
    "uptime",
    "monitors",
]
# Sentry's event platform for an SDK platform: what issues and events report.
EVENT_PLATFORM = {"javascript-react": "javascript", "python-django": "python", "apple-ios": "cocoa"}
INSIGHTS = [
    "hasInsightsHttp",
    "hasInsightsDb",
    "hasInsightsAssets",
    "hasInsightsAppStart",
    "hasInsightsScreenLoad",
    "hasInsightsVitals",
    "hasInsightsCaches",
    "hasInsightsQueues",
    "hasInsightsAgentMonitoring",
    "hasInsightsMCP",
]
TAG_LABELS = {"os": "OS", "url": "URL", "os.name": "OS Name", "server_name": "Server"}
ORG_ROLES: list[tuple[str, str, str, list[str]]] = [
    ("billing", "Billing", "Can manage payment and compliance details.", ["org:billing"]),
    (
        "member",
        "Member",
        "Can view and act on events, and view most other data in the organization.",
        [
            "event:read",
            "event:write",
            "event:admin",
            "project:releases",
            "project:read",
            "org:read",
            "member:read",
            "team:read",
            "alerts:read",
            "alerts:write",
        ],
    ),
    (
        "admin",
        "Admin",
        "Admin privileges on the teams they belong to: projects, team membership.",
        [
            "event:read",
            "event:write",
            "event:admin",
            "org:read",
            "member:read",
            "project:read",
            "project:write",
            "project:admin",
            "project:releases",
            "team:read",
            "team:write",
            "team:admin",
            "org:integrations",
            "alerts:read",
            "alerts:write",
        ],
    ),
    (
        "manager",
        "Manager",
        "Admin access on all teams, and can add and remove members.",
        [
            "event:read",
            "event:write",
            "event:admin",
            "member:read",
            "member:write",
            "member:admin",
            "project:read",
            "project:write",
            "project:admin",
            "project:releases",
            "team:read",
            "team:write",
            "team:admin",
            "org:read",
            "org:write",
            "org:integrations",
            "alerts:read",
            "alerts:write",
        ],
    ),
    (
        "owner",
        "Owner",
        "Unrestricted access to the organization, its data and its settings, billing included.",
        [
            "org:read",
            "org:write",
            "org:admin",
            "org:integrations",
            "org:billing",
            "member:read",
            "member:write",
            "member:admin",
            "team:read",
            "team:write",
            "team:admin",
            "project:read",
            "project:write",
            "project:admin",
            "project:releases",
            "event:read",
            "event:write",
            "event:admin",
            "alerts:read",
            "alerts:write",
        ],
    ),
]
TEAM_ROLES: list[tuple[str, str, str]] = [
    ("contributor", "Contributor", "Can view and act on events, and view most data of the team's projects."),
    ("admin", "Team Admin", "Admin privileges on the team: create and remove projects, manage membership."),
]


def _avatar_hash(text: str) -> str:
    return hashlib.md5(text.lower().encode(), usedforsecurity=False).hexdigest()


def gravatar(email: str) -> str:
    return f"https://secure.gravatar.com/avatar/{_avatar_hash(email)}?s=32&d=mm"


def short_version(version: str) -> str:
    return version.rpartition("@")[2]


# --- organization -------------------------------------------------------------------------------


def org_role_list() -> list[JSON]:
    return [
        {
            "id": role,
            "name": name,
            "desc": desc,
            "scopes": scopes,
            "allowed": True,
            "isAllowed": True,
            "isRetired": role == "admin",
            "is_global": role in ("manager", "owner"),
            "isGlobal": role in ("manager", "owner"),
            "isTeamRolesAllowed": role != "billing",
            "minimumTeamRole": "admin" if role in ("admin", "manager", "owner") else "contributor",
        }
        for role, name, desc, scopes in ORG_ROLES
    ]


def team_role_list() -> list[JSON]:
    return [
        {
            "id": role,
            "name": name,
            "desc": desc,
            "scopes": [],
            "allowed": True,
            "isAllowed": True,
            "isRetired": False,
            "isTeamRolesAllowed": True,
            "isMinimumRoleFor": "admin" if role == "admin" else None,
        }
        for role, name, desc in TEAM_ROLES
    ]


def organization_summary(data: SandboxData) -> JSON:
    org = data.organization
    return {
        "id": org.id,
        "slug": org.slug,
        "status": {"id": "active", "name": "active"},
        "name": org.name,
        "dateCreated": iso(org.date_created),
        "isEarlyAdopter": org.settings["isEarlyAdopter"],
        "allowMemberInvite": True,
        "allowMemberProjectCreation": True,
        "allowSuperuserAccess": False,
        "require2FA": org.settings["require2FA"],
        "avatar": LETTER_AVATAR,
        "links": {"organizationUrl": f"https://{org.slug}.sentry.io", "regionUrl": REGION_URL},
        "hasAuthProvider": False,
    }


def organization(data: SandboxData, *, detailed: bool = True) -> JSON:
    """Sentry answers with the detailed organization, teams and projects included, unless `detailed=0`."""
    if not detailed:
        return organization_summary(data)
    org = data.organization
    shown: JSON = organization_summary(data) | {
        "requiresSso": False,
        "features": ORG_FEATURES,
        "access": ORG_ROLES[-1][3],
        "onboardingTasks": [],
        "experiments": {},
        "isDefault": False,
        "orgRoleList": org_role_list(),
        "teamRoleList": team_role_list(),
        "sensitiveFields": [],
        "safeFields": [],
        "relayPiiConfig": None,
        "relayDsnEndpoint": None,
        "trustedRelays": [
            {
                "name": r.name,
                "description": r.description,
                "publicKey": r.public_key,
                "created": iso(r.first_seen),
                "lastModified": iso(r.first_seen),
            }
            for r in data.relays
        ],
        "pendingAccessRequests": 0,
        "isDynamicallySampled": False,
        "teams": [team(data, t, with_projects=False) for t in sorted(data.teams.values(), key=lambda t: t.slug)],
        "projects": [project_summary(data, p) for p in sorted(data.projects.values(), key=lambda p: p.slug)],
    }
    return shown | org.settings


# --- teams and projects ---------------------------------------------------------------------------


def team_ref(team: Team) -> JSON:
    return {"id": team.id, "name": team.name, "slug": team.slug}


def team(data: SandboxData, team: Team, *, with_projects: bool) -> JSON:
    shown: JSON = {
        "id": team.id,
        "slug": team.slug,
        "name": team.name,
        "dateCreated": iso(team.date_created),
        "isMember": False,
        "teamRole": None,
        "flags": {"idp:provisioned": False},
        "access": READ_ACCESS,
        "hasAccess": True,
        "isPending": False,
        "memberCount": len(data.team_members(team)),
        "avatar": LETTER_AVATAR,
    }
    if with_projects:
        shown["projects"] = [project_brief(p) for p in data.projects.values() if p.team_slug == team.slug]
    return shown


def project_ref(project: Project) -> JSON:
    return {"id": project.id, "name": project.name, "slug": project.slug, "platform": project.platform}


def project_brief(project: Project) -> JSON:
    """The project fields every project shape shares."""
    return {
        "id": project.id,
        "slug": project.slug,
        "name": project.name,
        "platform": project.platform,
        "dateCreated": iso(project.date_created),
        "isBookmarked": False,
        "isMember": True,
        "features": PROJECT_FEATURES,
        "firstEvent": iso(project.first_event),
        "firstTransactionEvent": True,
        "access": READ_ACCESS,
        "hasAccess": True,
        "hasMinifiedStackTrace": project.platform.startswith("javascript"),
        "hasMonitors": False,
        "hasProfiles": project.platform == "apple-ios",
        "hasReplays": "replay" in project.daily_volume,
        "hasFlags": False,
        "hasFeedbacks": False,
        "hasNewFeedbacks": False,
        "hasSessions": True,
        **dict.fromkeys(INSIGHTS, False),
        "hasInsightsHttp": True,
        "hasLogs": False,
        "hasTraceMetrics": False,
        "isInternal": False,
        "isPublic": False,
        "avatar": LETTER_AVATAR,
        "color": project.color,
        "status": "active",
    }


def project_summary(data: SandboxData, project: Project) -> JSON:
    owner = team_ref(data.teams[project.team_slug])
    return project_brief(project) | {
        "platforms": [EVENT_PLATFORM.get(project.platform, project.platform)],
        "team": owner,
        "teams": [owner],
        "environments": project.environments,
        "hasUserReports": False,
        "latestRelease": {"version": project.latest_release} if project.latest_release else None,
    }


def project_detail(data: SandboxData, project: Project) -> JSON:
    return project_summary(data, project) | {
        "options": {
            "sentry:resolve_age": 168,
            "sentry:scrub_data": False,
            "sentry:default_environment": "production",
            "sentry:grouping_config": "newstyle:2023-01-11",
            "filters:blacklisted_ips": "",
        },
        "digestsMinDelay": 180,
        "digestsMaxDelay": 600,
        "subjectPrefix": "",
        "allowedDomains": ["*"],
        "resolveAge": 168,
        "dataScrubber": False,
        "dataScrubberDefaults": True,
        "safeFields": [],
        "sensitiveFields": [],
        "storeCrashReports": None,
        "subjectTemplate": "$shortID - $title",
        "securityTokenHeader": None,
        "verifySSL": False,
        "scrubIPAddresses": False,
        "scrapeJavaScript": True,
        "groupingConfig": "newstyle:2023-01-11",
        "groupingEnhancements": "",
        "derivedGroupingEnhancements": "",
        "secondaryGroupingConfig": None,
        "secondaryGroupingExpiry": 0,
        "fingerprintingRules": "",
        "securityToken": _avatar_hash(project.id),
        "organization": organization_summary(data) | {"features": ORG_FEATURES},
        "processingIssues": 0,
        "defaultEnvironment": "production",
        "relayPiiConfig": None,
        "builtinSymbolSources": ["ios", "apple"] if project.platform == "apple-ios" else [],
        "dynamicSamplingBiases": [],
        "symbolSources": "[]",
        "tempestFetchScreenshots": False,
        "debugFilesRole": None,
        "isDynamicallySampled": False,
        "enableAutoReleaseCreation": True,
        "autofixAutomationTuning": "off",
        "seerScannerAutomation": False,
        "seerNightshiftTweaks": None,
        "highlightTags": [],
        "highlightContext": {},
        "highlightPreset": {"tags": [], "context": {}},
        "scmSourceContextEnabled": False,
    }


# --- members --------------------------------------------------------------------------------------


def user(member: Member, *, detailed: bool = False) -> JSON | None:
    if member.user_id is None:
        return None
    shown: JSON = {
        "id": member.user_id,
        "name": member.name,
        "username": member.email,
        "email": member.email,
        "avatarUrl": gravatar(member.email),
        "isActive": True,
        "isSuspended": False,
        "hasPasswordAuth": not member.idp_provisioned,
        "isManaged": False,
        "dateJoined": iso(member.date_joined) if member.date_joined else None,
        "lastLogin": iso(member.last_login) if member.last_login else None,
        "has2fa": member.has_2fa,
        "lastActive": iso(member.last_login) if member.last_login else None,
        "isSuperuser": False,
        "isStaff": False,
        "experiments": {},
        "emails": [{"id": member.user_id, "email": member.email, "is_verified": True}],
        "avatar": {"avatarType": "letter_avatar", "avatarUuid": None},
        "canReset2fa": True,
    }
    if detailed:
        shown["authenticators"] = [{"id": "totp", "type": "totp"}] if member.has_2fa else []
    return shown


def member_summary(member: Member) -> JSON:
    return {
        "id": member.id,
        "email": member.email,
        "name": member.name,
        "user": user(member),
        "orgRole": member.org_role,
        "pending": member.pending,
        "expired": False,
        "flags": {
            "idp:provisioned": member.idp_provisioned,
            "idp:role-restricted": False,
            "sso:linked": False,
            "sso:invalid": False,
            "member-limit:restricted": False,
            "partnership:restricted": False,
        },
        "dateCreated": iso(member.date_created),
        "inviteStatus": "approved",
        "inviterName": member.inviter,
    }


def member_detail(data: SandboxData, member: Member) -> JSON:
    role_name = next(name for role, name, _, _ in ORG_ROLES if role == member.org_role)
    invite = f"https://{data.organization.slug}.sentry.io/accept/{member.id}/{_avatar_hash(member.email)}/"
    return member_summary(member) | {
        "user": user(member, detailed=True),
        "role": member.org_role,
        "roleName": role_name,
        "teams": sorted(member.team_roles),
        "teamRoles": [{"teamSlug": slug, "role": role} for slug, role in sorted(member.team_roles.items())],
        "invite_link": invite if member.pending else None,
        "isOnlyOwner": data.is_only_owner(member),
        "orgRoleList": org_role_list(),
        "teamRoleList": team_role_list(),
    }


def scim_user(member: Member) -> JSON:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": member.id,
        "userName": member.email,
        "emails": [{"primary": True, "value": member.email, "type": "work"}],
        "name": {"familyName": "N/A", "givenName": "N/A"},  # Sentry does not keep SCIM names
        "active": True,
        "meta": {"resourceType": "User"},
        "sentryOrgRole": member.org_role,
    }


# --- issues and events ----------------------------------------------------------------------------


def issue(data: SandboxData, issue: Issue) -> JSON:
    """The issue fields shared by issue details and the short ID lookup's `group`."""
    project = data.projects[issue.project_slug]
    return {
        "id": issue.id,
        "shareId": None,
        "shortId": data.short_id(issue),
        "title": issue.title,
        "culprit": issue.culprit,
        "permalink": f"https://{data.organization.slug}.sentry.io/issues/{issue.id}/",
        "logger": issue.logger,
        "level": issue.level,
        "status": issue.status,
        "statusDetails": issue.status_details,
        "substatus": issue.substatus,
        "isPublic": issue.is_public,
        "platform": EVENT_PLATFORM.get(project.platform, project.platform),
        "priority": issue.priority,
        "priorityLockedAt": None,
        # Sentry scores an issue's fixability only where the organization has Seer.
        "seerFixabilityScore": 0.72 if data.desk.seer_enabled and issue.issue_category == "error" else None,
        "seerAutofixLastTriggered": None,
        "seerExplorerAutofixLastTriggered": None,
        "project": {"id": project.id, "name": project.name, "slug": project.slug, "platform": project.platform},
        "type": "error" if issue.issue_category == "error" else "transaction",
        "issueType": issue.issue_type,
        "issueCategory": issue.issue_category,
        "metadata": issue.metadata,
        "numComments": issue.num_comments,
        "assignedTo": data.actor_json(issue.assignee) if issue.assignee else None,
        "isBookmarked": issue.is_bookmarked,
        "isSubscribed": issue.is_subscribed,
        "subscriptionDetails": None,
        "hasSeen": issue.has_seen,
        "annotations": data.desk.annotations(issue.id),
        "count": str(issue.count),  # Sentry sends the event count as a string
        "userCount": issue.user_count,
        "firstSeen": iso_seconds(issue.first_seen),
        "lastSeen": iso_seconds(issue.last_seen),
    }


def release(version: str | None, created: datetime) -> JSON | None:
    if version is None:
        return None
    return {
        "version": version,
        "shortVersion": short_version(version),
        "dateCreated": iso(created),
        "dateReleased": iso(created + timedelta(minutes=12)),
        "ref": None,
        "url": None,
    }


def issue_detail(data: SandboxData, found: Issue, now: datetime, collapse: list[str]) -> JSON:
    project = data.projects[found.project_slug]
    latest = latest_event(data, found)
    shown = issue(data, found) | {
        "activity": [
            {"id": a.id, "type": a.type, "data": a.data, "dateCreated": iso_seconds(a.date_created), "user": None}
            for a in found.activity
        ],
        "seenBy": [],
        "userReportCount": 0,
        "participants": [],
        "pluginActions": [],
        "pluginContexts": [],
        "pluginIssues": [],
        "firstRelease": release(found.first_release, found.first_seen - timedelta(hours=2)),
        "lastRelease": release(found.last_release, found.last_seen - timedelta(hours=2)),
        "tags": [
            {"key": key, "name": TAG_LABELS.get(key) or key.replace(".", " ").title(), "totalValues": found.count}
            for key, _ in (latest.tags if latest else [])
        ],
        "stats": {
            "24h": _issue_stats(data, found, project, now, HOUR, 24),
            "30d": _issue_stats(data, found, project, now, DAY, 30),
        },
    }
    for key, dropped in (("stats", ("stats",)), ("tags", ("tags",)), ("release", ("firstRelease", "lastRelease"))):
        if key in collapse:
            for name in dropped:
                shown.pop(name)
    return shown


def _issue_stats(data: SandboxData, found: Issue, project: Project, now: datetime, step: int, points: int) -> list[Any]:
    total = sum(i.count for i in data.project_issues(project)) or 1
    return issue_series(project, found.count / total, (found.first_seen, found.last_seen), now, step, points)


def latest_event(data: SandboxData, found: Issue) -> Event | None:
    events = [e for e in data.events.values() if e.issue_id == found.id]
    return max(events, key=lambda e: e.date_created, default=None)


def event(data: SandboxData, found: Event) -> JSON:
    group = data.issues[found.issue_id]
    project = data.projects[group.project_slug]
    tags = dict(found.tags)
    return {
        "id": found.event_id,
        "eventID": found.event_id,
        "groupID": group.id,
        "projectID": project.id,
        "title": group.title,
        "message": found.message,
        "platform": EVENT_PLATFORM.get(project.platform, project.platform),
        "type": "error" if found.exception_type else "default",
        "dateCreated": iso_seconds(found.date_created),
        "dateReceived": iso_seconds(found.date_created + timedelta(seconds=1)),
        "culprit": group.culprit,
        "location": found.frames[-1]["filename"] if found.frames else None,
        "metadata": group.metadata,
        "tags": [{"key": key, "value": value} for key, value in found.tags],
        "user": found.user,
        "contexts": found.contexts,
        "context": {},
        "entries": _entries(found),
        "sdk": {"name": found.sdk[0], "version": found.sdk[1]},
        "release": release(tags.get("release"), group.first_seen),
        "dist": None,
        "errors": [],
        "fingerprints": [_avatar_hash(group.id)],
        "packages": {},
        "size": 4096 + 512 * len(found.frames),
        "occurrence": None,
        "_meta": {
            "context": None,
            "contexts": None,
            "entries": {},
            "message": None,
            "packages": None,
            "sdk": None,
            "tags": {},
            "user": None,
        },
    }


def _entries(found: Event) -> list[JSON]:
    if not found.exception_type:
        return [{"type": "message", "data": {"formatted": found.message}}]
    frames = [
        {
            "filename": f["filename"],
            "absPath": f["filename"],
            "module": None,
            "function": f["function"],
            "lineNo": f["lineNo"] or None,
            "colNo": None,
            "inApp": f["inApp"],
            "context": [],
            "vars": None,
        }
        for f in found.frames
    ]
    exception = {
        "type": found.exception_type,
        "value": found.exception_value,
        "module": None,
        "mechanism": {"type": "generic", "handled": False},
        "stacktrace": {"frames": frames, "framesOmitted": None, "hasSystemFrames": not all(f["inApp"] for f in frames)},
    }
    return [{"type": "exception", "data": {"values": [exception], "hasSystemFrames": True, "excOmitted": None}}]


def event_lookup(data: SandboxData, found: Event) -> JSON:
    group = data.issues[found.issue_id]
    return {
        "organizationSlug": data.organization.slug,
        "projectSlug": group.project_slug,
        "groupId": group.id,
        "eventId": found.event_id,
        "event": event(data, found),
    }


def short_id_lookup(data: SandboxData, found: Issue) -> JSON:
    return {
        "organizationSlug": data.organization.slug,
        "projectSlug": found.project_slug,
        "groupId": found.id,
        "shortId": data.short_id(found),
        "group": issue(data, found),
    }


def tag_key(key: str, total: int) -> JSON:
    return {"key": key, "name": TAG_LABELS.get(key) or key.replace(".", " ").title(), "totalValues": total}


def external_issue(link: ExternalIssue) -> JSON:
    return {
        "id": link.id,
        "issueId": link.issue_id,
        "serviceType": link.service_type,
        "displayName": f"{link.project}#{link.identifier}",
        "webUrl": link.web_url,
    }


# --- project data ---------------------------------------------------------------------------------


def tag_value(value: TagValue) -> JSON:
    return {
        "key": value.key,
        "name": value.value,
        "value": value.value,
        "count": value.count,
        "lastSeen": iso(value.last_seen),
        "firstSeen": iso(value.first_seen),
    }


def event_user(found: EventUser) -> JSON:
    tag = f"id:{found.id}"
    return {
        "id": found.id,
        "tagValue": tag,
        "identifier": found.id,
        "username": found.username,
        "email": found.email,
        "name": found.name,
        "ipAddress": found.ip_address,
        "avatarUrl": gravatar(found.email),
        "hash": _avatar_hash(tag),
        "dateCreated": iso(found.date_created),
    }


def hook(found: ServiceHook) -> JSON:
    return {
        "dateCreated": iso(found.date_created),
        "events": found.events,
        "id": found.id,
        "secret": found.secret,
        "status": found.status,
        "url": found.url,
    }


def project_key(data: SandboxData, key: ProjectKey) -> JSON:
    project = data.projects[key.project_slug]
    host = f"o{data.organization.id}.ingest.us.sentry.io"
    api = f"https://{host}/api/{project.id}"
    return {
        "id": key.public,
        "name": key.name,
        "label": key.name,
        "public": key.public,
        "secret": key.secret,
        "projectId": int(project.id),
        "isActive": key.is_active,
        "rateLimit": {"window": key.rate_limit[0], "count": key.rate_limit[1]} if key.rate_limit else None,
        "dsn": {
            "secret": f"https://{key.public}:{key.secret}@{host}/{project.id}",
            "public": f"https://{key.public}@{host}/{project.id}",
            "csp": f"{api}/csp-report/?sentry_key={key.public}",
            "security": f"{api}/security/?sentry_key={key.public}",
            "minidump": f"{api}/minidump/?sentry_key={key.public}",
            "playstation": f"{api}/playstation/?sentry_key={key.public}",
            "integration": f"{api}/integration/",
            "otlp_traces": f"{api}/integration/otlp/v1/traces",
            "otlp_logs": f"{api}/integration/otlp/v1/logs",
            "nel": f"{api}/nel/?sentry_key={key.public}",
            "unreal": f"{api}/unreal/{key.public}/",
            "cdn": f"https://js.sentry-cdn.com/{key.public}.min.js",
            "crons": f"{api}/crons/___MONITOR_SLUG___/{key.public}/",
        },
        "browserSdkVersion": "8.x",
        "browserSdk": {"choices": [["latest", "latest"], ["8.x", "8.x"], ["7.x", "7.x"]]},
        "dateCreated": iso(key.date_created),
        "dynamicSdkLoaderOptions": {
            "hasReplay": True,
            "hasPerformance": True,
            "hasDebug": False,
            "hasFeedback": False,
            "hasLogsAndMetrics": False,
        },
    }


def relay(found: Relay) -> JSON:
    return {
        "relayId": found.relay_id,
        "version": found.version,
        "firstSeen": iso(found.first_seen),
        "lastSeen": iso(found.last_seen),
        "publicKey": found.public_key,
    }


# --- code -----------------------------------------------------------------------------------------


def repo(found: Repository) -> JSON:
    return {
        "id": found.id,
        "name": found.name,
        "url": found.url,
        "provider": {"id": "integrations:github", "name": "GitHub"},
        "status": "active",
        "dateCreated": iso(found.date_created),
        "integrationId": found.integration_id,
        "externalSlug": found.name,
        "externalId": found.external_id,
    }


def commit(found: Commit) -> JSON:
    return {
        "id": found.id,
        "message": found.message,
        "dateCreated": iso(found.date_created),
        "author": {"name": found.author_name, "email": found.author_email},
        "suspectCommitType": "",
        "pullRequest": None,
    }


# --- integrations ---------------------------------------------------------------------------------


def provider(found: Provider) -> JSON:
    return {
        "key": found.key,
        "slug": found.key,
        "name": found.name,
        "metadata": {
            "description": found.description,
            "features": [{"description": text, "featureGate": gate} for text, gate in found.feature_notes],
            "author": "The Sentry Team",
            "noun": "Installation",
            "issue_url": "https://github.com/getsentry/sentry/issues/new",
            "source_url": f"https://github.com/getsentry/sentry/tree/master/src/sentry/integrations/{found.key}",
            "aspects": {},
        },
        "canAdd": True,
        "canDisable": False,
        "features": found.features,
    }


def integration(data: SandboxData, found: Integration) -> JSON:
    kind = next(p for p in data.providers if p.key == found.provider_key)
    return {
        "id": found.id,
        "name": found.name,
        "icon": found.icon,
        "domainName": found.domain_name,
        "accountType": found.account_type,
        "scopes": found.scopes,
        "outOfDate": False,
        "status": found.status,
        "provider": {
            "key": kind.key,
            "slug": kind.key,
            "name": kind.name,
            "canAdd": True,
            "canDisable": False,
            "features": kind.features,
            "aspects": {},
        },
        "configOrganization": [],
        "configData": found.config_data,
        "externalId": found.external_id,
        "organizationId": int(data.organization.id),
        "organizationIntegrationStatus": found.status,
        "gracePeriodEnd": None,
    }


def forwarder(data: SandboxData, found: DataForwarder) -> JSON:
    projects = [p for p in (data.project_by_id(i) for i in found.project_ids) if p is not None]
    refs = [{"id": p.id, "slug": p.slug, "platform": p.platform} for p in projects]
    return {
        "id": found.id,
        "organizationId": data.organization.id,
        "isEnabled": found.is_enabled,
        "enrollNewProjects": found.enroll_new_projects,
        "enrolledProjects": refs,
        "provider": found.provider,
        "config": found.config,
        "projectConfigs": [
            {
                "id": f"{found.id}{n:02d}",
                "isEnabled": True,
                "dataForwarderId": found.id,
                "project": ref,
                "overrides": {},
                "effectiveConfig": found.config,
                "dateAdded": iso(found.date_added),
                "dateUpdated": iso(found.date_updated),
            }
            for n, ref in enumerate(refs, start=1)
        ],
        "dateAdded": iso(found.date_added),
        "dateUpdated": iso(found.date_updated),
    }


def external_user(found: ExternalUser) -> JSON:
    shown: JSON = {
        "externalName": found.external_name,
        "provider": found.provider,
        "userId": found.user_id,
        "integrationId": found.integration_id,
        "id": found.id,
    }
    if found.external_id is not None:
        shown["externalId"] = found.external_id
    return shown


def external_team(found: ExternalTeam) -> JSON:
    shown: JSON = {
        "externalName": found.external_name,
        "provider": found.provider,
        "integrationId": found.integration_id,
        "id": found.id,
        "teamId": found.team_id,
    }
    if found.external_id is not None:
        shown["externalId"] = found.external_id
    return shown


def installation(data: SandboxData, found: Installation) -> JSON:
    return {
        "app": {"uuid": found.app_uuid, "slug": found.app_slug, "sentryAppId": found.app_id},
        "organization": {"slug": data.organization.slug},
        "uuid": found.uuid,
        "status": found.status,
    }


# --- issue lists (lists: `issues`, `mine`, `unassigned`) -----------------------------------------


def issue_row(
    data: SandboxData, found: Issue, period: tuple[int, int], now: datetime, *, stats: bool, group_stats: str
) -> JSON:
    """A row of the organization's issue list (Sentry's `StreamGroupSerializerSnuba`): the issue,
    `count`/`userCount` within the requested period, `lifetime` over all time, and the `stats`
    series of `groupStatsPeriod` unless `collapse=stats`. `filtered` is null: the sandbox's
    search does not count events per filter."""
    project = data.projects[found.project_slug]
    row = issue(data, found) | {
        "count": str(period[0]),
        "userCount": period[1],
        "lifetime": {
            "count": str(found.count),
            "userCount": found.user_count,
            "firstSeen": iso_seconds(found.first_seen),
            "lastSeen": iso_seconds(found.last_seen),
        },
        "filtered": None,
        "isUnhandled": found.level == "fatal",
    }
    if stats and group_stats in ("24h", "14d"):
        step, points = (HOUR, 24) if group_stats == "24h" else (DAY, 14)
        row["stats"] = {group_stats: _issue_stats(data, found, project, now, step, points)}
    return row


# --- issue 13, "card": expanded issue details, Discover tag counts, releases, monitors -------------


def issue_expansions(data: SandboxData, found: Issue, expand: list[str]) -> JSON:
    """What `expand=` adds to issue details (GroupDetailsEndpoint, getsentry/sentry src/sentry/issues/
    endpoints/group_details.py): `sentryAppIssues` are the Sentry App links, `integrationIssues` the
    tickets of first-party trackers (the sandbox has none)."""
    extra: JSON = {}
    if "sentryAppIssues" in expand:
        extra["sentryAppIssues"] = [external_issue(x) for x in data.external_issues.values() if x.issue_id == found.id]
    if "integrationIssues" in expand:
        extra["integrationIssues"] = []
    return extra


def _event_field(found: Event, name: str) -> str | None:
    """A Discover field of an event: its tag, or for `browser.name`/`os.name` its context."""
    tags = dict(found.tags)
    if name in tags:
        return tags[name]
    context, _, key = name.partition(".")
    value = (found.contexts.get(context) or {}).get(key) if key else None
    return None if value is None else str(value)


def tag_counts(data: SandboxData, found: Issue, fields: list[str], since: datetime) -> JSON:
    """Discover rows of one issue grouped by `fields`, biggest first (`GET /organizations/{org}/events/`;
    rows and `meta.fields` as in the schema's example). The sandbox keeps two events an issue, so the
    issue's count is shared among them, the latest weighing most."""
    events = sorted(
        (e for e in data.events.values() if e.issue_id == found.id and e.date_created >= since),
        key=lambda e: e.date_created,
        reverse=True,
    )
    weights = [len(events) + 1 - n for n in range(len(events))]
    counts: dict[tuple[str | None, ...], int] = {}
    for event_, weight in zip(events, weights, strict=True):
        combo = tuple(_event_field(event_, f) for f in fields)
        counts[combo] = counts.get(combo, 0) + round(found.count * weight / sum(weights))
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    rows = [{**dict(zip(fields, combo, strict=True)), "count()": n} for combo, n in ranked]
    return {
        "data": rows,
        "meta": {
            "fields": {**dict.fromkeys(fields, "string"), "count()": "integer"},
            "units": {**dict.fromkeys(fields), "count()": None},
            "isMetricsData": False,
            "dataset": "errors",
        },
    }


def deploy(found: Deploy) -> JSON:
    return {
        "id": found.id,
        "environment": found.environment,
        "dateStarted": iso(found.date_started),
        "dateFinished": iso(found.date_finished),
        "name": found.name,
        "url": found.url,
    }


def release_detail(data: SandboxData, found: Release) -> JSON:
    """A release as `GET /organizations/{org}/releases/{version}/` sends it (the schema's example, with
    its authors taken from its commits as Sentry's ReleaseSerializer does)."""
    project = data.projects[found.project_slug]
    commits = [c for c in data.commits if c.id in found.commit_ids]
    commits.sort(key=lambda c: c.date_created, reverse=True)
    authors = {c.author_email: {"name": c.author_name, "email": c.author_email} for c in reversed(commits)}
    new_groups = sum(1 for i in data.issues.values() if i.first_release == found.version)
    package, _, raw = found.version.rpartition("@")
    events = [e.date_created for e in data.events.values() if dict(e.tags).get("release") == found.version]
    return {
        "id": int(found.date_created.timestamp()),
        "version": found.version,
        "shortVersion": short_version(found.version),
        "status": found.status,
        "versionInfo": {
            "package": package or None,
            "version": {"raw": raw},
            "description": raw,
            "buildHash": None,
        },
        "ref": None,
        "url": None,
        "dateReleased": iso(found.date_created + timedelta(minutes=12)),
        "dateCreated": iso(found.date_created),
        "data": {},
        "newGroups": new_groups,
        "owner": None,
        "commitCount": len(commits),
        "lastCommit": commit(commits[0]) if commits else None,
        "deployCount": len(found.deploys),
        "lastDeploy": deploy(found.deploys[-1]) if found.deploys else None,
        "authors": list(authors.values()),
        "projects": [
            {
                "id": int(project.id),
                "slug": project.slug,
                "name": project.name,
                "newGroups": new_groups,
                "platform": project.platform,
                "platforms": [project.platform],
                "hasHealthData": False,
            }
        ],
        "firstEvent": iso(min(events)) if events else None,
        "lastEvent": iso(max(events)) if events else None,
        "currentProjectMeta": {},
        "userAgent": "sentry-cli/2.31.0",
    }


def checkin(found: CheckIn, config: JSON) -> JSON:
    """A check-in as MonitorCheckInSerializer sends it (getsentry/sentry src/sentry/monitors/serializers.py)."""
    finished = found.date_created + timedelta(milliseconds=found.duration or 0)
    return {
        "id": found.id,
        "environment": found.environment,
        "status": found.status,
        "duration": found.duration,
        "dateCreated": iso(found.date_created),
        "dateAdded": iso(found.date_created),
        "dateUpdated": iso(finished),
        "dateInProgress": None if found.status == "missed" else iso(found.date_created),
        "dateClock": iso(found.date_created),
        "expectedTime": iso(found.expected_time),
        "monitorConfig": config,
    }


def monitor(data: SandboxData, found: Monitor) -> JSON:
    """A monitor as MonitorSerializer sends it: `environments` is a list, one per environment."""
    project = data.projects[found.project_slug]
    last = found.checkins[0] if found.checkins else None
    status = "active" if last is None else ("ok" if last.status in ("ok", "in_progress") else "error")
    return {
        "id": found.id,
        "slug": found.slug,
        "name": found.name,
        "status": found.status,
        "isMuted": found.is_muted,
        "isUpserting": False,
        "config": found.config,
        "dateCreated": iso(found.date_created),
        "project": project_ref(project) | {"platform": project.platform},
        "environments": [
            {
                "name": found.environment,
                "status": status,
                "isMuted": found.is_muted,
                "dateCreated": iso(found.date_created),
                "lastCheckIn": iso(last.date_created) if last else None,
                "nextCheckIn": iso(_next_expected(found)) if last else None,
                "nextCheckInLatest": iso(_next_expected(found) + timedelta(minutes=found.config["checkin_margin"]))
                if last
                else None,
                "activeIncident": None,
            }
        ],
        "owner": None,
    }


def _next_expected(found: Monitor) -> datetime:
    if len(found.checkins) > 1:
        return found.checkins[0].expected_time + (found.checkins[0].expected_time - found.checkins[1].expected_time)
    return found.checkins[0].expected_time
