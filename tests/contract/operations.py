"""Every Sentry operation the client covers, as one call each: the contract tests run them all.

Each entry is `(name, call)`; `call(client)` performs the operation with believable arguments.
The `name` is the client method, so a new method without an entry here fails `test_every_operation_listed`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.sentry import SentryClient

Call = Callable[[SentryClient], Awaitable[Any]]

ISSUE = "1"
PROJECT = "pump-station"
UUID = "01635075-1234-4f96-8fc8-ff9680780a13"

OPERATIONS: list[tuple[str, Call]] = [
    ("get_organization", lambda c: c.get_organization()),
    ("update_organization", lambda c: c.update_organization(name="Interstellar Jurisdiction")),
    ("list_members", lambda c: c.list_members()),
    (
        "add_member",
        lambda c: c.add_member("new@example.com", org_role="member", team_roles=[("backend", "contributor")]),
    ),
    ("get_member", lambda c: c.get_member("57377908164")),
    ("update_member", lambda c: c.update_member("57377908164", org_role="admin", team_roles=[("backend", "admin")])),
    ("remove_member", lambda c: c.remove_member("57377908164")),
    ("list_projects", lambda c: c.list_projects()),
    ("list_teams", lambda c: c.list_teams()),
    ("list_repos", lambda c: c.list_repos()),
    ("list_repo_commits", lambda c: c.list_repo_commits("3")),
    ("resolve_short_id", lambda c: c.resolve_short_id("PUMP-STATION-1")),
    ("resolve_event_id", lambda c: c.resolve_event_id("9fac2ceed9344f2bbfdd1fdacb0ed9b1")),
    ("org_stats", lambda c: c.org_stats(field="sum(quantity)", group_by=["project", "outcome"], stats_period="14d")),
    ("list_relays", lambda c: c.list_relays()),
    ("list_client_keys", lambda c: c.list_client_keys()),
    ("get_project", lambda c: c.get_project(PROJECT)),
    ("project_stats", lambda c: c.project_stats(PROJECT, stat="received", since=1700000000, resolution="1h")),
    ("list_project_members", lambda c: c.list_project_members(PROJECT)),
    ("list_project_users", lambda c: c.list_project_users(PROJECT)),
    ("list_tag_keys", lambda c: c.list_tag_keys(PROJECT)),
    ("list_tag_values", lambda c: c.list_tag_values(PROJECT, "browser")),
    ("list_hooks", lambda c: c.list_hooks(PROJECT)),
    ("create_hook", lambda c: c.create_hook(PROJECT, "https://bot.example.com/sentry/webhook", ["event.alert"])),
    ("delete_hook", lambda c: c.delete_hook(PROJECT, "4f9d73e63b7144ecb8944c41620a090b")),
    ("list_integrations", lambda c: c.list_integrations(provider_key="slack")),
    ("get_integration", lambda c: c.get_integration("24817")),
    ("delete_integration", lambda c: c.delete_integration("24817")),
    ("list_providers", lambda c: c.list_providers(provider_key="github")),
    ("list_forwarders", lambda c: c.list_forwarders()),
    (
        "create_forwarder",
        lambda c: c.create_forwarder("segment", config={"write_key": "abc"}, is_enabled=True, project_ids=[2]),
    ),
    ("update_forwarder", lambda c: c.update_forwarder("1", "segment", config={"write_key": "def"}, is_enabled=False)),
    ("delete_forwarder", lambda c: c.delete_forwarder("1")),
    (
        "create_external_user",
        lambda c: c.create_external_user(user_id=1, external_name="@billy", provider="github", integration_id=1),
    ),
    (
        "update_external_user",
        lambda c: c.update_external_user("1", user_id=1, external_name="@bob", provider="github", integration_id=1),
    ),
    ("delete_external_user", lambda c: c.delete_external_user("1")),
    (
        "create_external_team",
        lambda c: c.create_external_team("backend", external_name="@acme/backend", provider="github", integration_id=1),
    ),
    (
        "update_external_team",
        lambda c: c.update_external_team(
            "backend", "1", external_name="@acme/api", provider="github", integration_id=1
        ),
    ),
    ("delete_external_team", lambda c: c.delete_external_team("backend", "1")),
    ("list_installations", lambda c: c.list_installations()),
    ("list_external_issues", lambda c: c.list_external_issues(ISSUE)),
    (
        "create_external_issue",
        lambda c: c.create_external_issue(
            UUID, issue_id=ISSUE, web_url="https://tracker.example.com/T-1", project="T", identifier="T-1"
        ),
    ),
    ("delete_external_issue", lambda c: c.delete_external_issue(UUID, "1")),
    ("list_scim_users", lambda c: c.list_scim_users(email="test.user@okta.local")),
    (
        "provision_scim_user",
        lambda c: c.provision_scim_user("new.user@okta.local", org_role="member", given_name="New", family_name="User"),
    ),
    ("update_scim_user", lambda c: c.update_scim_user("102", [{"op": "replace", "value": {"active": False}}])),
    ("deactivate_scim_user", lambda c: c.deactivate_scim_user("102")),
    ("remove_scim_user", lambda c: c.remove_scim_user("102")),
    ("get_issue", lambda c: c.get_issue(ISSUE)),
    ("update_issue", lambda c: c.update_issue(ISSUE, status="resolvedInNextRelease")),
    ("update_issue", lambda c: c.update_issue(ISSUE, status="ignored", substatus="archived_until_escalating")),
    (
        "update_issue",
        lambda c: c.update_issue(ISSUE, status="ignored", substatus="archived_until_condition_met", ignore_count=100),
    ),
    ("update_issue", lambda c: c.update_issue(ISSUE, assigned_to="user:1")),
    ("update_issue", lambda c: c.update_issue(ISSUE, assigned_to="")),
    # --- issue lists (lists: `issues`, `mine`, `unassigned`) ---
    (
        "list_issues",
        lambda c: c.list_issues(
            query="is:unresolved level:error assigned:john.doe@example.com",
            projects=[2],
            environments=["production"],
            sort="freq",
            stats_period="24h",
            limit=20,
        ),
    ),
    # --- tickets (integration create/link forms) and Seer (autofix) ---
    ("get_ticket_form", lambda c: c.get_ticket_form(ISSUE, "123456", "create")),
    ("get_ticket_form", lambda c: c.get_ticket_form(ISSUE, "123456", "link")),
    ("create_ticket", lambda c: c.create_ticket(ISSUE, "123456", {"title": "TypeError", "description": "WEB-1"})),
    ("link_ticket", lambda c: c.link_ticket(ISSUE, "123456", {"externalIssue": "PROJECT-123"})),
    ("start_autofix", lambda c: c.start_autofix(ISSUE)),
    ("get_autofix", lambda c: c.get_autofix(ISSUE)),
    # --- reports (issue 15) ---
    (
        "event_totals",
        lambda c: c.event_totals(start="2027-03-27T08:00:00Z", end="2027-03-28T07:00:00Z", projects=[2]),
    ),
]

# --- issue card, releases and crons (issue 13, "card") ---
RELEASE = "frontend@1.0.0+build.7"
MONITOR = "nightly-billing"
OPERATIONS += [
    ("get_issue_details", lambda c: c.get_issue_details(ISSUE)),
    ("get_issue_details", lambda c: c.get_issue_details("PUMP-STATION-1")),
    ("get_latest_event", lambda c: c.get_latest_event(ISSUE)),
    ("issue_tag_counts", lambda c: c.issue_tag_counts(ISSUE, keys=["release", "environment", "browser.name"])),
    ("list_releases", lambda c: c.list_releases()),
    ("list_releases", lambda c: c.list_releases(project=PROJECT)),
    ("get_release", lambda c: c.get_release(RELEASE)),
    ("list_release_commits", lambda c: c.list_release_commits(RELEASE)),
    ("list_release_deploys", lambda c: c.list_release_deploys(RELEASE)),
    ("list_monitors", lambda c: c.list_monitors()),
    ("list_monitors", lambda c: c.list_monitors(project_id="2")),
    ("get_monitor", lambda c: c.get_monitor(MONITOR)),
    ("list_monitor_checkins", lambda c: c.list_monitor_checkins(MONITOR)),
    (
        "update_monitor",
        lambda c: c.update_monitor(
            MONITOR,
            project=PROJECT,
            name="Nightly billing",
            config={"schedule_type": "crontab", "schedule": "0 2 * * *", "checkin_margin": 5, "timezone": "UTC"},
            is_muted=True,
        ),
    ),
]
