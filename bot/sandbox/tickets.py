"""The stand-in's trackers and Seer: create/link forms, the tickets made from them, and autofix runs.

Forms follow what Sentry's integrations return for `GET …/issues/{id}/integrations/{integration_id}/`
(getsentry/sentry `src/sentry/integrations/api/endpoints/group_integration_details.py`,
GroupIntegrationDetailsEndpoint): the integration's serialization plus `createIssueConfig` for
`?action=create` or `linkIssueConfig` for `?action=link`.
- Every tracker starts from IssueBasicIntegration.get_create_issue_config
  (`src/sentry/integrations/mixins/issues.py`): `title` (string, required, the issue's title) and
  `description` (textarea, the issue's link and short ID).
- GitHub (`src/sentry/integrations/github/issues.py`, GitHubIssuesSpec): `repo` (select of the
  installation's repositories, required, `updatesForm`), `assignee` (select, "Unassigned" first) and
  `labels` (select, `multiple`); its link form is `repo`, `externalIssue` (async `url`) and `comment`.
- Jira (`src/sentry/integrations/jira/integration.py`, JiraIntegration.get_create_issue_config):
  `project` and `issuetype` selects (required), `priority` (select with a default), `labels` (text);
  its link form is `externalIssue` (async `url`) and `comment`.
A POST answers 201 with the ticket (IntegrationIssueSerializer: id, key, url, integrationId,
displayName); a missing required field is a 400 `{field: ["This field is required."]}` (the
endpoint returns IntegrationFormError.field_errors as the body).

Seer (`src/sentry/seer/endpoints/group_ai_autofix.py`, GroupAutofixEndpoint): POST starts a run
(202 `{run_id}`); GET answers `{"autofix": null}` before one and the run's state after, its steps
advancing one a poll (PROCESSING, then COMPLETED) as Seer's do; an organization without Seer gets
403 "AI Autofix is not enabled for this organization.".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.records import JSON

__all__ = ["SEER_DISABLED", "SandboxTicket", "TicketDesk", "TicketRefused", "autofix_state"]

SEER_DISABLED = "AI Autofix is not enabled for this organization."
REQUIRED = "This field is required."

GITHUB_LABELS = ["bug", "enhancement", "needs-triage", "p1"]
GITHUB_ASSIGNEES = ["alice-acme", "bob-acme"]
JIRA_PROJECTS = [("10000", "SHOP"), ("10001", "OPS")]
JIRA_ISSUE_TYPES = [("10004", "Bug"), ("10002", "Task"), ("10001", "Story")]
JIRA_PRIORITIES = [("1", "Highest"), ("2", "High"), ("3", "Medium"), ("4", "Low")]


@dataclass
class SandboxTicket:
    id: str
    issue_id: str
    integration_id: str
    key: str
    url: str
    title: str


@dataclass
class AutofixRun:
    run_id: int
    issue_id: str
    polls: int = 0


@dataclass
class TicketDesk:
    """What the trackers hold for the sample organization, and Seer's runs."""

    tickets: list[SandboxTicket] = field(default_factory=list)
    runs: dict[str, AutofixRun] = field(default_factory=dict)  # by issue id
    seer_enabled: bool = True
    next_number: dict[str, int] = field(default_factory=lambda: {"SHOP": 1500, "OPS": 300, "github": 88})

    # --- forms ---

    def create_form(self, provider: str, *, title: str, description: str, repos: list[str]) -> list[JSON]:
        basic: list[JSON] = [
            {"name": "title", "label": "Title", "default": title, "type": "string", "required": True},
            {
                "name": "description",
                "label": "Description",
                "default": description,
                "type": "textarea",
                "autosize": True,
                "maxRows": 10,
            },
        ]
        if provider == "github":
            repo_choices = [[r, r] for r in repos]
            return [
                {
                    "name": "repo",
                    "label": "GitHub Repository",
                    "type": "select",
                    "default": repos[0] if repos else "",
                    "choices": repo_choices,
                    "required": True,
                    "updatesForm": True,
                },
                *basic,
                {
                    "name": "assignee",
                    "label": "Assignee",
                    "default": "",
                    "type": "select",
                    "required": False,
                    "choices": [["", "Unassigned"], *([a, a] for a in GITHUB_ASSIGNEES)],
                },
                {
                    "name": "labels",
                    "label": "Labels",
                    "default": [],
                    "type": "select",
                    "multiple": True,
                    "required": False,
                    "choices": [[label, label] for label in GITHUB_LABELS],
                },
            ]
        return [
            {
                "name": "project",
                "label": "Jira Project",
                "type": "select",
                "default": JIRA_PROJECTS[0][0],
                "choices": [list(p) for p in JIRA_PROJECTS],
                "required": True,
                "updatesForm": True,
            },
            *basic,
            {
                "name": "issuetype",
                "label": "Issue Type",
                "type": "select",
                "default": JIRA_ISSUE_TYPES[0][0],
                "choices": [list(t) for t in JIRA_ISSUE_TYPES],
                "required": True,
                "updatesForm": True,
            },
            {
                "name": "priority",
                "label": "Priority",
                "type": "select",
                "default": "3",
                "choices": [list(p) for p in JIRA_PRIORITIES],
                "required": False,
            },
            {"name": "labels", "label": "Labels", "type": "text", "required": False, "default": ""},
        ]

    def link_form(self, provider: str, *, comment: str, repos: list[str]) -> list[JSON]:
        search = f"/extensions/{provider}/search/acme/"
        fields: list[JSON] = []
        if provider == "github":
            fields.append(
                {
                    "name": "repo",
                    "label": "GitHub Repository",
                    "type": "select",
                    "default": repos[0] if repos else "",
                    "choices": [[r, r] for r in repos],
                    "required": True,
                    "updatesForm": True,
                }
            )
        fields += [
            {"name": "externalIssue", "label": "Issue", "default": "", "type": "select", "url": search, "choices": []},
            {
                "name": "comment",
                "label": "Comment",
                "default": comment,
                "type": "textarea",
                "required": False,
                "help": "Leave blank if you don't want to add a comment.",
            },
        ]
        return fields

    # --- tickets ---

    def create(self, provider: str, integration_id: str, issue_id: str, body: JSON, new_id: str) -> SandboxTicket:
        required = ["title", "repo"] if provider == "github" else ["title", "project", "issuetype"]
        missing = {name: [REQUIRED] for name in required if body.get(name) in (None, "")}
        if missing:
            raise TicketRefused(missing)
        if provider == "github":
            number = self._number("github")
            repo = str(body["repo"])
            key, url = f"{repo}#{number}", f"https://github.com/{repo}/issues/{number}"
        else:
            project = dict(JIRA_PROJECTS).get(str(body["project"]))
            if project is None:
                raise TicketRefused({"project": [f'"{body["project"]}" is not a valid choice.']})
            number = self._number(project)
            key, url = f"{project}-{number}", f"https://acme.atlassian.net/browse/{project}-{number}"
        return self._keep(SandboxTicket(new_id, issue_id, integration_id, key, url, str(body["title"])))

    def link(self, provider: str, integration_id: str, issue_id: str, body: JSON, new_id: str) -> SandboxTicket:
        external = str(body.get("externalIssue") or "").strip()
        if not external:
            raise TicketRefused({"externalIssue": [REQUIRED]})
        if provider == "github":
            repo = str(body.get("repo") or "")
            if not repo:
                raise TicketRefused({"repo": [REQUIRED]})
            number = external.lstrip("#")
            key, url = f"{repo}#{number}", f"https://github.com/{repo}/issues/{number}"
        else:
            key, url = external.upper(), f"https://acme.atlassian.net/browse/{external.upper()}"
        return self._keep(SandboxTicket(new_id, issue_id, integration_id, key, url, key))

    def _number(self, counter: str) -> int:
        self.next_number[counter] += 1
        return self.next_number[counter]

    def _keep(self, ticket: SandboxTicket) -> SandboxTicket:
        # Sentry keeps one link per issue and external issue: linking the same ticket again is one link.
        self.tickets = [t for t in self.tickets if (t.issue_id, t.key) != (ticket.issue_id, ticket.key)]
        self.tickets.append(ticket)
        return ticket

    def annotations(self, issue_id: str) -> list[JSON]:
        return [{"displayName": t.key, "url": t.url} for t in self.tickets if t.issue_id == issue_id]

    # --- Seer ---

    def start(self, issue_id: str, run_id: int) -> AutofixRun:
        run = self.runs[issue_id] = AutofixRun(run_id, issue_id)
        return run

    def poll(self, issue_id: str) -> AutofixRun | None:
        run = self.runs.get(issue_id)
        if run is not None:
            run.polls += 1
        return run


