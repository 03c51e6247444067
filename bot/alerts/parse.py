"""Webhook payloads into `Alert` / `IssueChange`: pure functions, tolerant of missing fields.

Sentry's payloads differ by resource (DESIGN.md §3): a service hook posts
`{"project", "group", "event"}`; a Sentry App posts `{"action", "data", "actor", "installation"}`
whose `data` holds an `issue`, an `event`, an `error`, a `metric_alert` or a comment.
`parse()` returns None for what the bot does not post (installations, deleted comments, ...);
`parse_or_drop()` says why instead.

Whatever a signed body holds, these readers give values the store can hold: counts clamped to
what an INTEGER column takes (`1e400`, `Infinity` and 2**70 become the largest count), text
without lone surrogates or NUL characters, ids of at most 32 characters (else no id).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.alerts.models import Alert, Drop, EventKind, IssueChange

__all__ = ["MAX_COUNT", "Source", "parse", "parse_or_drop"]

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
# The largest count stored: a 32-bit INTEGER column (alert_messages.events) on PostgreSQL.
MAX_COUNT = 2**31 - 1
# Sentry's issue ids are decimal numbers (bigint); longer is not an id (`alert_messages.issue_id`).
_MAX_ID = 32
# Text the store cannot encode (UTF-8 has no lone surrogates; PostgreSQL text has no NUL).
_UNSTORABLE = re.compile("[\ud800-\udfff\x00]")
# Lengths of the columns these values land in (`bot/store/alerts.py`).
_MAX_PROJECT, _MAX_STATUS, _MAX_ASSIGNEE = 100, 16, 200
# Sentry's substatus names (`archived_until_condition_met` is the longest); an email (RFC 5321).
_MAX_SUBSTATUS, _MAX_EMAIL = 32, 320
# Tags kept for `--tags`: Sentry caps keys at 32 characters and values at 200; an event has a few
# dozen at most.
_KEPT_TAGS, _TAG_KEY_MAX, _TAG_VALUE_MAX = 50, 32, 200
_STATUS_CHANGES = {"resolved": "resolved", "unresolved": "unresolved", "ignored": "ignored", "archived": "ignored"}


def parse(source: str, resource: str, action: str, payload: JSON) -> Alert | IssueChange | None:
    """The alert or change a stored webhook carries, or None when there is nothing to post."""
    parsed = parse_or_drop(source, resource, action, payload)
    return None if isinstance(parsed, Drop) else parsed


def parse_or_drop(source: str, resource: str, action: str, payload: JSON) -> Alert | IssueChange | Drop:
    """The alert or change a stored webhook carries, or why there is nothing to post."""
    if source == Source.SERVICE_HOOK:
        return _service_hook(payload)
    data = _dict(payload.get("data"))
    actor = _str(_dict(payload.get("actor")).get("name")) or "Someone"
    if resource == "issue":
        return _issue(action, _dict(data.get("issue")), actor, data_assignee=_dict(data.get("assignee")))
    if resource == "event_alert" and action == "triggered":
        event = _dict(data.get("event"))
        channels = _setting_channels(_dict(data.get("issue_alert")).get("settings"))
        return _event(event, EventKind.ALERT, rule=_str(data.get("triggered_rule")), channels=channels)
    if resource == "error" and action == "created":
        return _event(_dict(data.get("error")), EventKind.ERROR)
    if resource == "metric_alert":
        return _metric_alert(action, data)
    if resource == "comment" and action in ("created", "updated"):
        return _comment(action, data, actor)
    return Drop.NOT_POSTED


def _service_hook(payload: JSON) -> Alert | Drop:
    group, event = _dict(payload.get("group")), _dict(payload.get("event"))
    issue_id = _id(group.get("id")) or _id(event.get("groupID"))
    if not issue_id:
        return Drop.NO_ID
    project = _project(_dict(payload.get("project")).get("slug")) or _project(_dict(group.get("project")).get("slug"))
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
        status=_str(group.get("status"), _MAX_STATUS),
        assignee=_assignee(group.get("assignedTo")),
        substatus=_str(group.get("substatus"), _MAX_SUBSTATUS),
        assignee_email=_assignee_email(group.get("assignedTo")),
        event_tags=_kept(tags),
    )


def _event(event: JSON, kind: EventKind, *, rule: str | None = None, channels: tuple[str, ...] = ()) -> Alert | Drop:
    issue_id = _id(event.get("issue_id")) or _id(event.get("groupID"))
    if not issue_id:
        return Drop.NO_ID
    tags = _tags(event.get("tags"))
    web_url = _str(event.get("web_url"))
    # Event alerts name the project by id only; its slug is in the event's API URL.
    in_url = _EVENT_URL.search(_str(event.get("url")) or "")
    project = _project(in_url.group("project")) if in_url else None
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
        rule_channels=channels,
        event_tags=_kept(tags),
    )


def _issue(action: str, issue: JSON, actor: str, *, data_assignee: JSON) -> Alert | IssueChange | Drop:
    issue_id = _id(issue.get("id"))
    if not issue_id:
        return Drop.NO_ID
    if action == "created":
        project = _project(_dict(issue.get("project")).get("slug"))
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
            status=_str(issue.get("status"), _MAX_STATUS),
            assignee=_assignee(issue.get("assignedTo")),
            substatus=_str(issue.get("substatus"), _MAX_SUBSTATUS),
            assignee_email=_assignee_email(issue.get("assignedTo")),
        )
    common: dict[str, Any] = {
        "issue_id": issue_id,
        "actor": actor,
        "title": _str(issue.get("title")),
        "events": _int(issue.get("count")),
        "users": _int(issue.get("userCount")),
        "substatus": _str(issue.get("substatus"), _MAX_SUBSTATUS),
    }
    if action in _STATUS_CHANGES:
        status = _str(issue.get("status"), _MAX_STATUS) or (
            "unresolved" if action == "unresolved" else _STATUS_CHANGES[action]
        )
        return IssueChange(kind=EventKind.RESOLVED, action=_STATUS_CHANGES[action], status=status, **common)
    if action in ("assigned", "unassigned"):
        assignee = _assignee(issue.get("assignedTo")) if action == "assigned" else None
        # `issue.assigned` also names the assignee in `data.assignee` (with the email unless the
        # organization has enhanced privacy): receivers/sentry_apps.py `send_issue_assigned_webhook`.
        email = (_assignee_email(issue.get("assignedTo")) or _assignee_email(data_assignee)) if assignee else None
        return IssueChange(
            kind=EventKind.ASSIGNED,
            action="assigned" if assignee else "unassigned",
            assignee=assignee,
            assignee_email=email,
            **common,
        )
    return Drop.NOT_POSTED


def _metric_alert(action: str, data: JSON) -> Alert | Drop:
    incident = _dict(data.get("metric_alert"))
    incident_id = _id(incident.get("id"))
    if not incident_id:
        return Drop.NO_ID
    rule = _dict(incident.get("alert_rule"))
    projects = _list(incident.get("projects")) or _list(rule.get("projects"))
    return Alert(
        kind=EventKind.METRIC,
        key=f"metric:{incident_id}",
        projects=tuple(dict.fromkeys(p for p in map(_project, projects) if p)),
        title=_str(data.get("description_title")) or _str(rule.get("name")) or "Metric alert",
        environment=_str(rule.get("environment")),
        link=_str(data.get("web_url")),
        rule=_str(rule.get("name")),
        status=_str(action, _MAX_STATUS),
        # Sentry double-escapes the newline in this field.
        description=(_str(data.get("description_text")) or "").replace("\\n", "\n") or None,
        rule_channels=_metric_channels(action, rule),
    )


def _comment(action: str, data: JSON, actor: str) -> IssueChange | Drop:
    issue_id = _id(data.get("issue_id"))
    if not issue_id:
        return Drop.NO_ID
    return IssueChange(
        kind=EventKind.COMMENT,
        issue_id=issue_id,
        action="commented" if action == "created" else "edited a comment",
        actor=actor,
        text=_str(data.get("comment")),
    )


# The bot's alert-rule action names its one field `channel` (bot/apps.py `sentry_app_schema`).
_CHANNEL_SETTING = "channel"
# A channel setting longer than this names no Slack channel (names are at most 80 characters).
_MAX_CHANNEL = 100


def _setting_channels(settings: Any) -> tuple[str, ...]:
    """The `channel` values of an alert-rule action's settings: `[{"name": "channel", "value": "#general"}]`
    (docs.sentry.io, Integration Platform → Webhooks → Issue Alerts, `data.issue_alert.settings`)."""
    found = (
        _str(s.get("value"), _MAX_CHANNEL)
        for s in _list(settings)
        if isinstance(s, Mapping) and s.get("name") == _CHANNEL_SETTING
    )
    return tuple(dict.fromkeys(v for v in found if v))


def _metric_channels(action: str, rule: JSON) -> tuple[str, ...]:
    """The channels a metric alert's rule chose for the bot: the settings of its Sentry App actions
    (`alert_rule.triggers[].actions[]`, type `sentry_app`, key `settings`: docs.sentry.io, Webhooks →
    Metric Alerts; getsentry/sentry AlertRuleTriggerActionSerializer). A `critical` or `warning`
    alert takes the trigger of that label when one has such actions; `resolved` (which ends
    either) takes every trigger's."""
    per_trigger: dict[str, list[str]] = {}
    for trigger in map(_dict, _list(rule.get("triggers"))):
        label = _str(trigger.get("label")) or ""
        for act in map(_dict, _list(trigger.get("actions"))):
            if act.get("type") == "sentry_app":
                per_trigger.setdefault(label, []).extend(_setting_channels(act.get("settings")))
    chosen = per_trigger.get(action) or [c for channels in per_trigger.values() for c in channels]
    return tuple(dict.fromkeys(chosen))


