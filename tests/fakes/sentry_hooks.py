"""The project's own Sentry service-hook payload, so nothing but the contract tests needs ../shared/.

Shape (keys, value types, nesting) of what Sentry posts for an `event.alert` service hook:
getsentry/sentry `src/sentry/tasks/servicehooks.py` `get_payload_v0` sends
`{"project": {"slug", "name"}, "group": serialize(group) + "url", "event": serialize(event) + "url"}`;
the serialized group and event carry the fields of Sentry's published example for that hook
(`servicehook.event.alert.json` of the webhook docs), e.g. `count` as a string and `project.id` as one.
"""

from __future__ import annotations

from typing import Any

__all__ = ["service_hook_alert"]

ORG_URL = "https://test-org.sentry.io/"


def service_hook_alert(
    *,
    project: str = "front-end",
    issue: str = "1170820242",
    short_id: str | None = None,
    event: str = "bb78c1407cea4519aa397afc059c793d",
    title: str = "ReferenceError: blooopy is not defined",
    level: str = "error",
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An `event.alert` service-hook body about `issue` of `project`, its event `event`."""
    exception = {"filename": "/runner", "type": title.partition(":")[0], "value": title.partition(": ")[2]}
    seen = "2019-08-19T20:58:37.391000Z"
    issue_url = f"{ORG_URL}issues/{issue}/"
    project_ref = {"id": "1", "name": project, "platform": "", "slug": project}
    all_tags = {"browser": "Chrome 75.0.3770", "level": level, "handled": "no", **(tags or {})}
    return {
        "project": {"slug": project, "name": project},
        "group": {
            "annotations": [],
            "assignedTo": None,
            "count": "1",
            "culprit": "?(runner)",
            "firstSeen": seen,
            "hasSeen": False,
            "id": issue,
            "isBookmarked": False,
            "isPublic": False,
            "isSubscribed": False,
            "lastSeen": seen,
            "level": level,
            "logger": None,
            "metadata": dict(exception),
            "numComments": 0,
            "permalink": None,
            "platform": "javascript",
            "project": project_ref,
            "shareId": None,
            "shortId": short_id or f"{project.upper()}-{issue}",
            "status": "unresolved",
            "statusDetails": {},
            "subscriptionDetails": None,
            "substatus": "new",
            "title": title,
            "type": "error",
            "userCount": 1,
            "url": issue_url,
        },
        "event": {
            "id": event,
            "eventID": event,
            "groupID": issue,
            "projectID": "1",
            "title": title,
            "message": "",
            "culprit": "?(runner)",
            "location": "/runner",
            "platform": "javascript",
            "type": "error",
            "metadata": dict(exception),
            "tags": [{"key": k, "value": v} for k, v in all_tags.items()],
            "user": {"ip_address": "162.218.85.90"},
            "contexts": {},
            "entries": [],
            "dateCreated": seen,
            "dateReceived": seen,
            "url": f"{issue_url}events/{event}/",
        },
    }
