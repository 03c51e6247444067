"""Small builders of realistic Sentry models: sensible defaults, override what the test is about."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.sentry.models import (
    ClientKey,
    Commit,
    Event,
    EventIdResolution,
    ExternalIssue,
    Forwarder,
    Installation,
    Integration,
    IntegrationProvider,
    Issue,
    Member,
    Organization,
    Project,
    ProjectRef,
    ProjectUser,
    Provider,
    Relay,
    Repository,
    ScimList,
    ScimUser,
    ServiceHook,
    StatPoint,
    StatsGroup,
    StatsV2,
    TagValue,
    Team,
    TeamRef,
    User,
)
from bot.sentry.paging import Page

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
EVIL = "<!channel> <@U123> <https://evil.example|click> & co"
HOOK_SECRET = "8fcac28aaa4c4f5fa572b61d40a8e084364db25fd37449c299e5a41c0504cbc2"
KEY_SECRET = "189485c3b8ccf582bf5e12c530ef8858"


def page(items: list[Any], cursor: str | None = None) -> Page[Any]:
    return Page(items=list(items), next_cursor=cursor)


def issue(**overrides: Any) -> Issue:
    fields: dict[str, Any] = {
        "id": "4711",
        "short_id": "WEB-12A",
        "title": "TypeError: Cannot read properties of undefined (reading 'id')",
        "culprit": "app/components/Cart.tsx in renderCart",
        "permalink": "https://acme.sentry.io/issues/4711/",
        "level": "error",
        "status": "unresolved",
        "substatus": "ongoing",
        "count": "1337",  # Sentry sends the event count as a string
        "user_count": 42,
        "first_seen": NOW - timedelta(days=3),
        "last_seen": NOW - timedelta(hours=3),
        "project": ProjectRef(id="1", slug="web", name="Web"),
    }
    return Issue(**{**fields, **overrides})


def event_resolution(*, tags: dict[str, str] | None = None, **event_overrides: Any) -> EventIdResolution:
    tag_pairs = tags if tags is not None else {"environment": "production", "browser": "Chrome 124", "os": "macOS"}
    event_fields: dict[str, Any] = {
        "event_id": "9fac2ceed9344f2bbfdd1fdacb0ed9b1",
        "group_id": "4711",
        "title": "ZeroDivisionError: division by zero",
        "location": "billing/invoice.py:42",
        "culprit": "billing.invoice in total",
        "platform": "python",
        "date_created": NOW - timedelta(minutes=20),
        "release": {"version": "web@2.4.1", "shortVersion": "2.4.1"},
        "tags": [{"key": k, "value": v} for k, v in tag_pairs.items()],
    }
    event = Event(**{**event_fields, **event_overrides})
    return EventIdResolution(
        organization_slug="acme",
        project_slug="billing",
        group_id=event.group_id,
        event_id=event.event_id,
        event=event,
    )


def organization(**overrides: Any) -> Organization:
    fields: dict[str, Any] = {
        "id": "2",
        "slug": "acme",
        "name": "Acme Corp",
        "date_created": NOW - timedelta(days=800),
        "status": {"id": "active", "name": "active"},
        "require_2fa": True,
        "is_early_adopter": False,
        "links": {"organizationUrl": "https://acme.sentry.io"},
        "features": ["discover", "performance-view"],
    }
    return Organization(**{**fields, **overrides})


def project(slug: str = "web", **overrides: Any) -> Project:
    fields: dict[str, Any] = {
        "id": "1",
        "slug": slug,
        "name": slug.title(),
        "platform": "javascript-react",
        "date_created": NOW - timedelta(days=400),
        "first_event": NOW - timedelta(days=399),
        "status": "active",
        "teams": [TeamRef(id="10", slug="frontend", name="Frontend")],
        "environments": ["production", "staging"],
    }
    return Project(**{**fields, **overrides})


def stat_points(counts: list[float], *, start: int = 1714500000, step: int = 3600) -> list[StatPoint]:
    return [StatPoint(timestamp=start + i * step, count=c) for i, c in enumerate(counts)]


def usage(totals: dict[tuple[str, ...], float], *, keys: tuple[str, ...] = ("category", "outcome")) -> StatsV2:
    groups = [
        StatsGroup(by=dict(zip(keys, labels, strict=True)), totals={"sum(quantity)": total}, series={})
        for labels, total in totals.items()
    ]
    return StatsV2(start=NOW - timedelta(days=1), end=NOW, intervals=[], groups=groups)


def project_user(**overrides: Any) -> ProjectUser:
    fields: dict[str, Any] = {
        "id": "1",
        "identifier": "1",
        "username": "jane",
        "email": "jane@customer.example",
        "name": "Jane Doe",
        "ip_address": "203.0.113.7",
    }
    return ProjectUser(**{**fields, **overrides})


def tag_value(value: str, count: int) -> TagValue:
    return TagValue(name=value, value=value, count=count, last_seen=NOW, first_seen=NOW - timedelta(days=1))


def hook(**overrides: Any) -> ServiceHook:
    fields: dict[str, Any] = {
        "id": "4f9d73e63b7144ecb8944c41620a090b",
        "url": "https://hooks.acme.example/sentry",
        "events": ["event.alert", "event.created"],
        "status": "active",
        "secret": HOOK_SECRET,
        "date_created": NOW - timedelta(days=2),
    }
    return ServiceHook(**{**fields, **overrides})


def member(email: str = "alice@acme.example", **overrides: Any) -> Member:
    name = email.split("@")[0].title()
    fields: dict[str, Any] = {
        "id": "57377908164",
        "email": email,
        "name": name,
        "user": User(id="280094367316", name=name, email=email, username=email),
        "org_role": "member",
        "pending": False,
        "expired": False,
        "date_created": NOW - timedelta(days=30),
        "teams": ["backend"],
    }
    return Member(**{**fields, **overrides})


def invited(email: str) -> Member:
    return member(email, user=None, pending=True, invite_status="approved")


def team(slug: str, **overrides: Any) -> Team:
    return Team(**{"id": f"t-{slug}", "slug": slug, "name": slug.title(), **overrides})


def repository(**overrides: Any) -> Repository:
    fields: dict[str, Any] = {
        "id": "3",
        "name": "acme/web",
        "url": "https://github.com/acme/web",
        "provider": {"id": "integrations:github", "name": "GitHub"},
        "status": "active",
    }
    return Repository(**{**fields, **overrides})


def commit(message: str = "Fix cart total rounding\n\nCloses WEB-12A", **overrides: Any) -> Commit:
    fields: dict[str, Any] = {
        "id": "acbafc639127fd89d10f474520104517ff1d709e",
        "message": message,
        "date_created": datetime(2024, 4, 30, 23, 30, tzinfo=UTC),
        "author": {"name": "Alice", "email": "alice@acme.example"},
    }
    return Commit(**{**fields, **overrides})


def integration(**overrides: Any) -> Integration:
    fields: dict[str, Any] = {
        "id": "24817",
        "name": "Acme Slack",
        "domain_name": "acme.slack.com",
        "status": "active",
        "provider": IntegrationProvider(key="slack", name="Slack", features=["alert-rule", "chat-unfurl"]),
        "external_id": "T7252394",
    }
    return Integration(**{**fields, **overrides})


def provider(key: str = "github", **overrides: Any) -> Provider:
    return Provider(
        **{"key": key, "slug": key, "name": key.title(), "can_add": True, "features": ["commits"], **overrides}
    )


def forwarder(**overrides: Any) -> Forwarder:
    fields: dict[str, Any] = {
        "id": "1",
        "provider": "sqs",
        "is_enabled": True,
        "enroll_new_projects": True,
        "enrolled_projects": [ProjectRef(id="1", slug="web")],
        "config": {
            "region": "us-east-1",
            "queue_url": "https://sqs.us-east-1.amazonaws.com/01234567890/sentry-errors.fifo",
            "access_key": "AKIAIOSFODNN7EXAMPLE",
            "secret_key": "wJalrXUtnFEMI1K7MDENGSbPxRfiCYEXAMPLEKEY",
        },
    }
    return Forwarder(**{**fields, **overrides})


def installation(**overrides: Any) -> Installation:
    fields: dict[str, Any] = {
        "uuid": "01635075-3f0a-4f96-8fc8-ff9680780a13",
        "status": "installed",
        "app": {"uuid": "a9988ad6", "slug": "acme-linker", "name": "Acme Linker"},
        "organization": {"slug": "acme"},
    }
    return Installation(**{**fields, **overrides})


def external_issue(**overrides: Any) -> ExternalIssue:
    fields: dict[str, Any] = {
        "id": "123456",
        "issue_id": "4711",
        "service_type": "jira",
        "display_name": "SHOP-99",
        "web_url": "https://acme.atlassian.net/browse/SHOP-99",
    }
    return ExternalIssue(**{**fields, **overrides})


def scim_user(user_id: str = "102", **overrides: Any) -> ScimUser:
    fields: dict[str, Any] = {
        "id": user_id,
        "user_name": f"user{user_id}@acme.example",
        "active": True,
        "sentry_org_role": "member",
    }
    return ScimUser(**{**fields, **overrides})


def scim_list(users: list[ScimUser], *, total: int | None = None) -> ScimList:
    return ScimList(
        total_results=len(users) if total is None else total,
        start_index=1,
        items_per_page=len(users),
        resources=users,
    )


def relay(**overrides: Any) -> Relay:
    fields: dict[str, Any] = {
        "relay_id": "0123abcd-4567-89ab-cdef-012aaa456bbb",
        "version": "23.11.2",
        "first_seen": NOW - timedelta(days=20),
        "last_seen": NOW - timedelta(minutes=2),
        "public_key": "nDJl79SbEYH9-8NEJAI7ezrgYfolPW3Bnkg00k1zOfA",
    }
    return Relay(**{**fields, **overrides})


def client_key(**overrides: Any) -> ClientKey:
    public = "a785682ddda742d7a8a4088810e67791"
    host = "o4504765715316736.ingest.sentry.io/4505281256090153"
    fields: dict[str, Any] = {
        "id": public,
        "name": "Default",
        "public": public,
        "secret": KEY_SECRET,
        "project_id": 4505281256090153,
        "is_active": True,
        "dsn": {"public": f"https://{public}@{host}", "secret": f"https://{public}:{KEY_SECRET}@{host}"},
    }
    return ClientKey(**{**fields, **overrides})