# ---------------------------------------------------------------------- tolerant readers


def _dict(value: Any) -> JSON:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any, limit: int | None = None) -> str | None:
    if value is None or isinstance(value, Mapping | list):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        text = str(value).strip()
    except ValueError:  # an integer of more than 4300 digits has no str() by default
        return None
    text = _UNSTORABLE.sub("\ufffd", text)
    return text[:limit] if limit is not None and text else text or None


def _id(value: Any) -> str | None:
    """An id: a string or integer of at most 32 characters, without spaces or unstorable characters."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = _str(value)
    if text is None or len(text) > _MAX_ID or "\ufffd" in text or any(c.isspace() for c in text):
        return None
    return text


def _project(value: Any) -> str | None:
    return _str(value, _MAX_PROJECT)


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    """A count, clamped to 0..MAX_COUNT; None for what is no number (NaN, text, objects)."""
    if isinstance(value, float) and math.isinf(value):
        return MAX_COUNT if value > 0 else 0
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return min(max(number, 0), MAX_COUNT)


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
        if (k := _str(key)) is not None and (v := _str(value)) is not None:
            tags[k] = v
    return tags


def _shown(tags: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((k, tags[k]) for k in _SHOWN_TAGS if k in tags)[:_MAX_TAGS]


def _kept(tags: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The event's tags for `--tags`, bounded: the first `_KEPT_TAGS`, each cut to Sentry's lengths."""
    return tuple((k[:_TAG_KEY_MAX], v[:_TAG_VALUE_MAX]) for k, v in list(tags.items())[:_KEPT_TAGS])


def _assignee_email(value: Any) -> str | None:
    """The email of an assigned user (Sentry's actor `{"type": "user", "email", ...}`); teams have none."""
    if not isinstance(value, Mapping) or value.get("type") == "team":
        return None
    email = _str(value.get("email"), _MAX_EMAIL)
    return email if email and "@" in email else None


def _assignee(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return _str(value.get("name"), _MAX_ASSIGNEE) or _str(value.get("email"), _MAX_ASSIGNEE)
    return _str(value, _MAX_ASSIGNEE)
