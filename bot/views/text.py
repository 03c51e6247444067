"""User-facing words of the views, in one place, with named placeholders.

Placeholders are filled with text that is already escaped (or is our own), never raw outside text.
"""

from __future__ import annotations

# --- shared ------------------------------------------------------------------------------------
NONE = "—"
JUST_NOW = "just now"
AGO = "{n} {unit} ago"
IN = "in {n} {unit}"
MORE = "More"
SHARE = "Share in channel"
POST_CHART = "Post chart in channel"
MORE_ROWS = "… {n} more rows not shown"
WARNING = "⚠️ {text}"
RETRY = "Retry"
STILL_WAITING = "⏳ Still waiting for Sentry… the answer will replace this message."
YES = "yes"
NO = "no"
ACTIVE = "✅ active"
INACTIVE = "⛔ inactive"

# --- issues ------------------------------------------------------------------------------------
UNASSIGNED = "Unassigned"
RESOLVED = "Resolved"
RESOLVED_NEXT_RELEASE = "Resolved in next release"
RESOLVED_IN_RELEASE = "Resolved in release {release}"
RESOLVED_IN_COMMIT = "Resolved in commit {sha}"
ARCHIVED = "Archived"
ARCHIVED_ESCALATING = "Archived until escalating"
ARCHIVED_EVENTS = "Archived until {n} more events"
ARCHIVED_USERS = "Archived until {n} more users"
ARCHIVED_UNTIL = "Archived until {until}"
ARCHIVED_FOREVER = "Archived forever"
UNRESOLVED = "Unresolved"
UNRESOLVED_SUB = "Unresolved ({sub})"
UPDATED = "Updated"
TEAM_ASSIGNEE = "Team #{name}"
CHANGED_BY = "{change} by {who}"
ISSUE_LINE = "{ref} {title} · {count} events"

PROJECT = "Project {slug}"

# --- events ------------------------------------------------------------------------------------
EVENT_TITLE = "Event {event_id}"
EVENT_ISSUE = "`{issue_id}` (`/sentry issue {issue_id}`)"
EVENT_ISSUE_NAMED = "*{short_id}* {title} (`/sentry {short_id}`)"

# --- lists -------------------------------------------------------------------------------------
PROJECTS_TITLE = "Projects"
PROJECTS_EMPTY = "No projects in this organization yet."
USERS_TITLE = "Users affected in {project}"
USERS_EMPTY = "No users recorded for this project's errors."
TAGS_TITLE = "Tag {key} in {project}"
TAGS_EMPTY = "No values recorded for this tag."
TAGS_TOTAL = "{total} events across {n} values"
HOOKS_TITLE = "Service hooks of {project}"
HOOKS_EMPTY = "No service hooks in this project. Add one with `/sentry hook add <project> <url> <event>`."
MEMBERS_TITLE = "Members"
MEMBERS_EMPTY = "No members found."
REPOS_TITLE = "Repositories"
REPOS_EMPTY = "No repositories are connected to this organization."
COMMITS_TITLE = "Commits in {repo}"
COMMITS_EMPTY = "No commits recorded for this repository."
INTEGRATIONS_TITLE = "Integrations"
INTEGRATIONS_EMPTY = "No integrations installed."
PROVIDERS_TITLE = "Integration providers"
PROVIDERS_EMPTY = "No integration providers available."
FORWARDERS_TITLE = "Data forwarders"
FORWARDERS_EMPTY = "No data forwarders configured."
INSTALLATIONS_TITLE = "Sentry App installations"
INSTALLATIONS_EMPTY = "No Sentry Apps installed."
EXTERNAL_ISSUES_TITLE = "External issues linked to {issue}"
EXTERNAL_ISSUES_EMPTY = "No external issues are linked. Link one with `/sentry link <issue> <url>`."
EXTERNAL_ISSUES_HINT = "Unlink one with `/sentry unlink <id>`."
SCIM_TITLE = "SCIM users"
SCIM_EMPTY = "No SCIM users match."
SCIM_FOOTER = "Showing {first}–{last} of {total}"
RELAYS_TITLE = "Trusted relays"
RELAYS_EMPTY = "No trusted relays have connected."
KEYS_TITLE = "Client keys (DSN)"
KEYS_EMPTY = "No client keys."

# --- members -----------------------------------------------------------------------------------
INVITE_PENDING = "⏳ invite pending"
INVITE_EXPIRED = "⌛ invite expired"
MEMBER_ACTIVE = "✅ active"

# --- hooks -------------------------------------------------------------------------------------
HOOK_CREATED = "✅ Service hook `{id}` added to *{project}*"
HOOK_SHOWN_ONCE = "Copy this secret now: it won't be shown again."

# --- external links ----------------------------------------------------------------------------
EXTERNAL_USER = "✅ {verb} external user *{name}* ({provider}) to Sentry user `{user}` · id `{id}`"
EXTERNAL_TEAM = "✅ {verb} external team *{name}* ({provider}) to Sentry team `{team}` · id `{id}`"
EXTERNAL_ISSUE = "🔗 {verb} {link} ({service}) · id `{id}`"
EXTERNAL_ISSUE_REPLACED = "It replaces {link}: Sentry keeps one linked issue per integration."

# --- stats -------------------------------------------------------------------------------------
NO_DATA = "no data"
STATS_TITLE = "{stat} events · {project}"
ISSUE_STATS_TITLE = "Events of {issue}"
USAGE_TITLE = "Usage · {field}"
USAGE_EMPTY = "No usage recorded in this window."
USAGE_TOTAL = "Total"

# --- confirmation ------------------------------------------------------------------------------
CONFIRM = "⚠️ This will {summary}. This cannot be undone."
CONFIRM_YES = "Confirm"
CONFIRM_NO = "Cancel"

# --- modals ------------------------------------------------------------------------------------
RESOLVE_TITLE = "Resolve issue"
ARCHIVE_TITLE = "Archive issue"
LINK_TITLE = "Link external issue"
ASSIGN_TITLE = "Assign issue"
RESOLVE_SUBMIT = "Resolve"
ARCHIVE_SUBMIT = "Archive"
LINK_SUBMIT = "Link"
ASSIGN_SUBMIT = "Assign"
MODAL_CLOSE = "Cancel"
MODAL_ISSUE = "Issue *{issue}*"
RESOLVE_NOW = "Now"
RESOLVE_NEXT_RELEASE = "In the next release"
ARCHIVE_ESCALATING = "Until it escalates"
ARCHIVE_FOREVER = "Forever"
ARCHIVE_COUNT = "Until {n} more events"
LINK_URL = "URL of the external issue"
LINK_IDENTIFIER = "Identifier (e.g. JIRA-123)"
ASSIGN_LABEL = "Assign to"
ASSIGN_PLACEHOLDER = "Type a name, email or team"
UNASSIGN = "Unassign"
