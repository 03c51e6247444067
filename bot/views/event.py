"""An event, found by its 32-hex id: where it happened, in which release, with which tags."""

from __future__ import annotations

from datetime import datetime

from bot.sentry.models import Event, EventIdResolution, Issue
from bot.views import text as t
from bot.views.blocks import context, esc, fields_section, header, message, section, truncate
from bot.views.common import Message, ago, or_none, utc

__all__ = ["event_card"]

TITLE_MAX = 250
TAGS_SHOWN = 8
TAG_VALUE_MAX = 80
# Shown in their own fields, so left out of the tag line.
_FIELD_TAGS = {"environment", "release", "level"}


def _release(event: Event) -> str | None:
    if isinstance(event.release, dict):
        version = event.release.get("shortVersion") or event.release.get("version")
        return None if version is None else str(version)
    return event.release or event.tag("release")


def _tag_line(event: Event) -> str | None:
    pairs = [
        f"`{esc(tag.get('key'))}: {truncate(esc(tag.get('value')), TAG_VALUE_MAX)}`"
        for tag in event.tags
        if tag.get("key") not in _FIELD_TAGS
    ]
    return "  ".join(pairs[:TAGS_SHOWN]) or None


def _issue_field(issue_id: str | None, issue: Issue | None) -> str:
    if issue is not None and issue.short_id:
        title = truncate(esc(issue.title), 80)
        return t.EVENT_ISSUE_NAMED.format(short_id=esc(issue.short_id), title=title)
    return t.EVENT_ISSUE.format(issue_id=esc(issue_id)) if issue_id else t.NONE


def event_card(resolution: EventIdResolution, *, now: datetime, issue: Issue | None = None) -> Message:
    """The event's title and location, then project, issue (its short ID and title when `issue` is
    given), time, platform, release, environment and tags."""
    event = resolution.event
    event_id = resolution.event_id or event.event_id or event.id or ""
    issue_id = resolution.group_id or event.group_id
    title = truncate(esc(event.title or event.message or event_id), TITLE_MAX)
    where = event.location or event.culprit
    created = f"{ago(event.date_created, now)} · {utc(event.date_created)}" if event.date_created else t.NONE
    blocks = [
        header(t.EVENT_TITLE.format(event_id=esc(event_id))),
        section(f"*{title}*"),
    ]
    if where:
        blocks.append(context(f"`{truncate(esc(where), TITLE_MAX)}`"))
    blocks.append(
        fields_section(
            [
                ("Project", or_none(resolution.project_slug)),
                ("Issue", _issue_field(issue_id, issue)),
                ("Time", created),
                ("Platform", or_none(event.platform)),
                ("Release", or_none(_release(event))),
                ("Environment", or_none(event.tag("environment"))),
            ]
        )
    )
    tags = _tag_line(event)
    if tags:
        blocks.append(context(tags))
    return message(f"{t.EVENT_TITLE.format(event_id=esc(event_id))}: {title}", blocks)