class TicketRefused(Exception):
    """A tracker refused the form: Sentry's 400 with the fields' errors as its body."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(str(errors))
        self.errors = errors


def autofix_state(run: AutofixRun, *, title: str, culprit: str, repo: str) -> dict[str, Any]:
    """A run as GET …/autofix/ shows it after `run.polls` polls: analysis, root cause, then solution."""
    stage = min(run.polls, 3)
    steps: list[JSON] = [
        {
            "id": "0872381c-7d71-46cd-a62b-fbc196846965",
            "index": 0,
            "key": "root_cause_analysis_processing",
            "title": "Analyzing the Issue",
            "type": "default",
            "status": "COMPLETED" if stage >= 1 else "PROCESSING",
            "progress": [
                {"message": "Figuring out the root cause...", "type": "INFO", "data": None, "timestamp": None},
                {"message": f"Looking at `{culprit}` in `{repo}`...", "type": "INFO", "data": None, "timestamp": None},
            ],
            "insights": [],
        }
    ]
    if stage >= 2:
        steps.append(
            {
                "id": "e6ae64b6-e4d4-44f5-bac7-6ecf6780a6dc",
                "index": 1,
                "key": "root_cause_analysis",
                "title": "Root Cause Analysis",
                "type": "root_cause_analysis",
                "status": "COMPLETED",
                "progress": [{"message": "Here is Seer's proposed root cause.", "type": "INFO"}],
                "causes": [
                    {
                        "id": 0,
                        "description": f"`{culprit}` reads a value that is undefined when the request has no "
                        f"session, which raises `{title}`.",
                        "relevant_repos": [repo],
                        "reproduction_urls": [],
                        "root_cause_reproduction": [
                            {
                                "title": "The request arrives without a session cookie.",
                                "code_snippet_and_analysis": "The middleware skips loading the session.",
                                "is_most_important_event": False,
                                "timeline_item_type": "internal_code",
                            },
                            {
                                "title": f"`{culprit}` dereferences the missing session.",
                                "code_snippet_and_analysis": "Nothing checks for a missing session first.",
                                "is_most_important_event": True,
                                "timeline_item_type": "internal_code",
                            },
                        ],
                    }
                ],
                "selection": {"cause_id": 0, "instruction": None},
            }
        )
    if stage >= 3:
        steps.append(
            {
                "id": "5b1e3c1e-0d2a-4f57-9a41-3f2d1c9f7a10",
                "index": 2,
                "key": "solution",
                "title": "Planning Solution",
                "type": "solution",
                "status": "COMPLETED",
                "progress": [{"message": "Here is Seer's proposed solution.", "type": "INFO"}],
                "solution": [
                    {"title": "Return early when the request has no session.", "timeline_item_type": "internal_code"},
                    {"title": "Add a test for a request without a session.", "timeline_item_type": "repro_test"},
                ],
            }
        )
    status = "COMPLETED" if stage >= 3 else "PROCESSING"
    return {
        "autofix": {
            "run_id": run.run_id,
            "status": status,
            "steps": steps,
            "request": {"project_id": None, "repos": []},
            "codebases": {},
            "coding_agents": {},
            "updated_at": None,
            "completed_at": None,
            "last_triggered_at": None,
            "repositories": [
                {
                    "integration_id": 130414,
                    "url": f"https://github.com/{repo}",
                    "external_id": "602341871",
                    "name": repo,
                    "provider": "integrations:github",
                    "default_branch": "main",
                    "is_readable": True,
                    "is_writeable": True,
                }
            ],
        }
    }
