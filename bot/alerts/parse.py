"""Webhook payloads into `Alert` / `IssueChange`: pure functions, tolerant of missing fields.

Sentry's payloads differ by resource (DESIGN.md §3): a service hook posts
`{"project", "group", "event"}`; a Sentry App posts `{"action", "data", "actor", "installation"}`
whose `data` holds an `issue`, an `event`, an `error`, a `metric_alert` or a comment.
`parse()` returns None for what the bot does not post (installations, deleted comments, ...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.alerts.models import Alert, EventKind, IssueChange

__all__ = ["Source", "parse"]

JSON = Mapping[str, Any]


class Source(StrEnum):
    """Where an outbox row came from (`webhook_outbox.source`)."""

    SERVICE_HOOK = "service_hook"
    SENTRY_APP = "sentry_app"
    SLACK = "slack"  # a change made with a button, through issue_changed()


# Tags shown on an alert; level, environment and release have their own fields.
_SHOWN_TAGS = (
    "handled",
    "mechanism",
    "browser",
    "os",
    "runtime",
    "device",
    "transaction",
    "url",
    "server_name",
    "user",
)
_MAX_TAGS = 6
_EVENT_URL = re.compile(r"/projects/[^/]+/(?P<project>[^/]+)/events/")
_ISSUE_URL = re.compile(r"^(?P<issue>.*?/issues/\d+/)")
_STATUS_CHANGES = {"resolved": "resolved", "unresolved": "unresolved", "ignored": "ignored", "archived": "ignored"}


def parse(source: str, resource: str, action: str, payload: JSON) -> Alert | IssueChange | None:
    """The alert or change a stored webhook carries, or None when there is nothing to post."""
    if source == Source.SERVICE_HOOK:
        return _service_hook(payload)
    data = _dict(payload.get("data"))
    actor = _str(_dict(payload.get("actor")).get("name")) or "Someone"
    if resource == "issue":
        return _issue(action, _dict(data.get("issue")), actor)
    if resource == "event_alert" and action == "triggered":
        event = _dict(data.get("event"))
        return _event(event, EventKind.ALERT, rule=_str(data.get("triggered_rule")))
    if resource == "error" and action == "created":
        return _event(_dict(data.get("error")), EventKind.ERROR)
    if resource == "metric_alert":
        return _metric_alert(action, data)
    if resource == "comment" and action in ("created", "updated"):
        return _comment(action, data, actor)
    return None


def _service_hook(payload: JSON) -> Alert | None:
    group, event = _dict(payload.get("group")), _dict(payload.get("event"))
    issue_id = _str(group.get("id")) or _str(event.get("groupID"))
    if not issue_id:
        return None
    project = _str(_dict(payload.get("project")).get("slug")) or _str(_dict(group.get("project")).get("slug"))
    tags = _tags(event.get("tags"))
    return Alert(
        kind=EventKind.ALERT,
        key=f"issue:{issue_id}",
        projects=(project,) if project else (),
        title=_str(group.get("title")) or _str(event.get("title")) or "Untitled issue",
        issue_id=issue_id,
        short_id=_str(group.get("shortId")),
        culprit=_str(group.get("culprit")) or _str(event.get("culprit")),
        level=_str(group.get("level")) or tags.get("level"),
        environment=tags.get("environment"),
        release=tags.get("release") or _str(_dict(event.get("release")).get("version")),
        events=_int(group.get("count")),
        users=_int(group.get("userCount")),
        first_seen=_time(group.get("firstSeen")),
        tags=_shown(tags),
        link=_str(group.get("permalink")) or _str(group.get("url")),
        event_link=_str(event.get("url")),
        status=_str(group.get("status")),
        assignee=_assignee(group.get("assignedTo")),
    )


def _event(event: JSON, kind: EventKind, *, rule: str | None = None) -> Alert | None:
    issue_id = _str(event.get("issue_id")) or _str(event.get("groupID"))
    if not issue_id:
        return None
    tags = _tags(event.get("tags"))
    web_url = _str(event.get("web_url"))
    # Event alerts name the project by id only; its slug is in the event's API URL.
    in_url = _EVENT_URL.search(_str(event.get("url")) or "")
    project = in_url.group("project") if in_url else None
    issue_page = _ISSUE_URL.match(web_url or "")
    return Alert(
        kind=kind,
        key=f"issue:{issue_id}",
        projects=(project,) if project else (),
        title=_str(event.get("title")) or _str(event.get("message")) or "Untitled event",
        issue_id=issue_id,
        culprit=_str(event.get("culprit")),
        level=_str(event.get("level")) or tags.get("level"),
        environment=_str(event.get("environment")) or tags.get("environment"),
        release=_str(event.get("release")) or tags.get("release"),
        tags=_shown(tags),
        link=issue_page.group("issue") if issue_page else web_url,
        event_link=web_url,
        rule=rule,
    )


def _issue(action: str, issue: JSON, actor: str) -> Alert | IssueChange | None:
    issue_id = _str(issue.get("id"))
    if not issue_id:
        return None
    if action == "created":
        project = _str(_dict(issue.get("project")).get("slug"))
        return Alert(
            kind=EventKind.CREATED,
            key=f"issue:{issue_id}",
            projects=(project,) if project else (),
            title=_str(issue.get("title")) or "Untitled issue",
            issue_id=issue_id,
            short_id=_str(issue.get("shortId")),
            culprit=_str(issue.get("culprit")),
            level=_str(issue.get("level")),
            events=_int(issue.get("count")),
            users=_int(issue.get("userCount")),
            first_seen=_time(issue.get("firstSeen")),
            link=_str(issue.get("permalink")) or _str(issue.get("web_url")),
            status=_str(issue.get("status")),
            assignee=_assignee(issue.get("assignedTo")),
        )
    common: dict[str, Any] = {
        "issue_id": issue_id,
        "actor": actor,
        "title": _str(issue.get("title")),
        "events": _int(issue.get("count")),
        "users": _int(issue.get("userCount")),
    }
    if action in _STATUS_CHANGES:
        status = _str(issue.get("status")) or ("unresolved" if action == "unresolved" else _STATUS_CHANGES[action])
        return IssueChange(kind=EventKind.RESOLVED, action=_STATUS_CHANGES[action], status=status, **common)
    if action in ("assigned", "unassigned"):
        assignee = _assignee(issue.get("assignedTo")) if action == "assigned" else None
        return IssueChange(
            kind=EventKind.ASSIGNED, action="assigned" if assignee else "unassigned", assignee=assignee, **common
        )
    return None


def _metric_alert(action: str, data: JSON) -> Alert | None:
    incident = _dict(data.get("metric_alert"))
    incident_id = _str(incident.get("id"))
    if not incident_id:
        return None
    rule = _dict(incident.get("alert_rule"))
    projects = incident.get("projects") or rule.get("projects") or []
    return Alert(
        kind=EventKind.METRIC,
        key=f"metric:{incident_id}",
        projects=tuple(str(p) for p in projects if p),
        title=_str(data.get("description_title")) or _str(rule.get("name")) or "Metric alert",
        environment=_str(rule.get("environment")),
        link=_str(data.get("web_url")),
        rule=_str(rule.get("name")),
        status=action,
        # Sentry double-escapes the newline in this field.
        description=(_str(data.get("description_text")) or "").replace("\\n", "\n") or None,
    )


def _comment(action: str, data: JSON, actor: str) -> IssueChange | None:
    issue_id = _str(data.get("issue_id"))
    if not issue_id:
        return None
    return IssueChange(
        kind=EventKind.COMMENT,
        issue_id=issue_id,
        action="commented" if action == "created" else "edited a comment",
        actor=actor,
        text=_str(data.get("comment")),
    )


# ---------------------------------------------------------------------- tolerant readers


def _dict(value: Any) -> JSON:
    return value if isinstance(value, Mapping) else {}


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, Mapping | list):
        return None
    text = str(value).strip()
    return text or None


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _tags(raw: Any) -> dict[str, str]:
    """Tags as a dict, from either shape Sentry uses: `[["k", "v"]]` or `[{"key": k, "value": v}]`."""
    tags: dict[str, str] = {}
    for tag in raw if isinstance(raw, list) else []:
        if isinstance(tag, Mapping):
            key, value = tag.get("key"), tag.get("value")
        elif isinstance(tag, list | tuple) and len(tag) == 2:
            key, value = tag
        else:
            continue
        if key is not None and value is not None:
            tags[str(key)] = str(value)
    return tags


def _shown(tags: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((k, tags[k]) for k in _SHOWN_TAGS if k in tags)[:_MAX_TAGS]


def _assignee(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return _str(value.get("name")) or _str(value.get("email"))
    return _str(value)
