"""The sample organization the sandbox starts with: Acme Corp, a small online shop.

Three projects on different platforms (`web`, `api`, `ios`), their teams, members, issues with
events, repositories, integrations, hooks and so on. Everything is deterministic: hex ids come from
a fixed-seed generator, and times are offsets from `now` (the current minute unless given), so the
sample data always looks recent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.sandbox.records import (
    JSON,
    Activity,
    Actor,
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
    random_hex,
)
from bot.sandbox.state import SandboxData, SandboxState

SEED = 20240611  # the generator behind every hex id and secret


def seed_state(now: datetime | None = None) -> SandboxState:
    """A fresh sandbox holding the Acme Corp sample data. `now` pins the clock for repeatable times."""
    anchor = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    return SandboxState(build_data(anchor))


def build_data(now: datetime) -> SandboxData:
    rng = random.Random(SEED)
    issues = _issues(now)
    # Drawn in this order from one generator: events, then commits (their ids are pinned by tests).
    events = _events(now, issues, rng)
    commits = _commits(now, rng)
    data = SandboxData(
        organization=_organization(),
        teams={t.slug: t for t in _teams()},
        projects={p.slug: p for p in _projects()},
        members={m.id: m for m in _members(now)},
        issues={i.id: i for i in issues},
        events={e.event_id: e for e in events},
        repos={r.id: r for r in _repos()},
        commits=commits,
        providers=_providers(),
        integrations={i.id: i for i in _integrations()},
        hooks={h.id: h for h in _hooks(now, rng)},
        tag_values=_tag_values(now),
        event_users=_event_users(now),
        relays=_relays(now),
        project_keys=_project_keys(rng),
        forwarders={f.id: f for f in _forwarders()},
        external_users={"501": ExternalUser("501", USERS["alice"], "slack", "@alice", SLACK_ID, "U04ALICE7Q")},
        external_teams={"601": ExternalTeam("601", TEAM_IDS["frontend"], "slack", "#frontend-alerts", SLACK_ID)},
        installations={INSTALLATION_UUID: _installation()},
        external_issues={x.id: x for x in _external_issues()},
        rng=rng,
    )
    _add_list_issues(data, now)
    data.releases = {r.version: r for r in _releases(now, issues, commits)}
    # Their own generator, so the ids the sandbox hands out later stay what they were.
    data.monitors = {m.slug: m for m in _monitors(now, random.Random(SEED + 13))}
    return data


# --- organization, teams, projects --------------------------------------------------------------

ORG_ID = "4507321984593920"
TEAM_IDS = {"frontend": "1204837", "backend": "1204838", "mobile": "1204839"}
PROJECT_IDS = {"web": "4507322001604608", "api": "4507322003046400", "ios": "4507322004422656"}
SLACK_ID, GITHUB_ID, JIRA_ID = "130413", "130414", "130415"
RELEASES = {
    "web": ("web@2024.6.3", "web@2024.6.2", "web@2024.5.9"),
    "api": ("api@3.18.0", "api@3.17.2", "api@3.17.1"),
    "ios": ("com.acme.shop@5.12.0+1042", "com.acme.shop@5.11.3+1018", "com.acme.shop@5.11.2+1009"),
}


def _organization() -> Organization:
    return Organization(
        id=ORG_ID,
        slug="acme",
        name="Acme Corp",
        date_created=datetime(2021, 3, 15, 9, 12, 44, 381000, tzinfo=UTC),
        settings={
            "isEarlyAdopter": False,
            "require2FA": False,
            "defaultRole": "member",
            "openMembership": True,
            "allowSharedIssues": True,
            "enhancedPrivacy": False,
            "dataScrubber": False,
            "dataScrubberDefaults": True,
            "scrubIPAddresses": False,
            "scrapeJavaScript": True,
            "allowJoinRequests": True,
            "eventsMemberAdmin": True,
            "alertsMemberWrite": True,
            "issueAlertsThreadFlag": True,
            "metricAlertsThreadFlag": True,
            "hideAiFeatures": False,
            "attachmentsRole": "member",
            "debugFilesRole": "admin",
            "storeCrashReports": 5,
            "aggregatedDataConsent": False,
            "autoEnableCodeReview": False,
            "autoOpenPrs": False,
            "defaultAutofixAutomationTuning": "off",
            "defaultAutomatedRunStoppingPoint": "code_changes",
            "defaultCodeReviewTriggers": ["on_ready_for_review"],
            "defaultCodingAgent": "seer",
            "defaultCodingAgentIntegrationId": None,
            "defaultSeerScannerAutomation": False,
            "enableSeerCoding": False,
        },
    )


def _teams() -> list[Team]:
    names = {"frontend": "Frontend", "backend": "Backend", "mobile": "Mobile"}
    created = datetime(2021, 3, 15, 9, 20, tzinfo=UTC)
    return [
        Team(id=TEAM_IDS[slug], slug=slug, name=name, date_created=created + timedelta(minutes=3 * n))
        for n, (slug, name) in enumerate(names.items())
    ]


def _projects() -> list[Project]:
    def project(slug: str, platform: str, team: str, created: datetime, color: str, volume: dict[str, int]) -> Project:
        return Project(
            id=PROJECT_IDS[slug],
            slug=slug,
            name=slug,
            platform=platform,
            team_slug=team,
            short_prefix=slug.upper(),
            date_created=created,
            first_event=created + timedelta(hours=2, minutes=17),
            color=color,
            environments=["production", "staging"],
            latest_release=RELEASES[slug][0],
            daily_volume=volume,
        )

    return [
        project(
            "web",
            "javascript-react",
            "frontend",
            datetime(2021, 3, 15, 10, 2, tzinfo=UTC),
            "#3f70bf",
            {"error": 2400, "transaction": 36000, "replay": 900},
        ),
        project(
            "api",
            "python-django",
            "backend",
            datetime(2021, 3, 15, 10, 9, tzinfo=UTC),
            "#bf6e3f",
            {"error": 1300, "transaction": 52000},
        ),
        project(
            "ios",
            "apple-ios",
            "mobile",
            datetime(2021, 5, 27, 14, 40, tzinfo=UTC),
            "#3fbf7f",
            {"error": 700, "transaction": 9000, "attachment": 180},
        ),
    ]


# --- members --------------------------------------------------------------------------------------

# user ids (what `assignedTo: user:<id>` names) differ from member ids on purpose.
USERS = {
    "alice": "5201",
    "bob": "5202",
    "carol": "5203",
    "dave": "5204",
    "erin": "5205",
    "frank": "5206",
    "grace": "5207",
}


def _members(now: datetime) -> list[Member]:
    def member(n: int, handle: str, name: str, role: str, teams: dict[str, str], **extra: bool) -> Member:
        joined = datetime(2021, 3, 15, 9, 30, tzinfo=UTC) + timedelta(days=45 * n)
        return Member(
            id=str(1041 + n),
            email=f"{handle}@acme.example",
            name=name,
            org_role=role,
            date_created=joined - timedelta(hours=20),
            team_roles=teams,
            user_id=USERS[handle],
            inviter=None if n == 0 else "alice@acme.example",
            date_joined=joined,
            last_login=now - timedelta(hours=3 + 7 * n),
            has_2fa=extra.get("has_2fa", False),
            idp_provisioned=extra.get("scim", False),
        )

    pending = Member(
        id="1048",
        email="heidi@acme.example",
        name="heidi@acme.example",
        org_role="member",
        date_created=now - timedelta(days=2, hours=5),
        team_roles={"frontend": "contributor"},
        inviter="alice@acme.example",
    )
    return [
        member(0, "alice", "Alice Nguyen", "owner", {"frontend": "admin"}, has_2fa=True),
        member(1, "bob", "Bob Okafor", "manager", {"backend": "admin"}, has_2fa=True),
        member(2, "carol", "Carol Diaz", "admin", {"mobile": "admin"}),
        member(3, "dave", "Dave Kim", "member", {"frontend": "contributor", "backend": "contributor"}),
        member(4, "erin", "Erin Walsh", "member", {"backend": "contributor"}),
        member(5, "frank", "Frank Li", "billing", {}),
        member(6, "grace", "Grace Park", "member", {"mobile": "contributor"}, scim=True),
        pending,
    ]


# --- issues and their events ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    """One sample issue, with what its events need."""

    project: str
    number: int
    title: str
    culprit: str
    level: str
    count: int
    users: int
    age: timedelta  # since first seen
    quiet: timedelta  # since last seen
    exception: tuple[str, str]  # type, value ("" type: no exception, e.g. performance issues)
    frames: tuple[tuple[str, str, int], ...]  # filename, function, line; innermost last
    status: str = "unresolved"
    substatus: str | None = "ongoing"
    priority: str = "medium"
    assignee: Actor | None = None
    details: JSON = field(default_factory=dict)
    issue_type: str = "error"
    category: str = "error"


D, H, M = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)
ALICE, BOB, CAROL, DAVE = (Actor("user", USERS[h]) for h in ("alice", "bob", "carol", "dave"))

SPECS: tuple[_Spec, ...] = (
    _Spec(
        "web",
        1098,
        "TypeError: Cannot read properties of undefined (reading 'map')",
        "src/components/CartSummary.tsx in CartSummary",
        "error",
        1482,
        312,
        6 * D,
        4 * M,
        ("TypeError", "Cannot read properties of undefined (reading 'map')"),
        (("src/pages/CartPage.tsx", "CartPage", 41), ("src/components/CartSummary.tsx", "CartSummary", 27)),
        substatus="escalating",
        priority="high",
        assignee=ALICE,
    ),
    _Spec(
        "web",
        1,
        "ChunkLoadError: Loading chunk 412 failed.",
        "src/routes/Checkout.lazy.tsx in loadCheckout",
        "error",
        5230,
        2011,
        41 * D,
        2 * H,
        (
            "ChunkLoadError",
            "Loading chunk 412 failed. (error: https://shop.acme.example/static/js/412.3e1f9a.chunk.js)",
        ),
        (("src/router.tsx", "lazyRoute", 18), ("src/routes/Checkout.lazy.tsx", "loadCheckout", 6)),
        status="ignored",
        substatus="archived_until_escalating",
        priority="low",
    ),
    _Spec(
        "web",
        2,
        "ResizeObserver loop completed with undelivered notifications.",
        "src/components/ProductGallery.tsx in ProductGallery",
        "warning",
        18044,
        4302,
        63 * D,
        11 * M,
        ("Error", "ResizeObserver loop completed with undelivered notifications."),
        (("src/components/ProductGallery.tsx", "ProductGallery", 88),),
        status="ignored",
        substatus="archived_forever",
        priority="low",
    ),
    _Spec(
        "web",
        3,
        "Error: Network request failed: POST /api/cart/items (503)",
        "src/api/client.ts in request",
        "error",
        87,
        41,
        3 * H,
        9 * M,
        ("Error", "Network request failed: POST /api/cart/items (503)"),
        (("src/hooks/useCart.ts", "addItem", 52), ("src/api/client.ts", "request", 34)),
        substatus="new",
        priority="high",
        assignee=Actor("team", TEAM_IDS["frontend"]),
    ),
    _Spec(
        "web",
        4,
        "AbortError: The user aborted a request.",
        "src/hooks/useSearch.ts in fetchSuggestions",
        "error",
        640,
        233,
        20 * D,
        2 * D,
        ("AbortError", "The user aborted a request."),
        (("src/components/SearchBox.tsx", "onChange", 23), ("src/hooks/useSearch.ts", "fetchSuggestions", 15)),
        status="resolved",
        substatus=None,
    ),
    _Spec(
        "web",
        5,
        "SyntaxError: Unexpected token '<', \"<!DOCTYPE \"... is not valid JSON",
        "src/hooks/useProductFeed.ts in parseFeed",
        "error",
        312,
        128,
        12 * D,
        35 * M,
        ("SyntaxError", "Unexpected token '<', \"<!DOCTYPE \"... is not valid JSON"),
        (("src/pages/Home.tsx", "Home", 19), ("src/hooks/useProductFeed.ts", "parseFeed", 61)),
        substatus="regressed",
        assignee=DAVE,
    ),
    _Spec(
        "api",
        1,
        'OperationalError: connection to server at "db-primary.internal" (10.0.3.12), port 5432 failed: '
        "Connection refused",
        "django.db.backends.postgresql.base in get_new_connection",
        "fatal",
        2210,
        880,
        30 * D,
        9 * D,
        ("OperationalError", 'connection to server at "db-primary.internal" (10.0.3.12), port 5432 failed'),
        (
            ("django/db/backends/base/base.py", "connect", 270),
            ("django/db/backends/postgresql/base.py", "get_new_connection", 269),
        ),
        status="resolved",
        substatus=None,
        details={"inRelease": "api@3.17.2"},
    ),
    _Spec(
        "api",
        2,
        "KeyError: 'shipping_address'",
        "orders.serializers in validate",
        "error",
        431,
        187,
        4 * D,
        17 * M,
        ("KeyError", "'shipping_address'"),
        (("orders/views.py", "create", 88), ("orders/serializers.py", "validate", 142)),
        assignee=BOB,
    ),
    _Spec(
        "api",
        3,
        'IntegrityError: duplicate key value violates unique constraint "payments_payment_idempotency_key_key"',
        "payments.views in create_payment",
        "error",
        96,
        54,
        2 * D,
        6 * M,
        ("IntegrityError", 'duplicate key value violates unique constraint "payments_payment_idempotency_key_key"'),
        (("payments/views.py", "create_payment", 57), ("django/db/models/query.py", "create", 679)),
        substatus="escalating",
        priority="high",
        assignee=Actor("team", TEAM_IDS["backend"]),
    ),
    _Spec(
        "api",
        4,
        "ReadTimeout: HTTPSConnectionPool(host='api.stripe.com', port=443): Read timed out. (read timeout=30)",
        "payments.gateways.stripe in charge",
        "error",
        58,
        40,
        16 * D,
        5 * H,
        ("ReadTimeout", "HTTPSConnectionPool(host='api.stripe.com', port=443): Read timed out. (read timeout=30)"),
        (("payments/gateways/stripe.py", "charge", 77), ("requests/adapters.py", "send", 713)),
        status="ignored",
        substatus="archived_until_condition_met",
        details={
            "ignoreCount": 100,
            "ignoreWindow": 60,
            "ignoreUserCount": None,
            "ignoreUserWindow": None,
            "ignoreUntil": None,
        },
    ),
    _Spec(
        "api",
        5,
        "N+1 Query",
        "/api/products/",
        "info",
        12840,
        0,
        25 * D,
        1 * H,
        ("", ""),
        (),
        priority="low",
        issue_type="performance_n_plus_one_db_queries",
        category="performance",
    ),
    _Spec(
        "api",
        6,
        "SMTPServerDisconnected: Connection unexpectedly closed",
        "orders.tasks in send_confirmation_email",
        "error",
        23,
        19,
        5 * H,
        40 * M,
        ("SMTPServerDisconnected", "Connection unexpectedly closed"),
        (("celery/app/trace.py", "trace_task", 477), ("orders/tasks.py", "send_confirmation_email", 33)),
        substatus="new",
    ),
    _Spec(
        "ios",
        1,
        "EXC_BAD_ACCESS: KERN_INVALID_ADDRESS at 0x0000000000000010",
        "-[CheckoutViewController viewDidLayoutSubviews]",
        "fatal",
        377,
        301,
        9 * D,
        52 * M,
        ("EXC_BAD_ACCESS", "KERN_INVALID_ADDRESS at 0x0000000000000010"),
        (
            ("UIKitCore", "-[UIView(CALayerDelegate) layoutSublayersOfLayer:]", 0),
            ("CheckoutViewController.swift", "-[CheckoutViewController viewDidLayoutSubviews]", 118),
        ),
        priority="high",
        assignee=CAROL,
    ),
    _Spec(
        "ios",
        2,
        "Fatal error: Unexpectedly found nil while unwrapping an Optional value",
        "ProductDetailView.body.getter",
        "fatal",
        64,
        59,
        1 * D,
        3 * H,
        ("Fatal error", "Unexpectedly found nil while unwrapping an Optional value"),
        (("ProductDetailView.swift", "ProductDetailView.body.getter", 42),),
        substatus="new",
    ),
    _Spec(
        "ios",
        3,
        "App Hanging: App hanging for at least 2000 ms.",
        "main thread",
        "error",
        2980,
        1204,
        34 * D,
        26 * M,
        ("App Hanging", "App hanging for at least 2000 ms."),
        (("ImageCache.swift", "ImageCache.decode(_:)", 64),),
        status="ignored",
        substatus="archived_until_escalating",
    ),
    _Spec(
        "ios",
        4,
        "NSURLErrorDomain: Code=-1001 The request timed out.",
        "APIClient.send(_:)",
        "warning",
        811,
        502,
        22 * D,
        3 * D,
        ("NSURLErrorDomain", "Code=-1001 The request timed out."),
        (("APIClient.swift", "APIClient.send(_:)", 96),),
        status="resolved",
        substatus=None,
    ),
)


def _issues(now: datetime) -> list[Issue]:
    return [_issue(str(5501024301 + n), spec, now) for n, spec in enumerate(SPECS)]


def _issue(issue_id: str, spec: _Spec, now: datetime) -> Issue:
    first_seen = now - spec.age
    releases = RELEASES[spec.project]
    metadata: JSON = {"title": spec.title}
    if spec.exception[0]:
        metadata = {"type": spec.exception[0], "value": spec.exception[1], "filename": spec.frames[-1][0]}
    return Issue(
        id=issue_id,
        project_slug=spec.project,
        number=spec.number,
        title=spec.title,
        culprit=spec.culprit,
        level=spec.level,
        metadata=metadata,
        count=spec.count,
        user_count=spec.users,
        first_seen=first_seen,
        last_seen=now - spec.quiet,
        status=spec.status,
        substatus=spec.substatus,
        status_details=dict(spec.details),
        priority=spec.priority,
        assignee=spec.assignee,
        issue_type=spec.issue_type,
        issue_category=spec.category,
        first_release=releases[-1] if spec.age > 10 * D else releases[0],
        last_release=releases[0],
        activity=[Activity(id=f"{issue_id}0", type="first_seen", date_created=first_seen)],
    )


EVENT_TAGS: dict[str, list[tuple[str, str]]] = {
    "web": [
        ("browser", "Chrome 125.0.0"),
        ("browser.name", "Chrome"),
        ("os", "Windows 10"),
        ("url", "https://shop.acme.example/cart"),
    ],
    "api": [
        ("os", "Linux"),
        ("runtime", "CPython 3.12.3"),
        ("server_name", "api-7c9d5f-x2k4p"),
        ("transaction", "/api/orders/"),
    ],
    "ios": [("device", "iPhone15,2"), ("os", "iOS 17.5.1"), ("device.family", "iOS")],
}
SDKS = {
    "web": ("sentry.javascript.react", "8.9.2"),
    "api": ("sentry.python.django", "2.5.1"),
    "ios": ("sentry.cocoa", "8.29.0"),
}
PLATFORM_CONTEXTS: dict[str, JSON] = {
    "web": {
        "browser": {"name": "Chrome", "version": "125.0.0", "type": "browser"},
        "os": {"name": "Windows", "version": "10", "type": "os"},
    },
    "api": {
        "runtime": {"name": "CPython", "version": "3.12.3", "type": "runtime"},
        "os": {"name": "Linux", "type": "os"},
    },
    "ios": {
        "device": {"family": "iOS", "model": "iPhone15,2", "type": "device"},
        "os": {"name": "iOS", "version": "17.5.1", "type": "os"},
    },
}


def _events(now: datetime, issues: list[Issue], rng: random.Random) -> list[Event]:
    """Two events per issue: the latest one (at last seen) and an earlier one."""
    users = _event_users(now)
    events = []
    for spec, issue in zip(SPECS, issues, strict=True):
        affected = [u for u in users if u.project_slug == spec.project]
        for n, moment in enumerate((issue.last_seen, issue.first_seen + (issue.last_seen - issue.first_seen) / 3)):
            user = affected[(n + spec.number) % len(affected)]
            events.append(_event(random_hex(rng, 32), spec, issue, moment, user, RELEASES[spec.project][n]))
    return events


def _event(event_id: str, spec: _Spec, issue: Issue, moment: datetime, user: EventUser, release: str) -> Event:
    base = [("environment", "production"), ("level", spec.level), ("release", release)]
    return Event(
        event_id=event_id,
        issue_id=issue.id,
        date_created=moment,
        message="" if spec.exception[0] else spec.title,
        exception_type=spec.exception[0],
        exception_value=spec.exception[1],
        frames=[{"filename": f, "function": fn, "lineNo": line, "inApp": line > 0} for f, fn, line in spec.frames],
        tags=sorted([*base, *EVENT_TAGS[spec.project], ("user", f"email:{user.email}")]),
        user={
            "id": user.id,
            "email": user.email,
            "username": user.username,
            "ip_address": user.ip_address,
            "name": user.name,
            "data": None,
        },
        contexts=PLATFORM_CONTEXTS[spec.project],
        sdk=SDKS[spec.project],
    )


def _event_users(now: datetime) -> list[EventUser]:
    rows = [
        ("web", "u_18c2f", "m.rossi", "m.rossi@example.com", "Marco Rossi", "93.44.120.7"),
        ("web", "u_2a9d1", "jlaurent", "j.laurent@example.net", "Julie Laurent", "81.56.3.201"),
        ("web", "u_35e07", "pobrien", "pat.obrien@example.org", "Pat O'Brien", "203.0.113.54"),
        ("web", "u_4b1c8", "sato.k", "k.sato@example.jp", "Kenji Sato", "198.51.100.23"),
        ("web", "u_5f0a3", "guest-5f0a3", "guest-5f0a3@shop.acme.example", "Guest shopper", "192.0.2.146"),
        ("api", "svc-checkout", "checkout-worker", "checkout-worker@acme.example", "checkout worker", "10.0.4.21"),
        ("api", "u_18c2f", "m.rossi", "m.rossi@example.com", "Marco Rossi", "93.44.120.7"),
        ("api", "u_61d3e", "a.haddad", "a.haddad@example.com", "Amira Haddad", "185.12.64.9"),
        ("api", "u_77b20", "lena.v", "lena.v@example.de", "Lena Vogel", "91.64.20.18"),
        ("ios", "8C1E2F90", "nora.k", "nora.k@example.com", "Nora Kowalski", "172.58.12.40"),
        ("ios", "A45D1B07", "tmensah", "t.mensah@example.com", "Tariq Mensah", "102.89.2.17"),
        ("ios", "C92F6E31", "lwang", "li.wang@example.cn", "Li Wang", "223.104.3.88"),
        ("ios", "E0B73A5C", "guest-e0b73a5c", "guest-e0b73a5c@app.acme.example", "Guest shopper", "100.64.8.9"),
    ]
    return [
        EventUser(project, uid, username, email, name, ip, now - timedelta(days=3 + 5 * n))
        for n, (project, uid, username, email, name, ip) in enumerate(rows)
    ]


# --- code: repositories and commits ---------------------------------------------------------------


def _repos() -> list[Repository]:
    created = datetime(2021, 4, 2, 14, 5, tzinfo=UTC)
    return [
        Repository("32741", "acme/web", "https://github.com/acme/web", GITHUB_ID, "602341871", created),
        Repository("32742", "acme/api", "https://github.com/acme/api", GITHUB_ID, "602341893", created),
        Repository("32743", "acme/ios", "https://github.com/acme/ios", GITHUB_ID, "611207764", created + 60 * D),
    ]


def _commits(now: datetime, rng: random.Random) -> list[Commit]:
    people = {
        "alice": ("Alice Nguyen", "alice@acme.example"),
        "bob": ("Bob Okafor", "bob@acme.example"),
        "carol": ("Carol Diaz", "carol@acme.example"),
        "dave": ("Dave Kim", "dave@acme.example"),
        "erin": ("Erin Walsh", "erin@acme.example"),
        "grace": ("Grace Park", "grace@acme.example"),
    }
    rows = [
        ("32741", "alice", "fix(cart): guard against missing line items in CartSummary", 3 * H),
        ("32741", "dave", "fix(feed): treat HTML error pages from the CDN as failures", 20 * H),
        ("32741", "dave", "feat(checkout): lazy-load the payment step", 2 * D),
        ("32741", "alice", "perf(gallery): debounce ResizeObserver callbacks", 4 * D),
        ("32741", "dave", "chore(deps): bump @tanstack/react-query to 5.45.1", 6 * D),
        ("32742", "bob", "fix(orders): default shipping_address for digital goods", 5 * H),
        ("32742", "erin", "feat(payments): idempotency keys for create_payment", 1 * D),
        ("32742", "bob", "perf(products): prefetch variants to avoid N+1 queries", 3 * D),
        ("32742", "erin", "fix(db): retry transient connection errors at startup", 9 * D),
        ("32743", "carol", "fix(checkout): skip layout pass after the view is gone", 7 * H),
        ("32743", "grace", "feat(product): SwiftUI product detail view", 2 * D),
        ("32743", "grace", "chore: bump sentry-cocoa to 8.29.0", 5 * D),
    ]
    return [Commit(random_hex(rng, 40), repo, message, *people[who], now - ago) for repo, who, message, ago in rows]


# --- integrations ---------------------------------------------------------------------------------


def _providers() -> list[Provider]:
    return [
        Provider(
            "slack",
            "Slack",
            "Get alerts in Slack channels and act on issues from the message.",
            ["alert-rule", "chat-unfurl"],
            [
                ("Unfurl Sentry URLs into rich previews.", "integrations-chat-unfurl"),
                ("Send issue alerts to a channel of your choice.", "integrations-alert-rule"),
            ],
        ),
        Provider(
            "github",
            "GitHub",
            "Link commits, releases and GitHub issues to Sentry issues.",
            ["issue-basic", "commits", "codeowners", "stacktrace-link"],
            [
                ("Track commits and releases.", "integrations-commits"),
                ("Create and link GitHub issues from Sentry.", "integrations-issue-basic"),
                ("Link stack traces to source code.", "integrations-stacktrace-link"),
                ("Import CODEOWNERS to assign issues.", "integrations-codeowners"),
            ],
        ),
        Provider(
            "gitlab",
            "GitLab",
            "Track commits and create GitLab issues from Sentry.",
            ["issue-basic", "commits", "stacktrace-link"],
            [
                ("Track commits and releases.", "integrations-commits"),
                ("Create and link GitLab issues.", "integrations-issue-basic"),
            ],
        ),
        Provider(
            "jira",
            "Jira",
            "Create and link Jira issues, and sync their status with Sentry.",
            ["issue-basic", "issue-sync"],
            [
                ("Create and link Jira issues.", "integrations-issue-basic"),
                ("Sync assignment and status both ways.", "integrations-issue-sync"),
            ],
        ),
        Provider(
            "msteams",
            "Microsoft Teams",
            "Get alerts in Teams channels and act on issues there.",
            ["alert-rule", "chat-unfurl"],
            [("Send issue alerts to a channel.", "integrations-alert-rule")],
        ),
        Provider(
            "pagerduty",
            "PagerDuty",
            "Trigger PagerDuty incidents from Sentry alert rules.",
            ["alert-rule", "incident-management"],
            [("Route alerts to PagerDuty services.", "integrations-incident-management")],
        ),
    ]


def _integrations() -> list[Integration]:
    return [
        Integration(
            SLACK_ID,
            "slack",
            "Acme Corp",
            "acme-corp.slack.com",
            "https://avatars.slack-edge.com/2021-03-15/acme_132.png",
            "T04ACME2K1",
            [
                "channels:read",
                "chat:write",
                "chat:write.public",
                "commands",
                "links:read",
                "links:write",
                "team:read",
                "users:read",
            ],
            {"installationType": "born_as_bot"},
        ),
        Integration(
            GITHUB_ID,
            "github",
            "acme",
            "github.com/acme",
            "https://avatars.githubusercontent.com/u/81234567?v=4",
            "41234567",
            [],
            {},
            account_type="Organization",
        ),
        Integration(
            JIRA_ID,
            "jira",
            "acme",
            "acme.atlassian.net",
            "https://acme.atlassian.net/images/64jira.png",
            "acme.atlassian.net",
            [],
            {"sync_status_forward": {}, "sync_comments": False},
        ),
    ]


def _hooks(now: datetime, rng: random.Random) -> list[ServiceHook]:
    rows = [
        ("web", "https://hooks.acme.example/sentry/web", ["event.alert", "event.created"], 200 * D),
        ("api", "https://ops.acme.example/sentry/webhook", ["event.alert"], 150 * D),
        ("ios", "https://hooks.acme.example/sentry/ios", ["event.alert"], 90 * D),
    ]
    return [
        ServiceHook(
            id=random_hex(rng, 32), project_slug=p, url=u, events=e, secret=random_hex(rng, 64), date_created=now - ago
        )
        for p, u, e, ago in rows
    ]


# --- tags, usage-related records ------------------------------------------------------------------


def _tag_values(now: datetime) -> list[TagValue]:
    rows: dict[str, dict[str, list[tuple[str, int]]]] = {
        "web": {
            "browser": [
                ("Chrome 125.0.0", 9120),
                ("Safari 17.5", 4210),
                ("Mobile Safari 17.5", 3877),
                ("Firefox 126.0", 1304),
                ("Edge 125.0.0", 988),
            ],
            "environment": [("production", 24310), ("staging", 1877)],
            "release": [(RELEASES["web"][0], 6021), (RELEASES["web"][1], 11210), (RELEASES["web"][2], 8956)],
            "os": [("Windows 10", 8890), ("Mac OS X 10.15.7", 6120), ("iOS 17.5.1", 5933), ("Android 14", 4102)],
        },
        "api": {
            "environment": [("production", 15102), ("staging", 812)],
            "release": [(RELEASES["api"][0], 4410), (RELEASES["api"][1], 9031), (RELEASES["api"][2], 2473)],
            "os": [("Linux", 15914)],
            "server_name": [("api-7c9d5f-x2k4p", 5321), ("api-7c9d5f-m8q2z", 5198), ("api-7c9d5f-t6w1r", 5395)],
        },
        "ios": {
            "environment": [("production", 4180), ("staging", 52)],
            "release": [(RELEASES["ios"][0], 1302), (RELEASES["ios"][1], 2280), (RELEASES["ios"][2], 650)],
            "os": [("iOS 17.5.1", 2630), ("iOS 17.4.1", 980), ("iOS 16.7.8", 622)],
            "device": [("iPhone15,2", 1420), ("iPhone14,5", 1306), ("iPhone16,1", 990), ("iPad13,18", 516)],
        },
    }
    values = []
    for project, keys in rows.items():
        for key, pairs in keys.items():
            for n, (value, count) in enumerate(pairs):
                values.append(TagValue(project, key, value, count, now - (40 - 9 * n) * D, now - (n + 1) * 7 * M))
    return values


def _relays(now: datetime) -> list[Relay]:
    return [
        Relay(
            "8f2c1d4e-3b6a-4c9e-b1f7-5d2e8a0c9b31",
            "nT4qJd3L2ZbXw9cF0u7aKp1sQe6rVyMhG5oIlB8tRzE",
            "24.5.1",
            "k8s-relay-eu",
            "Relay in the EU cluster, in front of the web and api projects",
            now - 120 * D,
            now - 2 * M,
        ),
        Relay(
            "2a7e9c03-6f1b-4d58-a2c4-0e9b7d6f3a18",
            "Vb0xH8kQ2mZr5TnC7yWd1LpE4sJa9uFgK3oRiN6lYtM",
            "24.4.2",
            "onprem-relay-dc1",
            "Relay at the Lyon data centre",
            now - 64 * D,
            now - 11 * M,
        ),
    ]


def _project_keys(rng: random.Random) -> list[ProjectKey]:
    created = datetime(2021, 3, 16, 8, tzinfo=UTC)
    return [
        ProjectKey(random_hex(rng, 32), random_hex(rng, 32), "web", "Default", created, rate_limit=(60, 2000)),
        ProjectKey(random_hex(rng, 32), random_hex(rng, 32), "web", "Staging", created + 200 * D),
        ProjectKey(random_hex(rng, 32), random_hex(rng, 32), "api", "Default", created + D),
        ProjectKey(random_hex(rng, 32), random_hex(rng, 32), "ios", "Default", created + 60 * D),
        ProjectKey(
            random_hex(rng, 32), random_hex(rng, 32), "ios", "TestFlight (retired)", created + 90 * D, is_active=False
        ),
    ]


def _forwarders() -> list[DataForwarder]:
    added = datetime(2024, 2, 12, 10, 30, tzinfo=UTC)
    return [
        DataForwarder(
            id="41",
            provider="sqs",
            config={
                "region": "eu-west-1",
                "queue_url": "https://sqs.eu-west-1.amazonaws.com/123456789012/acme-sentry-events.fifo",
                "access_key": "AKIAACMEEXAMPLE7Q2LM",
                "secret_key": "acme/Sandbox+SecretKeyExample0000000000",
                "message_group_id": "sentry-events",
            },
            project_ids=[],
            date_added=added,
            date_updated=added,
            enroll_new_projects=True,
        ),
        DataForwarder(
            id="42",
            provider="segment",
            config={"write_key": "acmeSegmentWriteKeyExample01"},
            project_ids=[PROJECT_IDS["web"], PROJECT_IDS["api"]],
            date_added=added + 30 * D,
            date_updated=added + 41 * D,
        ),
    ]


# --- the installed Sentry App and its links -------------------------------------------------------

INSTALLATION_UUID = "5b7a6c3e-2d41-4f0b-9c1e-8e2f4a6d9b10"
APP_SLUG = "acme-tracker-3f9c1e"


def _installation() -> Installation:
    return Installation(
        uuid=INSTALLATION_UUID, app_uuid="a8f3d2c1-6b4e-4a9f-8d7c-1e2f3a4b5c6d", app_slug=APP_SLUG, app_id=1247
    )


def _external_issues() -> list[ExternalIssue]:
    by_short = {(s.project, s.number): str(5501024301 + n) for n, s in enumerate(SPECS)}
    return [
        ExternalIssue(
            "7301",
            INSTALLATION_UUID,
            by_short[("web", 1098)],
            APP_SLUG,
            "SHOP",
            "SHOP-1423",
            "https://tracker.acme.example/SHOP/issues/1423",
        ),
        ExternalIssue(
            "7302",
            INSTALLATION_UUID,
            by_short[("api", 3)],
            APP_SLUG,
            "PAY",
            "PAY-88",
            "https://tracker.acme.example/PAY/issues/88",
        ),
    ]


# --- issue lists (lists: `issues`, `mine`, `unassigned`) -----------------------------------------
# Enough issues for the lists to page (several pages of 20 in every project), in the shapes real
# projects of these platforms produce: JavaScript errors from React components, Django and Celery
# errors, Swift crashes and hangs. Some events come from staging, so `--env` narrows a list.

_MORE_ISSUES: dict[str, tuple[tuple[str, str, str, str, int], ...]] = {
    # exception type, value, filename, function, line
    "web": (
        (
            "TypeError",
            "Cannot read properties of null (reading 'price')",
            "src/components/ProductCard.tsx",
            "ProductCard",
            44,
        ),
        (
            "TypeError",
            "undefined is not an object (evaluating 'cart.items.length')",
            "src/hooks/useCart.ts",
            "useCart",
            19,
        ),
        ("TypeError", "Failed to fetch", "src/api/client.ts", "request", 31),
        ("ReferenceError", "gtag is not defined", "src/analytics/track.ts", "trackPageView", 12),
        ("Error", "Minified React error #418; visit https://react.dev/errors/418", "src/index.tsx", "hydrateRoot", 9),
        (
            "TypeError",
            "Cannot destructure property 'user' of 'session' as it is undefined.",
            "src/pages/Account.tsx",
            "Account",
            23,
        ),
        ("RangeError", "Invalid time value", "src/utils/formatDate.ts", "formatDate", 7),
        (
            "SecurityError",
            "Failed to read the 'localStorage' property from 'Window'",
            "src/store/persist.ts",
            "load",
            15,
        ),
        ("Error", "Stripe.js not loaded", "src/checkout/PaymentForm.tsx", "PaymentForm", 58),
        (
            "TypeError",
            "Cannot read properties of undefined (reading 'variants')",
            "src/pages/ProductPage.tsx",
            "ProductPage",
            77,
        ),
        (
            "UnhandledRejection",
            "Non-Error promise rejection captured with value: Timeout",
            "src/api/retry.ts",
            "withRetry",
            26,
        ),
        ("QuotaExceededError", "The quota has been exceeded.", "src/store/persist.ts", "save", 29),
        ("TypeError", "e.toFixed is not a function", "src/components/PriceTag.tsx", "PriceTag", 14),
        ("Error", "Hydration failed because the initial UI does not match", "src/components/Header.tsx", "Header", 36),
        (
            "TypeError",
            "Cannot read properties of undefined (reading 'id')",
            "src/pages/OrderHistory.tsx",
            "OrderRow",
            52,
        ),
        (
            "NotAllowedError",
            "play() failed because the user didn't interact with the document first.",
            "src/components/ProductVideo.tsx",
            "ProductVideo",
            21,
        ),
        (
            "SyntaxError",
            "JSON.parse: unexpected character at line 1 column 1",
            "src/hooks/useRecommendations.ts",
            "parse",
            40,
        ),
        ("TypeError", "Cannot set properties of null (setting 'innerHTML')", "src/legacy/banner.js", "renderBanner", 8),
        ("Error", "Request failed with status code 429", "src/api/client.ts", "request", 34),
        ("TypeError", "Load failed", "src/routes/Search.lazy.tsx", "loadSearch", 5),
        ("ChunkLoadError", "Loading chunk 77 failed.", "src/routes/Account.lazy.tsx", "loadAccount", 6),
        (
            "TypeError",
            "Cannot read properties of undefined (reading 'filter')",
            "src/components/FacetList.tsx",
            "FacetList",
            63,
        ),
    ),
    "api": (
        ("ValidationError", "['“abc” is not a valid UUID.']", "orders/views.py", "retrieve", 61),
        ("DoesNotExist", "Product matching query does not exist.", "catalog/views.py", "detail", 34),
        ("TimeoutError", "Redis timeout reading from socket", "cart/cache.py", "get_cart", 27),
        ("ZeroDivisionError", "division by zero", "reports/metrics.py", "conversion_rate", 88),
        ("AttributeError", "'NoneType' object has no attribute 'email'", "accounts/signals.py", "send_welcome", 19),
        (
            "ConnectionError",
            "Error 111 connecting to redis-cache.internal:6379. Connection refused.",
            "cart/cache.py",
            "set_cart",
            41,
        ),
        ("CardError", "Your card was declined.", "payments/gateways/stripe.py", "charge", 92),
        ("OperationalError", "canceling statement due to statement timeout", "search/queries.py", "full_text", 115),
        ("KeyError", "'sku'", "inventory/sync.py", "apply_feed", 73),
        ("TypeError", "Object of type Decimal is not JSON serializable", "orders/webhooks.py", "notify_partner", 48),
        ("SoftTimeLimitExceeded", "SoftTimeLimitExceeded()", "inventory/tasks.py", "sync_warehouse", 22),
        (
            "IntegrityError",
            'null value in column "customer_id" violates not-null constraint',
            "orders/models.py",
            "save",
            130,
        ),
        (
            "PermissionDenied",
            "You do not have permission to perform this action.",
            "accounts/permissions.py",
            "has_permission",
            17,
        ),
        ("ValueError", "invalid literal for int() with base 10: 'undefined'", "catalog/filters.py", "parse_page", 12),
        (
            "SSLError",
            "HTTPSConnectionPool(host='tax.partner.example', port=443): Max retries exceeded",
            "orders/tax.py",
            "quote",
            39,
        ),
        (
            "MultipleObjectsReturned",
            "get() returned more than one Coupon -- it returned 2!",
            "promotions/services.py",
            "apply",
            55,
        ),
        (
            "RecursionError",
            "maximum recursion depth exceeded while calling a Python object",
            "catalog/tree.py",
            "walk",
            21,
        ),
        (
            "DisallowedHost",
            "Invalid HTTP_HOST header: 'shop.acme.example:8443'.",
            "django/http/request.py",
            "get_host",
            150,
        ),
        ("BrokenPipeError", "[Errno 32] Broken pipe", "exports/csv.py", "stream_rows", 66),
        (
            "UnicodeDecodeError",
            "'utf-8' codec can't decode byte 0xff in position 0",
            "imports/parser.py",
            "read_upload",
            28,
        ),
        ("JSONDecodeError", "Expecting value: line 1 column 1 (char 0)", "shipping/carriers.py", "track", 84),
        ("OperationalError", "deadlock detected", "inventory/models.py", "reserve", 102),
    ),
    "ios": (
        (
            "EXC_BAD_ACCESS",
            "KERN_PROTECTION_FAILURE at 0x000000016b5e7ff8",
            "CartViewModel.swift",
            "CartViewModel.reload()",
            57,
        ),
        (
            "NSInvalidArgumentException",
            "-[__NSCFNumber length]: unrecognized selector sent to instance",
            "ProductCell.swift",
            "ProductCell.configure(with:)",
            33,
        ),
        (
            "NSRangeException",
            "*** -[__NSArrayM objectAtIndex:]: index 3 beyond bounds [0 .. 2]",
            "GalleryView.swift",
            "GalleryView.image(at:)",
            71,
        ),
        ("Fatal error", "Index out of range", "OrderListView.swift", "OrderListView.row(_:)", 48),
        (
            "App Hanging",
            "App hanging for at least 2000 ms.",
            "CheckoutViewController.swift",
            "CheckoutViewController.viewWillAppear(_:)",
            90,
        ),
        (
            "NSURLErrorDomain",
            "Code=-1009 The Internet connection appears to be offline.",
            "APIClient.swift",
            "APIClient.send(_:)",
            96,
        ),
        ("DecodingError", 'keyNotFound(CodingKeys(stringValue: "price"))', "Product.swift", "Product.init(from:)", 24),
        (
            "SIGABRT",
            "Attempted to dereference garbage pointer 0x10.",
            "ImageCache.swift",
            "ImageCache.store(_:for:)",
            82,
        ),
        (
            "Watchdog Termination",
            "The OS watchdog terminated your app, possibly because it overused RAM.",
            "AppDelegate.swift",
            "AppDelegate.application(_:didFinishLaunchingWithOptions:)",
            18,
        ),
        (
            "NSInternalInconsistencyException",
            "Invalid update: invalid number of rows in section 0.",
            "CartTableView.swift",
            "CartTableView.apply(_:)",
            64,
        ),
        (
            "Fatal error",
            "Unexpectedly found nil while implicitly unwrapping an Optional value",
            "LoginViewController.swift",
            "LoginViewController.viewDidLoad()",
            29,
        ),
        (
            "CoreData",
            "The model used to open the store is incompatible with the one used to create the store",
            "Persistence.swift",
            "PersistenceController.init()",
            41,
        ),
        (
            "EXC_BREAKPOINT",
            "Swift runtime failure: Unexpectedly found nil",
            "PaymentSheet.swift",
            "PaymentSheet.present(from:)",
            110,
        ),
        ("NSURLErrorDomain", "Code=-1001 The request timed out.", "ImageLoader.swift", "ImageLoader.load(_:)", 38),
        (
            "SKErrorDomain",
            "Code=2 Cannot connect to iTunes Store",
            "StoreKitClient.swift",
            "StoreKitClient.purchase(_:)",
            52,
        ),
        (
            "App Hanging",
            "App hanging for at least 2000 ms.",
            "SearchViewController.swift",
            "SearchViewController.updateResults()",
            77,
        ),
        (
            "EXC_BAD_ACCESS",
            "KERN_INVALID_ADDRESS at 0x0000000000000008",
            "AnalyticsQueue.swift",
            "AnalyticsQueue.flush()",
            45,
        ),
        (
            "NSGenericException",
            "*** Collection was mutated while being enumerated.",
            "WishlistStore.swift",
            "WishlistStore.sync()",
            63,
        ),
        ("Fatal error", "Division by zero", "RatingView.swift", "RatingView.average", 16),
        (
            "DecodingError",
            "typeMismatch(Swift.Int, Expected to decode Int but found a string)",
            "Order.swift",
            "Order.init(from:)",
            31,
        ),
    ),
}
_LIST_LEVELS = ("error", "error", "error", "warning", "error", "fatal", "error", "info")
_LIST_SUBSTATUS = ("ongoing", "new", "ongoing", "escalating", "regressed", "ongoing", "new")
_FIRST_NUMBER = {"web": 1040, "api": 210, "ios": 90}  # below the seeded counters' top (WEB-12A is 1098)
_ASSIGNABLE = {"web": ("alice", "dave"), "api": ("bob", "erin", "dave"), "ios": ("carol", "grace")}
_TEAM_OF = {"web": "frontend", "api": "backend", "ios": "mobile"}
_SHIFT = {"web": 0, "api": 7, "ios": 13}  # so rows of the same position differ between projects


def _list_specs() -> list[_Spec]:
    """The extra issues, varied but deterministic: counts, ages, states and assignees cycle by row."""
    specs = []
    for project, rows in _MORE_ISSUES.items():
        shift = _SHIFT[project]
        for n, (kind, value, filename, function, line) in enumerate(rows):
            status: str = "unresolved"
            substatus: str | None = _LIST_SUBSTATUS[n % len(_LIST_SUBSTATUS)]
            if n % 9 == 8:
                status, substatus = "resolved", None
            elif n % 11 == 10:
                status, substatus = "ignored", "archived_until_escalating"
            assignee: Actor | None = None
            if n % 3 == 0:
                handles = _ASSIGNABLE[project]
                assignee = Actor("user", USERS[handles[n // 3 % len(handles)]])
            elif n % 7 == 5:
                assignee = Actor("team", TEAM_IDS[_TEAM_OF[project]])
            count = (37 * (n + shift + 3) ** 2 + 11 * n) % 9000 + 5
            specs.append(
                _Spec(
                    project,
                    _FIRST_NUMBER[project] + n,
                    f"{kind}: {value}",
                    f"{filename} in {function}",
                    _LIST_LEVELS[n % len(_LIST_LEVELS)],
                    count,
                    max(1, count * ((n + shift) % 5 + 1) // 9),
                    (n % 6 + 1) * 3 * D + n * H,
                    ((n + shift) * 47 % 600) * M + (n % 4) * D,
                    (kind, value),
                    ((filename, function, line),),
                    status=status,
                    substatus=substatus,
                    priority=("high", "medium", "low")[n % 3],
                    assignee=assignee,
                )
            )
    return specs


def _add_list_issues(data: SandboxData, now: datetime) -> None:
    """Append the extra issues and two events each, from their own generator (earlier ids stay)."""
    rng = random.Random(SEED + 13)
    users = _event_users(now)
    first = 5501024301 + len(SPECS)
    for n, spec in enumerate(_list_specs()):
        issue = _issue(str(first + n), spec, now)
        data.issues[issue.id] = issue
        affected = [u for u in users if u.project_slug == spec.project]
        for k, moment in enumerate((issue.last_seen, issue.first_seen + (issue.last_seen - issue.first_seen) / 3)):
            event = _event(
                random_hex(rng, 32), spec, issue, moment, affected[(n + k) % len(affected)], RELEASES[spec.project][k]
            )
            if (n % 4 == 1 and k == 0) or n % 8 == 3:
                # Some issues happen on staging too (Sentry's `environment` tag of the event).
                event.tags = sorted(
                    ("environment", "staging") if key == "environment" else (key, v) for key, v in event.tags
                )
            data.events[event.event_id] = event


# --- issue 13, "card": releases with deploys, cron monitors with check-ins -----------------------

REPO_OF_PROJECT = {"web": "32741", "api": "32742", "ios": "32743"}


def _releases(now: datetime, issues: list[Issue], commits: list[Commit]) -> list[Release]:
    """Three releases a project (RELEASES, newest first), each cut a little before the first issue it
    brought, holding the project's commits since the release before it, deployed to staging and then
    production (the oldest straight to production)."""
    releases: list[Release] = []
    deploy_id = 7100
    for project, versions in RELEASES.items():
        firsts = {
            v: [i.first_seen for i in issues if i.project_slug == project and i.first_release == v] for v in versions
        }
        newest = min(firsts[versions[0]], default=now - 2 * D) - 2 * H
        oldest = min(firsts[versions[-1]], default=newest - 14 * D) - 2 * H
        oldest = min(oldest, newest - 4 * D)
        dates = [newest, oldest + (newest - oldest) / 2, oldest]
        repo_commits = sorted(
            (c for c in commits if c.repo_id == REPO_OF_PROJECT[project]), key=lambda c: c.date_created, reverse=True
        )
        for n, (version, cut) in enumerate(zip(versions, dates, strict=True)):
            after = dates[n + 1] if n + 1 < len(dates) else None
            # The newest release holds everything since the one before (the sample commits are recent).
            upper = None if n == 0 else cut
            included = [
                c.id
                for c in repo_commits
                if (upper is None or c.date_created <= upper) and (after is None or c.date_created > after)
            ]
            environments = ("production",) if n == len(versions) - 1 else ("staging", "production")
            deploys = []
            for k, environment in enumerate(environments):
                deploy_id += 1
                started = cut + (20 + 40 * k) * M
                deploys.append(
                    Deploy(str(deploy_id), environment, started, started + 6 * M, name=f"{environment} {version}")
                )
            releases.append(Release(version, project, cut, included, deploys))
    return releases


def _checkins(
    rng: random.Random,
    now: datetime,
    every: timedelta,
    runtime: tuple[int, int],
    trouble: dict[int, str],
    at: timedelta = timedelta(0),
) -> list[CheckIn]:
    """The last 20 check-ins, newest first, one each `every` at `at` past a Monday midnight UTC (the
    schedule's own times); `trouble` marks the n-th newest as failed."""
    rows = []
    start = datetime(2024, 1, 1, tzinfo=UTC) + at  # a Monday
    last = now - (now - start) % every
    for n in range(20):
        expected = last - n * every
        status = trouble.get(n, "ok")
        duration = None if status == "missed" else rng.randint(*runtime) * (4 if status == "timeout" else 1)
        uid = random_hex(rng, 32)
        rows.append(
            CheckIn(
                f"{uid[:8]}-{uid[8:12]}-4{uid[13:16]}-a{uid[17:20]}-{uid[20:]}",
                "production",
                status,
                expected + timedelta(seconds=rng.randint(1, 40)),
                expected,
                duration,
            )
        )
    return rows


def _monitors(now: datetime, rng: random.Random) -> list[Monitor]:
    def config(schedule_type: str, schedule: str | list[Any], margin: int, runtime: int, tz: str = "UTC") -> JSON:
        return {
            "schedule_type": schedule_type,
            "schedule": schedule,
            "checkin_margin": margin,
            "max_runtime": runtime,
            "timezone": tz,
            "failure_issue_threshold": 1,
            "recovery_threshold": 1,
            "alert_rule_id": None,
        }

    created = now - 120 * D

    def uid() -> str:
        h = random_hex(rng, 32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    return [
        Monitor(
            uid(),
            "nightly-billing",
            "Nightly billing run",
            "api",
            config("crontab", "0 2 * * *", 5, 30),
            created,
            checkins=_checkins(rng, now, D, (240_000, 410_000), {3: "error"}, at=2 * H),
        ),
        Monitor(
            uid(),
            "inventory-sync",
            "Inventory sync",
            "api",
            config("interval", [15, "minute"], 3, 10),
            created + 30 * D,
            checkins=_checkins(rng, now, 15 * M, (18_000, 52_000), {0: "missed", 1: "timeout", 9: "error"}),
        ),
        Monitor(
            uid(),
            "sitemap-rebuild",
            "Sitemap rebuild",
            "web",
            config("crontab", "30 4 * * 1", 60, 120),
            created + 10 * D,
            is_muted=True,
            checkins=_checkins(rng, now, 7 * D, (95_000, 160_000), {}, at=4 * H + 30 * M),
        ),
        Monitor(
            uid(),
            "push-digest",
            "Morning push digest",
            "ios",
            config("crontab", "0 9 * * *", 10, 15, "Europe/Berlin"),
            created + 60 * D,
            # 09:00 in Berlin is 08:00 UTC in winter.
            checkins=_checkins(rng, now, D, (8_000, 21_000), {}, at=8 * H),
        ),
    ]
