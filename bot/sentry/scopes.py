"""The scopes each Sentry API operation of the client accepts, as Sentry's published schema declares them.

A token needs any one of an operation's scopes (the schema's `security` lists alternatives). The table is
keyed by the client's operation names (the `operation=` of each request) and is checked against the
schema (`../shared/sentry-api/openapi.json`) by tests/test_apps.py, which prints the right table when
the client gains an operation or Sentry changes a requirement.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["OPERATION_SCOPES"]

OPERATION_SCOPES: Mapping[str, tuple[str, ...]] = {
    "add_member": ("member:admin", "member:invite", "member:write"),
    "create_external_issue": ("event:write",),
    "create_external_team": ("team:admin", "team:write"),
    "create_external_user": ("org:admin", "org:write"),
    "create_forwarder": ("org:write",),
    "create_hook": ("project:write",),
    "delete_external_issue": ("event:admin",),
    "delete_external_team": ("team:admin",),
    "delete_external_user": ("org:admin", "org:write"),
    "delete_forwarder": ("org:write",),
    "delete_hook": ("project:admin",),
    "delete_integration": ("org:admin", "org:integrations"),
    "get_integration": ("org:admin", "org:integrations", "org:read", "org:write"),
    "get_issue": ("event:admin", "event:read", "event:write"),
    "get_member": ("member:admin", "member:read", "member:write"),
    "get_organization": ("org:admin", "org:read", "org:write"),
    "get_project": ("project:admin", "project:read", "project:write"),
    "list_client_keys": ("org:admin", "org:read", "org:write"),
    "list_external_issues": ("event:admin", "event:read", "event:write"),
    "list_forwarders": ("org:read",),
    "list_hooks": ("project:read",),
    "list_installations": ("org:read", "org:integrations"),
    "list_integrations": ("org:admin", "org:integrations", "org:read", "org:write"),
    "list_members": ("member:admin", "member:read", "member:write"),
    "list_project_members": ("project:admin", "project:read", "project:write"),
    "list_project_users": ("project:admin", "project:read", "project:write"),
    "list_projects": ("org:admin", "org:read", "org:write"),
    "list_providers": ("org:admin", "org:read", "org:write"),
    "list_relays": ("org:admin", "org:read", "org:write"),
    "list_repo_commits": ("org:admin", "org:read", "org:write"),
    "list_repos": ("org:admin", "org:ci", "org:integrations", "org:read", "org:write"),
    "list_scim_users": ("member:admin", "member:read", "member:write"),
    "list_tag_keys": ("org:admin", "org:read", "org:write"),
    "list_tag_values": ("project:read",),
    "list_teams": ("org:admin", "org:read", "org:write"),
    "org_stats": ("org:admin", "org:read", "org:write"),
    "project_stats": ("project:admin", "project:read", "project:write"),
    "provision_scim_user": ("member:admin", "member:write"),
    "remove_member": ("member:admin", "member:read", "member:write"),
    "remove_scim_user": ("member:admin",),
    "resolve_event_id": ("org:admin", "org:read", "org:write"),
    "resolve_short_id": ("event:admin", "event:read", "event:write"),
    "update_external_team": ("team:admin", "team:write"),
    "update_external_user": ("org:admin", "org:write"),
    "update_forwarder": ("org:write",),
    "update_issue": ("event:admin", "event:write"),
    "update_member": ("member:admin", "member:invite", "member:write"),
    "update_organization": ("org:admin", "org:write"),
    "update_scim_user": ("member:admin", "member:write"),
    # --- issue lists (lists: `issues`, `mine`, `unassigned`) ---
    "list_issues": ("event:admin", "event:read", "event:write"),
    # --- tickets (integration create/link forms) and Seer (autofix) ---
    "get_ticket_form": ("event:admin", "event:read", "event:write"),
    "create_ticket": ("event:admin", "event:write"),
    "link_ticket": ("event:admin", "event:write"),
    "start_autofix": ("event:admin", "event:write"),
    "get_autofix": ("event:admin", "event:read", "event:write"),
    # --- issue card, releases and crons (issue 13, "card") ---
    "get_issue_details": ("event:admin", "event:read", "event:write"),
    "get_latest_event": ("event:admin", "event:read", "event:write"),
    "issue_tag_counts": ("org:admin", "org:read", "org:write"),
    "list_releases": ("org:ci", "project:admin", "project:read", "project:releases", "project:write"),
    "get_release": ("org:ci", "project:admin", "project:read", "project:releases", "project:write"),
    "list_release_commits": ("org:ci", "project:admin", "project:read", "project:releases", "project:write"),
    "list_release_deploys": ("org:ci", "project:admin", "project:read", "project:releases", "project:write"),
    "list_monitors": ("alerts:read", "org:admin", "org:read", "org:write"),
    "get_monitor": ("alerts:read", "alerts:write", "project:admin", "project:read", "project:write"),
    "list_monitor_checkins": ("alerts:read", "alerts:write", "project:admin", "project:read", "project:write"),
    "update_monitor": ("alerts:write", "project:admin", "project:write"),
    # --- reports (issue 15) ---
    "event_totals": ("org:admin", "org:read", "org:write"),
}
