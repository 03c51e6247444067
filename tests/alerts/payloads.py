"""Sentry webhook bodies, built by us in the shapes Sentry documents, so the pipeline tests need
nothing outside the project. Each builder names its source; `test_payloads.py` checks them against
Sentry's published examples when `../shared/` holds those.

    hook_payload(issue="1", event="e1", project="web")   # a service hook's event.alert
    issue_payload("resolved", issue="1", actor="colleen") # a Sentry App issue webhook
    event_alert(), metric_alert("critical"), comment("created"), installation("created")

Every builder returns a fresh dict: a test changes what it names and nothing leaks to another.
Only the fields the docs list (and a few the bot reads) are here, not every field of the examples.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = [
    "INSTALLATION",
    "comment",
    "encode",
    "error_created",
    "event_alert",
    "hook_payload",
    "installation",
    "issue",
    "issue_payload",
    "metric_alert",
]

INSTALLATION = "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"
_ORG_URL = "https://test-org.sentry.io"


def encode(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def issue(
    *,
    id: str = "1170820242",
    project: str = "front-end",
    title: str = "ReferenceError: blooopy is not defined",
    level: str = "error",
    count: str = "1",
    status: str = "unresolved",
) -> dict[str, Any]:
    """An issue as Sentry's group serializer gives it: in a service hook's `group` and an issue
    webhook's `data.issue`. Source: docs.sentry.io/organization/integrations/integration-platform/
    webhooks/issues/ (the `data.issue` example: count and id as strings, userCount a number,
    assignedTo null or an actor object, project {id, name, slug, platform})."""
    return {
        "id": id,
        "shortId": f"{project.upper()}-{id}",
        "title": title,
        "culprit": "?(runner)",
        "level": level,
        "status": status,
        "substatus": "new",
        "count": count,
        "userCount": 1,
        "firstSeen": "2019-08-19T20:58:37.391000Z",
        "lastSeen": "2019-08-19T20:58:37.391000Z",
        "assignedTo": None,
        "permalink": None,
        "platform": "javascript",
        "type": "error",
        "metadata": {"type": "ReferenceError", "value": title.partition(": ")[2], "filename": "/runner"},
        "project": {"id": "1", "name": project, "slug": project, "platform": ""},
        "numComments": 0,
        "annotations": [],
    }


def hook_payload(
    *,
    issue: str = "1170820242",
    event: str = "bb78c1407cea4519aa397afc059c793d",
    project: str = "front-end",
    level: str = "error",
    environment: str | None = None,
    count: int | None = None,
    title: str | None = None,
    tags: dict[str, str] | None = None,
    **group_fields: Any,
) -> dict[str, Any]:
    """A service hook's `event.alert` body: `{"project": {slug, name}, "group", "event"}`; `tags`
    are added to the event's, `group_fields` change the group (`substatus="regressed"`, ...).

    Source: getsentry/sentry src/sentry/sentry_apps/tasks/service_hooks.py `get_payload_v0`: the
    group and the event serialized as the API does, plus `url` on each (the group's absolute URL,
    and that URL + `events/<event_id>/`). The event serializer gives `id`/`eventID`, `groupID`,
    `projectID`, `title`, `culprit` and `tags` as `[{"key", "value"}]` (the API's event shape).
    """
    group = _issue(id=issue, project=project, level=level, title=title or "ReferenceError: blooopy is not defined")
    group["url"] = f"{_ORG_URL}/issues/{issue}/"
    if count is not None:
        group["count"] = str(count)
    event_tags = [{"key": "browser", "value": "Chrome 75.0.3770"}, {"key": "level", "value": level}]
    event_tags.append({"key": "handled", "value": "no"})
    if environment is not None:
        event_tags.append({"key": "environment", "value": environment})
    event_tags += [{"key": k, "value": v} for k, v in (tags or {}).items()]
    group.update(group_fields)
    return {
        "project": {"slug": project, "name": project},
        "group": group,
        "event": {
            "id": event,
            "eventID": event,
            "groupID": issue,
            "projectID": "1",
            "title": group["title"],
            "message": "",
            "culprit": "?(runner)",
            "platform": "javascript",
            "type": "error",
            "metadata": group["metadata"],
            "tags": event_tags,
            "user": {"ip_address": "162.218.85.90"},
            "contexts": {},
            "entries": [],
            "dateCreated": "2019-08-19T20:58:37.391000Z",
            "url": f"{_ORG_URL}/issues/{issue}/events/{event}/",
        },
    }


_issue = issue  # hook_payload's `issue` argument hides the builder


def issue_payload(
    action: str, *, issue: str = "1170820242", actor: str | None = "colleen", **fields: Any
) -> dict[str, Any]:
    """A Sentry App `issue` webhook (`created`, `resolved`, `assigned`, `archived`, `unresolved`)
    by the user `actor` (None: by Sentry itself), with `fields` changed on the issue.

    Source: docs.sentry.io/organization/integrations/integration-platform/webhooks/issues/:
    `{"action", "installation": {"uuid"}, "data": {"issue": {...}}, "actor": {"type", "id", "name"}}`
    (actor type user, or application "Sentry" for what Sentry did itself).
    """
    body = _sentry_app(action, {"issue": _issue(id=issue)})
    if actor is not None:
        body["actor"] = {"type": "user", "id": 7, "name": actor}
    body["data"]["issue"].update(fields)
    return body


def event_alert(
    *,
    issue: str = "1117540176",
    event: str = "e4874d664c3540c1a32eab185f12c5ab",
    project: str = "front-end",
    rule: str = "Very Important Alert Rule!",
    title: str = "ReferenceError: heck is not defined",
    channel: str | None = None,
) -> dict[str, Any]:
    """A Sentry App `event_alert.triggered` webhook (an issue alert rule's action).

    Source: docs.sentry.io/organization/integrations/integration-platform/webhooks/issue-alerts/:
    `data.event` (with `url` the event's API URL, `web_url`, `issue_url`, `issue_id` a string,
    `project` a number, tags as `[["key", "value"]]`), `data.triggered_rule` the rule's label, and
    `data.issue_alert` {title, settings} for alert rule UI components: `channel` is the bot's one
    setting, `[{"name": "channel", "value": "#general"}]` as in the docs' example.
    """
    event_body = {
        "event_id": event,
        "issue_id": issue,
        "issue_url": f"https://sentry.io/api/0/issues/{issue}/",
        "url": f"https://sentry.io/api/0/projects/test-org/{project}/events/{event}/",
        "web_url": f"https://sentry.io/organizations/test-org/issues/{issue}/events/{event}/",
        "project": 1,
        "title": title,
        "message": "",
        "culprit": "?(<anonymous>)",
        "level": "error",
        "platform": "javascript",
        "type": "error",
        "datetime": "2019-08-19T21:06:17.677000Z",
        "timestamp": 1566248777.677,
        "release": None,
        "tags": [["browser", "Chrome 75.0.3770"], ["handled", "no"], ["level", "error"], ["mechanism", "onerror"]],
        "metadata": {"type": "ReferenceError", "value": title.partition(": ")[2], "filename": "<anonymous>"},
    }
    settings = [{"name": "channel", "value": channel}] if channel is not None else []
    data = {"event": event_body, "triggered_rule": rule, "issue_alert": {"title": rule, "settings": settings}}
    return _sentry_app("triggered", data, actor=_SENTRY)


def error_created(*, issue: str = "1117540176", project: str = "front-end") -> dict[str, Any]:
    """A Sentry App `error.created` webhook: every error event, with `data.error` shaped as the
    issue alert's event. Source: docs.sentry.io/organization/integrations/integration-platform/
    webhooks/errors/ (`data.error` with url, web_url, issue_url, issue_id)."""
    error = event_alert(issue=issue, project=project)["data"]["event"]
    return _sentry_app("created", {"error": error}, actor=_SENTRY)


def metric_alert(
    action: str = "resolved",
    *,
    incident: str = "4",
    projects: list[str] | None = None,
    rule: str = "Too many errors",
    channels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A Sentry App `metric_alert` webhook; `action` is `critical`, `warning` or `resolved`.
    `channels`: trigger label -> the channel its Sentry App action chose (`triggers[].actions[]` of type
    `sentry_app` with `settings`, as getsentry/sentry's AlertRuleTriggerActionSerializer writes them).

    Source: docs.sentry.io/organization/integrations/integration-platform/webhooks/metric-alerts/:
    `data.metric_alert` (the incident: id as a string, projects as slugs, `alert_rule` with name,
    projects, environment, triggers), `data.description_title`, `data.description_text` (its newline
    escaped twice, as the docs' example shows), `data.web_url`.
    """
    slugs = projects if projects is not None else ["bar"]
    title = {"resolved": "Resolved", "critical": "Critical", "warning": "Warning"}.get(action, action.title())
    alert_rule = {
        "id": "7",
        "name": rule,
        "aggregate": "count()",
        "dataset": "events",
        "query": "level:error",
        "environment": None,
        "projects": slugs,
        "time_window": 10,
        "threshold_type": 0,
        "resolve_threshold": None,
        "triggers": [
            {
                "id": str(n),
                "label": label,
                "alertRuleId": "7",
                "actions": [
                    {
                        "id": str(100 + n),
                        "type": "sentry_app",
                        "targetType": "sentry_app",
                        "sentryAppId": 12,
                        "settings": [{"name": "channel", "value": channel}],
                    }
                ],
            }
            for n, (label, channel) in enumerate((channels or {}).items(), start=1)
        ],
    }
    data = {
        "metric_alert": {
            "id": incident,
            "identifier": "1",
            "title": "Sacred Marmot",
            "status": 2,
            "projects": slugs,
            "alert_rule": alert_rule,
            "date_started": "2020-09-13T12:26:40.000000Z",
        },
        "description_title": f"{title}: {rule}",
        "description_text": "1000 events in the last 10 minutes\\nFilter: level:error",
        "web_url": "https://sentry.io/organizations/baz/alerts/1/",
    }
    return _sentry_app(action, data, actor=_SENTRY)


def comment(action: str = "created", *, issue: str = "100", text: str = "adding a comment") -> dict[str, Any]:
    """A Sentry App `comment` webhook (`created`, `updated`, `deleted`).

    Source: docs.sentry.io/organization/integrations/integration-platform/webhooks/comments/:
    `data` = {comment_id, issue_id (a number), project_slug, timestamp, comment}, actor a user.
    """
    data = {
        "comment_id": 1234,
        "issue_id": int(issue) if issue.isdigit() else issue,
        "project_slug": "sentry",
        "timestamp": "2022-03-02T21:51:44.118160Z",
        "comment": text,
    }
    return _sentry_app(action, data, actor={"type": "user", "id": 1, "name": "colleen"})


def installation(action: str = "created") -> dict[str, Any]:
    """A Sentry App `installation` webhook (`created`, `deleted`): nothing for the bot to post.

    Source: docs.sentry.io/organization/integrations/integration-platform/webhooks/installation/:
    `data.installation` = {uuid, status, code, app {uuid, slug}, organization {slug}}.
    """
    data = {
        "installation": {
            "uuid": INSTALLATION,
            "status": "pending",
            "code": "f3c71b491e3949b6b033ae45312a4fcb",
            "app": {"uuid": "a59524c7-b70f-4a5d-9b8d-43adb32b4ff7", "slug": "sentry-bot"},
            "organization": {"slug": "test-org"},
        }
    }
    return _sentry_app(action, data, actor={"type": "user", "id": 1, "name": "Meredith Heller"})


# What Sentry itself does is signed by this actor (the docs' examples of alerts and issue.created).
_SENTRY = {"type": "application", "id": "sentry", "name": "Sentry"}


def _sentry_app(action: str, data: dict[str, Any], *, actor: Mapping[str, Any] = _SENTRY) -> dict[str, Any]:
    """The envelope of every Sentry App webhook. Source: docs.sentry.io/organization/integrations/
    integration-platform/webhooks/ ("action", "installation": {"uuid"}, "data", "actor")."""
    return {"action": action, "installation": {"uuid": INSTALLATION}, "data": data, "actor": dict(actor)}
